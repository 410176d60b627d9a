"""The command's surface: grouping, symbols, summary, -v, --json, --list-checks, NAME, --report."""

from __future__ import annotations

import json
import os
from pathlib import Path

from devkit.doctor.report import redact
from tests.doctor.conftest import doctor
from tests.support.project import devkit

ALL = {
    "config",
    "docker",
    "postgres-binaries",
    "root",
    "devcontainer",
    "database",
    "port",
    "env-file",
    "database-password",
    "python-version",
    "virtualenv",
    "node-version",
    "package-manager",
    "node-modules",
    "settings-module",
    "django-settings",
    "system-checks",
    "database-engine",
    "tenant-apps",
    "tenant-models",
    "tenant-commands",
    "tenants",
    "schema-names",
    "superuser",
    "migrations",
    "docs",
    "env-loading",
    "ci-workflows",
}


def test_healthy_project_has_no_problems(project: Path) -> None:
    result = doctor(project)
    assert result.ran.code == 0, result.problems()
    assert set(result.checks) == ALL
    assert result.data["ok"] is True and result.data["exit_code"] == 0
    assert result.data["summary"]["problem"] == 0
    for name in ALL - {"docs", "ci-workflows"}:
        assert result.status(name) == "ok", result.checks[name]
    assert "not needed" in result.checks["docker"]["finding"]  # no engine here, provider native


def test_console_groups_checks_and_prints_a_summary(project: Path) -> None:
    ran = devkit("doctor", "-v", project=project)
    assert ran.code == 0, ran.text
    for category in ("System", "Database", "Python", "Node", "Django and tenants", "Docs", "CI"):
        assert f"\n{category}\n" in f"\n{ran.out}"
    assert "✓ Database reachable" in ran.out
    assert "problems, " in ran.out or "no problems" in ran.out
    assert str(project / ".venv") in ran.out  # -v: details of passing checks


def test_list_checks_and_name_filters(project: Path) -> None:
    listed = devkit("doctor", "--list-checks", "--json", project=project)
    assert listed.code == 0
    assert {c["name"] for c in json.loads(listed.out)["checks"]} == ALL
    only = doctor(project, "python", "migrations")
    assert set(only.checks) == {"python-version", "virtualenv", "migrations"}


def test_unknown_name_is_a_usage_error(project: Path) -> None:
    ran = devkit("doctor", "no-such-check", project=project)
    assert ran.code == 2
    assert "unknown check 'no-such-check'" in ran.text and "--list-checks" in ran.text


def test_report_is_markdown_with_secrets_user_and_home_redacted(project: Path) -> None:
    report = project.parent / "report.md"
    password = json.loads((project / ".devkit" / "secrets.json").read_text())["database.password"]
    # The project lives in "home", and the user is called like the database user in the URL.
    env = {"HOME": str(project.parent), "USER": "demo", "LOGNAME": "demo"}
    ran = devkit("doctor", "-v", "--report", str(report), project=project, env=env)
    assert ran.code == 0, ran.text
    text = report.read_text()
    assert text.startswith("# devkit doctor report")
    assert "## Database" in text and "✓ **Database reachable**" in text
    assert password not in text
    assert str(project.parent) not in text and "~/tenant-demo" in text
    assert "postgresql://<user>:****@127.0.0.1" in text


def test_stale_docs_warn_and_fix_regenerates_them(project: Path) -> None:
    roadmap = project / "docs" / "ROADMAP.md"
    before = roadmap.read_text()
    roadmap.write_text(before.replace("| Django | 5.2", "| Django | 4.2"))
    stale = doctor(project, "docs")
    assert stale.status("docs") == "warning"
    assert "ROADMAP.md" in stale.checks["docs"]["finding"] and stale.checks["docs"]["fix"]
    fixed = doctor(project, "docs", "--fix", "--no-input")
    assert fixed.status("docs") == "ok", fixed.ran.err
    assert roadmap.read_text() == before


def test_workflow_policy_error_is_a_problem(project: Path) -> None:
    bad = project / ".github" / "workflows" / "bad.yml"
    bad.write_text(
        "on: push\npermissions: {contents: read}\njobs:\n  deploy:\n"
        "    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    environment: prod\n"
        "    container: ghcr.io/acme/app:latest\n    steps:\n      - run: ./deploy.sh\n"
    )
    try:
        result = doctor(project, "ci")
    finally:
        bad.unlink()
    check = result.checks["ci-workflows"]
    assert check["status"] == "problem" and "bad.yml" in check["finding"]
    assert "devkit check-workflows" in check["hint"]


def test_redact_masks_url_passwords_and_home() -> None:
    home = os.path.expanduser("~")
    text = redact(f"postgresql://app:hunter22@db/x in {home}/project")
    assert "hunter22" not in text and home not in text
