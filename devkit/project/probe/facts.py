# Run inside the project's Django (manage.py shell -c); writes one JSON document to
# $DEVKIT_PROBE_OUT. Standard library + Django only. See docs/contract.md "Probe facts".
import importlib
import json
import os
import runpy
import sys

import django
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.db.migrations.loader import MigrationLoader


def _plain(value):
    """A default or a choice as JSON can carry it (dates as ISO text), else None."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return None


def _field_class(field):
    """The nearest Django field class of `field` (EmailField, not the CharField it stores as; a
    project's own subclass of EmailField counts as one)."""
    for cls in type(field).__mro__:
        if cls.__module__.startswith("django.db.models"):
            return cls.__name__
    return field.get_internal_type()


def _field_info(field):
    """What devkit needs to fill a field of a row it creates: type, nullability, uniqueness,
    default, choices, length, minimum, and the model a relation points to."""
    from django.core.validators import MinValueValidator

    minimum = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
    related = field.related_model
    default = field.get_default() if field.has_default() and not callable(field.default) else None
    return {
        "attname": field.attname,
        "type": _field_class(field),
        "internal_type": field.get_internal_type(),
        "null": field.null,
        "blank": field.blank,
        "unique": bool(field.unique) and not field.primary_key,
        "primary_key": field.primary_key,
        "has_default": field.has_default(),
        "callable_default": field.has_default() and callable(field.default),
        "default": _plain(default),
        "empty_strings_allowed": field.empty_strings_allowed,
        "choices": [_plain(c[0]) for c in (field.flatchoices or [])][:20],
        "max_length": field.max_length,
        "minimum": _plain(minimum[0]) if minimum and not callable(minimum[0]) else None,
        "related_model": related._meta.label
        if related is not None and not isinstance(related, str)
        else None,
        "auto": bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)),
    }


def _model_facts(label):
    if not label:
        return None
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError) as exc:
        return {"label": label, "error": str(exc)}
    fields = {f.name for f in model._meta.get_fields()}
    # Fields a new row cannot do without: NOT NULL, no default, not the key, not set on save.
    required = [
        f.attname
        for f in model._meta.concrete_fields
        if not f.null
        and not f.has_default()
        and not f.primary_key
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
        and f.get_internal_type() not in ("AutoField", "BigAutoField", "SmallAutoField")
    ]
    return {
        "label": label,
        "table": model._meta.db_table,
        "fields": sorted(fields),
        "required": sorted(required),
        "field_info": {f.name: _field_info(f) for f in model._meta.concrete_fields},
    }


def _multi_type(types):
    """django-tenants' multi-type tenants (HAS_MULTI_TYPE_TENANTS; `types`: _app_lists()'s): the
    tenant model's field that holds a tenant's type and the types of TENANT_TYPES, in order. The
    router gives the public schema the apps of the type named like it, and every other schema
    the apps of its tenant's type. None for single-type projects."""
    if types is None:
        return None
    return {
        "field": getattr(settings, "MULTI_TYPE_DATABASE_FIELD", "") or "",
        "types": list(types),
        "public": getattr(settings, "PUBLIC_SCHEMA_NAME", "public"),
    }


def _app_lists():
    """(shared apps, tenant apps, TENANT_TYPES' apps by type or None), as django-tenants' router
    reads them: SHARED_APPS and TENANT_APPS; with HAS_MULTI_TYPE_TENANTS the public type's APPS
    (the public schema's) and the other types' APPS together (a tenant schema's, by its type)."""
    if not getattr(settings, "HAS_MULTI_TYPE_TENANTS", False):
        return list(getattr(settings, "SHARED_APPS", [])), list(getattr(settings, "TENANT_APPS", [])), None
    public = getattr(settings, "PUBLIC_SCHEMA_NAME", "public")
    types = {}
    for name, spec in (getattr(settings, "TENANT_TYPES", None) or {}).items():
        types[str(name)] = list((spec or {}).get("APPS") or []) if isinstance(spec, dict) else []
    tenant = []
    for name, names in types.items():
        tenant += [app for app in names if name != public and app not in tenant]
    return list(types.get(public, [])), tenant, types


def _superuser_facts(model):
    """How `createsuperuser` would call the manager: the login field, the other required fields,
    the email field, and what create_superuser accepts."""
    import inspect

    facts = {
        "username_field": model.USERNAME_FIELD,
        "email_field": model.get_email_field_name() if hasattr(model, "get_email_field_name") else "email",
        "required_fields": list(getattr(model, "REQUIRED_FIELDS", [])),
        "create_superuser": None,
    }
    method = getattr(model._default_manager, "create_superuser", None)
    if method is None:
        return facts
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        return facts
    params = [
        {"name": p.name, "required": p.default is inspect.Parameter.empty}
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    var_kwargs = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    facts["create_superuser"] = {"params": params, "var_kwargs": var_kwargs}
    return facts


def _apps():
    out = []
    for config in apps.get_app_configs():
        module_name, _explicit = MigrationLoader.migrations_module(config.label)
        folder = None
        if module_name:
            try:
                module = importlib.import_module(module_name)
                paths = list(getattr(module, "__path__", []))
                folder = paths[0] if paths else None
            except ImportError:
                folder = None
        out.append(
            {
                "label": config.label,
                "name": config.name,
                "path": config.path,
                "migrations_module": module_name,
                "migrations_dir": folder,
            }
        )
    return out


def _tenant_middleware(middleware):
    """django-tenants' middleware and the project's subclasses of it (any name)."""
    from django.utils.module_loading import import_string

    try:
        from django_tenants.middleware.main import TenantMainMiddleware
    except ImportError:
        TenantMainMiddleware = None
    found = []
    for path in middleware:
        try:
            cls = import_string(path)
        except Exception:
            cls = None
        is_sub = TenantMainMiddleware is not None and isinstance(cls, type)
        if "django_tenants" in path or "Tenant" in path or (is_sub and issubclass(cls, TenantMainMiddleware)):
            found.append(path)
    return found


def _system_checks():
    """Django's system checks without the database ones (no query runs): serious, unsilenced."""
    from django.core import checks

    try:
        try:
            found = checks.run_checks(include_deployment_checks=False, databases=None)
        except TypeError:  # Django < 3.1: no databases argument, no database checks by default
            found = checks.run_checks(include_deployment_checks=False)
    except Exception as exc:  # a project check that crashes fails every command the same way
        where = _project_line(exc)
        return [{"id": "checks.crashed", "msg": "%s: %s%s" % (type(exc).__name__, exc, where), "obj": ""}]
    return [
        {"id": c.id or "?", "msg": c.msg, "obj": str(c.obj) if c.obj is not None else "", "hint": c.hint}
        for c in found
        if c.is_serious() and not c.is_silenced()
    ]


def _project_line(exc):
    """(path:line) of the innermost frame of the project's own code in the exception, or ""."""
    import traceback

    here = os.getcwd() + os.sep
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename.startswith(here) and "site-packages" not in f.filename
    ]
    return " (%s:%d)" % (os.path.relpath(frames[-1].filename), frames[-1].lineno) if frames else ""


def _runs_checks(command, args):
    """Whether the command runs the system checks before it starts (and so fails with them)."""
    if "--skip-checks" in args:
        return False
    return bool(getattr(command, "requires_system_checks", False))


def _preflight(commands, available):
    results = []
    for argv in commands:
        name, args = argv[0], argv[1:]
        entry = {"argv": argv, "ok": False, "error": None, "runs_checks": False}
        if name not in available:
            entry["error"] = "Unknown command: %r" % name
        else:
            try:
                command = load_command_class(available[name], name)
                command.create_parser("manage.py", name).parse_args(args)
                entry["ok"] = True
                entry["runs_checks"] = _runs_checks(command, args)
            except BaseException as exc:  # CommandError for a rejected flag, SystemExit for --help
                entry["error"] = str(exc) or type(exc).__name__
        results.append(entry)
    return results


def main():
    available = get_commands()
    db = settings.DATABASES.get("default", {})
    user_model = _model_facts(getattr(settings, "AUTH_USER_MODEL", "auth.User"))
    if user_model and "error" not in user_model:
        user_model.update(_superuser_facts(apps.get_model(settings.AUTH_USER_MODEL)))
    middleware = list(getattr(settings, "MIDDLEWARE", []))
    shared_apps, tenant_apps, tenant_types = _app_lists()
    tenant_model = _model_facts(getattr(settings, "TENANT_MODEL", ""))
    if tenant_model and "error" not in tenant_model:
        tenant_model["multi_type"] = _multi_type(tenant_types)
    facts = {
        "django_version": django.get_version(),
        "python_version": "%d.%d.%d" % sys.version_info[:3],
        "python_executable": sys.executable,
        "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE", ""),
        "settings_file": getattr(sys.modules.get(settings.SETTINGS_MODULE), "__file__", None),
        "database": {
            "engine": db.get("ENGINE", ""),
            "name": str(db.get("NAME", "")),
            "host": db.get("HOST", ""),
            "port": str(db.get("PORT", "")),
            "user": db.get("USER", ""),
        },
        "installed_apps": list(settings.INSTALLED_APPS),
        "shared_apps": shared_apps,
        "tenant_apps": tenant_apps,
        "tenant_types": tenant_types,
        "django_tenants_installed": "django_tenants" in settings.INSTALLED_APPS,
        "tenant_model": tenant_model,
        "domain_model": _model_facts(getattr(settings, "TENANT_DOMAIN_MODEL", "")),
        "public_schema": getattr(settings, "PUBLIC_SCHEMA_NAME", "public"),
        "database_routers": list(getattr(settings, "DATABASE_ROUTERS", [])),
        "middleware": middleware,
        "tenant_middleware": _tenant_middleware(middleware),
        "user_model": user_model,
        "apps": _apps(),
        "commands": dict(sorted(available.items())),
        "system_checks": _system_checks(),
        "preflight": _preflight(json.loads(os.environ.get("DEVKIT_PROBE_COMMANDS", "[]")), available),
    }
    # The facts `devkit docs` needs (middleware and command classes, defining files, app placement).
    facts.update(
        runpy.run_path(os.path.join(os.path.dirname(__file__), "docs_facts.py"))["docs_facts"](
            settings, available, shared_apps, tenant_apps
        )
    )
    with open(os.environ["DEVKIT_PROBE_OUT"], "w") as handle:
        json.dump(facts, handle, indent=2, sort_keys=True, default=str)


main()
runpy.run_path(os.path.join(os.path.dirname(__file__), "leave.py"))["leave"](0)  # no teardown
