"""The connection devkit provides and the interface every provider implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

from devkit.core.errors import ConfigError
from devkit.core.masking import MASK, register


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    name: str
    user: str
    password: str
    provider: str

    def __post_init__(self) -> None:
        register(self.password)

    def url(self, masked: bool = False) -> str:
        secret = MASK if masked else quote(self.password, safe="")
        auth = f"{quote(self.user, safe='')}:{secret}@" if self.password else f"{quote(self.user, safe='')}@"
        return f"postgresql://{auth}{self.host}:{self.port}/{quote(self.name, safe='')}"

    def connect_kwargs(self, dbname: str | None = None) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": dbname or self.name,
            "connect_timeout": 5,
        }

    def environment(self, mapping: dict[str, str]) -> dict[str, str]:
        """The project's own variable names -> values, from templates like '{url}' or '{host}'."""
        values = {
            "url": self.url(),
            "host": self.host,
            "port": str(self.port),
            "name": self.name,
            "user": self.user,
            "password": self.password,
        }
        try:
            return {var: template.format(**values) for var, template in mapping.items()}
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"database.env: bad template ({exc})",
                hint="use {url}, {host}, {port}, {name}, {user} or {password}",
            ) from exc

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "host": self.host,
            "port": self.port,
            "database": self.name,
            "user": self.user,
            "url": self.url(masked=True),
        }


def parse_url(url: str, provider: str = "external") -> Connection:
    """A PostgreSQL URL as a Connection; ConfigError naming what is wrong (never the password)."""
    expected = "expected postgresql://user:password@host:port/dbname"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # 'Port could not be cast to integer value as ...', 'Invalid IPv6 URL'
        raise ConfigError(f"not a valid PostgreSQL URL: {exc}", hint=expected) from None
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        raise ConfigError(f"not a PostgreSQL URL: scheme {parts.scheme or '(none)'!r}", hint=expected)
    if port == 0:
        raise ConfigError("not a valid PostgreSQL URL: port 0", hint=expected)
    return Connection(
        host=parts.hostname or "127.0.0.1",
        port=port or 5432,
        name=unquote(parts.path.lstrip("/")) or "postgres",
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        provider=provider,
    )


class Provider(Protocol):
    """A way to get a PostgreSQL server. Library code: raises, never prints."""

    name: str
    owns_server: bool  # devkit created it: may create the database, may stop it

    def fingerprint_inputs(self) -> dict[str, str]:
        """What the server depends on, by name (core/inputs.py)."""

    def current(self) -> Connection | None:
        """The connection if the server should already be up; no side effects."""

    def ensure(self) -> Connection:
        """Start (or reuse) the server and return how to reach it; does not wait."""

    def alive(self) -> str | None:
        """None while the server process lives; otherwise why it is gone."""

    def confirm(self, db: Any) -> str | None:
        """Given an open connection to the server that answered: None when it is this provider's
        own server, else why not (another PostgreSQL on devkit's port). Checked before writing."""

    def log_tail(self, lines: int = 30) -> str: ...

    def stop(self) -> str: ...

    def remove(self) -> str:
        """Delete what devkit created (data included). Callers confirm first."""

    def status(self) -> dict[str, Any]: ...
