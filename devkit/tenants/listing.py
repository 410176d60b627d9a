"""The tenants a development database holds, read with psycopg: rows, domains, schemas, pending
migrations, and whether devkit created each one (the comment it puts on a dev tenant's schema)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devkit.database.base import Connection
from devkit.tenants import migrations

MARKER_PREFIX = "devkit dev tenant"


@dataclass(frozen=True)
class TenantRow:
    schema: str
    name: str
    domains: tuple[str, ...]
    schema_exists: bool
    pending: int
    by_devkit: bool
    configured: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "name": self.name,
            "domains": list(self.domains),
            "schema_exists": self.schema_exists,
            "pending_migrations": self.pending,
            "created_by_devkit": self.by_devkit,
            "configured": self.configured,
        }


def list_tenants(conn: Connection, facts: dict[str, Any], configured: set[str]) -> list[TenantRow]:
    """Every tenant row (public first), with its domains and what devkit knows of it."""
    import psycopg
    from psycopg import sql

    public = facts["public_schema"]
    tenant = facts.get("tenant_model") or {}
    domain = facts.get("domain_model") or {}
    if not tenant.get("table"):
        return []
    name_column = "name" if "name" in tenant.get("fields", []) else "schema_name"
    with psycopg.connect(**conn.connect_kwargs()) as db:
        rows = db.execute(
            sql.SQL(
                "SELECT id, schema_name, {} FROM {}.{} "
                "ORDER BY schema_name <> %s, length(schema_name), schema_name"
            ).format(sql.Identifier(name_column), sql.Identifier(public), sql.Identifier(tenant["table"])),
            (public,),
        ).fetchall()
        domains: dict[Any, list[str]] = {}
        if domain.get("table"):
            for tenant_id, host in db.execute(
                sql.SQL("SELECT tenant_id, domain FROM {}.{} ORDER BY is_primary DESC, domain").format(
                    sql.Identifier(public), sql.Identifier(domain["table"])
                )
            ):
                domains.setdefault(tenant_id, []).append(host)
        comments = dict(
            db.execute("SELECT nspname, coalesce(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace")
        )
    present = [schema for _, schema, _ in rows if schema in comments]
    pending = migrations.pending(facts, conn, present)
    return [
        TenantRow(
            schema=schema,
            name=str(label),
            domains=tuple(domains.get(pk, [])),
            schema_exists=schema in comments,
            pending=len(pending.get(schema, [])),
            by_devkit=comments.get(schema, "").startswith(MARKER_PREFIX),
            configured=schema in configured,
        )
        for pk, schema, label in rows
    ]
