"""Defect 1: a project copied with `cp -a` gets its own cluster and port, says so, and
`down --volumes --yes` in the copy never touches the original's database."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.faults.support import up_json
from tests.support.project import db_url, devkit, stop_native

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the native cluster runs as the postgres user"),
]


def test_copy_gets_its_own_cluster_and_never_deletes_the_original(example: Path) -> None:
    code, payload, text = up_json(example, "--only", "database")
    assert code == 0, text
    with psycopg.connect(db_url(example)) as db:
        db.execute("CREATE TABLE kept (v text)")
        db.execute("INSERT INTO kept VALUES ('original')")
    original_port = payload["connection"]["port"]  # type: ignore[index]
    copy = example.with_name("tenant-demo-copy")
    subprocess.run(["cp", "-a", str(example), str(copy)], check=True)
    try:
        code, payload, text = up_json(copy, "--only", "database")
        assert code == 0, text
        assert "is a copy of" in text and str(example) in text
        assert payload["connection"]["port"] != original_port  # type: ignore[index]
        state = json.loads((copy / ".devkit" / "state.json").read_text())
        assert state["native"]["data_dir"].startswith(str(copy))
        ids = [json.loads((p / ".devkit" / "project.json").read_text())["id"] for p in (example, copy)]
        assert ids[0] != ids[1]

        removed = devkit("down", "--volumes", "--yes", project=copy)
        assert removed.code == 0, removed.text
        assert str(example) not in removed.out.replace(str(copy), "")
        assert (example / ".devkit" / "postgres" / "data" / "PG_VERSION").is_file()
        with psycopg.connect(db_url(example)) as db:  # still running, data intact
            assert db.execute("SELECT v FROM kept").fetchall() == [("original",)]
        # Every other action in the copy leaves the original alone as well.
        assert devkit("down", project=copy).code == 0
        with psycopg.connect(db_url(example)) as db:
            assert db.execute("SELECT count(*) FROM kept").fetchone() == (1,)
    finally:
        stop_native(copy)


def test_down_in_a_copy_made_before_its_first_up_touches_nothing(example: Path) -> None:
    assert up_json(example, "--only", "database")[0] == 0
    copy = example.with_name("tenant-demo-copy2")
    subprocess.run(["cp", "-a", str(example), str(copy)], check=True)
    for args in (("down",), ("down", "--volumes", "--yes")):
        ran = devkit(*args, project=copy)
        assert ran.code == 0, ran.text
        assert "no native cluster" in ran.text
    with psycopg.connect(db_url(example)) as db:
        assert db.execute("SELECT 1").fetchone() == (1,)
    assert (copy / ".devkit" / "postgres" / "data" / "PG_VERSION").is_file()  # the copied files too


def test_a_moved_project_keeps_its_id(reachable_tmp: Path) -> None:
    from devkit.core import ownership

    first = reachable_tmp / "a"
    first.mkdir()
    ident = ownership.identify(first / ".devkit", first)
    moved = reachable_tmp / "b"
    first.rename(moved)
    again = ownership.identify(moved / ".devkit", moved)
    assert again.id == ident.id and again.moved_from == first and again.copied_from is None
