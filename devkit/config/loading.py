"""Load and validate `[tool.devkit]` / `devkit.toml` into frozen dataclasses, with provenance.

Precedence per key: devkit.toml > pyproject.toml [tool.devkit] > detected from the project >
built-in default. docs/configuration.md is the reference for every key.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Any, get_type_hints

from devkit.config import detect
from devkit.config.model import PROVIDER_ENV, Config, TenantConfig
from devkit.core.errors import ConfigError

CHOICES = {
    "python.installer": ("auto", "pip", "uv"),
    "node.package_manager": ("auto", "npm", "pnpm", "yarn", "bun"),
    "database.provider": ("auto", "docker", "native", "external"),
}
_INTERNAL = {"root", "source", "provenance", "warnings"}


def find_project(start: Path) -> Path:
    """Nearest folder upward holding devkit configuration; else the git root; else manage.py's."""
    start = start.resolve()
    chain = [start, *start.parents]
    for folder in chain:
        # exists(), not is_file(): a folder named devkit.toml is found here and refused by load()
        if (folder / "devkit.toml").exists() or _has_tool_table(folder / "pyproject.toml"):
            return folder
    for folder in chain:
        if (folder / ".git").exists():
            return folder
    for folder in chain:
        if (folder / "manage.py").is_file():
            return folder
    raise ConfigError(
        f"no project found at or above {start}",
        hint="run devkit inside a project, pass --project PATH, or create devkit.toml (devkit init)",
    )


def load(root: Path) -> Config:
    """Read, validate and complete the configuration of the project at `root`."""
    root = root.resolve()
    raw, source, warnings = _read_raw(root)
    flat: dict[str, Any] = {}
    provenance: dict[str, str] = {}
    for key, default in _defaults().items():
        flat[key], provenance[key] = default, "default"
    for key, (value, why) in detect.defaults(root, flat).items():
        flat[key], provenance[key] = value, f"detected: {why}"
    for key, value in _flatten_checked(raw, source).items():
        flat[key], provenance[key] = value, source
    override = os.environ.get(PROVIDER_ENV)
    if override:  # a devcontainer whose compose file runs the database says "external" here
        flat["database.provider"], provenance["database.provider"] = override, f"${PROVIDER_ENV}"
    _check_choices(flat, provenance)
    return _build(Config, flat, "", root=root, source=source, provenance=provenance, warnings=tuple(warnings))


def _has_tool_table(pyproject: Path) -> bool:
    if not pyproject.is_file():
        return False
    return re.search(r"^\[tool\.devkit[.\]]", _read_text(pyproject), re.M) is not None


def _read_text(path: Path) -> str:
    """A configuration file's text; ConfigError (exit 2) when it is unreadable or not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
            hint=f"TOML files are UTF-8 text: re-save {path.name} as UTF-8"
            + (", or write it again with `devkit init`" if path.name == "devkit.toml" else ""),
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read it: {exc.strerror or exc}", hint=f"make {path.name} a readable file"
        ) from None


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(
            f"{path}: not a file (a {'folder' if path.is_dir() else 'special file'} has that name)",
            hint=f"devkit reads {path.name} as a TOML file: rename or remove what is there",
        )
    try:
        return tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", hint="fix the syntax error") from exc
    except RecursionError:
        raise ConfigError(
            f"{path}: nested too deeply to read (arrays or tables inside each other, thousands deep)",
            hint=f"{path.name} holds settings a few levels deep: write it again (`devkit init`)",
        ) from None


def _read_raw(root: Path) -> tuple[dict[str, Any], str, list[str]]:
    warnings: list[str] = []
    devkit_toml, pyproject = root / "devkit.toml", root / "pyproject.toml"
    tool = _read_toml(pyproject).get("tool", {}) if pyproject.exists() else {}
    from_pyproject = tool.get("devkit") if isinstance(tool, dict) else None
    if from_pyproject is not None and not isinstance(from_pyproject, dict):
        raise ConfigError(
            f"{pyproject}: 'tool.devkit' must be a table, got {type(from_pyproject).__name__}",
            hint="write the settings under a [tool.devkit] header (docs/configuration.md)",
        )
    if devkit_toml.exists():
        if from_pyproject is not None:
            warnings.append(
                "both devkit.toml and [tool.devkit] in pyproject.toml exist; devkit.toml wins "
                "and [tool.devkit] is ignored"
            )
        return _read_toml(devkit_toml), str(devkit_toml), warnings
    if from_pyproject is not None:
        return from_pyproject, f"{pyproject} [tool.devkit]", warnings
    return {}, "(none)", warnings


def _schema() -> dict[str, Any]:
    """Dotted key -> declared type, for every configurable key."""
    out: dict[str, Any] = {}

    def walk(cls: type, prefix: str) -> None:
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.name in _INTERNAL:
                continue
            kind = hints[f.name]
            if dataclasses.is_dataclass(kind):
                walk(kind, f"{prefix}{f.name}.")
            else:
                out[f"{prefix}{f.name}"] = kind

    walk(Config, "")
    return out


def _defaults() -> dict[str, Any]:
    out: dict[str, Any] = {}

    def walk(obj: Any, prefix: str) -> None:
        for f in dataclasses.fields(obj):
            if f.name in _INTERNAL:
                continue
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                walk(value, f"{prefix}{f.name}.")
            else:
                out[f"{prefix}{f.name}"] = value

    walk(Config(root=Path("."), source=""), "")
    return out


TENANT_LIST = tuple[TenantConfig, ...]  # [[tenants.dev]]: an array of tables
TENANT_FIELDS = ("schema", "name", "domain")
FIELD_VALUES = dict[str, str | int | float | bool]  # [tenants.fields]: TOML dates become ISO strings


def _type_name(kind: Any) -> str:
    if kind == TENANT_LIST:
        return "an array of tables with schema, name and domain ([[tenants.dev]])"
    if kind == FIELD_VALUES:
        return "a table of field values (strings, numbers, true/false, dates)"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        kind, "a table of strings"
    )


def _matches(kind: Any, value: Any) -> bool:
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in (str, bool):
        return isinstance(value, kind)
    if kind == TENANT_LIST:
        return isinstance(value, list) and all(
            isinstance(item, dict)
            and isinstance(item.get("schema"), str)
            and set(item) <= set(TENANT_FIELDS)
            and all(isinstance(v, str) for v in item.values())
            for item in value
        )
    if kind == FIELD_VALUES:
        import datetime

        plain = (str, int, float, bool, datetime.date)  # datetime.datetime is a date too
        return isinstance(value, dict) and all(isinstance(v, plain) for v in value.values())
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _flatten_checked(raw: dict[str, Any], source: str) -> dict[str, Any]:
    schema = _schema()
    tables = {k.rsplit(".", 1)[0] for k in schema if "." in k}
    out: dict[str, Any] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            dotted = f"{prefix}{key}"
            if dotted in tables and isinstance(value, dict):
                walk(value, f"{dotted}.")
            elif dotted in tables:
                raise ConfigError(
                    f"{source}: '{dotted}' must be a table, got {type(value).__name__} {value!r}",
                    hint=f"put its keys under a [{dotted}] header (docs/configuration.md)",
                )
            elif dotted not in schema:
                known = sorted(k for k in schema if k.startswith(prefix) and "." not in k[len(prefix) :])
                raise ConfigError(
                    f"{source}: unknown key '{dotted}'",
                    hint=f"known keys here: {', '.join(known)} (docs/configuration.md)",
                )
            elif not _matches(schema[dotted], value):
                raise ConfigError(
                    f"{source}: '{dotted}' must be {_type_name(schema[dotted])}, "
                    f"got {type(value).__name__} {value!r}",
                    hint="see docs/configuration.md",
                )
            elif schema[dotted] == TENANT_LIST:
                out[dotted] = tuple(
                    TenantConfig(
                        item["schema"],
                        item.get("name") or item["schema"].replace("_", " ").title(),
                        item.get("domain") or f"{item['schema'].replace('_', '-')}.localhost",
                    )
                    for item in value
                )
            elif schema[dotted] == FIELD_VALUES:
                out[dotted] = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in value.items()}
            else:
                out[dotted] = float(value) if schema[dotted] is float else value

    walk(raw, "")
    return out


def _check_choices(flat: dict[str, Any], provenance: dict[str, str]) -> None:
    for key, allowed in CHOICES.items():
        if flat[key] not in allowed:
            raise ConfigError(
                f"{provenance[key]}: '{key}' must be one of {', '.join(allowed)}, got {flat[key]!r}"
            )
    if not 0 <= flat["database.port"] <= 65535:
        raise ConfigError(
            f"{provenance['database.port']}: 'database.port' must be 0..65535, got {flat['database.port']}",
            hint="0 lets devkit choose a free port once and keep it",
        )
    for key in ("lock_timeout", "database.wait_timeout"):
        if not math.isfinite(flat[key]) or flat[key] <= 0:  # nan compares false with everything
            raise ConfigError(
                f"{provenance[key]}: '{key}' must be a positive number of seconds, got {flat[key]!r}",
                hint=f"e.g. {key} = {_defaults()[key]:g}",
            )
    from devkit.config.checks import check_values

    check_values(flat, provenance)


def _build(cls: type, flat: dict[str, Any], prefix: str, **extra: Any) -> Any:
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = dict(extra)
    for f in dataclasses.fields(cls):
        if f.name in _INTERNAL:
            continue
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind):
            kwargs[f.name] = _build(kind, flat, f"{prefix}{f.name}.")
        else:
            kwargs[f.name] = flat[f"{prefix}{f.name}"]
    return cls(**kwargs)


def effective(config: Config) -> dict[str, tuple[Any, str]]:
    """Dotted key -> (value, where it came from), for `devkit config`."""
    values: dict[str, tuple[Any, str]] = {}
    for key in _schema():
        obj: Any = config
        for part in key.split("."):
            obj = getattr(obj, part)
        values[key] = (obj, config.provenance.get(key, "default"))
    return values
