"""Values checked when the configuration is read; no hint suggests a value the checks refuse."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devkit.config import loading
from devkit.config.checks import BUILTIN_KEYS, COMMAND_KEYS
from devkit.core.errors import ConfigError

BAD = {
    "database.name": ["", "a" * 64, "my db", "o'brien", "-x"],
    "database.user": ["", "o'brien", "é" * 32],
    "tenants.migrate_shared": ["builtin", "auto", "   ", "migrate 'x"],
    "tenants.migrate_tenants": ["builtin", "auto"],
    "tenants.create_super": ["   ", 'create "x'],
    "tenants.guest.domain": ["http://x/", "", "a b"],
    "tenants.guest.name": [" "],
    "tenants.superuser": ["the admin", "x" * 151],
}


def _toml(key: str, value: str) -> str:
    table, _, leaf = key.rpartition(".")
    return f"[{table}]\n{leaf} = {json.dumps(value, ensure_ascii=False)}\n"  # a TOML basic string


def _load(tmp_path: Path, key: str, value: str) -> loading.Config:
    (tmp_path / "devkit.toml").write_text(_toml(key, value))
    return loading.load(tmp_path)


@pytest.mark.parametrize(("key", "value"), [(k, v) for k, values in BAD.items() for v in values])
def test_bad_values_are_refused_naming_the_key(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, key, value)
    assert key in info.value.message
    suggested = re.findall(r"e\.g\. '([^']*)'", info.value.hint or "")
    for good in suggested:  # the value a hint suggests is one the checks accept
        _load(tmp_path, key, good)


@pytest.mark.parametrize("key", COMMAND_KEYS)
def test_builtin_is_accepted_exactly_where_documented(tmp_path: Path, key: str) -> None:
    if key in BUILTIN_KEYS:
        assert getattr(_load(tmp_path, key, "builtin").tenants, key.split(".")[1]) == "builtin"
        return
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, key, "builtin")
    assert all(k in info.value.message for k in BUILTIN_KEYS)  # names the keys that do accept it
    assert "builtin" not in (info.value.hint or "")


@pytest.mark.parametrize("value", ["app", "tenant-demo", "A_1", "2024proj", "x" * 63, ""])
def test_good_names_and_the_empty_command(tmp_path: Path, value: str) -> None:
    if value:
        assert _load(tmp_path, "database.name", value).database.name == value
    assert _load(tmp_path, "tenants.create_guest", value).tenants.create_guest == value
