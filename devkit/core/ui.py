"""The one console: human output (stderr when --json owns stdout), the JSON envelope, masking."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from devkit.core.errors import DevkitError, ExitCode
from devkit.core.masking import mask

_current: UI | None = None  # the command's UI: library code that shows progress uses its console


def console() -> Any:
    """The one console of this command (a stderr console when no command made one)."""
    if _current is None:
        return UI(json_mode=True).console
    return _current.console


SYMBOLS = {
    "ran": "[green]✓[/]",
    "skipped": "[dim]✓[/]",
    "failed": "[red]✗[/]",
    "not-run": "[yellow]-[/]",
    "left-out": "[yellow]○[/]",  # left out by --skip/--only: not the mark of an up-to-date step
    "none": "[dim]·[/]",  # the project has nothing for this step (no frontend)
}


def no_color() -> bool:
    """NO_COLOR (https://no-color.org): set and not empty."""
    return bool(os.environ.get("NO_COLOR"))


def clip_words(text: str, room: int) -> str:
    """`text` on one line of `room` characters: cut at a word boundary with `…` (never inside an
    option or a name, `setup_public_tenant --dom…`); the final summary shows it whole."""
    text = " ".join(text.split())
    if len(text) <= room:
        return text
    cut = text[: max(1, room - 1)]
    at = cut.rfind(" ")
    if at >= room // 2:
        cut = cut[:at]
    return cut.rstrip(" ,;:(") + "…"


@dataclass
class UI:
    json_mode: bool = False
    verbose: int = 0
    quiet: bool = False  # -q: only the last line (final()) and errors

    def __post_init__(self) -> None:
        from rich.console import Console

        global _current
        # NO_COLOR: no escape codes at all (rich alone would still send bold and dim).
        # emoji=False: rich would turn `:100:` in `deploy.yml:100: DK101` (or any text devkit
        # prints from a project) into an emoji.
        self.console = Console(
            stderr=self.json_mode,
            highlight=False,
            emoji=False,
            soft_wrap=True,
            **({"color_system": None} if no_color() else {}),
        )
        _current = self

    def progress_mode(self) -> str:
        """live | plain | quiet: how step progress is shown (devkit/progress.py)."""
        if self.quiet:
            return "quiet"
        if self.json_mode or os.environ.get("CI") or no_color() or not self.console.is_terminal:
            return "plain"
        return "live"

    def print(self, text: str = "", style: str | None = None) -> None:
        if not self.quiet:
            self.console.print(mask(text), style=style)

    def final(self, text: str) -> None:
        """The last line of a command: shown even with -q."""
        self.console.print(mask(text))

    def info(self, text: str) -> None:
        self.print(text)

    def reveal(self, text: str) -> None:
        """Show a new secret once, to a person at a terminal only; logs and pipes get it masked."""
        if self.quiet:
            return
        if self.console.is_terminal and not self.json_mode:
            self.console.print(text, highlight=False)
        else:
            self.print(text + " [dim](value masked: not a terminal)[/]")

    def warn(self, text: str) -> None:
        self.print(f"[yellow]![/] {text}")

    def detail(self, text: str) -> None:
        if self.verbose:
            self.print(f"[dim]{text}[/]")

    def summary(self, results: list[Any]) -> None:
        """The steps in pipeline order, once all are done."""
        from rich.markup import escape
        from rich.table import Table

        table = Table("step", "status", "seconds", "detail", box=None, pad_edge=False, header_style="bold")
        for r in results:
            table.add_row(
                r.name,
                f"{SYMBOLS[r.status.value]} {r.status.value}",
                f"{r.seconds:.2f}",
                escape(mask(r.detail)),
            )
        if not self.quiet:
            self.console.print(table)

    def error(self, exc: DevkitError) -> None:
        """Errors are shown even with -q."""
        from rich.markup import escape  # "[database.env]", "STORAGES['x']" are text, not markup

        self.final(f"[red]✗ {escape(exc.message)}[/]")
        full = getattr(exc, "verbose_details", None)
        if self.verbose and full:
            self.final(f"[dim]{escape(full)}[/]")
        elif exc.details:
            self.final(f"[dim]{escape(exc.details)}[/]")
        if exc.hint:
            self.final(f"[bold]hint:[/] {escape(exc.hint)}")

    def emit(
        self,
        command: str,
        code: ExitCode | int,
        payload: dict[str, Any],
        error: DevkitError | dict[str, Any] | None = None,
    ) -> None:
        """The JSON envelope every command shares (docs/contract.md), on stdout.

        Every non-zero exit carries an error object (a failed step's error also at the top level)."""
        if not self.json_mode:
            return
        if isinstance(error, DevkitError):
            error = error.to_json()
        if error is None and int(code) != 0:
            from devkit.core.failures import for_exit

            error = for_exit(command, int(code), payload)
        envelope = {
            "ok": int(code) == 0,
            "command": command,
            "exit_code": int(code),
            **payload,
            "error": error,
        }
        sys.stdout.write(mask(json.dumps(envelope, indent=2, default=str)) + "\n")
        sys.stdout.flush()
