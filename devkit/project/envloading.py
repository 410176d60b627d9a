"""Does the project load its env file itself? Read from the source (no Django started).

Recognised: python-dotenv's `load_dotenv(...)` (or a project function of that name),
django-environ's `Env.read_env(...)`, python-decouple (`from decouple import config`, which looks
for `.env` next to the settings and in the folders above). When none is found, the project's
commands only see the env file through `devkit run` (or devkit's own steps).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from devkit.config.model import Config
from devkit.project.facts import source_files


@dataclass(frozen=True)
class EnvLoading:
    how: str  # "" when the project does not load an env file itself
    file: str  # where, relative to the project root

    @property
    def loads(self) -> bool:
        return bool(self.how)


def _candidates(config: Config) -> list[Path]:
    manage = config.path(config.manage_py)
    found = [manage] if manage.is_file() else []
    found += [
        p
        for p in source_files(config.manage_dir)
        if "settings" in p.relative_to(config.manage_dir).as_posix() or p.name in ("wsgi.py", "asgi.py")
    ]
    return found


def _how(tree: ast.AST) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "load_dotenv":
                return "load_dotenv"
            if name == "read_env":
                return "django-environ read_env"
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "decouple":
            return "python-decouple"
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "decouple" for a in node.names):
            return "python-decouple"
    return ""


def detect(config: Config) -> EnvLoading:
    """The first file (manage.py, then settings modules, wsgi/asgi) that loads an env file."""
    for path in _candidates(config):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
            continue
        how = _how(tree)
        if how:
            return EnvLoading(how, path.resolve().relative_to(config.root).as_posix())
    return EnvLoading("", "")
