"""Fast checks of the pieces the end-to-end fault tests rely on (real processes, real files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from devkit.core import children, ownership
from devkit.core.state import Secrets, State
from devkit.database.native import serves
from tests.support.postgres import Cluster


def test_unreadable_state_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_bytes(b"\x00\xff{truncated")
    state = State(tmp_path)
    assert state.data == {} and state.set_aside is not None
    assert state.set_aside.read_bytes() == b"\x00\xff{truncated"
    state.put("provider", "native")
    assert json.loads((tmp_path / "state.json").read_text()) == {"provider": "native"}


def test_state_of_the_wrong_shape_is_set_aside_with_the_reason(tmp_path: Path) -> None:
    """Issue 23 #4: parseable JSON of the wrong shape wedged every run with an AttributeError."""
    for text, why in (
        ('{"native": "x", "steps": 5}', "steps is int"),
        ('{"native": {"port": "abc", "data_dir": "/x"}}', "native.port is 'abc'"),
        ('{"native": {"port": true}}', "native.port is True"),
        ('{"steps": {"database": {"fingerprint": 5}}}', "steps.database.fingerprint"),
        ("[1, 2]", "holds list"),
    ):
        (tmp_path / "state.json").write_text(text)
        state = State(tmp_path)
        assert state.data == {} and state.set_aside is not None, text
        assert why in state.set_aside_why, (text, state.set_aside_why)
        assert state.set_aside.read_text() == text
    (tmp_path / "state.json").write_text('{"provider": "native", "future_key": [1]}')
    assert State(tmp_path).data == {"provider": "native", "future_key": [1]}  # unknown keys are kept


def test_secrets_of_the_wrong_shape_are_set_aside_and_made_anew(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text('{"database.password": 12345678}')
    secrets = Secrets(tmp_path)
    password, created = secrets.get_or_create("database.password")
    assert created and isinstance(password, str) and len(password) > 16
    assert secrets.set_aside is not None and "database.password is int" in secrets.set_aside_why
    assert os.stat(tmp_path / "secrets.json").st_mode & 0o777 == 0o600


def test_leftover_commands_of_a_dead_devkit_are_stopped(tmp_path: Path) -> None:
    # A stand-in for a killed devkit: a process that started a command group, then died.
    script = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen(['sh', '-c', 'sleep 300 & sleep 300'], process_group=0)\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(300)\n"
    )
    fake = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    pgid = int(fake.stdout.readline())
    folder = tmp_path / "children"
    folder.mkdir()
    (folder / str(pgid)).write_text(
        f"{pgid} {children.start_time(pgid)} {fake.pid} {children.start_time(fake.pid)}\n"
    )
    assert children.stop_leftovers(tmp_path) == [], "its devkit still lives: not a leftover"
    fake.kill()
    fake.wait()
    deadline = time.monotonic() + 5
    while len(children.group_members(pgid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(children.group_members(pgid)) >= 2  # sh and its two sleeps keep working
    notes = children.stop_leftovers(tmp_path, grace=5)
    assert notes and f"pid {pgid}" in notes[0]
    assert children.group_members(pgid) == [] and not list(folder.iterdir())


def test_serves_checks_the_data_directory(pg: Cluster, tmp_path: Path) -> None:
    pid = int((pg.data / "postmaster.pid").read_text().split("\n", 1)[0])
    assert serves(pid, pg.data)
    assert not serves(pid, tmp_path)  # a live postgres, but not this data directory
    assert not serves(os.getpid(), pg.data)  # not a postgres at all


def test_a_copy_gets_a_new_id_and_two_first_calls_agree(tmp_path: Path) -> None:
    original = tmp_path / "a"
    original.mkdir()
    ids = {ownership.identify(original / ".devkit", original).id for _ in range(3)}
    assert len(ids) == 1
    copy = tmp_path / "b"
    subprocess.run(["cp", "-a", str(original), str(copy)], check=True)
    found = ownership.identify(copy / ".devkit", copy)
    assert found.new_copy and found.copied_from == original and found.id not in ids
    again = ownership.identify(copy / ".devkit", copy)
    assert again.id == found.id and not again.new_copy
    assert ownership.identify(original / ".devkit", original).id in ids
