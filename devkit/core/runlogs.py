"""Per-run log folders: .devkit/logs/<run-id>/, `latest` pointing at the newest, the last few kept.

A run's logs never mix with an older run's (a repair run used to leave `tenants-02-...` of the old
run beside `tenants-03-...` of the new one). Only folders named like a run id are ever removed:
the server's own logs (postgres.log, initdb.log) stay where their provider keeps them.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

KEEP = 5
_RUN_ID = re.compile(r"^\d{8}-\d{6}-\d{6}-\d+$")  # date-time-microseconds-pid: sorts by time


def new_run_folder(root: Path, keep: int = KEEP) -> Path:
    """Create the folder of this run, point `latest` at it, remove run folders beyond `keep`."""
    root.mkdir(parents=True, exist_ok=True)
    now = time.time_ns()
    seconds, micros = divmod(now // 1000, 1_000_000)
    run_id = time.strftime("%Y%m%d-%H%M%S", time.localtime(seconds)) + f"-{micros:06d}-{os.getpid()}"
    folder = root / run_id
    folder.mkdir(exist_ok=True)
    link = root / "latest"
    temp = root / f".latest-{os.getpid()}"
    temp.unlink(missing_ok=True)
    temp.symlink_to(run_id)
    os.replace(temp, link)  # atomic: readers see the old or the new target, never none
    prune(root, keep, current=folder)
    return folder


def run_folders(root: Path) -> list[Path]:
    """devkit's run folders, oldest first (the run id starts with the time)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and _RUN_ID.match(p.name))


def prune(root: Path, keep: int, current: Path) -> None:
    folders = [p for p in run_folders(root) if p != current]
    for old in folders[: max(0, len(folders) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)  # devkit's own log folder; another run may race us
