"""The native provider: a private cluster as the postgres user, its fallback location, down."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import psycopg
import pytest

from devkit.config import loading
from devkit.core.errors import ConfigError
from devkit.core.state import Secrets, State
from devkit.database.native import NativePostgres
from devkit.database.wait import wait_for_postgres
from tests.support.project import devkit

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the fallback only applies as root")


def provider_for(root: Path) -> NativePostgres:
    root.mkdir(parents=True, exist_ok=True)
    (root / "devkit.toml").write_text('[database]\nprovider = "native"\nname = "nat"\nuser = "nat"\n')
    cfg = loading.load(root)
    cfg.state_dir.mkdir(exist_ok=True)
    return NativePostgres(cfg, State(cfg.state_dir), Secrets(cfg.state_dir))


def test_unreachable_project_gets_a_cluster_elsewhere_and_its_folder_is_untouched(
    reachable_tmp: Path,
) -> None:
    home = reachable_tmp / "home"
    home.mkdir(mode=0o700)
    home.chmod(0o700)
    provider = provider_for(home / "project")
    try:
        conn = provider.ensure()
        wait_for_postgres(
            conn, timeout=30, owns_server=True, alive=provider.alive, log_tail=provider.log_tail
        )
        with psycopg.connect(**conn.connect_kwargs()) as db:
            assert db.execute("SELECT current_user").fetchone() == ("nat",)
        assert stat.S_IMODE(home.stat().st_mode) == 0o700  # never loosened
        assert provider.data_dir is not None
        assert str(provider.data_dir).startswith(os.environ["DEVKIT_NATIVE_FALLBACK"])
        assert "cannot reach" in (provider.status()["note"] or "")
        assert str(provider.data_dir.parent) in provider.status()["note"]
    finally:
        provider.stop()
    assert provider.status()["running"] is False
    message = provider.remove()
    assert "removed" in message and not provider.data_dir.exists()  # type: ignore[union-attr]


def test_reachable_project_keeps_the_cluster_in_dot_devkit(reachable_tmp: Path) -> None:
    provider = provider_for(reachable_tmp / "project")
    try:
        conn = provider.ensure()
        wait_for_postgres(conn, timeout=30, owns_server=True, alive=provider.alive)
        assert provider.data_dir == reachable_tmp / "project" / ".devkit" / "postgres" / "data"
        assert conn.host == "127.0.0.1" and conn.password and conn.password != "postgres"
        secrets = reachable_tmp / "project" / ".devkit" / "secrets.json"
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
        port = conn.port
    finally:
        provider.stop()
    again = provider_for(reachable_tmp / "project")  # the port is kept across runs
    try:
        assert again.ensure().port == port
    finally:
        again.stop()


def test_remove_refuses_a_data_dir_devkit_did_not_create(reachable_tmp: Path) -> None:
    provider = provider_for(reachable_tmp / "project")
    foreign = reachable_tmp / "someone-elses-data"
    foreign.mkdir()
    (foreign / "PG_VERSION").write_text("15\n")
    provider.state.put("native", {"data_dir": str(foreign), "port": 1})
    provider = provider_for(reachable_tmp / "project")
    assert provider.data_dir is None  # no marker naming this project: not its cluster
    assert "no native cluster" in provider.remove()
    assert (foreign / "PG_VERSION").exists()
    (foreign / "devkit-cluster.json").write_text('{"created_by": "devkit", "project_id": "other"}')
    provider = provider_for(reachable_tmp / "project")
    assert provider.data_dir is None and "no native cluster" in provider.remove()
    assert (foreign / "PG_VERSION").exists()
    provider.data_dir = foreign  # even when pointed at it directly, the marker check refuses
    with pytest.raises(ConfigError):
        provider.remove()
    assert (foreign / "PG_VERSION").exists()


def test_down_volumes_needs_confirmation_and_keeps_data_without_it(example: Path) -> None:
    assert devkit("up", "--no-input", "--only", "database", project=example).code == 0
    data = example / ".devkit" / "postgres" / "data"
    refused = devkit("down", "--volumes", "--no-input", project=example)
    assert refused.code == 2 and "--yes" in refused.text
    assert (data / "PG_VERSION").exists()
    stopped = devkit("down", project=example)
    assert stopped.code == 0 and "data kept" in stopped.text and (data / "PG_VERSION").exists()
    restarted = devkit("up", "--no-input", "--only", "database", project=example)
    assert restarted.code == 0, restarted.text
    removed = devkit("down", "--volumes", "--yes", project=example)
    assert removed.code == 0 and not data.exists()


def test_up_says_where_the_cluster_went(reachable_tmp: Path) -> None:
    home = reachable_tmp / "home"
    home.mkdir(mode=0o700)
    home.chmod(0o700)
    project = home / "project"
    project.mkdir()
    (project / "manage.py").write_text("")  # `up` refuses a folder that is not a Django project
    (project / "devkit.toml").write_text('[database]\nprovider = "native"\nname = "nat"\nuser = "nat"\n')
    ran = devkit("up", "--no-input", "--only", "database", project=project)
    try:
        assert ran.code == 0, ran.text
        assert "note:" in ran.text and "cannot reach" in ran.text
        assert os.environ["DEVKIT_NATIVE_FALLBACK"] in ran.text
    finally:
        assert devkit("down", "--volumes", "--yes", project=project).code == 0
