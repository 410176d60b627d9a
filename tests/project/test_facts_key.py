"""The facts cache key covers every input the probe reads (issue 11, defect 4): the installed
distributions of the venv (Django 5.2 -> 3.2 must re-run the probe) and the environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devkit.config import loading
from devkit.context import Context
from devkit.project import facts
from devkit.project.django import Django


@pytest.fixture
def ctx(example: Path) -> Context:
    return Context.create(loading.load(example))


def site(ctx: Context) -> Path:
    folder = ctx.venv / "lib" / "python3.11" / "site-packages"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_different_installed_django_changes_the_key(ctx: Context) -> None:
    (site(ctx) / "Django-5.2.19.dist-info").mkdir()
    before = facts.cache_key(ctx.django())
    assert facts.cache_key(ctx.django()) == before  # stable while nothing changes
    (site(ctx) / "Django-5.2.19.dist-info").rename(site(ctx) / "Django-3.2.25.dist-info")
    assert facts.cache_key(ctx.django()) != before


def test_an_added_package_or_pth_file_changes_the_key(ctx: Context) -> None:
    before = facts.cache_key(ctx.django())
    (site(ctx) / "setuptools-65.5.0.dist-info").mkdir()
    added = facts.cache_key(ctx.django())
    assert added != before
    (site(ctx) / "__editable__.mysite.pth").write_text("/src\n")
    assert facts.cache_key(ctx.django()) != added


def test_variables_the_settings_may_read_change_the_key_volatile_ones_do_not(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = facts.cache_key(ctx.django())
    monkeypatch.setenv("OLDPWD", "/somewhere/else")
    monkeypatch.setenv("SHLVL", str(int(os.environ.get("SHLVL", "1")) + 1))
    monkeypatch.setenv("XDG_SESSION_ID", "7")  # another terminal of the same person
    monkeypatch.setenv("PATH", "/opt/other/bin" + os.pathsep + os.environ.get("PATH", ""))
    assert facts.cache_key(ctx.django()) == before
    monkeypatch.setenv("SECRET_KEY", "another")
    assert facts.cache_key(ctx.django()) != before


def test_once_traced_only_the_variables_the_settings_read_are_in_the_key_by_name(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The env step records what the settings read (state.json settings_env_reads): an unrelated
    `FOO=1 devkit up` no longer re-runs the probe, and a read one is named."""
    ctx.state.put("settings_env_reads", ["SECRET_KEY", "DEBUG"])
    before = facts.cache_inputs(ctx.django())
    assert {"$SECRET_KEY", "$DEBUG", "$DJANGO_SETTINGS_MODULE"} <= set(before)
    monkeypatch.setenv("FOO", "1")
    assert facts.cache_inputs(ctx.django()) == before
    monkeypatch.setenv("DEBUG", "a value the settings read")
    after = facts.cache_inputs(ctx.django())
    assert [k for k in after if after[k] != before[k]] == ["$DEBUG"]


def test_steps_loading_at_once_share_one_probe_and_its_failure(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tenants and docs run at the same time and both load the facts. The probe is replaced by a
    stand-in here: what is tested is the sharing around it (the real probe runs in test_up_e2e)."""
    import threading
    import time

    from devkit.core.errors import StepFailed

    ctx.config.state_dir.mkdir(parents=True, exist_ok=True)
    runs: list[str] = []
    outcome: dict[str, object] = {"facts": {"probed": True}}

    def probe(_ctx: Context, script: str, env: dict[str, str]) -> object:
        runs.append(script)
        time.sleep(0.3)  # long enough for the other thread to arrive and wait
        if "error" in outcome:
            raise StepFailed("Django could not start")
        return outcome["facts"]

    def both() -> list[object]:
        results: list[object] = []

        def one() -> None:
            try:
                results.append(facts.load(ctx.django()))
            except StepFailed as exc:
                results.append(exc)

        threads = [threading.Thread(target=one) for _ in range(2)]
        for thread in threads:
            thread.start()
            time.sleep(0.05)
        for thread in threads:
            thread.join()
        return results

    monkeypatch.setattr(Django, "probe", probe)
    assert both() == [{"probed": True}, {"probed": True}] and runs == ["facts.py"]

    outcome["error"] = True
    monkeypatch.setenv("SECRET_KEY", "another")  # a new key: the cache does not answer
    failed = both()
    assert len(runs) == 2 and all(isinstance(r, StepFailed) for r in failed), failed
    with pytest.raises(StepFailed):  # a later load runs the probe again: nothing remembered
        facts.load(ctx.django())
    assert len(runs) == 3


def test_the_portable_inputs_leave_out_the_checkout_folder_and_devkits_connection(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second checkout of the same project compares its inputs with the first's (adopt()):
    the same sources by content in another folder, its own database port, are the same inputs;
    a changed source or a changed variable the settings read is not."""
    import shutil

    ctx.state.put("settings_env_reads", ["DB_PORT", "SECRET_KEY"])
    monkeypatch.setenv("SECRET_KEY", "shared")
    ctx.config.database.env["DB_PORT"] = "{port}"  # devkit sets it from its connection
    monkeypatch.setenv("DB_PORT", "5001")
    first = facts.cache_inputs(ctx.django(), portable=True)
    assert "$DB_PORT" not in first and first["$SECRET_KEY"] == "shared"

    other = tmp_path / "other-checkout"
    shutil.copytree(ctx.config.root, other, symlinks=True)
    second_ctx = Context.create(loading.load(other))
    second_ctx.state.put("settings_env_reads", ["DB_PORT", "SECRET_KEY"])
    second_ctx.config.database.env["DB_PORT"] = "{port}"
    monkeypatch.setenv("DB_PORT", "5002")
    second = facts.cache_inputs(second_ctx.django(), portable=True)
    assert second == first  # another folder, newer mtimes, another port: the same inputs
    assert facts.cache_inputs(second_ctx.django()) != facts.cache_inputs(
        ctx.django()
    )  # the cache key's are not

    monkeypatch.setenv("SECRET_KEY", "changed")
    assert facts.cache_inputs(second_ctx.django(), portable=True)["$SECRET_KEY"] == "changed"
    monkeypatch.setenv("SECRET_KEY", "shared")
    settings = next(other.rglob("settings.py"))
    settings.write_text(settings.read_text() + "\n# changed\n")
    changed = facts.cache_inputs(second_ctx.django(), portable=True)
    assert [k for k in changed if changed[k] != first.get(k)] == [second_ctx.config.relative(settings)]


def test_facts_taken_from_another_checkout_get_its_paths_and_connection() -> None:
    theirs = {
        "settings_file": "/src/a/backend/config/settings.py",
        "apps": [{"path": "/src/a/.venv/lib/site-packages/x", "label": "x"}],
        "note": "loaded /src/a/.env, not /src/ab/.env",
        "root": "/src/a",
        "database": {"engine": "django_tenants.postgresql_backend", "host": "127.0.0.1",
                     "port": 5001, "name": "app", "user": "fixed-in-settings"},
    }  # fmt: skip
    old = {"host": "127.0.0.1", "port": "5001", "name": "app", "user": "app"}
    new = {"host": "127.0.0.1", "port": "5002", "name": "app", "user": "app"}
    mine = facts.translated(theirs, "/src/a", "/src/b", old, new)
    assert mine["settings_file"] == "/src/b/backend/config/settings.py"
    assert mine["apps"][0]["path"] == "/src/b/.venv/lib/site-packages/x"
    assert mine["note"] == "loaded /src/b/.env, not /src/ab/.env" and mine["root"] == "/src/b"
    # the port was the source's connection: this checkout's now, still an int; a user the
    # settings fix is not devkit's connection and stays as the settings say
    assert mine["database"]["port"] == 5002 and mine["database"]["user"] == "fixed-in-settings"
    assert theirs["database"]["port"] == 5001  # the source's facts are not changed
