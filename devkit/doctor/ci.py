"""CI: the workflow policy of devkit.ci.workflows (`doctor_check(ctx) -> (status, finding, hint)`,
the same shape as devkit.docs.check_docs_fresh)."""

from __future__ import annotations

from devkit.doctor.env import DoctorEnv
from devkit.doctor.external import to_finding
from devkit.doctor.model import Finding, check

CATEGORY = "CI"


@check("ci-workflows", CATEGORY, "Workflow policy")
def check_workflows(env: DoctorEnv) -> Finding:
    from devkit.ci.workflows import doctor_check

    return to_finding(doctor_check(env.ctx))
