"""Python and Node checks: versions against .python-version/.nvmrc, venv and node_modules freshness."""

from __future__ import annotations

import json
from pathlib import Path

from tests.doctor.conftest import doctor, edited


def test_python_version_mismatch(project: Path) -> None:
    with edited(project / ".python-version", "3.9\n"):
        result = doctor(project, "python")
    check = result.checks["python-version"]
    assert result.ran.code == 1 and check["status"] == "problem"
    assert "3.9" in check["finding"]
    assert "python3.9" in check["hint"] or "Python 3.9" in check["hint"]


def test_changed_requirements_then_fix_reinstalls(project: Path) -> None:
    requirements = project / "backend" / "requirements.txt"
    original = requirements.read_text()
    with edited(requirements, original + "# pinned by the doctor test\n"):
        broken = doctor(project, "python")
        venv = broken.checks["virtualenv"]
        assert venv["status"] == "problem"
        assert venv["finding"] == "changed since the last install: backend/requirements.txt"
        assert "devkit up --only python-deps" in venv["hint"]
        fixed = doctor(project, "python", "--fix", "--no-input")
        assert fixed.ran.code == 0, fixed.ran.err
        assert fixed.status("virtualenv") == "ok"


def test_node_version_mismatch(project: Path) -> None:
    with edited(project / ".nvmrc", "18\n"):
        result = doctor(project, "node")
    check = result.checks["node-version"]
    assert result.ran.code == 1 and check["status"] == "problem"
    assert "does not satisfy '18'" in check["finding"] and "nvm install 18" in check["hint"]


def test_edited_lockfile_then_fix_runs_npm_ci(project: Path) -> None:
    lockfile = project / "frontend" / "package-lock.json"
    original = lockfile.read_text()
    # Same packages, different bytes: what a merge or another npm version leaves behind.
    with edited(lockfile, json.dumps(json.loads(original), indent=4) + "\n"):
        broken = doctor(project, "node")
        check = broken.checks["node-modules"]
        assert check["status"] == "problem" and "package-lock.json" in check["finding"]
        assert "devkit up --only node-deps" in check["hint"]
        fixed = doctor(project, "node", "--fix", "--no-input")
        assert fixed.ran.code == 0, fixed.ran.err
        assert fixed.status("node-modules") == "ok"
        assert "npm ci" in fixed.ran.err


def test_no_requirements_found_is_a_warning_saying_where_devkit_looked(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "app").mkdir(parents=True)
    (root / "app" / "manage.py").write_text("import sys\n")
    (root / "devkit.toml").write_text('manage_py = "app/manage.py"\n')
    found = doctor(root, "virtualenv")
    check = found.checks["virtualenv"]
    assert check["status"] == "warning", check
    assert "no Python dependencies declared where devkit looked (app/, ./)" in check["finding"]
    assert "python.requirements" in check["hint"]
