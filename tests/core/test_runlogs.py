"""Per-run log folders: each run its own folder, `latest` at the newest, the last few kept."""

from __future__ import annotations

from pathlib import Path

from devkit.core import runlogs


def test_each_run_has_its_folder_latest_points_at_it_and_old_ones_go(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    root.mkdir()
    (root / "postgres.log").write_text("the server's own log stays")
    (root / "tenants-02-create_super.log").write_text("a flat log of an older devkit stays too")
    (root / "notes").mkdir()  # not a run folder: never removed
    made = []
    for n in range(runlogs.KEEP + 3):
        folder = runlogs.new_run_folder(root)
        (folder / f"tenants-0{n}.log").write_text(str(n))
        made.append(folder)
        assert (root / "latest").resolve() == folder.resolve()
    assert len(set(made)) == len(made)  # one folder per run, even within a second
    assert runlogs.run_folders(root) == made[-runlogs.KEEP :]
    assert (root / "postgres.log").exists() and (root / "tenants-02-create_super.log").exists()
    assert (root / "notes").is_dir()
    assert [p.name for p in (root / "latest").iterdir()] == [f"tenants-0{runlogs.KEEP + 2}.log"]
