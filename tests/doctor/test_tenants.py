"""Tenant checks against the real database: deleted guest schema, missing tenant/superuser, migrations."""

from __future__ import annotations

from pathlib import Path

from tests.doctor.conftest import doctor, edited, sql

MIGRATION = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_sku_is_active")]
    operations = []
"""


def test_deleted_guest_schema_fixed(project: Path) -> None:
    sql(project, "DROP SCHEMA guest CASCADE")
    broken = doctor(project, "django")
    tenants = broken.checks["tenants"]
    assert broken.ran.code == 1 and tenants["status"] == "problem"
    assert "schema 'guest' does not exist" in tenants["finding"]
    assert tenants["fix"] and "nothing is deleted" in tenants["fix"]

    fixed = doctor(project, "django", "--fix", "--no-input")
    assert fixed.ran.code == 0, fixed.ran.err
    assert fixed.status("tenants") == "ok" and fixed.status("migrations") == "ok"
    assert sql(project, "SELECT 1 FROM pg_namespace WHERE nspname = 'guest'") == [(1,)]


def test_missing_guest_tenant_fixed(project: Path) -> None:
    sql(
        project,
        "DELETE FROM customers_domain WHERE tenant_id IN "
        "(SELECT id FROM customers_client WHERE schema_name = 'guest')",
    )
    sql(project, "DELETE FROM customers_client WHERE schema_name = 'guest'")
    sql(project, "DROP SCHEMA guest CASCADE")
    missing = doctor(project, "tenants")
    assert "no guest tenant" in missing.checks["tenants"]["finding"]
    assert missing.checks["tenants"]["fix"]

    fixed = doctor(project, "django", "--fix", "--no-input")
    assert fixed.ran.code == 0, fixed.ran.err
    assert fixed.status("tenants") == "ok" and fixed.status("migrations") == "ok"
    assert sql(project, "SELECT 1 FROM pg_namespace WHERE nspname = 'guest'") == [(1,)]


def test_missing_superuser_fixed(project: Path) -> None:
    sql(project, "DELETE FROM auth_user WHERE username = 'admin'")
    broken = doctor(project, "superuser")
    assert broken.checks["superuser"]["status"] == "problem"
    assert "'admin' does not exist" in broken.checks["superuser"]["finding"]
    fixed = doctor(project, "superuser", "--fix", "--no-input")
    assert fixed.status("superuser") == "ok", fixed.ran.err


def test_pending_migrations_counted_per_schema(project: Path) -> None:
    with edited(project / "backend/catalog/migrations/0003_doctor_pending.py", MIGRATION):
        result = doctor(project, "migrations")
    check = result.checks["migrations"]
    assert result.ran.code == 1 and check["status"] == "problem"
    assert "guest: 1" in check["finding"] and "public: 1" in check["finding"]
    assert "catalog.0003_doctor_pending" in check["details"]
    assert "migrate_schemas" in check["hint"]
    assert check["fix"] is None  # migrating can drop data: never a --fix


def test_valid_schema_names_are_counted_once(project: Path) -> None:
    """Met outside the corpus: "4 schema names valid" with two schemas (the configured super and
    guest were counted again as rows)."""
    result = doctor(project, "schema-names")
    assert result.checks["schema-names"]["finding"] == "2 schema names valid", result.checks["schema-names"]


def test_invalid_schema_name(project: Path) -> None:
    config = project / "devkit.toml"
    with edited(
        config,
        config.read_text() + '\n[tenants.guest]\nschema = "Guest-1"\n'
        'name = "Guest"\ndomain = "guest.localhost"\n',
    ):
        result = doctor(project, "config", "schema-names")
    # Refused while reading the configuration, so nothing can ever run with it.
    check = result.checks["config"]
    assert check["status"] == "problem" and "'Guest-1'" in check["finding"]
    assert "tenants.guest.schema" in check["finding"] and "lowercase" in check["finding"]
    assert result.status("schema-names") == "skipped"
