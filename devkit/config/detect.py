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
    version = python_version(root, manage_dir)
    if version is not None:
        found["python.version"] = version
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


# Python dependency declarations. Looked for in manage.py's folder and each folder above it up
# to the project root, nearest first; in a folder: a lockfile that locks something, then a
# requirements file, then pyproject.toml's [project] dependencies.
PY_LOCKFILES = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")
# Any `requir…` name (requirement.txt, a misspelt requiriments.txt) and the usual folder.
_REQUIREMENTS_NAME = re.compile(r"^requir[\w.-]*\.(txt|in)$", re.I)
_REQUIREMENTS_DIR = ("requirements", "requirement", "reqs")
# Which of several files a developer installs: the development one (it usually includes the
# base one), then the plain one, then the base one; production/test/docs ones only when alone.
_DEV_WORDS = ("dev", "development", "local")
_OTHER_WORDS = ("prod", "pro", "production", "test", "tests", "ci", "docs", "lint", "staging")


def python_requirements(root: Path, manage_dir: Path) -> tuple[str, str] | None:
    """(file, reason) of the way the project declares its Python dependencies, or None."""
    for folder in requirement_folders(root, manage_dir):
        found = _declared_in(folder, root)
        if found is not None:
            return found
    return None


def requirement_folders(root: Path, manage_dir: Path) -> list[Path]:
    """manage.py's folder and each one above it up to the root, nearest first."""
    folders = [manage_dir]
    while folders[-1] != root and root in folders[-1].parents:
        folders.append(folders[-1].parent)
    return folders if root in folders else [*folders, root]


def _declared_in(folder: Path, root: Path) -> tuple[str, str] | None:
    for name in PY_LOCKFILES:
        lock = folder / name
        if lock.is_file() and locks_something(lock):
            return _rel(lock, root), f"{_rel(lock, root)} (locked dependencies)"
    files = requirement_files(folder)
    if files:
        return _rel(files[0], root), "requirements file"
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file() and pyproject_dependencies(pyproject):
        return _rel(pyproject, root), "pyproject.toml [project] dependencies"
    return None


def requirement_files(folder: Path) -> list[Path]:
    """The requirements files of a folder (and its requirements/ folder) that list something,
    the one a developer installs first."""
    found = [p for p in _children(folder) if p.is_file() and _REQUIREMENTS_NAME.match(p.name)]
    for name in _REQUIREMENTS_DIR:
        sub = folder / name
        if sub.is_dir():
            found += [p for p in _children(sub) if p.is_file() and p.suffix in (".txt", ".in")]
    listed = [p for p in found if _lists_requirements(p)]
    return sorted(listed, key=_requirement_rank)


def _requirement_rank(path: Path) -> tuple[int, int, str]:
    words = set(re.split(r"[^a-z]+", path.stem.lower()))
    rank = 0 if words & set(_DEV_WORDS) else 3 if words & set(_OTHER_WORDS) else 2 if "base" in words else 1
    return rank, path.suffix == ".in", path.as_posix()  # a compiled .txt before its .in source


def _lists_requirements(path: Path) -> bool:
    """A requirements file with at least one requirement or include (not an empty or prose file)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if line and (
            line.startswith("-") or re.match(r"^[A-Za-z0-9][A-Za-z0-9._\-\[\], ]*([<>=!~; @]|$)", line)
        ):
            return True
    return False


def locks_something(lock: Path) -> bool:
    """False for a lockfile of an empty manifest (a Pipfile.lock without packages, a poetry or
    pdm lock without a package)."""
    try:
        text = lock.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if lock.name == "Pipfile.lock":
        try:
            data = json.loads(text)
        except ValueError:
            return True  # unreadable: the installer says why
        return bool(data.get("default") or data.get("develop")) if isinstance(data, dict) else True
    return "[[package]]" in text


def pyproject_dependencies(pyproject: Path) -> bool:
    """pyproject.toml declares dependencies: PEP 621 [project] (uv installs them as they are) or
    Poetry's own [tool.poetry.dependencies] beyond python."""
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    project = data.get("project")
    if isinstance(project, dict) and (
        project.get("dependencies") or "dependencies" in project.get("dynamic", [])
    ):
        return True
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    return isinstance(poetry, dict) and any(name != "python" for name in poetry)


def _children(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


_RUNTIME = re.compile(r"^python-(\d+\.\d+(?:\.\d+)?)\s*$")
_FROM_PYTHON = re.compile(
    r"^\s*FROM\s+(?:--platform=\S+\s+)?(?:\S+/)?python:(\d+\.\d+(?:\.\d+)?)", re.I | re.M
)


def python_version(root: Path, manage_dir: Path) -> tuple[str, str] | None:
    """(version or range, the file that says it) from what the project itself declares, nearest
    to manage.py first: .python-version, runtime.txt, Pipfile's [requires], pyproject.toml's
    requires-python, a Dockerfile's `FROM python:X.Y`."""
    folders = requirement_folders(root, manage_dir)
    readers = (_dot_python_version, _runtime_txt, _pipfile_python, _requires_python, _dockerfile_python)
    for read in readers:
        for folder in folders:
            found = read(folder)
            if found:
                return found, _rel(_source_file(folder, read), root)
    return None


def _dot_python_version(folder: Path) -> str | None:
    path = folder / ".python-version"
    return _first_line(path) or None if path.is_file() else None


def _runtime_txt(folder: Path) -> str | None:
    path = folder / "runtime.txt"
    match = _RUNTIME.match(_first_line(path)) if path.is_file() else None
    return match.group(1) if match else None


def _pipfile_python(folder: Path) -> str | None:
    import tomllib

    path = folder / "Pipfile"
    try:
        requires = (
            tomllib.loads(path.read_text(encoding="utf-8")).get("requires", {}) if path.is_file() else {}
        )
    except (OSError, ValueError):
        return None
    value = (
        requires.get("python_full_version") or requires.get("python_version")
        if isinstance(requires, dict)
        else None
    )
    return str(value) if value else None


def _requires_python(folder: Path) -> str | None:
    import tomllib

    path = folder / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return None
    value = (
        (data.get("project") or {}).get("requires-python") if isinstance(data.get("project"), dict) else None
    )
    if not value:  # Poetry 1: python = "^3.11" among the dependencies
        poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
        value = _caret(poetry.get("python")) if isinstance(poetry, dict) else None
    return str(value) if value else None


def _caret(value: object) -> str | None:
    """Poetry's ^3.11 / ~3.11 as a PEP 440 range."""
    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"\s*[\^~]\s*(\d+)\.(\d+)(?:\.\d+)?\s*", value)
    if match:
        major, minor = int(match.group(1)), int(match.group(2))
        return (
            f">={major}.{minor},<{major + 1}"
            if value.strip().startswith("^")
            else f">={major}.{minor},<{major}.{minor + 1}"
        )
    return value if re.match(r"^\s*[<>=!]", value) else None


def _dockerfile_python(folder: Path) -> str | None:
    for path in sorted(folder.glob("Dockerfile*")):
        try:
            match = _FROM_PYTHON.search(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if match:
            return match.group(1)
    return None


def _source_file(folder: Path, read: object) -> Path:
    names = {
        _dot_python_version: ".python-version",
        _runtime_txt: "runtime.txt",
        _pipfile_python: "Pipfile",
        _requires_python: "pyproject.toml",
    }
    name = names.get(read)  # type: ignore[call-overload]
    if name:
        return folder / name
    dockerfiles = sorted(folder.glob("Dockerfile*"))
    return dockerfiles[0] if dockerfiles else folder


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
