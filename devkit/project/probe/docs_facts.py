# Facts `devkit docs` needs beyond facts.py's: loaded by facts.py with runpy, run inside the
# project's Django. Standard library + Django only; works on every Python Django supports
# (no walrus, no match, no f-string `=`). See docs/docs-command.md "Facts".
import ast
import importlib
import os
import sys

from django.apps import apps
from django.core.management import load_command_class
from django.utils.module_loading import import_string

# The settings whose defining file the docs name.
SETTINGS_NAMED = (
    "INSTALLED_APPS",
    "SHARED_APPS",
    "TENANT_APPS",
    "MIDDLEWARE",
    "TENANT_MODEL",
    "TENANT_DOMAIN_MODEL",
    "DATABASES",
    "DATABASE_ROUTERS",
    "PUBLIC_SCHEMA_NAME",
    "AUTH_USER_MODEL",
)
# The commands whose providing class the docs depend on.
COMMANDS_NAMED = ("migrate", "migrate_schemas", "tenant_command", "all_tenants_command", "shell")


def _tenant_main_class():
    try:
        from django_tenants.middleware.main import TenantMainMiddleware
    except Exception:  # django_tenants missing or broken: no class is a tenant middleware
        return None
    return TenantMainMiddleware


def middleware_classes(middleware):
    """Each MIDDLEWARE entry: is it (a subclass of) django-tenants' TenantMainMiddleware?"""
    base = _tenant_main_class()
    out = []
    for path in middleware:
        entry = {"path": path, "tenant": False, "error": None}
        try:
            cls = import_string(path)
            entry["tenant"] = bool(base is not None and isinstance(cls, type) and issubclass(cls, base))
        except Exception as exc:
            entry["error"] = "%s: %s" % (type(exc).__name__, exc)
        out.append(entry)
    return out


def command_classes(available):
    """name -> {app, module, class, bases (every class of the MRO as module.Name)}."""
    out = {}
    for name in COMMANDS_NAMED:
        if name not in available:
            continue
        entry = {"app": available[name], "module": None, "class": None, "bases": [], "error": None}
        try:
            command = load_command_class(available[name], name)
            cls = type(command)
            entry["module"] = cls.__module__
            entry["class"] = cls.__name__
            entry["bases"] = ["%s.%s" % (c.__module__, c.__name__) for c in cls.__mro__]
        except Exception as exc:
            entry["error"] = "%s: %s" % (type(exc).__name__, exc)
        out[name] = entry
    return out


def app_placement(shared, tenant):
    """Each installed app: label, name, and whether SHARED_APPS / TENANT_APPS list it (by name or
    by AppConfig path)."""
    out = []
    for config in apps.get_app_configs():
        names = {config.name, "%s.%s" % (type(config).__module__, type(config).__name__)}
        out.append(
            {
                "label": config.label,
                "name": config.name,
                "shared": bool(names & set(shared)),
                "tenant": bool(names & set(tenant)),
            }
        )
    return out


def _module_file(name):
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if path and path.endswith(".py"):
        return path
    return None


def _resolve(module_name, is_package, node):
    """The absolute module name of a `from X import *` inside module_name."""
    if not node.level:
        return node.module
    parts = module_name.split(".")
    if not is_package:
        parts = parts[:-1]
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _targets(node):
    if isinstance(node, ast.Assign):
        found = []
        for target in node.targets:
            found.extend(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        return found
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _statements(body):
    """Top-level statements in order, entering if/try/with blocks (settings often branch)."""
    for node in body:
        yield node
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, field, None)
            if isinstance(inner, list) and not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                yield from _statements(inner)


def _assignments(module_name, seen, found):
    """Append (setting, file) for each assignment in evaluation order, following star imports."""
    if module_name in seen:
        return
    seen.add(module_name)
    path = _module_file(module_name)
    if not path:
        return
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), path)
    except (OSError, SyntaxError, ValueError):
        return
    is_package = os.path.basename(path) == "__init__.py"
    for node in _statements(tree.body):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            _assignments(_resolve(module_name, is_package, node), seen, found)
        for name in _targets(node):
            found.append((name, path))


def setting_files(settings_module):
    """SETTING -> the files that assign it, in evaluation order (the last one decides)."""
    found = []
    if settings_module:
        try:
            importlib.import_module(settings_module)
        except Exception:
            return {}
        _assignments(settings_module, set(), found)
    out = {}
    for name, path in found:
        if name in SETTINGS_NAMED and path not in out.setdefault(name, []):
            out[name].append(path)
    return out


def docs_facts(settings, available):
    middleware = list(getattr(settings, "MIDDLEWARE", []) or [])
    return {
        "middleware_classes": middleware_classes(middleware),
        "command_classes": command_classes(available),
        "app_placement": app_placement(
            list(getattr(settings, "SHARED_APPS", []) or []), list(getattr(settings, "TENANT_APPS", []) or [])
        ),
        "setting_files": setting_files(settings.SETTINGS_MODULE),
    }
