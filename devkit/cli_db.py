"""CLI commands `devkit db snapshot ...` and `devkit tenants ...` (registered on devkit.cli's apps)."""

from typing import Annotated

import typer

from devkit.cli import Globals, app, command, db_app, guarded, load_config

snapshot_app = typer.Typer(no_args_is_help=True, help="Snapshots of the development database.")
db_app.add_typer(snapshot_app, name="snapshot")

NameArgument = Annotated[str, typer.Argument(metavar="NAME", help="Snapshot name: a-z, 0-9, '-', '_'.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Confirm without asking.")]


@command(snapshot_app, "save")
def snapshot_save(
    g: Globals,
    name: NameArgument,
    replace: Annotated[bool, typer.Option("--replace", help="Replace a snapshot of that name.")] = False,
) -> None:
    """Copy the development database into a snapshot (other connections are closed first)."""
    from devkit.commands.snapshot import run_save

    guarded(g, "db snapshot save", lambda ui: run_save(load_config(g), ui, g, name, replace))


@command(snapshot_app, "restore")
def snapshot_restore(g: Globals, name: NameArgument, yes: YesOption = False) -> None:
    """Replace the development database's data with a snapshot (asks first, or --yes)."""
    from devkit.commands.snapshot import run_restore

    guarded(g, "db snapshot restore", lambda ui: run_restore(load_config(g), ui, g, name, yes))


@command(snapshot_app, "list")
def snapshot_list(g: Globals) -> None:
    """The snapshots of the development database."""
    from devkit.commands.snapshot import run_list

    guarded(g, "db snapshot list", lambda ui: run_list(load_config(g), ui, g))


@command(snapshot_app, "rm")
def snapshot_rm(g: Globals, name: NameArgument, yes: YesOption = False) -> None:
    """Delete a snapshot devkit made (asks first, or --yes)."""
    from devkit.commands.snapshot import run_rm

    guarded(g, "db snapshot rm", lambda ui: run_rm(load_config(g), ui, g, name, yes))


tenants_app = typer.Typer(no_args_is_help=True, help="The development tenants.")
app.add_typer(tenants_app, name="tenants")
SchemaArgument = Annotated[str, typer.Argument(metavar="SCHEMA", help="The tenant's schema name.")]


@command(tenants_app, "list")
def tenants_list(g: Globals) -> None:
    """Every tenant: schema, domains, pending migrations, created by devkit or not."""
    from devkit.commands.tenants import run_list

    guarded(g, "tenants list", lambda ui: run_list(load_config(g), ui, g))


@command(tenants_app, "add")
def tenants_add(
    g: Globals,
    schema: SchemaArgument,
    domain: Annotated[str | None, typer.Option("--domain", help="Default: SCHEMA.localhost.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name (default: from SCHEMA).")] = None,
) -> None:
    """Create a development tenant now (cloned from the template when that is equivalent)."""
    from devkit.commands.tenants import run_add

    guarded(g, "tenants add", lambda ui: run_add(load_config(g), ui, g, schema, domain, name))


@command(tenants_app, "rm")
def tenants_rm(g: Globals, schema: SchemaArgument, yes: YesOption = False) -> None:
    """Delete a tenant devkit created, with its domains and schema (asks first, or --yes)."""
    from devkit.commands.tenants import run_rm

    guarded(g, "tenants rm", lambda ui: run_rm(load_config(g), ui, g, schema, yes))


__all__ = ["app", "snapshot_app", "tenants_app"]
