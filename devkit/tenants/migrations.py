"""Pending migrations per schema without booting Django: files on disk vs django_migrations.

django-tenants records every migration of every installed app in each schema's
django_migrations (the router skips the operations, not the record), so a schema is up to date
when it has a row for every migration file of every installed app. Squashed migrations count
as applied when they or all the migrations they replace are recorded.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.database.base import Connection


@dataclass(frozen=True)
class MigrationFile:
    app: str
    name: str
    replaces: tuple[tuple[str, str], ...] = ()


def on_disk(facts: dict[str, Any]) -> list[MigrationFile]:
    found: list[MigrationFile] = []
    for app in facts["apps"]:
        folder = app.get("migrations_dir")
        if not folder or not Path(folder).is_dir():
            continue
        for path in sorted(Path(folder).glob("*.py")):
            if path.name.startswith(("_", "~")):
                continue
            found.append(MigrationFile(app["label"], path.stem, _replaces(path)))
    return found


def _replaces(path: Path) -> tuple[tuple[str, str], ...]:
    source = path.read_bytes()
    if b"replaces" not in source:
        return ()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "replaces" for t in node.targets
        ):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return ()
            return tuple((str(a), str(n)) for a, n in value)
    return ()


def missing(files: list[MigrationFile], applied: set[tuple[str, str]]) -> list[str]:
    """The migrations of `files` not applied according to `applied` ((app, name) rows)."""
    replaced = {r for f in files for r in f.replaces}
    out: list[str] = []
    for f in files:
        key = (f.app, f.name)
        if f.replaces:
            if key in applied or set(f.replaces) <= applied:
                continue
            partly = [r for r in f.replaces if r in applied]
            todo = [r for r in f.replaces if r not in applied] if partly else [key]
            out.extend(f"{a}.{n}" for a, n in todo)
        elif key not in replaced and key not in applied:
            out.append(f"{f.app}.{f.name}")
    return out


def applied_by_schema(conn: Connection, schemas: list[str]) -> dict[str, set[tuple[str, str]]]:
    """One query over every schema's django_migrations (a schema without the table has none)."""
    import psycopg
    from psycopg import sql

    result: dict[str, set[tuple[str, str]]] = {s: set() for s in schemas}
    with psycopg.connect(**conn.connect_kwargs()) as db:
        present = [
            row[0]
            for row in db.execute(
                "SELECT table_schema FROM information_schema.tables "
                "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
                (schemas,),
            )
        ]
        if not present:
            return result
        query = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {lit}, app, name FROM {schema}.django_migrations").format(
                lit=sql.Literal(s), schema=sql.Identifier(s)
            )
            for s in present
        )
        for schema, app, name in db.execute(query):
            result[schema].add((app, name))
    return result


def pending(facts: dict[str, Any], conn: Connection, schemas: list[str]) -> dict[str, list[str]]:
    files = on_disk(facts)
    return {s: missing(files, rows) for s, rows in applied_by_schema(conn, schemas).items()}
