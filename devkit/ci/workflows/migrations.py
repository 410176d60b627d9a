"""Which commands migrate a Django database, read from their words: `manage.py migrate` /
`migrate_schemas`, `django-admin migrate`, `python -m django migrate`, `devkit migrate`, also as
the container command of `aws ecs run-task --overrides`; and the ECS run-task action step that
runs a migration task (`amazon-ecs-deploy-task-definition` with `run-task` and no `service`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from devkit.ci.workflows import programs as p
from devkit.ci.workflows import scripts

MIGRATE_NAME = re.compile(r"(?<![a-z0-9])migrat", re.I)
_SUBCOMMANDS = ("migrate", "migrate_schemas")
_PRINTS = {"echo", "printf", ":", "logger", "true"}
_REPORTS = {"--plan", "--check", "--help", "-h"}
_MANAGE = p.Options(frozenset({"--settings", "--pythonpath", "-v", "--verbosity"}))
_PLATFORM_RUNS = {("heroku", "run"), ("flyctl", "ssh"), ("fly", "ssh"), ("railway", "run")}
_ECS_DEPLOY_ACTION = re.compile(r"^aws-actions/amazon-ecs-deploy-task-definition(?:@|$)", re.I)


def migration(argv: tuple[str, ...]) -> str | None:
    """The migration this command runs (`manage.py migrate`), or None. Words that a command
    only prints (`echo Running manage.py migrate`) run nothing."""
    if not argv or p.program(argv[0]) in _PRINTS:
        return None
    for i, word in enumerate(argv):
        name = p.program(word)
        if name.endswith("manage.py") or name in ("django-admin", "django-admin.py"):
            found = _subcommand(argv, i + 1)
        elif word == "-m" and argv[i + 1 : i + 2] == ("django",):
            found = _subcommand(argv, i + 2)
        elif name == "devkit" and i == 0:
            found = "migrate" if argv[1:2] == ("migrate",) else None
        else:
            continue
        if found:
            return f"{name} {found}" if word != "-m" else f"python -m django {found}"
    return _ecs_override(argv)


def runs_elsewhere(argv: tuple[str, ...]) -> bool:
    """The command runs its own command on the platform, against the deployed database."""
    return argv[:3] == ("aws", "ecs", "run-task") or argv[:2] in _PLATFORM_RUNS


def _subcommand(argv: tuple[str, ...], start: int) -> str | None:
    """`migrate`/`migrate_schemas`, unless it only reports (`--plan`, `--check`, `--help`)."""
    i = p.skip_options(argv, start, _MANAGE)
    if i >= len(argv) or argv[i] not in _SUBCOMMANDS or _REPORTS & set(argv[i + 1 :]):
        return None
    return argv[i]


def _ecs_override(argv: tuple[str, ...]) -> str | None:
    """`aws ecs run-task --overrides '{"containerOverrides": [{"command": [...]}]}'`."""
    if argv[:3] != ("aws", "ecs", "run-task"):
        return None
    for _, value in p.option_values(argv, {"--overrides"}):
        try:
            overrides = json.loads(value)
        except ValueError:
            continue
        containers = overrides.get("containerOverrides") if isinstance(overrides, dict) else None
        for container in containers if isinstance(containers, list) else []:
            command = container.get("command") if isinstance(container, dict) else None
            found = container_migration(command)
            if found:
                return found
    return None


def container_migration(command: Any) -> str | None:
    """The migration a container command runs: a string is a script (compose `command: sh -c
    "…"`), a list is an argv (`["python", "manage.py", "migrate"]`, or a shell with `-c`)."""
    if isinstance(command, list) and all(isinstance(w, str) for w in command):
        argv = tuple(command)
        found = migration(argv)
        if found or not argv or p.program(argv[0]) not in p.SHELLS or "-c" not in argv[1:-1]:
            return found
        command = argv[argv.index("-c") + 1]
    if not isinstance(command, str):
        return None
    return next((found for c in scripts.read(command).commands if (found := migration(c.argv))), None)


def ecs_task_migration(step: dict[str, Any], names: str) -> str | None:
    """A step that runs a one-off ECS task (not a service) which its step, task or job names say
    is a migration: the migration's container command lives in the task definition."""
    uses = str(step.get("uses") or "")
    inputs = step.get("with")
    if not _ECS_DEPLOY_ACTION.match(uses) or not isinstance(inputs, dict):
        return None
    if str(inputs.get("run-task")).lower() != "true" or inputs.get("service"):
        return None
    said = " ".join([names, str(step.get("name") or ""), str(inputs.get("task-definition") or "")])
    return "an ECS migration task (run-task)" if MIGRATE_NAME.search(said) else None


def runs_ecs_task(step: dict[str, Any]) -> bool:
    """The ECS deploy action used to run a one-off task, not to deploy a service."""
    inputs = step.get("with")
    return (
        bool(_ECS_DEPLOY_ACTION.match(str(step.get("uses") or "")))
        and isinstance(inputs, dict)
        and str(inputs.get("run-task")).lower() == "true"
        and not inputs.get("service")
    )
