"""A branch of a stopped source: its files copied under its lock, the source left stopped; and
`--from` / `--fresh` on the command line (docs/worktrees.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import pytest

from devkit.database.native import postmaster_of
from tests.faults.support import up_json
from tests.support.project import copy_example, db_url, devkit, pin_provider, stop_native

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the native cluster runs as the postgres user"),
]


def test_a_stopped_source_is_copied_and_stays_stopped(example: Path, reachable_tmp: Path) -> None:
    code, _payload, text = up_json(example, "--only", "database")
    assert code == 0, text
    with psycopg.connect(db_url(example), autocommit=True) as db:
        db.execute("CREATE TABLE kept AS SELECT 'from the source' AS v")
    assert devkit("down", project=example).code == 0
    source_data = example / ".devkit" / "postgres" / "data"
    assert postmaster_of(source_data) is None

    target = pin(copy_example(reachable_tmp / "target"))
    fresh = pin(copy_example(reachable_tmp / "fresh"))
    try:
        code, payload, text = up_json(target, "--only", "database", "--from", str(example))
        assert code == 0, text
        detail = payload["steps"][0]["detail"]  # type: ignore[index]
        assert detail.startswith(f"branched from {example} by file copy (source stopped)"), detail
        assert postmaster_of(source_data) is None  # never started
        with psycopg.connect(db_url(target)) as db:
            assert db.execute("SELECT v FROM kept").fetchall() == [("from the source",)]
        state = json.loads((target / ".devkit" / "state.json").read_text())
        assert state["branch"]["source"] == str(example) and state["branch"]["database"].startswith(
            "file copy"
        )

        # Once it has a database, --from is refused; --fresh and --from together too.
        again = devkit("up", "--no-input", "--only", "database", "--from", str(example), project=target)
        assert again.code == 2 and "has a database of its own already" in again.text, again.text
        both = devkit("up", "--no-input", "--fresh", "--from", str(example), project=fresh)
        assert both.code == 2 and "contradict" in both.text, both.text

        # --fresh: a plain first run, an empty database of its own.
        code, payload, text = up_json(fresh, "--only", "database", "--fresh")
        assert code == 0 and "--fresh: a plain first run" in text, text
        with psycopg.connect(db_url(fresh)) as db:
            assert db.execute("SELECT to_regclass('kept')").fetchone() == (None,)
    finally:
        stop_native(target)
        stop_native(fresh)


def pin(project: Path) -> Path:
    pin_provider(project, "native")
    return project
