"""Development tenants beyond public and guest, on a real cluster of the example project: created
by cloning a migrated template (or by migrating, when a tenant migration runs code), verified in
the database, sharing nothing, never deleted unless devkit created them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.core.envfile import read_values
from tests.conftest import reachable_dir
from tests.support.project import REPO, copy_example, devkit, pin_provider, set_config, sql, stop_native

pytestmark = pytest.mark.e2e

COUNT = 20


@pytest.fixture(scope="module")
def many() -> Iterator[Path]:
    """The example with 20 numbered dev tenants and one named one, up once for this module."""
    folder = reachable_dir("devkit-devtenants-")
    project = copy_example(folder / "tenant-demo")
    pin_provider(project, "native")
    path = project / "devkit.toml"
    path.write_text(path.read_text().replace("[tenants]\n", f"[tenants]\ndev_count = {COUNT}\n", 1))
    set_config(project, '[[tenants.dev]]\nschema = "acme"\nname = "Acme"\ndomain = "acme.localhost"\n')
    ran = devkit("--json", "up", "--no-input", project=project)
    assert ran.code == 0, ran.text
    assert "cloned from devkit_tenant_template" in ran.out, ran.text
    # --json: stderr carries the run as JSON lines, with which tenant and how many are done
    events = [json.loads(line) for line in ran.err.splitlines() if line.startswith("{")]
    counts = [e["text"] for e in events if e["event"] == "activity" and e["step"] == "tenants"]
    assert any(re.search(rf"^dev_tenants .*\): tenant\d+ \(\d+/{COUNT + 1}\)$", t) for t in counts), counts
    assert any(e["event"] == "step-done" and e["step"] == "tenants" for e in events)
    yield project
    stop_native(project)
    shutil.rmtree(folder, ignore_errors=True)


def listed(project: Path) -> dict[str, dict[str, Any]]:
    ran = devkit("--json", "tenants", "list", project=project)
    assert ran.code == 0, ran.text
    return {t["schema"]: t for t in json.loads(ran.out)["tenants"]}


def test_many_tenants_are_created_verified_and_share_nothing(many: Path) -> None:
    schemas = ["acme", *(f"tenant{n}" for n in range(1, COUNT + 1))]
    tenants = listed(many)
    for schema in schemas:
        row = tenants[schema]
        assert row["schema_exists"] and row["pending_migrations"] == 0, row
        assert row["created_by_devkit"] and row["configured"], row
        assert row["domains"] == [f"{schema}.localhost"], row
    assert not tenants["public"]["created_by_devkit"] and not tenants["guest"]["created_by_devkit"]
    # The clone shares nothing: a row in one tenant is in no other; migrations are recorded.
    sql(many, "INSERT INTO tenant3.catalog_category (name) VALUES ('only-in-3')")
    assert sql(many, "SELECT count(*) FROM tenant3.catalog_category") == [(1,)]
    assert sql(many, "SELECT count(*) FROM tenant4.catalog_category") == [(0,)]
    assert sql(many, "SELECT count(*) FROM devkit_tenant_template.catalog_category") == [(0,)]
    applied = sql(many, "SELECT count(*) FROM tenant4.django_migrations")[0][0]
    assert applied == sql(many, "SELECT count(*) FROM guest.django_migrations")[0][0]
    # Tables are the tenant's own, not views or links to the template.
    owners = sql(
        many,
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'tenant4' AND tablename = 'catalog_category'",
    )
    assert owners == [(1,)]

    again = devkit("up", "--no-input", project=many)
    assert again.code == 0, again.text
    assert "tenants      ✓ skipped" in again.text or "up to date" in again.text


def test_add_list_rm_and_refusals(many: Path) -> None:
    added = devkit("tenants", "add", "beta", "--domain", "beta.localhost", project=many)
    assert added.code == 0, added.text
    assert "cloned" in added.text
    row = listed(many)["beta"]
    assert row["created_by_devkit"] and not row["configured"] and row["pending_migrations"] == 0
    status = devkit("--json", "status", project=many)
    assert json.loads(status.out)["extra_tenants"] == ["beta"]

    refused = devkit("tenants", "rm", "guest", "--yes", project=many)
    assert refused.code == 2 and "not created by devkit" in refused.text
    assert "guest" in listed(many)
    asks = devkit("tenants", "rm", "beta", project=many)  # no terminal: never without --yes
    assert asks.code == 2 and "--yes" in asks.text
    removed = devkit("tenants", "rm", "beta", "--yes", project=many)
    assert removed.code == 0, removed.text
    assert "beta" not in listed(many)
    assert sql(many, "SELECT count(*) FROM pg_namespace WHERE nspname = 'beta'") == [(0,)]
    assert devkit("tenants", "add", "Bad-Name", project=many).code == 2

    # A schema without a tenant row that devkit did not make (left by a deleted tenant, made by
    # hand): its data is someone's, so no tenant is attached to it and nothing changes.
    sql(many, "CREATE SCHEMA handmade; CREATE TABLE handmade.keep (note text)")
    sql(many, "INSERT INTO handmade.keep VALUES ('mine')")
    foreign = devkit("tenants", "add", "handmade", project=many)
    assert foreign.code != 0 and "was not made by devkit" in foreign.text, foreign.text
    assert "handmade" not in listed(many)
    assert sql(many, "SELECT note FROM handmade.keep") == [("mine",)]


def test_devkits_own_names_are_never_tenants_and_the_template_holds_only_migrations(many: Path) -> None:
    """Issue 23 #1: a tenant on the template's schema would share its rows with every clone."""
    for schema, words in (
        ("devkit_tenant_template", "devkit_"),
        ("devkit_other", "devkit_"),
        ("public", "public tenant"),
        ("information_schema", "PostgreSQL"),
        ("pg_mine", "pg_"),
    ):
        ran = devkit("tenants", "add", schema, project=many)
        assert ran.code == 2 and words in ran.text, ran.text
    for domain in ("bad domain/x", "http://x.localhost:8000", "x.localhost:8000"):
        ran = devkit("tenants", "add", "okname", "--domain", domain, project=many)
        assert ran.code == 2 and "not a host name" in ran.text, ran.text
    assert "okname" not in listed(many)

    # Rows written into the template by hand never reach a new tenant: the template is set aside
    # (renamed, its rows kept) and made anew before its dump is taken.
    sql(many, "INSERT INTO devkit_tenant_template.catalog_category (name) VALUES ('leak')")
    (many / ".devkit" / "tenant-template.sql").unlink()
    added = devkit("tenants", "add", "epsilon", project=many)
    assert added.code == 0, added.text
    aside = re.search(r"renamed to (devkit_tenant_template_aside_\d+)", added.text)
    assert aside, added.text
    assert sql(many, "SELECT count(*) FROM epsilon.catalog_category") == [(0,)]
    assert sql(many, f"SELECT name FROM {aside[1]}.catalog_category") == [("leak",)]

    # A tenant row on the template's schema (made before devkit refused the name) stops creation.
    sql(
        many,
        "INSERT INTO public.customers_client (schema_name, name, created_on) "
        "VALUES ('devkit_tenant_template', 'T', now())",
    )
    dump = many / ".devkit" / "tenant-template.sql"
    saved = dump.read_bytes()
    try:
        dump.unlink()
        refused = devkit("tenants", "add", "zeta", project=many)
        assert refused.code != 0 and "its rows would reach every new tenant" in refused.text, refused.text
        assert "zeta" not in listed(many)
    finally:
        sql(many, "DELETE FROM public.customers_client WHERE schema_name = 'devkit_tenant_template'")
        dump.write_bytes(saved)
        dump.chmod(0o600)
    for schema in ("epsilon",):
        assert devkit("tenants", "rm", schema, "--yes", project=many).code == 0
    sql(many, f"DROP SCHEMA {aside[1]} CASCADE")


def test_without_a_pg_dump_of_the_servers_version_clone_schema_makes_them(many: Path) -> None:
    """The fallback when no pg_dump matches the server: django-tenants' clone_schema, driven by the
    real probe in the project's Django with the plan devkit would send, minus pg_dump (this
    machine has the matching one, so the plan is the only way to take this path here)."""
    env = {**os.environ, **read_values(many / ".env")}  # the example's settings read DB_*
    marker = f"devkit dev tenant of {many}"
    plan = {
        "tenants": [
            {"schema": f"viaclone{n}", "name": f"Via clone {n}", "domain": f"viaclone{n}.localhost"}
            for n in (1, 2)
        ],
        "fields": {},
        "template": "devkit_tenant_template",
        "marker": marker,
        "workers": 2,
        "pg_dump": [],
    }
    probe = REPO / "devkit" / "project" / "probe" / "tenants.py"
    bootstrap = "import os, runpy; runpy.run_path(os.environ['DEVKIT_PROBE_SCRIPT'], run_name='__main__')"
    env.update(DEVKIT_PROBE_SCRIPT=str(probe), DEVKIT_TENANTS=json.dumps({"dev_tenants": plan}))
    done = subprocess.run(
        [many / ".venv" / "bin" / "python", "manage.py", "shell", "-c", bootstrap],
        cwd=many / "backend",
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cloned from devkit_tenant_template" in done.stdout and "pg_dump" not in done.stdout, done.stdout
    template_migrations = sql(many, "SELECT count(*) FROM devkit_tenant_template.django_migrations")
    for n in (1, 2):
        row = listed(many)[f"viaclone{n}"]
        assert row["schema_exists"] and row["pending_migrations"] == 0 and row["created_by_devkit"], row
        assert sql(many, f"SELECT count(*) FROM viaclone{n}.django_migrations") == template_migrations
        comment = (
            f"SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'viaclone{n}'"
        )
        assert sql(many, comment) == [(marker,)]
    # each clone owns its tables and sequences
    sql(many, "INSERT INTO viaclone1.catalog_category (name) VALUES ('only in one')")
    assert sql(many, "SELECT count(*) FROM viaclone2.catalog_category") == [(0,)]
    assert sql(many, "SELECT nextval('viaclone2.catalog_category_id_seq')") == [(1,)]


def test_the_kept_template_dump_needs_no_template_and_follows_the_migrations(many: Path) -> None:
    """The template's pg_dump is kept in .devkit under a key of what it depends on: a later
    creation replays it without the template schema; an edited migration makes a new one."""
    kept = many / ".devkit" / "tenant-template.sql"
    assert kept.stat().st_mode & 0o777 == 0o600
    sql(many, "DROP SCHEMA devkit_tenant_template CASCADE")
    added = devkit("tenants", "add", "gamma", project=many)
    assert added.code == 0, added.text
    assert "kept from an earlier run" in added.text, added.text
    row = listed(many)["gamma"]
    assert row["schema_exists"] and row["pending_migrations"] == 0, row
    assert sql(many, "SELECT count(*) FROM gamma.catalog_category") == [(0,)]
    assert sql(many, "SELECT count(*) FROM pg_namespace WHERE nspname = 'devkit_tenant_template'") == [(0,)]

    migration = many / "backend" / "catalog" / "migrations" / "0001_initial.py"
    migration.write_text(migration.read_text() + "# edited\n")
    added = devkit("tenants", "add", "delta", project=many)
    assert added.code == 0, added.text
    assert "kept from an earlier run" not in added.text, added.text
    assert listed(many)["delta"]["pending_migrations"] == 0
    assert sql(many, "SELECT count(*) FROM pg_namespace WHERE nspname = 'devkit_tenant_template'") == [(1,)]
    for schema in ("gamma", "delta"):
        assert devkit("tenants", "rm", schema, "--yes", project=many).code == 0


def test_removing_a_tenant_from_the_configuration_keeps_it(many: Path) -> None:
    path = many / "devkit.toml"
    before = path.read_text()
    path.write_text(before.replace(f"dev_count = {COUNT}", f"dev_count = {COUNT - 1}"))
    try:
        ran = devkit("up", "--no-input", project=many)
        assert ran.code == 0, ran.text
        row = listed(many)[f"tenant{COUNT}"]
        assert row["schema_exists"] and not row["configured"] and row["created_by_devkit"]
        status = devkit("--json", "status", project=many)
        assert f"tenant{COUNT}" in json.loads(status.out)["extra_tenants"]
    finally:
        path.write_text(before)


SIGNALS = """from pathlib import Path

from django.apps import AppConfig

FAIL = Path(__file__).resolve().parent / "FAIL_FOR"  # a schema whose seeding fails, if present
SENT = Path(__file__).resolve().parent / "needs_sync_sent"


def seed(sender, tenant, **kwargs):
    from django_tenants.utils import schema_context

    from crm.models import Contact

    if tenant.schema_name == "public":
        return
    if FAIL.exists() and FAIL.read_text() == tenant.schema_name:
        raise RuntimeError("seeding %s failed" % tenant.schema_name)
    with schema_context(tenant.schema_name):
        Contact.objects.create(name="seed " + tenant.schema_name)


def needs_sync(sender, tenant, **kwargs):
    with SENT.open("a") as handle:
        handle.write(tenant.schema_name + "\\n")


class CrmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "crm"

    def ready(self):
        from django_tenants.signals import post_schema_sync, schema_needs_to_be_sync

        post_schema_sync.connect(seed)
        schema_needs_to_be_sync.connect(needs_sync)
"""


RUN_PYTHON = """from django.db import migrations


def seed(apps, schema_editor):
    apps.get_model("catalog", "Category").objects.create(name="seeded")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_sku_is_active")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
"""


def test_a_tenant_migration_that_runs_code_is_migrated_not_cloned(example: Path) -> None:
    (example / "backend/catalog/migrations/0003_seed.py").write_text(RUN_PYTHON)
    (example / "backend/crm/apps.py").write_text(SIGNALS)  # post_schema_sync after migrating
    path = example / "devkit.toml"
    path.write_text(path.read_text().replace("[tenants]\n", "[tenants]\ndev_count = 3\n", 1))
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    assert "multiprocessing executor" in ran.text and "catalog.0003_seed runs code" in ran.text, ran.text
    for schema in ("tenant1", "tenant2", "tenant3"):
        assert sql(example, f"SELECT name FROM {schema}.catalog_category") == [("seeded",)]
        assert sql(example, f"SELECT name FROM {schema}.crm_contact") == [(f"seed {schema}",)]


REQUIRED = (
    "    created_on = models.DateField(auto_now_add=True)\n",
    "    created_on = models.DateField(auto_now_add=True)\n"
    "    paid_until = models.DateField()\n"
    "    on_trial = models.BooleanField()\n",
)
REQUIRED_MIGRATION = (
    "                ('created_on', models.DateField(auto_now_add=True)),\n",
    "                ('created_on', models.DateField(auto_now_add=True)),\n"
    "                ('paid_until', models.DateField()),\n"
    "                ('on_trial', models.BooleanField()),\n",
)


UNIQUE_SLUG = (
    "    paid_until = models.DateField()\n",
    "    paid_until = models.DateField()\n    slug = models.SlugField(unique=True, default='')\n",
)
UNIQUE_SLUG_MIGRATION = (
    "                ('paid_until', models.DateField()),\n",
    "                ('paid_until', models.DateField()),\n"
    "                ('slug', models.SlugField(unique=True, default='')),\n",
)


def test_required_and_unique_tenant_fields_are_filled_per_tenant(example: Path) -> None:
    """Issue 29: django-tenants' documented tenant model (paid_until and on_trial without a
    default) plus a unique slug whose default is '': devkit fills every required field by its
    type and every unique one per tenant, says how in one note, for 20 development tenants too;
    [tenants.fields] overrides, with {schema} and {n}."""
    import datetime

    pin_provider(example, "native")
    models = example / "backend" / "customers" / "models.py"
    models.write_text(models.read_text().replace(*REQUIRED).replace(*UNIQUE_SLUG))
    migration = example / "backend" / "customers" / "migrations" / "0001_initial.py"
    migration.write_text(migration.read_text().replace(*REQUIRED_MIGRATION).replace(*UNIQUE_SLUG_MIGRATION))
    path = example / "devkit.toml"
    text = path.read_text().replace("[tenants]\n", "[tenants]\ndev_count = 20\n", 1)
    text = text.replace('create_super = "create_super_tenant --no-input"', 'create_super = "builtin"')
    text = text.replace('create_guest = "create_guest_tenant --no-input"', 'create_guest = "builtin"')
    path.write_text(text)
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    assert "filled for devkit's tenants" in ran.text and "paid_until=a year from today" in ran.text, ran.text
    assert "slug=<schema>" in ran.text and "on_trial=false" in ran.text, ran.text
    year = (datetime.date.today() + datetime.timedelta(days=365)).isoformat()
    rows = sql(
        example, "SELECT schema_name, paid_until::text, on_trial, slug FROM customers_client ORDER BY id"
    )
    assert len(rows) == 22, rows
    assert rows[:3] == [("public", year, False, "public"), ("guest", year, False, "guest"),
                        ("tenant1", year, False, "tenant1")], rows  # fmt: skip
    assert len({r[3] for r in rows}) == 22  # one slug each

    # configured values win, per tenant with {schema} and {n}; a field the model lacks is named
    set_config(
        example, '[tenants.fields]\npaid_until = 2099-12-31\non_trial = true\nslug = "t-{n}-{schema}"\n'
    )
    path.write_text(path.read_text().replace("dev_count = 20", "dev_count = 21"))
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    added = sql(
        example,
        "SELECT paid_until::text, on_trial, slug FROM customers_client WHERE schema_name = 'tenant21'",
    )
    assert added == [("2099-12-31", True, "t-23-tenant21")], added
    path.write_text(path.read_text().replace("on_trial = true", "on_trial = true\nplan = 'gold'"))
    path.write_text(path.read_text().replace("dev_count = 21", "dev_count = 22"))
    wrong = devkit("up", "--no-input", project=example)
    assert wrong.code != 0 and "tenants.fields.plan" in wrong.text and "paid_until" in wrong.text, wrong.text


def test_the_projects_tenant_signals_run_as_on_a_standard_creation(example: Path) -> None:
    """django-tenants' save() sends post_schema_sync once a new tenant's schema exists (projects
    seed tenants there) and schema_needs_to_be_sync only when the model does not create schemas.
    Cloned tenants get the first, never the second; a receiver's failure leaves no row, and the
    next run finishes the tenant. TENANT_LIMIT_SET_CALLS: django-tenants sets the search_path once
    per session, so the session the template's dump ran on must get its settings back."""
    crm = example / "backend" / "crm"
    (crm / "apps.py").write_text(SIGNALS)
    settings = example / "backend" / "config" / "settings.py"
    settings.write_text(settings.read_text() + "\nTENANT_LIMIT_SET_CALLS = True\n")
    path = example / "devkit.toml"
    path.write_text(path.read_text().replace("[tenants]\n", "[tenants]\ndev_count = 4\n", 1))
    (crm / "FAIL_FOR").write_text("tenant3")
    failed = devkit("up", "--no-input", project=example)
    assert failed.code != 0 and "seeding tenant3 failed" in failed.text, failed.text
    assert sql(example, "SELECT count(*) FROM customers_client WHERE schema_name = 'tenant3'") == [(0,)]

    (crm / "FAIL_FOR").unlink()
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    assert "cloned from devkit_tenant_template" in ran.text, ran.text
    for schema in ("guest", "tenant1", "tenant2", "tenant3", "tenant4"):
        assert sql(example, f"SELECT name FROM {schema}.crm_contact") == [(f"seed {schema}",)], schema
    assert not (crm / "needs_sync_sent").exists()
