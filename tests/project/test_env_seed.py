"""Seeding the env file from the project's own example files (issue 25 #3): the examples' values
win, placeholder secrets are generated, the database's variables are devkit's block's, guesses
are named; a failure that shows a guessed value says the guess is the cause."""

from __future__ import annotations

from pathlib import Path

from devkit.core.errors import StepFailed
from devkit.project import env_seed


def test_examples_win_secrets_are_generated_database_variables_are_left_to_devkit(tmp_path: Path) -> None:
    example = tmp_path / ".env.example"
    example.write_text(
        "DJANGO_ENV=development\nSECRET_KEY=your-secret-key-here\nDB_HOST=db\n"
        "DATABASE_URL=postgres://u:p@db/x\nAPI_BASE=https://api.example.org\n"
    )
    seeded = env_seed.seed(
        ["SECRET_KEY", "PAYPAL_MODE", "REDIS_URL", "ALLOWED_HOSTS"], {}, [example], {}, set()
    )
    values = seeded.values
    assert values["DJANGO_ENV"] == "development" and values["API_BASE"] == "https://api.example.org"
    assert len(values["SECRET_KEY"]) >= 50 and "your" not in values["SECRET_KEY"]
    assert "DB_HOST" not in values and "DATABASE_URL" not in values
    assert values["ALLOWED_HOSTS"] == "localhost,127.0.0.1,.localhost"
    assert values["PAYPAL_MODE"] == "dev-paypal-mode"
    assert {"PAYPAL_MODE", "REDIS_URL"} <= set(seeded.placeholders)
    assert "ALLOWED_HOSTS" not in seeded.placeholders


def test_a_failure_showing_a_guessed_value_names_the_guess_first(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PAYPAL_MODE=dev-paypal-mode\nDEBUG=True\n")
    exc = StepFailed(
        "checks.crashed: InvalidConfig: ('Configuration Mode Invalid', 'Received: dev-paypal-mode')",
        hint="the checks crashed where the message says: fix that code",
    )
    env_seed.name_guesses(exc, env_file, ["PAYPAL_MODE", "DEBUG"])
    assert exc.hint is not None
    assert exc.hint.startswith("PAYPAL_MODE=dev-paypal-mode in .env is devkit's guess")
    assert exc.hint.endswith("fix that code") and "DEBUG" not in exc.hint

    untouched = StepFailed("something else failed", hint="h")
    env_seed.name_guesses(untouched, env_file, ["PAYPAL_MODE"])
    assert untouched.hint == "h"


def test_a_refused_guess_is_replaced_by_a_value_the_message_accepts(tmp_path: Path) -> None:
    """The project's check says what it accepts ("Required: live or sandbox"): devkit sets the
    development one in place of its guess, keeping every other line; never a production value."""
    assert env_seed.accepted_value("('Received: dev-x', 'Required: live or sandbox')", "dev-x") == "sandbox"
    assert env_seed.accepted_value("MODE must be one of: a, b, c (got 'dev-mode')", "dev-mode") == "a"
    assert env_seed.accepted_value("expected 'test' or 'production'", "dev-y") == "test"
    assert env_seed.accepted_value("Required: live", "dev-x") is None
    assert env_seed.accepted_value("KeyError: 'dev-x'", "dev-x") is None
    env = tmp_path / ".env"
    env.write_text("# mine\nPAYPAL_MODE=dev-paypal-mode\nOTHER=1\n")
    exc = StepFailed(
        "checks.crashed: InvalidConfig: ('Configuration Mode Invalid', 'Received: dev-paypal-mode', "
        "'Required: live or sandbox')"
    )
    assert env_seed.correct_guess(exc, env, ["PAYPAL_MODE"]) == ("PAYPAL_MODE", "dev-paypal-mode", "sandbox")
    assert env.read_text() == "# mine\nPAYPAL_MODE=sandbox\nOTHER=1\n"
    assert env_seed.correct_guess(exc, env, ["PAYPAL_MODE"]) is None  # the guess is gone: nothing to do


def test_a_development_compose_files_committed_env_files_are_examples_too(tmp_path: Path) -> None:
    """cookiecutter-django's layout: `local.yml` hands the django service `.envs/.local/.django`
    (committed, the team's development values). A production compose file's env files, and an env
    file git does not track (someone's own, often devkit's env file itself), are not examples.
    Real git; no compose engine is needed (the files are only read)."""
    import subprocess

    root = tmp_path / "project"
    (root / ".envs" / ".local").mkdir(parents=True)
    (root / ".envs" / ".production").mkdir(parents=True)
    (root / ".envs" / ".local" / ".django").write_text("USE_DOCKER=yes\nCELERY_FLOWER_USER=flower\n")
    (root / ".envs" / ".local" / ".postgres").write_text("POSTGRES_HOST=postgres\n")
    (root / ".envs" / ".production" / ".django").write_text("DJANGO_SECRET_KEY=prod\n")
    (root / "local.yml").write_text(
        "services:\n  django:\n    env_file:\n      - ./.envs/.local/.django\n"
        "      - path: ./.envs/.local/.postgres\n  docs:\n    env_file: ./.envs/.local/.django\n"
        "  web:\n    env_file: .env\n"
    )
    (root / "production.yml").write_text("services:\n  django:\n    env_file: ./.envs/.production/.django\n")
    (root / "docker-compose.yml").write_text("not: [valid")  # a file devkit cannot read: no examples
    (root / ".env").write_text("MINE=1\n")
    (root / ".env.example").write_text("DJANGO_ENV=development\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "local.yml", "production.yml", ".envs", ".env.example"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)

    found = env_seed.examples_for(root / ".env", [root], root)
    assert found == [
        root / ".env.example",  # the example beside the env file comes first
        (root / ".envs/.local/.django").resolve(),
        (root / ".envs/.local/.postgres").resolve(),
    ]
    seeded = env_seed.seed(["USE_DOCKER"], {}, found, {}, set())
    assert seeded.values["USE_DOCKER"] == "yes" and seeded.values["DJANGO_ENV"] == "development"
    assert "POSTGRES_HOST" not in seeded.values  # the database's variables are devkit's block's
    assert env_seed.examples_for(root / ".env", [root]) == [root / ".env.example"]  # without root: as before


def test_a_wildcard_is_a_value_a_masked_secret_is_a_placeholder() -> None:
    """`ALLOWED_HOSTS=*` in an example is the project's development value (two corpus projects'
    notes called it a placeholder real services refuse); `********` is a secret left out."""
    assert not env_seed.is_placeholder("*")
    assert env_seed.is_placeholder("********") and env_seed.is_placeholder("***")
