"""Facts read from the project's Django by one probe process, cached by a fingerprint of its sources.

The probe (devkit/project/probe/facts.py) runs through `manage.py shell -c`, so the project boots
exactly as it does for its own commands. A warm run reads .devkit/facts.json and boots no Django.
Everything here is handed the project's Django (project/django.py), never the whole context.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from devkit.core import inputs
from devkit.core.state import file_digest, fingerprint, read_json, stat_digest, write_atomic
from devkit.project.django import PROBES, Django

_SKIP_DIRS = {".venv", "venv", "node_modules", ".git", ".devkit", "__pycache__", "static", "media"}


def source_files(folder: Path) -> list[Path]:
    """Every .py file under the Django project folder (settings, apps, commands, migrations)."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        found.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return found


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


def site_listing(venv: Path) -> str:
    """Names of the installed distributions: changes when someone installs or removes a package."""
    return fingerprint(sorted(p.name for p in venv.glob("lib/python*/site-packages/*.dist-info")))


def cache_inputs(django: Django) -> dict[str, str]:
    """Every input the probe reads, by name: the project's sources, the env file, the interpreter
    and what is installed in the venv, the tenant command lines, the probe itself, and the
    variables the settings read (as the env step traced them, kept in state.json; before any
    trace, every variable that is not a terminal or session one)."""
    config = django.config
    env = {**os.environ, **django.env}
    reads = read_json(config.state_dir / "state.json").get("settings_env_reads")
    if not isinstance(reads, list):
        reads = None
    if reads is None:
        names = sorted(k for k in env if _read_by_project(k))
    else:
        names = sorted(set(reads) | {"DJANGO_SETTINGS_MODULE"})
    found: dict[str, str] = {config.relative(p): stat_digest(p) for p in source_files(config.manage_dir)}
    found[config.relative(config.path(config.manage_py))] = file_digest(config.path(config.manage_py))
    if config.env_file:
        found[config.env_file] = file_digest(config.path(config.env_file))
    found["the venv's Python"] = (
        stat_digest(django.python.resolve()) if django.python.exists() else "no-python"
    )
    for entry in installed_distributions(django.venv):
        name, _, version = entry.rpartition(".")[0].partition("-")
        found[f"package {name}"] = version or entry
    found["the tenant commands"] = json.dumps([list(c) for c in django.commands])
    for name in names:
        found[f"${name}"] = env.get(name, "<unset>")
    found["devkit's probe"] = file_digest(PROBES / "facts.py") + file_digest(PROBES / "docs_facts.py")
    return found


def cache_key(django: Django) -> str:
    """The facts' cache key: the digest of cache_inputs()."""
    return inputs.digest(cache_inputs(django))


# Steps that run at the same time (tenants, docs) share one probe: a load that finds another
# one running for the same key waits for its result, or its failure. Nothing is remembered after
# it: a later load after a failure runs the probe again.
_LOCK = threading.Lock()
_RUNNING: dict[str, Future[dict[str, Any]]] = {}


def load(django: Django, *, refresh: bool = False, key: str | None = None) -> dict[str, Any]:
    """Return the probe's facts, running the probe only when its sources changed (`key`: their
    cache key, when the caller computed it already)."""
    cache = django.config.state_dir / "facts.json"
    key = key or cache_key(django)
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
            env = {"DEVKIT_PROBE_COMMANDS": json.dumps([list(c) for c in django.commands])}
            facts = django.probe("facts.py", env)
            write_atomic(cache, json.dumps({"key": key, "facts": facts}, indent=2, sort_keys=True) + "\n")
        running.set_result(facts)
        return facts
    except BaseException as exc:
        running.set_exception(exc)
        raise
    finally:
        with _LOCK:
            del _RUNNING[key]
