"""Real faults: a real `devkit up` started as a process, killed with SIGKILL at a chosen moment,
processes found through /proc. Used by the tests here and by bench/faults.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support.project import REPO


def cmdlines() -> dict[int, str]:
    """Every live process's command line (NUL separators as spaces)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
            if stat[0] in ("Z", "X"):
                continue
            raw = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if raw:
            found[int(entry.name)] = raw.replace(b"\0", b" ").decode(errors="replace")
    return found


def matching(*needles: str) -> list[int]:
    return [pid for pid, cmd in cmdlines().items() if all(n in cmd for n in needles)]


def start_up(project: Path, *extra: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    """`devkit up` on `project` as a real process (no TTY), output to `log`."""
    out = open(log or project.parent / f"{project.name}-up.log", "ab")  # noqa: SIM115 - kept by Popen
    return subprocess.Popen(
        [sys.executable, "-m", "devkit", "up", "--no-input", "--project", str(project), *extra],
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )


def wait_until(predicate: Callable[[], object], timeout: float, poll: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return False


def descendants(root: int) -> set[int]:
    """Every live process below `root` (commands devkit started, and theirs)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
            except OSError:
                continue
            if fields[0] not in ("Z", "X"):
                parents[int(entry.name)] = int(fields[1])
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                found.add(child)
                todo.append(child)
    return found


def matching_below(root: int, *needles: str) -> list[int]:
    lines = cmdlines()
    return [pid for pid in descendants(root) if all(n in lines.get(pid, "") for n in needles)]


@dataclass(frozen=True)
class Moment:
    """A moment of a first or forced run: a command below devkit whose command line holds all
    `needles` is running (then `after` more seconds); without needles, `after` seconds in."""

    name: str
    needles: tuple[str, ...] = ()
    after: float = 0.0


def kill_at(project: Path, moment: Moment, *extra: str, timeout: float = 300) -> bool:
    """Start `devkit up`, SIGKILL devkit alone at `moment`; True when the moment was reached."""
    run = start_up(project, *extra)
    try:
        if moment.needles:
            reached = wait_until(
                lambda: run.poll() is not None or matching_below(run.pid, *moment.needles), timeout
            )
            reached = reached and run.poll() is None
            if reached and moment.after:
                reached = not wait_until(lambda: run.poll() is not None, moment.after)
        else:
            reached = not wait_until(lambda: run.poll() is not None, moment.after)
    finally:
        if run.poll() is None:
            os.kill(run.pid, signal.SIGKILL)  # devkit alone, as the campaign did: children stay
        run.wait()
    return reached


def up_json(project: Path, *extra: str, timeout: float = 600) -> tuple[int, dict[str, object], str]:
    done = subprocess.run(
        [sys.executable, "-m", "devkit", "up", "--no-input", "--json", "--project", str(project), *extra],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=REPO,
        timeout=timeout,
    )
    try:
        payload = json.loads(done.stdout)
    except ValueError:
        payload = {}
    return done.returncode, payload, done.stdout + done.stderr


def statuses(payload: dict[str, object]) -> dict[str, str]:
    """Status of each step that was selected (steps left out by --only/--skip are listed too)."""
    steps = payload.get("steps", [])
    return {s["name"]: s["status"] for s in steps if s["status"] != "left-out"}  # type: ignore[union-attr, index]


def recorded_groups(project: Path) -> list[int]:
    """Process groups of the commands devkit had running (records in .devkit/children/)."""
    folder = project / ".devkit" / "children"
    return [int(r.name) for r in folder.iterdir()] if folder.is_dir() else []


def live_members(groups: list[int]) -> list[int]:
    from devkit.core.children import group_members

    return [pid for pgid in groups for pid in group_members(pgid)]
