"""devkit in CI, without a project's Django: the HTTP health check (health.py) and the workflow
policy (workflows/: GitHub workflows, compose files and Dockerfiles).

Layer: beside database and project, above config. May import config and core.
"""
