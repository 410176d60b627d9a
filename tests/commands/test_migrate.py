"""`devkit migrate` against the real PostgreSQL cluster, with the example project and --python."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import Cluster
from tests.support.project import EXAMPLE, copy_example, devkit

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def example_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with the example's requirements, made once per session (like a CI job's)."""
    venv = tmp_path_factory.mktemp("example-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "-r",
            str(EXAMPLE / "backend" / "requirements.txt"),
        ],
        check=True,
    )
    return venv / "bin" / "python"


@pytest.fixture
def database(pg: Cluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database on the session cluster; its URL."""
    name = "migrate_" + request.node.name.replace("test_", "")[:40].lower()
    pg.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg.sql(f'CREATE DATABASE "{name}"')
    yield pg.url(db=name)
    pg.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(project: Path, python: Path, url: str, *extra: str) -> tuple[int, dict, str]:
    ran = devkit(
        "migrate",
        "--json",
        "--python",
        str(python),
        *extra,
        project=project,
        env={"DATABASE_URL": url, "CI": "true"},
    )
    payload = json.loads(ran.out) if ran.out.strip() else {}
    return ran.code, payload, ran.err


def steps(payload: dict) -> dict[str, dict]:
    return {s["name"]: s for s in payload["steps"]}


def schemas(pg: Cluster, url: str) -> set[str]:
    db = url.rsplit("/", 1)[1]
    return {r[0] for r in pg.sql("SELECT nspname FROM pg_namespace", db=db)}


def test_migrate_twice_on_a_fresh_database(
    example: Path, example_python: Path, database: str, pg: Cluster
) -> None:
    code, payload, err = migrate(example, example_python, database)
    assert code == 0, err
    assert steps(payload)["migrate-tenants"]["status"] == "ran"
    assert payload["python"] == str(example_python)
    db = database.rsplit("/", 1)[1]
    rows = pg.sql("SELECT schema_name FROM public.customers_client", db=db)
    assert rows == [("public",)]  # the super tenant only: the deploy profile creates no guest
    assert "guest" not in schemas(pg, database)
    assert pg.sql("SELECT count(*) FROM public.auth_user", db=db) == [(0,)]  # no dev superuser
    applied = pg.sql("SELECT count(*) FROM public.django_migrations WHERE app = 'orders'", db=db)
    assert applied == [(2,)]
    assert not (example / ".env").exists()  # CI: no env file written

    code, payload, err = migrate(example, example_python, database)
    assert code == 0, err
    assert {s["status"] for s in payload["steps"]} == {"skipped"}, payload["steps"]


def test_fresh_checkout_runs_no_command_on_a_migrated_database(
    example: Path, example_python: Path, database: str, reachable_tmp: Path
) -> None:
    code, _, err = migrate(example, example_python, database)
    assert code == 0, err
    checkout = copy_example(reachable_tmp / "checkout")  # like a new CI job: no .devkit state
    ran = devkit(
        "migrate",
        "--json",
        "--python",
        str(example_python),
        "--database-url",
        database,
        project=checkout,
        env={"CI": "true"},
    )
    assert ran.code == 0, ran.err
    tenants = steps(json.loads(ran.out))["migrate-tenants"]
    assert "nothing pending" in tenants["detail"]
    assert not list((checkout / ".devkit" / "logs").glob("*/tenants-*.log"))
    assert "test-admin-pw" not in ran.text  # --database-url's password is masked


def test_new_migration_runs_on_second_deploy(
    example: Path, example_python: Path, database: str, pg: Cluster
) -> None:
    code, _, err = migrate(example, example_python, database)
    assert code == 0, err
    migration = example / "backend" / "crm" / "migrations" / "0003_note_pinned.py"
    migration.write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('crm', '0002_note')]\n"
        "    operations = [migrations.AddField('note', 'pinned', "
        "models.BooleanField(default=False))]\n"
    )
    code, payload, err = migrate(example, example_python, database)
    assert code == 0, err
    assert steps(payload)["migrate-tenants"]["status"] == "ran"
    db = database.rsplit("/", 1)[1]
    assert pg.sql(
        "SELECT count(*) FROM public.django_migrations WHERE app = 'crm' AND name = '0003_note_pinned'", db=db
    ) == [(1,)]


def test_without_a_database_url_is_a_usage_error(example: Path, example_python: Path) -> None:
    ran = devkit("migrate", "--python", str(example_python), project=example, env={"CI": "true"})
    assert ran.code == 2
    assert "DATABASE_URL" in ran.text


def test_wrong_password_is_a_database_error(
    example: Path, example_python: Path, database: str, pg: Cluster
) -> None:
    wrong = database.replace(pg.password, "not-the-password")
    code, payload, err = migrate(example, example_python, wrong)
    assert code == 3, err
    assert "password authentication failed" in err
    assert "not-the-password" not in err + json.dumps(payload)


def test_missing_interpreter_is_a_usage_error(example: Path, database: str) -> None:
    ran = devkit(
        "migrate", "--python", "/nonexistent/python", project=example, env={"DATABASE_URL": database}
    )
    assert ran.code == 2
    assert "--python /nonexistent/python" in ran.text
