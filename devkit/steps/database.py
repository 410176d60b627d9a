"""`database`: get PostgreSQL from the provider, wait for the configured user, write the env file."""

from __future__ import annotations

from typing import Any

from devkit.context import Context
from devkit.core import envfile
from devkit.core.errors import DatabaseError, DevkitError, StepFailed
from devkit.database.wait import try_connect, wait_for_postgres
from devkit.pipeline import Done


class DatabaseStep:
    name = "database"
    needs: tuple[str, ...] = ()
    writes_env_file = True  # devkit migrate's variant only waits: CI needs no env file

    def inputs(self, ctx: Context) -> dict[str, str]:
        provider = ctx.provider
        return {
            "database.provider": provider.name,
            **provider.fingerprint_inputs(),
            "[database.env]": repr(sorted(ctx.config.database.env.items())),
            "env_file": ctx.config.env_file,
            "[env]": repr(sorted(ctx.config.env.items())),
        }

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        conn = ctx.provider.current()
        if conn is None:
            return "the server is not running"
        probe = try_connect(conn, confirm=ctx.provider.confirm)
        if probe.outcome != "ready":
            return f"the server does not answer ({probe.outcome})"
        ctx.set_connection(conn)
        if self.writes_env_file and not envfile.is_current(self._env_path(ctx), self._env_values(ctx)):
            return f"{ctx.config.env_file} is missing or out of date"
        return None

    def run(self, ctx: Context) -> Done:
        if self.writes_env_file:  # before anything starts: a tracked env file is a config error
            envfile.refuse_tracked(ctx.config.root, ctx.config.env_file)
        provider = ctx.provider
        try:
            return self._run(ctx, provider)
        except DevkitError as exc:  # name why this provider, and how to pick another
            from devkit.database.select import explain

            explain(exc, ctx.config, provider.name, ctx.provider_reason)
            raise

    def _run(self, ctx: Context, provider: Any) -> Done:
        ctx.progress(f"{provider.name}: starting or reusing the server")
        conn = provider.ensure()
        seconds = wait_for_postgres(
            conn,
            timeout=ctx.config.database.wait_timeout,
            owns_server=provider.owns_server,
            alive=provider.alive,
            log_tail=provider.log_tail,
            who=f"${ctx.config.database.url_from}"
            if provider.name == "external"
            else "the password devkit generated (.devkit/secrets.json)",
            on_wait=lambda state: ctx.progress(f"waiting for the database: {state}"),
            confirm=provider.confirm,
        )
        ctx.set_connection(conn)
        where = provider.status().get("note")  # e.g. the native cluster had to live elsewhere
        if where:
            ctx.notes.append(where)
        if self.writes_env_file:
            values = self._env_values(ctx)
            envfile.write(self._env_path(ctx), values, warn=ctx.notes.append)
            for conflict in envfile.conflicts(self._env_path(ctx), values):
                ctx.notes.append(f"{conflict}; delete that line (devkit's block keeps the value current)")
            envfile.ensure_ignored(ctx.config.root, [".devkit/", ctx.config.env_file])
            ctx.state.put("provider", provider.name)
        answered = f"{provider.name} on {conn.host}:{conn.port}, answered after {seconds:.2f}s"
        return Done(f"{answered} ({ctx.provider_reason})")

    def verify(self, ctx: Context) -> None:
        import psycopg

        conn = ctx.connection
        try:
            with psycopg.connect(**conn.connect_kwargs()) as db:
                user, database = db.execute("SELECT current_user, current_database()").fetchone()
        except psycopg.Error as exc:
            raise DatabaseError(f"the database stopped answering: {exc}") from exc
        if (user, database) != (conn.user, conn.name):
            raise StepFailed(f"connected as {user} to {database}, expected {conn.user} to {conn.name}")

    def _env_path(self, ctx: Context) -> Any:
        return ctx.config.path(ctx.config.env_file)

    def _env_values(self, ctx: Context) -> dict[str, str]:
        """[env] (shared development values), then the connection under the names the settings read."""
        return {**ctx.config.env, **ctx.connection.environment(ctx.config.database.env)}
