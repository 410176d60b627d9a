"""What an installer's output says the cause is (issue 25 #6): every cause it names, not the first.
The outputs are uv's own lines from a real corpus project's failed install (pyodbc without the
unixODBC headers, a Windows-only package in a requirements file frozen on Windows)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from devkit.steps.python_deps import install_failure

OUTPUT = """\
  \u00d7 Failed to build `twisted-iocpsupport==1.0.2`
      src/twisted_iocpsupport/iocpsupport.c:1210:10: fatal error: io.h: No such file or directory
  \u00d7 Failed to build `pyodbc==4.0.34`
      src/pyodbc.h:56:10: fatal error: sql.h: No such file or directory
      hint: This error likely indicates that you need to install a library that provides `sql.h`
"""


def test_each_cause_the_output_names_is_in_the_hint() -> None:
    src: Any = SimpleNamespace(path=Path("/p/requiriments.txt"))
    hint = install_failure(OUTPUT, src, None)  # type: ignore[arg-type]  # ctx: only the Python case reads it
    assert "twisted-iocpsupport exists for Windows only" in hint and "requiriments.txt" in hint
    assert "unixodbc-dev" in hint and "; and " in hint
    assert install_failure("sql.h: No such file or directory", src, None).count("unixodbc-dev") == 1  # type: ignore[arg-type]


UV_GIT = """\
   Updating https://github.com/o/heatmap.git (HEAD)
error: Git operation failed
  cause: failed to fetch into: /root/.cache/uv/git-v2/db/f9a96b685d966756
         fatal: unable to access 'https://github.com/o/heatmap.git/': Could not resolve host: github.com
"""


def test_a_git_requirement_that_cannot_be_fetched_is_named_from_uvs_output() -> None:
    src: Any = SimpleNamespace(path=Path("/p/requirements/development.txt"))
    hint = install_failure(UV_GIT, src, None)  # type: ignore[arg-type]
    assert "names https://github.com/o/heatmap.git, which cannot be fetched" in hint, hint
