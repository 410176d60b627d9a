"""Shell completion callbacks (typer's `autocompletion=`): step names for --only/--skip/--force,
snapshot names, tenant schemas. The values come from devkit/commands/completion.py, which starts
nothing and offers nothing when it cannot tell."""

from pathlib import Path

import typer


def _project(ctx: typer.Context) -> Path | None:
    """--project as typed so far, on the command or before it (a global option)."""
    current: typer.Context | None = ctx
    while current is not None:
        value = current.params.get("project")
        if value:
            return Path(value)
        current = current.parent  # type: ignore[assignment]
    return None


def _starting(values: list[str], incomplete: str) -> list[str]:
    return [value for value in values if value.startswith(incomplete)]


def steps(incomplete: str) -> list[str]:
    from devkit.commands.completion import offer, step_names

    return _starting(offer(step_names), incomplete)


def snapshots(ctx: typer.Context, incomplete: str) -> list[str]:
    from devkit.commands.completion import offer, snapshot_names

    return _starting(offer(snapshot_names, _project(ctx)), incomplete)


def devkit_tenants(ctx: typer.Context, incomplete: str) -> list[str]:
    """The schemas of the tenants devkit created: the ones `devkit tenants rm` removes."""
    from devkit.commands.completion import offer, tenant_schemas

    return _starting(offer(tenant_schemas, _project(ctx), by_devkit=True), incomplete)
