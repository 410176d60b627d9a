"""`devkit down`: stop what devkit started; delete devkit-owned data only with --volumes + confirmation."""

from __future__ import annotations

from typing import Any

from devkit.config.model import Config
from devkit.context import Context
from devkit.core.errors import UsageError
from devkit.core.state import project_lock
from devkit.core.ui import UI


def confirm(ui: UI, question: str, *, yes: bool, no_input: bool) -> bool:
    """--yes answers; without a TTY (or --no-input) nothing is deleted without --yes."""
    if yes:
        return True
    if no_input:
        raise UsageError(
            f"refusing to {question} without confirmation",
            hint="add --yes to confirm, or run it in a terminal to be asked",
        )
    import questionary

    return bool(questionary.confirm(f"{question[0].upper()}{question[1:]}?", default=False).ask())


def run_down(config: Config, ui: UI, g: Any, volumes: bool, yes: bool) -> tuple[int, dict[str, Any]]:
    ctx = Context.create(config, no_input=g.no_input, verbose=g.verbose)
    with project_lock(config.state_dir, config.lock_timeout):
        ctx.relock()
        provider = ctx.provider  # resolved under the lock: ownership is checked on what is there now
        if volumes and provider.owns_server:
            where = provider.status().get("data_dir") or provider.status().get("volume") or "its data"
            if not confirm(
                ui, f"delete the {provider.name} database and {where}", yes=yes, no_input=g.no_input
            ):
                ui.print("nothing deleted")
                return 1, {"stopped": False, "removed": False}
            message = provider.remove()
            ctx.state.forget_step("database")
            ctx.state.forget_step("tenants")
            from devkit.worktrees import lineage

            lineage.forget(ctx.state)  # a branch's database no longer comes from its source
            removed = True
        else:
            message = provider.stop()
            removed = False
    ui.print(message)
    notes = provider.status().get("note")
    if notes:
        ui.print(f"[bold]note:[/] {notes}")
    return 0, {"provider": provider.name, "message": message, "removed": removed}
