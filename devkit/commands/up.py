"""`devkit up`: run the pipeline under the project lock and report honestly."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from devkit.config.model import Config
from devkit.context import Context
from devkit.core.ui import UI
from devkit.pipeline import Result, Runner, Selection, Status, exit_code
from devkit.progress import run_pipeline


def last_line(ctx: Context, results: list[Result], elapsed: float) -> str:
    """`ready …`, `ready except: … (skipped by --skip)` or `not ready: …`."""
    failed = [r.name for r in results if r.status in (Status.FAILED, Status.NOT_RUN)]
    by_reason: dict[str, list[str]] = {}
    for r in results:
        if r.status is Status.LEFT_OUT:
            by_reason.setdefault(r.detail, []).append(r.name)
    left_out = "; ".join(f"{', '.join(names)} ({why})" for why, names in by_reason.items())
    if failed:
        also = f"; also left out: {left_out}" if left_out else ""
        return f"[red]not ready[/]: {', '.join(failed)} did not complete ({elapsed:.2f}s){also}"
    conn = ctx._connection
    where = f" — database {conn.url(masked=True)} ({ctx.provider_reason})" if conn else ""
    if left_out:
        return f"[yellow]ready except[/]: {left_out} in {elapsed:.2f}s{where}"
    return f"[green]ready[/] in {elapsed:.2f}s{where}"


def report(ctx: Context, ui: UI, results: list[Result], started: float) -> dict[str, Any]:
    for result in results:
        if result.error is not None:
            ui.final(f"\n[red]✗ {result.name} failed[/]")
            ui.error(result.error)
    ui.detail(f"logs: {ctx.shown_logs()}  state: {ctx.state.path}  provider: {ctx.provider_reason}")
    for note in ctx.secret_notes:
        ui.reveal(f"note: {note}")
    conn = ctx._connection
    elapsed = time.monotonic() - started
    ui.print()
    ui.final(last_line(ctx, results, elapsed))
    return {
        "steps": [r.to_json() for r in results],
        "left_out": [{"name": r.name, "reason": r.detail} for r in results if r.status is Status.LEFT_OUT],
        "connection": conn.to_json() if conn else None,
        "seconds": round(elapsed, 3),
        "notes": ctx.notes + ctx.secret_notes,  # masked like all JSON
    }


def run_up(
    config: Config,
    ui: UI,
    g: Any,
    only: list[str],
    skip: list[str],
    force: list[str],
    recreate: bool = False,
    quiet: bool = False,
    fresh: bool = False,
    from_path: Path | None = None,
) -> tuple[int, dict[str, Any]]:
    from devkit.steps import branched, up_steps

    ui.quiet = quiet
    started = time.monotonic()
    Runner(up_steps()).validate(Selection(only, skip, force))  # a bad step name: before anything is created
    for warning in config.warnings:
        ui.warn(warning)
    ctx = Context.create(config, no_input=g.no_input, verbose=g.verbose, recreate=recreate)
    said = branched.offer(ctx, fresh=fresh, from_path=from_path, ask=_ask)  # a second checkout (worktrees.md)
    if said:
        ctx.notes.append(said)
    results = run_pipeline(ctx, ui, up_steps(), Selection(only, skip, force))
    payload = report(ctx, ui, results, started)
    code = int(exit_code(results))
    if code == 0:  # the machine's list of checkouts set up: a later clone finds this one
        unrecorded = branched.register(ctx)
        if unrecorded:
            ui.warn(unrecorded)
    return code, payload


def _ask(question: str) -> bool:
    import questionary

    return bool(questionary.confirm(question, default=True).ask())
