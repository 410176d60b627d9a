"""Django and tenants (database): super and guest tenants, schema names, superuser, migrations.

Read with psycopg (no Django boot); the tenant table and user table names come from the probe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devkit.core.errors import DevkitError
from devkit.doctor import fixes
from devkit.doctor.env import DoctorEnv, Skip
from devkit.doctor.model import Finding, check, fail, ok

CATEGORY = "Django and tenants"


@dataclass(frozen=True)
class TenantRows:
    public: str
    table: str
    rows: frozenset[str]  # schema_name of every tenant row
    schemas: frozenset[str]  # every schema in the database


def tenant_rows(env: DoctorEnv) -> TenantRows:
    def read() -> TenantRows:
        import psycopg
        from psycopg import sql

        conn = env.ready_connection()
        facts = env.need_facts()
        public = facts["public_schema"]
        table = (facts.get("tenant_model") or {}).get("table")
        if not table:
            raise Skip("TENANT_MODEL is not usable")
        with psycopg.connect(**conn.connect_kwargs()) as db:
            schemas = frozenset(r[0] for r in db.execute("SELECT nspname FROM pg_namespace"))
            exists = db.execute("SELECT to_regclass(%s)", (f'"{public}"."{table}"',)).fetchone()
            if exists is None or exists[0] is None:
                return TenantRows(public, table, frozenset(), schemas)
            rows = frozenset(
                r[0]
                for r in db.execute(
                    sql.SQL("SELECT schema_name FROM {}.{}").format(
                        sql.Identifier(public), sql.Identifier(table)
                    )
                )
            )
        return TenantRows(public, table, rows, schemas)

    return env.memo("tenant-rows", read)


def broken_commands(env: DoctorEnv) -> list[str]:
    """Configured tenant commands the pre-flight refuses (the tenant-commands check's ✗): a hint
    must not suggest running them."""
    import shlex

    facts = env.need_facts()
    verdicts = {tuple(e["argv"]): e for e in facts["preflight"]}
    broken = []
    for key, line in env.ctx.config.tenants.sequence_lines(env.ctx.profile):
        if line in ("auto", "builtin"):
            continue
        if not verdicts.get(tuple(shlex.split(line)), {}).get("ok"):
            broken.append(f"tenants.{key} = {line!r}")
    if facts.get("system_checks"):
        from devkit.tenants.preflight import tenant_lines_running_checks

        lines = tenant_lines_running_checks(env.ctx.config.tenants.sequence_lines(env.ctx.profile), facts)
        broken += [f"{line!r} (fails Django's system checks)" for line in lines]
    return broken


def up_hint(env: DoctorEnv, does: str) -> str:
    """`devkit up` as the fix, unless a command it would run is refused (then: fix that first)."""
    broken = broken_commands(env)
    if broken:
        return (
            f"first fix {', '.join(broken)} (see the tenant-commands and system-checks checks), "
            f"then `devkit up` {does}"
        )
    return f"devkit up {does}"


@check("tenants", CATEGORY, "Super and guest tenants")
def check_tenants(env: DoctorEnv) -> Finding:
    tenants = env.need_config().tenants
    found = tenant_rows(env)
    if not found.rows and found.table:
        shared = env.config.tenants.migrate_shared
        return fail(
            f"no rows in {found.public}.{found.table} (have the shared migrations run?)",
            up_hint(env, f"(runs `{shared}` and creates the tenants)"),
        )
    problems, fix = [], None
    for role, key in (("super", "create_super"), ("guest", "create_guest")):
        schema = getattr(tenants, role).schema
        if schema not in found.rows:
            problems.append(f"no {role} tenant (schema {schema!r})")
            fix = fix or fixes.create_tenant(key, f"the {role} tenant {schema!r}")
        elif schema not in found.schemas:
            problems.append(
                f"the {role} tenant's schema {schema!r} does not exist (tenant row without its schema)"
            )
            fix = fix or fixes.repair_schema(role, schema)
    if problems:
        hint = (
            "devkit doctor --fix (or devkit up) creates what is missing: tenants, or the "
            "schema of a tenant row whose schema was dropped"
        )
        return fail("; ".join(problems), hint, fix=fix)
    return ok(
        f"{tenants.super.schema!r} and {tenants.guest.schema!r} exist ({len(found.rows)} tenant(s))",
        details=", ".join(sorted(found.rows)),
    )


@check("schema-names", CATEGORY, "Schema names")
def check_schema_names(env: DoctorEnv) -> Finding:
    from devkit.core.names import validate_schema_name

    tenants = env.need_config().tenants
    problems = []
    for key in ("super", "guest"):
        try:
            validate_schema_name(getattr(tenants, key).schema, f"tenants.{key}.schema", key == "super")
        except DevkitError as exc:
            problems.append(exc.message)
    try:
        found = tenant_rows(env)
        rows, public = found.rows, found.public
    except Skip:
        rows, public = frozenset(), "public"
    for schema in sorted(rows):
        try:
            validate_schema_name(schema, "tenant row", public_tenant=schema == public)
        except DevkitError as exc:
            problems.append(exc.message)
    if problems:
        return fail(
            "; ".join(problems),
            "schema names: lowercase letters, digits and _, at most 63 characters, not starting "
            "with a digit, pg_ or devkit_; `public` only for the public tenant",
        )
    names = {tenants.super.schema, tenants.guest.schema} | set(rows)  # rows hold those two as well
    return ok(f"{len(names)} schema names valid" if rows else "configured schema names valid")


@check("superuser", CATEGORY, "Development superuser")
def check_superuser(env: DoctorEnv) -> Finding:
    import psycopg

    from devkit.tenants.verify import superuser_schemas

    username = env.need_config().tenants.superuser
    if not username:
        return ok("none configured (tenants.superuser is empty)")
    conn = env.ready_connection()
    facts = env.need_facts()
    user: dict[str, Any] = facts.get("user_model") or {}
    table = user.get("table")
    if not table:
        raise Skip("AUTH_USER_MODEL is not usable")
    tenants = env.config.tenants
    expected = [tenants.super.schema, tenants.guest.schema]
    with psycopg.connect(**conn.connect_kwargs()) as db:
        found = superuser_schemas(db, facts, expected, username)
    if not found:
        raise Skip(f"no schema holds {table} yet (shared migrations have not run)")
    missing = [schema for schema, there in found.items() if not there]
    if missing:
        return fail(
            f"superuser {username!r} does not exist in schema(s) {', '.join(missing)} "
            f"(every schema with the user table {table} needs it)",
            "devkit doctor --fix creates it with the same password (kept in .devkit/secrets.json)",
            fix=fixes.create_tenant("superuser", f"the superuser {username!r}"),
        )
    return ok(f"{username!r} exists in {', '.join(found)}")


@check("migrations", CATEGORY, "Pending migrations")
def check_migrations(env: DoctorEnv) -> Finding:
    from devkit.tenants import migrations

    found = tenant_rows(env)
    facts = env.need_facts()
    present = sorted((found.rows & found.schemas) | ({found.public} & found.schemas))
    pending = migrations.pending(facts, env.ready_connection(), present)
    behind = {schema: todo for schema, todo in pending.items() if todo}
    if behind:
        parts = [f"{schema}: {len(todo)}" for schema, todo in sorted(behind.items())]
        details = "\n".join(f"{s}: {', '.join(todo)}" for s, todo in sorted(behind.items()))
        tenants = env.config.tenants
        hint = (
            up_hint(env, "migrates")
            if broken_commands(env)
            else f"python manage.py {tenants.migrate_shared} and {tenants.migrate_tenants} (or devkit up)"
        )
        return fail(
            f"pending migrations ({'; '.join(parts)})",
            hint + "; doctor does not migrate: a migration can drop data",
            details=details,
        )
    return ok(f"{len(present)} schema(s) up to date", details=", ".join(present))
