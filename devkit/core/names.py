"""Names devkit accepts for what it creates: tenant schemas and tenant domains (one validator each,
for the configuration and the command line alike)."""

from __future__ import annotations

import re

from devkit.core.errors import ConfigError

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]*$")
_DOMAIN = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$")
# Schemas devkit keeps for itself: the template development tenants are cloned from, and any
# later one (a tenant there would share its rows with every clone).
DEVKIT_PREFIX = "devkit_"


def validate_schema_name(name: str, key: str, public_tenant: bool = False) -> None:
    """A tenant's schema: an unquoted lowercase PostgreSQL name of at most 63 bytes, and none of
    the names PostgreSQL or devkit use themselves. `public_tenant`: the super tenant, whose schema
    is the public one."""
    problem = None
    if len(name.encode()) > 63:
        problem = "is longer than 63 characters"
    elif name.startswith("pg_"):
        problem = "starts with pg_ (reserved by PostgreSQL)"
    elif not _SCHEMA.match(name):
        problem = "must be lowercase letters, digits and _ and not start with a digit"
    elif name == "information_schema":
        problem = "is PostgreSQL's own schema"
    elif name.startswith(DEVKIT_PREFIX):
        problem = (
            f"starts with {DEVKIT_PREFIX} (devkit's own schemas, such as the template it clones tenants from)"
        )
    elif name == "public" and not public_tenant:
        problem = "is the public schema: it belongs to the public tenant (tenants.super), never to another"
    if problem:
        raise ConfigError(f"{key} = {name!r} {problem}", hint=f"choose another value for {key}")


def validate_domain(domain: str, key: str) -> None:
    """A tenant's domain is a host name: no scheme, port, path or spaces (django-tenants matches
    it against the request's Host without its port)."""
    if not _DOMAIN.match(domain) or len(domain) > 253:
        raise ConfigError(
            f"{key} = {domain!r} is not a host name",
            hint=f"set {key} to a host name such as 'guest.localhost' (no scheme, port or path)",
        )
