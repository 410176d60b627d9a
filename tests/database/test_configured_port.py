"""A configured database.port wins over the port devkit kept: a changed port moves devkit's own
server there (data kept, the env file follows, the run says so), also after `down` and with
`--force database`; doctor names a configuration the running server does not match yet."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import psycopg
import pytest

from devkit.core import envfile
from devkit.database.native import free_port
from tests.doctor.conftest import doctor
from tests.faults.support import up_json
from tests.support.project import devkit

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the native cluster runs as the postgres user"),
]


def _kept_port(project: Path) -> int:
    return int(json.loads((project / ".devkit" / "state.json").read_text())["native"]["port"])


def _configure_port(project: Path, port: int) -> None:
    toml = project / "devkit.toml"
    text = re.sub(r"(?m)^port = \d+\n", "", toml.read_text())
    toml.write_text(text.replace("[database]\n", f"[database]\nport = {port}\n", 1))


def _url(project: Path) -> str:
    return envfile.read_values(project / ".env")["DATABASE_URL"]


def test_a_changed_port_moves_devkits_server_and_keeps_its_data(example: Path) -> None:
    code, _payload, text = up_json(example, "--only", "database")
    assert code == 0, text
    first = _kept_port(example)
    with psycopg.connect(_url(example), autocommit=True) as db:
        db.execute("CREATE TABLE kept_across_ports (n int)")
        db.execute("INSERT INTO kept_across_ports VALUES (42)")

    # while the server runs: the configured port wins, and doctor says it does not match yet
    wanted = free_port()
    _configure_port(example, wanted)
    found = doctor(example, "port")
    port = found.checks["port"]
    assert port["status"] == "warning", port
    assert f"database.port = {wanted}" in port["finding"] and f"on port {first}" in port["finding"]
    assert "devkit up" in port["hint"]

    code, _payload, text = up_json(example, "--only", "database")
    assert code == 0, text
    assert f"moved from port {first} to {wanted}, data kept" in text
    assert _kept_port(example) == wanted
    assert f":{wanted}/" in _url(example)
    with psycopg.connect(_url(example)) as db:
        assert db.execute("SELECT n FROM kept_across_ports").fetchall() == [(42,)]
    assert doctor(example, "port").status("port") == "ok"

    # after `down`, and with --force database: the same
    assert devkit("down", project=example).code == 0
    again = free_port()
    _configure_port(example, again)
    code, _payload, text = up_json(example, "--only", "database", "--force", "database")
    assert code == 0, text
    assert f"moved from port {wanted} to {again}, data kept" in text
    assert f":{again}/" in _url(example) and _kept_port(example) == again
    with psycopg.connect(_url(example)) as db:
        assert db.execute("SELECT n FROM kept_across_ports").fetchall() == [(42,)]
    assert devkit("down", project=example).code == 0
