"""The settings as Django resolves them, traced (probe/trace.py): which environment variables the
project's own code reads, which of them have no default, which reach DATABASES (and as what),
which env files the settings open, where LOGGING writes. Learnt from the project's Django itself,
not from patterns in its source, so a settings helper (`require_env("DB_HOST")`), a nested
settings package or a second database alias are read like any other code.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.core import proc
from devkit.core.errors import StepFailed
from devkit.project.django import PROBES, Django

FIELDS = {"NAME": "{name}", "USER": "{user}", "PASSWORD": "{password}", "HOST": "{host}", "PORT": "{port}"}
# The words a variable's name may use for a connection field (to choose between equal values).
FIELD_WORDS = {
    "NAME": ("NAME", "DATABASE", "DB"),
    "USER": ("USER",),
    "PASSWORD": ("PASS",),
    "HOST": ("HOST",),
    "PORT": ("PORT",),
}


@dataclass(frozen=True)
class Read:
    name: str
    has_default: bool
    is_set: bool
    via: str
    where: str
    cast: str = ""


@dataclass(frozen=True)
class Trace:
    ok: bool
    error: dict[str, str] | None
    settings_module: str | None
    reads: dict[str, Read]
    databases: dict[str, dict[str, Any]]
    env_files: tuple[Path, ...]
    logging_files: tuple[Path, ...]
    settings_file: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def missing(self) -> list[str]:
        """Variables the project reads with no default that are not set."""
        return sorted(r.name for r in self.reads.values() if not r.has_default and not r.is_set)

    def failure(self) -> str:
        if not self.error:
            return ""
        where = f" ({self.error['where']})" if self.error.get("where") else ""
        return f"{self.error['type']}: {self.error['message']}{where}"


def trace(django: Django, root: Path) -> Trace:
    """Load the settings with the reads traced; when they fail with markers, load them again
    without (a marker's doing is then told from the project's own failure)."""
    django.check_settings_module()  # DJANGO_SETTINGS_MODULE set but empty: said as such
    marked = _trace(django, root, "mark")
    if marked.ok:
        return marked
    plain = _trace(django, root, "real")
    return plain if plain.ok else marked if not plain.reads else plain


def _trace(django: Django, root: Path, mode: str) -> Trace:
    """One traced load of the settings in the project's interpreter."""
    manage = django.config.path(django.config.manage_py)
    fd, name = tempfile.mkstemp(prefix="trace-", suffix=".json", dir=django.config.state_dir)
    os.close(fd)
    out = Path(name)
    bootstrap = "import os, runpy; runpy.run_path(os.environ['DEVKIT_TRACE_SCRIPT'], run_name='__main__')"
    env = {
        **django.env,
        "DEVKIT_TRACE_SCRIPT": str(PROBES / "trace.py"),
        "DEVKIT_TRACE_OUT": str(out),
        "DEVKIT_TRACE_MANAGE": str(manage),
        "DEVKIT_TRACE_ROOT": str(root),
        "DEVKIT_TRACE_MODE": mode,
    }
    try:
        done = proc.run(
            [django.python, "-c", bootstrap],
            cwd=django.config.manage_dir,
            env=env,
            log=django.logs() / f"probe-trace-{mode}.log",
            check=False,
            timeout=180,
        )
        try:
            data = json.loads(out.read_text())
        except (OSError, ValueError):
            raise StepFailed(
                f"devkit's settings trace wrote nothing (exit {done.returncode})",
                hint=f"see {django.logs() / f'probe-trace-{mode}.log'}",
                details=proc.tail(done.stderr, 10),
            ) from None
    finally:
        out.unlink(missing_ok=True)
    return parse(data)


def parse(data: dict[str, Any]) -> Trace:
    reads = {
        name: Read(
            name,
            bool(r.get("default")),
            bool(r.get("set")),
            r.get("via", ""),
            r.get("where", ""),
            r.get("cast", ""),
        )
        for name, r in (data.get("reads") or {}).items()
    }
    return Trace(
        ok=bool(data.get("ok")),
        error=data.get("error"),
        settings_module=data.get("settings_module"),
        reads=reads,
        databases=data.get("databases") or {},
        env_files=tuple(Path(p) for p in data.get("env_files") or []),
        logging_files=tuple(Path(p) for p in data.get("logging_files") or []),
        settings_file=data.get("settings_file"),
        raw=data,
    )


@dataclass(frozen=True)
class Mapping:
    """What the settings' DATABASES read: {variable: devkit template}, fields fixed in the settings
    ({field: value}), and which connection fields have no value at all (libpq's defaults)."""

    env: dict[str, str]
    fixed: dict[str, str]
    unset: tuple[str, ...]
    ambiguous: dict[str, list[str]]


def database_mapping(found: Trace) -> Mapping:
    """The mapping for every alias: a URL variable gives {url}; a plain one its field's template."""
    env: dict[str, str] = {}
    fixed: dict[str, str] = {}
    unset: list[str] = []
    ambiguous: dict[str, list[str]] = {}
    for alias, fields in found.databases.items():
        engine = (fields.get("ENGINE") or {}).get("literal", "")
        if engine and "postgres" not in engine:
            continue  # sqlite and others: no server to connect to (env.py names the engine)
        for name, template in FIELDS.items():
            entry = fields.get(name) or {}
            sources = entry.get("vars") or []
            if not sources:
                literal = entry.get("literal", "")
                if literal and alias == "default":
                    fixed[name] = literal
                elif not literal and alias == "default" and name in ("HOST", "PORT"):
                    unset.append(name)
                continue
            var, part = _choose(name, sources)
            if var is None:
                ambiguous[f"{alias}.{name}"] = [s[0] for s in sources]
                continue
            env[var] = "{url}" if part else template
    return Mapping(env, fixed, tuple(unset), ambiguous)


def _choose(field_name: str, sources: list[list[Any]]) -> tuple[str | None, str | None]:
    """One variable for a field: the only one; else a whole value over a URL part; else the one
    whose name says the field (DB_HOST for HOST)."""
    whole = [s for s in sources if not s[1]] or sources
    if len(whole) == 1:
        return whole[0][0], whole[0][1]
    for word in FIELD_WORDS[field_name]:  # the most telling word first: NAME before DB
        named = [s for s in whole if word in s[0].upper()]
        if len(named) == 1:
            return named[0][0], named[0][1]
    return None, None


def project_env_files(found: Trace, root: Path) -> list[Path]:
    """The env files the settings open (or try to) inside the project, in the order they did."""
    root = root.resolve()
    return [p for p in found.env_files if p == root or root in p.parents]


def log_folders(found: Trace, root: Path) -> list[Path]:
    """Folders inside the project that LOGGING writes files into and that do not exist (a fresh
    clone lacks them when git ignores them)."""
    root = root.resolve()
    folders = []
    for path in found.logging_files:
        folder = path.parent
        if (root in folder.parents or folder == root) and not folder.exists() and folder not in folders:
            folders.append(folder)
    return folders
