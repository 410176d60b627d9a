"""Wait until PostgreSQL really accepts the configured user and database, with psycopg.

Never by booting Django (that passes with no database at all). Poll fast at first (10 ms),
back off to 250 ms, stop at a deadline. Transient: refused, starting up (57P03), shutting
down, the official image's socket-only init server (TCP refused). Fatal at once: wrong
password (28P01), unknown role or rejected by pg_hba (28000), the server process died.
Missing database (3D000): created when devkit owns the server, else fatal. A server that
answers but is not the provider's own (another PostgreSQL on devkit's port) is fatal before
anything is written: the provider's `confirm` names it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devkit.core.errors import DatabaseError
from devkit.database.base import Connection

FIRST_POLL = 0.01
MAX_POLL = 0.25


@dataclass(frozen=True)
class Probe:
    """One connection attempt, classified."""

    # ready | refused | starting | wrong-password | unknown-role | no-database | not-ours | error
    outcome: str
    message: str

    @property
    def transient(self) -> bool:
        return self.outcome in ("refused", "starting")


def classify(exc: Exception) -> Probe:
    """Name the cause of a failed connection: SQLSTATE when the server sent one, else libpq's text."""
    sqlstate = getattr(exc, "sqlstate", None)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lowered = str(exc).lower()
    if sqlstate == "28P01" or "password authentication failed" in lowered:
        return Probe("wrong-password", text)
    if (
        sqlstate == "28000"
        or ("role" in lowered and "does not exist" in lowered)
        or "no pg_hba.conf entry" in lowered
    ):
        return Probe("unknown-role", text)
    if sqlstate == "3D000" or ("database" in lowered and "does not exist" in lowered):
        return Probe("no-database", text)
    if (
        sqlstate in ("57P03", "57P01")
        or "starting up" in lowered
        or "shutting down" in lowered
        or "not yet accepting connections" in lowered
    ):
        return Probe("starting", text)
    if (
        "connection refused" in lowered
        or "no such file or directory" in lowered
        or "server closed the connection unexpectedly" in lowered
        or "timeout expired" in lowered
        or "could not receive data" in lowered
    ):
        return Probe("refused", text)
    return Probe("error", text)


Confirm = Callable[[Any], "str | None"]  # an open connection -> why the server is not the provider's


def try_connect(conn: Connection, dbname: str | None = None, confirm: Confirm | None = None) -> Probe:
    """One attempt; with `confirm`, a server that answers must also be the provider's own."""
    import psycopg

    try:
        with psycopg.connect(**conn.connect_kwargs(dbname)) as db:
            db.execute("SELECT 1")
            foreign = confirm(db) if confirm is not None else None
    except psycopg.Error as exc:
        return classify(exc)
    if foreign:
        return Probe("not-ours", foreign)
    return Probe("ready", "accepts connections")


WAITING = {"starting": "starting up", "refused": "not accepting connections yet"}
HINTS = {
    "wrong-password": "the password does not match: check {who} (for devkit's own server the "
    "password is in .devkit/secrets.json; `devkit db url` shows it)",
    "unknown-role": "the user does not exist on that server: create it or set database.user",
    "no-database": "create the database (createdb) or set database.name",
    "error": "check the server log and the connection settings (devkit config)",
    "refused": "is the server running? `devkit status` shows the provider; `devkit up` starts it",
    "not-ours": "devkit writes nothing into a server it does not own; `devkit up` starts devkit's own "
    "server on a free port (or stop the other server)",
}


def wait_for_postgres(
    conn: Connection,
    *,
    timeout: float,
    owns_server: bool,
    alive: Callable[[], str | None] = lambda: None,
    log_tail: Callable[[], str] = lambda: "",
    who: str = "the DATABASE_URL you gave",
    on_wait: Callable[[str], None] = lambda state: None,
    confirm: Confirm | None = None,
) -> float:
    """Block until `conn` answers SELECT 1 as its user in its database; return the seconds spent.

    on_wait gets what the server is doing while devkit waits ("starting up"), for the progress line.
    """
    started = time.monotonic()
    deadline = started + timeout
    delay = FIRST_POLL
    last = Probe("refused", "not tried")
    while True:
        last = try_connect(conn, confirm=confirm)
        if last.outcome == "ready":
            return time.monotonic() - started
        if last.outcome == "no-database" and owns_server:
            refuse_foreign(conn, confirm)
            on_wait(f"creating the database {conn.name}")
            create_database(conn)
            continue
        # devkit's own server gone: whatever answered instead (a refusal, a wrong password) is
        # not the cause; the server's end and its log are.
        gone = alive() if owns_server and not last.transient else None
        if gone is not None:
            raise DatabaseError(
                f"the {conn.provider} PostgreSQL server stopped while devkit waited: {gone}",
                hint="read its log below; `devkit doctor` checks the usual causes",
                details=log_tail(),
            )
        if not last.transient:
            raise DatabaseError(
                f"{conn.provider} database {conn.url(masked=True)}: {last.outcome}: {last.message}",
                hint=HINTS.get(last.outcome, HINTS["error"]).format(who=who),
            )
        gone = alive()
        if gone is not None:
            raise DatabaseError(
                f"the {conn.provider} PostgreSQL server stopped while devkit waited: {gone}",
                hint="read its log below; `devkit doctor` checks the usual causes",
                details=log_tail(),
            )
        if time.monotonic() >= deadline:
            raise DatabaseError(
                f"{conn.url(masked=True)} did not accept connections within {timeout:g}s "
                f"(last: {last.outcome}: {last.message})",
                hint=HINTS["refused"] + "; raise database.wait_timeout for slow machines",
                details=log_tail() or None,
            )
        on_wait(WAITING.get(last.outcome, last.outcome))
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 1.5, MAX_POLL)


def refuse_foreign(conn: Connection, confirm: Confirm | None) -> None:
    """Before CREATE DATABASE: the server must be the provider's own (asked on `postgres`)."""
    if confirm is None:
        return
    probe = try_connect(conn, "postgres", confirm)
    if probe.outcome == "not-ours":
        raise DatabaseError(
            f"{conn.provider} database {conn.url(masked=True)}: not-ours: {probe.message}",
            hint=HINTS["not-ours"],
        )


def create_database(conn: Connection) -> None:
    """CREATE DATABASE on a server devkit owns, connecting to the maintenance database."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(**conn.connect_kwargs("postgres"), autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (conn.name,)).fetchone()
        if not exists:
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(conn.name)))
