"""init claims only the database variables the settings read (issue 11 defect 13): the settings
layouts of real projects (a settings package chosen by the environment, python-decouple,
django-environ, plain os.getenv), written here as small files."""

from __future__ import annotations

from pathlib import Path

from devkit.init.discover import settings_database_env, settings_files
from tests.support.project import devkit

MANAGE = """import os, sys
def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", {module})
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
"""


def _project(root: Path, module: str, files: dict[str, str]) -> Path:
    (root / "manage.py").write_text(MANAGE.format(module=module))
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "manage.py"


def test_plain_getenv_never_claims_database_url(tmp_path: Path) -> None:
    manage = _project(
        tmp_path,
        '"core.settings"',
        {
            "core/__init__.py": "",
            "core/settings.py": 'DB = {"NAME": os.getenv("DB_NAME"), "HOST": os.getenv("DB_HOST")}\n'
            'SECRET_KEY = os.environ["SECRET_KEY"]\n',
        },
    )
    mapping, source = settings_database_env(manage)
    assert mapping == {"DB_NAME": "{name}", "DB_HOST": "{host}"}
    assert source == "core/settings.py"


def test_settings_package_chosen_by_the_environment(tmp_path: Path) -> None:
    """DJANGO_SETTINGS_MODULE from the environment (a devcontainer's localEnv), the reads in base.py
    (python-decouple), development.py builds on it; production.py's reads are not the dev's."""
    manage = _project(
        tmp_path,
        'os.getenv("DEV_DJANGO_SETTINGS_MODULE", "proj.settings.development")',
        {
            "proj/__init__.py": "",
            "proj/settings/__init__.py": "",
            "proj/settings/base.py": "from decouple import config\n"
            'ENGINE = config("DB_ENGINE", default="").strip() or "django.db.backends.sqlite3"\n'
            'NAME = config("DB_NAME", default="app")\nUSER = config("DB_USER")\n'
            'PASSWORD = config("DB_PASSWORD")\nHOST = config("DB_HOST", default="localhost")\n',
            "proj/settings/development.py": "from .base import *  # noqa\nDEBUG = True\n",
            "proj/settings/production.py": "from .base import *\nimport dj_database_url\n"
            "DATABASES = {'default': dj_database_url.config()}\n",
        },
    )
    assert [p.name for p in settings_files(manage)] == ["base.py", "development.py"]
    mapping, source = settings_database_env(manage)
    assert mapping == {
        "DB_NAME": "{name}",
        "DB_USER": "{user}",
        "DB_PASSWORD": "{password}",
        "DB_HOST": "{host}",
    }
    assert source == "proj/settings/base.py"


def test_module_only_in_the_environment(tmp_path: Path) -> None:
    manage = _project(
        tmp_path,
        'os.environ.get("DEV_DJANGO_SETTINGS_MODULE", "")',
        {
            "proj/settings/__init__.py": "",
            "proj/settings/base.py": "import environ\nenv = environ.Env()\n"
            + "DATABASES = {'default': env.db()}\n",
            "proj/settings/local.py": "from .base import *\n",
        },
    )
    mapping, source = settings_database_env(manage)
    assert mapping == {"DATABASE_URL": "{url}"}  # env.db() reads DATABASE_URL: a real read
    assert source == "proj/settings/base.py"


def test_init_says_what_it_found_and_writes_only_that(tmp_path: Path) -> None:
    _project(
        tmp_path,
        '"core.settings"',
        {
            "core/__init__.py": "",
            "core/settings.py": 'NAME = os.getenv("DB_NAME")\nPASSWORD = os.getenv("DB_PASSWORD")\n',
        },
    )
    ran = devkit("init", "--no-input", project=tmp_path, timeout=60)
    assert ran.code == 0, ran.text
    assert "detected the database variables DB_NAME, DB_PASSWORD (core/settings.py)" in ran.out
    written = (tmp_path / "devkit.toml").read_text()
    assert "DATABASE_URL" not in written and 'DB_NAME = "{name}"' in written


def test_devcontainer_env_labels_its_database_url(tmp_path: Path) -> None:
    """The settings read no DATABASE_URL: the devcontainer's .env still gives devkit's external
    provider one, labelled as a convenience, not claimed as the project's."""
    import subprocess

    _project(
        tmp_path,
        '"core.settings"',
        {
            "core/__init__.py": "",
            "core/settings.py": 'NAME = os.getenv("DB_NAME")\nPW = os.getenv("DB_PASSWORD")\n',
        },
    )
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    ran = devkit("init", "--devcontainer", "--no-input", project=tmp_path, timeout=60)
    assert ran.code == 0, ran.text
    env = (tmp_path / ".devcontainer" / ".env").read_text()
    assert "# DATABASE_URL: not read by the project's settings; a convenience" in env
    assert "\nDATABASE_URL=postgresql://" in env and "@db:5432/" in env
