"""Fixtures: a folder the postgres user can reach, a real PostgreSQL, example copies, shared caches."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import Cluster, free_port
from tests.support.project import REPO, copy_example, pin_provider, stop_native

CACHE = Path(os.environ.get("DEVKIT_TEST_CACHE", "/tmp/devkit-test-cache"))


def reachable_dir(prefix: str) -> Path:
    """pytest's basetemp is mode 0700 under root: the postgres user could not enter it."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session", autouse=True)
def _isolation() -> Iterator[None]:
    """Shared pip/npm caches for speed; devkit's fallback cluster folder inside the test area;
    DATABASE_URL and friends removed so `auto` never picks up the developer's database."""
    CACHE.mkdir(parents=True, exist_ok=True)
    saved = dict(os.environ)
    for var in (
        "DATABASE_URL",
        "DB_HOST",
        "DB_NAME",
        "DB_USER",
        "DB_PASSWORD",
        "DB_PORT",
        "DJANGO_SETTINGS_MODULE",
        "VIRTUAL_ENV",
        "DEVKIT_DATABASE_PROVIDER",
    ):
        os.environ.pop(var, None)
    os.environ["PIP_CACHE_DIR"] = str(CACHE / "pip")
    os.environ["NPM_CONFIG_CACHE"] = str(CACHE / "npm")
    # Tests work on copies: nothing may write state into the repository or the real example.
    guarded = [REPO / ".devkit", REPO / "examples" / "tenant-demo" / ".devkit"]
    existed = {p for p in guarded if p.exists()}
    fallback = reachable_dir("devkit-fallback-")
    os.environ["DEVKIT_NATIVE_FALLBACK"] = str(fallback)
    # The machine's registry of set-up checkouts (docs/worktrees.md): never the real home's.
    machine_state = reachable_dir("devkit-machine-state-")
    os.environ["DEVKIT_STATE_HOME"] = str(machine_state)
    yield
    os.environ.clear()
    os.environ.update(saved)
    shutil.rmtree(fallback, ignore_errors=True)
    shutil.rmtree(machine_state, ignore_errors=True)
    leaked = [str(p) for p in guarded if p.exists() and p not in existed]
    assert not leaked, f"a test wrote devkit state into the repository: {leaked}"


@pytest.fixture(autouse=True)
def _machine_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test its own registry of set-up checkouts (docs/worktrees.md): a checkout another test
    (or a module's fixture) set up is never a source to branch from, nor an entry to count."""
    state = reachable_dir("devkit-registry-")
    monkeypatch.setenv("DEVKIT_STATE_HOME", str(state))
    yield
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def reachable_tmp() -> Iterator[Path]:
    path = reachable_dir("devkit-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def example(reachable_tmp: Path) -> Iterator[Path]:
    """A fresh copy of examples/tenant-demo, provider pinned to native (a test that wants another
    pins it again); any native server devkit starts in it is stopped afterwards."""
    project = copy_example(reachable_tmp / "tenant-demo")
    pin_provider(project, "native")
    yield project
    stop_native(project)


@pytest.fixture(scope="session")
def pg() -> Iterator[Cluster]:
    """One real PostgreSQL 15 server for the session (superuser admin, TCP 127.0.0.1 only)."""
    folder = reachable_dir("devkit-pg-")
    cluster = Cluster(folder, free_port()).init().start()
    yield cluster
    cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)
