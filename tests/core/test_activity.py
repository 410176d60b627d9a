"""The live line's "what it does now": real output lines of pip, uv, npm and migrate_schemas."""

from __future__ import annotations

import sys
from pathlib import Path

from devkit.core import activity, proc

PIP = """\
Collecting Django==4.2.16 (from -r requirements.txt (line 1))
  Using cached Django-4.2.16-py3-none-any.whl.metadata (4.1 kB)
Collecting asgiref<4,>=3.6.0 (from Django==4.2.16->-r requirements.txt (line 1))
  Downloading asgiref-3.8.1-py3-none-any.whl (23 kB)
Building wheels for collected packages: django-tenants
  Building wheel for django-tenants (pyproject.toml): started
Installing collected packages: sqlparse, asgiref, Django
Successfully installed Django-4.2.16 asgiref-3.8.1 sqlparse-0.5.1
"""
UV = """\
Resolved 12 packages in 310ms
Downloading pillow (4.3MiB)
 Downloaded pillow
Prepared 3 packages in 1.21s
Installed 12 packages in 24ms
 + django==4.2.16
"""
NPM = "\nadded 123 packages, and audited 124 packages in 3s\n\nfound 0 vulnerabilities\n"


def activities(text: str) -> list[str]:
    seen: list[str] = []
    on_line = activity.reporter("tool", seen.append)
    for line in text.splitlines():
        on_line(line)
    return seen


def test_pip_lines() -> None:
    assert activities(PIP) == [
        "tool: resolving 1 package: Django==4.2.16",
        "tool: using cached Django-4.2.16-py3-none-any.whl",
        "tool: resolving 2 packages: asgiref<4,>=3.6.0",
        "tool: downloading asgiref-3.8.1-py3-none-any.whl",
        "tool: building wheels for django-tenants",
        "tool: building a wheel for django-tenants",
        "tool: installing 3 packages",
    ]


def test_uv_and_npm_lines() -> None:
    assert activities(UV) == [
        "tool: resolved 12 packages",
        "tool: downloading pillow",
        "tool: prepared 3 packages",
        "tool: installed 12 packages",
    ]
    assert activities(NPM) == ["tool: added 123 packages"]


def test_migrate_schemas_lines() -> None:
    lines = """\
[standard:public] === Starting migration
[standard:public]   Applying customers.0001_initial... OK
[1/2 (50%) standard:guest] === Starting migration
[1/2 (50%) standard:guest]   Applying catalog.0001_initial...
[2/2 (100%) standard:shop] Running migrations:
"""
    assert activities(lines) == [
        "tool: public",
        "tool: public: applying customers.0001_initial",
        "tool: guest (1/2)",
        "tool: guest (1/2): applying catalog.0001_initial",
        "tool: shop (2/2)",
    ]


def test_proc_run_hands_each_line_over_as_it_comes_and_still_captures(tmp_path: Path) -> None:
    script = "import sys, time\nprint('one', flush=True)\ntime.sleep(0.2)\nprint('two', file=sys.stderr)\n"
    seen: list[str] = []
    done = proc.run([sys.executable, "-c", script], on_line=seen.append, log=tmp_path / "log")
    assert seen == ["one", "two"]
    assert (done.stdout, done.stderr, done.returncode) == ("one\n", "two\n", 0)
    assert "--- stdout ---\none\n" in (tmp_path / "log").read_text()
