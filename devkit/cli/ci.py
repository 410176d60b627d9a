"""CLI commands for CI (registered on the app by devkit/cli/__init__.py importing this module): the same tool
that bootstraps a laptop runs the pipeline's migrate job, health check and workflow policy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from devkit.cli.app import Globals, app, command, guarded, load_config


@command(app, "migrate")
def migrate(
    g: Globals,
    python: Annotated[
        str | None,
        typer.Option(
            "--python",
            metavar="PATH",
            envvar="DEVKIT_PYTHON",
            help="Interpreter with the project's requirements (default: the project's venv, else "
            "python3 on PATH).",
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            metavar="URL",
            help="Instead of $DATABASE_URL. Visible in the process list: prefer the variable.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Run the commands even when up to date.")] = False,
) -> None:
    """Deploy migrations: the tenant sequence without guest tenant or superuser, on $DATABASE_URL."""
    from devkit.commands.migrate import run_migrate

    guarded(g, "migrate", lambda ui: run_migrate(load_config(g, True), ui, g, python, database_url, force))


@command(app, "health")
def health(
    g: Globals,
    url: Annotated[str, typer.Argument(help="The URL to GET, e.g. https://app.example.com/health/")],
    max_attempts: Annotated[int, typer.Option("--max-attempts", help="Attempts before giving up.")] = 20,
    delay: Annotated[float, typer.Option("--delay", help="Seconds between attempts.")] = 5.0,
    initial_wait: Annotated[float, typer.Option("--initial-wait", help="Seconds before the first.")] = 0.0,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per request.")] = 15.0,
    expect_status: Annotated[
        list[int] | None,
        typer.Option("--expect-status", metavar="CODE", help="Healthy status (repeatable; default 200)."),
    ] = None,
    expect_json: Annotated[
        list[str] | None,
        typer.Option("--expect-json", metavar="KEY=VALUE", help="The JSON body must hold this (repeatable)."),
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option("--header", metavar="'NAME: VALUE'", help="Extra request header (repeatable)."),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            metavar="HOST",
            help="Host header to send (a tenant's domain behind django-tenants' routing).",
        ),
    ] = None,
) -> None:
    """GET URL until it is healthy; tell DNS, refused, TLS, timeout, status and redirect apart."""
    from devkit.commands.health import run_health

    guarded(
        g,
        "health",
        lambda ui: run_health(
            ui,
            url,
            statuses=expect_status or [200],
            expect_json=expect_json or [],
            headers=header or [],
            max_attempts=max_attempts,
            delay=delay,
            initial_wait=initial_wait,
            timeout=timeout,
            host=host,
        ),
    )


def _check_workflows(
    g: Globals,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Workflow, compose or Dockerfile paths, or folders (default: .github/workflows)."
        ),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings (DK2xx) become errors.")] = False,
    output_format: Annotated[
        str, typer.Option("--format", metavar="text|github", help="github: workflow-command annotations.")
    ] = "text",
    deploy_pattern: Annotated[
        list[str] | None,
        typer.Option(
            "--deploy-pattern",
            metavar="WORD",
            help="Besides jobs that visibly deploy (ssh, kubectl, helm, PaaS), a job whose id, name "
            "or environment has a word starting with WORD and that runs more than echo/notify "
            "steps (a regex; repeatable; default deploy, release, promote, prod, uat).",
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", metavar="RULE", help="Do not report this rule id (repeatable)."),
    ] = None,
) -> None:
    """Workflow policy: pinned images and no migrations in deploy jobs, permissions, timeouts."""
    from devkit.commands.check_workflows import run_check_workflows

    root = g.project.resolve() if g.project else Path.cwd()
    guarded(
        g,
        "check-workflows",
        lambda ui: run_check_workflows(
            ui,
            root,
            paths or [],
            strict=strict,
            output_format=output_format,
            deploy_patterns=deploy_pattern or [],
            ignore=ignore or [],
        ),
    )


command(app, "check-workflows")(_check_workflows)
command(app, "check-tags", hidden=True, help="Alias of check-workflows.")(_check_workflows)
