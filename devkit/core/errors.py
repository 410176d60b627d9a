"""The error types devkit raises and the exit codes the CLI maps them to (docs/exit-codes.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # a step or check failed
    USAGE = 2  # bad command line or configuration
    DATABASE = 3  # database unreachable, refused or misconfigured
    LOCKED = 4  # another devkit holds the project lock
    INTERRUPTED = 130


class DevkitError(Exception):
    """Base error: a message naming the cause, a hint naming the fix."""

    exit_code: ExitCode = ExitCode.FAILED
    kind: str = "error"

    def __init__(self, message: str, hint: str | None = None, details: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details  # e.g. the last log lines

    def to_json(self) -> dict[str, object]:
        return {
            "type": self.kind,
            "message": self.message,
            "hint": self.hint,
            "details": self.details,
        }


class UsageError(DevkitError):
    exit_code = ExitCode.USAGE
    kind = "usage"


class ConfigError(DevkitError):
    exit_code = ExitCode.USAGE
    kind = "config"


class DatabaseError(DevkitError):
    exit_code = ExitCode.DATABASE
    kind = "database"


class NotSetUp(DevkitError):
    """What a command needs was never made (`devkit run` without the project's venv): `devkit up`
    makes it. Exit 3, like a database that is not running (the other thing `devkit up` starts)."""

    exit_code = ExitCode.DATABASE
    kind = "setup"


class StepFailed(DevkitError):
    exit_code = ExitCode.FAILED
    kind = "step"


class LockHeld(DevkitError):
    exit_code = ExitCode.LOCKED
    kind = "locked"


class Interrupted(DevkitError):
    exit_code = ExitCode.INTERRUPTED
    kind = "interrupted"


class CheckFailed(DevkitError):
    """A command's checks found problems (doctor, health, docs --check, check-workflows)."""

    exit_code = ExitCode.FAILED
    kind = "check"
