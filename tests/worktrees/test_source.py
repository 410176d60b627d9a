"""The source checkout is read, never written: its lock is taken without touching its files."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest

from devkit.core import ownership
from devkit.core.errors import LockHeld
from devkit.worktrees.source import open_checkout


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*")}


def test_the_sources_lock_is_taken_read_only_and_waits_for_its_devkit(tmp_path: Path) -> None:
    ownership.identify(tmp_path / ".devkit", tmp_path)
    state = {
        "provider": "native",
        "native": {"data_dir": str(tmp_path / ".devkit/postgres/data"), "port": 5999},
        "steps": {"database": {"fingerprint": "x", "detail": "", "marker": "", "at": 1.0}},
    }
    (tmp_path / ".devkit" / "state.json").write_text(json.dumps(state))
    (tmp_path / ".devkit" / "lock").write_text("")
    os.chmod(tmp_path / ".devkit" / "lock", 0o444)  # nothing here may need to write it
    before = _snapshot(tmp_path)
    source, problem = open_checkout(tmp_path)
    assert source is not None, problem
    with source.locked(timeout=1):
        pass
    with open(tmp_path / ".devkit" / "lock") as held:  # the source's own devkit is working
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(LockHeld, match=f"devkit is working in {tmp_path}"), source.locked(timeout=0.2):
            pass
    assert _snapshot(tmp_path) == before
