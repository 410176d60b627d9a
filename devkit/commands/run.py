"""`devkit run -- COMMAND…` and `devkit shell`: the environment devkit's own steps use, for what
developers type by hand.

devkit replaces itself with the command (exec): stdin/stdout/stderr and the terminal are the
command's own, signals reach it directly, and its exit status is the exit status. Nothing is
started or changed: a database that is not running is exit 3 with the hint `devkit up`.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from typing import Any

from devkit.config.model import Config
from devkit.context import Context
from devkit.core.errors import DatabaseError, DevkitError, NotSetUp, UsageError
from devkit.core.state import Secrets, State
from devkit.core.ui import UI


def _context(config: Config, verbose: int) -> Context:
    # Not Context.create: that makes .devkit/, and `devkit run` changes nothing.
    return Context(config, State(config.state_dir), Secrets(config.state_dir), verbose=verbose)


def _require_database(ctx: Context) -> None:
    """The running database's connection on ctx, or DatabaseError (exit 3): never starts it."""
    folder = ctx.config.state_dir
    fresh = not folder.exists()
    try:
        _check_running(ctx)
    except DatabaseError:
        # Resolving the native provider records the project id (.devkit/project.json). In a
        # project devkit never set up, that is all this run made: leave the folder as it was.
        if fresh and folder.is_dir() and {p.name for p in folder.iterdir()} <= IDENTITY_FILES:
            shutil.rmtree(folder)
        raise


IDENTITY_FILES = {"project.json", "project.json.lock"}


def _check_running(ctx: Context) -> None:
    conn = ctx.provider.current()
    if conn is None:
        raise DatabaseError(
            f"the database is not running ({ctx.provider_reason})",
            hint="start it with `devkit up` (devkit run never starts anything)",
        )
    try:
        socket.create_connection((conn.host, conn.port), timeout=3).close()
    except OSError as exc:
        raise DatabaseError(
            f"the database at {conn.host}:{conn.port} does not answer ({exc.strerror or exc})",
            hint="start it with `devkit up` (devkit run never starts anything)",
        ) from None
    ctx.set_connection(conn)


def _require_venv(ctx: Context) -> None:
    """The project's venv must have its interpreter: without it, `python` on PATH would be another
    Python (the machine's), and the command would fail far from the cause. Never creates it."""
    python = ctx.venv / "bin" / "python"
    if not python.exists():
        where = ctx.config.python.venv
        state = "has no usable bin/python" if ctx.venv.is_dir() else "does not exist"
        raise NotSetUp(
            f"the project's virtualenv {where} {state}: devkit run does not use another Python",
            hint="create it with `devkit up` (or `devkit up --only python-deps`)",
        )


def is_manage_py(argv: list[str]) -> int:
    """Index of manage.py in `manage.py …` / `python manage.py …`, or -1."""
    if argv and Path(argv[0]).name == "manage.py":
        return 0
    if len(argv) > 1 and Path(argv[0]).name.startswith("python") and Path(argv[1]).name == "manage.py":
        return 1
    return -1


def plan(config: Config, argv: list[str], verbose: int = 0) -> tuple[list[str], dict[str, str], Path]:
    """(argv, full environment, working folder) for a by-hand command; raises DevkitError."""
    if not argv:
        raise UsageError("devkit run needs a command", hint="e.g. `devkit run -- python manage.py shell`")
    ctx = _context(config, verbose)
    _require_database(ctx)
    _require_venv(ctx)
    env = {**os.environ, **ctx.project_env()}
    cwd = Path.cwd()
    at = is_manage_py(argv)
    if at >= 0:
        argv = list(argv)
        given = Path(argv[at])
        # A manage.py that exists where the user is: that one; else the project's.
        chosen = cwd / given if (cwd / given).is_file() else config.path(config.manage_py)
        argv[at] = str(chosen.resolve())
        cwd = config.manage_dir
    return argv, env, cwd


def _resolve(program: str, env: dict[str, str]) -> str:
    found = shutil.which(program, path=env.get("PATH")) if os.sep not in program else program
    if found is None or not os.access(found, os.X_OK):
        raise UsageError(f"command not found: {program}", hint="check the name, or install it in the venv")
    return os.path.abspath(found)  # before the chdir to manage.py's folder


def _explain(ui: UI, config: Config, env: dict[str, str], cwd: Path) -> None:
    """-v: what devkit set (names only: values may be secrets)."""
    file_keys = sorted(_file_keys(config))
    ui.print(f"[dim]devkit run: cwd {cwd}[/]")
    if env.get("VIRTUAL_ENV"):
        ui.print(f"[dim]devkit run: VIRTUAL_ENV={env['VIRTUAL_ENV']}, its bin/ first on PATH[/]")
    ui.print(f"[dim]devkit run: from {config.env_file}: {', '.join(file_keys) or '(nothing)'}[/]")
    owned = sorted(config.database.env)
    ui.print(f"[dim]devkit run: devkit's connection: {', '.join(owned) or '(no database.env)'}[/]")


def _file_keys(config: Config) -> list[str]:
    from devkit.core import envfile

    return list(envfile.read_values(config.path(config.env_file))) if config.env_file else []


def _exec(argv: list[str], env: dict[str, str], cwd: Path) -> None:
    program = _resolve(argv[0], env)
    os.chdir(cwd)
    try:
        os.execve(program, argv, env)
    except OSError as exc:
        raise DevkitError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None


def run_command(config: Config, ui: UI, argv: list[str]) -> tuple[int, dict[str, Any]]:
    """exec the command; returns only when devkit itself failed before it (raised)."""
    argv, env, cwd = plan(config, argv, ui.verbose)
    if ui.verbose:
        _explain(ui, config, env, cwd)
    ui.console.file.flush()
    _exec(argv, env, cwd)
    raise AssertionError("unreachable: exec returned")  # pragma: no cover


def run_shell(config: Config, ui: UI) -> tuple[int, dict[str, Any]]:
    """The user's $SHELL (or /bin/sh) with the same environment, in the current folder."""
    shell = os.environ.get("SHELL") or "/bin/sh"
    _argv, env, cwd = plan(config, [shell], ui.verbose)
    env["DEVKIT_SHELL"] = str(config.root)  # prompts and scripts can tell they are inside
    if ui.verbose:
        _explain(ui, config, env, cwd)
    ui.console.file.flush()
    _exec([shell], env, cwd)
    raise AssertionError("unreachable: exec returned")  # pragma: no cover
