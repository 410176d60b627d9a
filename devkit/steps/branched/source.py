"""The source checkout as a context of its own, for reading its steps' fingerprints and checks:
its state as read (a write raises), no secrets."""

from __future__ import annotations

import threading

from devkit.config import loading
from devkit.context import Context
from devkit.core.state import Secrets, State
from devkit.pipeline import Step, fingerprint_of
from devkit.worktrees import lineage
from devkit.worktrees.source import SourceCheckout, open_checkout

# state: each install step's last install here ({"seconds", "files", "bytes"}), for a branch's copy plan
INSTALLS = "installs"


class ReadOnlyState(State):
    """The source's state.json as read; a write would be a bug (the source is never touched)."""

    def __init__(self, source: SourceCheckout) -> None:  # the state as read once, not the file again
        self.path = source.state_dir / "state.json"
        self.set_aside, self.set_aside_why = None, ""
        self.data = dict(source.state)
        self._lock = threading.Lock()

    def reload(self) -> None:
        return None

    def save(self) -> None:
        raise RuntimeError("devkit never writes the source checkout's state")


class NoSecrets(Secrets):
    def _read(self) -> dict[str, str]:
        return {}

    def get_or_create(self, key: str) -> tuple[str, bool]:
        raise RuntimeError("devkit never writes the source checkout's secrets")


def source_of(ctx: Context) -> tuple[SourceCheckout | None, str]:
    root = lineage.source_root(ctx.state)
    if root is None:
        return None, ""
    source, problem = open_checkout(root)
    if source is not None and source.project_id != lineage.current(ctx.state).get("source_id"):
        return None, f"{root} holds another project now"
    return source, problem


def source_context(source: SourceCheckout) -> Context:
    """A context of the source for reading its steps' fingerprints and checks (never writing)."""
    return Context(loading.load(source.root), ReadOnlyState(source), NoSecrets(source.state_dir))


def source_is_fresh(step: Step, source_ctx: Context) -> str | None:
    """Why the source's tree is not as its last install left it, or None."""
    record = source_ctx.state.step(step.name)
    if not record:
        return f"{step.name} never finished in the source"
    if record.get("fingerprint") != fingerprint_of(step, source_ctx):
        return f"the source's {step.name} inputs changed since its install (run devkit up there)"
    return step.check(source_ctx, record)


def last_install(source: SourceCheckout, step: str) -> dict[str, float] | None:
    """The source's record of its last install of `step`'s tree (None: not measured)."""
    found = (source.state.get(INSTALLS) or {}).get(step)
    return found if isinstance(found, dict) else None
