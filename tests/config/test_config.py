"""Configuration: detection, precedence, provenance and errors that name file, key and expectation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devkit.config import loading
from devkit.core.errors import ConfigError
from tests.support.project import devkit


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_detects_layout(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "backend/manage.py": "",
            "backend/requirements.txt": "Django\n",
            ".python-version": "3.11\n",
            "frontend/package.json": json.dumps({"engines": {"node": ">=20"}, "dependencies": {"vue": "3"}}),
            "frontend/pnpm-lock.yaml": "",
            "devkit.toml": "",
        },
    )
    cfg = loading.load(tmp_path)
    assert cfg.manage_py == "backend/manage.py"
    assert cfg.python.requirements == "backend/requirements.txt"
    assert cfg.python.version == "3.11"
    assert cfg.node.dir == "frontend"
    assert cfg.node.package_manager == "auto"  # read at install time from the folder it installs
    assert cfg.node.version == ">=20"
    assert cfg.provenance["node.version"] == "detected: package.json engines.node"
    assert cfg.provenance["database.provider"] == "default"


def test_nvmrc_wins_over_engines(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "package.json": json.dumps({"engines": {"node": ">=18"}, "dependencies": {"x": "1"}}),
            ".nvmrc": "v20.11.1\n",
        },
    )
    assert loading.load(tmp_path).node.version == "20.11.1"


def test_file_overrides_detection_and_records_source(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": "",
            "devkit.toml": '[python]\nversion = "3.12"\n',
            ".python-version": "3.11\n",
        },
    )
    cfg = loading.load(tmp_path)
    assert cfg.python.version == "3.12"
    assert cfg.provenance["python.version"] == str(tmp_path / "devkit.toml")


def test_devkit_toml_wins_over_pyproject_with_warning(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "devkit.toml": '[database]\nname = "from_devkit"\n',
            "pyproject.toml": '[tool.devkit.database]\nname = "from_pyproject"\n',
        },
    )
    cfg = loading.load(tmp_path)
    assert cfg.database.name == "from_devkit"
    assert any("devkit.toml wins" in w for w in cfg.warnings)


def test_pyproject_tool_table(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.devkit.database]\nport = 6543\n"})
    cfg = loading.load(tmp_path)
    assert cfg.database.port == 6543
    assert "[tool.devkit]" in cfg.provenance["database.port"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("colour = 1\n", "unknown key 'colour'"),
        ("[database]\nprot = 5432\n", "unknown key 'database.prot'"),
        ('[database]\nport = "5432"\n', "'database.port' must be an integer, got str"),
        ('[database]\nprovider = "podman"\n', "'database.provider' must be one of auto, docker"),
        ("[database.env]\nDB_PORT = 5432\n", "'database.env' must be a table of strings"),
        ("[tenants.guest]\nschema = 1\n", "'tenants.guest.schema' must be a string"),
        ("[database\n", "invalid TOML"),
    ],
)
def test_errors_name_file_key_and_expectation(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path, {"devkit.toml": text})
    with pytest.raises(ConfigError) as info:
        loading.load(tmp_path)
    assert expected in info.value.message
    assert str(tmp_path / "devkit.toml") in info.value.message


def test_find_project_prefers_config_then_git_then_manage(tmp_path: Path) -> None:
    write(tmp_path, {"repo/.git/HEAD": "", "repo/app/manage.py": "", "repo/app/sub/x.txt": ""})
    assert loading.find_project(tmp_path / "repo/app/sub") == tmp_path / "repo"
    write(tmp_path, {"repo/app/devkit.toml": ""})
    assert loading.find_project(tmp_path / "repo/app/sub") == tmp_path / "repo/app"


def test_cli_config_error_exit_code_and_json(tmp_path: Path) -> None:
    write(tmp_path, {"devkit.toml": '[database]\nport = "x"\n'})
    ran = devkit("config", "--json", project=tmp_path)
    assert ran.code == 2
    envelope = json.loads(ran.out)
    assert envelope["ok"] is False and envelope["exit_code"] == 2
    assert envelope["error"]["type"] == "config"
    assert "database.port" in envelope["error"]["message"]


def test_cli_config_shows_provenance_and_masks_secrets(tmp_path: Path) -> None:
    write(tmp_path, {"devkit.toml": '[database.env]\nDATABASE_URL = "postgresql://u:hunter22@h/db"\n'})
    ran = devkit("config", "--json", project=tmp_path)
    assert ran.code == 0, ran.text
    assert "hunter22" not in ran.text
    values = json.loads(ran.out)["values"]
    assert values["database.provider"] == {"value": "auto", "from": "default"}


def test_global_options_before_and_after_subcommand(tmp_path: Path) -> None:
    write(tmp_path, {"devkit.toml": ""})
    after = devkit("config", "--json", "--no-input", "-v", project=tmp_path)
    before = devkit("--json", "--project", str(tmp_path), "config")
    assert after.code == before.code == 0
    assert json.loads(after.out)["command"] == json.loads(before.out)["command"] == "config"


def test_every_key_is_documented() -> None:
    text = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()

    def documented(key: str) -> bool:
        parts = key.split(".")
        return any(f"`{'.'.join(parts[i:])}`" in text for i in range(len(parts)))

    missing = [key for key in loading._schema() if not documented(key)]
    assert missing == []


def test_bare_force_means_every_step() -> None:
    from devkit.cli.app import _bare_force

    assert _bare_force(["up", "--force"]) == ["up", "--force=*"]
    assert _bare_force(["up", "--force", "--no-input"]) == ["up", "--force=*", "--no-input"]
    assert _bare_force(["up", "--force", "tenants"]) == ["up", "--force", "tenants"]


def test_provider_environment_override_wins_and_is_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"devkit.toml": '[database]\nprovider = "native"\n'})
    monkeypatch.setenv("DEVKIT_DATABASE_PROVIDER", "external")
    cfg = loading.load(tmp_path)
    assert cfg.database.provider == "external"
    assert cfg.provenance["database.provider"] == "$DEVKIT_DATABASE_PROVIDER"
    monkeypatch.setenv("DEVKIT_DATABASE_PROVIDER", "podman")
    with pytest.raises(ConfigError) as info:
        loading.load(tmp_path)
    assert "$DEVKIT_DATABASE_PROVIDER" in info.value.message
