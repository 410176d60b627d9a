"""On a terminal, `devkit up` in a worktree asks before branching; "no" is a plain first run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.faults.support import up_json
from tests.support.project import db_url, stop_native

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the native cluster runs as the postgres user"),
]
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]


def test_answering_no_makes_a_plain_first_run(example: Path) -> None:
    import pexpect

    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "example"]):
        subprocess.run([*GIT, "-C", str(example), *args], check=True, capture_output=True)
    code, _payload, text = up_json(example, "--only", "database")
    assert code == 0, text
    with psycopg.connect(db_url(example), autocommit=True) as db:
        db.execute("CREATE TABLE only_in_the_source (v int)")
    worktree = example.with_name("review")
    subprocess.run([*GIT, "-C", str(example), "worktree", "add", "-q", str(worktree)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "CI"}  # CI implies --no-input
    try:
        child = pexpect.spawn(
            sys.executable,
            ["-m", "devkit", "--project", str(worktree), "up", "--only", "database"],
            env=env,
            timeout=120,
        )
        child.expect_exact(f"Branch this checkout from {example}")
        child.send("n")
        child.expect(pexpect.EOF)
        child.close()
        said = child.before.decode(errors="replace")
        assert child.exitstatus == 0, said
        assert f"a plain first run: you chose not to branch from {example}" in said
        with psycopg.connect(db_url(worktree)) as db:
            assert db.execute("SELECT to_regclass('only_in_the_source')").fetchone() == (None,)
    finally:
        stop_native(worktree)
