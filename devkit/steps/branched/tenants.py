"""tenants and env in a branched checkout's first run.

env: the facts probe starts beside the settings trace (ahead.py).
tenants: nothing runs when the copied database has every tenant, schema and migration this
checkout expects and the stored superuser password opens the copied superuser row; otherwise the
sequence runs as always (it migrates the copy to this checkout's migrations, sets the password).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devkit.context import Context
from devkit.pipeline import Done
from devkit.project.facts import READS
from devkit.steps.branched.ahead import Ahead
from devkit.steps.branched.source import source_of
from devkit.steps.branched.wrapped import Wrapped
from devkit.worktrees import lineage


def first_run_of_copy(ctx: Context, step: str) -> bool:
    """The database was branched and this step has not run since."""
    return bool(lineage.current(ctx.state).get("database")) and not ctx.state.step(step)


class EnvFromSource(Wrapped):
    def __init__(self, step: Any, ahead: Ahead) -> None:
        super().__init__(step)
        self.ahead = ahead

    def run(self, ctx: Context) -> Done:
        if first_run_of_copy(ctx, "tenants"):
            _reads_of_source(ctx)
            self.ahead.read_facts(ctx, Path(lineage.current(ctx.state)["source"]))
        return super().run(ctx)


def _reads_of_source(ctx: Context) -> None:
    """Before this checkout's first settings trace: the variables the source's settings read, so
    that the facts read ahead are keyed as the tenants and docs steps will key them after the
    trace (which records this checkout's own; a difference only means the facts are read again).
    Without it the facts were keyed by every variable of the environment and read twice."""
    if ctx.state.get(READS) is not None:
        return
    source, _problem = source_of(ctx)
    reads = source.state.get(READS) if source is not None else None
    if isinstance(reads, list) and all(isinstance(r, str) for r in reads):
        ctx.state.put(READS, reads)
        ctx.inputs_changed()


class TenantsFromSource(Wrapped):
    def __init__(self, step: Any, ahead: Ahead) -> None:
        super().__init__(step)
        self.ahead = ahead

    def run(self, ctx: Context) -> Done:
        if not first_run_of_copy(ctx, self.name):
            return super().run(ctx)
        source = lineage.current(ctx.state)["source"]
        self.ahead.check_password(ctx, Path(source))  # when the database step did not branch it now
        problem = self.step.check(ctx, {})
        if problem is not None:
            ctx.notes.append(f"tenants: the copy is not this checkout's yet ({problem}): the sequence runs")
            return super().run(ctx)
        unverified = self.ahead.password_problem(ctx, ctx.facts())
        if unverified is None:
            return Done(
                f"the copy of {source}'s database has every tenant, schema and migration and the "
                "superuser (verified): nothing to run"
            )
        ctx.state.put("superuser_password_unset", True)
        ctx.notes.append(f"tenants: {unverified}: the sequence sets it")
        return super().run(ctx)
