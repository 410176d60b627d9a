"""tenants in a branched checkout: on the copy's first run, nothing runs when the database has
every tenant, schema and migration this checkout expects and the stored superuser password opens
the copied superuser row; otherwise the sequence runs as always (it migrates the copy)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from devkit.context import Context
from devkit.core.state import read_json
from devkit.pipeline import Done
from devkit.steps.branched.wrapped import Wrapped
from devkit.worktrees import lineage


class TenantsFromSource(Wrapped):
    def run(self, ctx: Context) -> Done:
        branch = lineage.current(ctx.state)
        if not branch.get("database") or ctx.state.step(self.name):
            return super().run(ctx)
        # The password check (about a second of pbkdf2) runs while the facts are read: with the
        # source's description of the user table, confirmed against this checkout's below.
        theirs = read_json(Path(branch["source"]) / ".devkit" / "facts.json").get("facts") or {}
        unverified: str | None = None
        with ThreadPoolExecutor(max_workers=1) as pool:
            early = (
                pool.submit(_superuser_password_problem, ctx, theirs) if theirs.get("user_model") else None
            )
            problem = self.step.check(ctx, {})
            if problem is None:
                facts = ctx.facts()
                if early is not None and _user_table(theirs) == _user_table(facts):
                    unverified = early.result()
                else:
                    unverified = _superuser_password_problem(ctx, facts)
        if problem is None:
            if unverified is None:
                return Done(
                    f"the copy of {branch['source']}'s database has every tenant, schema and migration "
                    "and the superuser (verified): nothing to run"
                )
            ctx.state.put("superuser_password_unset", True)
            ctx.notes.append(f"tenants: {unverified}: the sequence sets it")
        else:
            ctx.notes.append(f"tenants: the copy is not this checkout's yet ({problem}): the sequence runs")
        return super().run(ctx)


def _user_table(facts: dict[str, Any]) -> tuple[Any, ...]:
    user = facts.get("user_model") or {}
    return (
        facts.get("public_schema"),
        user.get("table"),
        user.get("username_field"),
        repr(user.get("field_info")),
    )


def _superuser_password_problem(ctx: Context, facts: dict[str, Any]) -> str | None:
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
