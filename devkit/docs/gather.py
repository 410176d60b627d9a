"""Everything the templates see: the probe's facts, the config, pins and locks, workflows, the
roadmap. Only facts that are the same on every machine (no ports, no absolute paths, no
passwords), so regenerating elsewhere gives the same bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devkit.config.model import AUTO_COMMANDS, Config
from devkit.docs import apps, roadmap, routing, stack, workflows
from devkit.docs.settings import DocsSettings, rel
from devkit.project import envloading


def template_context(
    config: Config, settings: DocsSettings, facts: dict[str, Any], sequence: list[tuple[str, str]]
) -> dict[str, Any]:
    """The variables every template gets (see docs/docs-command.md for the list)."""
    flows = workflows.load_workflows(config.path(settings.workflows), config.root)
    source = config.path(settings.roadmap_source)
    loading = envloading.detect(config)
    # Without its own loader, a by-hand command sees the env file only through `devkit run`.
    run = "" if loading.loads else "devkit run -- "
    tenant = tenancy(config, facts)
    return {
        "tenancy": tenant,
        "env_loading": {"how": loading.how, "file": loading.file, "env_file": config.env_file},
        "run": run,
        "migrations": migration_steps(config, facts, sequence, run),
        "health": routing.health(config, facts, tenant["before_tenant_middleware"], tenant["routing"]),
        "project_commands": project_commands(config, facts, sequence),
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
                "invalid": w.invalid,
                "ascii": "" if w.invalid else workflows.ascii_diagram(w),
                "mermaid": "" if w.invalid else workflows.mermaid(w),
            }
            for w in flows
        ],
        "environments": workflows.environments(flows),
        "phases": roadmap.load_roadmap(source, rel(config, source)),
        "roadmap_source": settings.roadmap_source,
        "sources": {"workflows": settings.workflows, "roadmap": settings.roadmap_source},
    }


def tenancy(config: Config, facts: dict[str, Any]) -> dict[str, Any]:
    """Multi-tenancy facts as the templates use them; every key present whatever the facts hold."""
    shared, tenant = apps.apps_of(facts, "shared_apps"), apps.apps_of(facts, "tenant_apps")
    middleware = list(facts.get("middleware") or [])
    tenant_mw = tenant_middleware(facts)
    first = middleware.index(tenant_mw) if tenant_mw in middleware else -1
    files = setting_files(config, facts)
    settings_file = facts.get("settings_file")
    leaf = apps.project_rel(config, settings_file) if settings_file else ""
    migrate = (facts.get("command_classes") or {}).get("migrate") or {}
    public = facts.get("public_schema") or "public"
    types = facts.get("tenant_types") if isinstance(facts.get("tenant_types"), dict) else {}
    # Multi-type tenants (HAS_MULTI_TYPE_TENANTS): the router reads TENANT_TYPES' APPS, not the
    # two lists; a tenant schema gets the apps of its tenant's type.
    others = {name: apps_ for name, apps_ in types.items() if name != public}
    return {
        "installed": django_tenants_installed(facts),
        "multi_type": bool(types),
        "tenant_types": [{"name": name, "apps": list(apps_)} for name, apps_ in types.items()],
        "type_field": ((facts.get("tenant_model") or {}).get("multi_type") or {}).get("field") or "",
        "shared_name": f"`TENANT_TYPES['{public}']['APPS']`" if types else "`SHARED_APPS`",
        "tenant_name": "the other tenant types' `APPS`" if types else "`TENANT_APPS`",
        # The tenant types (not the public one) whose schemas hold each app's tables.
        "types_of": {app: [n for n, names in others.items() if app in names] for app in tenant},
        "shared_apps": shared,
        "tenant_apps": tenant,
        "shared_only": [a for a in shared if a not in tenant],
        "tenant_only": [a for a in tenant if a not in shared],
        "both": [a for a in shared if a in tenant],
        "empty_entries": apps.empty_entries(config, facts),
        "installed_from": apps.installed_from(config, facts),
        "tenant_tables": apps.tenant_tables(facts),
        "routing": routing.routing(config, facts, tenant_mw),
        "tenant_model": model(facts.get("tenant_model")),
        "domain_model": model(facts.get("domain_model")),
        "user_model": model(facts.get("user_model")),
        "users": users_placement(facts),
        "public_schema": facts.get("public_schema") or "public",
        "routers": list(facts.get("database_routers") or []),
        "engine": (facts.get("database") or {}).get("engine", ""),
        "middleware": middleware,
        "tenant_middleware": tenant_mw,
        "tenant_middleware_subclass": bool(tenant_mw) and not tenant_mw.startswith("django_tenants."),
        "tenant_middleware_position": first + 1,
        # Tenant middlewares after the first: each runs later and may select another tenant.
        "more_tenant_middleware": [
            {"path": m["path"], "position": middleware.index(m["path"]) + 1}
            for m in (facts.get("middleware_classes") or [])
            if m.get("tenant") and m["path"] != tenant_mw and m["path"] in middleware
        ],
        "before_tenant_middleware": middleware[:first] if first > 0 else [],
        "settings_module": facts.get("settings_module", ""),
        "settings_file": leaf,
        "setting_files": files,
        # Only a file the probe saw assigning the app lists: the leaf module may just import them.
        "apps_file": files.get("SHARED_APPS") or files.get("TENANT_APPS") or "",
        "migrate_is_tenant_aware": any(b.startswith("django_tenants.") for b in migrate.get("bases", [])),
        "migrate_class": f"{migrate['module']}.{migrate['class']}" if migrate.get("class") else "",
    }


def django_tenants_installed(facts: dict[str, Any]) -> bool:
    placement = facts.get("app_placement")
    if placement is not None:
        return any(a.get("name") == "django_tenants" for a in placement)
    return bool(facts.get("django_tenants_installed", False))


def tenant_middleware(facts: dict[str, Any]) -> str:
    """The first MIDDLEWARE entry that is (a subclass of) TenantMainMiddleware, checked by class
    in the probe; facts from an older probe fall back to django_tenants' own path."""
    classes = facts.get("middleware_classes")
    if classes is not None:
        return next((m["path"] for m in classes if m.get("tenant")), "")
    return next((m for m in facts.get("tenant_middleware") or [] if m.startswith("django_tenants.")), "")


def model(entry: Any) -> dict[str, Any]:
    """A model fact with every key: label, table, error ("" when absent); ok when it loaded."""
    entry = entry if isinstance(entry, dict) else {}
    out = {key: entry.get(key) or "" for key in ("label", "table", "error")}
    out["ok"] = bool(out["label"] and out["table"] and not out["error"])
    return out


def users_placement(facts: dict[str, Any]) -> str:
    """Where the user model's table is: "shared" (public only), "tenant" (every tenant schema,
    users are per tenant) or "" when the facts cannot tell."""
    label = (facts.get("user_model") or {}).get("label") or "auth.User"
    app_label = label.split(".")[0]
    for app in facts.get("app_placement") or []:
        if app.get("label") == app_label:
            if app.get("tenant"):
                return "tenant"
            return "shared" if app.get("shared") else ""
    return ""


def setting_files(config: Config, facts: dict[str, Any]) -> dict[str, str]:
    """SETTING -> the project file whose assignment decides it (the last one evaluated)."""
    out = {}
    for name, paths in (facts.get("setting_files") or {}).items():
        if paths:
            out[name] = apps.project_rel(config, paths[-1])
    return out


def migration_steps(
    config: Config, facts: dict[str, Any], sequence: list[tuple[str, str]], run: str = ""
) -> list[dict[str, str]]:
    """The tenant sequence `devkit up` runs, as commands a person can type (`run` prefixes each
    one when the project does not load the env file itself). Without django_tenants: `migrate`."""
    if not django_tenants_installed(facts):
        return [{"key": "migrate", "command": f"{run}python manage.py migrate"}]
    verdicts = {tuple(e["argv"]): e["ok"] for e in facts.get("preflight", [])}
    steps = []
    for key, line in sequence:
        if line == "auto":
            auto = AUTO_COMMANDS[key]
            line = auto if verdicts.get(tuple(auto.split())) else "builtin"
        command = "(devkit creates it: `devkit up`)" if line == "builtin" else f"{run}python manage.py {line}"
        steps.append({"key": key, "command": command})
    return steps


def project_commands(
    config: Config, facts: dict[str, Any], sequence: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """The project's own commands about tenants, schemas or domains (from its apps, not from a
    package): name, help line, file, the defaults of their domain options, and the `tenants.*`
    key that runs it when devkit's sequence does."""
    venv = config.path(config.python.venv).resolve()
    own = set()
    for app in facts.get("apps") or []:
        path = Path(str(app.get("path") or "")).resolve()
        packaged = path.is_relative_to(venv) or {"site-packages", "node_modules"} & set(path.parts)
        if path.is_relative_to(config.root.resolve()) and not packaged:
            own.add(app.get("name"))
    runs = {
        line.split()[0]: key for key, line in sequence if line not in ("auto", "builtin") and line.strip()
    }
    out = []
    for entry in facts.get("tenant_commands") or []:
        if entry.get("app") not in own:
            continue
        out.append(
            {
                "name": entry["name"],
                "help": (entry.get("help") or "").rstrip("."),
                "file": apps.project_rel(config, entry["file"]) if entry.get("file") else "",
                "domains": [d for d in entry.get("domains") or [] if d.get("default")],
                "runs_as": runs.get(entry["name"], ""),
            }
        )
    return out


def _pinned(config: Config, name: str) -> str:
    for row in stack.stack_rows(config):
        if row.component.lower() == name and "pinned" in row.source:
            return row.version
    return ""
