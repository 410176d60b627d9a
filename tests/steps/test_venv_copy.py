"""A venv made from another checkout's works at its own path and shares no file with it.

A real venv (uv, packages from uv's cache or the index), a real copy, its own interpreter run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from devkit.steps.branched import venv_copy
from devkit.steps.uv_tool import find_uv


def _source_venv(checkout: Path) -> Path:
    uv = find_uv()
    venv = checkout / ".venv"
    subprocess.run([uv, "venv", "-q", "--python", "python3", str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(venv / "bin/python"), "pip", "sqlparse"], check=True
    )
    site = next(venv.glob("lib/python*/site-packages"))
    (checkout / "src").mkdir()
    (checkout / "src" / "localpkg.py").write_text("WHERE = 'source'\n")
    (site / "__editable__.localpkg.pth").write_text(f"{checkout / 'src'}\n")  # an editable install
    (venv / "share" / "doc").mkdir(parents=True)
    (venv / "share" / "doc" / "README").write_text("data files\n")
    return venv


def test_the_copy_runs_from_its_own_path(reachable_tmp: Path) -> None:
    source = _source_venv(reachable_tmp / "main")
    here = reachable_tmp / "wt"
    (here / "src").mkdir(parents=True)
    (here / "src" / "localpkg.py").write_text("WHERE = 'branch'\n")
    (here / ".devkit").mkdir()
    base = venv_copy.base_interpreter(source)
    assert base is not None and not base.is_relative_to(source)

    venv = here / ".venv"
    venv_copy.copy_venv(source, venv, base, find_uv(), here / ".devkit", (source.parent, here))

    code = "import sys, sqlparse, localpkg; print(sys.prefix, localpkg.WHERE)"
    ran = subprocess.run([venv / "bin/python", "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout.split() == [str(venv), "branch"]
    script = (venv / "bin" / "sqlformat").read_text()
    assert script.startswith(f"#!{venv}/bin/python"), script.splitlines()[0]
    assert subprocess.run([venv / "bin/sqlformat", "--version"], capture_output=True).returncode == 0
    assert f"VIRTUAL_ENV='{venv}'" in (venv / "bin" / "activate").read_text()
    assert (venv / "share" / "doc" / "README").is_file()
    assert (venv / ".devkit-venv").is_file()
    assert not (here / ".devkit" / "venv-creating").exists()

    # No file is shared with the source (uv hard-links its cache into the source venv).
    module = next(venv.glob("lib/python*/site-packages/sqlparse/__init__.py"))
    theirs = next(source.glob("lib/python*/site-packages/sqlparse/__init__.py"))
    assert module.stat().st_nlink == 1 and module.stat().st_ino != theirs.stat().st_ino
    source_pth = next(source.glob("lib/python*/site-packages/__editable__.localpkg.pth"))
    assert source_pth.read_text() == f"{source.parent / 'src'}\n"


def test_a_venv_with_its_own_copy_of_python_is_not_copied(reachable_tmp: Path) -> None:
    venv = reachable_tmp / "copies"
    subprocess.run(["python3", "-m", "venv", "--copies", "--without-pip", str(venv)], check=True)
    assert venv_copy.base_interpreter(venv) is None
    assert os.path.realpath(venv / "bin" / "python").startswith(str(venv))
