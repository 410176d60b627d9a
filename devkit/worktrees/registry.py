"""The checkouts devkit set up on this machine: how a second clone finds the first.

`~/.local/state/devkit/checkouts.json` (`$XDG_STATE_HOME/devkit`, or `$DEVKIT_STATE_HOME`; mode
0600 in a 0700 folder), written after a `devkit up` that ended ready. One entry per checkout
folder: its project id, git origin and first commit, when it was set up, and the checkout it was
branched from. An entry whose folder no longer holds that project id is stale: it is never
offered as a source and is dropped at the next write.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from devkit.core.state import read_json, write_atomic

FILE = "checkouts.json"


def folder() -> Path:
    """Where the registry lives (tests point DEVKIT_STATE_HOME at a folder of their own)."""
    if os.environ.get("DEVKIT_STATE_HOME"):
        return Path(os.environ["DEVKIT_STATE_HOME"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "devkit"


@dataclass(frozen=True)
class Entry:
    path: str
    project_id: str
    origin: str = ""
    first_commits: tuple[str, ...] = ()
    common_dir: str = ""  # the git repository's shared folder: worktrees of one repository share it
    set_up_at: float = 0.0
    branched_from: str = ""  # the source checkout's folder, "" for a plain first run
    branched_from_id: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry | None:
        try:
            return cls(
                path=str(data["path"]),
                project_id=str(data["project_id"]),
                origin=str(data.get("origin") or ""),
                first_commits=tuple(str(c) for c in data.get("first_commits") or ()),
                common_dir=str(data.get("common_dir") or ""),
                set_up_at=float(data.get("set_up_at") or 0.0),
                branched_from=str(data.get("branched_from") or ""),
                branched_from_id=str(data.get("branched_from_id") or ""),
            )
        except (KeyError, TypeError, ValueError):
            return None  # an entry of another shape: ignored, dropped at the next write


def project_id_of(checkout: Path) -> str:
    """The project id a folder holds now ("" when devkit never ran there)."""
    data = read_json(checkout / ".devkit" / "project.json")
    return str(data.get("id") or "") if Path(str(data.get("path") or "")) == checkout else ""


def alive(entry: Entry) -> bool:
    """Does the entry's folder still hold the project it names (not deleted, not replaced)?"""
    return project_id_of(Path(entry.path)) == entry.project_id


def entries() -> list[Entry]:
    """Every live entry, the most recently set up first."""
    raw = read_json(folder() / FILE).get("checkouts")
    found = [Entry.from_json(v) for v in raw.values()] if isinstance(raw, dict) else []
    live = [e for e in found if e is not None and alive(e)]
    return sorted(live, key=lambda e: e.set_up_at, reverse=True)


def record(entry: Entry) -> None:
    """Add or replace the entry for its folder; stale entries go. Under a lock: two checkouts
    finishing at once both land."""
    home = folder()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(home / f"{FILE}.lock", "a") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        kept = {e.path: asdict(e) for e in entries() if e.path != entry.path}
        kept[entry.path] = {**asdict(entry), "set_up_at": entry.set_up_at or time.time()}
        write_atomic(home / FILE, json.dumps({"checkouts": kept}, indent=2, sort_keys=True) + "\n", 0o600)


def branches_of(project_id: str) -> list[Entry]:
    """The live checkouts branched from the project `project_id`."""
    return [e for e in entries() if e.branched_from_id == project_id]
