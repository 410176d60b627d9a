"""The typer app, its global options, the command decorator and the one place where every error
becomes an exit code. The command modules of this package register on `app`; this module imports
none of them (devkit/cli/__init__.py does).

Global options (--project, --no-input, --json, -v) are accepted before or after the subcommand.
Heavy imports (psycopg, docker, questionary, the steps) happen inside the commands.
"""

import functools
import inspect
import os
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from devkit import __version__
from devkit.core.errors import DevkitError, ExitCode, UsageError

# No pretty tracebacks: their local variables could show a password.
app = typer.Typer(
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish): cli/complete.py
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Bootstrap and keep a django-tenants development environment working.",
)
db_app = typer.Typer(no_args_is_help=True, help="The database devkit provides.")
app.add_typer(db_app, name="db")


@dataclass(frozen=True)
class Globals:
    project: Path | None
    no_input: bool
    json: bool
    verbose: int


def _project_path(value: str | None) -> Path | None:
    """--project PATH; an empty path is refused: it would silently mean the current folder."""
    if value is None:
        return None
    if not value.strip():
        raise typer.BadParameter(
            "an empty path; pass the project folder (`--project .` for the current one)",
            param_hint="'--project'",
        )
    return Path(value)


ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project",
        help="Project folder (default: nearest with devkit config, git root, manage.py).",
        callback=_project_path,
    ),
]
NoInputOption = Annotated[
    bool, typer.Option("--no-input", help="Never prompt (implied without a TTY or when CI is set).")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Machine-readable result on stdout; human output on stderr.")
]
VerboseOption = Annotated[int, typer.Option("-v", "--verbose", count=True, help="More detail.")]
_GLOBAL_OPTIONS: dict[str, tuple[Any, Any]] = {
    "project": (ProjectOption, None),
    "no_input": (NoInputOption, False),
    "json_": (JsonOption, False),
    "verbose": (VerboseOption, 0),
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"devkit {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    project: ProjectOption = None,
    no_input: NoInputOption = False,
    json_: JsonOption = False,
    verbose: VerboseOption = 0,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    ctx.obj = {"project": project, "no_input": no_input, "json_": json_, "verbose": verbose}


def command(group: typer.Typer, name: str | None = None, **kwargs: Any) -> Callable[..., Any]:
    """Register `fn(g: Globals, ...)` with the global options appended to its own."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        # Resolve annotations in fn's own module: the wrapper lives here, with other globals.
        hints = typing.get_type_hints(fn, include_extras=True)
        own = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in inspect.signature(fn).parameters.values()
            if p.name != "g"
        ]
        extra = [
            inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hint)
            for key, (hint, default) in _GLOBAL_OPTIONS.items()
        ]
        extra.append(inspect.Parameter("typer_ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context))

        @functools.wraps(fn)
        def wrapper(**values: Any) -> Any:
            before = values.pop("typer_ctx").find_root().obj or {}
            opts = {k: values.pop(k) or before.get(k) for k in _GLOBAL_OPTIONS}
            interactive = sys.stdin.isatty() and not os.environ.get("CI")
            g = Globals(
                opts["project"],
                bool(opts["no_input"]) or not interactive,
                bool(opts["json_"]),
                int(opts["verbose"] or 0),
            )
            return fn(g, **values)

        wrapper.__signature__ = inspect.Signature([*own, *extra])  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in [*own, *extra]}
        del wrapper.__wrapped__
        group.command(name, **kwargs)(wrapper)
        return fn

    return decorate


def guarded(g: Globals, name: str, body: Callable[[Any], tuple[int, dict[str, Any]]]) -> None:
    """Run a command body; map every exception to an exit code and a short message; emit the envelope.

    No Python traceback reaches the console: file-system errors become usage errors (exit 2) and
    anything unexpected is a one-line devkit bug report with a crash log (shown with -v)."""
    from devkit.core import failures
    from devkit.core.errors import Interrupted
    from devkit.core.ui import UI

    ui = UI(json_mode=g.json, verbose=g.verbose)
    try:
        code, payload = body(ui)
    except KeyboardInterrupt:
        err: DevkitError = Interrupted(
            "interrupted", hint="run the command again; devkit picks up where it stopped"
        )
        ui.print("[yellow]interrupted[/]")
        ui.emit(name, err.exit_code, {}, err)
        raise typer.Exit(int(err.exit_code)) from None
    except typer.Exit:
        raise
    except Exception as exc:  # the one place every error becomes an exit code
        if isinstance(exc, DevkitError):
            err = exc
        elif isinstance(exc, OSError) and exc.filename is not None:
            err = failures.from_os_error(exc)
        else:
            err = failures.from_unexpected(exc, name, _project_logs(g))
        ui.error(err)
        ui.emit(name, err.exit_code, {}, err)
        raise typer.Exit(int(err.exit_code)) from None
    ui.emit(name, code, payload)
    raise typer.Exit(code)


def _project_logs(g: Globals) -> Path | None:
    """The project's `.devkit/logs` for a crash log, when the project already has a `.devkit/`."""
    from devkit.config import loading

    try:
        root = g.project.resolve() if g.project else loading.find_project(Path.cwd())
    except (DevkitError, OSError):
        return None
    return root / ".devkit" / "logs" if (root / ".devkit").is_dir() else None


def load_config(g: Globals, django_project: bool = False) -> Any:
    """The project's configuration; with `django_project`, refuse a folder without manage.py
    before anything is created (no venv, cluster, env file or .gitignore in the wrong folder)."""
    from devkit.config import loading

    root = g.project.resolve() if g.project else loading.find_project(Path.cwd())
    if not root.is_dir():
        raise UsageError(
            f"--project {g.project}: no such folder", hint="pass the folder that holds manage.py"
        )
    loaded = loading.load(root)
    if django_project and not loaded.path(loaded.manage_py).is_file():
        raise UsageError(
            f"{root} is not a Django project: {loaded.manage_py} not found "
            f"(manage_py from {loaded.provenance.get('manage_py', 'default')}); nothing was created",
            hint="pass --project with the folder that holds manage.py, or set manage_py in "
            'devkit.toml (e.g. manage_py = "backend/manage.py")',
        )
    if django_project:
        from devkit.config.checks import check_paths

        check_paths(loaded)
    return loaded


def _subcommand(argv: list[str]) -> str | None:
    """The first word that is not an option or the value of a global option taking one."""
    skip_next = False
    for arg in argv:
        if skip_next:
            skip_next = False
        elif arg == "--project":
            skip_next = True
        elif not arg.startswith("-"):
            return arg
    return None


def _bare_force(argv: list[str]) -> list[str]:
    """`up --force` without a step name means every step (typer has no optional option values).

    Only `up` takes `--force STEP`; other commands' `--force` is a plain flag."""
    if _subcommand(argv) != "up":
        return argv
    out = []
    for i, arg in enumerate(argv):
        following = argv[i + 1] if i + 1 < len(argv) else None
        if arg == "--force" and (following is None or following.startswith("-")):
            out.append("--force=*")
        else:
            out.append(arg)
    return out


def main() -> None:
    """Run the app; a bad command line is reported like every other error (and in JSON with --json)."""
    from typer.exceptions import TyperException

    argv = sys.argv[1:]
    try:
        code = app(args=_bare_force(argv), prog_name="devkit", standalone_mode=False)
    except TyperException as exc:  # click's usage errors (typer vendors click)
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            sys.stderr.write(f"Error: {exc.format_message()}\n")
        if "--json" in argv:
            from devkit.core.ui import UI

            err = UsageError(exc.format_message(), hint="see `devkit --help` or `devkit COMMAND --help`")
            UI(json_mode=True).emit(_subcommand(argv) or "devkit", exc.exit_code, {}, err)
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(int(ExitCode.INTERRUPTED))
    sys.exit(code or 0)
