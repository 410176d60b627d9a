"""Benchmark the python-deps step alone: devkit (uv) against `python -m venv` + `pip install -r`.

    .venv/bin/python bench/python_deps.py [--runs 2]

On the bench project (bench/bench_project.py: 51 pinned packages), both sides start from no
virtualenv each time, with their package caches warm (one untimed run each first):
  devkit (uv)   `devkit up --no-input --only python-deps` (venv + seeds + install + verify)
  venv + pip    `python -m venv .venv` + `.venv/bin/pip install -r requirements.txt`
Prints the medians and the ratio. Target (issue 13): devkit at least 8x faster. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_project import REPO, make_bench_project


def timed(argv: list[str | Path], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def pip_side(project: Path) -> float:
    venv = project / ".venv-pip"
    shutil.rmtree(venv, ignore_errors=True)
    python3 = shutil.which("python3") or sys.executable
    requirements = project / "backend" / "requirements.txt"
    return timed([python3, "-m", "venv", venv], project) + timed(
        [venv / "bin" / "pip", "install", "-q", "-r", requirements], project
    )


def devkit_side(project: Path) -> float:
    shutil.rmtree(project / ".venv", ignore_errors=True)  # devkit's own venv
    state = project / ".devkit" / "state.json"
    if state.exists():
        state.unlink()
    argv = [sys.executable, "-m", "devkit", "up", "--no-input", "--only", "python-deps", "--project", project]
    return timed(argv, REPO)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="devkit-bench-pydeps-", dir="/tmp"))
    try:
        project = make_bench_project(work / "project")
        pip_side(project), devkit_side(project)  # warm both caches (not timed)
        pip_runs = [pip_side(project) for _ in range(args.runs)]
        uv_runs = [devkit_side(project) for _ in range(args.runs)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pip_s, uv_s = statistics.median(pip_runs), statistics.median(uv_runs)
    ratio = pip_s / uv_s
    rows = [
        ("python -m venv + pip install -r", pip_s, pip_runs),
        ("devkit up --only python-deps (uv)", uv_s, uv_runs),
    ]
    print(f"{'python-deps, 51 pinned packages, warm caches':<40} {'median s':>9}  runs")
    for name, median, runs in rows:
        print(f"{name:<40} {median:>9.2f}  {', '.join(f'{r:.2f}' for r in runs)}")
    print(f"devkit (uv) is {ratio:.1f}x faster (target >= 8: {'met' if ratio >= 8 else 'MISSED'})")
    print(
        json.dumps(
            {
                "pip_median_s": round(pip_s, 3),
                "devkit_uv_median_s": round(uv_s, 3),
                "speedup": round(ratio, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
