"""Defects 2 and 6: `kill -9` of a real first run at several moments (inside initdb, during the
Python and Node installs, during the tenant sequence), then one `devkit up` must converge.

The kill hits devkit's PID alone, as the campaign did: the commands it ran keep working until
the next run finds and stops them (their process groups are recorded in .devkit/children/).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.faults.support import (
    Moment,
    descendants,
    kill_at,
    live_members,
    matching_below,
    recorded_groups,
    start_up,
    statuses,
    up_json,
    wait_until,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the native cluster runs as the postgres user"),
]


def test_kill_inside_initdb_leaves_nothing_that_blocks_the_next_run(example: Path) -> None:
    assert kill_at(example, Moment("initdb", ("initdb",)), "--only", "database")
    home = example / ".devkit" / "postgres"
    assert not (home / "data").exists()  # initdb works in a temporary folder
    code, _payload, text = up_json(example, "--only", "database")
    assert code == 0, text
    assert (home / "data" / "PG_VERSION").is_file()
    assert not list(home.glob("data.initdb-*")), "the interrupted run's folder is removed"
    assert not list(home.glob(".pw-*")), "no temporary password file is left"
    again_code, again, _ = up_json(example, "--only", "database")
    assert again_code == 0 and statuses(again) == {"database": "skipped"}


def test_kill_while_the_server_starts_then_converges(example: Path) -> None:
    assert kill_at(
        example, Moment("postgres start", ("postgres -D", "/.devkit/postgres/data ")), "--only", "database"
    )
    code, _, text = up_json(example, "--only", "database")
    assert code == 0, text


@pytest.mark.parametrize(
    "moment",
    [
        Moment("npm ci", ("npm", "ci")),
        Moment("tenant sequence", ("manage.py",)),
    ],
    ids=lambda m: m.name,
)
def test_kill_during_a_first_run_stops_the_orphans_and_converges(example: Path, moment: Moment) -> None:
    assert kill_at(example, moment), f"never reached {moment.name}"
    groups = recorded_groups(example)
    code, payload, text = up_json(example)
    assert code == 0, text
    assert not live_members(groups), "the killed run's commands were stopped before the re-run"
    assert all(s in ("ran", "skipped") for s in statuses(payload).values())
    code, payload, text = up_json(example)
    assert code == 0 and set(statuses(payload).values()) == {"skipped"}, text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_to_devkit_stops_the_commands_it_runs(example: Path, sig: signal.Signals) -> None:
    run = start_up(example)
    try:
        assert wait_until(lambda: run.poll() is not None or matching_below(run.pid, "npm", "ci"), 300)
        assert run.poll() is None, "the run finished before npm ci started"
        below = descendants(run.pid)
        groups = recorded_groups(example)
        assert groups
        os.kill(run.pid, sig)  # devkit alone: it must take its commands with it
        assert run.wait(timeout=60) == 130
    finally:
        if run.poll() is None:
            run.kill()
    assert wait_until(lambda: not live_members(groups), 15), "commands outlived devkit"
    still = [pid for pid in below if Path(f"/proc/{pid}").exists() and pid in live_members(groups)]
    assert not still, "no process devkit started may be left"
    code, _, text = up_json(example)
    assert code == 0, text
