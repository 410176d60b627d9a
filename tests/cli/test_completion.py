"""Shell completion (issue 26 #18): typer's --install-completion / --show-completion for bash, zsh
and fish, and what devkit completes: step names, snapshot names, tenant schemas. The real CLI in a
subprocess, driven the way each shell's script drives it (the variables the script sets)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.project import REPO, copy_example, devkit

DEVKIT = str(REPO / ".venv" / "bin" / "devkit")


def complete_bash(words: str, cwd: Path | None = None) -> tuple[int, list[str]]:
    """What the bash script gets back for the command line `words` (completing its last word)."""
    parts = words.split(" ")
    ran = subprocess.run(
        [sys.executable, "-m", "devkit"],
        env={
            **os.environ,
            "_DEVKIT_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
        },
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )
    return ran.returncode, [line for line in ran.stdout.splitlines() if line]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_each_shells_script(shell: str) -> None:
    ran = subprocess.run(
        [DEVKIT, "--show-completion", shell],
        env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    assert f"_DEVKIT_COMPLETE=complete_{shell}" in ran.stdout


def test_install_completion_detects_bash_and_writes_into_home(tmp_path: Path) -> None:
    """Run from a real bash (the shell is detected from the parent process), HOME a temp folder."""
    ran = subprocess.run(
        ["bash", "-c", f"{DEVKIT} --install-completion"],
        env={**os.environ, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "bash completion installed" in ran.stdout
    script = tmp_path / ".bash_completions" / "devkit.sh"
    assert "_DEVKIT_COMPLETE=complete_bash" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()


def test_step_names_complete_for_only_skip_and_force() -> None:
    steps = ["database", "python-deps", "node-deps", "env", "tenants", "docs"]
    for option in ("--only", "--skip", "--force"):
        code, offered = complete_bash(f"devkit up {option} ")
        assert code == 0 and offered == steps, (option, offered)
    assert complete_bash("devkit up --skip py")[1] == ["python-deps"]
    # zsh and fish scripts pass the line in _TYPER_COMPLETE_ARGS
    for shell, extra in (("zsh", {}), ("fish", {"_TYPER_COMPLETE_FISH_ACTION": "get-args"})):
        ran = subprocess.run(
            [sys.executable, "-m", "devkit"],
            env={
                **os.environ,
                **extra,
                "_DEVKIT_COMPLETE": f"complete_{shell}",
                "_TYPER_COMPLETE_ARGS": "devkit up --only te",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ran.returncode == 0 and "tenants" in ran.stdout, (shell, ran.stdout, ran.stderr)


def test_snapshot_and_tenant_completion_start_nothing_without_a_server(reachable_tmp: Path) -> None:
    project = copy_example(reachable_tmp / "tenant-demo")
    for words in (
        f"devkit --project {project} db snapshot restore ",
        f"devkit tenants rm --project {project} ",
    ):
        code, offered = complete_bash(words)
        assert (code, offered) == (0, []), words
    assert not (project / ".devkit").exists()  # nothing created, nothing started
    # Outside any project: no suggestion, no error text in the command line.
    code, offered = complete_bash("devkit db snapshot rm ", cwd=reachable_tmp)
    assert (code, offered) == (0, [])


@pytest.mark.e2e
def test_snapshot_names_and_devkits_tenants_complete_from_the_running_database(example: Path) -> None:
    ran = devkit("up", "--no-input", "--skip", "node-deps", project=example)
    assert ran.code == 0, ran.text
    for args in (("db", "snapshot", "save", "before-demo"), ("tenants", "add", "acme")):
        made = devkit(*args, "--no-input", project=example)
        assert made.code == 0, made.text
    assert complete_bash(f"devkit --project {example} db snapshot restore ")[1] == ["before-demo"]
    assert complete_bash(f"devkit --project {example} db snapshot rm bef")[1] == ["before-demo"]
    assert complete_bash(f"devkit --project {example} tenants rm ")[1] == ["acme"]  # devkit's only
    stopped = devkit("down", project=example)
    assert stopped.code == 0, stopped.text
    assert complete_bash(f"devkit --project {example} db snapshot restore ")[1] == []
    assert not (example / ".devkit" / "postgres" / "data" / "postmaster.pid").exists()  # not started
