"""`devkit up`: run the pipeline under the project lock and report honestly."""

from __future__ import annotations

import threading
import time
from typing import Any

from devkit.config.model import Config
from devkit.context import Context
from devkit.core import children
from devkit.core.errors import ExitCode
from devkit.core.state import project_lock
from devkit.core.ui import UI
from devkit.pipeline import Result, Runner, Selection, Status
from devkit.progress import StepView, view_for


def exit_code(results: list[Result]) -> ExitCode:
    """0 when nothing failed; else the exit code of the first failure's error type."""
    for result in results:
        if result.status is Status.FAILED:
            return result.error.exit_code if result.error else ExitCode.FAILED
    return ExitCode.OK


class _Events:
    """Runner and step events -> the view; the context's notes are shown as they appear."""

    def __init__(self, ctx: Context, view: StepView) -> None:
        self.ctx, self.view, self.shown = ctx, view, 0
        self._lock = threading.Lock()  # steps report from several threads: each note once

    def flush_notes(self) -> None:
        with self._lock:
            while self.shown < len(self.ctx.notes):
                self.view.above(f"[bold]note:[/] {self.ctx.notes[self.shown]}")
                self.shown += 1

    def checking(self, name: str) -> None:
        self.view.checking(name)

    def started(self, name: str, reason: str) -> None:
        self.flush_notes()
        self.view.started(name, reason)

    def activity(self, name: str, text: str) -> None:
        self.flush_notes()
        self.view.activity(name, text)

    def done(self, result: Result) -> None:
        self.flush_notes()
        self.view.done(result)


def run_pipeline(ctx: Context, ui: UI, steps: list[Any], selection: Selection) -> list[Result]:
    runner = Runner(steps)
    runner.validate(selection)
    with project_lock(
        ctx.config.state_dir,
        ctx.config.lock_timeout,
        on_wait=lambda pid: ui.warn(f"waiting for another devkit (pid {pid})"),
    ):
        ctx.relock()  # check, lock, re-check: what another devkit did while this one waited counts
        ctx.notes.extend(children.stop_leftovers(ctx.config.state_dir))
        view = view_for(ui, [s.name for s in steps])
        events = _Events(ctx, view)
        runner.on_check, runner.on_start, runner.on_done = events.checking, events.started, events.done
        ctx.on_progress = events.activity
        try:
            with children.tracking(ctx.config.state_dir):
                return runner.run(ctx, selection)
        finally:  # also on Ctrl-C: the table of what finished replaces the live lines
            events.flush_notes()
            view.close([runner.results[s.name] for s in steps if s.name in runner.results])


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
) -> tuple[int, dict[str, Any]]:
    from devkit.steps import up_steps

    ui.quiet = quiet
    started = time.monotonic()
    Runner(up_steps()).validate(Selection(only, skip, force))  # a bad step name: before anything is created
    for warning in config.warnings:
        ui.warn(warning)
    ctx = Context.create(config, no_input=g.no_input, verbose=g.verbose, recreate=recreate)
    results = run_pipeline(ctx, ui, up_steps(), Selection(only, skip, force))
    payload = report(ctx, ui, results, started)
    return int(exit_code(results)), payload
