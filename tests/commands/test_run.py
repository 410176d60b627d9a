"""`devkit run` and `devkit shell` end to end: the real CLI on a real example (its venv, its native
PostgreSQL), real subprocesses, a real terminal through pexpect. Plus the env precedence of the
commands devkit itself runs (Context.command_env) and the env file parser."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.config import loading
from devkit.context import Context
from devkit.core.envfile import parse_values
from devkit.database.base import Connection
from tests.conftest import reachable_dir
from tests.support.project import copy_example, devkit, pin_provider, stop_native

DEVKIT = [sys.executable, "-m", "devkit"]


@pytest.fixture(scope="module")
def ready() -> Iterator[Path]:
    """One example copy brought up once for the module (the venv and the database it needs)."""
    base = reachable_dir("devkit-run-")
    project = copy_example(base / "tenant-demo")
    pin_provider(project, "native")
    ran = devkit("up", "--no-input", "--skip", "node-deps", project=project)
    assert ran.code == 0, ran.text
    env_file = project / ".env"
    # A user's own lines around devkit's block: one of them names a key devkit owns.
    env_file.write_text("MY_SECRET_KEY=from-env-file\nDB_NAME=users-stale-value\n" + env_file.read_text())
    yield project
    stop_native(project)
    shutil.rmtree(base, ignore_errors=True)


def _run(project: Path, *argv: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        [*DEVKIT, "--project", str(project), "run", "--", *argv],
        capture_output=True,
        text=True,
        cwd=cwd or project,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_env_file_parser_reads_what_dotenv_tools_read() -> None:
    text = '# c\nexport A=1\nB="x y\\"z"\nC=\'q # r\'\nD=plain # note\nnot an assignment\nE=\n'
    assert parse_values(text) == {"A": "1", "B": 'x y"z', "C": "q # r", "D": "plain", "E": ""}


def test_commands_devkit_runs_get_the_env_file_under_devkits_keys(reachable_tmp: Path) -> None:
    project = copy_example(reachable_tmp / "tenant-demo")
    (project / ".env").write_text("SECRET_KEY=users-line\nDB_HOST=stale\nDB_PORT=1\n")
    ctx = Context.create(loading.load(project))
    env = ctx.command_env()
    assert env["SECRET_KEY"] == "users-line"  # the user's line reaches the probe and tenant commands
    ctx.set_connection(Connection("127.0.0.1", 5999, "tenant_demo", "demo", "pw", "native"))
    env = ctx.command_env()
    assert (env["DB_HOST"], env["DB_PORT"], env["SECRET_KEY"]) == ("127.0.0.1", "5999", "users-line")


def test_run_on_a_stopped_database_says_so_and_starts_nothing(reachable_tmp: Path) -> None:
    project = copy_example(reachable_tmp / "tenant-demo")
    pin_provider(project, "native")
    ran = _run(project, "python", "-c", "print('ran')")
    assert ran.returncode == 3, ran.stdout + ran.stderr
    assert "not running" in ran.stdout + ran.stderr and "devkit up" in ran.stdout + ran.stderr
    assert "ran" not in ran.stdout
    assert not (project / ".devkit").exists()  # nothing created, nothing started


@pytest.mark.e2e
def test_run_sets_venv_env_file_and_devkits_keys_in_that_order(ready: Path) -> None:
    script = (
        "import os, sys; print(sys.prefix); "
        "print(*(os.environ.get(k, '-') for k in ('VIRTUAL_ENV', 'MY_SECRET_KEY', 'DB_NAME', 'DB_PORT')))"
    )
    ran = _run(ready, "python", "-c", script, env={"MY_SECRET_KEY": "from-process", "DB_PORT": "1"})
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr == ""  # no devkit output
    prefix, values = ran.stdout.splitlines()
    venv = str(ready / ".venv")
    assert Path(prefix).resolve() == Path(venv).resolve()
    virtual_env, secret, db_name, db_port = values.split()
    assert virtual_env == venv
    assert secret == "from-env-file"  # env file over the process environment
    assert db_name == "tenant_demo"  # devkit's block over the user's line for a key it owns
    assert db_port not in ("1", "-")


@pytest.mark.e2e
def test_run_without_the_venv_is_exit_3_and_runs_no_other_python(ready: Path) -> None:
    """Issue 26 #3: the database runs but the venv is gone: `python` on PATH would be the
    machine's (and fail with "Couldn't import Django"). devkit refuses before exec."""
    venv, aside = ready / ".venv", ready / ".venv-aside"
    venv.rename(aside)
    try:
        ran = _run(ready, "python", "-c", "import sys; print('ran', sys.prefix)")
        shell = subprocess.run(
            [*DEVKIT, "--project", str(ready), "--json", "shell"],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "SHELL": "/bin/sh"},
            timeout=120,
        )
    finally:
        aside.rename(venv)
    assert ran.returncode == 3, ran.stdout + ran.stderr
    assert not any(line.startswith("ran ") for line in ran.stdout.splitlines())  # nothing ran
    said = ran.stdout + ran.stderr
    assert "virtualenv .venv does not exist" in said and "devkit up" in said
    assert shell.returncode == 3, shell.stdout + shell.stderr
    error = json.loads(shell.stdout)["error"]
    assert error["type"] == "setup" and "devkit up" in error["hint"]
    # A venv folder without its interpreter (a half-made one) is refused the same way.
    python = venv / "bin" / "python"
    python.rename(python.with_name("python.aside"))
    try:
        half = _run(ready, "python", "-c", "print('ran')")
    finally:
        python.with_name("python.aside").rename(python)
    assert half.returncode == 3 and "has no usable bin/python" in half.stdout + half.stderr, half


@pytest.mark.e2e
def test_run_passes_the_exit_code_and_runs_manage_py_from_its_folder(ready: Path) -> None:
    assert _run(ready, "python", "-c", "raise SystemExit(7)").returncode == 7
    here = _run(ready, "python", "-c", "import os; print(os.getcwd())", cwd=ready / "frontend")
    assert Path(here.stdout.strip()) == (ready / "frontend").resolve()
    ran = _run(ready, "python", "manage.py", "shell", "-c", "import os; print(os.getcwd())")
    assert ran.returncode == 0, ran.stderr
    assert Path(ran.stdout.strip().splitlines()[-1]) == (ready / "backend").resolve()
    # A manage.py named from elsewhere is the one the user meant.
    ran = _run(ready, "python", "backend/manage.py", "check")
    assert ran.returncode == 0, ran.stderr
    # `manage.py …` from the project root: the project's manage.py, its shebang's python from the venv.
    ran = _run(ready, "manage.py", "shell", "-c", "import sys; print(sys.prefix)")
    assert ran.returncode == 0, ran.stderr
    assert Path(ran.stdout.strip().splitlines()[-1]).resolve() == (ready / ".venv").resolve()
    missing = _run(ready, "no-such-program-xyz")
    assert missing.returncode == 2 and "command not found" in missing.stdout + missing.stderr


@pytest.mark.e2e
def test_run_forwards_signals(ready: Path) -> None:
    script = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: (print('got', a[0], flush=True), sys.exit(42)))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [*DEVKIT, "--project", str(ready), "run", "--", "python", "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ready,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 42
    assert child.stdout.read().strip() == f"got {int(signal.SIGTERM)}"


@pytest.mark.e2e
def test_run_and_shell_keep_the_terminal(ready: Path) -> None:
    import pexpect

    probe = (
        "import sys; print(sys.stdin.isatty(), sys.stdout.isatty(), 'tty'); sys.exit(3 + (input() == 'x'))"
    )
    argv = ["-m", "devkit", "--project", str(ready), "run", "--", "python", "-c", probe]
    child = pexpect.spawn(sys.executable, argv, cwd=str(ready), timeout=60)
    child.expect_exact("True True tty")
    child.sendline("x")  # stdin is the terminal
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4

    shell = pexpect.spawn(
        sys.executable,
        ["-m", "devkit", "--project", str(ready), "shell"],
        cwd=str(ready),
        env={**os.environ, "SHELL": "/bin/sh", "PS1": "devkit-test$ "},
        timeout=60,
    )
    shell.expect_exact("devkit-test$ ")
    shell.sendline('printf \'OUT %s %s %s\\n\' "$VIRTUAL_ENV" "$MY_SECRET_KEY" "$DEVKIT_SHELL"')
    shell.expect(r"OUT (/\S+) (\S+) (/\S+)\r\n")
    venv, secret, inside = (g.decode() for g in shell.match.groups())
    assert (venv, secret) == (str(ready / ".venv"), "from-env-file")
    assert Path(inside) == ready.resolve()
    shell.sendline("exit 5")
    shell.expect(pexpect.EOF)
    shell.close()
    assert shell.exitstatus == 5
