"""Pipeline steps, one module each, and the registry in the order `devkit up` shows them
(the tenant step lives in devkit/tenants/sequence.py, with everything else about tenants).

Step names are a stable contract (docs/contract.md): --only, --skip, --force, status and the
JSON use them.

Layer: below doctor and init. May import tenants, docs, the spine, database, project, ci,
config and core."""

from __future__ import annotations

from devkit.pipeline import Step


def up_steps() -> list[Step]:
    from devkit.steps.branched import wrap
    from devkit.steps.database import DatabaseStep
    from devkit.steps.docs import DocsStep
    from devkit.steps.env import EnvStep
    from devkit.steps.node_deps import NodeDeps
    from devkit.steps.python_deps import PythonDeps
    from devkit.tenants.sequence import TenantSequence

    steps: list[Step] = [DatabaseStep(), PythonDeps(), NodeDeps(), EnvStep(), TenantSequence(), DocsStep()]
    return wrap(steps)  # a checkout branched from another takes what it can from it (docs/worktrees.md)
