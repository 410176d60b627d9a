"""After a ready `devkit up` the checkout is recorded; a registry that cannot be written costs a
warning, never the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.config import loading
from devkit.context import Context
from devkit.steps.branched import register
from devkit.worktrees import registry
from tests.support.project import copy_example


def test_a_ready_checkout_is_recorded(reachable_tmp: Path) -> None:
    project = copy_example(reachable_tmp / "tenant-demo")
    ctx = Context.create(loading.load(project))
    assert register(ctx) is None
    assert [e.path for e in registry.entries()] == [str(project)]


def test_an_unwritable_registry_is_a_warning(reachable_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = reachable_tmp / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("DEVKIT_STATE_HOME", str(blocked / "devkit"))
    project = copy_example(reachable_tmp / "tenant-demo")
    said = register(Context.create(loading.load(project)))
    assert said is not None and "is ready but not recorded" in said and "--from PATH" in said
