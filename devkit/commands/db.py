"""`devkit db url` (the one command that prints the password) and `devkit db shell` (psql)."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from devkit.config.model import Config
from devkit.context import Context
from devkit.core.errors import DatabaseError
from devkit.core.ui import UI


def running_context(config: Config, **kwargs: Any) -> Context:
    """A context connected to the database devkit provides; exit 3 when it is not running."""
    ctx = Context.create(config, **kwargs)
    conn = ctx.provider.current()
    if conn is None:
        raise DatabaseError(
            f"the {ctx.provider.name} database is not running",
            hint="start it with `devkit up` (or `devkit up --only database`)",
        )
    from devkit.database.wait import HINTS, try_connect

    probe = try_connect(conn, confirm=ctx.provider.confirm)
    if probe.outcome == "not-ours":
        raise DatabaseError(probe.message, hint=HINTS["not-ours"])
    ctx.set_connection(conn)
    return ctx


def _current(config: Config) -> Any:
    return running_context(config).connection


def _verified(conn: Any) -> None:
    """`db url` never prints a password it has not just seen the server accept."""
    from devkit.database.wait import HINTS, try_connect

    probe = try_connect(conn)
    if probe.outcome != "ready":
        raise DatabaseError(
            f"the database did not accept the stored connection ({probe.outcome}: {probe.message})",
            hint="`devkit up` repairs devkit's own server (a lost password is reset); "
            + HINTS.get(probe.outcome, HINTS["error"]).format(who="the stored password"),
        )


def run_url(config: Config, ui: UI) -> tuple[int, dict[str, Any]]:
    conn = _current(config)
    _verified(conn)
    if ui.json_mode:  # the envelope is masked like every output; scripts use the plain form
        return 0, {"connection": conn.to_json()}
    sys.stdout.write(conn.url() + "\n")  # deliberately unmasked: this is what the command is for
    return 0, {}


def run_shell(config: Config, ui: UI) -> tuple[int, dict[str, Any]]:
    conn = _current(config)
    psql = shutil.which("psql")
    if psql is None:
        raise DatabaseError("psql is not installed", hint="apt-get install postgresql-client")
    # The password goes through the environment, not argv: argv is visible in `ps`.
    env = {**os.environ, "PGPASSWORD": conn.password}
    os.execve(psql, ["psql", "-h", conn.host, "-p", str(conn.port), "-U", conn.user, "-d", conn.name], env)
    return 0, {}  # not reached
