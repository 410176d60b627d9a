"""Database: the configured database answers (with the classified cause), the port, the env file."""

from __future__ import annotations

from devkit.doctor import fixes
from devkit.doctor.env import DoctorEnv
from devkit.doctor.model import Finding, Skip, check, fail, ok
from devkit.errors import DevkitError

CATEGORY = "Database"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _who(provider_name: str, config_var: str) -> str:
    if provider_name == "external":
        return f"${config_var} (or the database.env variables)"
    return "the password devkit stored"


@check("database", CATEGORY, "Database reachable")
def check_database(env: DoctorEnv) -> Finding:
    from devkit.database.wait import HINTS

    try:
        provider = env.provider
        conn = env.connection()
        probe = env.probe()
    except DevkitError as exc:
        return fail(exc.message, exc.hint or "see docs/configuration.md ([database])")
    reason = env.ctx.provider_reason
    if conn is None:
        if provider.name == "external":
            var = env.config.database.url_from
            return fail(
                f"provider external, but ${var} is not set",
                f"export {var}=postgresql://user:password@host:5432/db",
            )
        return fail(
            f"the {provider.name} PostgreSQL server is not running ({reason})",
            "devkit up (or devkit doctor --fix) starts it",
            fix=fixes.START_DATABASE,
        )
    where = conn.url(masked=True)
    if probe.outcome == "ready":
        return ok(f"{where} accepts connections", details=f"provider {provider.name}: {reason}")
    hint = HINTS.get(probe.outcome, HINTS["error"]).format(
        who=_who(provider.name, env.config.database.url_from)
    )
    fix = None
    if provider.owns_server and probe.outcome in ("refused", "no-database"):
        fix = fixes.START_DATABASE
        hint += "; devkit doctor --fix does it"
    gone = provider.alive() if provider.owns_server else None
    state = f" ({gone})" if gone else ""
    from devkit.database.select import failure_hint

    return fail(
        f"{where}: {probe.outcome}: {probe.message}{state} (provider {provider.name}, because {reason})",
        f"{hint}; {failure_hint(env.config, provider.name, reason)}",
        details=provider.log_tail(10) if provider.owns_server else "",
        fix=fix,
    )


@check("port", CATEGORY, "Database port")
def check_port(env: DoctorEnv) -> Finding:
    from devkit.doctor.ports import holder

    try:
        conn = env.connection()
        probe = env.probe()
    except DevkitError as exc:
        raise Skip("no database configured") from exc
    if conn is None:
        raise Skip("no port chosen yet")
    if conn.host not in LOCAL_HOSTS:
        return ok(f"{conn.host}:{conn.port} is remote (not checked)")
    who = holder(conn.port)
    provider = env.provider
    if probe.outcome == "ready":
        return ok(f"port {conn.port}: {who or 'PostgreSQL'}")
    if who is None:
        return ok(f"port {conn.port} is free (nothing listens)")
    mine = provider.name == "native" and provider.alive() is None
    if mine:
        return ok(f"port {conn.port}: devkit's PostgreSQL {who}")
    return fail(
        f"port {conn.port} is held by {who}, not by the database devkit expects",
        f"stop that process, or move the database to another port (database.port; for the "
        f"native cluster also `port` in {getattr(provider, 'data_dir', None) or 'its'}"
        "/postgresql.conf)",
    )


@check("env-file", CATEGORY, "Env file")
def check_env_file(env: DoctorEnv) -> Finding:
    from devkit import envfile

    conn = env.ready_connection()
    config = env.config
    path = config.path(config.env_file)
    values = conn.environment(config.database.env)
    if envfile.is_current(path, values):
        return ok(f"{config.env_file} holds the current connection ({', '.join(sorted(values))})")
    if path.exists() and path.stat().st_mode & 0o077:
        problem = f"{config.env_file} is readable by other users (it holds the password)"
    else:
        problem = f"{config.env_file} is missing or does not hold the current connection"
    return fail(
        problem, "devkit up --only database rewrites devkit's block (mode 0600)", fix=fixes.START_DATABASE
    )
