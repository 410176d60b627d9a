"""End-to-end check of the engine and the devkit-test/postgres:15 image, through the docker SDK.

Usage: python3 tests/support/docker_engine/verify.py unix:///tmp/devkit-docker-engine/podman.sock

Not a pytest module: run it by hand after changing up.sh, build-image.sh or entrypoint.sh.
It removes every container and volume it creates (all labelled devkit.test=verify).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import docker

IMAGE = "devkit-test/postgres:15"
LABELS = {"devkit.test": "verify"}
ENV = {"POSTGRES_USER": "devkit", "POSTGRES_PASSWORD": "s3cret", "POSTGRES_DB": "devkitdb"}
DATA = "/var/lib/postgresql/data"


def psql(port: str, sql: str, password: str = ENV["POSTGRES_PASSWORD"]):
    user, db = ENV["POSTGRES_USER"], ENV["POSTGRES_DB"]
    cmd = ["psql", "-h", "127.0.0.1", "-p", port, "-U", user, "-d", db]
    env = {**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "2"}
    return subprocess.run([*cmd, "-Atc", sql], env=env, capture_output=True, text=True, check=False)


def host_port(container) -> str:
    container.reload()
    return container.ports["5432/tcp"][0]["HostPort"]


def wait_ready(container, timeout: float = 60.0) -> tuple[float, list[str]]:
    """Poll `select 1` over TCP; return seconds to ready and the errors seen while the
    temporary (socket-only) server was up, i.e. after its first 'ready' log line."""
    t0 = time.monotonic()
    port = host_port(container)
    during_temp: list[str] = []
    while time.monotonic() - t0 < timeout:
        logs = container.logs().decode()
        result = psql(port, "select 1")
        if result.returncode == 0 and result.stdout.strip() == "1":
            return time.monotonic() - t0, during_temp
        # the temporary server has logged "ready" once; the init is not complete yet
        if logs.count("ready to accept") == 1 and "init process complete" not in logs:
            during_temp.append(result.stderr.strip().splitlines()[0].split(" failed: ")[-1])
        container.reload()
        if container.status == "exited":
            raise RuntimeError(f"container exited while waiting:\n{logs}")
        time.sleep(0.05)
    raise TimeoutError(container.logs().decode()[-2000:])


def run_pg(client: docker.DockerClient, name: str, volume: str | None, **extra):
    """Start the image like devkit's Docker provider would; volume None: the anonymous VOLUME."""
    return client.containers.run(
        IMAGE,
        detach=True,
        name=name,
        labels=LABELS,
        environment={**ENV, **extra},
        volumes={volume: {"bind": DATA, "mode": "rw"}} if volume else None,
        ports={"5432/tcp": ("127.0.0.1", None)},
    )


def check(client: docker.DockerClient) -> None:
    volume = client.volumes.create("devkit-verify-data", labels=LABELS).name

    t0 = time.monotonic()
    c = run_pg(client, "devkit-verify-pg", volume)
    print(f"run() returned after {time.monotonic() - t0:.2f}s, host port {host_port(c)}")
    ready, refused = wait_ready(c)
    print(f"first start: ready {time.monotonic() - t0:.2f}s after run() ({ready:.2f}s of polling)")
    assert refused, "never observed the temporary server phase"
    print(f"  TCP during the temporary server ({len(refused)} attempts): {sorted(set(refused))}")
    assert all("Connection refused" in e or "closed the connection" in e for e in refused), refused
    created = psql(host_port(c), "create table t(x text); insert into t values ('kept')")
    assert created.returncode == 0, created.stderr
    wrong = psql(host_port(c), "select 1", password="wrong")
    assert "password authentication failed" in wrong.stderr, wrong.stderr

    t0 = time.monotonic()
    c.stop(timeout=10)
    c.reload()
    print(f"stop(): {time.monotonic() - t0:.2f}s, exit code {c.attrs['State']['ExitCode']}")
    assert "database system is shut down" in c.logs().decode().splitlines()[-1]
    t0 = time.monotonic()
    c.start()
    ready, _ = wait_ready(c)
    print(f"restart: ready {time.monotonic() - t0:.2f}s after start(), port {host_port(c)}")
    assert "Skipping initialization" in c.logs().decode()
    assert psql(host_port(c), "select x from t").stdout.strip() == "kept"

    c.remove(force=True)
    t0 = time.monotonic()
    c = run_pg(client, "devkit-verify-pg2", volume)
    ready, _ = wait_ready(c)
    print(f"new container, same volume: ready {time.monotonic() - t0:.2f}s after run()")
    assert psql(host_port(c), "select x from t").stdout.strip() == "kept"
    c.remove(force=True, v=True)

    dead = run_pg(client, "devkit-verify-dead", None, DEVKIT_TEST_EXIT_IMMEDIATELY="1")
    status = dead.wait(timeout=30)
    logs = dead.logs().decode()
    print(f"DEVKIT_TEST_EXIT_IMMEDIATELY: exit {status['StatusCode']}, logs {logs.strip()!r}")
    assert status["StatusCode"] == 1 and "DEVKIT_TEST_EXIT_IMMEDIATELY" in logs
    dead.remove(v=True)

    nopw = client.containers.run(IMAGE, detach=True, name="devkit-verify-nopw", labels=LABELS)
    status = nopw.wait(timeout=30)
    first_line = nopw.logs().decode().splitlines()[0]
    print(f"no POSTGRES_PASSWORD: exit {status['StatusCode']}, {first_line!r}")
    assert status["StatusCode"] == 1
    # v=True: the image declares VOLUME, so each container gets an anonymous volume
    nopw.remove(v=True)


def cleanup(client: docker.DockerClient) -> None:
    for c in client.containers.list(all=True, filters={"label": "devkit.test=verify"}):
        c.remove(force=True, v=True)
    for v in client.volumes.list(filters={"label": "devkit.test=verify"}):
        v.remove()


def main() -> None:
    client = docker.DockerClient(base_url=sys.argv[1])
    try:
        check(client)
    finally:
        cleanup(client)
    leftovers = client.containers.list(all=True) + client.volumes.list()
    print("leftover containers/volumes:", leftovers or "none")


if __name__ == "__main__":
    main()
