"""What `devkit init` can learn without asking: the effective configuration, the existing config
file, the database variables the settings read, the project's tenant commands, local servers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit import config, detect
from devkit.init import toml_text

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
    cfg = config.load(root)
    config_file, written = existing_config(root)
    manage = detect.find_manage_py(root)
    db_env, db_env_source = settings_database_env(manage) if manage else ({}, "")
    return Discovery(
        root=cfg.root,
        effective=config.effective(cfg),
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
    """The settings module manage.py names (a module file, or every file of a package)."""
    match = _SETTINGS_MODULE.search(manage.read_text(errors="replace"))
    if not match:
        return []
    base = manage.parent.joinpath(*match.group(1).split("."))
    if base.with_suffix(".py").is_file():
        if base.parent.name == "settings" and (base.parent / "__init__.py").is_file():
            return sorted(base.parent.glob("*.py"))  # a settings package: base.py has the reads
        return [base.with_suffix(".py")]
    return sorted(base.glob("*.py")) if base.is_dir() else []


def settings_database_env(manage: Path) -> tuple[dict[str, str], str]:
    """database.env templates for the variables the settings read, e.g. DB_HOST -> {host}."""
    mapping: dict[str, str] = {}
    files = settings_files(manage)
    for path in files:
        text = path.read_text(errors="replace")
        for var in _ENV_READ.findall(text):
            match = _DB_VAR.match(var)
            if match and var not in mapping:
                mapping[var] = "{" + _PART[match.group(1)] + "}"
        if _URL_HELPERS.search(text):
            mapping.setdefault("DATABASE_URL", "{url}")
    if mapping:
        mapping.setdefault("DATABASE_URL", "{url}")  # also what the external provider reads
    source = ", ".join(p.relative_to(manage.parent).as_posix() for p in files)
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
