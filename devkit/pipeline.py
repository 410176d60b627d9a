"""Steps as a small protocol, an explicit result type, and the runner (concurrent, dependency-ordered).

Freshness: a step is skipped when its input fingerprint equals the one recorded after its last
success AND its own check() finds the outcome intact (e.g. the tenants still exist). The record
is written only after run() and verify() both succeeded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from devkit.core import children, inputs
from devkit.core.errors import DevkitError, ExitCode, StepFailed, UsageError
from devkit.core.state import project_lock

if TYPE_CHECKING:
    from devkit.context import Context


class Status(StrEnum):
    RAN = "ran"
    SKIPPED = "skipped"
    FAILED = "failed"
    NOT_RUN = "not-run"  # a step it needs failed
    LEFT_OUT = "left-out"  # left out by --skip / not chosen by --only: not ready, not failed
    NONE = "none"  # nothing to do in this project (no frontend): not a ✓, not a failure


@dataclass(frozen=True)
class Result:
    name: str
    status: Status
    seconds: float
    detail: str
    error: DevkitError | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "status": self.status.value,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
        }
        if self.error is not None:
            out["error"] = self.error.to_json()
        return out


@dataclass(frozen=True)
class Done:
    """What run() returns: a one-line detail and an optional marker kept with the fingerprint."""

    detail: str
    marker: str = ""
    nothing: bool = False  # the project has nothing for this step (no frontend): shown as such


# The marker a step's record keeps when it had nothing to do: later runs say so again.
NOTHING = "nothing-to-do"


class Step(Protocol):
    name: str
    needs: tuple[str, ...]

    def inputs(self, ctx: Context) -> dict[str, str]:
        """What the step depends on, by name (label -> value or digest): a change in any means
        the step must run, and the reason names it (core/inputs.py)."""

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        """With an unchanged fingerprint: why the step must run anyway, or None when fresh."""

    def run(self, ctx: Context) -> Done: ...

    def verify(self, ctx: Context) -> None:
        """Raise StepFailed unless the outcome really exists."""


@dataclass
class Selection:
    only: Sequence[str] = ()
    skip: Sequence[str] = ()
    force: Sequence[str] = ()  # step names, or "*" for all

    def forced(self, name: str) -> bool:
        return "*" in self.force or name in self.force


def fingerprint_of(step: Step, ctx: Context) -> str:
    return inputs.digest(step.inputs(ctx))


def changed_inputs(step: Step, ctx: Context) -> list[str] | None:
    """The inputs that changed since the step's last success ([] when none did; None when the
    step has no record). An earlier devkit kept no per-input record: said as such."""
    record = ctx.state.step(step.name)
    if not record:
        return None
    now = step.inputs(ctx)
    if record.get("fingerprint") == inputs.digest(now):
        return []
    recorded = ctx.state.recorded_inputs(step.name)
    if recorded is None:
        return ["the inputs devkit records (recorded by an earlier devkit)"]
    return inputs.changed(recorded, now) or ["how devkit combines the inputs"]


def stale_reason(step: Step, ctx: Context) -> str | None:
    """Why `step` must run, or None when it is fresh: inputs unchanged and its outcome intact."""
    record = ctx.state.step(step.name)
    if not record:
        return "first run"
    changed = changed_inputs(step, ctx)
    if changed:
        return f"changed: {inputs.describe(changed)}"
    return step.check(ctx, record)


@dataclass
class Runner:
    """Runs the selected steps; reports each one through the callbacks (from worker threads):
    on_check when its freshness check begins, on_start when it must run (with the reason),
    on_done with its Result. Steps report what they are doing via ctx.progress()."""

    steps: Sequence[Step]
    on_start: Callable[[str, str], None] = lambda name, reason: None
    on_done: Callable[[Result], None] = lambda result: None
    on_check: Callable[[str], None] = lambda name: None
    results: dict[str, Result] = field(default_factory=dict)

    def validate(self, selection: Selection) -> None:
        names = {s.name for s in self.steps}
        for option, given in (
            ("--only", selection.only),
            ("--skip", selection.skip),
            ("--force", [f for f in selection.force if f != "*"]),
        ):
            unknown = [n for n in given if n not in names]
            if unknown:
                raise UsageError(
                    f"{option}: unknown step {', '.join(unknown)}",
                    hint=f"steps are: {', '.join(s.name for s in self.steps)}",
                )
        both = [n for n in selection.only if n in selection.skip]
        if both:
            raise UsageError(
                f"--only and --skip both name {', '.join(both)}: a step cannot be both run and left out",
                hint="name each step in one of them only",
            )

    def selected(self, selection: Selection) -> list[Step]:
        if not selection.only:
            wanted = {s.name for s in self.steps}
        else:
            by_name = {s.name: s for s in self.steps}
            wanted, todo = set(), list(selection.only)
            while todo:  # --only X also brings what X needs (each still skips when fresh)
                name = todo.pop()
                if name not in wanted:
                    wanted.add(name)
                    todo.extend(by_name[name].needs)
        return [s for s in self.steps if s.name in wanted]

    def left_out(self, selection: Selection) -> dict[str, str]:
        """Steps this selection leaves out, with why (a Result each, status LEFT_OUT)."""
        chosen = {s.name for s in self.selected(selection)}
        out = {}
        for step in self.steps:
            if step.name not in chosen:
                out[step.name] = "not selected by --only"
            elif step.name in selection.skip:
                out[step.name] = "skipped by --skip"
        return out

    def run(self, ctx: Context, selection: Selection) -> list[Result]:
        self.validate(selection)
        left_out = self.left_out(selection)
        for name, why in left_out.items():
            self._finish(Result(name, Status.LEFT_OUT, 0.0, why))
        steps = [s for s in self.selected(selection) if s.name not in left_out]
        pending = {s.name: s for s in steps}
        running: dict[Future[Result], str] = {}
        with ThreadPoolExecutor(max_workers=max(1, len(steps))) as pool:
            while pending or running:
                for name in list(pending):
                    step = pending[name]
                    needs = self._needs(step, left_out)
                    blocked = [n for n in needs if n in pending or n in running.values()]
                    if blocked:
                        continue
                    del pending[name]
                    failed = [
                        n
                        for n in needs
                        if n in self.results and self.results[n].status in (Status.FAILED, Status.NOT_RUN)
                    ]
                    if failed:
                        self._finish(
                            Result(name, Status.NOT_RUN, 0.0, f"not run: {', '.join(failed)} failed")
                        )
                    else:
                        self.on_check(name)
                        running[pool.submit(self._run_one, step, ctx, selection)] = name
                if running:
                    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                    for future in done:
                        del running[future]
                        self._finish(future.result())
        self._converge(ctx, steps)
        return [self.results[s.name] for s in self.steps if s.name in self.results]

    def _converge(self, ctx: Context, steps: list[Step]) -> None:
        """A step that ran, or was skipped as fresh, can find its inputs changed by a later step of
        the run or one beside it (the env step maps DATABASES onto [database.env], which the
        database step writes into the env file; the tenant step changes a default domain the docs
        name): it runs once more now, so that its outcome follows the change and the next `up`
        finds it fresh, not "changed". Each step at most twice in a run; what a second pass
        changes is left to the next run."""
        again = [
            s
            for s in steps
            if self.results.get(s.name) is not None
            and self.results[s.name].status in (Status.RAN, Status.SKIPPED)
            and changed_inputs(s, ctx)
        ]
        for step in again:  # in pipeline order: what a step needs runs again before it
            needs = [n for n in step.needs if n in self.results]
            if any(self.results[n].status in (Status.FAILED, Status.NOT_RUN) for n in needs):
                continue
            first = self.results[step.name]
            self.on_check(step.name)
            result = self._run_one(step, ctx, Selection(), again=True)
            self._finish(replace(result, seconds=first.seconds + result.seconds))

    def _needs(self, step: Step, left_out: dict[str, str]) -> list[str]:
        """What `step` waits for: a need that is left out passes on its own needs (docs without
        tenants still waits for the database and the Python dependencies)."""
        by_name = {s.name: s for s in self.steps}
        out: list[str] = []
        for need in step.needs:
            if need in left_out:
                out.extend(n for n in self._needs(by_name[need], left_out) if n not in out)
            elif need not in out:
                out.append(need)
        return out

    def _finish(self, result: Result) -> None:
        self.results[result.name] = result
        self.on_done(result)

    def _run_one(self, step: Step, ctx: Context, selection: Selection, again: bool = False) -> Result:
        with ctx.reporting_as(step.name):
            return self._timed(step, ctx, selection, again)

    def _timed(self, step: Step, ctx: Context, selection: Selection, again: bool = False) -> Result:
        started = time.monotonic()
        try:
            reason = "forced (--force)" if selection.forced(step.name) else stale_reason(step, ctx)
            if again and reason is not None:
                reason = f"again: {reason.removeprefix('changed: ')} changed by another step of this run"
            if reason is None:
                record = ctx.state.step(step.name)
                if record.get("marker") == NOTHING:
                    return Result(
                        step.name, Status.NONE, time.monotonic() - started, record.get("detail", "")
                    )
                return Result(step.name, Status.SKIPPED, time.monotonic() - started, "up to date")
            self.on_start(step.name, reason)
            done = step.run(ctx)
            ctx.inputs_changed()  # the facts' inputs may be new (packages, the env file)
            step.verify(ctx)
            if children.interrupted():  # stopped by a signal meanwhile: its outcome is not known
                err = StepFailed(f"{step.name}: interrupted", hint="run `devkit up` again")
                return Result(step.name, Status.FAILED, time.monotonic() - started, err.message, err)
            # Inputs as they are now: running may create some (a database step's data folder).
            marker = NOTHING if done.nothing else done.marker
            now = step.inputs(ctx)
            ctx.state.record_step(step.name, inputs.digest(now), done.detail, marker, inputs.short(now))
            status = Status.NONE if done.nothing else Status.RAN
            return Result(step.name, status, time.monotonic() - started, done.detail)
        except DevkitError as exc:
            return Result(step.name, Status.FAILED, time.monotonic() - started, exc.message, exc)
        except Exception as exc:  # a bug in devkit: still a failed step with a report, not a hang
            if isinstance(exc, OSError) and exc.filename is not None:
                from devkit.core.failures import from_os_error  # a file it cannot use: path and fix, exit 2

                err: DevkitError = from_os_error(exc)
                return Result(step.name, Status.FAILED, time.monotonic() - started, err.message, err)
            err = StepFailed(
                f"{step.name}: unexpected {type(exc).__name__}: {exc}",
                hint="this is a devkit bug; please report it with `devkit up -v`",
            )
            return Result(step.name, Status.FAILED, time.monotonic() - started, err.message, err)


def exit_code(results: list[Result]) -> ExitCode:
    """0 when nothing failed; else the exit code of the first failure's error type."""
    for result in results:
        if result.status is Status.FAILED:
            return result.error.exit_code if result.error else ExitCode.FAILED
    return ExitCode.OK


class _Events:
    """Runner and step events -> the view; the context's notes are shown as they appear."""

    def __init__(self, ctx: Context, view: Any) -> None:
        self.ctx, self.view, self.shown = ctx, view, 0
        self._lock = threading.Lock()  # steps report from several threads: each note once

    def flush_notes(self) -> None:
        with self._lock:
            while self.shown < len(self.ctx.notes):
                from rich.markup import escape  # "[tenants.fields]" in a note is text, not markup

                self.view.above(f"[bold]note:[/] {escape(self.ctx.notes[self.shown])}")
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


def run_steps(
    ctx: Context,
    steps: list[Any],
    selection: Selection,
    *,
    make_view: Callable[[list[str]], Any],
    on_wait: Callable[[str], None],
) -> list[Result]:
    """The steps under the project lock (check, lock, re-check, record), shown by the view
    `make_view(step names)` gives (progress.py's views); on_wait(pid) while another devkit works."""
    runner = Runner(steps)
    runner.validate(selection)
    with project_lock(ctx.config.state_dir, ctx.config.lock_timeout, on_wait=on_wait):
        ctx.relock()  # check, lock, re-check: what another devkit did while this one waited counts
        ctx.notes.extend(children.stop_leftovers(ctx.config.state_dir))
        view = make_view([s.name for s in steps])
        events = _Events(ctx, view)
        runner.on_check, runner.on_start, runner.on_done = events.checking, events.started, events.done
        ctx.on_progress = events.activity
        try:
            with children.tracking(ctx.config.state_dir):
                return runner.run(ctx, selection)
        finally:  # also on Ctrl-C: the table of what finished replaces the live lines
            events.flush_notes()
            view.close([runner.results[s.name] for s in steps if s.name in runner.results])
