"""Database snapshots: copies of the development database kept as PostgreSQL template databases.

`CREATE DATABASE copy TEMPLATE db` copies the database's files (about 0.2 s for 50 migrated tenant
schemas here), far faster than any dump. A snapshot is the database `<db>__snap__<name>`, with
connections disallowed (nobody writes into it by accident) and a comment holding devkit's marker:
only databases carrying that marker for this database are listed, restored or removed.

Each snapshot also has a spare: a second copy made in the background after `save` and after each
`restore` (a detached `python -m devkit.database.spare`), so that the next restore only renames
the development database away and the spare into place (the way Stellar does it); the spare
maker drops the replaced database afterwards. It doubles the disk a
snapshot takes; a restore whose spare is not ready yet copies the snapshot itself.

Copying needs the source to have no other session, so other connections to the development
database are closed first (the caller says so), and new ones are refused while the copy runs.
Library code: raises, never prints.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from devkit.core.errors import DatabaseError, UsageError
from devkit.database.base import Connection

SEPARATOR = "__snap__"
MARKER = "devkit-snapshot"
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1, in bytes


@dataclass(frozen=True)
class Snapshot:
    name: str
    database: str  # the template database that holds it
    created: str
    size_bytes: int
    meta: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "database": self.database,
            "created": self.created,
            "size_bytes": self.size_bytes,
        }


def snapshot_database(source: str, name: str) -> str:
    """The template database's name; refuses names PostgreSQL would truncate or that need quoting."""
    if not NAME_RE.fullmatch(name):
        raise UsageError(
            f"snapshot name {name!r}: use lower-case letters, digits, '-' and '_' (starting with a letter "
            "or digit)",
            hint="e.g. `devkit db snapshot save before-upgrade`",
        )
    database = f"{source}{SEPARATOR}{name}"
    if len(database.encode()) > MAX_IDENTIFIER:
        room = MAX_IDENTIFIER - len(f"{source}{SEPARATOR}".encode())
        raise UsageError(
            f"snapshot name {name!r} is too long: {database!r} exceeds PostgreSQL's 63-byte limit",
            hint=f"use at most {max(room, 0)} characters",
        )
    return database


class Snapshots:
    """Save, list, restore and remove snapshots of `conn.name` on the server `conn` reaches."""

    def __init__(self, conn: Connection, on_close: Callable[[list[str]], None] | None = None) -> None:
        self.conn = conn
        self.on_close = on_close  # told which sessions are closed before a copy

    # -- queries ----------------------------------------------------------------------------------

    def list(self, only: str | None = None) -> list[Snapshot]:
        """devkit's snapshots of this database (`only`: the one in that database). A size walks
        the database's files, so only those are measured (not spares, not other databases)."""
        prefix = f"{self.conn.name}{SEPARATOR}"
        out = []
        with self._admin() as db:
            for oid, datname, meta in self._marked(db):
                if only is not None and datname != only:
                    continue
                size = db.execute("SELECT pg_database_size(%s::oid)", (oid,)).fetchone()[0]
                created = str(meta.get("created", ""))
                out.append(Snapshot(datname[len(prefix) :], datname, created, size, meta))
        return out

    def names(self, connect_timeout: int) -> list[str]:
        """The names of devkit's snapshots, without sizes and in one query (the shell's completion)."""
        import psycopg

        prefix = f"{self.conn.name}{SEPARATOR}"
        kwargs = {**self.conn.connect_kwargs("postgres"), "connect_timeout": connect_timeout}
        with psycopg.connect(**kwargs, autocommit=True) as db:
            return [datname[len(prefix) :] for _, datname, _ in self._marked(db)]

    def _marked(self, db: Any) -> list[tuple[int, str, dict[str, Any]]]:
        """(oid, database, marker) of the databases devkit's marker names as this database's snapshots."""
        prefix = f"{self.conn.name}{SEPARATOR}"
        rows = db.execute(
            "SELECT oid, datname, shobj_description(oid, 'pg_database') "
            "FROM pg_database WHERE starts_with(datname, %s) ORDER BY datname",
            (prefix,),
        ).fetchall()
        out = []
        for oid, datname, comment in rows:
            meta = _marker(comment)
            if meta is not None and meta.get("source") == self.conn.name:
                out.append((oid, datname, meta))  # others are not devkit's: never listed or touched
        return out

    def get(self, name: str) -> Snapshot:
        found = self.list(only=snapshot_database(self.conn.name, name))
        if found:
            return found[0]
        known = ", ".join(s.name for s in self.list()) or "none"
        raise UsageError(f"no snapshot {name!r} of {self.conn.name} (snapshots: {known})")

    # -- changes ----------------------------------------------------------------------------------

    def save(self, name: str, meta: dict[str, Any], replace: bool = False) -> Snapshot:
        target = snapshot_database(self.conn.name, name)
        existing = {s.name: s for s in self.list()}
        with self._admin() as db:
            self._check_may_create(db)
            if _exists(db, target):
                if name not in existing:
                    raise UsageError(
                        f"a database {target!r} exists and is not a devkit snapshot: devkit leaves it alone",
                        hint="choose another snapshot name",
                    )
                if not replace:
                    raise UsageError(
                        f"snapshot {name!r} exists", hint="add --replace, or choose another name"
                    )
            created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            marker = {MARKER: 1, "source": self.conn.name, "created": created, **meta}
            staging = _staging(target)
            _drop_if_marked(db, staging)
            self._copy(db, self.conn.name, staging)
            db.execute(_sql("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false", staging))
            db.execute(_sql("COMMENT ON DATABASE {} IS ", staging) + _literal(json.dumps(marker)))
            if name in existing:  # replaced only once the new copy exists
                _drop_if_marked(db, spare_database(target))
                _drop(db, target)
            db.execute(_sql("ALTER DATABASE {} RENAME TO {}", staging, target))
        return self.get(name)

    def restore(self, name: str) -> tuple[Snapshot, bool]:
        """Replace the development database by a copy of the snapshot (the snapshot stays). The
        copy is the spare made ahead of time when it is ready (then this is a drop and a rename),
        else made now. Returns the snapshot and whether the spare was used."""
        snap = self.get(name)
        with self._admin() as db:
            used_spare = self._spare_ready(db, snap)
            if used_spare:
                incoming = spare_database(snap.database)
            else:
                incoming = _staging(self.conn.name)
                _drop_if_marked(db, incoming)
                self._copy(db, snap.database, incoming)
            db.execute(
                _sql("COMMENT ON DATABASE {} IS ", incoming)
                + _literal(json.dumps({MARKER: 1, "restoring": self.conn.name}))
            )
            retired = retired_database(self.conn.name)
            _drop_if_marked(db, retired)  # one an earlier restore left, if its drop has not run
            with self._no_connections(db, self.conn.name):
                # Renamed away, not dropped here: dropping thousands of catalog files is the
                # background spare maker's job (drop_retired), after this command returned.
                db.execute(_sql("ALTER DATABASE {} RENAME TO {}", self.conn.name, retired))
                marker = {MARKER: 1, "retired_from": self.conn.name}
                db.execute(_sql("COMMENT ON DATABASE {} IS ", retired) + _literal(json.dumps(marker)))
            db.execute(_sql("ALTER DATABASE {} RENAME TO {}", incoming, self.conn.name))
            db.execute(_sql("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true", self.conn.name))
            db.execute(_sql("COMMENT ON DATABASE {} IS NULL", self.conn.name))
        return snap, used_spare

    def remove(self, name: str) -> Snapshot:
        snap = self.get(name)
        spare = spare_database(snap.database)
        with self._admin() as db:
            key = _spare_lock(spare)
            db.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))  # a spare being made: waits
            try:
                _drop_if_marked(db, spare)
                _drop(db, snap.database)
            finally:
                db.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
        return snap

    # -- spares: a copy of each snapshot made ahead of time, so that a restore is a rename -------

    def make_spare(self, name: str) -> bool:
        """Drop the database a restore replaced; then copy the snapshot into its spare unless a
        current one exists (run in the background after save and restore). False when another
        devkit is making it right now, or the server makes no spares (spares_for)."""
        snap = self.get(name)
        spare = spare_database(snap.database)
        with self._admin() as db:
            _drop_if_marked(db, retired_database(self.conn.name))  # the data a restore replaced
            if not spares_for(self.conn):
                return False
            key = _spare_lock(spare)
            if not db.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0]:
                return False
            try:
                if self._spare_ready(db, snap):
                    return True
                _drop_if_marked(db, spare)
                db.execute(_sql("CREATE DATABASE {} TEMPLATE {}", spare, snap.database))
                db.execute(_sql("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false", spare))
                marker = {MARKER: 1, "spare_of": snap.database, "created": snap.created}
                db.execute(_sql("COMMENT ON DATABASE {} IS ", spare) + _literal(json.dumps(marker)))
                return True
            finally:
                db.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))

    def settled(self, name: str) -> bool:
        """The background work after a save or restore of `name` is done: its spare is ready and
        no replaced database waits to be dropped (bench/tenants.py waits for this)."""
        snap = self.get(name)
        with self._admin() as db:
            return self._spare_ready(db, snap) and not _exists(db, retired_database(self.conn.name))

    def _spare_ready(self, db: Any, snap: Snapshot) -> bool:
        """The spare exists, is complete (its marker is written last) and copies this very
        snapshot (a replaced snapshot has a new creation time)."""
        row = db.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (spare_database(snap.database),),
        ).fetchone()
        meta = _marker(row[0]) if row else None
        return bool(meta) and meta.get("spare_of") == snap.database and meta.get("created") == snap.created

    # -- helpers ----------------------------------------------------------------------------------

    @contextmanager
    def _admin(self) -> Iterator[Any]:
        """An autocommit session on the `postgres` database (CREATE/DROP DATABASE need both)."""
        import psycopg

        try:
            with psycopg.connect(**self.conn.connect_kwargs("postgres"), autocommit=True) as db:
                yield db
        except psycopg.OperationalError as exc:
            raise DatabaseError(
                f"cannot reach {self.conn.url(masked=True)} for snapshots: {str(exc).strip()}",
                hint="start the database with `devkit up --only database`",
            ) from exc

    def _check_may_create(self, db: Any) -> None:
        row = db.execute(
            "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        if not row or not row[0]:
            raise DatabaseError(
                f"the role {self.conn.user!r} may not create databases, and a snapshot is a database",
                hint=f"ALTER ROLE {self.conn.user} CREATEDB (as a superuser), or use database.provider = "
                "native or docker, where devkit owns the server",
            )

    def _copy(self, db: Any, source: str, target: str) -> None:
        import psycopg

        with self._no_connections(db, source):
            try:
                db.execute(_sql("CREATE DATABASE {} TEMPLATE {}", target, source))
            except psycopg.errors.InsufficientPrivilege as exc:
                raise DatabaseError(
                    f"the role {self.conn.user!r} may not copy {source!r}: {str(exc).strip()}",
                    hint="the role must own the database (or be a superuser)",
                ) from exc

    @contextmanager
    def _no_connections(self, db: Any, database: str) -> Iterator[None]:
        """Refuse new sessions to `database` and close the others (saying so), then restore."""
        allowed = db.execute(
            "SELECT datallowconn FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if allowed and allowed[0]:
            db.execute(_sql("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false", database))
        try:
            sessions = db.execute(
                "SELECT pid, usename, coalesce(nullif(application_name, ''), client_addr::text, 'local') "
                "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchall()
            if sessions:
                if self.on_close is not None:
                    self.on_close([f"pid {pid} ({user}, {app})" for pid, user, app in sessions])
                db.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (database,),
                )
                _wait_gone(db, database)
            yield
        finally:
            if allowed and allowed[0] and _exists(db, database):
                db.execute(_sql("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true", database))


def _wait_gone(db: Any, database: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchone()[0]
        if not left:
            return
        time.sleep(0.02)
    raise DatabaseError(
        f"other sessions to {database!r} did not close within {timeout:.0f} s",
        hint="stop the programs connected to it (runserver, a shell, a GUI client) and try again",
    )


def _marker(comment: str | None) -> dict[str, Any] | None:
    try:
        data = json.loads(comment or "")
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get(MARKER) == 1 else None


# Databases devkit makes beside another one: the name, cut to fit 63 bytes, plus the suffix.
RETIRED, SPARE, STAGING = "__devkit_old", "__devkit_spare", "__devkit_tmp"


def _spare_lock(spare: str) -> str:
    """The advisory lock held while a spare is made (rm waits on it, a second maker gives up)."""
    return f"devkit-spare:{spare}"


def spares_for(conn: Connection) -> bool:
    """Spares only on a server devkit runs (native, docker): on an external server they would
    double the disk of a server devkit does not own; there a restore makes its copy."""
    return conn.provider != "external"


def _beside(database: str, suffix: str) -> str:
    return database.encode()[: MAX_IDENTIFIER - len(suffix)].decode(errors="ignore") + suffix


def retired_database(database: str) -> str:
    """Where a restore moves the replaced development database until it is dropped."""
    return _beside(database, RETIRED)


def spare_database(snapshot: str) -> str:
    """The ready-to-restore copy of a snapshot database."""
    return _beside(snapshot, SPARE)


def _staging(database: str) -> str:
    """A temporary database name next to `database`."""
    return _beside(database, STAGING)


def _exists(db: Any, name: str) -> bool:
    return db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _drop(db: Any, name: str) -> None:
    db.execute(_sql("DROP DATABASE IF EXISTS {} WITH (FORCE)", name))


def _drop_if_marked(db: Any, name: str) -> None:
    """A staging database left by an interrupted run is devkit's (it carries the marker): drop it."""
    row = db.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
    ).fetchone()
    if row is None:
        return
    if _marker(row[0]) is None and not name.endswith((STAGING, SPARE, RETIRED)):
        raise UsageError(f"a database {name!r} exists and is not devkit's: devkit leaves it alone")
    _drop(db, name)


def _sql(template: str, *names: str) -> Any:
    from psycopg import sql

    return sql.SQL(template).format(*(sql.Identifier(n) for n in names))


def _literal(text: str) -> Any:
    from psycopg import sql

    return sql.Literal(text)
