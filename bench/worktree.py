"""A second checkout: a fresh first run against `git worktree add` + `devkit up`. Not a test.

    .venv/bin/python bench/worktree.py [--rounds 3] [--only example|corpus] [--out DIR]
    .venv/bin/python bench/worktree.py --mechanisms [--tenants 50]    (docs/worktrees.md)

Projects: examples/tenant-demo, and the corpus project sebanovo__devcontainer (a Vite frontend
whose `npm ci` takes most of its first run), each a git repository with devkit's configuration
committed (after `devkit init` for the corpus project), as a team has it.

Per project, in OUT (default /tmp/devkit-bench-worktree), on the same machine with the same warm
caches (pip, uv, npm): one first run not measured (it warms the caches), then --rounds fresh
first runs, each in a new copy; the last copy is the source. A psycopg connection is opened on
the source and held. Then --rounds times: `git worktree add wt-N` + `devkit up --no-input` in it,
timed together. Each branch is checked in PostgreSQL: the tenant rows and the user rows (tables
named by the source's facts) equal the source's; the source's postmaster PID is unchanged; the
held connection is the same backend and still answers. Nothing is deleted until the end: on this
machine's ext4 without a journal, files created within 5 minutes of a large deletion are slower
(bench/tenants.py's docstring). Times are medians of the rounds.

Beside each time, the machine's busy CPU seconds while it ran (all processes: /proc/stat's user,
nice, system, irq, softirq and steal; the source's server included), and what that CPU allows at
best on this machine's cores: busy CPU / cores, the wall time of perfectly parallel work. The
header says whether PYTHONDONTWRITEBYTECODE was set (container images often set it: then devkit
has uv byte-compile what it installs, and Python never caches a .pyc itself).

Goal (issue 28): the branch green in <= 5 s and >= 5x faster than the fresh first run.

--mechanisms compares ways to copy the source's database into a cluster of the new checkout's own,
on the example with --tenants development tenants (and with 2), the source's server running with
a connection held open: pg_basebackup (devkit's), pg_dump -Fc + pg_restore -j into a new initdb,
a file copy of a stopped cluster (cp --reflink=auto), and CREATE DATABASE ... TEMPLATE in the
source's server (refused while a connection is open: it is timed on a server without sessions).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.corpus import DEFAULT_CORPUS, as_cloned, clean_env  # noqa: E402
from tests.support.project import copy_example, pin_provider, stop_native  # noqa: E402

DEVKIT = REPO / ".venv" / "bin" / "devkit"
GIT = [
    "git",
    "-c",
    "user.name=bench",
    "-c",
    "user.email=bench@devkit.invalid",
    "-c",
    "init.defaultBranch=main",
]
CORPUS_PROJECT = "sebanovo__devcontainer"


def sh(argv: list[str], cwd: Path = REPO, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        argv, cwd=cwd, env=clean_env(), capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, argv))} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


def devkit(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return sh([str(DEVKIT), "--project", str(project), *args], check=check)


def busy_cpu() -> float:
    """Seconds of CPU the whole machine has spent busy since boot (/proc/stat, every core)."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def up(project: Path) -> tuple[float, dict[str, Any]]:
    """`devkit up --no-input --json`, timed as the person waits for it."""
    started = time.monotonic()
    done = devkit(project, "up", "--no-input", "--json", check=False)
    seconds = time.monotonic() - started
    envelope = json.loads(done.stdout or "{}")
    if done.returncode != 0:
        raise SystemExit(f"devkit up in {project} failed:\n{done.stderr[-3000:]}")
    return seconds, envelope


def commit_all(project: Path, message: str) -> None:
    sh(["git", "add", "-A"], project)
    if sh(["git", "diff", "--cached", "--quiet"], project, check=False).returncode != 0:
        sh([*GIT, "commit", "-qm", message], project)


def new_copy(kind: str, dest: Path) -> Path:
    """A new copy of the project as a git repository with devkit's configuration committed."""
    if kind == "example":
        copy_example(dest)
        pin_provider(dest, "native")
        sh([*GIT, "init", "-q"], dest)
    else:
        shutil.copytree(DEFAULT_CORPUS / CORPUS_PROJECT, dest, symlinks=True)
        as_cloned(dest)
        sh([*GIT, "init", "-q"], dest)
        commit_all(dest, "the project")
        devkit(dest, "init", "--no-input")
    commit_all(dest, "devkit's configuration")
    return dest


def url_of(project: Path) -> str:
    return devkit(project, "db", "url").stdout.strip()


def postmaster_pid(project: Path) -> int:
    data_dir = json.loads((project / ".devkit" / "state.json").read_text())["native"]["data_dir"]
    return int((Path(data_dir) / "postmaster.pid").read_text().split("\n", 1)[0])


def rows(project: Path) -> tuple[list[Any], list[Any]]:
    """The tenant rows and the user rows, from the tables the project's facts name."""
    facts = json.loads((project / ".devkit" / "facts.json").read_text())["facts"]
    public = facts["public_schema"]
    tenant, user = facts["tenant_model"]["table"], facts["user_model"]["table"]
    with psycopg.connect(url_of(project)) as db:
        tenants = db.execute(f'SELECT * FROM "{public}"."{tenant}" ORDER BY 1').fetchall()
        users = db.execute(f'SELECT * FROM "{public}"."{user}" ORDER BY 1').fetchall()
    return tenants, users


@dataclass
class Outcome:
    project: str
    fresh: list[float] = field(default_factory=list)
    branch: list[float] = field(default_factory=list)
    fresh_cpu: list[float] = field(default_factory=list)
    branch_cpu: list[float] = field(default_factory=list)
    steps: dict[str, list[float]] = field(default_factory=dict)
    rows_equal: bool = True
    pid_kept: bool = True
    held_ok: bool = True
    details: list[str] = field(default_factory=list)


def measure(kind: str, out: Path, rounds: int) -> Outcome:
    base = out / kind
    base.mkdir(parents=True, exist_ok=True)
    outcome = Outcome("examples/tenant-demo" if kind == "example" else CORPUS_PROJECT)
    source = Path()
    for number in range(rounds + 1):  # the first one warms the caches and is not counted
        source = new_copy(kind, base / f"fresh-{number}")
        cpu = busy_cpu()
        seconds, _envelope = up(source)
        if number:
            outcome.fresh.append(seconds)
            outcome.fresh_cpu.append(busy_cpu() - cpu)
        print(f"  {kind}: fresh first run {number}: {seconds:.1f}s", file=sys.stderr)
    commit_all(source, "devkit's configuration as the first run completed it")
    pid = postmaster_pid(source)
    held = psycopg.connect(url_of(source), autocommit=True)
    backend = held.execute("SELECT pg_backend_pid()").fetchone()
    expected = rows(source)
    for number in range(rounds):
        worktree = base / f"wt-{number}"
        started, cpu = time.monotonic(), busy_cpu()
        sh([*GIT, "worktree", "add", "-q", str(worktree)], source)
        _seconds, envelope = up(worktree)
        outcome.branch.append(time.monotonic() - started)
        outcome.branch_cpu.append(busy_cpu() - cpu)
        for step in envelope["steps"]:
            outcome.steps.setdefault(step["name"], []).append(step["seconds"])
        if number == 0:
            outcome.details = [f"{s['name']}: {s['detail']}" for s in envelope["steps"]]
        outcome.rows_equal &= rows(worktree) == expected
        outcome.pid_kept &= postmaster_pid(source) == pid
        outcome.held_ok &= held.execute("SELECT pg_backend_pid()").fetchone() == backend
        print(f"  {kind}: worktree branch {number}: {outcome.branch[-1]:.1f}s", file=sys.stderr)
    held.close()
    return outcome


def report(outcomes: list[Outcome]) -> str:
    cores = os.cpu_count() or 1
    bytecode = os.environ.get("PYTHONDONTWRITEBYTECODE")
    times = [
        "| project | fresh first run | worktree add + up | faster | goal (<= 5 s, >= 5x) "
        "| tenant + user rows equal | source PID unchanged | held connection |",
        "| --- | ---: | ---: | ---: | --- | --- | --- | --- |",
    ]
    cpu_rows = [
        "| project | fresh: wall / busy CPU | branch: wall / busy CPU | branch at best (CPU / cores) "
        "| 5x needs the branch within |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    yes = {True: "yes", False: "NO"}
    for o in outcomes:
        fresh, branch = statistics.median(o.fresh), statistics.median(o.branch)
        ratio = fresh / branch
        goal = "met" if branch <= 5 and ratio >= 5 else "not met"
        times.append(
            f"| {o.project} | {fresh:.1f} s | {branch:.1f} s | {ratio:.1f}x | {goal} | {yes[o.rows_equal]} "
            f"| {yes[o.pid_kept]} | {yes[o.held_ok]} (same backend) |"
        )
        cpu = statistics.median(o.branch_cpu)
        cpu_rows.append(
            f"| {o.project} | {fresh:.1f} s / {statistics.median(o.fresh_cpu):.1f} s "
            f"| {branch:.1f} s / {cpu:.1f} s | {cpu / cores:.2f} s | {fresh / 5:.2f} s |"
        )
    lines = [f"{cores} cores; PYTHONDONTWRITEBYTECODE {'set' if bytecode else 'not set'}", "", *times, ""]
    lines += cpu_rows
    lines.append("")
    for o in outcomes:
        each = ", ".join(f"{name} {statistics.median(v):.2f}" for name, v in o.steps.items())
        lines.append(f"{o.project}: rounds fresh {_list(o.fresh)}, branch {_list(o.branch)}")
        lines.append(f"  branch steps (median s): {each}")
        lines += [f"  {d}" for d in o.details]
    return "\n".join(lines)


def _list(values: list[float]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def teardown(out: Path) -> None:
    for state in sorted(out.glob("*/*/.devkit/state.json")):
        stop_native(state.parent.parent)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["example", "corpus"], action="append")
    parser.add_argument("--out", type=Path, default=Path("/tmp/devkit-bench-worktree"))
    parser.add_argument("--mechanisms", action="store_true", help="compare the ways to copy the database")
    parser.add_argument("--tenants", type=int, default=50)
    args = parser.parse_args()
    if args.out.exists():
        teardown(args.out)
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    args.out.chmod(0o755)  # the postgres user enters it
    os.environ["DEVKIT_STATE_HOME"] = str(args.out / "machine-state")  # the bench's own registry
    if args.mechanisms:
        from bench.worktree_mechanisms import compare

        try:
            print(compare(args.out, args.tenants, args.rounds))
        finally:
            teardown(args.out)
        return
    try:
        outcomes = [measure(kind, args.out, args.rounds) for kind in (args.only or ["example", "corpus"])]
    finally:
        teardown(args.out)
    print(report(outcomes))


if __name__ == "__main__":
    main()
