"""Database checks against the real native server: stopped, wrong password, port taken, env file."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from tests.doctor.conftest import doctor, edited
from tests.support.project import stop_native


def _port(project: Path) -> int:
    return int(json.loads((project / ".devkit" / "state.json").read_text())["native"]["port"])


def test_stopped_database_is_a_problem_and_fix_starts_it(project: Path) -> None:
    stop_native(project)
    broken = doctor(project)
    assert broken.ran.code == 1
    db = broken.checks["database"]
    assert db["status"] == "problem"
    assert "refused" in db["finding"] or "not running" in db["finding"]
    assert "devkit up" in db["hint"] and db["fix"]
    assert broken.status("migrations") == "skipped"  # needs the database: not checked, not ✓

    fixed = doctor(project, "--fix", "--no-input")
    assert fixed.ran.code == 0, fixed.ran.err
    assert fixed.status("database") == "ok" and fixed.status("migrations") == "ok"
    assert any("start the database" in f for f in fixed.data["fixes"])
    assert "fix: start the database" in fixed.ran.err  # shown before it runs


def test_wrong_password_is_classified(project: Path) -> None:
    secrets = project / ".devkit" / "secrets.json"
    data = json.loads(secrets.read_text())
    with edited(secrets, json.dumps({**data, "database.password": "not-the-password"})):
        result = doctor(project, "database")
    db = result.checks["database"]
    assert result.ran.code == 1
    assert db["status"] == "problem" and "wrong-password" in db["finding"]
    assert "password" in db["hint"]
    assert "not-the-password" not in result.ran.out + result.ran.err


def test_port_held_by_another_process_names_it(project: Path) -> None:
    stop_native(project)
    port = _port(project)
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = doctor(project, "database")
    assert result.ran.code == 1
    held = result.checks["port"]
    assert held["status"] == "problem"
    assert f"port {port} is held by" in held["finding"] and f"pid {os.getpid()}" in held["finding"]
    assert "database.port" in held["hint"]


def test_env_file_readable_by_others_is_fixed(project: Path) -> None:
    env_file = project / ".env"
    env_file.chmod(0o644)
    broken = doctor(project, "database")
    assert broken.checks["env-file"]["status"] == "problem"
    assert "readable by other users" in broken.checks["env-file"]["finding"]
    fixed = doctor(project, "database", "--fix", "--no-input")
    assert fixed.status("env-file") == "ok", fixed.ran.err
    assert env_file.stat().st_mode & 0o077 == 0


def test_a_later_line_overriding_devkits_connection_is_a_problem(project: Path) -> None:
    env_file = project / ".env"
    text = env_file.read_text()
    number = len(text.splitlines()) + 1
    with edited(env_file, text + "DATABASE_URL=postgresql://someone@elsewhere:5432/other\n"):
        env_file.chmod(0o600)
        found = doctor(project, "database")
    check = found.checks["env-file"]
    assert found.ran.code == 1 and check["status"] == "problem", check
    assert f".env line {number} sets DATABASE_URL again, after devkit's block" in check["finding"]
    assert "delete" in check["hint"]
    assert "someone@elsewhere" not in check["finding"]
