"""What `devkit init --devcontainer` installs as devkit, from how the running devkit was installed.

pip's direct_url.json (PEP 610) is given as pip writes it for each kind of install; the git
checkouts are real repositories.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from devkit import DIST_NAME, __version__
from devkit.init.install_spec import detect, from_direct_url

INDEX = f"{DIST_NAME}=={__version__}"


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _checkout(folder: Path, remote: str | None) -> str:
    folder.mkdir(parents=True)
    _git(folder, "init", "-q")
    (folder / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    _git(folder, "add", ".")
    _git(folder, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "one")
    if remote:
        _git(folder, "remote", "add", "origin", remote)
    return _git(folder, "rev-parse", "HEAD")


def test_an_index_install_installs_the_same_version_by_the_distribution_name(tmp_path: Path) -> None:
    spec = from_direct_url(None, tmp_path)
    assert spec.spec == INDEX and spec.warning is None
    assert spec.command == f"uv tool install {INDEX}"


def test_a_checkout_inside_the_workspace_is_installed_by_its_relative_path(tmp_path: Path) -> None:
    tool = tmp_path / "tools" / "devkit"
    tool.mkdir(parents=True)
    raw = json.dumps({"url": tool.as_uri(), "dir_info": {"editable": True}})
    spec = from_direct_url(raw, tmp_path)
    assert spec.spec == "./tools/devkit" and "editable checkout inside the workspace" in spec.source


def test_a_checkout_outside_the_workspace_is_installed_from_its_git_remote(tmp_path: Path) -> None:
    checkout = tmp_path / "src" / "devkit"
    commit = _checkout(checkout, "https://git.example.com/acme/devkit.git")
    workspace = tmp_path / "project"
    workspace.mkdir()
    raw = json.dumps({"url": checkout.as_uri(), "dir_info": {"editable": True}})
    spec = from_direct_url(raw, workspace)
    assert spec.spec == f"git+https://git.example.com/acme/devkit.git@{commit}"
    assert spec.warning is None
    (checkout / "pyproject.toml").write_text("[project]\nname = 'y'\n")  # uncommitted change
    dirty = from_direct_url(raw, workspace)
    assert dirty.warning is not None and "uncommitted changes" in dirty.warning


def test_a_checkout_the_container_cannot_reach_falls_back_to_the_index_and_says_so(tmp_path: Path) -> None:
    checkout = tmp_path / "src" / "devkit"
    _checkout(checkout, None)
    workspace = tmp_path / "project"
    workspace.mkdir()
    spec = from_direct_url(json.dumps({"url": checkout.as_uri(), "dir_info": {}}), workspace)
    assert spec.spec == INDEX
    assert spec.warning is not None and "--install-spec" in spec.warning and str(checkout) in spec.warning


def test_a_vcs_install_keeps_its_url_and_commit(tmp_path: Path) -> None:
    raw = json.dumps(
        {
            "url": "https://github.com/acme/devkit.git",
            "vcs_info": {"vcs": "git", "commit_id": "0123abcd", "requested_revision": "main"},
        }
    )
    assert from_direct_url(raw, tmp_path).spec == "git+https://github.com/acme/devkit.git@0123abcd"


def test_a_wheel_inside_the_workspace_is_installed_by_its_path(tmp_path: Path) -> None:
    wheel = tmp_path / "wheels" / "django_tenants_devkit-0.2.0-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"")
    raw = json.dumps({"url": wheel.as_uri(), "archive_info": {}})
    assert from_direct_url(raw, tmp_path).spec == "./wheels/django_tenants_devkit-0.2.0-py3-none-any.whl"


def test_this_test_run_detects_its_own_install(tmp_path: Path) -> None:
    """The suite runs an editable install of this checkout, outside tmp_path: never a bare `devkit`."""
    spec = detect(tmp_path)
    assert spec.spec != "devkit" and not spec.spec.startswith("devkit==")
