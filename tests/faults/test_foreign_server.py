"""Issue 23 #2, #3: with the project's own server down, another PostgreSQL listens on the kept
port and accepts the role (trust auth, same role and database name) or refuses its password.
devkit must not write into it: its own server starts on a free port, the env file follows, and
the message names the port's holder. A configured port that is taken is refused (exit 3)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from devkit.core import envfile
from tests.faults.support import up_json
from tests.support.postgres import Cluster
from tests.support.project import devkit

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the native cluster runs as the postgres user"),
]


def _kept_port(project: Path) -> int:
    return int(json.loads((project / ".devkit" / "state.json").read_text())["native"]["port"])


def _tables(server: Cluster) -> list[tuple[object, ...]]:
    return server.sql(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
        db="tenant_demo",
    )


@pytest.fixture
def stopped_example(example: Path) -> Path:
    """The example after a first database run, its server stopped (its port free again)."""
    code, _payload, text = up_json(example, "--only", "database")
    assert code == 0, text
    assert devkit("down", project=example).code == 0
    return example


@pytest.fixture(params=["trust", "scram-sha-256"])
def other_server(
    request: pytest.FixtureRequest, stopped_example: Path, reachable_tmp: Path
) -> Iterator[Cluster]:
    """Another server on the kept port, with the example's role and database."""
    server = Cluster(reachable_tmp / "other", _kept_port(stopped_example), user="demo", auth=request.param)
    server.password = "not-devkits-password"
    server.init().start()
    server.sql("CREATE DATABASE tenant_demo")
    yield server
    server.stop()


def test_another_server_on_the_kept_port_is_never_written(
    stopped_example: Path, other_server: Cluster
) -> None:
    taken = other_server.port
    code, _payload, text = up_json(stopped_example, "--only", "database")
    assert code == 0, text
    assert f"port {taken} is taken by" in text and "postgres" in text
    moved = _kept_port(stopped_example)
    assert moved != taken
    env = envfile.read_values(stopped_example / ".env")
    assert f":{moved}/" in env["DATABASE_URL"] and env["DB_PORT"] == str(moved)
    assert "wrong-password" not in text
    assert _tables(other_server) == []  # nothing written there
    with psycopg.connect(env["DATABASE_URL"]) as db:  # devkit's own cluster answers on the new port
        where = db.execute("SHOW data_directory").fetchone()[0]
    assert Path(where).resolve() == (stopped_example / ".devkit" / "postgres" / "data").resolve()


def test_a_configured_port_that_is_taken_is_refused(stopped_example: Path, reachable_tmp: Path) -> None:
    server = (
        Cluster(reachable_tmp / "other", _kept_port(stopped_example), user="demo", auth="trust")
        .init()
        .start()
    )
    try:
        server.sql("CREATE DATABASE tenant_demo")
        text = (stopped_example / "devkit.toml").read_text()
        (stopped_example / "devkit.toml").write_text(
            text.replace("[database]\n", f"[database]\nport = {server.port}\n", 1)
        )
        code, _payload, out = up_json(stopped_example, "--only", "database")
        assert code == 3, out
        assert f"port {server.port} on 127.0.0.1 is taken by" in out and "database.port" in out
        assert _tables(server) == []
    finally:
        server.stop()


def test_confirm_names_a_server_that_is_not_the_projects(example: Path, pg: Cluster) -> None:
    """The identity check itself, on the session's server (another cluster than the project's)."""
    from devkit.config.loading import load
    from devkit.core.state import Secrets, State
    from devkit.database.native import NativePostgres

    config = load(example)
    provider = NativePostgres(config, State(config.state_dir), Secrets(config.state_dir))
    with psycopg.connect(pg.url()) as db:
        said = provider.confirm(db)
    assert said is not None and "not this project's" in said and str(pg.data) in said
