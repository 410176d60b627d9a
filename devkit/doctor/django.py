"""Django and tenants (settings): DJANGO_SETTINGS_MODULE, the one probe's facts, tenant commands."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

from devkit.core.errors import DevkitError
from devkit.doctor.env import DoctorEnv, Skip
from devkit.doctor.model import Finding, check, fail, ok, warn

CATEGORY = "Django and tenants"
_MANAGE_DEFAULT = re.compile(r"""setdefault\(\s*["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")


def effective_settings_module(manage_py: Path) -> tuple[str | None, str]:
    """(value, where from): the environment wins (even empty), else manage.py's setdefault."""
    if "DJANGO_SETTINGS_MODULE" in os.environ:
        return os.environ["DJANGO_SETTINGS_MODULE"], "the environment"
    try:
        match = _MANAGE_DEFAULT.search(manage_py.read_text())
    except OSError:
        match = None
    return (match.group(1), f"{manage_py.name}'s default") if match else (None, "nowhere")


def module_file(folder: Path, dotted: str) -> Path | None:
    base = folder.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@check("settings-module", CATEGORY, "DJANGO_SETTINGS_MODULE")
def check_settings_module(env: DoctorEnv) -> Finding:
    config = env.need_config()
    manage = config.path(config.manage_py)
    value, source = effective_settings_module(manage)
    if value is None:
        return fail(
            "DJANGO_SETTINGS_MODULE is not set and manage.py sets no default",
            "export DJANGO_SETTINGS_MODULE=yourproject.settings",
        )
    if not value.strip():
        return fail(
            "DJANGO_SETTINGS_MODULE is set but empty (a devcontainer "
            "${localEnv:...} substitution of an unset variable does this)",
            "unset DJANGO_SETTINGS_MODULE, or set it to the settings module "
            "(and give the devcontainer substitution a default)",
        )
    found = module_file(config.manage_dir, value.strip())
    if found is not None:
        return ok(f"{value} (from {source})", details=str(found))
    try:
        facts = env.facts()
    except DevkitError:
        return fail(
            f"DJANGO_SETTINGS_MODULE={value} (from {source}) is not importable from {config.manage_dir}",
            "fix the module path (dotted, relative to manage.py's "
            "folder) or install the package that provides it",
        )
    return ok(f"{value} (from {source}; importable: {facts.get('settings_file')})")


@check("django-settings", CATEGORY, "Django settings load")
def check_django_settings(env: DoctorEnv) -> Finding:
    from devkit.project.django import NoVirtualenv

    try:
        facts = env.facts()
    except NoVirtualenv as exc:
        raise Skip(f"no virtualenv yet ({exc.hint})") from exc
    except DevkitError as exc:
        # classified by devkit.probe_failure: the cause, the fix and the log that exists
        return fail(exc.message, exc.hint or "", details=exc.details or "")
    return ok(
        f"Django {facts['django_version']}, settings {facts['settings_module'] or '?'}",
        details=f"{facts.get('settings_file')} on Python {facts['python_version']}",
    )


@check("system-checks", CATEGORY, "Django system checks")
def check_system_checks(env: DoctorEnv) -> Finding:
    from devkit.project import probe_failure
    from devkit.tenants.preflight import tenant_lines_running_checks

    facts = env.need_facts()
    if "system_checks" not in facts:
        raise Skip("the facts predate the system checks (devkit up refreshes them)")
    errors = [f"{c['id']}: {c['msg']}" for c in facts["system_checks"]]
    if not errors:
        return ok("no errors (database checks not run)")
    lines = tenant_lines_running_checks(env.ctx.config.tenants.sequence_lines(env.ctx.profile), facts)
    failure = probe_failure.system_checks_failure(errors, lines)
    if not lines:
        return warn(
            f"Django's system checks fail ({'; '.join(errors)}); the tenant commands skip them",
            "fix the settings the check ids name; `python manage.py check` shows them",
        )
    return fail(failure.message, failure.hint, details="\n".join(errors))


@check("database-engine", CATEGORY, "Settings database")
def check_database_engine(env: DoctorEnv) -> Finding:
    from devkit.tenants.preflight import POSTGRES_ENGINES

    facts = env.need_facts()
    db = facts["database"]
    engine = db["engine"]
    if not any(name in engine for name in POSTGRES_ENGINES):
        from devkit.tenants.preflight import engine_hint

        return fail(
            f"DATABASES['default'] uses {engine!r}, not PostgreSQL (a silent fallback, "
            "e.g. to SQLite, when the database variables are missing?)",
            engine_hint(env.ctx.config.source, facts),
        )
    if "django_tenants" not in engine:
        return fail(
            f"DATABASES['default'] uses {engine!r}; django-tenants needs its backend",
            "set ENGINE to 'django_tenants.postgresql_backend'",
        )
    try:
        conn = env.connection()
    except DevkitError:
        conn = None  # the database check names the provider problem
    elsewhere = conn is not None and (
        db["name"] != conn.name or (db["port"] and db["port"] != str(conn.port))
    )
    if elsewhere:
        return fail(
            f"the settings point at database {db['name']!r} on port {db['port'] or '?'}, "
            f"devkit provides {conn.name!r} on port {conn.port}",
            "map the connection onto the variables the settings read (database.env)",
        )
    return ok(f"{engine}, database {db['name']!r}", details=f"host {db['host']} port {db['port']}")


def list_names(facts: dict[str, Any]) -> tuple[str, str]:
    """The names of the shared and the tenant app lists: SHARED_APPS and TENANT_APPS, or with
    multi-type tenants (HAS_MULTI_TYPE_TENANTS) the TENANT_TYPES' APPS django-tenants reads instead."""
    if not facts.get("tenant_types"):
        return "SHARED_APPS", "TENANT_APPS"
    return f"TENANT_TYPES[{facts.get('public_schema') or 'public'!r}]['APPS']", "the other TENANT_TYPES' APPS"


@check("tenant-apps", CATEGORY, "django-tenants apps")
def check_tenant_apps(env: DoctorEnv) -> Finding:
    facts = env.need_facts()
    installed = facts["installed_apps"]
    if not facts["django_tenants_installed"]:
        return fail(
            "django_tenants is not in INSTALLED_APPS",
            "add 'django_tenants' first in SHARED_APPS and build INSTALLED_APPS from "
            "SHARED_APPS + TENANT_APPS",
        )
    # An empty string is no app: a project bug of its own (named once, with its line), never an
    # app "missing" from INSTALLED_APPS.
    shared = [a for a in facts["shared_apps"] if a.strip()]
    tenant = [a for a in facts["tenant_apps"] if a.strip()]
    shared_name, tenant_name = list_names(facts)
    problems = []
    # SHARED_APPS must list it (django-tenants' install docs: "mandatory"); multi-type projects
    # may install it beside TENANT_TYPES, as django-tenants' own tenant_multi_types example does
    # (it has no models, so no type needs it for tables).
    if "django_tenants" not in shared and not facts.get("tenant_types"):
        problems.append(f"django_tenants is not in {shared_name}")
    if not tenant:
        problems.append(f"{tenant_name} is empty" + (" (only empty strings)" if facts["tenant_apps"] else ""))
    missing = list(dict.fromkeys(a for a in [*shared, *tenant] if a not in installed))
    if missing:
        problems.append(f"in {shared_name}/{tenant_name} but not INSTALLED_APPS: {', '.join(missing)}")
    unplaced = [a for a in installed if a not in shared and a not in tenant]
    # An app without models has no tables to place (whitenoise.runserver_nostatic, a DEBUG-only
    # helper): django-tenants' router never needs it in either list.
    stray = [a for a in unplaced if _models(facts, a) != 0]
    if stray:
        problems.append(f"in INSTALLED_APPS but neither {shared_name} nor {tenant_name}: {', '.join(stray)}")
    if not any("TenantSyncRouter" in r for r in facts["database_routers"]):
        problems.append("DATABASE_ROUTERS lacks django_tenants.routers.TenantSyncRouter")
    if problems:
        return fail(
            "; ".join(problems),
            "every TENANT_TYPES' APPS in INSTALLED_APPS, django_tenants and the tenant model's app "
            f"in {shared_name} (django-tenants' multi-type docs)"
            if facts.get("tenant_types")
            else "INSTALLED_APPS = SHARED_APPS + [a for a in TENANT_APPS "
            "if a not in SHARED_APPS] (django-tenants install docs)",
        )
    modelless = [a for a in unplaced if a not in stray]
    details = f"in INSTALLED_APPS only, without models (no tables to place): {', '.join(modelless)}"
    blank = _blank_entries(env.config, facts)
    if blank:
        return warn(
            "; ".join(blank),
            "remove the empty string from the list",
            details=details if modelless else "",
        )
    return ok(
        f"{len(shared)} shared, {len(tenant)} tenant apps, TenantSyncRouter",
        details=details if modelless else "",
    )


def _models(facts: dict[str, Any], app: str) -> int | None:
    """How many models the installed app `app` has; None when the facts do not say."""
    entry = next((a for a in facts.get("app_placement") or [] if a.get("name") == app), None)
    return entry.get("models") if entry else None


def _blank_entries(config: Any, facts: dict[str, Any]) -> list[str]:
    """`SETTING holds an empty string (file:line)` for SHARED_APPS / TENANT_APPS."""
    from devkit.project import settings_source

    files = [path for paths in (facts.get("setting_files") or {}).values() for path in paths]
    out = []
    for setting, key in (("SHARED_APPS", "shared_apps"), ("TENANT_APPS", "tenant_apps")):
        if not any(not app.strip() for app in facts.get(key) or []):
            continue
        found = [_relative(config.root, where) for where in settings_source.empty_strings(files, setting)]
        where = ", ".join(found) or "not found in the settings files devkit reads"
        out.append(f"{setting} holds an empty string ({where}), which is not an app")
    return out


def _relative(root: Path, where: str) -> str:
    path, _, line = where.rpartition(":")
    try:
        return f"{Path(path).resolve().relative_to(root.resolve()).as_posix()}:{line}"
    except ValueError:
        return where


@check("tenant-models", CATEGORY, "TENANT_MODEL / TENANT_DOMAIN_MODEL")
def check_tenant_models(env: DoctorEnv) -> Finding:
    facts = env.need_facts()
    # django-tenants' tenant middleware looks the request's domain up; a project that selects its
    # tenants otherwise (a token, a header) may have no domain model: devkit's tenants get none.
    domainless = not facts.get("domain_model") and not any(
        m.get("tenant") for m in facts.get("middleware_classes") or []
    )
    problems = []
    for setting, key in (("TENANT_MODEL", "tenant_model"), ("TENANT_DOMAIN_MODEL", "domain_model")):
        model = facts.get(key)
        if not model and key == "domain_model" and domainless:
            continue
        if not model:
            problems.append(f"{setting} is not set")
        elif model.get("error"):
            problems.append(f"{setting} = {model['label']!r}: {model['error']}")
    if problems:
        return fail(
            "; ".join(problems),
            "set TENANT_MODEL = 'app.Tenant' and TENANT_DOMAIN_MODEL "
            "= 'app.Domain' (models of a SHARED_APPS app)",
        )
    tenant_app = facts["tenant_model"]["label"].split(".")[0]
    # The probe matched each app by name and by AppConfig path ('app_tenant.apps.AppTenantsConfig'
    # lists the app labelled app_tenant); older facts: by the last part of the name.
    placed = {a.get("label"): a.get("shared") for a in facts.get("app_placement") or []}
    shared_labels = {a.rsplit(".", 1)[-1] for a in facts["shared_apps"]}
    if not (placed.get(tenant_app) if tenant_app in placed else tenant_app in shared_labels):
        shared_name = list_names(facts)[0]
        return fail(
            f"the tenant model's app {tenant_app!r} is not in {shared_name}",
            f"add {tenant_app!r} to {shared_name}",
        )
    label = f"{facts['tenant_model']['label']} / " + (
        "no TENANT_DOMAIN_MODEL (no django-tenants tenant middleware: tenants get no domain row)"
        if domainless
        else facts["domain_model"]["label"]
    )
    if not _devkit_creates_tenants(env, facts):
        return ok(label)
    from devkit.core.errors import DevkitError
    from devkit.tenants.fields import fill_note, row_of, tenant_values

    tenants = env.ctx.config.tenants
    rows = [row_of(tenants, spec) for spec in (tenants.super, tenants.guest, *tenants.dev_tenants())]
    try:
        for row in rows:
            tenant_values(facts["tenant_model"], tenants.fields, row)
    except DevkitError as exc:
        return warn(exc.message, exc.hint or "see docs/configuration.md ([tenants.fields])")
    note = fill_note(facts["tenant_model"], tenants.fields, rows)
    return ok(label, details=f"devkit {note}" if note else "")


def _devkit_creates_tenants(env: DoctorEnv, facts: dict[str, Any]) -> bool:
    """devkit creates tenants itself: development tenants, or a builtin/auto super or guest tenant."""
    from devkit.config.model import AUTO_COMMANDS

    tenants = env.ctx.config.tenants
    usable = {tuple(e["argv"]) for e in facts.get("preflight", []) if e.get("ok")}
    lines = {"create_super": tenants.create_super, "create_guest": tenants.create_guest}
    builtin = [
        key
        for key, line in lines.items()
        if line == "builtin" or (line == "auto" and tuple(shlex.split(AUTO_COMMANDS[key])) not in usable)
    ]
    return bool(builtin or tenants.dev_tenants())


@check("tenant-commands", CATEGORY, "Tenant sequence commands")
def check_tenant_commands(env: DoctorEnv) -> Finding:
    from devkit.config.checks import BUILTIN_KEYS
    from devkit.config.model import AUTO_COMMANDS

    facts = env.need_facts()
    verdicts = {tuple(e["argv"]): e for e in facts["preflight"]}
    problems, used = [], []
    builtin_ok = True  # "builtin" is offered only when every failing key accepts it
    for key, line in env.ctx.config.tenants.sequence_lines(env.ctx.profile):
        if line == "builtin":
            used.append(f"{key}: builtin")
            continue
        command = AUTO_COMMANDS[key] if line == "auto" else line
        verdict = verdicts.get(tuple(shlex.split(command)), {"ok": False, "error": "not probed"})
        if verdict["ok"]:
            used.append(command)
        elif line == "auto":
            used.append(f"{key}: builtin (no {command.split()[0]})")
        else:
            problems.append(f"tenants.{key} = {line!r}: {verdict['error']}")
            builtin_ok = builtin_ok and f"tenants.{key}" in BUILTIN_KEYS
    if problems:
        return fail(
            "; ".join(problems),
            f"change the key in {env.config.source} to a command and flags the project "
            "has (`manage.py help <command>`)" + (', or set it to "builtin"' if builtin_ok else ""),
        )
    if not facts["tenant_middleware"]:
        return warn(
            "no tenant middleware in MIDDLEWARE (requests will not select a tenant)",
            "add django_tenants.middleware.main.TenantMainMiddleware first in MIDDLEWARE",
            details="; ".join(used),
        )
    return ok("every command accepts its flags", details="; ".join(used))
