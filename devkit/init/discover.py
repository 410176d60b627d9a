"""What `devkit init` can learn without asking: the effective configuration, the existing config
file, the database variables the settings read, the project's tenant commands, local servers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.config import detect, loading, toml_text

PYPROJECT_TABLE = "tool.devkit"
_SETTINGS_MODULE = re.compile(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]")
# os.environ.get("X"), os.environ["X"], os.getenv("X"), env("X"), env.str("X"), config("X") ...
_ENV_READ = re.compile(
    r"(?:environ(?:\.get)?|getenv|env(?:\.\w+)?|config)"
    r"""\s*[\[(]\s*['"]([A-Z][A-Z0-9_]*)['"]"""
)
_DB_VAR = re.compile(
    r"^(?:DB|DATABASE|POSTGRES|POSTGRESQL|PG)_?(HOST|PORT|NAME|DB|DATABASE|USER|"
    r"USERNAME|PASSWORD|PASS|URL)$"
)
_PART = {
    "HOST": "host",
    "PORT": "port",
    "NAME": "name",
    "DB": "name",
    "DATABASE": "name",
    "USER": "user",
    "USERNAME": "user",
    "PASSWORD": "password",
    "PASS": "password",
    "URL": "url",
}
# A dotted module literal anywhere in manage.py (`os.getenv("X", "proj.settings.dev")`).
_SETTINGS_LITERAL = re.compile(r"['\"](\w+(?:\.\w+)*\.settings(?:\.\w+)*)['\"]")
# from .base import * (a settings package that builds on its shared module)
_RELATIVE_IMPORT = re.compile(r"^\s*from\s+\.(\w+)\s+import", re.M)
_URL_HELPERS = re.compile(r"dj_database_url\.(?:config|parse)|env\.db(?:_url)?\(")


@dataclass(frozen=True)
class Discovery:
    root: Path
    effective: dict[str, tuple[Any, str]]  # dotted key -> (value, provenance)
    config_file: Path | None  # devkit.toml or pyproject.toml holding [tool.devkit]
    written: dict[str, Any]  # the keys that file sets (flat)
    db_env: dict[str, str]  # database.env mapping read off the settings; {} when none found
    db_env_source: str
    tenant_commands: tuple[str, ...]  # the project's management commands about tenants
    pg_versions: tuple[str, ...]  # PostgreSQL server versions installed here

    @property
    def in_pyproject(self) -> bool:
        return self.config_file is not None and self.config_file.name == "pyproject.toml"

    def value(self, key: str) -> Any:
        return self.effective[key][0]

    def detected(self) -> list[tuple[str, Any, str]]:
        return [
            (k, v, why.removeprefix("detected: "))
            for k, (v, why) in self.effective.items()
            if why.startswith("detected")
        ]


def discover(root: Path) -> Discovery:
    """Read everything init can know about `root` (files only: no Django boot, no network)."""
    cfg = loading.load(root)
    config_file, written = existing_config(root)
    manage = detect.find_manage_py(root)
    db_env, db_env_source = settings_database_env(manage) if manage else ({}, "")
    return Discovery(
        root=cfg.root,
        effective=loading.effective(cfg),
        config_file=config_file,
        written=written,
        db_env=db_env,
        db_env_source=db_env_source,
        tenant_commands=tenant_commands(manage.parent) if manage else (),
        pg_versions=installed_postgres(),
    )


def existing_config(root: Path) -> tuple[Path | None, dict[str, Any]]:
    devkit_toml, pyproject = root / "devkit.toml", root / "pyproject.toml"
    if devkit_toml.is_file():
        return devkit_toml, toml_text.parse_flat(devkit_toml.read_text())
    if pyproject.is_file():
        flat = toml_text.parse_flat(pyproject.read_text(), PYPROJECT_TABLE)
        if flat or re.search(r"^\[tool\.devkit[.\]]", pyproject.read_text(), re.M):
            return pyproject, flat
    return None, {}


def settings_files(manage: Path) -> list[Path]:
    """The settings module manage.py names, and the modules of its package it imports
    (`from .base import *`): the files whose reads are the settings' reads."""
    text = manage.read_text(errors="replace")
    match = _SETTINGS_MODULE.search(text) or _SETTINGS_LITERAL.search(text)
    start = _module_file(manage.parent, match.group(1)) if match else None
    if start is None:
        start = _settings_without_name(manage.parent)
    if start is None:
        return []
    found: list[Path] = []
    todo = [start]
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found.append(path)
        for relative in _RELATIVE_IMPORT.findall(path.read_text(errors="replace")):
            sibling = path.parent / f"{relative}.py"
            if sibling.is_file():
                todo.append(sibling)
    return sorted(found)


def _module_file(base_dir: Path, module: str) -> Path | None:
    base = base_dir.joinpath(*module.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _settings_without_name(manage_dir: Path) -> Path | None:
    """DJANGO_SETTINGS_MODULE comes from the environment only: the one settings module or package."""
    candidates = [
        p
        for p in [*manage_dir.glob("*/settings.py"), *manage_dir.glob("*/settings/__init__.py")]
        if not any(part in {".venv", "venv", "node_modules"} for part in p.parts)
    ]
    if len(candidates) != 1:
        return None
    found = candidates[0]
    if found.name == "__init__.py" and not _RELATIVE_IMPORT.search(found.read_text(errors="replace")):
        base = found.parent / "base.py"  # a package that chooses nothing itself: its shared part
        return base if base.is_file() else found
    return found


def settings_database_env(manage: Path) -> tuple[dict[str, str], str]:
    """database.env templates for the variables the settings read, e.g. DB_HOST -> {host}; the
    source names the files that read them. Nothing is claimed that no file reads."""
    mapping: dict[str, str] = {}
    readers: list[Path] = []
    for path in settings_files(manage):
        text = path.read_text(errors="replace")
        before = len(mapping)
        for var in _ENV_READ.findall(text):
            match = _DB_VAR.match(var)
            if match and var not in mapping:
                mapping[var] = "{" + _PART[match.group(1)] + "}"
        if _URL_HELPERS.search(text):  # dj_database_url.config() / env.db() read DATABASE_URL
            mapping.setdefault("DATABASE_URL", "{url}")
        if len(mapping) > before:
            readers.append(path)
    source = ", ".join(p.relative_to(manage.parent).as_posix() for p in readers)
    return mapping, source


def tenant_commands(manage_dir: Path) -> tuple[str, ...]:
    """Names of management commands in the project whose name mentions tenants."""
    found = {
        p.stem
        for p in manage_dir.glob("**/management/commands/*.py")
        if "tenant" in p.stem
        and not p.stem.startswith("_")
        and not any(part in {".venv", "venv", "node_modules"} for part in p.parts)
    }
    return tuple(sorted(found))


def installed_postgres() -> tuple[str, ...]:
    """Major versions with server binaries under /usr/lib/postgresql (Debian/Ubuntu layout)."""
    base = Path("/usr/lib/postgresql")
    versions = [p.name for p in base.glob("*") if (p / "bin" / "postgres").is_file()]
    return tuple(sorted(versions, key=lambda v: int(v) if v.isdigit() else 0, reverse=True))
