"""CLI commands for 'docs' (registered on the app by devkit/cli/__init__.py importing this module)."""

from typing import Annotated

import typer

from devkit.cli.app import Globals, app, command, guarded, load_config


@command(app)
def docs(
    g: Globals,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 1 with a unified diff when the docs are stale.",
        ),
    ] = False,
) -> None:
    """Regenerate the devkit blocks in copilot-instructions and ROADMAP from the project's facts."""
    from devkit.commands.docs import run_docs

    guarded(g, "docs", lambda ui: run_docs(load_config(g), ui, g, check))
