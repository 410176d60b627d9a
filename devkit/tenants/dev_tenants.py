"""Create the missing development tenants: rows and domains through the project's Django (its
tenant model's own defaults), schemas cloned from the migrated template by replaying one pg_dump
of it in the Django process (django-tenants' clone_schema when no matching pg_dump is found),
or migrated when a tenant migration runs code (probe/tenants.py decides and says why). The dump
is kept in .devkit/tenant-template.sql under a key of what it depends on (docs/tenants.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from devkit.context import Context
from devkit.core import activity
from devkit.tenants import clone
from devkit.tenants.fields import row_of, tenant_values

# A migrated, empty tenant schema that development tenants are cloned from (not a tenant itself).
TEMPLATE_SCHEMA = "devkit_tenant_template"


def devkit_marker(root: Path) -> str:
    """The comment devkit puts on the schemas of tenants it created (only those may be removed)."""
    return f"devkit dev tenant of {root}"


def plan_for(ctx: Context, specs: list[Any]) -> dict[str, Any]:
    """What probe/tenants.py needs to create `specs` (a pg_dump of the server's version, if any)."""
    cpus = max(1, os.cpu_count() or 1)
    model = ctx.facts().get("tenant_model") or {}
    tenants = ctx.config.tenants

    def spec_of(s: Any) -> dict[str, Any]:  # each tenant's own values for the model's fields
        values, _how = tenant_values(model, tenants.fields, row_of(tenants, s))
        return {"schema": s.schema, "name": s.name, "domain": s.domain, "fields": values}

    return {
        "tenants": [spec_of(s) for s in specs],
        "template": TEMPLATE_SCHEMA,
        "marker": devkit_marker(ctx.config.root),
        "workers": cpus,  # migrating processes, clone_schema sessions
        # Replaying the dump: a session waits on its commit and its files' fsync (PostgreSQL
        # syncs each new index) while another runs. 50 replays on 2 CPUs took 0.88 s with 2
        # sessions, 0.71 s with 4, 0.74 s with 6 (raw psycopg, same minute).
        "sessions": min(8, 2 * cpus),
        "pg_dump": clone.dump_command(ctx.connection),
        # The probe keeps the template's dump here, under a key of the migrations it reflects.
        "dump_cache": str(ctx.config.state_dir / "tenant-template.sql"),
        "inputs_key": ctx.facts_key(),
        # Checked without Django (one query): the probe then skips `migrate_schemas` on it.
        "template_current": template_current(ctx),
    }


def template_current(ctx: Context) -> bool:
    """Every migration on disk is recorded in the template schema (so it exists)."""
    from devkit.tenants import migrations

    found = migrations.pending(ctx.facts(), ctx.connection, [TEMPLATE_SCHEMA])
    return found.get(TEMPLATE_SCHEMA) == []


def summary(output: str) -> str:
    """The probe's last "dev tenants: …" line ("created 20, kept 2, cloned from …")."""
    said = [line[len("dev tenants: ") :] for line in output.splitlines() if line.startswith("dev tenants: ")]
    return said[-1] if said else "done"


def notes(output: str) -> list[str]:
    """What the probe asked to tell the person ("note: …" lines: a template set aside, say)."""
    return [line[len("note: ") :] for line in output.splitlines() if line.startswith("note: ")]


def create(ctx: Context, specs: list[Any], log: Path) -> str:
    """Ensure every spec exists in a Django process of its own (`devkit tenants add`; the tenant
    sequence runs the same plan in its one process); returns the summary line."""
    done = ctx.django().run(
        "tenants.py",
        {"DEVKIT_TENANTS": json.dumps({"dev_tenants": plan_for(ctx, specs)})},
        log=log,
        hint="devkit's creation of the development tenants failed: see its log",
        on_line=activity.reporter("dev tenants", ctx.progress_callback()),
    )
    ctx.notes.extend(notes(done.stdout))
    return summary(done.stdout)
