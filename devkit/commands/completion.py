"""What the shell completes (`devkit --install-completion`): step names, snapshot names, tenant
schemas.

A completion runs on every Tab, so it starts nothing (no server, no Django, no `.devkit/`
written): step names come from the registry, snapshots and tenants from the database only when
devkit's server already answers, with a short connect timeout, and the tenant table from the
cached facts (`.devkit/facts.json`). A completion cannot show an error (the shell would print it
into the command line being typed): when anything is missing or refuses, it offers nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from devkit.core.errors import DevkitError

CONNECT_TIMEOUT = 2  # seconds: a Tab must not hang on a server that does not answer


def step_names() -> list[str]:
    from devkit.steps import up_steps

    return [step.name for step in up_steps()]


def snapshot_names(project: Path | None) -> list[str]:
    """The snapshots of devkit's database, when its server runs; [] otherwise."""
    from devkit.database.snapshots import Snapshots

    conn = _running_connection(project)
    return Snapshots(conn).names(connect_timeout=CONNECT_TIMEOUT) if conn is not None else []


def tenant_schemas(project: Path | None, *, by_devkit: bool = False) -> list[str]:
    """The tenants' schemas (`by_devkit`: only those devkit created, the ones `tenants rm` takes)."""
    config = _config(project)
    conn = _running_connection(project, config)
    facts = _cached_facts(config)
    table = (facts.get("tenant_model") or {}).get("table")
    if conn is None or not table:
        return []
    import psycopg
    from psycopg import sql

    from devkit.tenants.listing import MARKER_PREFIX

    query = sql.SQL(
        "SELECT t.schema_name, coalesce(obj_description(n.oid, 'pg_namespace'), '') FROM {}.{} t "
        "LEFT JOIN pg_namespace n ON n.nspname = t.schema_name ORDER BY t.schema_name"
    ).format(sql.Identifier(facts.get("public_schema") or "public"), sql.Identifier(table))
    with psycopg.connect(**{**conn.connect_kwargs(), "connect_timeout": CONNECT_TIMEOUT}) as db:
        rows = db.execute(query).fetchall()
    return [schema for schema, comment in rows if not by_devkit or comment.startswith(MARKER_PREFIX)]


def offer(compute: Any, *args: Any, **kwargs: Any) -> list[str]:
    """compute(*args) for the shell; the errors a completion meets (no project, no server, a
    refused connection, an unreadable file) become no suggestions: the shell cannot show them."""
    import psycopg

    try:
        return list(compute(*args, **kwargs))
    except (DevkitError, OSError, ValueError, psycopg.Error):
        return []


def _config(project: Path | None) -> Any:
    from devkit.config import loading

    root = project.resolve() if project else loading.find_project(Path.cwd())
    return loading.load(root)


def _running_connection(project: Path | None, config: Any = None) -> Any:
    """The connection of the provider an earlier `devkit up` recorded, if its server runs. Never
    `auto` resolution (it may ask a Docker engine) and never Context.create (it writes .devkit/)."""
    from devkit.core.state import Secrets, State

    config = config if config is not None else _config(project)
    if not (config.state_dir / "state.json").is_file():
        return None
    state, secrets = State(config.state_dir), Secrets(config.state_dir)
    recorded = state.get("provider")
    if recorded == "native":
        from devkit.database.native import NativePostgres

        return NativePostgres(config, state, secrets).current()
    if recorded == "docker":
        from devkit.database.docker import DockerPostgres

        return DockerPostgres(config, state, secrets).current()
    if recorded == "external":
        from devkit.database.external import from_environment

        return from_environment(config)
    return None


def _cached_facts(config: Any) -> dict[str, Any]:
    path = config.state_dir / "facts.json"
    if not path.is_file():
        return {}
    document = json.loads(path.read_text())
    facts = document.get("facts") if isinstance(document, dict) else None
    return facts if isinstance(facts, dict) else {}
