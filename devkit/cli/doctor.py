"""CLI commands for 'doctor' (registered on the app by devkit/cli/__init__.py importing this module)."""

from pathlib import Path
from typing import Annotated

import typer

from devkit.cli.app import Globals, app, command, guarded, load_config


@command(app)
def doctor(
    g: Globals,
    names: Annotated[
        list[str] | None,
        typer.Argument(metavar="[NAME]...", help="Run only these checks or categories (see --list-checks)."),
    ] = None,
    fix: Annotated[
        bool, typer.Option("--fix", help="Apply the safe fixes (never deletes data), then check again.")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="FILE",
            help="Write a Markdown report for a support request (secrets, user name, home folder redacted).",
        ),
    ] = None,
    list_checks: Annotated[bool, typer.Option("--list-checks", help="List the checks.")] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Workflow policy findings (CI) fail doctor too, not only warn."),
    ] = False,
) -> None:
    """Diagnose the development environment: every problem, why, and how to fix it.

    Exit codes: 0 no problems (warnings allowed), 1 at least one problem, 2 usage error.
    Workflow policy problems are warnings unless --strict or the CI category is selected.
    """
    from devkit.commands import doctor as impl

    if list_checks:
        guarded(g, "doctor", impl.list_checks)
    guarded(
        g,
        "doctor",
        lambda ui: impl.run_doctor(g, ui, names or [], fix, report, lambda: load_config(g), strict=strict),
    )
