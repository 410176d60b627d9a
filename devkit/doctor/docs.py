"""Docs: the generated docs are up to date (devkit.docs.check_docs_fresh, when in this build)."""

from __future__ import annotations

from devkit.doctor import fixes
from devkit.doctor.env import DoctorEnv
from devkit.doctor.external import to_finding
from devkit.doctor.model import Finding, check

CATEGORY = "Docs"


@check("docs", CATEGORY, "Docs up to date")
def check_docs(env: DoctorEnv) -> Finding:
    from devkit.docs import check_docs_fresh

    env.need_facts()  # the one probe of this doctor run; the docs code then reads the cache
    return to_finding(check_docs_fresh(env.ctx), fix=fixes.REGENERATE_DOCS)
