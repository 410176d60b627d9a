"""A database devkit does not manage: a DATABASE_URL (or the mapped variables) from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from devkit.config.model import Config
from devkit.core.errors import ConfigError
from devkit.database.base import Connection, parse_url


def from_environment(config: Config, environ: Mapping[str, str] = os.environ) -> Connection | None:
    """The connection the environment already names: url_from, or the project's mapped variables."""
    db = config.database
    url = environ.get(db.url_from)
    if url:
        return _parse(url, f"${db.url_from}")
    parts: dict[str, str] = {}
    for var, template in db.env.items():
        value = environ.get(var)
        if value and template.startswith("{") and template.endswith("}") and template.count("{") == 1:
            parts[template[1:-1]] = value
    if "url" in parts:
        return _parse(parts["url"], "the variable mapped to {url} in database.env")
    if "host" in parts and "name" in parts:
        port = parts.get("port", "5432")
        if not port.isdigit() or not 0 < int(port) <= 65535:
            var = next(v for v, t in db.env.items() if t == "{port}")
            raise ConfigError(
                f"${var} = {port!r} is not a port number (1-65535)",
                hint=f"set {var} to the database server's port, e.g. 5432, or unset it",
            )
        return Connection(
            parts["host"],
            int(port),
            parts["name"],
            parts.get("user", ""),
            parts.get("password", ""),
            "external",
        )
    return None


def _parse(url: str, source: str) -> Connection:
    try:
        return parse_url(url)
    except ConfigError as exc:
        raise ConfigError(
            f"{source}: {exc.message}", hint=f"{exc.hint}; fix or unset {source.lstrip('$')}"
        ) from None


class ExternalPostgres:
    name = "external"
    owns_server = False

    def __init__(self, config: Config) -> None:
        self.config = config

    def fingerprint_inputs(self) -> dict[str, str]:
        conn = self.ensure()
        return {"the external database": f"{conn.user}@{conn.host}:{conn.port}/{conn.name}"}

    def ensure(self) -> Connection:
        conn = from_environment(self.config)
        if conn is None:
            raise ConfigError(
                f"database.provider is external but ${self.config.database.url_from} is not set",
                hint=f"export {self.config.database.url_from}=postgresql://user:password@host:5432/db "
                "or set the variables mapped in database.env",
            )
        return conn

    def current(self) -> Connection | None:
        return from_environment(self.config)

    def confirm(self, db: Any) -> str | None:
        return None  # the configuration names this server

    def alive(self) -> str | None:
        return None

    def log_tail(self, lines: int = 30) -> str:
        return ""

    def stop(self) -> str:
        return "the external database is not managed by devkit; nothing stopped"

    def remove(self) -> str:
        return "the external database is not managed by devkit; nothing removed"

    def status(self) -> dict[str, Any]:
        conn = from_environment(self.config)
        return {"provider": self.name, "url": conn.url(masked=True) if conn else None}
