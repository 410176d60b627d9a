"""The tenant sequence's pre-flight: what the project's settings and commands must be before
anything runs (the facts probe read them), checked in one place for `devkit up`, `devkit
migrate` and doctor."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from devkit.config.model import AUTO_COMMANDS
from devkit.core.errors import StepFailed
from devkit.database.base import Connection
from devkit.project import probe_failure
from devkit.tenants.actions import Action

POSTGRES_ENGINES = ("postgresql", "postgis", "django_tenants")


def refuse_failing_checks(
    facts: dict[str, Any], actions: list[Action], verdicts: dict[Any, Any], requirements: str = ""
) -> None:
    """Django's system checks fail: every command of the plan that runs them would stop."""
    errors = [f"{c['id']}: {c['msg']}" for c in facts.get("system_checks", [])]
    lines = [" ".join(a.argv) for a in actions if a.argv and verdicts[a.argv].get("runs_checks", True)]
    if errors and lines:
        failure = probe_failure.system_checks_failure(errors, lines, requirements)
        raise StepFailed(failure.message, hint=failure.hint)


def tenant_lines_running_checks(lines: list[tuple[str, str]], facts: dict[str, Any]) -> list[str]:
    """Of the tenant sequence's (key, command line) `lines`, the project commands that run
    Django's system checks (no --skip-checks)."""
    verdicts = {tuple(e["argv"]): e for e in facts["preflight"]}
    found = []
    for key, line in lines:
        if line == "builtin":
            continue
        argv = tuple(shlex.split(AUTO_COMMANDS[key] if line == "auto" else line))
        verdict = verdicts.get(argv, {})
        if verdict.get("ok") and verdict.get("runs_checks", True):
            found.append(" ".join(argv))
    return found


_ENGINE_READ = re.compile(
    r"""(?:environ(?:\.get)?|getenv|env(?:\.\w+)?|config)\s*[\[(]\s*['"](\w*ENGINE\w*)['"]"""
)


def engine_variables(facts: dict[str, Any]) -> list[str]:
    """Variables the settings read to choose the database engine (`config("DB_ENGINE", ...)`),
    from the settings file and its siblings (a settings package keeps them in base.py)."""
    found: list[str] = []
    settings_file = facts.get("settings_file")
    if not settings_file:
        return found
    for path in sorted(Path(settings_file).parent.glob("*.py")):
        try:
            found += [v for v in _ENGINE_READ.findall(path.read_text(errors="replace")) if v not in found]
        except OSError:
            continue
    return found


def engine_hint(source: str, facts: dict[str, Any]) -> str:
    """What to change when the settings' engine is not PostgreSQL (`source`: the config file)."""
    names = engine_variables(facts)
    if names:
        return (
            f"the settings choose the engine from {', '.join(names)}: add "
            f'{names[0]} = "django_tenants.postgresql_backend" to [database.env] in {source}'
        )
    return (
        "make the settings read the variables devkit writes (database.env in "
        f"{source}; `devkit config` shows them)"
    )


def preflight(source: str, conn: Connection, facts: dict[str, Any]) -> None:
    """Settings that make the tenant sequence meaningless: fail before running anything
    (`source`: the config file the hints name; `conn`: the database devkit provides)."""
    engine = facts["database"]["engine"]
    if not any(name in engine for name in POSTGRES_ENGINES):
        raise StepFailed(
            f"the project's settings use the database engine {engine!r}, not PostgreSQL "
            "(a silent fallback, e.g. to SQLite, when the database variables are missing?)",
            hint=engine_hint(source, facts),
        )
    if not facts["django_tenants_installed"]:
        raise StepFailed(
            "django_tenants is not in INSTALLED_APPS",
            hint="add django_tenants to SHARED_APPS/INSTALLED_APPS (django-tenants docs)",
        )
    db = facts["database"]
    if db["name"] != conn.name or (db["port"] and db["port"] != str(conn.port)):
        raise StepFailed(
            f"the settings point at database {db['name']!r} on port {db['port'] or 'default'}, but "
            f"devkit provides {conn.name!r} on port {conn.port}",
            hint="map the connection onto the variables your settings read: database.env in "
            f'{source} (e.g. DB_NAME = "{{name}}")',
        )
