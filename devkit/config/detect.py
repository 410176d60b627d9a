"""Detected defaults: what devkit can read off a project without being told (file checks only)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_SKIP = {".git", ".venv", "venv", "node_modules", ".devkit", "__pycache__", ".tox", "dist"}
_LOCKFILES = (("package-lock.json", "npm"), ("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn"))


def defaults(root: Path, current: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    """Dotted key -> (value, reason) for every key that can be detected in `root`."""
    found: dict[str, tuple[Any, str]] = {}
    manage = find_manage_py(root)
    if manage is not None:
        found["manage_py"] = (manage.relative_to(root).as_posix(), "shallowest manage.py")
    manage_dir = manage.parent if manage else root
    requirements = python_requirements(root, manage_dir)
    if requirements is not None:
        found["python.requirements"] = requirements
    for folder in (root, manage_dir):
        if (folder / ".python-version").is_file():
            version = _first_line(folder / ".python-version")
            found["python.version"] = (version, _rel(folder / ".python-version", root))
            break
    node_dir = find_node_dir(root)
    if node_dir is not None:
        found["node.dir"] = (_rel(node_dir, root) or ".", "package.json")
        manager = _package_manager(node_dir)
        if manager:
            found["node.package_manager"] = manager
        version = _node_version(root, node_dir)
        if version:
            found["node.version"] = version
    name = re.sub(r"[^a-z0-9_]", "_", root.name.lower()).strip("_") or "app"
    found["database.name"] = (name[:63], "project folder name")
    return found


# Python dependency declarations, most specific first: a lockfile, a development requirements
# file (which usually includes the base one), requirements.txt, then pyproject.toml [project].
PY_LOCKFILES = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")
PY_REQUIREMENTS = (
    "requirements-dev.txt",
    "requirements_dev.txt",
    "requirements/dev.txt",
    "requirements/development.txt",
    "requirements/local.txt",
    "requirements.txt",
    "requirements/base.txt",
    "requirements.in",
)


def python_requirements(root: Path, manage_dir: Path) -> tuple[str, str] | None:
    """(file, reason) of the way the project declares its Python dependencies, or None."""
    folders = [root] if manage_dir == root else [manage_dir, root]
    for folder in folders:
        for name in PY_LOCKFILES:
            if (folder / name).is_file():
                return _rel(folder / name, root), f"{name} (locked dependencies)"
    for folder in folders:
        for name in PY_REQUIREMENTS:
            if (folder / name).is_file():
                return _rel(folder / name, root), "requirements file"
    for folder in folders:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and re.search(r"^\[project\]", pyproject.read_text(), re.M):
            return _rel(pyproject, root), "pyproject.toml [project]"
    return None


def find_manage_py(root: Path, depth: int = 3) -> Path | None:
    level = [root]
    for _ in range(depth + 1):
        hits = sorted(p / "manage.py" for p in level if (p / "manage.py").is_file())
        if hits:
            return hits[0]
        level = sorted(child for p in level for child in _subdirs(p) if child.name not in _SKIP)
    return None


def find_node_dir(root: Path) -> Path | None:
    if (root / "package.json").is_file():
        return root
    children = sorted(_subdirs(root), key=lambda p: (p.name != "frontend", p.name))
    for child in children:
        if child.name not in _SKIP and (child / "package.json").is_file():
            return child
    return None


def package_manager_field(folder: Path) -> tuple[str, str] | None:
    """(name, version) from package.json's `packageManager` ("pnpm@9.15.0+sha512..."), or None."""
    try:
        value = json.loads((folder / "package.json").read_text()).get("packageManager")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"(npm|pnpm|yarn)@(\d[^+\s]*)(\+.*)?", value.strip())
    return (match.group(1), match.group(2)) if match else None


def _package_manager(node_dir: Path) -> tuple[str, str] | None:
    pinned = package_manager_field(node_dir)
    if pinned is not None:
        return pinned[0], "package.json packageManager"
    for lockfile, manager in _LOCKFILES:
        if (node_dir / lockfile).is_file():
            return manager, lockfile
    return None


def _node_version(root: Path, node_dir: Path) -> tuple[str, str] | None:
    for folder in (node_dir, root):
        if (folder / ".nvmrc").is_file():
            return _first_line(folder / ".nvmrc").lstrip("v"), _rel(folder / ".nvmrc", root)
    try:
        package = json.loads((node_dir / "package.json").read_text())
    except (OSError, ValueError):
        return None
    engines = package.get("engines", {}) if isinstance(package, dict) else None
    if isinstance(engines, dict) and isinstance(engines.get("node"), str):
        return engines["node"], "package.json engines.node"
    return None


def _subdirs(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []


def _first_line(path: Path) -> str:
    from devkit.core.errors import ConfigError

    try:
        lines = path.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: cannot read the version it names ({exc})",
            hint=f"write a version such as 3.12 (or 20 for Node) as text in {path.name}, or delete it",
        ) from None
    return lines[0].strip() if lines else ""


def _rel(path: Path, root: Path) -> str:
    rel = path.relative_to(root).as_posix()
    return "" if rel == "." else rel
