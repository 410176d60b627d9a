"""Database: the configured database answers (with the classified cause), the port, the env file."""

from __future__ import annotations

from devkit.core.errors import DevkitError
from devkit.doctor import fixes
from devkit.doctor.env import DoctorEnv, Skip
from devkit.doctor.model import Finding, check, fail, ok, warn

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
    from devkit.database.ports import holder

    try:
        conn = env.connection()
        probe = env.probe()
    except DevkitError as exc:
        raise Skip("no database configured") from exc
    if conn is None:
        raise Skip("no port chosen yet")
    if conn.host not in LOCAL_HOSTS:
        return ok(f"{conn.host}:{conn.port} is remote (not checked)")
    provider = env.provider
    moved = _configured_elsewhere(env, provider)
    if moved:
        return warn(moved, "devkit up moves devkit's server to the configured port (data kept)")
    who = holder(conn.port)
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


def _configured_elsewhere(env: DoctorEnv, provider: object) -> str | None:
    """database.port names a port other than the one devkit's native cluster listens on."""
    configured = env.config.database.port
    data_dir = getattr(provider, "data_dir", None)
    if not configured or getattr(provider, "name", "") != "native" or data_dir is None:
        return None
    from devkit.database.native import listening_port

    actual = listening_port(data_dir)
    if not actual or actual == configured:
        return None
    source = env.config.provenance.get("database.port", "the configuration")
    running = "listens" if provider.alive() is None else "was last started"  # type: ignore[attr-defined]
    return f"database.port = {configured} ({source}), but devkit's server {running} on port {actual}"


@check("env-file", CATEGORY, "Env file")
def check_env_file(env: DoctorEnv) -> Finding:
    from devkit.core import envfile

    conn = env.ready_connection()
    config = env.config
    path = config.path(config.env_file)
    values = conn.environment(config.database.env)
    if envfile.is_current(path, values):
        overridden = envfile.conflicts(path, values)
        if overridden:
            return fail(
                "; ".join(overridden),
                "delete those lines: devkit's block keeps the connection current "
                "(or map another variable in [database.env])",
            )
        return ok(f"{config.env_file} holds the current connection ({', '.join(sorted(values))})")
    if path.exists() and path.stat().st_mode & 0o077:
        problem = f"{config.env_file} is readable by other users (it holds the password)"
    else:
        problem = f"{config.env_file} is missing or does not hold the current connection"
    return fail(
        problem, "devkit up --only database rewrites devkit's block (mode 0600)", fix=fixes.START_DATABASE
    )


@check("database-password", CATEGORY, "Database password strength")
def check_database_password(env: DoctorEnv) -> Finding:
    """A password devkit did not generate may be `postgres`: masking only hides such a word where
    it stands as a value (devkit/masking.py), so everywhere else it shows."""
    from devkit.core.masking import is_weak, is_word

    try:
        provider = env.provider
        conn = env.connection()
    except DevkitError as exc:
        raise Skip("no database configured") from exc
    if provider.owns_server:
        return ok(f"generated by devkit for the {provider.name} server (.devkit/secrets.json)")
    if conn is None:
        raise Skip("no connection yet")
    if not conn.password:
        return ok("the external database takes no password (trust or peer authentication)")
    if not is_weak(conn.password):  # devkit's own generated ones (devcontainer .env) are 24+
        return ok(f"{len(conn.password)} characters, not a common word")
    var = env.config.database.url_from
    reasons = ["a common word"] if is_word(conn.password) else []
    if len(conn.password) < 12:
        reasons.append(f"{len(conn.password)} characters (fewer than 12)")
    why = ", ".join(reasons)
    return warn(
        f"the database password from the environment (${var} or database.env) is weak: {why}; "
        "devkit masks it only where it stands as a value, so it can show in paths and code lines",
        "use a generated password of 12+ characters for this database (e.g. "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(18))'`), or let devkit run one with "
        "a generated password: DEVKIT_DATABASE_PROVIDER=native|docker",
    )
