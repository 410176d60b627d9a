"""A settings helper of the kind real projects write: the variable is required, no default."""

import os

from django.core.exceptions import ImproperlyConfigured


def require_env(name):
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable")
    return value


def parse_url(url):
    """postgres://user:password@host:port/name -> a DATABASES entry (the project's own parser)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }
