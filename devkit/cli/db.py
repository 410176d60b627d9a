"""`devkit db url`, `db shell` and `db snapshot save|restore|list|rm`: the database devkit provides."""

from typing import Annotated

import typer

from devkit.cli import complete
from devkit.cli.app import Globals, command, db_app, guarded, load_config


@command(db_app, "url")
def db_url(g: Globals) -> None:
    """Print the full connection URL, password included (for scripts and GUI clients)."""
    from devkit.commands.db import run_url

    guarded(g, "db url", lambda ui: run_url(load_config(g), ui))


@command(db_app, "shell")
def db_shell(g: Globals) -> None:
    """Open psql on the database devkit provides."""
    from devkit.commands.db import run_shell

    guarded(g, "db shell", lambda ui: run_shell(load_config(g), ui))


snapshot_app = typer.Typer(no_args_is_help=True, help="Snapshots of the development database.")
db_app.add_typer(snapshot_app, name="snapshot")

NameArgument = Annotated[
    str,
    typer.Argument(
        metavar="NAME", help="Snapshot name: a-z, 0-9, '-', '_'.", autocompletion=complete.snapshots
    ),
]
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
