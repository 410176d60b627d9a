"""Copying a dependency tree: never hard links, whole or not at all, the plan says why."""

from __future__ import annotations

import os
from pathlib import Path

from devkit.worktrees import trees


def _tree(root: Path) -> Path:
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "a.js").write_text("module.exports = 1\n")
    (root / "pkg" / "sub" / "b.bin").write_bytes(os.urandom(4096))
    os.link(root / "pkg" / "a.js", root / "pkg" / "a-hardlink.js")  # pnpm's store does this
    (root / ".bin").mkdir()
    (root / ".bin" / "tool").symlink_to("../pkg/a.js")
    return root


def test_a_copy_shares_no_inode_with_the_source_or_within_itself(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src" / "node_modules")
    dest = tmp_path / "dest" / "node_modules"
    dest.parent.mkdir()
    trees.copy_into_place(source, dest)
    copied = {p.relative_to(dest): p for p in dest.rglob("*") if p.is_file() and not p.is_symlink()}
    assert set(copied) == {Path("pkg/a.js"), Path("pkg/sub/b.bin"), Path("pkg/a-hardlink.js")}
    for rel, path in copied.items():
        assert path.stat().st_nlink == 1, rel
        assert path.stat().st_ino != (source / rel).stat().st_ino
        assert path.read_bytes() == (source / rel).read_bytes()
    assert os.readlink(dest / ".bin" / "tool") == "../pkg/a.js"
    (dest / "pkg" / "a.js").write_text("patched\n")  # patch-package in the copy
    assert (source / "pkg" / "a.js").read_text() == "module.exports = 1\n"
    assert not list(dest.parent.glob("*.devkit-copy-*"))


def test_a_killed_copys_leftover_is_removed_and_the_copy_made_whole(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src" / "node_modules")
    dest = tmp_path / "dest" / "node_modules"
    leftover = dest.with_name("node_modules.devkit-copy-99999")
    (leftover / "half").mkdir(parents=True)
    trees.copy_into_place(source, dest)
    assert not leftover.exists()
    assert (dest / "pkg" / "sub" / "b.bin").is_file()


def test_the_plan_compares_a_plain_copy_with_the_install(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src" / "node_modules")
    size = trees.measure(source)
    assert (size.files, size.bytes) == (4, 4096 + 2 * len("module.exports = 1\n"))
    if trees.reflinks_work(source, tmp_path):  # a copy-on-write file system: always a reflink
        assert trees.plan(source, tmp_path, {"seconds": 0.0}).how == "reflink"
        return
    assert trees.plan(source, tmp_path, None).how == "copy"  # nobody measured the install
    assert trees.plan(source, tmp_path, {"seconds": 60.0}).how == "copy"
    slow = trees.plan(source, tmp_path, {"seconds": 0.0})
    assert slow.how == "install" and "is not faster than the install was in the source (0.0s)" in slow.why
    recorded = trees.plan(source, tmp_path, {"seconds": 1.0, "files": 100_000, "bytes": 0})
    assert recorded.how == "install" and "100,000 files" in recorded.why  # the size recorded at install
