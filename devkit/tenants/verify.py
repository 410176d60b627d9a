"""Verify the tenant outcome with psycopg: tenant rows, their schemas, the superuser, migrations."""

from __future__ import annotations

from typing import Any

from devkit.database.base import Connection
from devkit.tenants import migrations


def rows_without_schema(conn: Connection, facts: dict[str, Any], expected: list[str]) -> list[str]:
    """Expected tenants whose row exists but whose schema was dropped (django-tenants then fails
    in migrate_schemas --tenant with 'no schema has been selected')."""
    import psycopg
    from psycopg import sql

    table = (facts.get("tenant_model") or {}).get("table")
    public = facts["public_schema"]
    with psycopg.connect(**conn.connect_kwargs()) as db:
        if (
            not table
            or db.execute("SELECT to_regclass(%s)", (f'"{public}"."{table}"',)).fetchone()[0] is None
        ):
            return []
        rows = {
            r[0]
            for r in db.execute(
                sql.SQL("SELECT schema_name FROM {}.{}").format(sql.Identifier(public), sql.Identifier(table))
            )
        }
        schemas = {r[0] for r in db.execute("SELECT nspname FROM pg_namespace")}
    return [s for s in expected if s in rows and s not in schemas]


def inspect(conn: Connection, facts: dict[str, Any], expected: list[str], superuser: str | None) -> list[str]:
    """Problems with the tenant outcome, empty when everything exists and is migrated."""
    import psycopg
    from psycopg import sql

    public = facts["public_schema"]
    tenant_table = (facts.get("tenant_model") or {}).get("table")
    if not tenant_table:
        return ["TENANT_MODEL is not set or not importable: no tenant table to check"]
    problems: list[str] = []
    with psycopg.connect(**conn.connect_kwargs()) as db:
        if db.execute("SELECT to_regclass(%s)", (f'"{public}"."{tenant_table}"',)).fetchone()[0] is None:
            return [
                f"the tenant table {public}.{tenant_table} does not exist (shared migrations have not run)"
            ]
        rows = {
            r[0]
            for r in db.execute(
                sql.SQL("SELECT schema_name FROM {}.{}").format(
                    sql.Identifier(public), sql.Identifier(tenant_table)
                )
            )
        }
        schemas = {r[0] for r in db.execute("SELECT nspname FROM pg_namespace")}
        for schema in expected:
            if schema not in rows:
                problems.append(f"no tenant row for schema {schema!r} in {tenant_table}")
            if schema not in schemas:
                problems.append(f"schema {schema!r} does not exist")
        if superuser:
            problems += superuser_problems(db, facts, expected, superuser)
    present = sorted(rows & schemas | ({public} & schemas))
    for schema, todo in migrations.pending(facts, conn, present).items():
        if todo:
            shown = ", ".join(todo[:5]) + (f" and {len(todo) - 5} more" if len(todo) > 5 else "")
            problems.append(f"schema {schema!r}: {len(todo)} pending migration(s): {shown}")
    return problems


def superuser_schemas(db: Any, facts: dict[str, Any], expected: list[str], username: str) -> dict[str, bool]:
    """{schema: whether the superuser's table is there}, for public and every expected tenant
    schema that holds the user table (users are per tenant when django.contrib.auth is a tenant app)."""
    from psycopg import sql

    user = facts.get("user_model") or {}
    table, column = user.get("table"), user.get("username_field", "username")
    public = facts["public_schema"]
    found: dict[str, bool] = {}
    if not table:
        return found
    schemas = [public, *[s for s in expected if s != public]]
    # One query for where the table is (50 development tenants: 50 round trips otherwise).
    holding = [
        row[0]
        for row in db.execute(
            "SELECT s FROM unnest(%s::text[]) WITH ORDINALITY AS u(s, n) "
            "WHERE to_regclass(format('%%I.%%I', s, %s::text)) IS NOT NULL ORDER BY n",
            (schemas, table),
        )
    ]
    for schema in holding:
        query = sql.SQL("SELECT 1 FROM {}.{} WHERE {} = %s").format(
            sql.Identifier(schema), sql.Identifier(table), sql.Identifier(column)
        )
        found[schema] = db.execute(query, (username,)).fetchone() is not None
    return found


def superuser_problems(db: Any, facts: dict[str, Any], expected: list[str], superuser: str) -> list[str]:
    """The development superuser must exist in every schema that holds the user table."""
    found = superuser_schemas(db, facts, expected, superuser)
    if not found:
        table = (facts.get("user_model") or {}).get("table")
        return [f"superuser {superuser!r} does not exist (no schema holds the user table {table!r})"]
    missing = [schema for schema, there in found.items() if not there]
    return [f"superuser {superuser!r} does not exist in schema {schema!r}" for schema in missing]
