"""The Docker provider against a real Docker-API engine (tests/support/docker_engine, Podman).

Every test drives the real CLI on a copy of the example project with the locally built image
devkit-test/postgres:15 (no registry is reachable here), then checks the outcome in the engine and
in PostgreSQL. Each test removes the containers and volumes labelled with its project's id.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devkit.config.loading import load
from devkit.database.docker_engine import connect
from devkit.database.docker_image import ensure_image
from devkit.database.docker_labels import PROJECT, project_id, resource_names
from tests.commands.test_up_e2e import snapshot
from tests.support.project import REPO, Ran, devkit, pin_provider

pytestmark = pytest.mark.docker

IMAGE = "devkit-test/postgres:15"
EXITS_IMAGE = "devkit-test/postgres-exits:15"  # same image, DEVKIT_TEST_EXIT_IMMEDIATELY=1
NEXT_MAJOR_IMAGE = "devkit-test/postgres:16"  # the same binaries tagged 16: a "major upgrade"
REGISTRY = os.environ.get("DEVKIT_TEST_REGISTRY", "127.0.0.1:5099")  # up.sh serves it
STEPS = ("database", "python-deps", "node-deps", "env", "tenants", "docs")


@pytest.fixture(scope="session")
def engine() -> Iterator[Any]:
    """The engine's docker client; skipped without DOCKER_HOST, unless DEVKIT_REQUIRE_DOCKER=1."""
    if not os.environ.get("DOCKER_HOST"):
        reason = (
            'DOCKER_HOST is not set: start the engine with `export "$(tests/support/docker_engine/up.sh)"`'
        )
        if os.environ.get("DEVKIT_REQUIRE_DOCKER") == "1":
            pytest.fail(f"DEVKIT_REQUIRE_DOCKER=1 but {reason}")
        pytest.skip(reason)
    import docker

    client = docker.from_env()
    client.ping()
    base = client.images.get(IMAGE)
    holder = client.containers.create(base.id, labels={"devkit.test": "image-builder"})
    try:
        holder.commit(
            repository=EXITS_IMAGE.split(":")[0], tag="15", changes=["ENV DEVKIT_TEST_EXIT_IMMEDIATELY=1"]
        )
    finally:
        holder.remove(v=True)
    base.tag(NEXT_MAJOR_IMAGE.split(":")[0], "16")
    yield client
    client.images.remove(EXITS_IMAGE)
    client.images.remove(NEXT_MAJOR_IMAGE)
    client.close()


def set_database(project: Path, **values: object) -> None:
    """Set keys of the copy's [database] table (replacing earlier values of the same keys)."""
    path = project / "devkit.toml"
    lines = [
        line
        for line in path.read_text().splitlines()
        if not any(line.startswith(f"{key} =") for key in values)
    ]
    at = lines.index("[database]") + 1
    lines[at:at] = [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def project(example: Path, engine: Any) -> Iterator[Path]:
    """The example copy on provider docker with the test image; removes its containers/volumes."""
    pin_provider(example, "docker")
    set_database(example, image=IMAGE)
    yield example
    label = f"{PROJECT}={project_id(load(example))}"
    for container in engine.containers.list(all=True, filters={"label": label}):
        container.remove(force=True, v=True)
    for volume in engine.volumes.list(filters={"label": label}):
        volume.remove()


def up(project: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    return devkit("up", "--only", "database", "--no-input", *args, project=project, env=env)


def container(engine: Any, project: Path) -> Any:
    return engine.containers.get(resource_names(load(project))[0])


def url(project: Path) -> str:
    ran = devkit("db", "url", project=project)
    assert ran.code == 0, ran.text
    return ran.out.strip().splitlines()[-1]


def sql(project: Path, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url(project), autocommit=True, connect_timeout=5) as db:
        cursor = db.execute(query)
        return cursor.fetchall() if cursor.description else []


def listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def test_first_start_labels_secret_and_reuse(project: Path, engine: Any) -> None:
    first = up(project)
    assert first.code == 0, first.text
    box = container(engine, project)
    labels = box.labels
    assert labels[PROJECT] == project_id(load(project))
    assert {"devkit.version", "devkit.spec-hash", "devkit.role"} <= set(labels)
    assert engine.volumes.get(resource_names(load(project))[1]).attrs["Labels"][PROJECT] == labels[PROJECT]
    binding = box.ports["5432/tcp"][0]
    assert binding["HostIp"] == "127.0.0.1"
    # Ready was declared only after the image's socket-only init server had gone.
    assert "init process complete" in box.logs().decode()
    secrets = project / ".devkit" / "secrets.json"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    password = json.loads(secrets.read_text())["database.password"]
    assert len(password) >= 16 and password != "postgres"
    assert password not in first.text
    assert sql(project, "SELECT current_user, current_database()") == [("demo", "tenant_demo")]

    started_at = box.attrs["State"]["StartedAt"]
    again = up(project)
    assert again.code == 0, again.text
    assert "skipped" in again.out
    box.reload()
    assert box.attrs["State"]["StartedAt"] == started_at
    status = devkit("status", "--json", project=project)
    info = json.loads(status.out)["database"]
    assert info["state"] == "running" and info["image"] == IMAGE
    assert info["port"] == int(binding["HostPort"])


def test_stop_then_start_keeps_data(project: Path, engine: Any) -> None:
    assert up(project).code == 0
    sql(project, "CREATE TABLE kept (x text); INSERT INTO kept VALUES ('yes')")
    port = url(project).rsplit(":", 1)[1].split("/")[0]
    down = devkit("down", project=project)
    assert down.code == 0, down.text
    assert "data kept" in down.out
    box = container(engine, project)
    assert box.status == "exited"
    assert "exited" in devkit("status", project=project).out
    again = up(project)
    assert again.code == 0, again.text
    assert container(engine, project).status == "running"
    assert sql(project, "SELECT x FROM kept") == [("yes",)]
    assert url(project).rsplit(":", 1)[1].split("/")[0] == port  # the chosen port is kept


def test_settings_change_needs_recreate_and_keeps_volume(project: Path, engine: Any) -> None:
    assert up(project).code == 0
    sql(project, "CREATE TABLE kept (x text); INSERT INTO kept VALUES ('yes')")
    old_id = container(engine, project).id
    with listening_socket() as sock:
        fixed = sock.getsockname()[1]
    set_database(project, port=fixed)
    refused = up(project)
    assert refused.code == 3, refused.text
    assert "port" in refused.text and str(fixed) in refused.text and "--recreate" in refused.text
    assert container(engine, project).id == old_id

    recreated = up(project, "--recreate")
    assert recreated.code == 0, recreated.text
    box = container(engine, project)
    assert box.id != old_id
    assert box.ports["5432/tcp"][0]["HostPort"] == str(fixed)
    assert sql(project, "SELECT x FROM kept") == [("yes",)]


def test_major_version_change_is_refused(project: Path, engine: Any) -> None:
    assert up(project).code == 0
    set_database(project, image=NEXT_MAJOR_IMAGE)
    for args in ((), ("--recreate",)):
        ran = up(project, *args)
        assert ran.code == 3, ran.text
        assert "PostgreSQL 15 data directory" in ran.text and "incompatible" in ran.text
        assert "pg_dumpall" in ran.text
    assert container(engine, project).labels["devkit.spec"].count(IMAGE) == 1


def test_fixed_port_taken_names_the_conflict(project: Path, engine: Any) -> None:
    with listening_socket() as sock:
        taken = sock.getsockname()[1]
        set_database(project, port=taken)
        ran = up(project)
    assert ran.code == 3, ran.text
    assert f"port {taken}" in ran.text and "already in use" in ran.text
    assert "database.port = 0" in ran.text
    assert not engine.containers.list(all=True, filters={"name": resource_names(load(project))[0]})


def test_chosen_port_taken_later_picks_another(project: Path, engine: Any) -> None:
    assert up(project).code == 0
    sql(project, "CREATE TABLE kept (x text); INSERT INTO kept VALUES ('yes')")
    old = int(container(engine, project).ports["5432/tcp"][0]["HostPort"])
    assert devkit("down", project=project).code == 0
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", old))
        squatter.listen()
        ran = up(project)
        assert ran.code == 0, ran.text
        new = int(container(engine, project).ports["5432/tcp"][0]["HostPort"])
        assert new != old
        assert sql(project, "SELECT x FROM kept") == [("yes",)]


def test_container_that_exits_at_once_fails_fast_with_its_log(project: Path, engine: Any) -> None:
    set_database(project, image=EXITS_IMAGE)
    started = time.monotonic()
    ran = up(project)
    assert ran.code == 3, ran.text
    assert time.monotonic() - started < 20  # not the 60 s wait timeout
    assert "exited with code 1" in ran.text
    assert "DEVKIT_TEST_EXIT_IMMEDIATELY" in ran.text  # the container's last log lines


def test_missing_image_without_registry(project: Path) -> None:
    set_database(project, image="devkit-test/no-such-image:1")
    ran = up(project)
    assert ran.code == 3, ran.text
    assert "devkit-test/no-such-image:1" in ran.text
    assert "no registry is reachable" in ran.text
    assert "database.image" in ran.text


def test_missing_image_is_pulled_from_a_registry(project: Path, engine: Any) -> None:
    """From the local registry that up.sh serves (Debian's docker-registry, plain HTTP)."""
    image = f"{REGISTRY}/devkit-test/postgres:15"
    try:
        urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=5).close()
    except OSError as exc:
        if os.environ.get("DEVKIT_REQUIRE_DOCKER") == "1":
            pytest.fail(f"no test registry at {REGISTRY}: {exc} (tests/support/docker_engine/up.sh)")
        pytest.skip(f"no test registry at {REGISTRY}: {exc}")
    drop_image(engine, image)
    try:
        events: list[dict[str, Any]] = []
        facts = ensure_image(connect(), image, show=events.extend)
        assert events and not any("error" in event for event in events)
        assert (facts.major, facts.data_path) == (15, "/var/lib/postgresql/data")
        drop_image(engine, image)

        set_database(project, image=image)
        ran = up(project)
        assert ran.code == 0, ran.text
        assert f'"image": "{image}"' in container(engine, project).labels["devkit.spec"]
        assert devkit("down", "--volumes", "--yes", project=project).code == 0
    finally:
        drop_image(engine, image)


def drop_image(engine: Any, image: str) -> None:
    import docker.errors

    with contextlib.suppress(docker.errors.NotFound):  # absent is the wanted outcome
        engine.images.remove(image)


def test_down_volumes_needs_yes_then_removes_everything(project: Path, engine: Any) -> None:
    assert up(project).code == 0
    container_name, volume_name = resource_names(load(project))
    refused = devkit("down", "--volumes", "--no-input", project=project)
    assert refused.code == 2, refused.text
    assert container(engine, project).status == "running"
    removed = devkit("down", "--volumes", "--yes", project=project)
    assert removed.code == 0, removed.text
    assert not engine.containers.list(all=True, filters={"name": container_name})
    assert not engine.volumes.list(filters={"name": volume_name})
    assert devkit("status", "--json", project=project).code == 0


def test_unlabelled_container_with_our_name_is_never_touched(project: Path, engine: Any) -> None:
    name = resource_names(load(project))[0]
    stranger = engine.containers.create(IMAGE, name=name, environment={"POSTGRES_PASSWORD": "x"})
    try:
        ran = up(project)
        assert ran.code == 3, ran.text
        assert f"a container named {name} exists, but devkit did not create it" in ran.text
        down = devkit("down", "--volumes", "--yes", project=project)
        assert down.code != 0 and "did not create it" in down.text
        stranger.reload()
        assert stranger.status == "created" and stranger.id == container(engine, project).id
    finally:
        stranger.remove(force=True, v=True)


def test_lost_password_with_existing_volume_is_recovered(project: Path) -> None:
    """Issue 10 defect 5: a new password is set through the container's local socket; the data
    is kept, and `db url` prints only a password the server accepted."""
    assert up(project).code == 0
    sql(project, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('data')")
    (project / ".devkit" / "secrets.json").unlink()
    assert devkit("db", "url", project=project).code == 3  # the stored password is unknown
    ran = up(project)
    assert ran.code == 0, ran.text
    assert "a new password was set" in ran.text
    assert sql(project, "SELECT v FROM kept") == [("data",)]
    assert up(project).code == 0  # and the next run is a plain re-use


@pytest.mark.parametrize(
    ("docker_host", "expected"),
    [
        ("unix:///tmp/devkit-no-engine-here.sock", "no Docker engine answers at unix:///tmp/devkit-no"),
        ("tcp://devkit-no-such-host.invalid:2375", "does not lead to a Docker engine"),
        ("bogus://x", "DOCKER_HOST=bogus://x does not lead to a Docker engine"),
    ],
)
def test_engine_unreachable_is_named(project: Path, docker_host: str, expected: str) -> None:
    ran = up(project, env={"DOCKER_HOST": docker_host})
    assert ran.code == 3, ran.text
    assert expected in ran.text and "DOCKER_HOST" in ran.text


def test_permission_denied_on_the_socket(engine: Any) -> None:
    """As user nobody (the engine's socket is root's, mode 0600): the real connect() fails."""
    probe = (
        "from devkit.database.docker_engine import connect\n"
        "from devkit.core.errors import DatabaseError\n"
        "try:\n    connect()\nexcept DatabaseError as exc:\n    print(exc.message, exc.hint)\n"
    )
    ran = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
        timeout=60,
    )
    assert "permission denied on the Docker socket" in ran.stdout, ran.stdout + ran.stderr
    assert "docker` group" in ran.stdout


def test_auto_picks_docker_when_an_engine_answers(project: Path) -> None:
    pin = project / "devkit.toml"
    pin.write_text(pin.read_text().replace('provider = "docker"', 'provider = "auto"'))
    ran = devkit("status", "--json", project=project)
    assert ran.code == 0, ran.text
    envelope = json.loads(ran.out)
    assert envelope["database"]["provider"] == "docker"
    assert envelope["provider_reason"].startswith("auto: a Docker engine answers at ")


@pytest.mark.e2e
def test_devkit_up_end_to_end_twice(project: Path, engine: Any) -> None:
    """The pipeline issue's end-to-end run, once with this provider: everything, then nothing."""
    first = devkit("up", "--no-input", "--json", project=project)
    assert first.code == 0, first.text
    envelope = json.loads(first.out)
    statuses = {s["name"]: s["status"] for s in envelope["steps"]}
    assert set(STEPS) <= set(statuses) and set(statuses.values()) == {"ran"}, statuses
    assert envelope["connection"]["provider"] == "docker"
    state = snapshot(url(project))
    assert state["schemas"] == ["guest", "public"]
    assert state["tenants"] == [("guest", "Guest"), ("public", "Public")]
    assert state["users"] == [("admin", True)]
    password = json.loads((project / ".devkit" / "secrets.json").read_text())["database.password"]
    assert f"DB_PASSWORD={password}" in (project / ".env").read_text()

    second = devkit("up", "--no-input", "--json", project=project)  # timing: bench/docker_up.py
    assert second.code == 0, second.text
    steps = json.loads(second.out)["steps"]
    assert {s["status"] for s in steps} == {"skipped"}, steps
    assert snapshot(url(project)) == state

    # The doctor on the same project: the engine is named, the container's database answers.
    doctor = devkit("doctor", "--json", project=project)
    checks = {c["name"]: c for c in json.loads(doctor.out)["checks"]}
    assert doctor.code == 0, doctor.text
    assert checks["docker"]["status"] == "ok" and "Podman" in checks["docker"]["finding"]
    assert checks["database"]["status"] == "ok"


def test_copied_project_gets_its_own_container_and_never_removes_the_original(
    project: Path, engine: Any
) -> None:
    """Issue 10 defect 1 for Docker: resources are named and labelled by the project, so a `cp -a`
    copy gets a container and volume of its own, and its `down --volumes` leaves the original's."""
    assert up(project).code == 0
    sql(project, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('original')")
    copy = project.with_name(project.name + "-copy")
    subprocess.run(["cp", "-a", str(project), str(copy)], check=True)
    try:
        ran = up(copy)
        assert ran.code == 0, ran.text
        assert resource_names(load(copy)) != resource_names(load(project))
        assert container(engine, copy).id != container(engine, project).id
        removed = devkit("down", "--volumes", "--yes", project=copy)
        assert removed.code == 0, removed.text
        assert container(engine, project).status == "running"
        assert sql(project, "SELECT v FROM kept") == [("original",)]
    finally:
        label = f"{PROJECT}={project_id(load(copy))}"
        for leftover in engine.containers.list(all=True, filters={"label": label}):
            leftover.remove(force=True, v=True)
        for volume in engine.volumes.list(filters={"label": label}):
            volume.remove()
