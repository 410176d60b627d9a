"""node-deps: installs that use the warm cache, and package.json's packageManager honoured and checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from devkit.config import detect
from devkit.steps.node_deps import install_command, lockfile_disagreement
from tests.support.project import devkit


def frontend(folder: Path, package_manager: str | None = None, *lockfiles: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    package = {"name": "f", "version": "1.0.0", "private": True}
    if package_manager:
        package["packageManager"] = package_manager
    (folder / "package.json").write_text(json.dumps(package))
    for name in lockfiles:
        (folder / name).write_text("")
    return folder


def test_installs_prefer_the_cache(tmp_path: Path) -> None:
    assert install_command(frontend(tmp_path / "npm"), "npm")[0] == [
        "npm", "ci", "--prefer-offline", "--no-audit", "--no-fund",
    ]  # fmt: skip
    argv, _env = install_command(frontend(tmp_path / "pnpm"), "pnpm")
    assert argv == ["pnpm", "install", "--frozen-lockfile", "--prefer-offline"]
    argv, _env = install_command(frontend(tmp_path / "classic"), "yarn")  # no .yarnrc.yml: yarn 1
    assert argv[:3] == ["yarn", "install", "--frozen-lockfile"] and "--prefer-offline" in argv


@pytest.mark.skipif(shutil.which("corepack") is None, reason="corepack is not installed here")
def test_a_pinned_package_manager_runs_through_corepack(tmp_path: Path) -> None:
    folder = frontend(tmp_path / "f", "pnpm@9.15.0+sha512.abc", "pnpm-lock.yaml")
    argv, env = install_command(folder, "pnpm")
    assert argv[:3] == ["corepack", "pnpm", "install"]
    assert env == {"COREPACK_ENABLE_DOWNLOAD_PROMPT": "0"}
    folder = frontend(tmp_path / "berry", "yarn@4.5.0", "yarn.lock")
    assert install_command(folder, "yarn")[0] == ["corepack", "yarn", "install", "--immutable"]


def test_package_manager_field_is_detected_and_checked_against_the_lockfile(tmp_path: Path) -> None:
    folder = frontend(tmp_path / "f", "pnpm@9.15.0", "package-lock.json")
    assert detect.package_manager_field(folder) == ("pnpm", "9.15.0")
    assert lockfile_disagreement(folder, "pnpm") == (
        "package.json packageManager says pnpm@9.15.0, but the lockfile is package-lock.json (npm)"
    )
    (folder / "pnpm-lock.yaml").write_text("")
    assert lockfile_disagreement(folder, "pnpm") is None


def test_up_refuses_a_lockfile_of_another_package_manager(example: Path) -> None:
    package = example / "frontend" / "package.json"
    data = json.loads(package.read_text())
    package.write_text(json.dumps({**data, "packageManager": "yarn@4.5.0"}))
    ran = devkit("up", "--no-input", "--only", "node-deps", project=example)
    assert ran.code == 1
    assert "packageManager says yarn@4.5.0, but the lockfile is package-lock.json (npm)" in ran.text
    assert not (example / "frontend" / "node_modules").exists()  # refused before installing
