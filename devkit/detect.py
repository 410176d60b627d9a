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
    for candidate in (
        manage_dir / "requirements.txt",
        root / "requirements.txt",
        root / "requirements" / "dev.txt",
        root / "requirements" / "base.txt",
    ):
        if candidate.is_file():
            found["python.requirements"] = (_rel(candidate, root), "requirements file")
            break
    else:
        if (root / "pyproject.toml").is_file() and "[project]" in (root / "pyproject.toml").read_text():
            found["python.requirements"] = ("pyproject.toml", "pyproject.toml [project]")
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


def _package_manager(node_dir: Path) -> tuple[str, str] | None:
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
    from devkit.errors import ConfigError

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
