"""Issue 28 end to end: a real `git worktree add` (and a second `git clone`) of a set-up example,
`devkit up` in it, a psycopg connection held open on the source the whole time.

The branch must come up with the source's tenants, users and rows, a cluster, port and password
of its own, copied dependencies that work at its own path, and the source's server neither
restarted (same postmaster PID) nor its connection closed (same backend, still answering)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import reachable_dir
from tests.faults.support import up_json
from tests.support.project import copy_example, db_url, devkit, pin_provider, stop_native

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the native cluster runs as the postgres user"),
]
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]


def git(folder: Path, *args: str) -> None:
    subprocess.run([*GIT, "-C", str(folder), *args], check=True, capture_output=True)


def postmaster_pid(project: Path) -> int:
    data_dir = json.loads((project / ".devkit" / "state.json").read_text())["native"]["data_dir"]
    return int((Path(data_dir) / "postmaster.pid").read_text().split("\n", 1)[0])


def rows(url: str) -> dict[str, Any]:
    """What a developer built up: tenants, domains, users (with their password hashes), rows."""
    with psycopg.connect(url) as db:
        return {
            "tenants": db.execute("SELECT schema_name, name FROM customers_client ORDER BY 1").fetchall(),
            "domains": db.execute("SELECT domain FROM customers_domain ORDER BY 1").fetchall(),
            "users": db.execute(
                "SELECT username, password, is_superuser FROM auth_user ORDER BY 1"
            ).fetchall(),
            "categories": db.execute("SELECT name FROM guest.catalog_category ORDER BY 1").fetchall(),
            "migrations": db.execute("SELECT count(*) FROM guest.django_migrations").fetchone(),
        }


def secrets_of(project: Path) -> dict[str, str]:
    return dict(json.loads((project / ".devkit" / "secrets.json").read_text()))


@pytest.fixture(scope="module")
def _registry() -> Iterator[Path]:
    """This module's registry of set-up checkouts: the source's `up` records itself there and the
    tests' clones find it there (each other test has a registry of its own, tests/conftest.py)."""
    folder = reachable_dir("devkit-registry-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _this_modules_registry(_registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVKIT_STATE_HOME", str(_registry))


@pytest.fixture(scope="module")
def source(_registry: Path) -> Iterator[Path]:
    """The example as a git repository, set up by a plain `devkit up` (the registry records it)."""
    saved = os.environ.get("DEVKIT_STATE_HOME")
    os.environ["DEVKIT_STATE_HOME"] = str(_registry)  # a module fixture: before the tests' own
    base = reachable_dir("devkit-worktrees-")
    project = copy_example(base / "tenant-demo")
    pin_provider(project, "native")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "the example")
    code, _payload, text = up_json(project)
    assert code == 0, text
    with psycopg.connect(db_url(project), autocommit=True) as db:  # data the developer made
        db.execute("INSERT INTO guest.catalog_category (name) VALUES ('Kept')")
    if saved is not None:
        os.environ["DEVKIT_STATE_HOME"] = saved
    yield project
    stop_native(project)
    shutil.rmtree(base, ignore_errors=True)


def test_a_worktree_is_green_with_the_sources_data_and_never_disturbs_it(source: Path) -> None:
    worktree = source.parent / "hotfix"
    git(source, "worktree", "add", "-q", str(worktree))
    pid_before = postmaster_pid(source)
    held = psycopg.connect(db_url(source), autocommit=True)
    backend = held.execute("SELECT pg_backend_pid()").fetchone()
    try:
        code, payload, text = up_json(worktree)
        assert code == 0, text
        steps = {s["name"]: s["detail"] for s in payload["steps"]}  # type: ignore[index]
        assert f"branching from {source}: this checkout is a git worktree of {source}" in text
        assert steps["database"].startswith(f"branched from {source} by pg_basebackup")
        assert steps["python-deps"].startswith(f"copied the venv from {source}")
        assert steps["node-deps"].startswith(f"copied node_modules from {source}")
        assert "nothing to run" in steps["tenants"]
        # The facts: the source's, read from the same inputs (no probe ran here).
        assert f"facts: {source}'s own, read from the same sources" in text
        adopted = json.loads((worktree / ".devkit" / "facts.json").read_text())

        # The source: the same server, the same session, still answering and writing.
        assert postmaster_pid(source) == pid_before
        assert held.execute("SELECT pg_backend_pid()").fetchone() == backend
        held.execute("INSERT INTO guest.catalog_category (name) VALUES ('After')")

        # The branch: the source's rows as they were, in a cluster, port and password of its own.
        branch_url = db_url(worktree)
        mine = rows(branch_url)
        theirs = rows(db_url(source))
        theirs["categories"] = [r for r in theirs["categories"] if r[0] != "After"]
        assert mine == theirs and mine["categories"] == [("Kept",)]
        state = json.loads((worktree / ".devkit" / "state.json").read_text())
        assert state["native"]["data_dir"] == str(worktree / ".devkit" / "postgres" / "data")
        assert (
            state["native"]["port"]
            != json.loads((source / ".devkit/state.json").read_text())["native"]["port"]
        )
        marker = json.loads((worktree / ".devkit" / "postgres" / "devkit-cluster.json").read_text())
        assert marker["project_id"] == json.loads((worktree / ".devkit" / "project.json").read_text())["id"]
        assert secrets_of(worktree)["database.password"] != secrets_of(source)["database.password"]
        source_password_on_branch = branch_url.replace(
            secrets_of(worktree)["database.password"], secrets_of(source)["database.password"]
        )
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(source_password_on_branch).close()

        # The branch's stored superuser password opens its superuser (Django's own check).
        check = (
            "import os; from django.contrib.auth import get_user_model; "
            "print(get_user_model().objects.get(username='admin').check_password(os.environ['PW']))"
        )
        ran = subprocess.run(
            [sys.executable, "-m", "devkit", "--project", str(worktree), "run", "--", "python",
             "backend/manage.py", "shell", "-c", check],
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
            env={**os.environ, "PW": secrets_of(worktree)["superuser.password"]},
        )  # fmt: skip
        assert ran.returncode == 0 and ran.stdout.strip().endswith("True"), ran.stdout + ran.stderr

        # The copied venv works at its own path; node_modules is a copy, not links.
        python = worktree / ".venv" / "bin" / "python"
        prefix = subprocess.run(
            [python, "-c", "import sys, django; print(sys.prefix)"], capture_output=True, text=True
        )
        assert prefix.stdout.strip() == str(worktree / ".venv"), prefix.stderr
        assert (worktree / ".venv/bin/django-admin").read_text().startswith(f"#!{worktree}/.venv/bin/python")
        vite = worktree / "frontend/node_modules/vite/package.json"
        assert vite.stat().st_nlink == 1
        assert vite.stat().st_ino != (source / "frontend/node_modules/vite/package.json").stat().st_ino

        # Nothing left to do; status in both checkouts tells the lineage.
        code, payload, text = up_json(worktree)
        assert code == 0 and {s["status"] for s in payload["steps"]} == {"skipped"}, text  # type: ignore[index]
        ran = devkit("status", "--json", project=source)
        assert json.loads(ran.out)["branches"] == [str(worktree)], ran.text
        ran = devkit("status", "--json", project=worktree)
        assert json.loads(ran.out)["branched_from"]["source"] == str(source), ran.text
        assert f"branched from {source}" in ran.err

        # The facts taken from the source are the ones the project's Django gives here: the same
        # key, and the same facts, with this checkout's paths and port.
        (worktree / ".devkit" / "facts.json").unlink()
        checked = devkit("docs", "--check", project=worktree)
        assert checked.code == 0, checked.text
        probed = json.loads((worktree / ".devkit" / "facts.json").read_text())
        assert probed["key"] == adopted["key"] and probed["facts"] == adopted["facts"]
        assert adopted["facts"]["database"]["port"] == str(state["native"]["port"])
        assert str(source) + "/" not in json.dumps(adopted["facts"])

        # down --volumes in the branch deletes the branch's database only.
        removed = devkit("down", "--volumes", "--yes", project=worktree)
        assert removed.code == 0 and str(worktree / ".devkit" / "postgres") in removed.out, removed.text
        assert held.execute("SELECT count(*) FROM guest.catalog_category").fetchone() == (2,)
        assert postmaster_pid(source) == pid_before
        assert (source / ".devkit" / "postgres" / "data" / "PG_VERSION").is_file()
    finally:
        held.close()
        stop_native(worktree)


def test_a_second_clone_is_branched_through_the_registry(source: Path) -> None:
    clone = source.parent / "clone"
    git(source.parent, "clone", "-q", str(source), str(clone))
    pid_before = postmaster_pid(source)
    try:
        code, _payload, text = up_json(clone)
        assert code == 0, text
        assert f"branching from {source}: this clone's origin is {source}, which devkit set up" in text
        assert rows(db_url(clone))["tenants"] == rows(db_url(source))["tenants"]
        assert rows(db_url(clone))["users"] == rows(db_url(source))["users"]
        assert postmaster_pid(source) == pid_before
    finally:
        stop_native(clone)


MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_sku_is_active")]
    operations = [
        migrations.AddField("category", "note", models.CharField(max_length=20, default="", blank=True)),
    ]
"""


def test_a_branch_with_a_new_migration_migrates_its_copy_only(source: Path) -> None:
    worktree = source.parent / "feature"
    git(source, "worktree", "add", "-q", "-b", "feature", str(worktree))
    (worktree / "backend/catalog/migrations/0003_category_note.py").write_text(MIGRATION)
    models = worktree / "backend/catalog/models.py"
    models.write_text(
        models.read_text().replace(
            "    name = models.CharField(max_length=100, unique=True)\n",
            "    name = models.CharField(max_length=100, unique=True)\n"
            '    note = models.CharField(max_length=20, default="", blank=True)\n',
            1,
        )
    )
    try:
        code, payload, text = up_json(worktree)
        assert code == 0, text
        steps = {s["name"]: s["detail"] for s in payload["steps"]}  # type: ignore[index]
        assert steps["database"].startswith(f"branched from {source}"), steps
        assert "the copy is not this checkout's yet" in text and "pending migration" in text
        assert "migrate_schemas --tenant" in steps["tenants"], steps["tenants"]
        column = (
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_schema = 'guest' AND column_name = 'note'"
        )
        with psycopg.connect(db_url(worktree)) as db:
            assert db.execute(column).fetchone() == (1,)
            assert ("Kept",) in db.execute("SELECT name FROM guest.catalog_category").fetchall()
        with psycopg.connect(db_url(source)) as db:
            assert db.execute(column).fetchone() == (0,)
    finally:
        stop_native(worktree)
