"""Every wait outcome against a real PostgreSQL: refused, wrong password, unknown role,
missing database (created only when devkit owns the server), and a server killed mid-wait."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from devkit.core.errors import DatabaseError
from devkit.database.base import Connection
from devkit.database.wait import wait_for_postgres
from tests.support.postgres import Cluster, free_port


def conn(pg: Cluster, **changes: object) -> Connection:
    values = {
        "host": "127.0.0.1",
        "port": pg.port,
        "name": "postgres",
        "user": "admin",
        "password": pg.password,
        "provider": "external",
        **changes,
    }
    return Connection(**values)  # type: ignore[arg-type]


def test_ready(pg: Cluster) -> None:
    assert wait_for_postgres(conn(pg), timeout=5, owns_server=False) < 5


def test_nothing_listening_times_out_naming_refused(pg: Cluster) -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseError) as info:
        wait_for_postgres(conn(pg, port=free_port()), timeout=0.5, owns_server=False)
    assert time.monotonic() - started < 3
    assert "did not accept connections within 0.5s" in info.value.message
    assert "refused" in info.value.message


def test_wrong_password_fails_at_once(pg: Cluster) -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseError) as info:
        wait_for_postgres(conn(pg, password="not-it"), timeout=30, owns_server=False)
    assert time.monotonic() - started < 5
    assert "wrong-password" in info.value.message
    assert "not-it" not in info.value.message
    assert info.value.hint and "password" in info.value.hint


def test_unknown_role_fails_at_once(pg: Cluster) -> None:
    with pytest.raises(DatabaseError) as info:
        wait_for_postgres(conn(pg, user="nobody_here"), timeout=30, owns_server=False)
    assert "unknown-role" in info.value.message or "wrong-password" in info.value.message
    assert info.value.exit_code == 3


def test_missing_database_is_an_error_when_not_ours(pg: Cluster) -> None:
    with pytest.raises(DatabaseError) as info:
        wait_for_postgres(conn(pg, name="no_such_db"), timeout=30, owns_server=False)
    assert "no-database" in info.value.message
    assert "createdb" in (info.value.hint or "")


def test_missing_database_is_created_when_devkit_owns_the_server(pg: Cluster) -> None:
    pg.sql("DROP DATABASE IF EXISTS wait_created")
    wait_for_postgres(conn(pg, name="wait_created"), timeout=10, owns_server=True)
    assert pg.sql("SELECT 1 FROM pg_database WHERE datname = 'wait_created'") == [(1,)]


def test_server_killed_mid_wait_fails_at_once_with_its_log(reachable_tmp: Path) -> None:
    # A real server that runs but not on the port waited for: the wait sees "refused" until
    # the server is killed, then must fail at once (not at the deadline) and show the log.
    cluster = Cluster(reachable_tmp / "pg", free_port()).init().start()
    killer = threading.Timer(0.5, cluster.process.kill)  # type: ignore[union-attr]
    killer.start()
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseError) as info:
            wait_for_postgres(
                conn(cluster, port=free_port()),
                timeout=30,
                owns_server=True,
                alive=lambda: (
                    None
                    if cluster.process.poll() is None  # type: ignore[union-attr]
                    else f"exited with {cluster.process.returncode}"
                ),  # type: ignore[union-attr]
                log_tail=lambda: (cluster.folder / "log").read_text(),
            )
    finally:
        killer.cancel()
        cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)
    assert time.monotonic() - started < 5
    assert "stopped while devkit waited" in info.value.message
    assert "database system is ready" in (info.value.details or "")
