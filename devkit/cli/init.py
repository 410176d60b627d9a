"""CLI commands for 'init' (registered on the app by devkit/cli/__init__.py importing this module)."""

from pathlib import Path
from typing import Annotated

import typer

from devkit.cli.app import Globals, app, command, guarded


def _root(g: Globals) -> Path:
    """--project, else the project around the working folder, else the working folder itself:
    init is what creates the configuration, so a folder without any is fine."""
    from devkit.config import loading
    from devkit.core.errors import ConfigError, UsageError

    if g.project is not None:
        root = g.project.resolve()
        if not root.is_dir():
            raise UsageError(f"--project {g.project}: no such folder")
        return root
    try:
        return loading.find_project(Path.cwd())
    except ConfigError:
        return Path.cwd()


@command(app)
def init(
    g: Globals,
    devcontainer: Annotated[
        bool,
        typer.Option("--devcontainer", help="Write .devcontainer/ (compose db service, generated password)."),
    ] = False,
    install_spec: Annotated[
        str | None,
        typer.Option(
            "--install-spec",
            metavar="SPEC",
            help="What the devcontainer installs as devkit (uv tool install): a package, a git URL "
            "or a path inside the project. Default: the devkit running now, as it was installed.",
        ),
    ] = None,
    write_to: Annotated[
        str | None,
        typer.Option("--write-to", metavar="FILE", help="devkit.toml or pyproject.toml (as [tool.devkit])."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Apply changes to existing files without asking.")
    ] = False,
) -> None:
    """Detect the project, ask what cannot be detected, and write devkit's configuration."""

    def body(ui: object) -> tuple[int, dict[str, object]]:
        from devkit.commands.init import run_init
        from devkit.core.errors import UsageError

        if write_to not in (None, "devkit.toml", "pyproject.toml"):
            raise UsageError(f"--write-to {write_to}: expected devkit.toml or pyproject.toml")
        # --json owns stdout, so it never prompts either.
        return run_init(
            _root(g),
            ui,
            g.no_input or g.json,  # type: ignore[arg-type]
            with_devcontainer=devcontainer,
            install_spec=install_spec,
            write_to=write_to,
            yes=yes,
        )

    guarded(g, "init", body)
