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

from devkit.core import envfile, inputs
from devkit.core.state import file_digest, fingerprint, read_json, stat_digest, write_atomic
from devkit.project.django import PROBES, Django

READS = "settings_env_reads"  # state: the variables the settings read, as the env step traced them

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


def installed_distributions(venv: Path, root: str | None = None) -> list[str]:
    """What is installed in the venv (name-version of every distribution, .pth files): the probe
    reads Django's version and the project's imports from there. With `root` (portable inputs), a
    .pth file counts by its content with the checkout's folder left out, not by its stat."""
    site = sorted(venv.glob("lib/python*/site-packages"))
    names: list[str] = []
    for folder in site:
        names += sorted(p.name for p in folder.glob("*.dist-info"))
        names += sorted(p.name + _pth_digest(p, root) for p in folder.glob("*.pth"))
        names += sorted(p.name for p in folder.glob("*.egg-info"))
        names += sorted(p.name for p in folder.glob("*.egg-link"))
    return names


def _pth_digest(path: Path, root: str | None) -> str:
    if root is None:
        return stat_digest(path)
    return fingerprint([path.read_text(errors="replace").replace(root, "<root>")])


def site_listing(venv: Path) -> str:
    """Names of the installed distributions: changes when someone installs or removes a package."""
    return fingerprint(sorted(p.name for p in venv.glob("lib/python*/site-packages/*.dist-info")))


def env_names(django: Django) -> list[str]:
    """The variables the facts' key holds: those the settings read (as the env step traced them,
    kept in state.json), or before any trace every variable that is not a terminal or session one."""
    reads = read_json(django.config.state_dir / "state.json").get(READS)
    if not isinstance(reads, list):
        env = {**os.environ, **django.env}
        return sorted(k for k in env if _read_by_project(k))
    return sorted(set(reads) | {"DJANGO_SETTINGS_MODULE"})


def cache_inputs(django: Django, *, portable: bool = False) -> dict[str, str]:
    """Every input the probe reads, by name: the project's sources, the env file, the interpreter
    and what is installed in the venv, the tenant command lines, the probe itself, and the
    variables of env_names().

    portable: the same inputs as another checkout of the project can compare them (adopt()):
    sources by content rather than by stat, the checkout's folder written as `<root>`, and the
    variables devkit sets from its own connection ([database.env]) left out: a second checkout
    has its own database, and the translation in adopt() covers what they give DATABASES."""
    config = django.config
    env = {**os.environ, **django.env}
    root = str(config.root) if portable else None
    own = set(config.database.env) if portable else set()

    def here(text: str) -> str:
        return text.replace(root, "<root>") if root else text

    digest_of = file_digest if portable else stat_digest
    found: dict[str, str] = {config.relative(p): digest_of(p) for p in source_files(config.manage_dir)}
    found[config.relative(config.path(config.manage_py))] = file_digest(config.path(config.manage_py))
    if config.env_file:
        path = config.path(config.env_file)
        if portable:
            values = envfile.read_values(path)
            found[config.env_file] = fingerprint(
                f"{k}={here(v)}" for k, v in sorted(values.items()) if k not in own
            )
        else:
            found[config.env_file] = file_digest(path)
    found["the venv's Python"] = (
        stat_digest(django.python.resolve()) if django.python.exists() else "no-python"
    )
    for entry in installed_distributions(django.venv, root):
        name, _, version = entry.rpartition(".")[0].partition("-")
        found[f"package {name}"] = version or entry
    found["the tenant commands"] = json.dumps([list(c) for c in django.commands])
    for name in env_names(django):
        if name not in own:
            found[f"${name}"] = here(env.get(name, "<unset>"))
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
            portable = _portable(django)  # the inputs as they were when the probe started
            facts = django.probe("facts.py", env)
            _write(cache, key, facts, portable)
        running.set_result(facts)
        return facts
    except BaseException as exc:
        running.set_exception(exc)
        raise
    finally:
        with _LOCK:
            del _RUNNING[key]


def _write(cache: Path, key: str, facts: dict[str, Any], portable: dict[str, Any]) -> None:
    record = {"key": key, "facts": facts, "portable": portable}
    write_atomic(cache, json.dumps(record, indent=2, sort_keys=True) + "\n")


def _portable(django: Django) -> dict[str, Any]:
    """What another checkout needs to take these facts as its own (adopt())."""
    return {
        "digest": inputs.digest(cache_inputs(django, portable=True)),
        "names": env_names(django),
        "root": str(django.config.root),
        "connection": dict(django.connection),
    }


def adopt(django: Django, source_cache: Path, key: str) -> dict[str, Any] | None:
    """The facts another checkout of the project read (`source_cache`: its facts.json), taken as
    this checkout's and cached under `key`, when every input they were read from is the same here:
    sources and env file by content, packages, interpreter, tenant commands, the variables the
    settings read (cache_inputs(portable=True)). Paths under the source's folder become this
    checkout's, and a DATABASES value that was the source's connection becomes this checkout's
    (host, port, name, user). None when anything differs: the probe runs here as always."""
    cached = read_json(source_cache)
    facts, theirs = cached.get("facts"), cached.get("portable")
    if not isinstance(facts, dict) or not isinstance(theirs, dict):
        return None  # read by a devkit that kept no portable record
    mine = _portable(django)
    if theirs.get("names") != mine["names"] or theirs.get("digest") != mine["digest"]:
        return None
    connection = theirs.get("connection") if isinstance(theirs.get("connection"), dict) else {}
    adopted = translated(facts, str(theirs.get("root")), mine["root"], connection, mine["connection"])
    _write(django.config.state_dir / "facts.json", key, adopted, mine)
    return adopted


def translated(
    facts: dict[str, Any], old_root: str, new_root: str, old: dict[str, Any], new: dict[str, Any]
) -> dict[str, Any]:
    """`facts` with paths under `old_root` moved to `new_root`, and each DATABASES field that was
    the old connection's value (`old`: host, port, name, user) set to the new one's, its type kept."""

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return new_root if value == old_root else value.replace(old_root + "/", new_root + "/")
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {walk(k): walk(v) for k, v in value.items()}
        return value

    out: dict[str, Any] = walk(facts)
    database = out.get("database")
    if isinstance(database, dict):
        for field in ("host", "port", "name", "user"):
            value = database.get(field)
            if value is None or field not in old or field not in new or str(value) != str(old[field]):
                continue
            database[field] = int(new[field]) if isinstance(value, int) else str(new[field])
    return out
