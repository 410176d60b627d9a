"""`devkit up`, `down`, `status` and `config`: the development environment itself."""

from pathlib import Path
from typing import Annotated

import typer

from devkit.cli import complete
from devkit.cli.app import Globals, app, command, guarded, load_config


@command(app)
def up(
    g: Globals,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="STEP",
            help="Run only these steps (and what they need).",
            autocompletion=complete.steps,
        ),
    ] = None,
    skip: Annotated[
        list[str] | None,
        typer.Option("--skip", metavar="STEP", help="Do not run these steps.", autocompletion=complete.steps),
    ] = None,
    force: Annotated[
        list[str] | None,
        typer.Option(
            "--force",
            metavar="[STEP]",
            help="Re-run even when fresh: all steps, or the named one.",
            autocompletion=complete.steps,
        ),
    ] = None,
    recreate: Annotated[
        bool,
        typer.Option(
            "--recreate",
            help="Re-create the database container when its settings changed (data kept).",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the last line (and errors).")
    ] = False,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="A plain first run: do not branch from another checkout.")
    ] = False,
    from_path: Annotated[
        Path | None,
        typer.Option("--from", metavar="PATH", help="Branch this checkout's first run from that checkout."),
    ] = None,
) -> None:
    """Bring the development environment up: database, dependencies, tenants."""
    from devkit.commands.up import run_up

    guarded(
        g,
        "up",
        lambda ui: run_up(
            load_config(g, True),
            ui,
            g,
            only or [],
            skip or [],
            force or [],
            recreate,
            quiet,
            fresh=fresh,
            from_path=from_path,
        ),
    )


@command(app)
def down(
    g: Globals,
    volumes: Annotated[bool, typer.Option("--volumes", help="Also delete the data devkit created.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before deleting.")] = False,
) -> None:
    """Stop what devkit started. Data is kept unless --volumes (asks first, or --yes)."""
    from devkit.commands.down import run_down

    guarded(g, "down", lambda ui: run_down(load_config(g), ui, g, volumes, yes))


@command(app)
def status(g: Globals) -> None:
    """What runs where, and which steps are fresh or stale."""
    from devkit.commands.status import run_status

    guarded(g, "status", lambda ui: run_status(load_config(g), ui, g))


@command(app, "config")
def show_config(g: Globals) -> None:
    """The effective configuration and where each value came from (secrets masked)."""
    from devkit.commands.config import run_config

    guarded(g, "config", lambda ui: run_config(load_config(g), ui))
