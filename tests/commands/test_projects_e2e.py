"""End-to-end on the fixture projects of tests/projects/ (the patterns of issue 11).

Each test: `devkit init --no-input` -> `devkit doctor` -> `devkit up`, the expected outcome (green,
or a refusal naming the cause and the fix), then the outcome in the database. Real PostgreSQL
(devkit's native provider), real pip (the example's pinned requirements, so the cache serves them).
Run with `-s` to see the cold/warm times of `up` ([fixture-times] lines); nothing asserts them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from devkit.core import envfile
from devkit.core.jsonc import loads
from tests.support.project import REPO, Ran, devkit, stop_native

pytestmark = pytest.mark.e2e

PROJECTS = REPO / "tests" / "projects"
NATIVE = {"DEVKIT_DATABASE_PROVIDER": "native"}  # documented override; never a developer's DB


@pytest.fixture
def copy_project(reachable_tmp: Path) -> Iterator[Callable[[str], Path]]:
    """A copy of tests/projects/<name>; the native server devkit starts in it is stopped after."""
    made: list[Path] = []

    def copy(name: str) -> Path:
        dest = reachable_tmp / name
        shutil.copytree(PROJECTS / name, dest, ignore=shutil.ignore_patterns("__pycache__"))
        made.append(dest)
        return dest

    yield copy
    for dest in made:
        stop_native(dest)


def run(*args: str, project: Path, env: dict[str, str] | None = None) -> Ran:
    return devkit(*args, project=project, env={**NATIVE, **(env or {})})


def timed_up(project: Path, env: dict[str, str] | None = None) -> tuple[Ran, float]:
    started = time.monotonic()
    ran = run("up", "--no-input", project=project, env=env)
    return ran, time.monotonic() - started


def add_keys(project: Path, table: str, lines: str) -> None:
    """Put `lines` into [table] of the devkit.toml init wrote (the table is made if missing)."""
    path = project / "devkit.toml"
    text = path.read_text()
    header = f"[{table}]"
    if re.search(rf"(?m)^{re.escape(header)}$", text):
        text = re.sub(rf"(?m)^{re.escape(header)}$", f"{header}\n{lines}", text, count=1)
    else:
        text += f"\n{header}\n{lines}\n"
    path.write_text(text)


def doctor(project: Path, env: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    ran = run("doctor", "--json", project=project, env=env)
    assert ran.code in (0, 1), ran.text
    return {c["name"]: c for c in json.loads(ran.out)["checks"]}


def url_of(project: Path) -> str:
    ran = run("db", "url", project=project)
    assert ran.code == 0, ran.text
    return ran.out.strip()


def tenant_state(url: str) -> dict[str, object]:
    with psycopg.connect(url) as db:
        tenants = sorted(db.execute("SELECT schema_name, name FROM customers_client").fetchall())
        domains = sorted(r[0] for r in db.execute("SELECT domain FROM customers_domain"))
        schemas = {r[0] for r in db.execute("SELECT nspname FROM pg_namespace")}
        users = {}
        for schema in ("public", "guest"):
            if db.execute("SELECT to_regclass(%s)", (f"{schema}.auth_user",)).fetchone()[0]:
                rows = db.execute(f"SELECT username, is_superuser FROM {schema}.auth_user")
                users[schema] = sorted(rows.fetchall())
    return {"tenants": tenants, "domains": domains, "schemas": schemas, "users": users}


def times(name: str, first: float, green: float | None, warm: float) -> None:
    """first: the first `up` of the copy (venv, database, pip from its cache); green: the first
    run that ends ready (after the configuration the test adds); warm: nothing changed."""
    done = f"first green up {green:.1f}s, " if green is not None else ""
    print(f"\n[fixture-times] {name}: first up {first:.1f}s, {done}warm up {warm:.1f}s")


def assert_refusal(ran: Ran, *needles: str) -> None:
    """Exit 1 naming the cause, no traceback flood."""
    assert ran.code == 1, ran.text
    for needle in needles:
        assert needle in ran.text, (needle, ran.text)
    assert "Traceback" not in ran.text and "this is a devkit bug" not in ran.text


def assert_green(ran: Ran) -> None:
    assert ran.code == 0, ran.text
    assert "ready in" in ran.text


def assert_warm(project: Path) -> float:
    ran, seconds = timed_up(project)
    assert_green(ran)
    assert not re.search(r"(?m)^\S+\s+✓ ran", ran.out), ran.out  # every step up to date
    return seconds


def test_settings_package_empty_module_then_fallback_then_green(copy_project: Callable[[str], Path]) -> None:
    """Settings package (base/development/production), DJANGO_SETTINGS_MODULE from the
    environment (empty through the devcontainer's ${localEnv:DEV_DJANGO_SETTINGS_MODULE}),
    os.getenv with a SQLite fallback for the engine, a devcontainer with DB_HOST=db."""
    project = copy_project("settings-package")
    assert devkit("init", "--no-input", project=project).code == 0  # provider: the default, auto
    config = (project / "devkit.toml").read_text()
    assert 'DB_HOST = "{host}"' in config  # read from settings/base.py, not development.py

    checks = doctor(project)  # before the first up: nothing to boot Django with, and no log
    assert checks["django-settings"]["finding"] == "not checked: no virtualenv yet (`devkit up` creates it)"
    assert checks["devcontainer"]["status"] == "warning"  # ${localEnv:...} without a default
    assert (
        '"${localEnv:DEV_DJANGO_SETTINGS_MODULE:mysite.settings.development}"'
        in (checks["devcontainer"]["hint"])
    )
    empty = {"DJANGO_SETTINGS_MODULE": ""}
    checks = doctor(project, empty)
    assert checks["settings-module"]["status"] == "problem"
    assert "empty" in checks["settings-module"]["finding"]
    assert "DJANGO_SETTINGS_MODULE is set but empty" in checks["django-settings"]["finding"]

    first, cold = timed_up(project, empty)
    assert_refusal(
        first,
        "DJANGO_SETTINGS_MODULE is set but empty",
        "DEV_DJANGO_SETTINGS_MODULE",
        "export DJANGO_SETTINGS_MODULE=mysite.settings.development",
    )
    checks = doctor(project, empty)
    assert "DJANGO_SETTINGS_MODULE is set but empty" in checks["django-settings"]["finding"]

    # manage.py's default applies: the engine falls back to SQLite without DB_ENGINE.
    assert_refusal(
        run("up", "--no-input", project=project),
        "'django.db.backends.sqlite3'",
        'DB_ENGINE = "django_tenants.postgresql_backend" to [database.env]',
    )

    add_keys(project, "database.env", 'DB_ENGINE = "django_tenants.postgresql_backend"')
    green, seconds = timed_up(project)
    assert_green(green)
    assert "create_guest (devkit builtin: created)" in " ".join(green.out.split())
    state = tenant_state(url_of(project))
    assert state["tenants"] == [("guest", "Guest"), ("public", "Public")]
    assert state["domains"] == ["guest.localhost", "localhost"]
    assert {"public", "guest"} <= state["schemas"]
    assert state["users"] == {"public": [("admin", True)]}  # auth is shared only
    times("settings-package", cold, seconds, assert_warm(project))
    again = run("up", "--no-input", "--json", "--force", "tenants", project=project)
    assert again.code == 0, again.text
    detail = {s["name"]: s["detail"] for s in json.loads(again.out)["steps"]}["tenants"]
    assert "create_super (devkit builtin: kept)" in detail and "superuser (devkit builtin: kept)" in detail
    logs = project / ".devkit" / "logs"
    runs = [p for p in logs.glob("*/tenants-*-create_guest.log") if p.parent.name != "latest"]
    assert len(runs) == 2  # one per run, each in its own folder
    assert "kept tenant 'guest'" in next((logs / "latest").glob("tenants-*-create_guest.log")).read_text()

    # Inside the devcontainer's environment on this host: DB_HOST=db does not resolve here.
    devcontainer = loads((project / ".devcontainer/devcontainer.json").read_text())["containerEnv"]
    devcontainer.pop("DJANGO_SETTINGS_MODULE")  # the database step comes first either way
    ran = devkit("up", "--no-input", project=project, env=devcontainer)  # auto: the environment's
    assert ran.code == 3, ran.text
    assert "'db'" in ran.text and "Traceback" not in ran.text


def test_tenant_users_own_superuser_command_and_per_tenant_users(copy_project: Callable[[str], Path]) -> None:
    """python-decouple, django.contrib.auth in SHARED_APPS and TENANT_APPS, a TenantMainMiddleware
    subclass, tenant commands without --no-input whose create_super_tenant creates `admin`."""
    project = copy_project("tenant-users")
    assert devkit("init", "--no-input", project=project).code == 0  # provider: the default, auto
    checks = doctor(project)
    assert checks["django-settings"]["status"] == "skipped"

    first, cold = timed_up(project)
    # config("DB_ENGINE", default="").strip() or "django.db.backends.sqlite3"
    assert_refusal(first, "'django.db.backends.sqlite3'", "the settings choose the engine from DB_ENGINE")

    add_keys(project, "database.env", 'DB_ENGINE = "django_tenants.postgresql_backend"')
    # The project's own commands (they take no --no-input); its create_super_tenant makes admin.
    add_keys(project, "tenants", 'create_super = "create_super_tenant"\ncreate_guest = "create_guest_tenant"')
    green, seconds = timed_up(project)
    assert_green(green)
    assert "IntegrityError" not in green.text
    state = tenant_state(url_of(project))
    assert state["tenants"] == [("guest", "Guest"), ("public", "Public")]
    # The superuser exists wherever the user table is: public (by the project) and guest (devkit).
    assert state["users"] == {"public": [("admin", True)], "guest": [("admin", True)]}
    logs = project / ".devkit" / "logs" / "latest"
    superuser_log = next(logs.glob("tenants-*-superuser.log")).read_text()
    # The project's command made 'admin' with a password devkit cannot know: devkit sets the one it
    # stores and reports, so the reported password authenticates (it never replaces it again).
    assert "set a new password for superuser 'admin' in schema 'public'" in superuser_log
    assert "created superuser 'admin' in schema 'guest'" in superuser_log

    checks = doctor(project)
    assert checks["superuser"]["status"] == "ok", checks["superuser"]
    assert "guest" in checks["superuser"]["finding"]
    assert checks["tenant-commands"]["status"] == "ok", checks["tenant-commands"]  # the subclass counts
    times("tenant-users", cold, seconds, assert_warm(project))

    # The superuser removed from the guest schema only: up and doctor see it.
    url = url_of(project)
    with psycopg.connect(url) as db:
        db.execute("DELETE FROM guest.auth_user")
    assert doctor(project)["superuser"]["status"] == "problem"
    repaired = run("up", "--no-input", project=project)
    assert_green(repaired)
    assert tenant_state(url)["users"]["guest"] == [("admin", True)]


def test_superuser_creation_tolerates_a_concurrent_creator(copy_project: Callable[[str], Path]) -> None:
    """Another process creates the same user between devkit's look and its insert: devkit's
    insert waits on the unique index, then gets the unique violation; it re-reads, keeps the user."""
    project = copy_project("tenant-users")
    assert devkit("init", "--no-input", project=project).code == 0  # provider: the default, auto
    add_keys(project, "database.env", 'DB_ENGINE = "django_tenants.postgresql_backend"')
    assert_green(run("up", "--no-input", project=project))
    url = url_of(project)
    with psycopg.connect(url) as db:
        db.execute("DELETE FROM guest.auth_user")
    other = psycopg.connect(url)  # the concurrent creator: inserted, not yet committed
    other.execute(
        "INSERT INTO guest.auth_user (password, is_superuser, username, first_name, last_name, email,"
        " is_staff, is_active, date_joined) VALUES ('!', true, 'admin', '', '', '', true, true, now())"
    )
    fixing = subprocess.Popen(
        [sys.executable, "-m", "devkit", "doctor", "--fix", "--no-input", "superuser", "--project", project],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **NATIVE},
    )
    try:
        with psycopg.connect(url, autocommit=True) as watch:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and fixing.poll() is None:
                waiting = watch.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]
                if waiting:
                    break
                time.sleep(0.05)
            assert fixing.poll() is None, fixing.communicate()[0]
        other.commit()
    finally:
        other.close()
    out, _ = fixing.communicate(timeout=120)
    assert fixing.returncode == 0, out
    assert "IntegrityError" not in out
    log = next((project / ".devkit" / "logs" / "latest").glob("tenants-*-superuser.log")).read_text()
    assert "kept superuser 'admin' in schema 'guest' (created concurrently by another process)" in log
    assert tenant_state(url)["users"]["guest"] == [("admin", True)]


def test_tenants_commented_out_is_refused_before_anything_runs(copy_project: Callable[[str], Path]) -> None:
    """django_tenants commented out of INSTALLED_APPS while create_*_tenant commands exist."""
    project = copy_project("tenants-commented-out")
    assert devkit("init", "--no-input", project=project).code == 0  # provider: the default, auto
    ran, cold = timed_up(project)
    assert_refusal(ran, "django_tenants is not in INSTALLED_APPS")
    checks = doctor(project)
    assert checks["tenant-apps"]["status"] == "problem"
    assert "django_tenants is not in INSTALLED_APPS" in checks["tenant-apps"]["finding"]
    assert "Unknown command: 'migrate_schemas'" in checks["tenant-commands"]["finding"]
    # no hint of the same report suggests running what that check found unknown
    for check in checks.values():
        assert "devkit up (runs" not in (check["hint"] or ""), check
    # Nothing of the tenant sequence ran: no tables, no schemas but public.
    with psycopg.connect(url_of(project)) as db:
        tables = db.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        assert tables.fetchone()[0] == 0
        assert db.execute("SELECT to_regnamespace('guest')").fetchone()[0] is None
    again, warm = timed_up(project)
    assert_refusal(again, "django_tenants is not in INSTALLED_APPS")
    times("tenants-commented-out (refused)", cold, None, warm)


def test_secret_key_then_system_checks_then_skip_checks_green(copy_project: Callable[[str], Path]) -> None:
    """SECRET_KEY only from the environment (empty -> ImproperlyConfigured): the env step generates
    one into the env file; STORAGES without `staticfiles` (staticfiles.E005) then fails every
    command that runs the system checks."""
    project = copy_project("system-checks")
    assert devkit("init", "--no-input", project=project).code == 0  # provider: the default, auto
    checks = doctor(project)  # before the first up: no venv, nothing loaded
    assert checks["django-settings"]["status"] != "ok"

    first, cold = timed_up(project)
    assert_refusal(first, "staticfiles.E005", "migrate_schemas --shared", "--skip-checks")
    assert "generated SECRET_KEY" in first.text
    generated = envfile.read_values(project / ".env")["SECRET_KEY"]
    assert len(generated) >= 50 and generated not in first.text
    checks = doctor(project)
    assert checks["django-settings"]["status"] == "ok"
    assert checks["system-checks"]["status"] == "problem"
    assert "staticfiles.E005" in checks["system-checks"]["finding"]
    assert "--skip-checks" in checks["system-checks"]["hint"]

    add_keys(
        project,
        "tenants",
        'migrate_shared = "migrate_schemas --shared --skip-checks"\n'
        'migrate_tenants = "migrate_schemas --tenant --skip-checks"',
    )
    green, seconds = timed_up(project)
    assert_green(green)
    state = tenant_state(url_of(project))
    assert state["tenants"] == [("guest", "Guest"), ("public", "Public")]
    assert state["users"] == {"public": [("admin", True)]}
    checks = doctor(project)
    assert checks["system-checks"]["status"] == "warning"  # still failing, but skipped by the commands
    warm, warm_seconds = timed_up(project)
    assert_green(warm)
    times("system-checks", cold, seconds, warm_seconds)


def test_pkg_resources_without_setuptools_goes_green(copy_project: Callable[[str], Path]) -> None:
    """Old code importing pkg_resources without declaring setuptools (python -m venv has it < 3.12)."""
    project = copy_project("pkg-resources")
    assert devkit("init", "--no-input", project=project).code == 0  # provider: the default, auto
    ran, cold = timed_up(project)
    assert_green(ran)
    assert tenant_state(url_of(project))["tenants"] == [("guest", "Guest"), ("public", "Public")]
    times("pkg-resources", cold, cold, assert_warm(project))


def _check_password(project: Path, login: str, schema: str = "public") -> str:
    """Whether the stored development password authenticates `login` (through the project's Django)."""
    password = json.loads((project / ".devkit" / "secrets.json").read_text())["superuser.password"]
    code = (
        "import os; from django.contrib.auth import get_user_model; from django_tenants.utils import "
        f"schema_context\nwith schema_context({schema!r}):\n"
        f"    print('AUTH', get_user_model().objects.get(email={login!r}).check_password(os.environ['PW']))"
    )
    argv = ["--project", str(project), "run", "--", "python", str(project / "manage.py"), "shell", "-c", code]
    return devkit(*argv, env={**NATIVE, "PW": password}).text


def test_a_user_model_that_logs_in_by_email_gets_its_superuser(copy_project: Callable[[str], Path]) -> None:
    """Issue 29: USERNAME_FIELD = "email", REQUIRED_FIELDS with a name and a date, a manager that
    takes them as positional parameters: devkit passes each field once, with a value of its type,
    and the new password (shown once, naming the login) authenticates. No configuration."""
    import datetime

    project = copy_project("custom-users")
    assert devkit("init", "--no-input", project=project).code == 0
    green = run("up", "--no-input", project=project)
    assert_green(green)
    assert "'admin@example.com' has the new password" in green.text, green.text
    year = (datetime.date.today() + datetime.timedelta(days=365)).isoformat()
    with psycopg.connect(url_of(project)) as db:
        rows = db.execute(
            "SELECT email, full_name, birth_date::text, is_superuser FROM accounts_user"
        ).fetchall()
    assert rows == [("admin@example.com", "Admin", year, True)], rows
    assert "AUTH True" in _check_password(project, "admin@example.com")
    assert_warm(project)  # verified as the user table holds it: the login is the email


def test_a_user_model_only_in_the_tenant_apps_gets_a_superuser_per_tenant(
    copy_project: Callable[[str], Path],
) -> None:
    """Issue 29: auth and the custom user model only in TENANT_APPS (users per tenant, none in
    public): the superuser is made in each tenant schema that holds the user table."""
    project = copy_project("custom-users")
    settings = project / "mysite" / "settings.py"
    text = settings.read_text().replace('    "django.contrib.auth",\n    "accounts",\n', "")
    text = text.replace('    "django.contrib.admin",\n', "")  # admin's log entries point at the users
    text = text.replace(
        'TENANT_APPS = ["django.contrib.contenttypes"]',
        'TENANT_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "accounts"]',
    )
    settings.write_text(text)
    assert devkit("init", "--no-input", project=project).code == 0
    green = run("up", "--no-input", project=project)
    assert_green(green)
    with psycopg.connect(url_of(project)) as db:
        assert db.execute("SELECT to_regclass('public.accounts_user')").fetchone()[0] is None
        rows = db.execute("SELECT email, is_superuser FROM guest.accounts_user").fetchall()
    assert rows == [("admin@example.com", True)], rows
    assert "AUTH True" in _check_password(project, "admin@example.com", "guest")


def test_the_environment_is_read_from_the_settings_themselves(copy_project: Callable[[str], Path]) -> None:
    """Issue 25 #3 #4: DATABASES read through a settings helper in a module imported absolutely,
    a second alias from a URL, no PORT; the settings load mysite/.env.local themselves; the
    example beside it switches them to development; LOGGING writes into logs/. `init` + `up`:
    green, with what devkit did said, and nothing to do on the next run."""
    project = copy_project("env-reading")
    assert devkit("init", "--no-input", project=project).code == 0
    green = run("up", "--no-input", project=project)
    assert_green(green)
    config = (project / "devkit.toml").read_text()
    for line in ('APP_DB = "{name}"', 'APP_DB_USER = "{user}"', 'APP_DB_SECRET = "{password}"',
                 'APP_DB_SERVER = "{host}"', 'AUDIT_DATABASE_URL = "{url}"', 'PGPORT = "{port}"',
                 'env_file = "mysite/.env.local"'):  # fmt: skip
        assert line in config, (line, config)
    env = (project / "mysite" / ".env.local").read_text()
    assert "DJANGO_ENV=development" in env and "FEATURE_FLAGS=reports,exports" in env, env
    assert "SECRET_KEY=change-me" not in env and re.search(r"(?m)^SECRET_KEY=\S{40,}", env), env
    # the database's variables are devkit's block's: the example's line devkit copied is retired
    assert not re.search(r"(?m)^APP_DB=myproject", env) and "# APP_DB=myproject" in env, env
    assert (project / "mysite" / ".env.local").stat().st_mode & 0o777 == 0o600
    assert (project / "logs").is_dir() and not (project / ".env").exists()
    assert "generated SECRET_KEY" in green.text and "mysite/.env.local" in green.text, green.text
    state = tenant_state(url_of(project))
    assert state["tenants"] == [("guest", "Guest"), ("public", "Public")]
    warm = run("up", "--no-input", project=project)
    assert_green(warm)
    assert re.search(r"env\s+skipped", warm.out), warm.out


def test_multi_type_tenants_get_a_tenant_type_and_only_its_apps(copy_project: Callable[[str], Path]) -> None:
    """django-tenants' multi-type tenants (HAS_MULTI_TYPE_TENANTS, TENANT_TYPES, the type in a
    field of the tenant model whose first choice is the public type): the public tenant gets the
    public type; the guest and the development tenants the first other type, so their schemas
    get that type's apps and not the tenant registry. Development tenants are migrated (a cloned
    template would have no type). No configuration beyond the number of development tenants."""
    project = copy_project("multi-type")
    assert devkit("init", "--no-input", project=project).code == 0
    add_keys(project, "tenants", "dev_count = 2")
    green = run("up", "--no-input", project=project)
    assert_green(green)
    assert "type='public' for the public tenant, 'shop' for the others" in green.text, green.text
    with psycopg.connect(url_of(project)) as db:
        types = db.execute("SELECT schema_name, type FROM customers_client ORDER BY id").fetchall()
        tables = db.execute(
            "SELECT schemaname, string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
            "WHERE tablename IN ('customers_client', 'shop_product') GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert types == [("public", "public"), ("guest", "shop"), ("tenant1", "shop"), ("tenant2", "shop")]
    assert tables == [
        ("guest", "shop_product"),
        ("public", "customers_client"),
        ("tenant1", "shop_product"),
        ("tenant2", "shop_product"),
    ], tables
    # The docs and doctor read TENANT_TYPES' APPS, which the router uses instead of the two lists.
    written = (project / ".github" / "copilot-instructions.md").read_text()
    assert "all data is in `public`" not in written and "`TENANT_APPS` = (empty)" not in written
    assert "| `shop` | the schema of every tenant of type `shop` (not in `public`) |" in written, written
    assert "- `shop`: `django.contrib.contenttypes`, `django.contrib.auth`, `shop`" in written
    checks = doctor(project)
    assert checks["tenant-apps"]["status"] == "ok", checks["tenant-apps"]
    assert checks["tenant-models"]["status"] == "ok", checks["tenant-models"]
    assert_warm(project)


def test_a_tenant_per_path_gets_docs_that_say_where_each_tenant_is(
    copy_project: Callable[[str], Path],
) -> None:
    """django-tenants' TenantSubfolderMiddleware (TENANT_SUBFOLDER_PREFIX): the probe reports
    the library's routing, not the project's code, and the generated instructions say which path
    reaches each development tenant and what any other path gets (checked against a real
    runserver when this was built: `/` is the public tenant's whatever the Host,
    `/clients/guest.localhost/` the guest's, `/clients/nope/` a 404)."""
    project = copy_project("custom-users")
    settings = project / "mysite" / "settings.py"
    text = settings.read_text().replace(
        "django_tenants.middleware.main.TenantMainMiddleware",
        "django_tenants.middleware.TenantSubfolderMiddleware",
    )
    settings.write_text(text + 'TENANT_SUBFOLDER_PREFIX = "clients"\n')
    assert devkit("init", "--no-input", project=project).code == 0
    assert_green(run("up", "--no-input", project=project))
    written = (project / ".github" / "copilot-instructions.md").read_text()
    assert "`/clients/<name>/…` is the tenant whose domain is `<name>`" in written, written
    assert "`guest` (`/clients/guest.localhost/`: a tenant's path names its domain)" in written
    assert (
        "by IP get the public tenant's URLs for any path outside `/clients/`, whatever their Host" in written
    )
    assert "the project's own code" not in written


def test_a_project_without_a_domain_model_gets_tenants_without_domains(
    copy_project: Callable[[str], Path],
) -> None:
    """Met outside the corpus: a project that selects its tenant from a token sets no
    TENANT_DOMAIN_MODEL and no django-tenants middleware; devkit's creation crashed
    (AttributeError). Its tenants are now made without domain rows, and it says so."""
    project = copy_project("custom-users")
    settings = project / "mysite" / "settings.py"
    text = settings.read_text().replace('TENANT_DOMAIN_MODEL = "customers.Domain"\n', "")
    text = text.replace('    "django_tenants.middleware.main.TenantMainMiddleware",\n', "")
    settings.write_text(text)
    assert devkit("init", "--no-input", project=project).code == 0
    green = run("up", "--no-input", project=project)
    assert_green(green)
    assert "the project sets no TENANT_DOMAIN_MODEL: tenant 'guest' has no domain row" in green.text, (
        green.text
    )
    with psycopg.connect(url_of(project)) as db:
        schemas = db.execute("SELECT schema_name FROM customers_client ORDER BY id").fetchall()
        domains = db.execute("SELECT count(*) FROM customers_domain").fetchone()
    assert schemas == [("public",), ("guest",)] and domains == (0,)
    checks = doctor(project)
    assert checks["tenant-models"]["status"] == "ok", checks["tenant-models"]
    written = (project / ".github" / "copilot-instructions.md").read_text()
    assert "without domain rows (the project sets no `TENANT_DOMAIN_MODEL`)" in written
    assert_warm(project)


def test_apps_listed_by_their_appconfig_path_are_placed_by_label(copy_project: Callable[[str], Path]) -> None:
    """Met outside the corpus: SHARED_APPS lists 'customers.apps.CustomersConfig'; doctor said
    the tenant model's app was not in SHARED_APPS (and its fix broke Django)."""
    project = copy_project("custom-users")
    settings = project / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text().replace('    "customers",\n', '    "customers.apps.CustomersConfig",\n', 1)
    )
    assert devkit("init", "--no-input", project=project).code == 0
    assert_green(run("up", "--no-input", project=project))
    checks = doctor(project)
    assert checks["tenant-models"]["status"] == "ok", checks["tenant-models"]
    assert checks["tenant-apps"]["status"] == "ok", checks["tenant-apps"]
