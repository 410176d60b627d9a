"""What a person sees of `devkit up`: on a pseudo-terminal (pexpect, fixed size, the screen
rendered by the pyte terminal emulator), and without one (plain lines, -q, --skip marks).

The byte-for-byte plain rendering with a fixed clock is in test_progress.py; here the real CLI
runs on a copy of the example project with real PostgreSQL and pip (the frontend is left out
to keep it short: node.dir = "").
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pexpect
import pyte
import pytest

from tests.support.project import REPO, devkit, set_config

pytestmark = pytest.mark.e2e

ROWS, COLS = 40, 100
STEPS = ("database", "python-deps", "node-deps", "env", "tenants", "docs")
SPINNER = re.compile("[\u2800-\u28ff]")  # the braille dots of rich's spinner
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STEP_END = re.compile(r"^(✓|✗|-|○|·) (\S+) +(ran|skipped|failed|not-run|left-out|none) +\d+\.\d\ds  .*$")


def up_on_a_terminal(project: Path, *args: str, **env: str) -> tuple[int, str]:
    """`devkit up` on a ROWS x COLS pseudo-terminal; its exit code and every byte it wrote."""
    full = {**os.environ, "TERM": "xterm-256color", **env}
    for var in ("CI", "NO_COLOR"):
        if var not in env:
            full.pop(var, None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "devkit", "up", "--project", str(project), *args],
        cwd=str(REPO),
        env=full,
        encoding="utf-8",
        timeout=600,
        dimensions=(ROWS, COLS),
    )
    raw = child.read()
    child.close()
    return child.exitstatus, raw


def final_screen(raw: str) -> list[str]:
    """The non-empty lines a person sees once the command has ended."""
    term = pyte.Screen(COLS, ROWS)
    pyte.Stream(term).feed(raw)
    return [line.rstrip() for line in term.display if line.strip()]


def assert_table_once(lines: list[str]) -> None:
    assert len(lines) == len(set(lines)), "duplicated lines:\n" + "\n".join(lines)
    assert [line.split()[:4] for line in lines if line.startswith("step ")] == [
        ["step", "status", "seconds", "detail"]
    ]
    for name in STEPS:
        assert len([line for line in lines if line.startswith(f"{name} ")]) == 1, (name, lines)
    assert not any(SPINNER.search(line) for line in lines), lines


def ready_line(lines: list[str]) -> bool:
    """The last line says ready (it may wrap at the terminal's width)."""
    return any(line.startswith("ready in ") for line in lines[-2:])


@pytest.fixture
def project(example: Path) -> Path:
    set_config(example, '[node]\ndir = ""\n')
    return example


def test_on_a_terminal_live_lines_end_as_one_table(project: Path) -> None:
    code, raw = up_on_a_terminal(project)
    assert code == 0, raw
    lines = final_screen(raw)
    assert_table_once(lines)
    assert ready_line(lines), lines
    assert len([line for line in lines if "the development superuser" in line]) == 1
    # It was live: the region was redrawn in place, with each step's activity and elapsed time.
    assert "\x1b[1A" in raw
    assert "migrate_schemas --shared (1/" in raw
    assert re.search(r"tenants +\d+\.\ds", raw)

    code, raw = up_on_a_terminal(project, "--force", "tenants")
    assert code == 0, raw
    lines = final_screen(raw)
    assert_table_once(lines)
    assert ready_line(lines), lines


def test_plain_output_quiet_and_steps_left_out(project: Path) -> None:
    first = devkit("up", project=project)  # no terminal: plain lines
    assert first.code == 0, first.text
    lines = first.out.splitlines()
    assert "\x1b" not in first.out and not any(line.startswith("step ") for line in lines)
    ends = [STEP_END.match(line) for line in lines]
    assert sorted(m.group(2) for m in ends if m) == sorted(STEPS)  # each step ends once
    starts = [line.split(":")[0][2:] for line in lines if line.startswith("→ ")]
    assert sorted(starts) == sorted(STEPS)  # ... and starts once (all ran on a first run)
    for name in STEPS:
        start = lines.index(next(line for line in lines if line.startswith(f"→ {name}:")))
        end = lines.index(next(line for line in lines if re.match(f"^. {name} ", line)))
        assert start < end
    assert lines[-1].startswith("ready in ") and lines[-2] == ""

    skipped = devkit("up", "--skip", "tenants", project=project)
    assert skipped.code == 0, skipped.text
    assert "○ tenants      left-out   0.00s  skipped by --skip" in skipped.out.splitlines()
    assert skipped.out.splitlines()[-1].startswith("ready except: tenants (skipped by --skip) in ")
    assert not any(line.startswith("→ ") for line in skipped.out.splitlines()), skipped.out  # all fresh

    as_json = devkit("up", "--only", "python-deps", "--json", project=project)
    payload = json.loads(as_json.out)
    assert payload["left_out"] == [
        {"name": name, "reason": "not selected by --only"}
        for name in ("database", "node-deps", "env", "tenants", "docs")
    ]
    assert {s["name"]: s["status"] for s in payload["steps"]}["tenants"] == "left-out"
    events = [json.loads(line) for line in as_json.err.splitlines() if line.startswith("{")]
    assert [e["event"] for e in events if e.get("step") == "python-deps"] == ["step-checking", "step-done"]
    assert events[-1]["status"] == "skipped" and "→" not in as_json.err

    quiet = devkit("up", "-q", project=project)
    assert quiet.code == 0, quiet.text
    assert quiet.err == "" and len(quiet.out.splitlines()) == 1
    assert re.fullmatch(r"ready in \d+\.\d\ds — database postgresql://demo:\*\*\*\*@\S+ \(.+\)\n", quiet.out)

    # A terminal, but NO_COLOR or CI: the same plain lines (no cursor movement); NO_COLOR: no codes.
    for var, colours in (("NO_COLOR", False), ("CI", True)):
        code, raw = up_on_a_terminal(project, "--only", "python-deps", **{var: "1"})
        assert code == 0, raw
        assert "\x1b[1A" not in raw and "\x1b[2K" not in raw, var
        assert ("\x1b[" in raw) is colours, var
        lines = ANSI.sub("", raw).replace("\r\n", "\n").splitlines()
        assert any(re.fullmatch(r"✓ python-deps  skipped +\d+\.\d\ds  up to date", x) for x in lines), var
        assert not any(line.startswith("step ") for line in lines), var  # no table after the lines
        assert lines[-1].startswith(
            "ready except: database, node-deps, env, tenants, docs (not selected by --only) in "
        )
