"""Project tracebacks summarised: real tracebacks printed by a real Python process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from devkit.core import proc
from devkit.core.tracebacks import summarize


def _traceback_of(tmp_path: Path, files: dict[str, str], main: str) -> str:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    ran = subprocess.run([sys.executable, main], cwd=tmp_path, capture_output=True, text=True)
    assert ran.returncode == 1
    return ran.stderr


def test_the_deepest_project_frame_and_the_exception_line(tmp_path: Path) -> None:
    output = _traceback_of(
        tmp_path,
        {
            "app.py": "import json\n\n\ndef load():\n    return json.loads('{')\n",
            "main.py": "import app\n\ntry:\n    app.load()\nexcept ValueError as exc:\n"
            "    raise RuntimeError('settings could not load') from exc\n",
        },
        "main.py",
    )
    raised = summarize("some output\n" + output)
    assert raised is not None
    assert raised.exception == "RuntimeError: settings could not load"
    assert raised.path.endswith("main.py") and raised.line == 6
    assert len(raised.lines().splitlines()) == 2


def test_library_frames_are_skipped(tmp_path: Path) -> None:
    output = _traceback_of(
        tmp_path, {"main.py": "import json\n\njson.loads('{')\n"}, "main.py"
    )  # raised inside the standard library: the project's own line is the one to show
    raised = summarize(output)
    assert raised is not None and raised.path.endswith("main.py") and raised.line == 3
    assert raised.exception.startswith("json.decoder.JSONDecodeError")


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    output = _traceback_of(
        tmp_path, {"settings.py": "A = 1\nB = (\n", "main.py": "import settings\n"}, "main.py"
    )
    raised = summarize(output)
    assert raised is not None and raised.path.endswith("settings.py") and raised.line == 2
    assert raised.exception.startswith("SyntaxError")


def test_command_failed_shows_the_summary_and_keeps_the_whole_for_v(tmp_path: Path) -> None:
    script = tmp_path / "main.py"
    script.write_text("def f():\n    raise KeyError('tenant')\n\n\nf()\n")
    log = tmp_path / "run.log"
    try:
        proc.run([sys.executable, script], log=log)
    except proc.CommandFailed as exc:
        assert exc.details == f"raised at {script}:2 in f\nKeyError: 'tenant'"
        assert "Traceback (most recent call last)" in (exc.verbose_details or "")
        assert str(log) in exc.message
        assert "Traceback (most recent call last)" in log.read_text()
    else:
        raise AssertionError("the script should have failed")


def test_output_without_a_traceback_is_left_alone() -> None:
    assert summarize("CommandError: Unknown command: 'x'\n") is None
