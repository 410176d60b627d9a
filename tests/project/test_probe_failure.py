"""Classified probe failures (devkit.probe_failure), from tracebacks real Python processes print.

Django is not installed in devkit's own venv: a stand-in `django.core.exceptions` module in the
temporary folder raises the real exception class name, through a real interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devkit.project import probe_failure


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "django" / "core").mkdir(parents=True)
    for init in ("django/__init__.py", "django/core/__init__.py"):
        (tmp_path / init).write_text("")
    (tmp_path / "django/core/exceptions.py").write_text("class ImproperlyConfigured(Exception):\n    pass\n")
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings.development")\n'
    )
    settings = tmp_path / "mysite" / "settings"
    settings.mkdir(parents=True)
    for name in ("__init__", "base", "development", "production"):
        (settings / f"{name}.py").write_text("")
    (tmp_path / "mysite" / "__init__.py").write_text("")
    return tmp_path


def traceback_of(project: Path, code: str) -> str:
    (project / "boot.py").write_text(code)
    ran = subprocess.run([sys.executable, "boot.py"], cwd=project, capture_output=True, text=True)
    assert ran.returncode != 0
    return ran.stdout + ran.stderr


def test_improperly_configured_is_quoted_with_the_project_line(project: Path) -> None:
    (project / "mysite" / "secrets.py").write_text(
        "from django.core.exceptions import ImproperlyConfigured\n\n"
        "raise ImproperlyConfigured('SECRET_KEY must not be empty')\n"
    )
    output = traceback_of(project, "import mysite.secrets\n")
    failure = probe_failure.classify(output, project, "mysite.settings.development")
    assert failure is not None and failure.kind == "improperly-configured"
    assert "'SECRET_KEY must not be empty'" in failure.message
    assert "mysite/secrets.py:3" in failure.message


def test_import_error_of_project_code_names_module_and_line(project: Path) -> None:
    (project / "mysite" / "legacy.py").write_text("import os\nimport pkg_resources_gone\n")
    output = traceback_of(project, "import mysite.legacy\n")
    failure = probe_failure.classify(output, project, "mysite.settings.development")
    assert failure is not None and failure.kind == "import-error"
    assert "No module named 'pkg_resources_gone'" in failure.message
    assert "mysite/legacy.py:2" in failure.message


def test_pkg_resources_hint_names_setuptools(project: Path) -> None:
    output = traceback_of(project, "import pkg_resources_not_here as pkg_resources\n").replace(
        "pkg_resources_not_here", "pkg_resources"
    )
    failure = probe_failure.classify(output, project, None)
    assert failure is not None and "setuptools" in failure.hint


def test_settings_module_not_importable(project: Path) -> None:
    output = traceback_of(project, "import importlib\nimportlib.import_module('mysite.settings.staging')\n")
    failure = probe_failure.classify(output, project, "mysite.settings.staging")
    assert failure is not None and failure.kind == "settings-missing"
    assert "mysite.settings.development" in failure.hint


def test_empty_settings_module_names_the_devcontainer_variable(project: Path) -> None:
    (project / ".devcontainer").mkdir()
    (project / ".devcontainer" / "devcontainer.json").write_text(
        '{ // jsonc\n "containerEnv": {"DJANGO_SETTINGS_MODULE": "${localEnv:DEV_DJANGO_SETTINGS_MODULE}"}}'
    )
    failure = probe_failure.empty_settings_module(project, project)
    assert "${localEnv:DEV_DJANGO_SETTINGS_MODULE}" in failure.message
    assert "export DJANGO_SETTINGS_MODULE=mysite.settings.development" in failure.hint
    assert "${localEnv:DEV_DJANGO_SETTINGS_MODULE:mysite.settings.development}" in failure.hint
    # manage.py's default first, then development-like ones, base last
    assert probe_failure.settings_candidates(project)[-1] == "mysite.settings.base"


def test_not_configured_with_an_empty_variable_is_the_empty_module(project: Path) -> None:
    output = traceback_of(
        project,
        "from django.core.exceptions import ImproperlyConfigured\n"
        "raise ImproperlyConfigured('Requested setting DATABASES, but settings are not configured. "
        "You must either define the environment variable DJANGO_SETTINGS_MODULE or call "
        "settings.configure() before accessing settings.')\n",
    )
    failure = probe_failure.classify(output, project, "")
    assert failure is not None and failure.kind == "settings-empty"


def test_system_check_errors_of_a_management_command() -> None:
    output = (
        "SystemCheckError: System check identified some issues:\n\nERRORS:\n"
        "?: (staticfiles.E005) The STORAGES setting must define a 'staticfiles' storage.\n\n"
        "System check identified 1 issue (0 silenced).\n"
    )
    failure = probe_failure.classify(output, Path("/nowhere"), "x")
    assert failure is not None and failure.kind == "system-checks"
    assert "staticfiles.E005: The STORAGES setting must define a 'staticfiles' storage." in failure.message
    assert "--skip-checks" in failure.hint


def test_unrecognised_output_is_left_alone() -> None:
    assert probe_failure.classify("some output\nexit 1\n", Path("/nowhere"), "x") is None


def test_a_required_field_the_creation_did_not_set_names_the_column_and_tenants_fields() -> None:
    """django-tenants' documented tenant model (paid_until, on_trial without defaults): the
    project's command fails with a CommandError, which prints no traceback."""
    output = (
        "CommandError: Could not create tenant 'public': IntegrityError: null value in column "
        '"paid_until" of relation "customers_client" violates not-null constraint\n'
        "DETAIL:  Failing row contains (1, public, Public, 2026-12-01, null, null).\n"
    )
    failure = probe_failure.classify(output, Path("/nonexistent"), None)
    assert failure is not None and failure.kind == "required-field"
    assert failure.message.startswith("CommandError: Could not create tenant 'public'")
    assert "[tenants.fields] paid_until" in failure.hint and "customers_client" in failure.hint


def test_a_database_driver_nothing_installs_is_a_package_to_add_not_a_variable(project: Path) -> None:
    """Met outside the corpus: Django wraps the driver's import in ImproperlyConfigured ("Error
    loading psycopg2 or psycopg module"); the hint was to set a variable. (psycopg2 is not
    installed in devkit's venv: the import fails for real.)"""
    (project / "mysite" / "db.py").write_text(
        "from django.core.exceptions import ImproperlyConfigured\n\n"
        "try:\n"
        "    import psycopg2 as Database\n"
        "except ImportError as e:\n"
        '    raise ImproperlyConfigured("Error loading psycopg2 or psycopg module") from e\n'
    )
    failure = probe_failure.classify(traceback_of(project, "import mysite.db\n"), project, "mysite.settings")
    assert failure is not None and failure.kind == "import-error", failure
    assert "the settings need the module 'psycopg2', which is not installed" in failure.message
    assert "psycopg2-binary" in failure.hint and "variable" not in failure.hint
