"""Another checkout of the project, seen read-only: its id, its state, a stored secret, its lock.

Nothing here writes into the source: state.json and secrets.json are read as JSON (a damaged
file is not set aside as the source's own devkit would: it just makes the checkout unusable as
a source), and its project lock is taken through a read-only descriptor (flock needs no write).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.core.errors import LockHeld
from devkit.core.state import read_json, state_problem
from devkit.worktrees.registry import project_id_of


@dataclass(frozen=True)
class SourceCheckout:
    root: Path
    project_id: str
    state: dict[str, Any]

    @property
    def state_dir(self) -> Path:
        return self.root / ".devkit"

    def secret(self, key: str) -> str | None:
        value = read_json(self.state_dir / "secrets.json").get(key)
        return value if isinstance(value, str) and value else None

    def cluster_dir(self) -> Path | None:
        native = self.state.get("native") or {}
        return Path(native["data_dir"]) if native.get("data_dir") else None

    def step(self, name: str) -> dict[str, Any]:
        return dict((self.state.get("steps") or {}).get(name) or {})

    @contextmanager
    def locked(self, timeout: float) -> Iterator[None]:
        """The source's project lock, so its devkit does not start its server while its files are
        copied. Read-only: the lock file is neither created nor written."""
        path = self.state_dir / "lock"
        fd = os.open(path, os.O_RDONLY)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockHeld(
                            f"devkit is working in {self.root} (the branch's source)",
                            hint="wait for it to finish, then run devkit up again",
                        ) from None
                    time.sleep(0.1)
            yield
        finally:
            os.close(fd)


def open_checkout(root: Path) -> tuple[SourceCheckout | None, str]:
    """The checkout at `root` as a source, or None and why it cannot be one."""
    root = root.resolve()
    project_id = project_id_of(root)
    if not project_id:
        return None, f"devkit has not set up {root} (no .devkit/project.json of that folder)"
    raw = read_json(root / ".devkit" / "state.json")
    if state_problem(raw) is not None:
        return None, f"{root}/.devkit/state.json is damaged"
    source = SourceCheckout(root, project_id, raw)
    if raw.get("provider") != "native" or source.cluster_dir() is None:
        provider = raw.get("provider") or "none yet"
        return None, f"{root} has no native cluster of devkit's (database provider: {provider})"
    if not source.step("database"):
        return None, f"{root} has no finished database step (run devkit up there first)"
    return source, ""
