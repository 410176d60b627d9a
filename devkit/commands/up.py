"""`devkit up`: run the pipeline under the project lock and report honestly."""

from __future__ import annotations

import time
from typing import Any

from devkit.config import Config
from devkit.context import Context
from devkit.errors import ExitCode
from devkit.pipeline import Result, Runner, Selection, Status
from devkit.state import project_lock
from devkit.ui import UI


def exit_code(results: list[Result]) -> ExitCode:
    """0 when nothing failed; else the exit code of the first failure's error type."""
    for result in results:
        if result.status is Status.FAILED:
            return result.error.exit_code if result.error else ExitCode.FAILED
    return ExitCode.OK


def run_pipeline(ctx: Context, ui: UI, steps: list[Any], selection: Selection) -> list[Result]:
    runner = Runner(steps, on_start=ui.step_started, on_done=ui.step_done)
    runner.validate(selection)
    with project_lock(
        ctx.config.state_dir,
        ctx.config.lock_timeout,
        on_wait=lambda pid: ui.warn(f"waiting for another devkit (pid {pid})"),
    ):
        return runner.run(ctx, selection)


def report(ctx: Context, ui: UI, results: list[Result], started: float) -> dict[str, Any]:
    ui.print()
    ui.summary(results)
    for result in results:
        if result.error is not None:
            ui.print(f"\n[red]✗ {result.name} failed[/]")
            ui.error(result.error)
    ui.detail(f"logs: {ctx.shown_logs()}  state: {ctx.state.path}  provider: {ctx.provider_reason}")
    for note in ctx.notes:
        ui.print(f"[bold]note:[/] {note}")
    for note in ctx.secret_notes:
        ui.reveal(f"note: {note}")
    conn = ctx._connection
    failed = [r.name for r in results if r.status in (Status.FAILED, Status.NOT_RUN)]
    elapsed = time.monotonic() - started
    if failed:
        ui.print(f"\n[red]not ready[/]: {', '.join(failed)} did not complete ({elapsed:.2f}s)")
    else:
        where = f" — database {conn.url(masked=True)} ({ctx.provider_reason})" if conn else ""
        ui.print(f"\n[green]ready[/] in {elapsed:.2f}s{where}")
    return {
        "steps": [r.to_json() for r in results],
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
) -> tuple[int, dict[str, Any]]:
    from devkit.steps import up_steps

    started = time.monotonic()
    Runner(up_steps()).validate(Selection(only, skip, force))  # a bad step name: before anything is created
    for warning in config.warnings:
        ui.warn(warning)
    ctx = Context.create(config, no_input=g.no_input, verbose=g.verbose, recreate=recreate)
    results = run_pipeline(ctx, ui, up_steps(), Selection(only, skip, force))
    payload = report(ctx, ui, results, started)
    return int(exit_code(results)), payload
