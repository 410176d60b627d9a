"""Which project this folder is: an id generated once and kept in `.devkit/project.json`.

Every cluster devkit creates carries a marker naming the project id and path; every destructive
or stopping action checks that the target's marker names *this* project. A folder copied with
`cp -a` carries the original's `.devkit/`: it is recognised as a copy (the recorded path still
exists and holds the same id) and gets an id of its own, so it never touches the original's data.
A moved folder (the recorded path is gone) keeps its id.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.core.state import read_json, write_atomic

FILE = "project.json"


@dataclass(frozen=True)
class Identity:
    id: str
    root: Path
    copied_from: Path | None = None  # the folder this one was copied from (kept in project.json)
    new_copy: bool = False  # this very call found the folder to be a copy
    moved_from: Path | None = None


def _write_exclusive(path: Path, data: dict[str, Any]) -> bool:
    """Create `path` only if it does not exist (two first runs at once agree on one id)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(data, indent=2) + "\n")
        os.chmod(tmp, 0o644)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def identify(state_dir: Path, root: Path, adopt: str | None = None) -> Identity:
    """This project's identity; creates or updates `.devkit/project.json` as needed.

    `adopt`: an id to take when project.json is missing (the id in the marker of a cluster this
    folder holds, so a lost project.json does not orphan the project's own cluster).
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    # Short and local: two commands deciding "this is a copy" at once must agree on one new id.
    with open(state_dir / f"{FILE}.lock", "a") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        return _identify(state_dir / FILE, root.resolve(), adopt)


def _identify(path: Path, root: Path, adopt: str | None) -> Identity:
    data = read_json(path)
    if not data.get("id"):
        fresh = {"id": adopt or uuid.uuid4().hex, "path": str(root)}
        _write_exclusive(path, fresh)
        data = read_json(path)
        return Identity(str(data.get("id") or fresh["id"]), root)
    recorded = Path(str(data.get("path") or root))
    if recorded == root:
        copied = data.get("copied_from")
        return Identity(str(data["id"]), root, copied_from=Path(copied) if copied else None)
    original = read_json(recorded / ".devkit" / FILE)
    if original.get("id") == data["id"]:
        new = {"id": uuid.uuid4().hex, "path": str(root), "copied_from": str(recorded)}
        write_atomic(path, json.dumps(new, indent=2) + "\n")
        return Identity(new["id"], root, copied_from=recorded, new_copy=True)
    write_atomic(path, json.dumps({"id": data["id"], "path": str(root)}, indent=2) + "\n")
    return Identity(str(data["id"]), root, moved_from=recorded)


def marker(identity: Identity, **extra: Any) -> dict[str, Any]:
    return {"created_by": "devkit", "project_id": identity.id, "project": str(identity.root), **extra}


def owned_by(marker_data: dict[str, Any], identity: Identity) -> bool:
    """Does a marker name this project? Markers written before ids existed name the path only."""
    if marker_data.get("created_by") != "devkit":
        return False
    if marker_data.get("project_id"):
        return marker_data["project_id"] == identity.id
    return Path(str(marker_data.get("project", ""))) == identity.root
