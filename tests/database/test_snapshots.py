"""`devkit db snapshot`: save/restore round trips on a real native cluster of the example project,
with data written between them, connections closed, migration state judged again, and refusals."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.commands.test_up_e2e import NEW_MIGRATION
from tests.conftest import reachable_dir
from tests.support.postgres import Cluster
from tests.support.project import Ran, copy_example, devkit, pin_provider, stop_native

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ready() -> Iterator[Path]:
    """The example, up once for this module (native provider)."""
    folder = reachable_dir("devkit-snap-")
    project = copy_example(folder / "tenant-demo")
    pin_provider(project, "native")
    ran = devkit("up", "--no-input", project=project)
    assert ran.code == 0, ran.text
    yield project
    stop_native(project)
    shutil.rmtree(folder, ignore_errors=True)


def url(project: Path, db: str = "tenant_demo") -> str:
    ran = devkit("db", "url", project=project)
    assert ran.code == 0, ran.text
    return ran.out.strip().rsplit("/", 1)[0] + f"/{db}"


def sql(project: Path, query: str, db: str = "tenant_demo") -> list[tuple[Any, ...]]:
    with psycopg.connect(url(project, db), autocommit=True) as conn:
        cur = conn.execute(query)
        return cur.fetchall() if cur.description else []


def snap(project: Path, *args: str) -> Ran:
    return devkit("db", "snapshot", *args, project=project)


def names(project: Path) -> list[str]:
    ran = devkit("--json", "db", "snapshot", "list", project=project)
    assert ran.code == 0, ran.text
    return [s["name"] for s in json.loads(ran.out)["snapshots"]]


ROW = "INSERT INTO guest.catalog_category (name) VALUES ('{0}')"


def wait_for_database(project: Path, name: str, timeout: float = 60) -> None:
    """A spare is made by a detached process: wait until its marker (written last) is there."""
    import time

    deadline = time.monotonic() + timeout
    query = f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{name}'"
    while time.monotonic() < deadline:
        row = sql(project, query)
        if row and row[0][0]:
            return
        time.sleep(0.1)
    raise AssertionError(f"{name} was not made within {timeout} s")


def test_round_trip_with_data_written_between(ready: Path) -> None:
    sql(ready, ROW.format("kept"))
    saved = snap(ready, "save", "base")
    assert saved.code == 0, saved.text
    assert names(ready) == ["base"]
    sql(ready, ROW.format("after-save"))
    assert sql(ready, "SELECT count(*) FROM guest.catalog_category") == [(2,)]

    again = snap(ready, "save", "base")
    assert again.code == 2 and "--replace" in again.text  # never overwritten silently

    # An open session (a runserver, a psql) is closed first, and the command says so.
    holder = psycopg.connect(url(ready), autocommit=True)
    restored = snap(ready, "restore", "base", "--yes")
    assert restored.code == 0, restored.text
    assert "closing 1 other connection(s) to tenant_demo" in restored.text
    assert "tenants: up to date" in restored.text
    with pytest.raises(psycopg.OperationalError):
        holder.execute("SELECT 1")
    holder.close()
    assert sql(ready, "SELECT name FROM guest.catalog_category") == [("kept",)]

    status = devkit("--json", "status", project=ready)
    assert all(s["fresh"] for s in json.loads(status.out)["steps"]), status.text
    up = devkit("up", "--no-input", project=ready)
    assert up.code == 0, up.text

    # The spare: made in the background after each save and restore, so that the next restore is
    # a drop and a rename. Written again after the restore, the data goes back once more.
    spare = "tenant_demo__snap__base__devkit_spare"
    wait_for_database(ready, spare)
    sql(ready, ROW.format("after-restore"))
    second = devkit("--json", "db", "snapshot", "restore", "base", "--yes", project=ready)
    assert second.code == 0, second.text
    assert json.loads(second.out)["from_spare"] is True
    assert sql(ready, "SELECT name FROM guest.catalog_category") == [("kept",)]
    wait_for_database(ready, spare)  # made again for the next restore

    removed = snap(ready, "rm", "base", "--yes")
    assert removed.code == 0, removed.text
    assert names(ready) == []
    assert sql(ready, "SELECT datname FROM pg_database WHERE datname LIKE 'tenant_demo\\_\\_%'") == []
    sql(ready, "DELETE FROM guest.catalog_category")


def test_a_restore_to_another_migration_state_makes_tenants_stale(ready: Path) -> None:
    assert snap(ready, "save", "before-0003").code == 0
    migration = ready / "backend/catalog/migrations/0003_product_weight.py"
    migration.write_text(NEW_MIGRATION)
    try:
        assert devkit("up", "--no-input", project=ready).code == 0
        restored = snap(ready, "restore", "before-0003", "--yes")
        assert restored.code == 0, restored.text
        assert "tenants: stale" in restored.text and "devkit up" in restored.text
        status = json.loads(devkit("--json", "status", project=ready).out)
        tenants = next(s for s in status["steps"] if s["name"] == "tenants")
        assert not tenants["fresh"], tenants
        assert devkit("up", "--no-input", project=ready).code == 0
        applied = sql(
            ready, "SELECT count(*) FROM guest.django_migrations WHERE name = '0003_product_weight'"
        )
        assert applied == [(1,)]
    finally:
        migration.unlink()
        snap(ready, "rm", "before-0003", "--yes")


def test_refusals(ready: Path) -> None:
    assert snap(ready, "save", "Bad Name").code == 2
    assert snap(ready, "save", "x" * 60).code == 2  # the template's name would pass 63 bytes
    assert snap(ready, "restore", "nothing-here", "--yes").code == 2
    assert snap(ready, "save", "keep").code == 0
    no_yes = snap(ready, "restore", "keep")  # no terminal: never without --yes
    assert no_yes.code == 2 and "--yes" in no_yes.text
    assert snap(ready, "rm", "keep").code == 2
    # A database that only looks like a snapshot is not devkit's: not listed, never touched.
    sql(ready, 'CREATE DATABASE "tenant_demo__snap__theirs"', db="postgres")
    assert names(ready) == ["keep"]
    assert snap(ready, "rm", "theirs", "--yes").code == 2
    assert sql(ready, "SELECT 1 FROM pg_database WHERE datname = 'tenant_demo__snap__theirs'", db="postgres")
    sql(ready, 'DROP DATABASE "tenant_demo__snap__theirs"', db="postgres")
    assert snap(ready, "rm", "keep", "--yes").code == 0


def test_external_database_without_createdb_is_refused(pg: Cluster, example: Path) -> None:
    pg.sql("CREATE ROLE snapuser LOGIN PASSWORD 'snap-secret-1234' NOCREATEDB")
    pg.sql("CREATE DATABASE snapdb OWNER snapuser")
    pin_provider(example, "external")
    env = {"DATABASE_URL": pg.url("snapuser", "snap-secret-1234", "snapdb")}
    ran = devkit("db", "snapshot", "save", "x", project=example, env=env)
    assert ran.code == 3, ran.text
    assert "may not create databases" in ran.text and "CREATEDB" in ran.text
    assert "Traceback" not in ran.text


def test_external_database_restores_by_copy_and_makes_no_spares(pg: Cluster, example: Path) -> None:
    """Spares double a snapshot's disk: only on a server devkit runs. On an external one a
    restore makes its copy, and the replaced database is still dropped in the background."""
    import time

    pg.sql("CREATE ROLE snapowner LOGIN PASSWORD 'snap-owner-1234' CREATEDB")
    pg.sql("CREATE DATABASE snapext OWNER snapowner")
    pin_provider(example, "external")
    env = {"DATABASE_URL": pg.url("snapowner", "snap-owner-1234", "snapext")}
    with psycopg.connect(pg.url("snapowner", "snap-owner-1234", "snapext"), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v text)")
        conn.execute("INSERT INTO kept VALUES ('saved')")
    saved = devkit("db", "snapshot", "save", "x", project=example, env=env)
    assert saved.code == 0, saved.text
    with psycopg.connect(pg.url("snapowner", "snap-owner-1234", "snapext"), autocommit=True) as conn:
        conn.execute("INSERT INTO kept VALUES ('after')")
    restored = devkit("--json", "db", "snapshot", "restore", "x", "--yes", project=example, env=env)
    assert restored.code == 0, restored.text
    assert json.loads(restored.out)["from_spare"] is False
    assert "no spares on an external server" in restored.err + restored.out
    with psycopg.connect(pg.url("snapowner", "snap-owner-1234", "snapext"), autocommit=True) as conn:
        assert conn.execute("SELECT v FROM kept").fetchall() == [("saved",)]

    def databases() -> set[str]:
        return {str(row[0]) for row in pg.sql("SELECT datname FROM pg_database")}

    deadline = time.monotonic() + 60
    while "snapext__devkit_old" in databases() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "snapext__devkit_old" not in databases()  # the replaced data, dropped in the background
    assert not [d for d in databases() if d.endswith("__devkit_spare")]
    assert devkit("db", "snapshot", "rm", "x", "--yes", project=example, env=env).code == 0
