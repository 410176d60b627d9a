"""CLI commands 'run' and 'shell' (registered on the app by devkit/cli/__init__.py importing this module)."""

from typing import Annotated

import typer

from devkit.cli.app import Globals, app, command, guarded, load_config

_PASS_THROUGH = {"allow_interspersed_args": False, "ignore_unknown_options": True}


@command(app, "run", context_settings=_PASS_THROUGH)
def run(
    g: Globals,
    argv: Annotated[list[str] | None, typer.Argument(metavar="-- COMMAND...", show_default=False)] = None,
) -> None:
    """Run a command with the project's environment: venv, env file, devkit's database (docs/run.md)."""
    from devkit.commands.run import run_command

    guarded(g, "run", lambda ui: run_command(load_config(g), ui, list(argv or [])))


@command(app, "shell")
def shell(g: Globals) -> None:
    """Open your shell with the environment of `devkit run` (exit to leave)."""
    from devkit.commands.run import run_shell

    guarded(g, "shell", lambda ui: run_shell(load_config(g), ui))
