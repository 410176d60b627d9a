"""Copies of the example project and the real devkit CLI run as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tenant-demo"
IGNORE = shutil.ignore_patterns(".venv", "node_modules", ".devkit", ".env", "__pycache__", "dist")


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def copy_example(dest: Path) -> Path:
    shutil.copytree(EXAMPLE, dest, ignore=IGNORE)
    return dest


def set_config(project: Path, text: str) -> None:
    """Append TOML to the copy's devkit.toml (tables must not repeat existing ones)."""
    path = project / "devkit.toml"
    path.write_text(path.read_text() + "\n" + text)


def pin_provider(project: Path, provider: str) -> None:
    """Tests pin their provider: a DOCKER_HOST or DATABASE_URL around them never changes it."""
    import re

    path = project / "devkit.toml"
    text, count = re.subn(r'(?m)^provider = "\w+"$', f'provider = "{provider}"', path.read_text())
    assert count == 1, "the example's devkit.toml should set database.provider once"
    path.write_text(text)


def devkit(
    *args: str,
    project: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 600,
) -> Ran:
    """Run the real CLI (python -m devkit) in a subprocess, no TTY, like a devcontainer hook."""
    argv = [sys.executable, "-m", "devkit", *args]
    if project is not None:
        argv += ["--project", str(project)]
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        cwd=project or REPO,
    )
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def stop_native(project: Path) -> None:
    """Stop a native cluster devkit started in `project`, by the PID in postmaster.pid."""
    import json
    import signal
    import time

    state = project / ".devkit" / "state.json"
    if not state.exists():
        return
    data_dir = json.loads(state.read_text()).get("native", {}).get("data_dir")
    pidfile = Path(data_dir) / "postmaster.pid" if data_dir else None
    if not pidfile or not pidfile.exists():
        return
    pid = int(pidfile.read_text().split("\n", 1)[0])
    try:
        os.kill(pid, signal.SIGINT)  # fast shutdown
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and pidfile.exists():
        time.sleep(0.05)


def db_url(project: Path) -> str:
    """The project's database URL as `devkit db url` prints it (the command must succeed)."""
    ran = devkit("db", "url", project=project)
    assert ran.code == 0, ran.text
    return ran.out.strip()


def sql(project: Path, query: str) -> list[tuple[Any, ...]]:
    """Rows of `query` on the project's database (autocommit; [] for a statement without rows)."""
    import psycopg

    with psycopg.connect(db_url(project), autocommit=True) as db:
        cur = db.execute(query)
        return cur.fetchall() if cur.description else []
