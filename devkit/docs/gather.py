"""Everything the templates see: the probe's facts, the config, pins and locks, workflows, the
roadmap. Only facts that are the same on every machine (no ports, no absolute paths, no
passwords), so regenerating elsewhere gives the same bytes."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from devkit import facts as facts_mod
from devkit.config import Config
from devkit.docs import roadmap, stack, workflows
from devkit.docs.settings import DocsSettings, rel

_HEALTH = re.compile(r"^/[\w/.-]*health[\w/.-]*$", re.I)


def template_context(
    config: Config, settings: DocsSettings, facts: dict[str, Any], sequence: list[tuple[str, str]]
) -> dict[str, Any]:
    """The variables every template gets (see docs/docs-command.md for the list)."""
    flows = workflows.load_workflows(config.path(settings.workflows), config.root)
    source = config.path(settings.roadmap_source)
    return {
        "tenancy": tenancy(config, facts),
        "migrations": migration_steps(config, facts, sequence),
        "health": health(config, facts),
        "commands": sorted(facts.get("commands", {})),
        "manage_py": config.manage_py,
        "manage_dir": rel(config, config.manage_dir) if config.manage_dir != config.root else ".",
        "tenants": config.tenants,
        "django_version": _pinned(config, "django") or facts.get("django_version", ""),
        "stack": stack.stack_rows(config),
        "workflows": [
            {
                "file": w.file,
                "name": w.name,
                "triggers": w.triggers,
                "jobs": w.jobs,
                "ascii": workflows.ascii_diagram(w),
                "mermaid": workflows.mermaid(w),
            }
            for w in flows
        ],
        "environments": workflows.environments(flows),
        "phases": roadmap.load_roadmap(source, rel(config, source)),
        "roadmap_source": settings.roadmap_source,
        "sources": {"workflows": settings.workflows, "roadmap": settings.roadmap_source},
    }


def tenancy(config: Config, facts: dict[str, Any]) -> dict[str, Any]:
    shared, tenant = facts.get("shared_apps", []), facts.get("tenant_apps", [])
    middleware = facts.get("middleware", [])
    tenant_mw = [m for m in facts.get("tenant_middleware", []) if "django_tenants" in m]
    first = middleware.index(tenant_mw[0]) if tenant_mw and tenant_mw[0] in middleware else -1
    settings_file = facts.get("settings_file")
    return {
        "shared_apps": shared,
        "tenant_apps": tenant,
        "shared_only": [a for a in shared if a not in tenant],
        "tenant_only": [a for a in tenant if a not in shared],
        "both": [a for a in shared if a in tenant],
        "tenant_model": facts.get("tenant_model") or {},
        "domain_model": facts.get("domain_model") or {},
        "public_schema": facts.get("public_schema", "public"),
        "routers": facts.get("database_routers", []),
        "engine": facts.get("database", {}).get("engine", ""),
        "middleware": middleware,
        "tenant_middleware": tenant_mw[0] if tenant_mw else "",
        "tenant_middleware_position": first + 1,
        "before_tenant_middleware": middleware[:first] if first > 0 else [],
        "settings_module": facts.get("settings_module", ""),
        "settings_file": rel(config, Path(settings_file)) if settings_file else "",
        "installed": facts.get("django_tenants_installed", False),
    }


def migration_steps(
    config: Config, facts: dict[str, Any], sequence: list[tuple[str, str]]
) -> list[dict[str, str]]:
    """The tenant sequence `devkit up` runs, as commands a person can type."""
    verdicts = {tuple(e["argv"]): e["ok"] for e in facts.get("preflight", [])}
    steps = []
    for key, line in sequence:
        if line == "auto":
            auto = facts_mod.AUTO_COMMANDS[key]
            line = auto if verdicts.get(tuple(auto.split())) else "builtin"
        command = "(devkit creates it: `devkit up`)" if line == "builtin" else f"python manage.py {line}"
        steps.append({"key": key, "command": command})
    return steps


def health(config: Config, facts: dict[str, Any]) -> dict[str, str]:
    """A middleware before the tenant middleware that answers a /…health… path, if any."""
    tenant = tenancy(config, facts)
    for dotted in tenant["before_tenant_middleware"]:
        module, _, cls = dotted.rpartition(".")
        for path in _module_files(config.manage_dir, module):
            found = _health_path(path)
            if found:
                return {"path": found, "middleware": dotted, "class": cls, "file": rel(config, path)}
    return {}


def _module_files(base: Path, module: str) -> list[Path]:
    stem = base.joinpath(*module.split("."))
    return [p for p in (stem.with_suffix(".py"), stem / "__init__.py") if p.is_file()]


def _health_path(path: Path) -> str:
    try:
        tree = ast.parse(path.read_text())
    except SyntaxError:
        return ""
    found = sorted(
        {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _HEALTH.match(node.value)
        }
    )
    return found[0] if found else ""


def _pinned(config: Config, name: str) -> str:
    for row in stack.stack_rows(config):
        if row.component.lower() == name and "pinned" in row.source:
            return row.version
    return ""
