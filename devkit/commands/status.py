"""`devkit status`: what runs where, and which steps are fresh or stale (nothing is started)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from devkit.config.model import Config
from devkit.context import Context
from devkit.core.errors import DevkitError
from devkit.core.ui import UI


def step_freshness(ctx: Context) -> list[dict[str, Any]]:
    """Each step's verdict without running it: fresh, or stale with the reason."""
    from devkit.pipeline import stale_reason
    from devkit.steps import up_steps

    rows: list[dict[str, Any]] = []
    stale: set[str] = set()
    for step in up_steps():  # in dependency order
        # A step after a stale one is judged after it runs (it needs its connection, its facts).
        waiting = [n for n in step.needs if n in stale]
        try:
            reason = f"waits for {', '.join(waiting)}" if waiting else stale_reason(step, ctx)
        except DevkitError as exc:
            reason = f"cannot tell: {exc.message}"
        if reason is not None:
            stale.add(step.name)
        record = ctx.state.step(step.name)
        rows.append(
            {"name": step.name, "fresh": reason is None, "reason": reason, "last": record.get("detail")}
        )
    return rows


def run_status(config: Config, ui: UI, g: Any) -> tuple[int, dict[str, Any]]:
    ctx = Context.create(config, no_input=True, verbose=g.verbose)
    provider = ctx.provider
    info = provider.status()
    ui.print(f"[bold]database[/]: {provider.name} ({ctx.provider_reason})")
    for key, value in info.items():
        if key != "provider" and value is not None:
            ui.print(f"  {key}: {value}")
    rows = step_freshness(ctx)
    ui.print("[bold]steps[/]:")
    for row in rows:
        mark = "[green]fresh[/]" if row["fresh"] else f"[yellow]stale[/]: {row['reason']}"
        ui.print(f"  {row['name']:<12} {mark}")
    from devkit.worktrees import lineage  # the source this checkout came from, the branches of it

    lines, branches = lineage.describe(ctx.state, _project_id(ctx))
    for line in lines:
        ui.print(f"[bold]worktrees[/]: {escape(line)}")
    extra = _extra_tenants(ctx)
    if extra:
        ui.print(
            f"[bold]tenants[/]: extra (created by devkit, no longer configured; kept): {', '.join(extra)}"
        )
    return 0, {
        "database": info,
        "provider_reason": ctx.provider_reason,
        "steps": rows,
        "extra_tenants": extra,
        **branches,
    }


def _project_id(ctx: Context) -> str:
    from devkit.core.ownership import identify

    return identify(ctx.config.state_dir, ctx.config.root).id


def _extra_tenants(ctx: Context) -> list[str]:
    """Development tenants devkit created that the configuration no longer names (never deleted)."""
    from devkit.tenants.listing import list_tenants

    conn = ctx.provider.current()
    if conn is None or not ctx.state.step("tenants"):
        return []
    ctx.set_connection(conn)
    tenants = ctx.config.tenants
    configured = {tenants.super.schema, tenants.guest.schema, *(t.schema for t in tenants.dev_tenants())}
    try:
        rows = list_tenants(conn, ctx.facts(), configured)
    except DevkitError:
        return []
    return [r.schema for r in rows if r.by_devkit and not r.configured]
