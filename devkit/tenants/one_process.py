"""Consecutive actions of the tenant sequence in one Django process (`tenants.one_process`, the
default): Django boots once instead of once per command (about 1.2 s each on a project with 50
packages), and each action keeps its own log, exit code, failure explanation and live line.

devkit/project/probe/sequence.py runs the actions; its output is one stream (stdout and stderr in order)
framed by marker lines, split here into the per-action logs `tenants-NN-<key>.log`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devkit.core import activity, proc
from devkit.core.errors import StepFailed
from devkit.core.masking import mask
from devkit.project.django import PROBES, Django
from devkit.tenants.actions import Action, describe

MARK = "@@devkit-action@@"


@dataclass
class Segment:
    """One action's part of the process's output."""

    lines: list[str]
    code: int | None = None  # None: the process ended before the action did
    seconds: float = 0.0


def split(output: str) -> dict[int, Segment]:
    """{action number: its output and end}, from the marker-framed stream."""
    segments: dict[int, Segment] = {}
    current: Segment | None = None
    for line in output.splitlines():
        if not line.startswith(MARK):
            if current is not None:
                current.lines.append(line)
            continue
        words = line.split()
        if words[1] == "begin":
            current = segments[int(words[2])] = Segment([])
        elif words[1] == "end" and current is not None:
            current.code, current.seconds = int(words[3]), float(words[4])
            current = None
    return segments


def run(
    django: Django,
    numbered: list[tuple[int, Action]],
    plans: dict[int, dict[str, Any]],
    env: dict[str, str],
    report: Callable[[str], None],
    total: int,
    finish: Callable[[int, str], str],
) -> list[str]:
    """Run the actions in order in one process: a project command by its argv, devkit's own
    creation by its plan (`plans`, with the variables it needs in `env`). finish(number, output)
    records each action that succeeded, in order, and gives its outcome; the first failure is
    raised, explained, with its log."""
    if not numbered:
        return []
    payload = [
        {"number": n, "argv": list(a.argv)} if a.argv else {"number": n, "plan": plans[n]}
        for n, a in numbered
    ]
    actions = dict(numbered)
    current: dict[str, Any] = {"report": None}

    def on_line(line: str) -> None:  # the reader thread: which action runs, and what it does
        if line.startswith(MARK):
            words = line.split()
            if words[1] == "begin":
                number = int(words[2])
                what = f"{describe(actions[number])} ({number}/{total})"
                report(what)
                current["report"] = activity.reporter(what, report)  # the count stays in view
        elif current["report"] is not None:
            current["report"](line)

    first, last = numbered[0][0], numbered[-1][0]
    process_log = django.logs() / f"tenants-{first:02d}-{last:02d}-process.log"
    done = django.run(
        "sequence.py",
        {**env, "DEVKIT_SEQUENCE": json.dumps(payload), "DEVKIT_TENANTS_SCRIPT": str(PROBES / "tenants.py")},
        log=process_log,
        hint="Django could not start for the tenant sequence: see the log",
        check=False,
        on_line=on_line,
    )
    segments = split(done.stdout)
    outcomes: list[str] = []
    for number, action in numbered:
        segment = segments.get(number)
        if segment is None:
            break
        output = "\n".join(segment.lines) + ("\n" if segment.lines else "")
        code = segment.code if segment.code is not None else (done.returncode or 1)
        log = django.logs() / f"tenants-{number:02d}-{action.key}.log"
        argv = command_line(django, action)
        log.write_text(
            mask(
                f"$ {' '.join(argv)}\n"
                f"# exit {code} after {segment.seconds:.2f}s, in one Django process with the "
                f"sequence's other actions (tenants.one_process)\n--- output ---\n{output}"
            )
        )
        explained = [line[len("devkit: ") :] for line in segment.lines if line.startswith("devkit: ")]
        if code != 0 and explained and not action.argv:
            raise StepFailed(
                f"devkit's own creation for tenants.{action.key} stopped: {explained[-1]}",
                hint=f"make the change it names, then devkit up (full log: {log})",
            )
        if code != 0:
            hint = (
                f"the command configured as tenants.{action.key} failed: see its log"
                if action.argv
                else f"devkit's own creation for tenants.{action.key} failed: see its log"
            )
            raise django.explain(proc.CommandFailed(argv, code, output, hint=hint, log=log))
        outcomes.append(finish(number, output))
    if len(outcomes) < len(numbered):  # Django did not start, or died between two actions
        raise django.explain(
            proc.CommandFailed(
                done.argv,
                done.returncode or 1,
                done.stdout + done.stderr,
                hint="Django could not start for the tenant sequence: see the log",
                log=process_log,
            )
        )
    return outcomes


def command_line(django: Django, action: Action) -> list[str]:
    """The command line the action stands for (a builtin one: devkit's probe, named)."""
    python, manage = str(django.python), str(django.config.path(django.config.manage_py))
    if action.argv:
        return [python, manage, *action.argv]
    return [python, manage, "shell", f"(devkit builtin tenants.{action.key})"]
