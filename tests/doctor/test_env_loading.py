"""Env file loading, as the settings do it (a traced load, not a source pattern): ✓ only when
the settings load the file devkit writes (issue 26 #8)."""

from __future__ import annotations

from pathlib import Path

from tests.doctor.conftest import doctor, edited

DEVKITS = 'load_dotenv(PROJECT_ROOT / ".env")\n'


def test_the_settings_loading_devkits_file_is_ok(project: Path) -> None:
    check = doctor(project, "env-loading").checks["env-loading"]
    assert check["status"] == "ok" and check["finding"] == "the settings load .env, the file devkit writes"


def test_the_settings_loading_another_file_is_not_a_tick(project: Path) -> None:
    settings = project / "backend" / "config" / "settings.py"
    text = settings.read_text()
    other = 'load_dotenv(BASE_DIR / "config" / ".env")\n'
    with edited(settings, text.replace(DEVKITS, other)):
        found = doctor(project, "env-loading")
    check = found.checks["env-loading"]
    assert check["status"] == "warning", check
    assert "the settings load backend/config/.env, but devkit writes .env" in check["finding"]
    assert 'env_file = "backend/config/.env"' in check["hint"]


def test_the_settings_loading_no_file_is_said_once(project: Path) -> None:
    settings = project / "backend" / "config" / "settings.py"
    with edited(settings, settings.read_text().replace(DEVKITS, "")):
        found = doctor(project)
    about = [c for c in found.data["checks"] if "load no env file" in c["finding"]]
    assert [c["name"] for c in about] == ["env-loading"], about
    assert about[0]["status"] == "warning" and "devkit run --" in about[0]["hint"]
    assert found.ran.err.count("load no env file") == 1, found.ran.err
