"""Docs: the generated docs are up to date (devkit.docs.check_docs_fresh, when in this build)."""

from __future__ import annotations

from devkit.doctor import fixes
from devkit.doctor.env import DoctorEnv
from devkit.doctor.external import not_available, to_finding
from devkit.doctor.model import Finding, check

CATEGORY = "Docs"


@check("docs", CATEGORY, "Docs up to date")
def check_docs(env: DoctorEnv) -> Finding:
    try:
        from devkit.docs import check_docs_fresh  # type: ignore[attr-defined]
    except ImportError:
        return not_available("docs freshness", "devkit.docs.check_docs_fresh")
    # Read the facts through the shared env first: then the docs code finds them cached instead
    # of starting a second probe process (two probes of one process would share a file name).
    env.need_facts()
    return to_finding(check_docs_fresh(env.ctx), fix=fixes.REGENERATE_DOCS)
