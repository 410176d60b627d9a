"""A planned file: its text now and after init, the diff, and the write (atomic, with a mode)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from devkit.core.state import write_atomic


@dataclass(frozen=True)
class FilePlan:
    path: Path
    before: str  # "" when the file does not exist
    after: str
    mode: int = 0o644
    secret: bool = False  # never shown: summarised instead of diffed
    first_write: bool = False  # devkit's first section in an existing file (pyproject.toml)

    @classmethod
    def of(cls, path: Path, after: str, mode: int = 0o644, secret: bool = False) -> FilePlan:
        return cls(path, path.read_text() if path.is_file() else "", after, mode, secret)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def is_new(self) -> bool:
        return not self.path.exists()

    @property
    def is_first_write(self) -> bool:
        """Nothing of devkit's is overwritten: written without --yes even with no person."""
        return self.is_new or self.first_write

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                f"{self.path.name} (now)",
                f"{self.path.name} (devkit init)",
            )
        )

    def write(self) -> None:
        write_atomic(self.path, self.after, self.mode)
