"""What the docs say about requests: how the project's tenant middleware picks the tenant, what a
request whose Host matches no tenant gets, and where a health endpoint answers.

Derived from the middleware the project uses (the probe's `tenant_routing`: every routing method a
class other than django-tenants' TenantMainMiddleware defines, with its file and line), the
project's source of those methods (which request headers they read), and the URL routes Django
resolves (`health_routes`). A statement the facts cannot support is not made.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from devkit.config.model import Config
from devkit.docs.apps import project_rel
from devkit.docs.settings import rel

DJANGO_TENANTS_MAIN = "django_tenants.middleware.main.TenantMainMiddleware"
_HEALTH = re.compile(r"^/[\w/.-]*health[\w/.-]*$", re.I)
_PICKS = ("process_request", "get_tenant", "hostname_from_request")
# DRF permission classes that let anyone GET
_OPEN_TO_GET = (".AllowAny", ".IsAuthenticatedOrReadOnly")


def routing(config: Config, facts: dict[str, Any], middleware: str) -> dict[str, Any]:
    """`picks`: "host" (django-tenants' Host lookup) | "subfolder" (django-tenants'
    TenantSubfolderMiddleware: the path's first segment after `/<prefix>/`, looked up in the
    domain table) | "project" (a project method decides) | "";
    `unknown_host`: what a request whose Host matches no tenant gets: "404" | "404-unless-setting"
    | "public" | "subfolder" (any path outside `/<prefix>/` is the public tenant's, whatever the
    Host; `/<prefix>/<name>/` naming no domain row is a 404) | "project" | "raises" | "" (unknown);
    `prefix`: TENANT_SUBFOLDER_PREFIX; `*_where` name the method and its file:line;
    `headers`: request headers the project's method reads; `falls_back`: it then calls
    django-tenants' own lookup."""
    out: dict[str, Any] = {
        "picks": "",
        "picks_where": "",
        "headers": [],
        "falls_back": False,
        "unknown_host": "",
        "unknown_where": "",
        "exception": "",
        "public_urlconf": "",
        "prefix": "",
    }
    if not middleware:
        return out
    found = facts.get("tenant_routing")
    if not isinstance(found, dict) or found.get("middleware") != middleware or found.get("error"):
        if middleware == DJANGO_TENANTS_MAIN:  # an older probe: django-tenants' own class, settings unread
            out.update(picks="host", unknown_host="404-unless-setting")
        return out
    out["public_urlconf"] = found.get("public_schema_urlconf") or ""
    overrides = {o["method"]: o for o in found.get("overrides") or []}
    picking = next((overrides[m] for m in _PICKS if m in overrides), None)
    if picking is not None:
        out.update(picks="project", picks_where=_where(config, picking))
        out["headers"], out["falls_back"] = _reads(config, picking)
    elif found.get("subfolder"):
        out.update(picks="subfolder", prefix=found.get("subfolder_prefix") or "")
    else:
        out["picks"] = "host"
    # What a request that selects no tenant gets: decided by the project's own request handling
    # when it has one (a header-based selection may answer before any lookup), else by its
    # no_tenant_found, else by django-tenants and its settings.
    deciding = next(
        (overrides[m] for m in ("process_request", "get_tenant", "no_tenant_found") if m in overrides), None
    )
    exception = found.get("not_found_exception") or ""
    if deciding is not None:
        out.update(unknown_host="project", unknown_where=_where(config, deciding))
    elif out["picks"] == "subfolder":
        out["unknown_host"] = "subfolder"
    elif found.get("show_public_if_no_tenant_found"):
        out["unknown_host"] = "public"
    elif exception.endswith(".Http404"):
        out["unknown_host"] = "404"
    else:
        out.update(unknown_host="raises", exception=exception)
    return out


def _where(config: Config, override: dict[str, Any]) -> str:
    """`Class.method` (`file:line`) for the project's own code; a library's only by its name."""
    name = f"`{override['class']}.{override['method']}`"
    location = _project_file(config, override.get("file"))
    return f"{name} (`{location}:{override['line']}`)" if location and override.get("line") else name


def _project_file(config: Config, path: str | None) -> str:
    if not path:
        return ""
    candidate = Path(path)
    try:
        candidate.resolve().relative_to(config.root.resolve())
    except ValueError:
        return ""
    return project_rel(config, path)


def _reads(config: Config, override: dict[str, Any]) -> tuple[list[str], bool]:
    """The request headers a project method reads (`request.headers.get("X-Schema")`,
    `request.META["HTTP_X_TENANT"]`) and whether it calls super()'s same method."""
    path, line = override.get("file"), override.get("line")
    if not _project_file(config, path) or not line:
        return [], False
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return [], False
    function = next(
        (
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef)
            and node.name == override["method"]
            and min([node.lineno, *(d.lineno for d in node.decorator_list)]) == line
        ),
        None,
    )
    if function is None:
        return [], False
    headers: list[str] = []
    falls_back = False
    for node in ast.walk(function):
        source = _header_source(node)
        if source is not None:
            headers.append(source)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == override["method"]
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "super"
        ):
            falls_back = True
    return list(dict.fromkeys(headers)), falls_back


def _header_source(node: ast.AST) -> str | None:
    """The header name in `request.headers.get("X")`, `request.headers["X"]`, `request.META.get("HTTP_X")`."""
    container, key = None, None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        container, key = node.func.value, node.args[0] if node.args else None
    elif isinstance(node, ast.Subscript):
        container, key = node.value, node.slice
    if not (isinstance(container, ast.Attribute) and isinstance(key, ast.Constant)):
        return None
    if not isinstance(key.value, str):
        return None
    if container.attr == "headers":
        return key.value
    if container.attr == "META" and key.value.startswith("HTTP_"):
        return "-".join(part.capitalize() for part in key.value[5:].split("_"))
    return None


def health(config: Config, facts: dict[str, Any], before: list[str], route: dict[str, Any]) -> dict[str, Any]:
    """Where a health endpoint answers: a middleware placed before the tenant middleware that
    returns its own response for a /…health… path (`middleware`), and the URL routes whose pattern
    says health (`routes`, `routes_known` False when the facts predate them)."""
    middleware = {}
    for dotted in before:
        module, _, cls = dotted.rpartition(".")
        for path in _module_files(config.manage_dir, module):
            found = _answered_path(path, cls)
            if found:
                middleware = {"path": found, "middleware": dotted, "class": cls, "file": rel(config, path)}
                break
        if middleware:
            break
    routes_known = isinstance(facts.get("health_routes"), list)
    routes: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in facts.get("health_routes") or []:
        if entry.get("error") or not entry.get("route"):
            continue
        shown = entry["route"] if entry.get("regex") else "/" + entry["route"]
        location = _project_file(config, entry.get("file"))
        access = entry.get("access")
        same = routes.setdefault(
            (shown, entry["view"]),
            {
                "path": shown,
                "urlconfs": [],
                "public": False,
                "view": entry["view"],
                "where": f"{location}:{entry['line']}" if location and entry.get("line") else "",
                "access": access if isinstance(access, list) else None,
                "open": isinstance(access, list) and all(a.endswith(_OPEN_TO_GET) for a in access),
            },
        )
        same["urlconfs"].append(entry["urlconf"])
        # Without PUBLIC_SCHEMA_URLCONF the public tenant uses ROOT_URLCONF like every tenant.
        same["public"] |= not route["public_urlconf"] or entry["urlconf"] == route["public_urlconf"]
    return {"middleware": middleware, "routes": list(routes.values()), "routes_known": routes_known}


def _module_files(base: Path, module: str) -> list[Path]:
    stem = base.joinpath(*module.split("."))
    return [p for p in (stem.with_suffix(".py"), stem / "__init__.py") if p.is_file()]


def _answered_path(path: Path, cls: str) -> str:
    """The /…health… path the class answers itself: the module names such a path, and the class's
    __call__ or process_request returns something other than the next handler's response (a
    middleware that only marks health requests and passes them on answers nothing)."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return ""
    paths = sorted(
        {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _HEALTH.match(node.value)
        }
    )
    klass = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls), None)
    if not paths or klass is None:
        return ""
    handlers = [
        n for n in klass.body if isinstance(n, ast.FunctionDef) and n.name in ("__call__", "process_request")
    ]
    return paths[0] if any(_returns_own_response(h) for h in handlers) else ""


def _returns_own_response(function: ast.FunctionDef) -> bool:
    passed_on = {
        target.id
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and _calls_get_response(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(function):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        value = node.value
        if isinstance(value, ast.Constant) and value.value is None:
            continue
        if _calls_get_response(value) or (isinstance(value, ast.Name) and value.id in passed_on):
            continue
        return True
    return False


def _calls_get_response(value: ast.AST) -> bool:
    return isinstance(value, ast.Call) and "get_response" in ast.unparse(value.func)
