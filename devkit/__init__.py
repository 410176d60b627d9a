"""devkit: bootstrap a django-tenants development environment with one command.

The distribution is `django-tenants-devkit` (the name `devkit` on the public index belongs to an
unrelated project); the command and the import package are `devkit`.
"""

DIST_NAME = "django-tenants-devkit"
__version__ = "0.2.0"
