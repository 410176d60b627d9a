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
- env: on the copy's first run, the facts (the source's own when read from the same inputs, else
  the probe) and the superuser password check start beside the settings trace (ahead.py);
- tenants: on the copy's first run, when the database already has every tenant, schema and
  migration this checkout expects and the stored superuser password opens the copied row,
  nothing runs; otherwise the sequence runs as always (it migrates the copy to this branch).

Each wrapper delegates everything else to the step it wraps.
"""

from __future__ import annotations

from typing import Any

from devkit.pipeline import Step
from devkit.steps.branched.ahead import Ahead
from devkit.steps.branched.database import DatabaseFromSource
from devkit.steps.branched.offer import offer, register
from devkit.steps.branched.tenants import EnvFromSource, TenantsFromSource
from devkit.steps.branched.trees import NodeDepsFromSource, PythonDepsFromSource


def wrap(steps: list[Step]) -> list[Step]:
    """The up steps, each wrapped for branched checkouts (the others run unchanged)."""
    ahead = Ahead()  # what the database and env steps start early for the tenants step, in one run
    wrappers: dict[str, Any] = {
        "database": lambda step: DatabaseFromSource(step, ahead),
        "python-deps": PythonDepsFromSource,
        "node-deps": NodeDepsFromSource,
        "env": lambda step: EnvFromSource(step, ahead),
        "tenants": lambda step: TenantsFromSource(step, ahead),
    }
    return [wrappers[s.name](s) if s.name in wrappers else s for s in steps]


__all__ = ["offer", "register", "wrap"]
