"""Reach the Docker-API engine at DOCKER_HOST (unix, tcp, ssh), or name why it cannot be reached.

The SDK's automatic API-version detection calls /version, which Podman answers in about 0.25 s;
the API version is read from the /_ping headers instead, which keeps a warm `devkit up` fast.
"""

from __future__ import annotations

import os
from typing import Any

from devkit.core.errors import DatabaseError

# Only used to read the /_ping headers; every real call uses the version the engine announces.
PING_API_VERSION = "1.24"
ENGINE_HINT = 'or use database.provider = "native" (local PostgreSQL binaries) or "external"'


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def connect(timeout: float = 60) -> Any:
    """A docker.DockerClient for DOCKER_HOST, or a DatabaseError naming the cause and the fix."""
    import docker

    try:
        probe = docker.from_env(version=PING_API_VERSION, timeout=timeout)
        response = probe.api.get(f"{probe.api.base_url}/_ping")
        response.raise_for_status()
        version = response.headers.get("Api-Version") or "auto"
        probe.close()
        return docker.from_env(version=version, timeout=timeout)
    except Exception as exc:  # the SDK raises DockerException, requests and OS errors alike
        raise engine_error(exc) from exc


def engine_answers(timeout: float = 2) -> bool:
    """True when a Docker-API engine answers at DOCKER_HOST (for database.provider = auto)."""
    if "DOCKER_HOST" not in os.environ and not os.path.exists("/var/run/docker.sock"):
        return False
    try:
        connect(timeout=timeout).close()
    except DatabaseError:
        return False
    return True


def engine_error(exc: BaseException) -> DatabaseError:
    """Classify a failure to talk to the engine: not running, permission, bad DOCKER_HOST."""
    where = engine_address()
    text = _chain_text(exc)
    lowered = text.lower()
    if "permission denied" in lowered:
        return DatabaseError(
            f"permission denied on the Docker socket {where}",
            hint="add your user to the `docker` group (then log in again), use rootless Docker or "
            f"Podman, {ENGINE_HINT}",
        )
    if "no such file or directory" in lowered or "connection refused" in lowered:
        return DatabaseError(
            f"no Docker engine answers at {where}",
            hint=f"start Docker (or `podman system service`), check DOCKER_HOST, {ENGINE_HINT}",
            details=text,
        )
    if (
        "invalid bind address" in lowered
        or "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or "no such host" in lowered
        or "not supported" in lowered
        or "timed out" in lowered
    ):
        return DatabaseError(
            f"DOCKER_HOST={where} does not lead to a Docker engine",
            hint="fix DOCKER_HOST (unix:///var/run/docker.sock, tcp://host:2375, "
            f"ssh://user@host) or unset it, {ENGINE_HINT}",
            details=text,
        )
    return DatabaseError(
        f"cannot talk to the Docker engine at {where}: {text.splitlines()[0]}",
        hint=f"check that the engine runs and DOCKER_HOST is right, {ENGINE_HINT}",
        details=text,
    )


def _chain_text(exc: BaseException) -> str:
    """Every message in the exception chain: the SDK wraps the OS error that names the cause."""
    parts, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return "\n".join(parts)
