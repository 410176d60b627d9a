"""`--json` on every exit code: a non-zero exit always carries the error object; a failed step's
error is also at the top level (docs/contract.md). Real CLI, real processes, no mocks."""

from __future__ import annotations

import fcntl
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.project import devkit

KEYS = {"type", "message", "hint", "details"}


def envelope(out: str, code: int) -> dict[str, Any]:
    doc = json.loads(out)
    assert doc["exit_code"] == code and doc["ok"] is (code == 0)
    if code == 0:
        assert doc["error"] is None
    else:
        assert set(doc["error"]) == KEYS and doc["error"]["message"]
    return doc


def project(tmp_path: Path, toml: str = "", files: dict[str, str] | None = None) -> Path:
    (tmp_path / "manage.py").write_text("")
    (tmp_path / "devkit.toml").write_text(toml)
    for rel, text in (files or {}).items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_exit_0(tmp_path: Path) -> None:
    ran = devkit("config", "--json", project=project(tmp_path))
    envelope(ran.out, 0)


def test_exit_1_failed_step_error_at_top_level(tmp_path: Path) -> None:
    """npm refuses an out-of-sync lockfile: the step's error is the envelope's error too."""
    package = {"name": "web", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}}
    root_package = {"": {"name": "web", "version": "1.0.0"}}
    lock = {
        "name": "web",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": root_package,
    }
    files = {"web/package.json": json.dumps(package), "web/package-lock.json": json.dumps(lock)}
    root = project(tmp_path, '[node]\ndir = "web"\n', files)
    ran = devkit("up", "--only", "node-deps", "--json", project=root)
    assert ran.code == 1, ran.text
    doc = envelope(ran.out, 1)
    failed = next(s for s in doc["steps"] if s["status"] == "failed")
    assert doc["error"] == failed["error"]
    assert "in sync" in doc["error"]["details"] and "Usage:" not in doc["error"]["details"]


def test_exit_1_without_a_step(tmp_path: Path) -> None:
    ran = devkit("health", "--json", "--max-attempts", "1", f"http://127.0.0.1:{closed_port()}/")
    doc = envelope(ran.out, 1)
    assert doc["error"]["type"] == "check" and "refused" in doc["error"]["message"]


def test_exit_2_bad_option_and_bad_config(tmp_path: Path) -> None:
    ran = devkit("up", "--json", "--bogus", project=project(tmp_path))
    assert envelope(ran.out, 2)["error"]["type"] == "usage"
    ran = devkit("config", "--json", project=project(tmp_path, "database = 5\n"))
    assert envelope(ran.out, 2)["error"]["type"] == "config"


def test_exit_3_database_unreachable(tmp_path: Path) -> None:
    root = project(tmp_path, '[database]\nprovider = "external"\nwait_timeout = 1.0\n[node]\ndir = ""\n')
    url = f"postgresql://app:secretpw1@127.0.0.1:{closed_port()}/app"
    ran = devkit("up", "--only", "database", "--json", project=root, env={"DATABASE_URL": url})
    doc = envelope(ran.out, 3)
    assert doc["error"]["type"] == "database"
    assert doc["error"] == next(s for s in doc["steps"] if s["name"] == "database")["error"]
    assert "secretpw1" not in ran.text


def test_exit_4_lock_held(tmp_path: Path) -> None:
    root = project(tmp_path, "lock_timeout = 0.2\n")
    (root / ".devkit").mkdir()
    with open(root / ".devkit" / "lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # this test process is "another devkit"
        ran = devkit("up", "--json", project=root)
    assert envelope(ran.out, 4)["error"]["type"] == "locked"


def test_exit_130_interrupted() -> None:
    port = closed_port()
    argv = [sys.executable, "-m", "devkit", "health", "--json", "--max-attempts", "50", "--delay", "5"]
    # A shell's background job (`.ci/run &` from a non-interactive shell) starts with SIGINT
    # ignored, and a child inherits that: give the child the default disposition itself.
    proc = subprocess.Popen(
        [*argv, f"http://127.0.0.1:{port}/"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler),
    )
    time.sleep(3)  # the first attempt failed; it sleeps before the next
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    doc = envelope(out, 130)
    assert doc["error"]["type"] == "interrupted" and "Traceback" not in err


@pytest.mark.parametrize("code", [0, 1, 2, 3, 4, 130])
def test_every_documented_exit_code_is_tested_here(code: int) -> None:
    names = " ".join(n for n in globals() if n.startswith("test_exit_"))
    assert f"test_exit_{code}" in names
