"""The facts cache key covers every input the probe reads (issue 11, defect 4): the installed
distributions of the venv (Django 5.2 -> 3.2 must re-run the probe) and the environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devkit import config as config_mod
from devkit import facts
from devkit.context import Context


@pytest.fixture
def ctx(example: Path) -> Context:
    return Context.create(config_mod.load(example))


def site(ctx: Context) -> Path:
    folder = ctx.venv / "lib" / "python3.11" / "site-packages"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_different_installed_django_changes_the_key(ctx: Context) -> None:
    (site(ctx) / "Django-5.2.19.dist-info").mkdir()
    before = facts.cache_key(ctx)
    assert facts.cache_key(ctx) == before  # stable while nothing changes
    (site(ctx) / "Django-5.2.19.dist-info").rename(site(ctx) / "Django-3.2.25.dist-info")
    assert facts.cache_key(ctx) != before


def test_an_added_package_or_pth_file_changes_the_key(ctx: Context) -> None:
    before = facts.cache_key(ctx)
    (site(ctx) / "setuptools-65.5.0.dist-info").mkdir()
    added = facts.cache_key(ctx)
    assert added != before
    (site(ctx) / "__editable__.mysite.pth").write_text("/src\n")
    assert facts.cache_key(ctx) != added


def test_variables_the_settings_may_read_change_the_key_volatile_ones_do_not(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = facts.cache_key(ctx)
    monkeypatch.setenv("OLDPWD", "/somewhere/else")
    monkeypatch.setenv("SHLVL", str(int(os.environ.get("SHLVL", "1")) + 1))
    monkeypatch.setenv("XDG_SESSION_ID", "7")  # another terminal of the same person
    monkeypatch.setenv("PATH", "/opt/other/bin" + os.pathsep + os.environ.get("PATH", ""))
    assert facts.cache_key(ctx) == before
    monkeypatch.setenv("SECRET_KEY", "another")
    assert facts.cache_key(ctx) != before
