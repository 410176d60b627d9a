"""The devcontainer path, run for real: `devcontainer up` on what `devkit init --devcontainer` wrote.

A real devcontainer CLI (@devcontainers/cli, pinned in tests/support/devcontainer/package.json and
installed by .ci/run) drives Debian's docker-compose 1.29 against the Docker-API engine of
tests/support/docker_engine (rootful Podman). It builds the generated Dockerfile, starts the app
and db services, and runs the generated postCreateCommand, which installs devkit with `uv tool
install` and runs `devkit up --no-input` against the compose database.

Substitutions this test makes (none of them is in what users get):
- The public base images the generated files name (python:3.11-bookworm, node:20-bookworm-slim,
  postgres:15) are built locally under those names by tests/support/devcontainer/build-images.sh:
  no image registry is reachable here. The python stand-in trusts this sandbox's TLS-intercepting
  proxy CA, so pip, uv and npm inside the container reach the package registries.
- `--install-spec` points at a wheel of this checkout inside the workspace: this version of
  django-tenants-devkit is not on the package index (the generated default would install it
  from there; detecting the spec is tested in tests/init/test_install_spec.py).
- DEVKIT_DB_PORT publishes the db service on a free port instead of 5432.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.support.postgres import free_port
from tests.support.project import REPO, copy_example, devkit

pytestmark = [pytest.mark.docker, pytest.mark.e2e]

SUPPORT = REPO / "tests" / "support" / "devcontainer"
CLI = SUPPORT / "node_modules" / ".bin" / "devcontainer"


@pytest.fixture(scope="module")
def tools() -> Iterator[dict[str, str]]:
    """The engine, docker-compose and the devcontainer CLI: a failure, not a skip, when the engine
    is there and a tool is not (DEVKIT_REQUIRE_DOCKER=1 in .ci/run)."""
    host = os.environ.get("DOCKER_HOST", "")
    if not host.startswith("unix://"):
        if os.environ.get("DEVKIT_REQUIRE_DOCKER") == "1":
            pytest.fail("DEVKIT_REQUIRE_DOCKER=1 but DOCKER_HOST is not a unix socket of the test engine")
        pytest.skip("DOCKER_HOST is not set: start tests/support/docker_engine/up.sh")
    missing = [
        what
        for what, ok in (
            (f"the devcontainer CLI ({CLI}; run `npm ci --prefix {SUPPORT}`)", CLI.exists()),
            ("docker-compose (apt-get install docker-compose)", shutil.which("docker-compose")),
            ("the docker client", shutil.which("docker")),
        )
        if not ok
    ]
    if missing:
        pytest.fail("the devcontainer e2e test needs " + "; ".join(missing))
    state_dir = Path(host.removeprefix("unix://")).parent
    subprocess.run([str(SUPPORT / "build-images.sh"), str(state_dir)], check=True, timeout=900)
    yield {"DOCKER_HOST": host}


@pytest.fixture
def workspace(reachable_tmp: Path) -> Path:
    """A git checkout of the example (as a developer clones it) with devkit's wheel inside it."""
    project = copy_example(reachable_tmp / "tenant-demo")
    wheels = project / ".devkit-wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(wheels),
            str(REPO),
        ],
        check=True,
        timeout=300,
    )
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    return project


def _cli(
    tools: dict[str, str], *args: str, port: int, timeout: float = 1500
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **tools, "DEVKIT_DB_PORT": str(port)}
    return subprocess.run(
        # The CLI's own options go before the command `exec` runs in the container.
        [str(CLI), args[0], "--docker-path", "docker", "--docker-compose-path", "docker-compose", *args[1:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _outcome(ran: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON line `devcontainer up` prints last on stdout."""
    lines = [line for line in ran.stdout.splitlines() if line.startswith("{")]
    assert lines, (
        f"no JSON outcome from devcontainer (exit {ran.returncode}):\n{ran.stdout}\n{ran.stderr[-6000:]}"
    )
    return json.loads(lines[-1])


def _password(workspace: Path) -> str:
    for line in (workspace / ".devcontainer" / ".env").read_text().splitlines():
        if line.startswith("POSTGRES_PASSWORD="):
            return line.split("=", 1)[1]
    raise AssertionError("no POSTGRES_PASSWORD in .devcontainer/.env")


def _tenants(port: int, password: str) -> dict[str, Any]:
    """What the database holds, read from the host through the published 127.0.0.1 port."""
    url = f"postgresql://demo:{password}@127.0.0.1:{port}/tenant_demo"
    with psycopg.connect(url, connect_timeout=10) as conn:
        rows = conn.execute("SELECT id, schema_name FROM customers_client ORDER BY id").fetchall()
        schemas = {
            r[0]
            for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'guest')")
        }
        users = conn.execute("SELECT username, password FROM public.auth_user ORDER BY id").fetchall()
    return {"tenants": rows, "schemas": schemas, "users": users}


def _remove_compose_project(tools: dict[str, str], name: str) -> None:
    """Remove the containers, volume, network and app image of this test's compose project only."""
    import docker

    client = docker.DockerClient(base_url=tools["DOCKER_HOST"])
    label = f"com.docker.compose.project={name}"
    for container in client.containers.list(all=True, filters={"label": label}):
        container.remove(force=True, v=True)
    for volume in client.volumes.list(filters={"label": label}):
        volume.remove(force=True)
    for network in client.networks.list(filters={"label": label}):
        network.remove()
    for image in client.images.list(name=f"{name}_app") + client.images.list(name=f"vsc-{name}"):
        client.images.remove(image.id, force=True)
    client.close()


def test_devcontainer_up_makes_the_generated_container_ready(tools: dict[str, str], workspace: Path) -> None:
    wheel = next((workspace / ".devkit-wheel").glob("*.whl"))
    ran = devkit(
        "init",
        "--devcontainer",
        "--no-input",
        "--install-spec",
        f"./{wheel.relative_to(workspace).as_posix()}",
        project=workspace,
        timeout=120,
    )
    assert ran.code == 0, ran.text
    data = json.loads((workspace / ".devcontainer" / "devcontainer.json").read_text().split("\n", 3)[3])
    assert data["postCreateCommand"].startswith("uv tool install ./.devkit-wheel/")
    assert "features" not in data  # nothing fetched from a feature registry

    port = free_port()
    compose_project = f"{workspace.name}_devcontainer"
    try:
        started = time.monotonic()
        up = _cli(tools, "up", "--workspace-folder", str(workspace), port=port)
        cold = time.monotonic() - started
        outcome = _outcome(up)
        assert outcome.get("outcome") == "success", f"{outcome}\n{up.stderr[-8000:]}"
        compose_project = outcome.get("composeProjectName", compose_project)

        status = _cli(
            tools, "exec", "--workspace-folder", str(workspace), "devkit", "status", "--json", port=port
        )
        assert status.returncode == 0, status.stdout + status.stderr[-4000:]
        report = json.loads(status.stdout[status.stdout.index("{") :])
        stale = {s["name"]: s["reason"] for s in report["steps"] if not s["fresh"]}
        assert not stale, f"steps not fresh in the container: {stale}"

        doctor = _cli(tools, "exec", "--workspace-folder", str(workspace), "devkit", "doctor", port=port)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr[-4000:]

        password = _password(workspace)
        before = _tenants(port, password)
        assert [r[1] for r in before["tenants"]] == ["public", "guest"]
        assert before["schemas"] == {"public", "guest"}
        assert any(u[0] == "admin" for u in before["users"])

        # A rebuilt container on the kept volume: nothing re-created, the password still works.
        started = time.monotonic()
        again = _cli(
            tools, "up", "--workspace-folder", str(workspace), "--remove-existing-container", port=port
        )
        warm = time.monotonic() - started
        assert _outcome(again).get("outcome") == "success", again.stderr[-8000:]
        after = _tenants(port, password)
        assert after == before  # same tenant rows (ids), schemas, users and password hashes
        secrets = json.loads((workspace / ".devkit" / "secrets.json").read_text())
        password_literal = repr(secrets["superuser.password"])
        login = (
            "from django.contrib.auth import authenticate; import sys; "
            f"sys.exit(0 if authenticate(username='admin', password={password_literal}) else 9)"
        )
        check = _cli(
            tools,
            "exec",
            "--workspace-folder",
            str(workspace),
            ".venv/bin/python",
            "backend/manage.py",
            "shell",
            "-c",
            login,
            port=port,
        )
        assert check.returncode == 0, "the stored superuser password no longer authenticates"
        print(f"devcontainer up: cold {cold:.1f}s, rebuilt container on the kept volume {warm:.1f}s")
    finally:
        _remove_compose_project(tools, compose_project)
