"""What the docs say about the app lists: the lists without the empty strings a project may hold,
how INSTALLED_APPS is built (which decides where a new app goes), and which apps have tables in
the tenant schemas. Read from the facts and, for how a setting is built, from the settings' source
(devkit/project/settings_source.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devkit.config.model import Config
from devkit.docs.settings import rel
from devkit.project import settings_source


def project_rel(config: Config, path: str) -> str:
    """A facts path (absolute, or already relative) as the docs show it: relative to the root."""
    candidate = Path(path)
    return rel(config, candidate) if candidate.is_absolute() else candidate.as_posix()


def where(config: Config, location: str) -> str:
    """`/abs/settings.py:12` -> `backend/settings.py:12`."""
    path, _, line = location.rpartition(":")
    return f"{project_rel(config, path)}:{line}" if path else location


def settings_paths(config: Config, facts: dict[str, Any]) -> list[str]:
    """Every settings file the probe saw assigning a named setting, in evaluation order (a relative
    path is the project root's)."""
    found = (p for paths in (facts.get("setting_files") or {}).values() for p in paths)
    return list(dict.fromkeys(str(config.root / p) if not Path(p).is_absolute() else p for p in found))


def apps_of(facts: dict[str, Any], key: str) -> list[str]:
    """SHARED_APPS / TENANT_APPS without empty strings (no app: a project bug, said on its own)."""
    return [app for app in facts.get(key) or [] if isinstance(app, str) and app.strip()]


def empty_entries(config: Config, facts: dict[str, Any]) -> list[dict[str, str]]:
    """{setting, where} for each app list that holds an empty string."""
    out = []
    for setting, key in (("SHARED_APPS", "shared_apps"), ("TENANT_APPS", "tenant_apps")):
        if any(isinstance(a, str) and not a.strip() for a in facts.get(key) or []):
            found = settings_source.empty_strings(settings_paths(config, facts), setting)
            out.append({"setting": setting, "where": ", ".join(where(config, f) for f in found)})
    return out


def installed_from(config: Config, facts: dict[str, Any]) -> dict[str, Any]:
    """How INSTALLED_APPS is built: kind `both` (from SHARED_APPS and TENANT_APPS), `shared` (from
    SHARED_APPS, not TENANT_APPS), `own` (neither: its own list), `unknown` (a call devkit does not
    read, or no assignment found); `where` its file, `others` further lists it adds, `calls`."""
    found = settings_source.recipe(settings_paths(config, facts), "INSTALLED_APPS")
    if found is None:
        return {"kind": "unknown", "where": "", "others": [], "calls": []}
    reads_shared = "SHARED_APPS" in found.reads
    reads_tenant = "TENANT_APPS" in found.reads
    if found.opaque:
        kind = "unknown"
    elif reads_shared:
        kind = "both" if reads_tenant else "shared"
    else:
        kind = "both" if reads_tenant else "own"
    others = [n for n in found.direct if n not in ("SHARED_APPS", "TENANT_APPS")] if kind == "both" else []
    return {
        "kind": kind,
        # the file, not the line: a line number would make every edit above it a docs change
        "where": project_rel(config, found.where.rpartition(":")[0]) if found.where else "",
        "others": others,
        "calls": [f"{name}()" for name in found.opaque],
    }


def tenant_tables(facts: dict[str, Any]) -> dict[str, Any]:
    """The apps of TENANT_APPS that have models (tables in every tenant schema); `known` is False
    when the facts do not count models (an older probe)."""
    placement = facts.get("app_placement") or []
    known = bool(placement) and all("models" in a for a in placement)
    with_tables = [a["name"] for a in placement if a.get("tenant") and a.get("models")]
    no_models = [a["name"] for a in placement if "models" in a and not a.get("models")]
    return {"known": known, "apps": with_tables if known else [], "no_models": no_models if known else []}
