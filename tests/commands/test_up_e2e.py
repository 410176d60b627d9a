"""End-to-end: the real devkit CLI on a copy of the example project, real PostgreSQL, real pip/npm."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.support.postgres import Cluster
from tests.support.project import db_url, devkit, pin_provider, set_config

pytestmark = pytest.mark.e2e


def snapshot(url: str) -> dict[str, object]:
    with psycopg.connect(url) as db:
        schemas = sorted(
            r[0] for r in db.execute("SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'guest')")
        )
        tenants = sorted(db.execute("SELECT schema_name, name FROM customers_client").fetchall())
        domains = sorted(r[0] for r in db.execute("SELECT domain FROM customers_domain"))
        tables = {
            s: sorted(
                r[0]
                for r in db.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (s,)
                )
            )
            for s in ("public", "guest")
        }
        migrations = {
            s: db.execute(f"SELECT count(*), max(applied) FROM {s}.django_migrations").fetchone()
            for s in ("public", "guest")
        }
        users = db.execute("SELECT username, is_superuser FROM auth_user").fetchall()
    return {
        "schemas": schemas,
        "tenants": tenants,
        "domains": domains,
        "tables": tables,
        "migrations": migrations,
        "users": users,
    }


def _events(stderr: str) -> list[dict[str, Any]]:
    """The JSON-lines progress events `up --json` writes to stderr."""
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_up_twice_creates_everything_then_changes_nothing(example: Path) -> None:
    pin_provider(example, "native")
    first = devkit("up", "--no-input", "--json", project=example)
    assert first.code == 0, first.text
    envelope = json.loads(first.out)
    assert envelope["ok"] is True and envelope["command"] == "up"
    assert {s["name"]: s["status"] for s in envelope["steps"]} == {
        "database": "ran",
        "python-deps": "ran",
        "node-deps": "ran",
        "env": "ran",
        "tenants": "ran",
        "docs": "ran",
    }
    assert envelope["connection"]["provider"] == "native"
    assert envelope["connection"]["url"].startswith("postgresql://demo:****@127.0.0.1:")

    url = db_url(example)
    state = snapshot(url)
    assert state["schemas"] == ["guest", "public"]
    assert state["tenants"] == [("guest", "Guest"), ("public", "Public")]
    assert state["domains"] == ["guest.localhost", "localhost"]
    assert {"customers_client", "auth_user", "django_migrations"} <= set(state["tables"]["public"])
    assert {"catalog_product", "orders_order", "crm_contact"} <= set(state["tables"]["guest"])
    assert "catalog_product" not in state["tables"]["public"]
    assert state["users"] == [("admin", True)]

    env_file = example / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((example / ".devkit" / "secrets.json").stat().st_mode) == 0o600
    password = json.loads((example / ".devkit" / "secrets.json").read_text())["database.password"]
    assert password not in first.text and password != "postgres"
    assert f"DB_PASSWORD={password}" in env_file.read_text()
    gitignore = (example / ".gitignore").read_text().splitlines()
    assert ".devkit/" in gitignore and ".env" in gitignore
    mtimes = {p: p.stat().st_mtime_ns for p in (env_file, example / ".devkit" / "logs")}

    # A variable the settings do not read changes nothing (only traced reads are inputs).
    second = devkit("up", "--no-input", "--json", project=example, env={"FOO": "1"})
    assert second.code == 0, second.text
    assert {s["name"]: s["status"] for s in json.loads(second.out)["steps"]} == {
        "database": "skipped",
        "python-deps": "skipped",
        "node-deps": "skipped",
        "env": "skipped",
        "tenants": "skipped",
        "docs": "skipped",
    }
    assert snapshot(url) == state
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes


def test_a_dropped_guest_schema_is_noticed_and_repaired(example: Path) -> None:
    pin_provider(example, "native")
    set_config(example, '[node]\ndir = ""\n')
    assert devkit("up", "--no-input", project=example).code == 0
    with psycopg.connect(db_url(example), autocommit=True) as db:
        db.execute("DROP SCHEMA guest CASCADE")
    status = devkit("status", project=example)
    assert "stale: schema 'guest' does not exist" in status.text
    again = devkit("up", "--no-input", "--json", project=example)
    assert again.code == 0, again.text
    steps = {s["name"]: s["status"] for s in json.loads(again.out)["steps"]}
    assert steps["tenants"] == "ran" and steps["python-deps"] == "skipped"
    assert "guest" in snapshot(db_url(example))["schemas"]


@pytest.mark.parametrize(
    ("key", "line", "expected"),
    [
        (
            "migrate_tenants",
            "migrate_schemas --tenant --no-such-flag",
            "unrecognized arguments: --no-such-flag",
        ),
        (
            "create_super",
            "create_public_tenant --no-input",
            "Unknown command: 'create_public_tenant'",
        ),
    ],
)
def test_a_rejected_command_or_flag_fails_before_running_anything(
    example: Path, key: str, line: str, expected: str
) -> None:
    pin_provider(example, "native")
    text = (example / "devkit.toml").read_text()
    text = text.replace("[tenants]\n", f'[tenants]\n{key} = "{line}"\n', 1)
    text = "\n".join(ln for ln in text.splitlines() if not (ln.startswith(f"{key} =") and line not in ln))
    (example / "devkit.toml").write_text(text + '\n[node]\ndir = ""\n')
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 1, ran.text
    assert expected in ran.text
    assert f"tenants.{key}" in ran.text
    assert "ready in" not in ran.text and "not ready" in ran.text
    with psycopg.connect(db_url(example)) as db:  # nothing ran: no tenant table
        assert db.execute("SELECT to_regclass('customers_client')").fetchone() == (None,)


def test_settings_falling_back_to_sqlite_fail_preflight(example: Path) -> None:
    pin_provider(example, "native")
    settings = example / "backend" / "config" / "settings.py"
    settings.write_text(
        settings.read_text() + "\nDATABASES = {'default': {'ENGINE': "
        "'django.db.backends.sqlite3', 'NAME': BASE_DIR / 'db.sqlite3'}}\n"
    )
    set_config(example, '[node]\ndir = ""\n')
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 1
    assert "not PostgreSQL" in ran.text and "sqlite3" in ran.text


def test_external_database_from_environment(example: Path, pg: Cluster) -> None:
    pg.sql("DROP DATABASE IF EXISTS ext_demo")
    pg.sql("DROP ROLE IF EXISTS ext_user")
    pg.sql("CREATE ROLE ext_user LOGIN PASSWORD 'ext-secret-pw'")
    pg.sql("CREATE DATABASE ext_demo OWNER ext_user")
    pin_provider(example, "external")
    set_config(example, '[node]\ndir = ""\n')
    url = pg.url(user="ext_user", password="ext-secret-pw", db="ext_demo")
    ran = devkit("up", "--no-input", "--json", project=example, env={"DATABASE_URL": url})
    assert ran.code == 0, ran.text
    envelope = json.loads(ran.out)
    assert envelope["connection"]["provider"] == "external"
    assert "ext-secret-pw" not in ran.text
    with psycopg.connect(url) as db:
        assert db.execute("SELECT count(*) FROM customers_client").fetchone() == (2,)
    assert not (example / ".devkit" / "postgres").exists()
    assert "DB_NAME=ext_demo" in (example / ".env").read_text()


def test_wrong_password_for_external_exits_3(example: Path, pg: Cluster) -> None:
    pin_provider(example, "external")
    set_config(example, '[node]\ndir = ""\n')
    ran = devkit(
        "up",
        "--no-input",
        project=example,
        env={"DATABASE_URL": pg.url(password="definitely-wrong")},
    )
    assert ran.code == 3, ran.text
    assert "wrong-password" in ran.text and "definitely-wrong" not in ran.text


def test_env_file_keeps_the_users_lines(example: Path) -> None:
    pin_provider(example, "native")
    set_config(example, '[node]\ndir = ""\n')
    (example / ".env").write_text("# mine\nDJANGO_DEBUG=1\n")
    os.chmod(example / ".env", 0o644)
    assert devkit("up", "--no-input", "--only", "database", project=example).code == 0
    text = (example / ".env").read_text()
    assert text.startswith("# mine\nDJANGO_DEBUG=1\n")
    assert "DB_NAME=tenant_demo" in text
    assert stat.S_IMODE((example / ".env").stat().st_mode) == 0o600


def test_ctrl_c_exits_130_and_records_nothing_unfinished(example: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    set_config(example, '[node]\ndir = ""\n')
    # Ctrl-C in a terminal reaches the whole foreground process group: devkit and pip alike.
    proc = subprocess.Popen(
        [sys.executable, "-m", "devkit", "up", "--no-input", "--json", "--project", str(example)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    logs = example / ".devkit" / "logs"
    deadline = time.monotonic() + 120
    while not list(logs.glob("*/python-venv.log")) and time.monotonic() < deadline:  # pip runs
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert json.loads(out)["error"]["message"] == "interrupted"
    steps = json.loads((example / ".devkit" / "state.json").read_text()).get("steps", {})
    assert "python-deps" not in steps and "tenants" not in steps


def test_builtin_tenant_creation_without_project_commands(example: Path) -> None:
    """A project without tenant commands: devkit creates both tenants through TENANT_MODEL."""
    text = (example / "devkit.toml").read_text()
    text = text.replace('create_super = "create_super_tenant --no-input"', 'create_super = "builtin"')
    text = text.replace('create_guest = "create_guest_tenant --no-input"', 'create_guest = "builtin"')
    (example / "devkit.toml").write_text(
        text + '\n[node]\ndir = ""\n\n[tenants.guest]\n'
        'schema = "demo_guest"\nname = "Demo guest"\n'
        'domain = "demo.localhost"\n'
    )
    ran = devkit("up", "--no-input", "--json", project=example)
    assert ran.code == 0, ran.text
    tenants = next(s for s in json.loads(ran.out)["steps"] if s["name"] == "tenants")
    assert "create_super (devkit builtin: created)" in tenants["detail"]
    with psycopg.connect(db_url(example)) as db:
        rows = sorted(db.execute("SELECT schema_name, name FROM customers_client").fetchall())
        domains = sorted(r[0] for r in db.execute("SELECT domain FROM customers_domain"))
        tables = {
            r[0]
            for r in db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'demo_guest'"
            )
        }
    assert rows == [("demo_guest", "Demo guest"), ("public", "Public")]
    assert domains == ["demo.localhost", "localhost"]
    assert "catalog_product" in tables
    again = devkit("up", "--no-input", "--json", project=example)
    statuses = {s["name"]: s["status"] for s in json.loads(again.out)["steps"]}
    assert statuses.pop("node-deps") == "none"  # [node] dir = "": no frontend, not a ✓
    assert set(statuses.values()) == {"skipped"}


@pytest.mark.parametrize("schema", ["pg_guest", "Guest", "x" * 64, "bad-name"])
def test_invalid_schema_names_are_refused_before_anything_runs(example: Path, schema: str) -> None:
    set_config(example, f'[node]\ndir = ""\n\n[tenants.guest]\nschema = "{schema}"\n')
    ran = devkit("up", "--no-input", "--json", project=example)
    assert ran.code == 2, ran.text
    assert "tenants.guest.schema" in json.loads(ran.out)["error"]["message"]
    assert not (example / ".devkit").exists()  # refused while reading the configuration


NEW_MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_sku_is_active")]
    operations = [migrations.AddField("product", "weight_grams",
                                      models.PositiveIntegerField(default=0))]
"""


def test_only_what_changed_runs_again(example: Path) -> None:
    set_config(example, '[node]\ndir = ""\n')
    assert devkit("up", "--no-input", project=example).code == 0

    # A new tenant-app migration: found on disk, pending in every schema, without booting Django.
    (example / "backend/catalog/migrations/0003_product_weight.py").write_text(NEW_MIGRATION)
    status = json.loads(devkit("status", "--json", project=example).out)
    rows = {r["name"]: r for r in status["steps"]}
    assert rows["python-deps"]["fresh"] is True and rows["tenants"]["fresh"] is False
    ran = devkit("up", "--no-input", "--json", project=example)
    results = {s["name"]: s for s in json.loads(ran.out)["steps"]}
    assert {n: s["status"] for n, s in results.items()} == {
        "database": "skipped",
        "python-deps": "skipped",
        "node-deps": "none",  # node.dir = "": no frontend
        "env": "ran",
        "tenants": "ran",
        "docs": "ran",
    }  # env and docs: their inputs (the sources) changed
    started = {e["step"]: e["reason"] for e in _events(ran.err) if e["event"] == "step-started"}
    assert started["tenants"] == "changed: backend/catalog/migrations/0003_product_weight.py (new)"
    assert results["docs"]["detail"] == "up to date"  # ... but nothing it renders did
    with psycopg.connect(db_url(example)) as db:
        applied = db.execute(
            "SELECT count(*) FROM guest.django_migrations WHERE name = '0003_product_weight'"
        ).fetchone()
    assert applied == (1,)

    # A changed requirements file re-runs the Python install, and only what depends on it.
    requirements = example / "backend" / "requirements.txt"
    requirements.write_text(requirements.read_text() + "# a comment changes the content\n")
    again = devkit("up", "--no-input", "--json", project=example)
    steps = {s["name"]: s["status"] for s in json.loads(again.out)["steps"]}
    assert steps["python-deps"] == "ran" and steps["database"] == "skipped"
    started = {e["step"]: e["reason"] for e in _events(again.err) if e["event"] == "step-started"}
    assert started["python-deps"] == "changed: backend/requirements.txt"


def test_a_broken_venv_devkit_did_not_create_is_left_alone(example: Path) -> None:
    venv = example / ".venv"
    (venv / "lib").mkdir(parents=True)
    (venv / "lib" / "keep-me").write_text("someone's files")
    ran = devkit("up", "--no-input", "--only", "python-deps", project=example)
    assert ran.code == 1
    assert "devkit did not create it" in ran.text and "python.venv" in ran.text
    assert (venv / "lib" / "keep-me").read_text() == "someone's files"


def test_db_url_and_db_shell(example: Path) -> None:
    assert devkit("up", "--no-input", "--only", "database", project=example).code == 0
    password = json.loads((example / ".devkit" / "secrets.json").read_text())["database.password"]
    url = devkit("db", "url", project=example).out.strip()
    assert url.startswith("postgresql://demo:") and password in url  # the one command that shows it
    masked = devkit("db", "url", "--json", project=example)
    assert password not in masked.out and json.loads(masked.out)["connection"]["user"] == "demo"
    shell = devkit("db", "shell", project=example, stdin="SELECT current_user, current_database();\n")
    assert shell.code == 0, shell.text
    assert "demo" in shell.out and "tenant_demo" in shell.out
    assert password not in shell.text
