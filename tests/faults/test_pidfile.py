"""Defect 4: a stale postmaster.pid naming a live PID of another project's server: devkit never
signals that server; it says the pid file is stale, removes it, and starts its own."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg
import pytest

from tests.faults.support import up_json
from tests.support.postgres import Cluster
from tests.support.project import devkit

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the native cluster runs as the postgres user"),
]


def test_stale_pid_file_naming_a_live_foreign_postgres(example: Path, pg: Cluster) -> None:
    assert up_json(example, "--only", "database")[0] == 0
    assert devkit("down", project=example).code == 0
    pidfile = example / ".devkit" / "postgres" / "data" / "postmaster.pid"
    assert not pidfile.exists()
    foreign_pid = int((pg.data / "postmaster.pid").read_text().split("\n", 1)[0])
    shutil.copy(pg.data / "postmaster.pid", pidfile)  # as a copied folder or a crash leaves it
    shutil.chown(pidfile, "postgres", "postgres")

    ran = devkit("down", project=example)
    assert ran.code == 0, ran.text
    assert "stale postmaster.pid" in ran.text and str(foreign_pid) in ran.text
    assert not pidfile.exists()
    with psycopg.connect(pg.url()) as db:  # the other server was not touched
        assert db.execute("SELECT 1").fetchone() == (1,)

    shutil.copy(pg.data / "postmaster.pid", pidfile)
    shutil.chown(pidfile, "postgres", "postgres")
    code, _payload, text = up_json(example, "--only", "database")
    assert code == 0, text
    assert "stale postmaster.pid" in text
    with psycopg.connect(pg.url()) as db:
        assert db.execute("SELECT 1").fetchone() == (1,)
    assert os.path.exists(f"/proc/{foreign_pid}")


@pytest.mark.parametrize("content", [b"", b"\x00\x00garbage\n", b"not-a-pid\n/tmp\n"])
def test_empty_or_garbage_pid_file_with_the_server_stopped(example: Path, content: bytes) -> None:
    """Issue 23 #5: what a crash during the server's start leaves. No postmaster serves the data
    directory, so the file is moved aside (not deleted) and the server starts, saying so."""
    assert up_json(example, "--only", "database")[0] == 0
    assert devkit("down", project=example).code == 0
    pidfile = example / ".devkit" / "postgres" / "data" / "postmaster.pid"
    pidfile.write_bytes(content)
    shutil.chown(pidfile, "postgres", "postgres")

    code, _payload, text = up_json(example, "--only", "database")
    assert code == 0, text
    assert "moved an empty or unreadable postmaster.pid aside" in text
    assert list(pidfile.parent.glob("postmaster.pid.stale-*"))
    assert int(pidfile.read_text().split("\n", 1)[0]) > 0  # the new server's own pid file


def test_doctor_fix_repairs_a_garbage_pid_file(example: Path) -> None:
    assert up_json(example, "--only", "database")[0] == 0
    assert devkit("down", project=example).code == 0
    pidfile = example / ".devkit" / "postgres" / "data" / "postmaster.pid"
    pidfile.write_bytes(b"")
    ran = devkit("doctor", "--fix", project=example)
    assert "moved an empty or unreadable postmaster.pid aside" in ran.text, ran.text
    assert devkit("db", "url", project=example).code == 0
