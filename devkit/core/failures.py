"""Whatever ended a command, as the one DevkitError the CLI reports (message, hint, exit code).

- an OSError from the file system (read-only folder, permissions, a file that is a folder):
  exit 2 with the path and the fix, never a traceback;
- an unexpected exception (a devkit bug): exit 1, one line on the console, the traceback in a
  crash log (shown with -v);
- a command that returned a non-zero code without raising: the error object its JSON needs
  (a failed step's error, the failed checks, the last health attempt).
"""

from __future__ import annotations

import errno
import os
import tempfile
import traceback
from pathlib import Path
from typing import Any

from devkit.core.errors import CheckFailed, DevkitError, ExitCode, StepFailed, UsageError
from devkit.core.masking import mask

_OS_FIXES = {
    errno.EROFS: "the folder is on a read-only file system: run devkit on a writable copy of the project",
    errno.EACCES: "devkit may not write or read it: fix its owner or mode (or run devkit as its owner)",
    errno.EPERM: "devkit may not write or read it: fix its owner or mode (or run devkit as its owner)",
    errno.ENOSPC: "the disk is full: free some space and run the command again",
    errno.EISDIR: "a folder stands where devkit expects a file: move it away",
    errno.ENOTDIR: "a file stands where devkit expects a folder: move it away",
}


def from_os_error(exc: OSError) -> DevkitError:
    """A file-system error as a usage error naming the path and the fix (exit 2)."""
    where = exc.filename if exc.filename is not None else "a project file"
    fix = _OS_FIXES.get(exc.errno or 0, "check the path, its owner and its mode")
    return UsageError(f"cannot use {_relative(where)}: {exc.strerror or exc}", hint=fix)


def _relative(path: object) -> str:
    try:
        return str(Path(os.fspath(path)).resolve().relative_to(Path.cwd()))  # type: ignore[arg-type]
    except (TypeError, ValueError, OSError):
        return str(path)


def from_unexpected(exc: BaseException, command: str, logs: Path | None = None) -> DevkitError:
    """A bug in devkit: one line for the console, the whole traceback in a crash log (mode 0600),
    in the project's `.devkit/logs` when there is one (`logs`), else the system's temporary folder."""
    text = mask("".join(traceback.format_exception(exc)))
    try:
        if logs is None:
            raise OSError("no project log folder")
        logs.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="devkit-crash-", suffix=".log", dir=logs)
    except OSError:
        fd, name = tempfile.mkstemp(prefix="devkit-crash-", suffix=".log")
    with os.fdopen(fd, "w") as out:
        out.write(f"devkit {command}\n{text}")
    err = DevkitError(
        f"unexpected {type(exc).__name__} in devkit {command}: {exc}",
        hint=f"this is a devkit bug; please report it with the crash log {name}",
    )
    err.verbose_details = text  # type: ignore[attr-defined]
    return err


def for_exit(command: str, code: int, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON error object of a command that ended with `code` without raising."""
    if code == 0:
        return None
    for step in payload.get("steps") or []:
        if step.get("error"):
            return dict(step["error"])  # the first failed step's error, at the top level
    failed_steps = [s["name"] for s in payload.get("steps") or [] if s.get("status") in ("failed", "not-run")]
    if failed_steps:
        return StepFailed(f"not completed: {', '.join(failed_steps)}").to_json()
    failed_checks = [c for c in payload.get("checks") or [] if c.get("status") == "fail"]
    if failed_checks:
        first = failed_checks[0]
        names = ", ".join(c["name"] for c in failed_checks)
        return CheckFailed(
            f"{len(failed_checks)} check(s) failed: {names}",
            hint=first.get("hint"),
            details=first.get("finding"),
        ).to_json()
    if payload.get("healthy") is False:
        last = (payload.get("history") or [{}])[-1]
        return CheckFailed(f"unhealthy: {last.get('message') or payload.get('outcome')}").to_json()
    if payload.get("stale"):
        return CheckFailed(
            f"generated files are stale: {', '.join(payload['stale'])}", hint="run `devkit docs`"
        ).to_json()
    if isinstance(payload.get("errors"), int) and payload["errors"]:
        return CheckFailed(f"{payload['errors']} workflow error(s) found").to_json()
    kind = CheckFailed if code == ExitCode.FAILED else DevkitError
    return kind(f"devkit {command} failed (exit {code})").to_json()
