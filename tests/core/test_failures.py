"""The errors devkit did not raise itself, as one DevkitError each (no traceback on the console)."""

from __future__ import annotations

import errno
import stat
from pathlib import Path

from devkit.core.errors import ExitCode
from devkit.core.failures import for_exit, from_os_error, from_unexpected


def test_a_devkit_bug_is_one_line_with_a_private_crash_log() -> None:
    try:
        {}["missing"]  # a real exception with a real traceback
    except KeyError as exc:
        err = from_unexpected(exc, "up")
    assert err.exit_code == ExitCode.FAILED and "\n" not in err.message
    log = Path(err.hint.rsplit(" ", 1)[-1])  # type: ignore[union-attr]
    try:
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        assert "Traceback (most recent call last)" in log.read_text()
        assert "Traceback" in err.verbose_details  # type: ignore[attr-defined]  # shown with -v
    finally:
        log.unlink()


def test_a_crash_log_goes_to_the_projects_logs_when_there_are_some(tmp_path: Path) -> None:
    try:
        {}["missing"]
    except KeyError as exc:
        err = from_unexpected(exc, "up", tmp_path / ".devkit" / "logs")
    log = Path(err.hint.rsplit(" ", 1)[-1])  # type: ignore[union-attr]
    assert log.parent == tmp_path / ".devkit" / "logs" and log.name.startswith("devkit-crash-")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_file_system_errors_name_the_path_and_the_fix(tmp_path: Path) -> None:
    err = from_os_error(OSError(errno.EROFS, "Read-only file system", str(tmp_path / ".devkit" / "lock")))
    assert err.exit_code == ExitCode.USAGE
    assert ".devkit/lock" in err.message and "writable copy" in (err.hint or "")


def test_a_non_zero_exit_always_has_an_error_object() -> None:
    assert for_exit("up", 0, {}) is None
    step_error = {"type": "step", "message": "boom", "hint": None, "details": None}
    steps = [
        {"name": "database", "status": "ran"},
        {"name": "tenants", "status": "failed", "error": step_error},
    ]
    assert for_exit("up", 1, {"steps": steps}) == step_error
    checks = [{"name": "node", "status": "fail", "hint": "install node", "finding": "no node"}]
    assert for_exit("doctor", 1, {"checks": checks})["message"] == "1 check(s) failed: node"  # type: ignore[index]
    assert for_exit("anything", 1, {})["message"]  # type: ignore[index]
