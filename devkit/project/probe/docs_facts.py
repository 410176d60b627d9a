# Facts `devkit docs` needs beyond facts.py's: loaded by facts.py with runpy, run inside the
# project's Django. Standard library + Django only; works on every Python Django supports
# (no walrus, no match, no f-string `=`). See docs/docs-command.md "Facts".
import ast
import importlib
import inspect
import os
import re
import sys

from django.apps import apps
from django.conf import settings as django_settings
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
# The methods of TenantMainMiddleware that decide how a tenant is picked and what happens when none
# matches: a project class that overrides one changes what the docs may say about routing.
ROUTING_METHODS = ("process_request", "hostname_from_request", "get_tenant", "no_tenant_found")
# Commands about tenants, schemas or domains (the project's own ones go next to devkit's sequence).
TENANT_COMMAND = re.compile(r"tenant|schema|domain", re.I)
HEALTH_ROUTE = re.compile(r"health", re.I)


def _tenant_main_class():
    try:
        from django_tenants.middleware.main import TenantMainMiddleware
    except Exception:  # django_tenants missing or broken: no class is a tenant middleware
        return None
    return TenantMainMiddleware


def _subfolder_class():
    """django-tenants' TenantSubfolderMiddleware (a tenant per path: /<TENANT_SUBFOLDER_PREFIX>/<name>/),
    None where this django-tenants has none."""
    try:
        from django_tenants.middleware.subfolder import TenantSubfolderMiddleware
    except Exception:
        return None
    return TenantSubfolderMiddleware


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
    """Each installed app: label, name, whether SHARED_APPS / TENANT_APPS list it (by name or by
    AppConfig path), and how many models it has (an app without models has no tables anywhere)."""
    out = []
    for config in apps.get_app_configs():
        names = {config.name, "%s.%s" % (type(config).__module__, type(config).__name__)}
        out.append(
            {
                "label": config.label,
                "name": config.name,
                "shared": bool(names & set(shared)),
                "tenant": bool(names & set(tenant)),
                "models": len(list(config.get_models())),
            }
        )
    return out


def _source(obj):
    """(file, line) where obj is defined, or (None, None) (built-in, generated, no source)."""
    try:
        target = inspect.unwrap(obj)
        return inspect.getsourcefile(target), inspect.getsourcelines(target)[1]
    except (TypeError, OSError, ValueError):
        return None, None


def _dotted(obj):
    return "%s.%s" % (getattr(obj, "__module__", "?"), getattr(obj, "__qualname__", type(obj).__name__))


def tenant_routing(middleware_entries):
    """How the first tenant middleware picks the tenant and what it does when none matches: every
    routing method a class other than django-tenants' own (TenantMainMiddleware and, for a tenant
    per path, TenantSubfolderMiddleware) defines (class, file, line), the exception it raises for
    no tenant, and the settings django-tenants reads for that case."""
    out = {
        "subfolder": False,
        "subfolder_prefix": str(getattr(django_settings, "TENANT_SUBFOLDER_PREFIX", "") or "").strip("/ "),
        "show_public_if_no_tenant_found": bool(
            getattr(django_settings, "SHOW_PUBLIC_IF_NO_TENANT_FOUND", False)
        ),
        "public_schema_urlconf": getattr(django_settings, "PUBLIC_SCHEMA_URLCONF", None) or None,
        "middleware": None,
        "overrides": [],
        "not_found_exception": None,
        "error": None,
    }
    path = next((m["path"] for m in middleware_entries if m.get("tenant")), None)
    base = _tenant_main_class()
    if path is None or base is None:
        return out
    out["middleware"] = path
    try:
        cls = import_string(path)
        subfolder = _subfolder_class()
        out["subfolder"] = subfolder is not None and issubclass(cls, subfolder)
        for name in ROUTING_METHODS:
            owner = next((k for k in cls.__mro__ if name in vars(k)), None)
            if owner is None or owner is base or (out["subfolder"] and owner is subfolder):
                continue
            file, line = _source(vars(owner)[name])
            out["overrides"].append({"method": name, "class": _dotted(owner), "file": file, "line": line})
        exception = getattr(cls, "TENANT_NOT_FOUND_EXCEPTION", None)
        out["not_found_exception"] = _dotted(exception) if exception is not None else None
    except Exception as exc:
        out["error"] = "%s: %s" % (type(exc).__name__, exc)
    return out


def _urlconfs():
    found = [
        getattr(django_settings, "ROOT_URLCONF", None),
        getattr(django_settings, "PUBLIC_SCHEMA_URLCONF", None),
    ]
    for spec in (getattr(django_settings, "TENANT_TYPES", None) or {}).values():
        if isinstance(spec, dict):
            found.append(spec.get("URLCONF"))
    out = []
    for name in found:
        if isinstance(name, str) and name and name not in out:
            out.append(name)
    return out


def _view_of(callback):
    """The view behind a URL pattern's callback: the class of a class-based view, else the function."""
    for attribute in ("view_class", "cls"):
        view = getattr(callback, attribute, None)
        if isinstance(view, type):
            return view
    return inspect.unwrap(callback)


def _origin(view):
    """What the project wrote: the function a DRF @api_view wraps into a generated class (its
    handlers call it through a closure), else the view itself."""
    if isinstance(view, type):
        for method in ("get", "post", "head"):
            handler = getattr(view, method, None)
            if inspect.isfunction(handler):
                try:
                    func = inspect.getclosurevars(handler).nonlocals.get("func")
                except (TypeError, ValueError):
                    func = None
                if inspect.isfunction(func):
                    return func
    return view


def _access(view):
    """What a view needs from the caller, when the view says so: DRF permission classes, Django's
    LoginRequiredMixin. None when the view does not tell (a plain function)."""
    permissions = getattr(view, "permission_classes", None)
    if permissions is not None:
        return ["%s.%s" % (p.__module__, p.__name__) for p in permissions if isinstance(p, type)]
    try:
        from django.contrib.auth.mixins import LoginRequiredMixin
    except Exception:
        return None
    if isinstance(view, type) and issubclass(view, LoginRequiredMixin):
        return ["django.contrib.auth.mixins.LoginRequiredMixin"]
    return None


def _walk(patterns, prefix, urlconf, out, depth):
    from django.urls import URLResolver

    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if depth < 20:
                _walk(pattern.url_patterns, route, urlconf, out, depth + 1)
            continue
        if not HEALTH_ROUTE.search(route):
            continue
        view = _view_of(pattern.callback)
        origin = _origin(view)
        file, line = _source(origin)
        out.append(
            {
                "urlconf": urlconf,
                "route": route,
                "regex": type(pattern.pattern).__name__ == "RegexPattern",
                "view": _dotted(origin),
                "file": file,
                "line": line,
                "access": _access(view),
            }
        )


def health_routes():
    """Every URL route whose pattern says health, in ROOT_URLCONF, PUBLIC_SCHEMA_URLCONF and the
    TENANT_TYPES urlconfs: where it is and what its view needs (read from the resolvers, no request)."""
    from django.urls import get_resolver

    out = []
    for urlconf in _urlconfs():
        try:
            patterns = get_resolver(urlconf).url_patterns
        except Exception as exc:
            out.append({"urlconf": urlconf, "error": "%s: %s" % (type(exc).__name__, exc)})
            continue
        _walk(patterns, "", urlconf, out, 0)
    return out


def tenant_commands(available):
    """Commands whose name is about tenants, schemas or domains: help line, file, and the defaults
    of their domain options (the domain a project's own tenant command creates)."""
    out = []
    for name in sorted(available):
        if not TENANT_COMMAND.search(name):
            continue
        entry = {"name": name, "app": available[name], "help": "", "file": None, "domains": [], "error": None}
        try:
            command = load_command_class(available[name], name)
            entry["help"] = (str(command.help or "").strip().splitlines() or [""])[0]
            entry["file"] = _source(type(command))[0]
            for action in command.create_parser("manage.py", name)._actions:
                if "domain" in action.dest and isinstance(action.default, str) and action.default:
                    flag = (action.option_strings or [action.dest])[-1]
                    entry["domains"].append({"option": flag, "default": action.default})
        except Exception as exc:
            entry["error"] = "%s: %s" % (type(exc).__name__, exc)
        out.append(entry)
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


def docs_facts(settings, available, shared, tenant):
    """shared, tenant: the app lists django-tenants' router reads (facts.py's _app_lists())."""
    middleware = list(getattr(settings, "MIDDLEWARE", []) or [])
    classes = middleware_classes(middleware)
    return {
        "middleware_classes": classes,
        "tenant_routing": tenant_routing(classes),
        "health_routes": health_routes(),
        "tenant_commands": tenant_commands(available),
        "command_classes": command_classes(available),
        "app_placement": app_placement(shared or [], tenant or []),
        "setting_files": setting_files(settings.SETTINGS_MODULE),
    }
