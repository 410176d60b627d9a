"""Which interpreter makes the venv (issue 25 #2): found where people keep them, a candidate that
does not run (a pyenv shim for a version that is not installed) skipped; real processes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from devkit.steps import interpreters


def test_what_the_pinned_django_needs() -> None:
    assert interpreters.django_python("==6.0.4") == ">=3.12"
    assert interpreters.django_python(">=5.2,<6") == ">=3.10"
    assert interpreters.django_python("~=3.2.0") == ">=3.6,<3.11"
    assert interpreters.django_python("") is None
    want = interpreters.wanted("", "", "==6.0.4")
    assert want.spec == ">=3.12" and "Django==6.0.4" in want.why
    pinned = interpreters.wanted("3.12.6", ".python-version", "==6.0.4")
    assert (pinned.spec, pinned.prefer) == ("3.12", "3.12.6")  # the project's file wins


def test_a_shim_that_does_not_run_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shims = tmp_path / "shims"
    shims.mkdir()
    broken = shims / "python3.99"
    broken.write_text("#!/bin/sh\necho 'pyenv: python3.99: command not found' >&2\nexit 127\n")
    broken.chmod(0o755)
    real = shims / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    real.symlink_to(sys.executable)
    monkeypatch.setenv("PATH", str(shims))
    monkeypatch.setenv("HOME", str(tmp_path))  # no pyenv/asdf/mise/uv folders here
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "none"))
    assert interpreters.version_of(str(broken)) is None
    mine = ".".join(map(str, sys.version_info[:3]))
    found, ran = interpreters.find(
        interpreters.wanted(f"{sys.version_info[0]}.{sys.version_info[1]}", "x", None)
    )
    assert found is not None and found.version == mine and Path(found.path).parent == shims
    nothing, ran = interpreters.find(interpreters.wanted("3.99", "x", None))
    assert nothing is None and mine in [i.version for i in ran]
    assert os.environ["PATH"] == str(shims)


def test_candidates_stop_being_run_once_the_first_on_path_fits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a preferred release, the first interpreter on PATH that fits is the answer: the
    candidates after it (slow pyenv-like shims here, each writing a line when it runs) are not
    all run. A few may have started beside it (interpreters.AT_ONCE run at a time)."""
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    (first / f"python{sys.version_info[0]}.{sys.version_info[1]}").symlink_to(sys.executable)
    log = tmp_path / "ran.log"
    for minor in range(20, 30):
        shim = later / f"python3.{minor}"
        shim.write_text(f"#!/bin/sh\necho {minor} >> {log}\n/bin/sleep 1\nexit 127\n")
        shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{first}{os.pathsep}{later}")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "none"))
    found, ran = interpreters.find(
        interpreters.wanted(f"{sys.version_info[0]}.{sys.version_info[1]}", "x", None)
    )
    assert found is not None and Path(found.path).parent == first and len(ran) == 1
    started = log.read_text().split() if log.exists() else []
    assert len(started) <= interpreters.AT_ONCE, started  # not the ten of them
