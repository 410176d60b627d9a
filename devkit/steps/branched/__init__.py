"""In a checkout branched from another (docs/worktrees.md), the steps take from the source what is
provably the same, and otherwise run as always.

`offer()` runs before `devkit up`'s pipeline in a checkout without a database of its own: it
chooses the source (worktrees/choice.py), asks on a terminal, records the choice and returns the
line that says which source and why. Then each step is wrapped (`steps.up_steps()`):

- database: the source's cluster is copied into this checkout's own (database/branch.py), the
  env file's own lines and the superuser's stored password come with it, then the step itself
  starts the server and writes the env file;
- python-deps, node-deps: a venv / node_modules this checkout lacks is copied from the source
  when their inputs are the same (the files they are installed from, the configuration, the
  interpreter, the package manager) and the source's tree is as its last install left it;
  reflink or plain copy (worktrees/trees.py), else the install runs;
- tenants: on the copy's first run, when the database already has every tenant, schema and
  migration this checkout expects and the stored superuser password opens the copied row,
  nothing runs; otherwise the sequence runs as always (it migrates the copy to this branch).

Each wrapper delegates everything else to the step it wraps.
"""

from __future__ import annotations

from collections.abc import Callable

from devkit.pipeline import Step
from devkit.steps.branched.database import DatabaseFromSource
from devkit.steps.branched.offer import offer, register
from devkit.steps.branched.tenants import TenantsFromSource
from devkit.steps.branched.trees import NodeDepsFromSource, PythonDepsFromSource

WRAPPERS: dict[str, Callable[[Step], Step]] = {
    "database": DatabaseFromSource,
    "python-deps": PythonDepsFromSource,
    "node-deps": NodeDepsFromSource,
    "tenants": TenantsFromSource,
}


def wrap(steps: list[Step]) -> list[Step]:
    """The up steps, each wrapped for branched checkouts (the others run unchanged)."""
    return [WRAPPERS[s.name](s) if s.name in WRAPPERS else s for s in steps]


__all__ = ["offer", "register", "wrap"]
