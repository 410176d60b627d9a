"""DATABASES in a module of its own, imported absolutely (not a star-import of the settings)."""

import os

from mysite.helpers import parse_url, require_env

DATABASES = {
    "default": {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": require_env("APP_DB"),
        "USER": require_env("APP_DB_USER"),
        "PASSWORD": require_env("APP_DB_SECRET"),
        "HOST": os.environ.get("APP_DB_SERVER", "localhost"),
        # no PORT: libpq's default (5432), unless PGPORT says otherwise
    },
    "audit": parse_url(os.environ["AUDIT_DATABASE_URL"]),
}
