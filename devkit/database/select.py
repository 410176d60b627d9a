"""Choose the provider: the configured one, or for `auto` the first way that works here.

Every choice comes with a reason that names its evidence ("auto: DB_HOST=db is set in the
environment"); `devkit config`, `status`, the database step line and its errors show it, and an
error of a provider that `auto` picked says how to pick another (failure_hint).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from devkit.config.model import PROVIDER_ENV, Config
from devkit.core.errors import DatabaseError, DevkitError
from devkit.core.state import Secrets, State
from devkit.database.base import Provider
from devkit.database.external import ExternalPostgres, from_environment
from devkit.database.native import NativePostgres, find_bin_dir

# Variables whose value says where the database is without revealing a secret.
_SHOWN_PARTS = ("host", "port", "name")


def choose(config: Config, state: State, secrets: Secrets, recreate: bool = False) -> tuple[Provider, str]:
    """Return the provider and why it was chosen; `recreate` is `devkit up --recreate`."""
    wanted = config.database.provider
    if wanted != "auto":
        why = configured_reason(config)
        if wanted == "external":
            return ExternalPostgres(config), why
        if wanted == "native":
            return NativePostgres(config, state, secrets), why
        return _docker(config, state, secrets, recreate), why
    from_env = from_environment(config)
    previous = state.get("provider")
    if from_env is not None and previous in ("native", "docker"):
        # A shell that loaded devkit's own env file must not turn devkit's server into "external".
        provider = (
            NativePostgres(config, state, secrets)
            if previous == "native"
            else _docker(config, state, secrets, recreate)
        )
        mine = provider.current()
        if mine is not None and (mine.host, mine.port) == (from_env.host, from_env.port):
            verb = "points" if len(environment_variables(config)) == 1 else "point"
            return provider, (
                f"auto: the environment's {environment_evidence(config)} {verb} at the {previous} "
                "server devkit made"
            )
    if from_env is not None:
        names = environment_variables(config)
        verb = "is" if len(names) == 1 else "are"
        return ExternalPostgres(config), f"auto: {environment_evidence(config)} {verb} set in the environment"
    from devkit.database.docker_engine import engine_address

    unused = environment_shortfall(config)
    docker = _docker_if_engine(config, state, secrets, recreate)
    if docker is not None:
        seen = "" if unused.startswith("no database variables") else f" ({unused})"
        return docker, f"auto: a Docker engine answers at {engine_address()}{seen}"
    bin_dir = find_bin_dir(config.database.bin_dir)
    if bin_dir is not None:
        return NativePostgres(config, state, secrets), (
            f"auto: {unused}, no Docker engine at {engine_address()}, PostgreSQL server binaries in {bin_dir}"
        )
    raise DatabaseError(
        f"no way to get a PostgreSQL database here: {unused}, "
        f"no Docker engine at {engine_address()}, no PostgreSQL server binaries",
        hint="one of: set DATABASE_URL to an existing server (provider external); start a Docker "
        "engine (provider docker); install PostgreSQL server binaries, e.g. apt-get install "
        "postgresql (provider native)",
    )


def configured_reason(config: Config) -> str:
    """Why a provider other than auto: the file or the variable that says so."""
    source = config.provenance.get("database.provider", "default")
    if source == f"${PROVIDER_ENV}":
        return f"{PROVIDER_ENV}={config.database.provider} is set in the environment"
    if source.startswith(str(config.root) + os.sep):
        source = source[len(str(config.root)) + 1 :]
    return f"database.provider = {config.database.provider} in {source}"


def environment_variables(config: Config, environ: Mapping[str, str] = os.environ) -> list[str]:
    """The variables that make `auto` pick external: url_from, or the mapped database.env ones."""
    db = config.database
    if environ.get(db.url_from):
        return [db.url_from]
    return [var for var, template in db.env.items() if environ.get(var) and _placeholder(template)]


def environment_shortfall(config: Config, environ: Mapping[str, str] = os.environ) -> str:
    """Why the environment is not an external database for `auto` (from_environment found none):
    the variables seen and what they lack ("DB_NAME/DB_USER/DB_PASSWORD set, no host (DB_HOST
    unset): not an external database"), or that none is set. Names only: values may be secrets."""
    db = config.database
    mapped = {var: template[1:-1] for var, template in db.env.items() if _placeholder(template)}
    seen = [var for var in mapped if environ.get(var)]
    every = list(dict.fromkeys([db.url_from, *mapped]))
    empty = [name for name in every if name in environ and not environ[name]]
    if not seen:
        names = ", ".join(f"${name}" for name in every)
        text = f"no database variables in the environment ({names} unset"
        return text + (f"; {', '.join(empty)} set but empty)" if empty else ")")
    lacks = []
    for part, what in (("host", "no host"), ("name", "no database name")):
        if part in {mapped[var] for var in seen}:
            continue
        var = next((v for v, p in mapped.items() if p == part), None)
        unmapped = f"database.env maps no variable to {{{part}}}"
        lacks.append(f"{what} ({var} unset)" if var else f"{what} ({unmapped})")
    verb = "is" if len(seen) == 1 else "are"
    return f"{'/'.join(seen)} {verb} set, {' and '.join(lacks)}: not an external database"


def _placeholder(template: str) -> bool:
    return template.startswith("{") and template.endswith("}") and template.count("{") == 1


def environment_evidence(config: Config, environ: Mapping[str, str] = os.environ) -> str:
    """`DB_HOST=db, DB_NAME=app (and DB_USER, DB_PASSWORD)` / `DATABASE_URL=…:****@…`: no secret shown."""
    from devkit.core.masking import mask

    names = environment_variables(config, environ)
    if names == [config.database.url_from]:
        return f"{names[0]}={mask(environ[names[0]])}"
    part = {v: config.database.env[v].strip("{}") for v in names}
    shown = sorted((v for v in names if part[v] in _SHOWN_PARTS), key=lambda v: _SHOWN_PARTS.index(part[v]))
    others = [v for v in names if v not in shown]
    text = ", ".join(f"{v}={environ[v]}" for v in shown) or ", ".join(others)
    if shown and others:
        text += f" (and {', '.join(others)})"
    return text


def failure_hint(config: Config, provider_name: str, reason: str) -> str:
    """How to get another provider when the chosen one fails: the override and what to unset."""
    if provider_name == "external" and reason.startswith("auto:"):
        db = config.database
        mapped = [v for v, t in db.env.items() if os.environ.get(v) and _placeholder(t)]
        names = " ".join(dict.fromkeys([db.url_from] * bool(os.environ.get(db.url_from)) + mapped))
        return (
            f"to let devkit run its own database instead: {PROVIDER_ENV}=native|docker devkit up "
            f"(or set database.provider), or unset {names}"
        )
    if reason.startswith("auto:"):
        return f"to choose another provider: {PROVIDER_ENV}=native|docker|external devkit up"
    return f"to choose another provider: change database.provider or set {PROVIDER_ENV}=native|docker"


def explain(exc: DevkitError, config: Config, provider_name: str, reason: str) -> DevkitError:
    """Add the provider choice and the way out to an error of the database step (same type, same code)."""
    if reason and reason not in exc.message:
        exc.message = f"{exc.message} (provider {provider_name}, because {reason})"
        exc.args = (exc.message,)
    way_out = failure_hint(config, provider_name, reason)
    exc.hint = f"{exc.hint}; {way_out}" if exc.hint else way_out
    return exc


def _docker(config: Config, state: State, secrets: Secrets, recreate: bool = False) -> Provider:
    try:
        from devkit.database.docker import DockerPostgres  # type: ignore[import-not-found]
    except ImportError:
        raise DatabaseError(
            "database.provider = docker is not available in this devkit version",
            hint="use provider native or external",
        ) from None
    return DockerPostgres(config, state, secrets, recreate=recreate)


def _docker_if_engine(config: Config, state: State, secrets: Secrets, recreate: bool) -> Provider | None:
    try:
        from devkit.database.docker import engine_answers  # type: ignore[import-not-found]
    except ImportError:
        return None
    return _docker(config, state, secrets, recreate) if engine_answers() else None


def describe(config: Config) -> dict[str, str]:
    """The provider `devkit up` would use here and why, without starting anything (for `devkit config`)."""
    state = State(config.state_dir)
    try:
        provider, reason = choose(config, state, Secrets(config.state_dir))
    except DevkitError as exc:
        return {"provider": "none", "reason": exc.message}
    return {"provider": provider.name, "reason": reason}
