"""Facts read from the project's Django by one probe process, cached by a fingerprint of its sources.

The probe (devkit/project/probe/facts.py) runs through `manage.py shell -c`, so the project boots exactly
as it does for its own commands. A warm run reads .devkit/facts.json and boots no Django.
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from devkit.context import Context
from devkit.core import proc
from devkit.core.errors import DevkitError, StepFailed
from devkit.core.state import file_digest, fingerprint, read_json, stat_digest, write_atomic
from devkit.project import probe_failure

PROBES = Path(__file__).parent / "probe"
_SKIP_DIRS = {".venv", "venv", "node_modules", ".git", ".devkit", "__pycache__", "static", "media"}


def source_files(folder: Path) -> list[Path]:
    """Every .py file under the Django project folder (settings, apps, commands, migrations)."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        found.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return found


AUTO_COMMANDS = {
    "create_super": "create_super_tenant --no-input",
    "create_guest": "create_guest_tenant --no-input",
}


def sequence_lines(ctx: Context) -> list[tuple[str, str]]:
    """(config key, command line) of the tenant sequence for ctx.profile; 'auto' resolved later."""
    tenants = ctx.config.tenants
    keys = ["migrate_shared", "create_super", "migrate_tenants"]
    if ctx.profile == "dev":
        keys.append("create_guest")
    return [(key, getattr(tenants, key)) for key in keys if getattr(tenants, key)]


def tenant_commands(ctx: Context) -> list[list[str]]:
    """Every manage.py command line the pre-flight checks: configured ones and auto candidates."""
    lines = [AUTO_COMMANDS[key] if line == "auto" else line for key, line in sequence_lines(ctx)]
    return [shlex.split(line) for line in lines if line != "builtin"]


# Variables that differ between terminals and sessions of the same person without changing what
# Django reads: left out, so a new terminal does not re-run the probe (and the tenant step). PATH
# too: the project's interpreter is named explicitly.
_SESSION_ENV = {
    "_", "PWD", "OLDPWD", "SHLVL", "PATH", "TERM", "COLUMNS", "LINES", "COLORTERM", "DISPLAY",
    "WINDOWID", "LS_COLORS", "LESS", "LESSOPEN", "LESSCLOSE", "PAGER", "EDITOR", "VISUAL", "MAIL",
    "PROMPT_COMMAND", "SESSION_MANAGER", "DESKTOP_SESSION", "STY", "TMUX", "TMUX_PANE", "SHELL",
    "MANPATH", "INFOPATH", "GPG_TTY", "HOSTNAME",
}  # fmt: skip
_SESSION_PREFIXES = (
    "SSH_", "XDG_", "DBUS_", "VSCODE_", "TERM_", "GIT_ASKPASS", "KITTY_", "ITERM_", "WAYLAND_",
    "PS1", "PS2", "PS3", "PS4", "HIST", "PYTEST_", "GNOME_", "KDE_", "WT_", "ALACRITTY_",
)  # fmt: skip


def _read_by_project(name: str) -> bool:
    return name not in _SESSION_ENV and not name.startswith(_SESSION_PREFIXES)


def installed_distributions(venv: Path) -> list[str]:
    """What is installed in the venv (name-version of every distribution, .pth files): the probe
    reads Django's version and the project's imports from there."""
    site = sorted(venv.glob("lib/python*/site-packages"))
    names: list[str] = []
    for folder in site:
        names += sorted(p.name for p in folder.glob("*.dist-info"))
        names += sorted(p.name + stat_digest(p) for p in folder.glob("*.pth"))
        names += sorted(p.name for p in folder.glob("*.egg-info"))
        names += sorted(p.name for p in folder.glob("*.egg-link"))
    return names


def cache_key(ctx: Context) -> str:
    """Every input the probe reads: the project's sources, the env file, the interpreter and what
    is installed in the venv, the tenant command lines, the environment, the probe itself."""
    env = {**os.environ, **ctx.command_env()}
    parts = [stat_digest(p) + str(p) for p in source_files(ctx.config.manage_dir)]
    parts += [
        file_digest(ctx.config.path(ctx.config.env_file)),
        file_digest(ctx.config.path(ctx.config.manage_py)),
        stat_digest(ctx.project_python.resolve()) if ctx.project_python.exists() else "no-python",
        json.dumps(installed_distributions(ctx.venv)),
        json.dumps(tenant_commands(ctx)),
        json.dumps(sorted((k, v) for k, v in env.items() if _read_by_project(k))),
        "DJANGO_SETTINGS_MODULE=" + os.environ.get("DJANGO_SETTINGS_MODULE", "<unset>"),
        file_digest(PROBES / "facts.py"),
        file_digest(PROBES / "docs_facts.py"),
    ]
    return fingerprint(parts)


def settings_module(ctx: Context) -> str | None:
    """DJANGO_SETTINGS_MODULE as the project's commands see it (None: unset, manage.py decides)."""
    return {**os.environ, **ctx.command_env()}.get("DJANGO_SETTINGS_MODULE")


def check_settings_module(ctx: Context) -> None:
    """Refuse before starting Django when DJANGO_SETTINGS_MODULE is set but empty."""
    value = settings_module(ctx)
    if value is not None and not value.strip():
        failure = probe_failure.empty_settings_module(ctx.config.manage_dir, ctx.config.root)
        raise StepFailed(failure.message, hint=failure.hint)


class NoVirtualenv(StepFailed):
    """The project's interpreter does not exist yet: nothing about Django can be known."""


def explain(ctx: Context, exc: proc.CommandFailed) -> DevkitError:
    """A failed Django process as its classified cause (probe_failure), or as it is. The cause
    replaces the traceback's tail on the console; the run's log keeps the whole output."""
    manage_dir, root = ctx.config.manage_dir, ctx.config.root
    failure = probe_failure.classify(exc.output, manage_dir, settings_module(ctx), root)
    if failure is None:
        return exc
    if failure.kind == "other":  # which command, then the exception it ended with
        return StepFailed(f"{exc.message}: {failure.message}", hint=exc.hint or failure.hint)
    if failure.kind == "required-field":  # which command, and what the row lacks
        cached = read_json(ctx.config.state_dir / "facts.json").get("facts") or {}
        tenant_table = (cached.get("tenant_model") or {}).get("table")
        other = tenant_table and failure.table != tenant_table  # [tenants.fields] sets no other table
        return StepFailed(f"{exc.message}: {failure.message}", hint=(other and exc.hint) or failure.hint)
    where = f" (full log: {exc.log})" if exc.log else ""
    return StepFailed(failure.message + where, hint=failure.hint)


# Steps that run at the same time (tenants, docs) share one probe: a load that finds another
# one running for the same key waits for its result, or its failure. Nothing is remembered after
# it: a later load after a failure runs the probe again.
_LOCK = threading.Lock()
_RUNNING: dict[str, Future[dict[str, Any]]] = {}


def load(ctx: Context, *, refresh: bool = False) -> dict[str, Any]:
    """Return the probe's facts, running the probe only when its sources changed."""
    cache = ctx.config.state_dir / "facts.json"
    key = cache_key(ctx)
    cached = read_json(cache)
    if not refresh and cached.get("key") == key:
        return cached["facts"]
    with _LOCK:
        running = _RUNNING.get(key)
        if running is None:
            running = _RUNNING[key] = Future()
            mine = True
        else:
            mine = False
    if not mine:
        return running.result()  # the other load's facts, or its exception raised here too
    try:
        cached = read_json(cache)  # a load that finished just before this one began
        if not refresh and cached.get("key") == key:
            facts = cached["facts"]
        else:
            env = {"DEVKIT_PROBE_COMMANDS": json.dumps(tenant_commands(ctx))}
            facts = run_probe(ctx, "facts.py", env)
            write_atomic(cache, json.dumps({"key": key, "facts": facts}, indent=2, sort_keys=True) + "\n")
        running.set_result(facts)
        return facts
    except BaseException as exc:
        running.set_exception(exc)
        raise
    finally:
        with _LOCK:
            del _RUNNING[key]


def run_in_django(
    ctx: Context,
    script: str,
    env: dict[str, str],
    log: Path,
    hint: str,
    *,
    check: bool = True,
    on_line: Callable[[str], None] | None = None,
) -> proc.Completed:
    """Run devkit/project/probe/<script> inside the project's Django, booted by its own manage.py."""
    bootstrap = (  # the comment names the probe in `ps`
        "import os, runpy; runpy.run_path(os.environ['DEVKIT_PROBE_SCRIPT'], run_name='__main__')"
        f"  # devkit probe {script}"
    )
    check_settings_module(ctx)
    if not ctx.project_python.exists():
        raise NoVirtualenv(
            f"no virtualenv yet: {ctx.project_python} does not exist",
            hint="`devkit up` creates it",
        )
    try:
        return proc.run(
            [ctx.project_python, ctx.config.path(ctx.config.manage_py), "shell", "-c", bootstrap],
            cwd=ctx.config.manage_dir,
            env={**ctx.command_env(), **env, "DEVKIT_PROBE_SCRIPT": str(PROBES / script)},
            log=log,
            hint=hint,
            check=check,
            on_line=on_line,
        )
    except proc.CommandFailed as exc:
        raise explain(ctx, exc) from exc


def run_probe(ctx: Context, script: str, env: dict[str, str]) -> dict[str, Any]:
    """Run one probe script in the project's Django and return the JSON it wrote."""
    # A unique file per call: probes may run concurrently in one process (doctor, docs).
    fd, name = tempfile.mkstemp(prefix=f"probe-{script}-", suffix=".json", dir=ctx.config.state_dir)
    os.close(fd)
    out = Path(name)
    try:
        run_in_django(
            ctx,
            script,
            {**env, "DEVKIT_PROBE_OUT": str(out)},
            log=ctx.logs / f"probe-{script}.log",
            hint="Django could not start with these settings: see the log; `devkit doctor` "
            "checks DJANGO_SETTINGS_MODULE, the database settings and the installed apps",
        )
        return json.loads(out.read_text())
    except (FileNotFoundError, ValueError) as exc:
        raise StepFailed(f"the probe wrote no facts ({exc})") from exc
    finally:
        out.unlink(missing_ok=True)
