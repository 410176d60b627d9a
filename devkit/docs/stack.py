"""The stack table: versions as pinned or locked in the project's files (never what happens to
be installed on this machine, so the table is the same everywhere)."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from devkit.config.model import Config
from devkit.core import git
from devkit.core.errors import ConfigError
from devkit.docs.settings import rel

_REQ = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)")


@dataclass(frozen=True)
class Row:
    component: str
    version: str
    source: str


def stack_rows(config: Config) -> list[Row]:
    rows: list[Row] = []
    if config.python.version:
        rows.append(Row("Python", config.python.version, _provenance(config, "python.version")))
    if config.python.requirements:
        rows += python_rows(config.path(config.python.requirements), config)
    if config.node.dir:
        if config.node.version:
            rows.append(Row("Node.js", config.node.version, _provenance(config, "node.version")))
        rows += node_rows(config.path(config.node.dir), config)
    return rows


def _provenance(config: Config, key: str) -> str:
    where = config.provenance.get(key, "default")
    where = where.removeprefix("detected: ")
    if where.startswith(str(config.root)):
        where = rel(config, Path(where.split(" ")[0]))
    return where


def python_rows(path: Path, config: Config) -> list[Row]:
    """Direct requirements with their pins (requirements*.txt or pyproject [project])."""
    source = rel(config, path)
    if not path.is_file():
        return []
    if path.name == "pyproject.toml":
        try:
            project = tomllib.loads(path.read_text()).get("project", {})
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: invalid TOML: {exc}") from exc
        lines = [str(d) for d in project.get("dependencies", [])]
    else:
        lines = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
    rows = []
    for line in lines:
        match = _REQ.match(line)
        if not line or line.startswith("-") or not match:
            continue
        spec = match.group("spec").strip().replace(" ", "")
        version = spec[2:] if spec.startswith("==") else (spec or "unpinned")
        kind = "pinned" if spec.startswith("==") else "range"
        rows.append(Row(match.group("name"), version, f"{source} ({kind})"))
    return rows


def node_rows(folder: Path, config: Config) -> list[Row]:
    """package.json's direct dependencies, with the version the lockfile resolved."""
    package_json = folder / "package.json"
    if not package_json.is_file():
        return []
    package = _json(package_json, config)
    lock_path, locked = locked_versions(folder, config)
    # A lockfile git ignores locks nothing for anyone else: its versions are this machine's.
    how = (
        "locked"
        if not locked or git.ignored_by(config.root, rel(config, lock_path)) is None
        else "this machine's lockfile, ignored by git"
    )
    rows = []
    for group in ("dependencies", "devDependencies"):
        for name, spec in sorted(package.get(group, {}).items()):
            dev = " (dev)" if group == "devDependencies" else ""
            if locked.get(name):
                rows.append(Row(f"{name}{dev}", locked[name], f"{rel(config, lock_path)} ({how})"))
            else:
                rows.append(Row(f"{name}{dev}", spec, f"{rel(config, package_json)} (range)"))
    return rows


def locked_versions(folder: Path, config: Config) -> tuple[Path, dict[str, str]]:
    """Name -> resolved version from package-lock.json, pnpm-lock.yaml or yarn.lock."""
    npm, pnpm, yarn = folder / "package-lock.json", folder / "pnpm-lock.yaml", folder / "yarn.lock"
    if npm.is_file():
        lock = _json(npm, config)
        found = {
            k.removeprefix("node_modules/"): v.get("version", "")
            for k, v in lock.get("packages", {}).items()
            if k.count("node_modules/") == 1
        }
        legacy = {k: v.get("version", "") for k, v in lock.get("dependencies", {}).items()}
        return npm, {**legacy, **found}  # lockfileVersion 1 has only "dependencies"
    if pnpm.is_file():
        return pnpm, _pnpm_versions(pnpm, config)
    if yarn.is_file():
        return yarn, _yarn_versions(yarn)
    return npm, {}


def _pnpm_versions(path: Path, config: Config) -> dict[str, str]:
    import yaml

    try:
        lock = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{rel(config, path)}: invalid YAML: {exc}") from exc
    root = (lock.get("importers") or {}).get(".", lock)  # v6+: importers["."]; v5: top level
    found: dict[str, str] = {}
    for group in ("dependencies", "devDependencies"):
        for name, entry in (root.get(group) or {}).items():
            version = entry.get("version") if isinstance(entry, dict) else entry
            found[name] = str(version).split("(", 1)[0]  # "19.0.0(react@19.0.0)": peers
    return found


# yarn.lock v1: `"react@^19.0.0", react@^19:` then `  version "19.0.0"`; berry: `version: 19.0.0`.
_YARN_ENTRY = re.compile(
    r'^"?(?P<name>@?[^@\s"]+)@[^\n]*:\n(?:  [^\n]*\n)*?  version:? "?(?P<v>[^"\n]+)"?', re.M
)


def _yarn_versions(path: Path) -> dict[str, str]:
    return {m.group("name"): m.group("v") for m in _YARN_ENTRY.finditer(path.read_text())}


def _json(path: Path, config: Config) -> dict:
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise ConfigError(f"{rel(config, path)}: invalid JSON: {exc}") from exc
    return data if isinstance(data, dict) else {}
