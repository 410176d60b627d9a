"""The env step's DATABASES mapping (issue 25 #4): two URL variables that devkit already maps both
hold its one connection, so the traced load that follows finds each field in both; that is not
an ambiguity to report. Two unmapped URL variables for one field still are. The trace's result
is built by hand here (its shape as project/probe/trace.py writes it); the traced load itself
is tested end to end in tests/commands/test_projects_e2e.py."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from devkit.project import tracing
from devkit.steps.env import EnvStep

FIELDS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")


def _trace() -> tracing.Trace:
    both = {f: {"vars": [["DATABASE_URL", f.lower()], ["AUDIT_DATABASE_URL", f.lower()]]} for f in FIELDS}
    engine = {"ENGINE": {"literal": "django_tenants.postgresql_backend"}}
    return tracing.Trace(
        True, None, "s", {}, {"default": {**both, **engine}, "audit": {**both, **engine}}, (), ()
    )


def _ctx(mapped: dict[str, str]) -> Any:
    return SimpleNamespace(config=SimpleNamespace(database=SimpleNamespace(env=mapped)), notes=[])


def test_variables_devkit_maps_all_to_its_connection_are_no_ambiguity() -> None:
    ctx = _ctx({"DATABASE_URL": "{url}", "AUDIT_DATABASE_URL": "{url}"})
    said: list[str] = []
    assert EnvStep()._map_database(ctx, _trace(), said) is False
    assert ctx.notes == [] and said == []
    # one candidate mapped: devkit chose it (an unrelated REDIS_URL on localhost matched by chance)
    ctx = _ctx({"DATABASE_URL": "{url}"})
    assert EnvStep()._map_database(ctx, _trace(), said) is False and ctx.notes == []


def test_unmapped_variables_for_one_field_are_named() -> None:
    ctx = _ctx({})
    assert EnvStep()._map_database(ctx, _trace(), []) is False  # nothing it can tell to map
    assert len(ctx.notes) == 1 and "cannot tell which variable gives default.NAME from" in ctx.notes[0]


def test_a_placeholder_that_devkit_maps_later_is_not_called_one() -> None:
    """A real project's .env.example gives AUDIT_DATABASE_URL a placeholder; a later round maps it
    in [database.env] (devkit's connection): the note names only the placeholders left."""
    from devkit.steps.env import _placeholder_note

    ctx = _ctx({"AUDIT_DATABASE_URL": "{url}"})
    ctx.config.env_file = ".env"
    _placeholder_note(ctx, ["AUDIT_DATABASE_URL", "AZURE_REDIRECT_URI"])
    assert ctx.notes == [
        ".env holds development placeholders that real services will refuse: AZURE_REDIRECT_URI "
        "(edit them when you use those services)"
    ]
    ctx.notes.clear()
    _placeholder_note(ctx, ["AUDIT_DATABASE_URL"])
    assert ctx.notes == []
