"""Env file rules of issue 12: a git-tracked env_file is refused before anything starts (exit 2),
and doctor tells whether the project loads the env file itself. Real git, real CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from devkit.config import loading
from devkit.project.envloading import detect
from tests.support.project import copy_example, devkit, pin_provider


def _git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=project,
        check=True,
        capture_output=True,
    )


def test_a_tracked_env_file_is_refused_and_left_untouched(reachable_tmp: Path) -> None:
    project = copy_example(reachable_tmp / "tenant-demo")
    pin_provider(project, "native")
    path = (project / "devkit.toml").read_text().replace('env_file = ".env"', 'env_file = "env_DEV"')
    (project / "devkit.toml").write_text(path)
    committed = "DJANGO_DEBUG=1\nDB_PASSWORD=team-shared\n"
    (project / "env_DEV").write_text(committed)
    (project / "env_DEV").chmod(0o644)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "init")
    gitignore = (project / ".gitignore").read_bytes() if (project / ".gitignore").exists() else None
    ran = devkit("up", "--no-input", "--only", "database", project=project)
    assert ran.code == 2, ran.text
    assert "git tracks this file" in ran.text and "env_DEV" in ran.text and ".env.devkit" in ran.text
    assert (project / "env_DEV").read_text() == committed
    assert (project / "env_DEV").stat().st_mode & 0o777 == 0o644
    assert ((project / ".gitignore").read_bytes() if (project / ".gitignore").exists() else None) == gitignore
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True)
    assert "env_DEV" not in status.stdout


@pytest.mark.parametrize(
    ("settings_line", "how"),
    [
        ("from dotenv import load_dotenv\nload_dotenv()\n", "load_dotenv"),
        ("import environ\nenviron.Env.read_env('.env')\n", "django-environ read_env"),
        ("from decouple import config\nSECRET_KEY = config('SECRET_KEY')\n", "python-decouple"),
        ("SECRET_KEY = 'x'\n", ""),
    ],
)
def test_env_loading_is_read_from_the_source(reachable_tmp: Path, settings_line: str, how: str) -> None:
    project = copy_example(reachable_tmp / "tenant-demo")
    settings = project / "backend" / "config" / "settings.py"
    text = settings.read_text().replace('load_dotenv(PROJECT_ROOT / ".env")\n', "")
    settings.write_text(text.replace("def load_dotenv(", "def _own_loader(") + settings_line)
    found = detect(loading.load(project))
    assert found.how == how
    assert found.file == ("backend/config/settings.py" if how else "")
