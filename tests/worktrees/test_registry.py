"""The machine's registry of checkouts devkit set up: private, live entries only, branches found."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from devkit.core import ownership
from devkit.worktrees import registry


def _checkout(folder: Path) -> str:
    folder.mkdir(parents=True)
    return ownership.identify(folder / ".devkit", folder).id


def test_entries_are_private_and_only_live_ones_are_offered(
    reachable_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVKIT_STATE_HOME", str(reachable_tmp / "state" / "devkit"))
    first = reachable_tmp / "a"
    first_id = _checkout(first)
    second = reachable_tmp / "b"
    second_id = _checkout(second)
    registry.record(registry.Entry(str(first), first_id, origin="git@x:y.git", first_commits=("abc",)))
    registry.record(
        registry.Entry(str(second), second_id, branched_from=str(first), branched_from_id=first_id)
    )

    path = registry.folder() / registry.FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(registry.folder().stat().st_mode) == 0o700
    assert [e.path for e in registry.entries()] == [str(second), str(first)]  # most recent first
    assert [e.path for e in registry.branches_of(first_id)] == [str(second)]

    # A folder that now holds another project (deleted and made again) is not offered any more,
    # and the next write drops it.
    (second / ".devkit" / "project.json").write_text(json.dumps({"id": "other", "path": str(second)}))
    assert [e.path for e in registry.entries()] == [str(first)]
    registry.record(registry.Entry(str(first), first_id))
    assert list(json.loads(path.read_text())["checkouts"]) == [str(first)]


def test_a_damaged_registry_is_ignored_not_fatal(reachable_tmp: Path) -> None:
    folder = registry.folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / registry.FILE).write_text('{"checkouts": {"x": {"path": 3}}, ')
    assert registry.entries() == []
    first = reachable_tmp / "a"
    registry.record(registry.Entry(str(first), _checkout(first)))
    assert [e.path for e in registry.entries()] == [str(first)]
