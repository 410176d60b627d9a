"""Choose the provider: the configured one, or for `auto` the first way that works here."""

from __future__ import annotations

from devkit.config import Config
from devkit.database.base import Provider
from devkit.database.external import ExternalPostgres, from_environment
from devkit.database.native import NativePostgres, find_bin_dir
from devkit.errors import DatabaseError
from devkit.state import Secrets, State


def choose(config: Config, state: State, secrets: Secrets, recreate: bool = False) -> tuple[Provider, str]:
    """Return the provider and why it was chosen; `recreate` is `devkit up --recreate`."""
    wanted = config.database.provider
    if wanted == "external":
        return ExternalPostgres(config), "database.provider = external"
    if wanted == "native":
        return NativePostgres(config, state, secrets), "database.provider = native"
    if wanted == "docker":
        return _docker(config, state, secrets, recreate), "database.provider = docker"
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
            return provider, f"auto: the environment points at the {previous} server devkit made"
    if from_env is not None:
        return ExternalPostgres(config), (
            f"auto: ${config.database.url_from} or the database.env variables are set"
        )
    docker = _docker_if_engine(config, state, secrets, recreate)
    if docker is not None:
        return docker, "auto: a Docker engine answers"
    if find_bin_dir(config.database.bin_dir) is not None:
        return NativePostgres(config, state, secrets), "auto: local PostgreSQL server binaries found"
    raise DatabaseError(
        "no way to get a PostgreSQL database here",
        hint="one of: set DATABASE_URL to an existing server (provider external); start a Docker "
        "engine (provider docker); install PostgreSQL server binaries, e.g. apt-get install "
        "postgresql (provider native)",
    )


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
