"""Create the missing development tenants: rows and domains through the project's Django (its
tenant model's own defaults), schemas cloned from the migrated template by replaying one pg_dump
of it (django-tenants' clone_schema when no matching pg_dump is found), or migrated when a tenant
migration runs code (probe/tenants.py decides and says why)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from devkit import facts as facts_mod
from devkit import schema_clone
from devkit.context import Context

# A migrated, empty tenant schema that development tenants are cloned from (not a tenant itself).
TEMPLATE_SCHEMA = "devkit_tenant_template"


def devkit_marker(root: Path) -> str:
    """The comment devkit puts on the schemas of tenants it created (only those may be removed)."""
    return f"devkit dev tenant of {root}"


def plan_for(specs: list[Any], root: Path, clone_by_devkit: bool) -> dict[str, Any]:
    return {
        "tenants": [{"schema": s.schema, "name": s.name, "domain": s.domain} for s in specs],
        "template": TEMPLATE_SCHEMA,
        "marker": devkit_marker(root),
        "workers": max(1, os.cpu_count() or 1),
        "clone_by_devkit": clone_by_devkit,
    }


def create(ctx: Context, specs: list[Any], log: Path) -> str:
    """Ensure every spec exists; returns the summary line ("created 20, kept 2, cloned ...")."""
    pg_dump = schema_clone.find_pg_dump(ctx.connection)
    plan = {"dev_tenants": plan_for(specs, ctx.config.root, pg_dump is not None)}
    done = facts_mod.run_in_django(
        ctx,
        "tenants.py",
        {"DEVKIT_TENANTS": json.dumps(plan)},
        log=log,
        hint="devkit's creation of the development tenants failed: see its log",
    )
    lines = done.stdout.splitlines()
    needed = [line.split(":", 1)[1].split() for line in lines if line.startswith("clone-needed:")]
    schemas = needed[-1] if needed else []
    if schemas and pg_dump is not None:
        dump = schema_clone.dump_schema(
            ctx.connection, pg_dump, TEMPLATE_SCHEMA, log.with_suffix(".dump.log")
        )
        schema_clone.clone_schemas(
            ctx.connection,
            dump,
            TEMPLATE_SCHEMA,
            schemas,
            devkit_marker(ctx.config.root),
            on_done=lambda schema, n, total: ctx.progress(f"dev tenants: {schema} ({n}/{total})"),
        )
    summary = [line[len("dev tenants: ") :] for line in lines if line.startswith("dev tenants: ")]
    text = summary[-1] if summary else "done"
    if schemas and pg_dump is not None:
        text += ", by replaying a pg_dump of it"
    return text
