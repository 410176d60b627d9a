"""Defect 3: two real `devkit up` at once on a fresh project: the second waits for the lock,
re-checks everything and finds it fresh, exit 0 for both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.project import REPO

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the native cluster runs as the postgres user"),
]


def start(project: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "devkit", "up", "--no-input", "--json", "--project", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )


def test_two_first_runs_at_once_both_succeed(example: Path) -> None:
    runs = [start(example), start(example)]
    outputs = [run.communicate(timeout=900) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, out + err
    waited = [json.loads(out) for out, err in outputs if "waiting for another devkit" in err]
    assert len(waited) == 1, "exactly one run waited for the lock"
    steps = {s["name"]: s["status"] for s in waited[0]["steps"]}
    assert set(steps.values()) == {"skipped"}, steps  # re-checked after the lock: all fresh
    home = example / ".devkit" / "postgres"
    assert not list(home.glob("data.initdb-*")) and not list(home.glob(".pw-*"))
