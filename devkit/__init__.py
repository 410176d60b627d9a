"""devkit: bootstrap a django-tenants development environment with one command."""

__version__ = "0.1.0"
