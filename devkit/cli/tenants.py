"""`devkit tenants list|add|rm`: the development tenants."""

from typing import Annotated

import typer

from devkit.cli import complete
from devkit.cli.app import Globals, app, command, guarded, load_config

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Confirm without asking.")]

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


RemovableSchema = Annotated[
    str,
    typer.Argument(
        metavar="SCHEMA",
        help="The schema of a tenant devkit created.",
        autocompletion=complete.devkit_tenants,
    ),
]


@command(tenants_app, "rm")
def tenants_rm(g: Globals, schema: RemovableSchema, yes: YesOption = False) -> None:
    """Delete a tenant devkit created, with its domains and schema (asks first, or --yes)."""
    from devkit.commands.tenants import run_rm

    guarded(g, "tenants rm", lambda ui: run_rm(load_config(g), ui, g, schema, yes))
