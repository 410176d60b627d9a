"""The development superuser of a branch's copied database: does the stored password (the
source's, taken with its rows) open the copied row? Checked without Django (pbkdf2 hashes)."""

from __future__ import annotations

from typing import Any

from devkit.context import Context


def user_table(facts: dict[str, Any]) -> tuple[Any, ...]:
    user = facts.get("user_model") or {}
    return (
        facts.get("public_schema"),
        user.get("table"),
        user.get("username_field"),
        repr(user.get("field_info")),
    )


def password_problem(ctx: Context, facts: dict[str, Any]) -> str | None:
    """Why the stored superuser password does not open the copied superuser row, or None.

    The first schema that holds the user table is checked: devkit gave every schema's row the
    same password at once, and each check costs a second of pbkdf2."""
    import psycopg
    from psycopg import sql

    from devkit.tenants.fields import superuser_login
    from devkit.tenants.verify import superuser_schemas
    from devkit.worktrees import django_password

    tenants = ctx.config.tenants
    if not tenants.superuser:
        return None
    password = ctx.secrets.get("superuser.password")
    if not password:
        return "no stored superuser password"
    user = facts.get("user_model") or {}
    column, login = superuser_login(
        user, tenants.superuser, tenants.superuser_email, tenants.superuser_fields
    )
    expected = [tenants.super.schema, tenants.guest.schema, *(t.schema for t in tenants.dev_tenants())]
    with psycopg.connect(**ctx.connection.connect_kwargs()) as db:
        holding = [s for s, there in superuser_schemas(db, facts, expected, login).items() if there]
        if not holding:
            return "the copied database has no development superuser row"
        query = sql.SQL("SELECT password FROM {}.{} WHERE {} = %s").format(
            sql.Identifier(holding[0]), sql.Identifier(user["table"]), sql.Identifier(column)
        )
        row = db.execute(query, (login,)).fetchone()
    verdict = django_password.matches(password, str(row[0])) if row else False
    if verdict is None:
        return f"the superuser's password hash in {holding[0]} is not one devkit checks without Django"
    if not verdict:
        return f"the stored superuser password does not open the copied superuser in {holding[0]}"
    return None
