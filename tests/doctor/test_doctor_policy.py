"""Doctor's exit code is about the development environment: a workflow policy error (DK102 in a
deploy workflow) is shown as a warning unless --strict or the CI category/check is selected."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support.project import REPO, devkit

WORKFLOW = REPO / "tests" / "fixtures" / "workflows" / "migrate-in-deploy.yml"


def ci_status(example: Path, *args: str) -> tuple[int, dict[str, str]]:
    ran = devkit("doctor", "--json", *args, project=example)
    assert ran.code in (0, 1), ran.text
    checks = {c["name"]: c for c in json.loads(ran.out)["checks"]}
    return ran.code, checks["ci-workflows"]


def test_workflow_policy_error_warns_unless_strict_or_selected(example: Path) -> None:
    shutil.copy(WORKFLOW, example / ".github" / "workflows" / "deploy.yml")
    _, check = ci_status(example, "config", "ci-workflows", "--strict")
    assert check["status"] == "problem" and "DK102" in check["finding"]
    code, check = ci_status(example, "system", "docs", "ci")  # the CI category asked for: it fails
    assert check["status"] == "problem" and code == 1
    code, check = ci_status(example, "ci-workflows")
    assert check["status"] == "problem" and code == 1
    ran = devkit("doctor", "--json", project=example)  # everything: the policy only warns
    checks = {c["name"]: c for c in json.loads(ran.out)["checks"]}
    assert checks["ci-workflows"]["status"] == "warning", checks["ci-workflows"]
    assert "--strict" in checks["ci-workflows"]["hint"]
    problems = [c["name"] for c in checks.values() if c["status"] == "problem"]
    assert "ci-workflows" not in problems
