"""The house as docs/architecture.md draws it (issue 24): few modules at the package root, and the
tenant step hands values to its helpers instead of the context. The layers themselves are checked
by lint-imports in .ci/run (the contracts in pyproject.toml)."""

from __future__ import annotations

import sys

from tests.support.project import REPO


def test_at_most_six_modules_at_the_package_root() -> None:
    root = sorted(p.name for p in (REPO / "devkit").glob("*.py"))
    assert len(root) <= 6, root


def test_the_context_walk_from_the_tenant_step_stays_short() -> None:
    sys.path.insert(0, str(REPO))
    try:
        from bench.ctx_walk import Walk, layers, read_modules
    finally:
        sys.path.remove(str(REPO))
    walk = Walk(read_modules(), layers())
    walk.follow("devkit.tenants.sequence", "TenantSequence.run", "ctx", 0, None)
    assert len(set(walk.entered)) <= 6 and walk.climbs <= 3, "\n".join(walk.lines)
