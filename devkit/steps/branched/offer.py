"""Before `devkit up`'s pipeline: which checkout this one branches from (said, recorded), and
after a ready run: this checkout in the machine's registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from devkit.context import Context
from devkit.core import ownership
from devkit.core.errors import UsageError
from devkit.worktrees import choice, lineage, registry
from devkit.worktrees import git as gitfacts


def offer(ctx: Context, *, fresh: bool, from_path: Path | None, ask: Callable[[str], bool]) -> str | None:
    """Choose the source of a checkout without a database of its own; the line that says so."""
    if not _needs_database(ctx):
        if from_path is not None:
            raise UsageError(
                f"--from: {ctx.config.root} has a database of its own already",
                hint="`devkit down --volumes` deletes it; then `devkit up --from PATH` branches again",
            )
        return None
    if fresh and from_path is not None:
        raise UsageError("--fresh and --from contradict each other", hint="give one of them")
    if fresh:
        return "--fresh: a plain first run, not branched from another checkout"
    try:
        found = choice.given(from_path, ctx.config.root) if from_path else choice.find(ctx.config.root)
    except OSError as exc:  # the machine's registry or another checkout's files cannot be read
        return f"a plain first run: the other checkouts could not be read ({exc})"
    if found.source is None:
        return f"a plain first run: {found.why}" if found.why else None
    where = found.source.root
    if ctx.provider.name != "native":
        if from_path is not None:
            raise UsageError(
                f"--from needs the native provider here; this checkout's is {ctx.provider.name} "
                f"({ctx.provider_reason})",
                hint="set database.provider = native, or leave out --from",
            )
        name = ctx.provider.name
        return f"not branched from {where}: branching needs the native provider, this checkout's is {name}"
    question = f"Branch this checkout from {where} (its database, venv, node_modules)?"
    if from_path is None and not ctx.no_input and not ask(question):  # --from is the answer already
        return f"a plain first run: you chose not to branch from {where}"
    lineage.record_choice(ctx.state, found.source, found.why)
    return f"branching from {where}: {found.why} (devkit up --fresh for a plain first run)"


def _needs_database(ctx: Context) -> bool:
    """A native provider without a cluster of this project's (a first run, or after --volumes)."""
    provider = ctx.provider
    if provider.name != "native":
        return not ctx.state.step("database")
    return getattr(provider, "data_dir", None) is None


def register(ctx: Context) -> str | None:
    """After a `devkit up` that ended ready: this checkout in the machine's registry. Returns why
    it could not be recorded (a home that cannot be written): the run is ready all the same."""
    try:
        _register(ctx)
    except OSError as exc:
        return (
            f"this checkout is ready but not recorded in {registry.folder() / registry.FILE} ({exc}): "
            "another clone will not find it as its source (devkit up --from PATH will)"
        )
    return None


def _register(ctx: Context) -> None:
    root = ctx.config.root.resolve()
    identity = ownership.identify(ctx.config.state_dir, root)
    facts = gitfacts.facts(root)
    branch = lineage.current(ctx.state)
    registry.record(
        registry.Entry(
            path=str(root),
            project_id=identity.id,
            origin=facts.origin if facts else "",
            first_commits=facts.first_commits if facts else (),
            common_dir=str(facts.common_dir) if facts else "",
            branched_from=str(branch.get("source") or "") if branch.get("database") else "",
            branched_from_id=str(branch.get("source_id") or "") if branch.get("database") else "",
        )
    )
