"""The body of `devkit docs` and `devkit docs --check` (the CLI layer renders and exits)."""

from __future__ import annotations

from typing import Any

from devkit.config.model import Config
from devkit.context import Context
from devkit.core.errors import ExitCode
from devkit.core.state import project_lock
from devkit.core.ui import UI
from devkit.docs import generate


def run_docs(config: Config, ui: UI, g: Any, check: bool) -> tuple[int, dict[str, Any]]:
    ctx = Context.create(config, no_input=g.no_input, verbose=g.verbose)
    # The lock: `devkit up` may be writing the facts cache or these files right now.
    with project_lock(
        config.state_dir,
        config.lock_timeout,
        on_wait=lambda pid: ui.warn(f"waiting for another devkit (pid {pid})"),
    ):
        generate.attach_connection(ctx)
        updates = generate.plan(ctx)
        stale = [u for u in updates if u.changed]
        files = [
            {"path": u.rel, "changed": u.changed, "created": u.before is None, "blocks": list(u.blocks)}
            for u in updates
        ]
        if check:
            return _report_check(ui, stale, files)
        generate.apply(stale)
    for update in updates:
        if not update.changed:
            ui.print(f"[dim]✓[/] {update.rel} up to date")
        elif update.before is None:
            ui.print(f"[green]✓[/] {update.rel} created")
        else:
            ui.print(f"[green]✓[/] {update.rel} updated: {', '.join(update.blocks) or 'layout'}")
    return int(ExitCode.OK), {"files": files, "written": [u.rel for u in stale]}


def _report_check(ui: UI, stale: list[Any], files: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    from rich.markup import escape

    if not stale:
        ui.print("[green]✓[/] generated docs are up to date")
        return int(ExitCode.OK), {"files": files, "stale": []}
    diffs = []
    for update in stale:
        what = "missing" if update.before is None else f"blocks {', '.join(update.blocks) or '(layout)'}"
        ui.print(f"[red]✗[/] {update.rel} is stale ({what})")
        diff = update.diff()
        diffs.append(diff)
        for line in diff.splitlines():
            style = {"+": "green", "-": "red", "@": "cyan"}.get(line[:1])
            ui.print(f"[{style}]{escape(line)}[/]" if style else escape(line))
    ui.print("run `devkit docs` to regenerate them")
    return int(ExitCode.FAILED), {"files": files, "stale": [u.rel for u in stale], "diff": "".join(diffs)}
