"""System checks: PostgreSQL binaries, Docker engine, root, devcontainer.json (JSONC)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.doctor.conftest import doctor, edited

DEVCONTAINER = Path(".devcontainer/devcontainer.json")
GOOD = """{
  // JSONC: comments and trailing commas are legal
  "name": "tenant-demo",
  "image": "mcr.microsoft.com/devcontainers/python:3.11", /* the base */
  "postCreateCommand": "devkit up --no-input",
}
"""


def test_postgres_binaries_missing(project: Path) -> None:
    config = project / "devkit.toml"
    text = config.read_text()
    with edited(
        config, text.replace('provider = "native"', 'provider = "native"\nbin_dir = "/nonexistent/bin"')
    ):
        result = doctor(project, "system")
    check = result.checks["postgres-binaries"]
    assert result.ran.code == 1 and check["status"] == "problem"
    assert "/nonexistent/bin" in check["finding"] and "apt-get install postgresql" in check["hint"]


def test_docker_required_but_unreachable(project: Path) -> None:
    config = project / "devkit.toml"
    text = config.read_text()
    env = {"DOCKER_HOST": f"unix://{project}/no-engine.sock"}
    with edited(config, text.replace('provider = "native"', 'provider = "docker"')):
        result = doctor(project, "docker", env=env)
    check = result.checks["docker"]
    assert result.ran.code == 1 and check["status"] == "problem"
    assert "no Docker engine answers" in check["finding"]
    assert "DOCKER_HOST" in check["hint"]


@pytest.mark.skipif(os.geteuid() != 0, reason="says what running as root implies")
def test_root_explains_the_postgres_user(project: Path) -> None:
    result = doctor(project, "-v", "root")
    assert result.status("root") == "ok"
    assert "`postgres`" in result.checks["root"]["finding"]
    assert "PostgreSQL refuses root" in result.checks["root"]["details"]


def test_devcontainer_jsonc_parses(project: Path) -> None:
    with edited(project / DEVCONTAINER, GOOD):
        result = doctor(project, "devcontainer")
    assert result.status("devcontainer") == "ok", result.checks["devcontainer"]


def test_devcontainer_syntax_error_names_the_line(project: Path) -> None:
    with edited(project / DEVCONTAINER, GOOD.replace('"tenant-demo",', '"tenant-demo"')):
        result = doctor(project, "devcontainer")
    check = result.checks["devcontainer"]
    assert result.ran.code == 1 and check["status"] == "problem"
    assert "line 4" in check["finding"]


def test_devcontainer_empty_settings_module_substitution_warns(project: Path) -> None:
    text = GOOD.replace(
        '"name"', '"remoteEnv": {"DJANGO_SETTINGS_MODULE": "${localEnv:DJANGO_SETTINGS_MODULE}"},\n  "name"'
    )
    with edited(project / DEVCONTAINER, text):
        result = doctor(project, "devcontainer")
    check = result.checks["devcontainer"]
    assert result.ran.code == 0 and check["status"] == "warning"
    assert "DJANGO_SETTINGS_MODULE" in check["finding"] and "localEnv" in check["hint"]
