"""Django settings checks: DJANGO_SETTINGS_MODULE, SQLite fallback, apps, models, tenant commands."""

from __future__ import annotations

from pathlib import Path

from tests.doctor.conftest import doctor, edited
from tests.support.project import devkit

SETTINGS = Path("backend/config/settings.py")
TENANT_BASE = Path("backend/customers/management/commands/_tenant_base.py")


def test_empty_settings_module_is_an_error(project: Path) -> None:
    result = doctor(project, "django", env={"DJANGO_SETTINGS_MODULE": ""})
    check = result.checks["settings-module"]
    assert result.ran.code == 1 and check["status"] == "problem"
    assert "set but empty" in check["finding"]
    assert "unset DJANGO_SETTINGS_MODULE" in check["hint"]
    assert result.status("tenant-apps") == "skipped"


def test_settings_module_not_importable(project: Path) -> None:
    result = doctor(project, "django", env={"DJANGO_SETTINGS_MODULE": "config.nope"})
    check = result.checks["settings-module"]
    assert check["status"] == "problem" and "not importable" in check["finding"]
    assert result.checks["django-settings"]["status"] == "problem"
    assert "No module named 'config.nope'" in result.checks["django-settings"]["finding"]


def test_sqlite_fallback_is_an_error(project: Path) -> None:
    settings = project / SETTINGS
    fallback = settings.read_text() + (
        '\nDATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", '
        '"NAME": BASE_DIR / "db.sqlite3"}}\n'
    )
    with edited(settings, fallback):
        result = doctor(project, "django")
    check = result.checks["database-engine"]
    assert result.ran.code == 1 and check["status"] == "problem"
    assert "sqlite3" in check["finding"] and "not PostgreSQL" in check["finding"]
    assert "database.env" in check["hint"]


def test_tenant_command_without_no_input(project: Path) -> None:
    base = project / TENANT_BASE
    text = base.read_text()
    assert '"--no-input", "--noinput"' in text
    with edited(base, text.replace('"--no-input", "--noinput"', '"--noinput"')):
        result = doctor(project, "tenant-commands")
    check = result.checks["tenant-commands"]
    assert result.ran.code == 1 and check["status"] == "problem"
    assert "tenants.create_super = 'create_super_tenant --no-input'" in check["finding"]
    assert "unrecognized arguments: --no-input" in check["finding"]
    assert "builtin" in check["hint"]


def test_django_tenants_missing_from_apps(project: Path) -> None:
    settings = project / SETTINGS
    text = settings.read_text()
    with edited(settings, text.replace('    "django_tenants",\n', "", 1)):
        result = doctor(project, "django")
    apps = result.checks["tenant-apps"]
    assert apps["status"] == "problem" and "django_tenants is not in INSTALLED_APPS" in apps["finding"]
    commands = result.checks["tenant-commands"]
    assert commands["status"] == "problem"
    assert "Unknown command: 'migrate_schemas'" in commands["finding"]


def test_tenant_domain_model_unset(project: Path) -> None:
    settings = project / SETTINGS
    with edited(settings, settings.read_text() + '\nTENANT_DOMAIN_MODEL = "customers.Nope"\n'):
        result = doctor(project, "tenant-models")
    check = result.checks["tenant-models"]
    assert check["status"] == "problem" and "TENANT_DOMAIN_MODEL" in check["finding"]
    assert "TENANT_DOMAIN_MODEL" in check["hint"]


def test_required_tenant_fields_are_said_to_be_filled_by_devkit(project: Path) -> None:
    """django-tenants' documented tenant model: paid_until has no default. With devkit creating
    tenants itself (development tenants here), doctor says which values devkit fills (issue 29);
    with [tenants.fields], those are used."""
    from tests.tenants.test_dev_tenants import REQUIRED, REQUIRED_MIGRATION

    models = project / "backend" / "customers" / "models.py"
    migration = project / "backend" / "customers" / "migrations" / "0001_initial.py"
    config = project / "devkit.toml"
    with (
        edited(models, models.read_text().replace(*REQUIRED)),
        edited(migration, migration.read_text().replace(*REQUIRED_MIGRATION)),
        edited(config, config.read_text().replace("[tenants]\n", "[tenants]\ndev_count = 1\n", 1)),
    ):
        result = doctor(project, "tenant-models")
        check = result.checks["tenant-models"]
        assert check["status"] == "ok", check
        assert "paid_until=a year from today" in check["details"] and "on_trial=false" in check["details"], (
            check
        )
        given = "\n[tenants.fields]\npaid_until = 2099-12-31\non_trial = true\n"
        with edited(config, config.read_text() + given):
            check = doctor(project, "tenant-models").checks["tenant-models"]
            assert check["status"] == "ok" and "paid_until" not in (check.get("details") or ""), check


def test_what_up_accepts_is_no_problem_for_doctor(project: Path) -> None:
    """Issue 26 #9: an empty string in TENANT_APPS (INSTALLED_APPS filters it out) and a
    development-only app without models in INSTALLED_APPS alone: `devkit up` is ready, so doctor
    exits 0; the empty string is named once, with its file and line, as a warning."""
    settings = project / SETTINGS
    text = settings.read_text()
    edited_text = text.replace(
        'TENANT_APPS = [\n    "django.contrib.contenttypes",\n',
        'TENANT_APPS = [\n    "",\n    "django.contrib.contenttypes",\n',
        1,
    )
    edited_text = edited_text.replace(
        "INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]\n",
        "INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app and app not in SHARED_APPS]\n"
        'if env_bool("DJANGO_DEV_APPS", default=True):  # development only, no models\n'
        '    INSTALLED_APPS.insert(0, "django.contrib.humanize")\n',
        1,
    )
    assert edited_text.count('"",') == 1 and "humanize" in edited_text
    line = edited_text.splitlines().index('    "",') + 1
    with edited(settings, edited_text):
        ran = devkit("up", "--no-input", "--skip", "node-deps", project=project)
        assert ran.code == 0, ran.text
        result = doctor(project)
    check = result.checks["tenant-apps"]
    assert result.ran.code == 0, result.problems()
    assert check["status"] == "warning", check
    assert check["finding"].count("empty string") == 1
    assert f"TENANT_APPS holds an empty string (backend/config/settings.py:{line})" in check["finding"]
    assert "not INSTALLED_APPS" not in check["finding"] and "humanize" not in check["finding"]
    assert "django.contrib.humanize" in check["details"]
