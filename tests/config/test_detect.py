"""What devkit reads off a project without being told (issue 25): where the Python dependencies
are declared, and which Python the project asks for. Real files in tmp_path, the real detector."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devkit.config import detect


def make(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"manage.py": "", "requirement.txt": "django\ndjango-tenants\n"}, "requirement.txt"),
        ({"manage.py": "", "requiriments.txt": "Django==4.1\n"}, "requiriments.txt"),  # misspelt
        (
            {
                "manage.py": "",
                "requirements/base.txt": "django\n",
                "requirements/dev.txt": "-r base.txt\npytest\n",
                "requirements/production.txt": "-r base.txt\ngunicorn\n",
            },
            "requirements/dev.txt",
        ),
        # one level above manage.py's folder, before the root
        ({"backend/app/manage.py": "", "backend/requirements.txt": "django\n"}, "backend/requirements.txt"),
        # an empty root Pipfile.lock is skipped for the backend's own declarations
        (
            {
                "backend/app/manage.py": "",
                "Pipfile": "[packages]\n",
                "Pipfile.lock": json.dumps({"default": {}, "develop": {}}),
                "backend/Pipfile": "[packages]\ndjango = '*'\n",
                "backend/Pipfile.lock": json.dumps({"default": {"django": {"version": "==3.1"}}}),
            },
            "backend/Pipfile.lock",
        ),
        ({"manage.py": "", "notes.txt": "hello\n", "requirements.txt": "# nothing yet\n"}, None),
        (
            {"src/manage.py": "", "pyproject.toml": '[project]\nname = "x"\ndependencies = ["django"]\n'},
            "pyproject.toml",
        ),
    ],
)
def test_where_the_python_dependencies_are(
    tmp_path: Path, files: dict[str, str], expected: str | None
) -> None:
    root = make(tmp_path, files)
    manage = detect.find_manage_py(root)
    assert manage is not None
    found = detect.python_requirements(root, manage.parent)
    assert (found[0] if found else None) == expected, found


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"manage.py": "", ".python-version": "3.12.6\n", "Dockerfile": "FROM python:3.11\n"},
            ("3.12.6", ".python-version"),
        ),
        ({"manage.py": "", "runtime.txt": "python-3.10.4\n"}, ("3.10.4", "runtime.txt")),
        ({"b/manage.py": "", "b/Pipfile": '[requires]\npython_version = "3.8"\n'}, ("3.8", "b/Pipfile")),
        (
            {"manage.py": "", "pyproject.toml": '[project]\nname="x"\nrequires-python = ">=3.12, <4"\n'},
            (">=3.12, <4", "pyproject.toml"),
        ),
        (
            {"manage.py": "", "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\n'},
            (">=3.11,<4", "pyproject.toml"),
        ),
        (
            {"app/manage.py": "", "app/Dockerfile": "FROM docker.io/library/python:3.12-slim AS base\n"},
            ("3.12", "app/Dockerfile"),
        ),
        ({"manage.py": ""}, None),
    ],
)
def test_which_python_the_project_asks_for(
    tmp_path: Path, files: dict[str, str], expected: tuple[str, str] | None
) -> None:
    root = make(tmp_path, files)
    manage = detect.find_manage_py(root)
    assert manage is not None
    assert detect.python_version(root, manage.parent) == expected
