"""The commands devkit runs are never left working on their own.

Each command devkit runs (pip, npm, manage.py, initdb...) is started in a process group of its
own, so its whole tree can be signalled at once. While `devkit up` holds the project lock, every
running command is recorded in `.devkit/children/<pid>` (its start time and devkit's), and:

- SIGTERM, SIGINT or SIGHUP to devkit stops every running command's group, then devkit exits 130;
- `kill -9` of devkit alone cannot be caught: the next run (under the lock) finds the records of
  commands still working, stops their groups (SIGTERM, then SIGKILL after a grace period) and
  waits until they are gone before it starts any step.

PID reuse is ruled out by comparing start times from /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

_folder: Path | None = None
_live: set[int] = set()
_guard = threading.Lock()
_stopping = threading.Event()  # set by the stop-signal handler
GRACE = 10.0  # seconds a stopped command gets before SIGKILL


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) <= 19 or fields[0] in ("Z", "X"):  # a zombie has finished working
        return None
    return fields[19]


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def _alive(pid: int, started: str) -> bool:
    return start_time(pid) == started


def started(pid: int) -> None:
    """proc calls this right after starting a command (a no-op unless `tracking` is active)."""
    with _guard:
        _live.add(pid)
        folder = _folder
    if _stopping.is_set():  # started by a step thread after the stop signal's stop_all
        kill_group(pid, signal.SIGTERM)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        me = os.getpid()
        (folder / str(pid)).write_text(f"{pid} {start_time(pid) or '?'} {me} {start_time(me) or '?'}\n")


def finished(pid: int) -> None:
    with _guard:
        _live.discard(pid)
        folder = _folder
    if folder is not None:
        (folder / str(pid)).unlink(missing_ok=True)


def kill_group(pid: int, sig: int = signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def stop_all(sig: int = signal.SIGTERM) -> None:
    """Signal the group of every command this devkit is running."""
    with _guard:
        pids = list(_live)
    for pid in pids:
        kill_group(pid, sig)


def interrupted() -> bool:
    """A stop signal arrived: steps start no command and record nothing from now on."""
    return _stopping.is_set()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _stopping.set()  # before stop_all: a command a step thread starts next is stopped too
    stop_all(signal.SIGTERM)
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def tracking(state_dir: Path) -> Iterator[None]:
    """Record running commands under `.devkit/children/` and stop them on SIGTERM/SIGINT/SIGHUP."""
    global _folder
    handlers: dict[int, Any] = {}
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            handlers[sig] = signal.signal(sig, _on_signal)
    with _guard:
        _folder = state_dir / "children"
    _stopping.clear()
    try:
        yield
    finally:
        with _guard:
            _folder = None
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def stop_leftovers(state_dir: Path, grace: float = GRACE) -> list[str]:
    """Under the project lock: stop commands a killed devkit left running; return notes."""
    folder = state_dir / "children"
    notes: list[str] = []
    if not folder.is_dir():
        return notes
    waiting: list[tuple[int, str, str]] = []
    for record in sorted(folder.iterdir()):
        try:
            pid_s, child_start, owner_s, owner_start = record.read_text().split()
            pid, owner = int(pid_s), int(owner_s)
        except (OSError, ValueError):
            record.unlink(missing_ok=True)
            continue
        if owner != os.getpid() and _alive(owner, owner_start):
            continue  # its devkit still runs (it cannot hold the lock we hold, but be safe)
        if _alive(pid, child_start):
            cmd = _cmdline(pid)
            kill_group(pid, signal.SIGTERM)
            waiting.append((pid, child_start, cmd))
        else:
            record.unlink(missing_ok=True)
    deadline = time.monotonic() + grace
    for pid, _start, cmd in waiting:
        _wait_group_gone(pid, deadline)
        (folder / str(pid)).unlink(missing_ok=True)
        notes.append(f"stopped `{cmd}` (pid {pid}), left running by an interrupted devkit")
    return notes


def _wait_group_gone(pgid: int, deadline: float) -> None:
    """Wait for the rest of the group (npm's or pip's own children); SIGKILL after the deadline."""
    killed = False
    while group_members(pgid):
        if time.monotonic() >= deadline:
            if killed:
                return  # only an unkillable (uninterruptible) process is left
            kill_group(pgid, signal.SIGKILL)
            killed, deadline = True, time.monotonic() + GRACE
        time.sleep(0.05)


def _cmdline(pid: int) -> str:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    except OSError:
        return "?"
    return " ".join(os.fsdecode(a) for a in args[:3])
