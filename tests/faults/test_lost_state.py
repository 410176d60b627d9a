"""Defect 5: a truncated state.json is set aside and rebuilt; a deleted secrets.json is
recovered by setting a new password without touching the data; `db url` prints only a
password the server accepted; the development superuser's stored password authenticates."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.faults.support import up_json
from tests.support.project import db_url, devkit

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the native cluster runs as the postgres user"),
]


def test_truncated_state_is_set_aside_and_rebuilt(example: Path) -> None:
    assert up_json(example, "--only", "database")[0] == 0
    state = example / ".devkit" / "state.json"
    state.write_text(state.read_text()[:25])
    down = devkit("down", project=example)  # finds the running server without the state
    assert down.code == 0 and "stopped native PostgreSQL" in down.text, down.text
    state.write_text("{not json")
    code, _, text = up_json(example, "--only", "database")
    assert code == 0, text
    assert "set aside" in text
    assert list(state.parent.glob("state.json.corrupt-*"))
    assert json.loads(state.read_text())["native"]["data_dir"].endswith("postgres/data")


def test_lost_secrets_sets_a_new_password_and_keeps_the_data(example: Path) -> None:
    code, _, text = up_json(example)
    assert code == 0, text
    with psycopg.connect(db_url(example)) as db:
        db.execute("CREATE TABLE kept (v text)")
        db.execute("INSERT INTO kept VALUES ('data')")
    secrets = example / ".devkit" / "secrets.json"
    old = json.loads(secrets.read_text())
    secrets.unlink()

    url = devkit("db", "url", project=example)  # the stored password is unknown: not printed
    assert url.code == 3 and "postgresql://" not in url.out

    code, _, text = up_json(example)
    assert code == 0, text
    assert "new password was set" in text
    new = json.loads(secrets.read_text())
    assert new["database.password"] != old["database.password"]
    with psycopg.connect(db_url(example)) as db:
        assert db.execute("SELECT v FROM kept").fetchall() == [("data",)]
    check = (
        "from django.contrib.auth import get_user_model;"
        "from django_tenants.utils import schema_context;"
        "import os;"
        "ctx = schema_context('public'); ctx.__enter__();"
        "u = get_user_model().objects.get(username='admin');"
        "print('AUTH', u.check_password(os.environ['PW']))"
    )
    env = {**os.environ, "PW": new["superuser.password"]}
    ran = subprocess.run(
        [str(example / ".venv" / "bin" / "python"), "manage.py", "shell", "-c", check],
        cwd=example / "backend",
        env=env,
        capture_output=True,
        text=True,
    )
    assert "AUTH True" in ran.stdout, ran.stdout + ran.stderr
