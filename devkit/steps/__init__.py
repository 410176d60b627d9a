"""Pipeline steps, one module each, and the registry in the order `devkit up` shows them.

Step names are a stable contract (docs/contract.md): --only, --skip, --force, status and the
JSON use them.
"""

from __future__ import annotations

from devkit.pipeline import Step


def up_steps() -> list[Step]:
    from devkit.steps.database import DatabaseStep
    from devkit.steps.docs import DocsStep
    from devkit.steps.node_deps import NodeDeps
    from devkit.steps.python_deps import PythonDeps
    from devkit.tenants.sequence import TenantSequence

    return [DatabaseStep(), PythonDeps(), NodeDeps(), TenantSequence(), DocsStep()]
