"""The one console: human output (stderr when --json owns stdout), the JSON envelope, masking."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from devkit.errors import DevkitError, ExitCode
from devkit.masking import mask

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
}


@dataclass
class UI:
    json_mode: bool = False
    verbose: int = 0

    def __post_init__(self) -> None:
        from rich.console import Console

        global _current
        self.console = Console(stderr=self.json_mode, highlight=False, soft_wrap=True)
        _current = self

    def print(self, text: str = "", style: str | None = None) -> None:
        self.console.print(mask(text), style=style)

    def info(self, text: str) -> None:
        self.print(text)

    def reveal(self, text: str) -> None:
        """Show a new secret once, to a person at a terminal only; logs and pipes get it masked."""
        if self.console.is_terminal and not self.json_mode:
            self.console.print(text, highlight=False)
        else:
            self.print(text + " [dim](value masked: not a terminal)[/]")

    def warn(self, text: str) -> None:
        self.print(f"[yellow]![/] {text}")

    def detail(self, text: str) -> None:
        if self.verbose:
            self.print(f"[dim]{text}[/]")

    def step_started(self, name: str, reason: str) -> None:
        self.print(f"[cyan]→[/] {name}: {reason}")

    def step_done(self, result: Any) -> None:
        """A line as each step that did something finishes (fresh ones only appear in the summary)."""
        if result.status.value == "skipped":
            return
        status = result.status.value
        from rich.markup import escape

        detail = escape(result.detail)  # a detail like "add X to [database.env]" is text
        self.print(f"{SYMBOLS[status]} {result.name:<12} {status:<8} {result.seconds:6.2f}s  {detail}")

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
        self.console.print(table)

    def error(self, exc: DevkitError) -> None:
        from rich.markup import escape  # "[database.env]", "STORAGES['x']" are text, not markup

        self.print(f"[red]✗ {escape(exc.message)}[/]")
        full = getattr(exc, "verbose_details", None)
        if self.verbose and full:
            self.print(f"[dim]{escape(full)}[/]")
        elif exc.details:
            self.print(f"[dim]{escape(exc.details)}[/]")
        if exc.hint:
            self.print(f"[bold]hint:[/] {escape(exc.hint)}")

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
            from devkit.failures import for_exit

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
