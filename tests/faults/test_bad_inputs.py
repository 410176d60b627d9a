"""Every bad input of the campaign (tests/faults/bad_inputs.py), run through the real CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import reachable_dir
from tests.faults.bad_inputs import CASES, Case, _apply_edits, _restore, cleanup, ensure_initialised, run_case

SLOW = ("example", "initialised")


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    """One folder for the module: the "initialised" cases share one project set up once."""
    path = reachable_dir("devkit-bad-inputs-")
    yield path
    cleanup(path)


def test_the_campaign_is_complete() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 40
    assert {case.code for case in CASES} >= {0, 1, 2}


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.name, marks=[pytest.mark.e2e] if c.setup in SLOW else []) for c in CASES],
)
def test_bad_input(case: Case, workdir: Path) -> None:
    passed, why = run_case(case, workdir)
    assert passed, why


@pytest.mark.e2e
def test_a_project_traceback_is_two_lines_and_whole_with_v(workdir: Path) -> None:
    """A migration that raises: the console names the command, the exception, file:line and the
    log; the full traceback is in the log, and on the console with -v."""
    import subprocess
    import sys

    project = ensure_initialised(workdir)
    boom = next(c for c in CASES if c.name == "migration-raises")
    undo = _apply_edits(project, boom.edits)
    try:
        argv = [sys.executable, "-m", "devkit", "up", "--no-input", "--project", str(project)]
        quiet = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        loud = subprocess.run([*argv, "-v"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    finally:
        _restore(project, undo)
    assert quiet.returncode == loud.returncode == 1
    text = quiet.stdout + quiet.stderr
    assert "Traceback" not in text
    assert "migrate_schemas" in text and "raised at" in text
    logs = sorted((project / ".devkit" / "logs").rglob("tenants-*migrate_tenants*.log"))
    assert logs and "Traceback (most recent call last)" in logs[-1].read_text()
    assert "Traceback (most recent call last)" in loud.stdout + loud.stderr
