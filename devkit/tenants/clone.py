"""Which pg_dump copies the migrated template schema into new tenant schemas: probe/tenants.py
(in the project's Django) dumps the template once and replays the dump per tenant with the
schema name replaced, each in its own transaction, as many at a time as there are CPUs.

pg_dump writes every object schema-qualified (tables, identity sequences, indexes, constraints,
views, functions, the rows migrations wrote), so the replay is the template's exact copy; a
foreign key into `public` stays pointed at `public`. About 30 ms a tenant here, against about
0.2 s for django-tenants' plpgsql `clone_schema`. Needs a pg_dump of the server's major version;
without one, the caller uses django-tenants' clone instead.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from devkit.core import proc
from devkit.database.base import Connection


def dump_command(conn: Connection) -> list[str]:
    """pg_dump and the options its version has, for the server's major version; [] without one.
    The template's rows (django_migrations, content types) as one INSERT per table: about 15%
    less server time per replay than one INSERT per row (`--rows-per-insert`, pg_dump 12+)."""
    found = find_pg_dump(conn)
    if found is None:
        return []
    path, major = found
    return [path, "--rows-per-insert", "1000"] if major >= 12 else [path, "--inserts"]


def find_pg_dump(conn: Connection) -> tuple[str, int] | None:
    """A pg_dump whose major version is the server's (pg_dump refuses newer servers)."""
    import psycopg

    with psycopg.connect(**conn.connect_kwargs()) as db:
        major = int(db.execute("SHOW server_version_num").fetchone()[0]) // 10000
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/pg_dump"), shutil.which("pg_dump")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            done = proc.run([str(candidate), "--version"], check=False)
            found = re.search(r"(\d+)\.", done.stdout)
            if done.returncode == 0 and found and int(found.group(1)) == major:
                return str(candidate), major
    return None
