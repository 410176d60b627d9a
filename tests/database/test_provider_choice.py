"""Every provider choice names its evidence (issue 11 defect 9): config, status, the step line, errors."""

from __future__ import annotations

import json
from pathlib import Path

from devkit.config.loading import load
from devkit.database.select import environment_evidence, environment_shortfall, failure_hint
from tests.support.project import devkit, pin_provider

# The devcontainer of a real project: containerEnv sets DB_HOST=db for a compose database that
# this shell cannot reach.
DEVCONTAINER_SHELL = {"DB_HOST": "db", "DB_NAME": "app", "DB_USER": "postgres", "DB_PASSWORD": "postgres"}


def test_evidence_names_where_without_secrets(example: Path) -> None:
    config = load(example)
    text = environment_evidence(config, DEVCONTAINER_SHELL)
    assert text == "DB_HOST=db, DB_NAME=app (and DB_USER, DB_PASSWORD)"
    url = environment_evidence(config, {"DATABASE_URL": "postgresql://u:hunter22@db:5432/x"})
    assert url == "DATABASE_URL=postgresql://u:****@db:5432/x"


def test_hint_names_the_override_and_the_variables_to_unset(example: Path, monkeypatch) -> None:
    for key, value in DEVCONTAINER_SHELL.items():
        monkeypatch.setenv(key, value)
    hint = failure_hint(load(example), "external", "auto: DB_HOST=db ... set in the environment")
    assert "DEVKIT_DATABASE_PROVIDER=native|docker" in hint
    assert "unset DB_NAME DB_USER DB_PASSWORD DB_HOST" in hint


def test_config_and_status_show_the_reason(example: Path) -> None:
    pin_provider(example, "auto")
    shown = devkit("config", "--json", project=example, env=DEVCONTAINER_SHELL)
    assert shown.code == 0, shown.text
    choice = json.loads(shown.out)["provider_choice"]
    assert choice["provider"] == "external"
    assert "DB_HOST=db" in choice["reason"] and "set in the environment" in choice["reason"]
    assert "database provider now: external (auto: DB_HOST=db" in shown.err
    status = devkit("status", "--json", project=example, env=DEVCONTAINER_SHELL)
    assert "DB_HOST=db" in json.loads(status.out)["provider_reason"], status.text
    pinned = devkit("config", "--json", project=example, env={"DEVKIT_DATABASE_PROVIDER": "native"})
    assert json.loads(pinned.out)["provider_choice"] == {
        "provider": "native",
        "reason": "DEVKIT_DATABASE_PROVIDER=native is set in the environment",
    }
    pin_provider(example, "native")
    native = devkit("config", "--json", project=example)
    assert json.loads(native.out)["provider_choice"]["reason"] == "database.provider = native in devkit.toml"


def test_unreachable_external_error_names_the_choice_and_the_way_out(example: Path) -> None:
    """The real run: `up` in a shell with the devcontainer's DB_HOST=db (a host that does not resolve)."""
    pin_provider(example, "auto")
    ran = devkit("up", "--only", "database", "--json", project=example, env=DEVCONTAINER_SHELL, timeout=120)
    assert ran.code == 3, ran.text
    error = json.loads(ran.out)["error"] or next(
        s["error"] for s in json.loads(ran.out)["steps"] if s.get("error")
    )
    assert "db:5432" in error["message"]
    assert (
        "(provider external, because auto: DB_HOST=db, DB_NAME=app (and DB_USER, DB_PASSWORD) are set"
        in error["message"]
    )
    assert "DEVKIT_DATABASE_PROVIDER=native|docker" in error["hint"]
    assert "unset DB_NAME DB_USER DB_PASSWORD DB_HOST" in error["hint"]
    assert "postgres" not in error["message"].replace("postgres:", "").replace("postgresql", "")


def test_step_line_names_the_reason(example: Path) -> None:
    ran = devkit("up", "--only", "database", "--json", project=example, timeout=300)
    assert ran.code == 0, ran.text
    step = next(s for s in json.loads(ran.out)["steps"] if s["name"] == "database")
    assert step["detail"].endswith("(database.provider = native in devkit.toml)"), step
    # A shell that loaded devkit's own env file: auto keeps devkit's server and says why.
    pin_provider(example, "auto")
    lines = (example / ".env").read_text().splitlines()
    values = {k: v.strip("'") for k, _, v in (line.partition("=") for line in lines if line[:1].isalpha())}
    status = devkit("status", "--json", project=example, env=values)
    reason = json.loads(status.out)["provider_reason"]
    assert reason.startswith("auto: the environment's DATABASE_URL=postgresql://demo:****@127.0.0.1:"), reason
    assert reason.endswith("points at the native server devkit made"), reason


def test_hint_lists_every_variable_that_keeps_auto_external(example: Path, monkeypatch) -> None:
    for key, value in {**DEVCONTAINER_SHELL, "DATABASE_URL": "postgresql://u:p@db/app"}.items():
        monkeypatch.setenv(key, value)
    hint = failure_hint(load(example), "external", "auto: DATABASE_URL=… is set in the environment")
    assert "unset DATABASE_URL DB_NAME DB_USER DB_PASSWORD DB_HOST" in hint


def test_auto_names_the_variables_it_saw_and_why_they_were_not_enough(example: Path) -> None:
    """Issue 26 #5: with DB_NAME, DB_USER and DB_PASSWORD exported, `auto` said "no database
    variables in the environment"."""
    config = load(example)
    partial = {"DB_NAME": "app", "DB_USER": "app", "DB_PASSWORD": "hunter22"}
    assert environment_shortfall(config, partial) == (
        "DB_NAME/DB_USER/DB_PASSWORD are set, no host (DB_HOST unset): not an external database"
    )
    assert environment_shortfall(config, {"DB_HOST": "db"}) == (
        "DB_HOST is set, no database name (DB_NAME unset): not an external database"
    )
    nothing = environment_shortfall(config, {"DATABASE_URL": ""})
    assert nothing.startswith("no database variables in the environment ($DATABASE_URL, $DB_NAME")
    assert nothing.endswith("; DATABASE_URL set but empty)")
    pin_provider(example, "auto")
    shown = devkit("config", "--json", project=example, env=partial)
    assert shown.code == 0, shown.text
    reason = json.loads(shown.out)["provider_choice"]["reason"]
    assert "DB_NAME/DB_USER/DB_PASSWORD are set, no host (DB_HOST unset): not an external database" in reason
    assert "no database variables" not in reason and "hunter22" not in shown.text
