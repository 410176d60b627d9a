"""Benchmark `devkit up` against the old post-create shell script, in one process. Not a test.

    .venv/bin/python bench/up.py [--warm-runs 5]

On two copies of the bench project (bench/bench_project.py: examples/tenant-demo with 51 pinned
packages and its real frontend) it measures, with the same warm pip/uv/npm caches:
  devkit cold   `devkit up --no-input` on a fresh copy (native PostgreSQL: initdb included)
  devkit warm   the same again, nothing changed (median of N)
  script cold   what the old script did, sequentially: python -m venv + pip install -r,
                npm ci, a "database wait" that boots Django (manage.py check), the four
                tenant commands (its database server already running: not counted)
  script warm   the same again (median of N)
  import floor  a python that only imports what `devkit up` imports (median of N)
and prints a table. Targets (issue 13): cold <= 0.35x the script's cold run; warm <= the import
floor + 0.15 s (issue 2: warm >= 10x faster than the script's warm run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_project import make_bench_project  # noqa: E402
from tests.support.postgres import Cluster, free_port  # noqa: E402
from tests.support.project import pin_provider, stop_native  # noqa: E402

OLD_SCRIPT_COMMANDS = [
    ["migrate_schemas", "--shared", "--fake-initial", "--noinput"],
    ["create_super_tenant", "--no-input"],
    ["migrate_schemas", "--tenant", "--noinput"],
    ["create_guest_tenant", "--no-input"],
]


def timed(argv: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        check=True,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def devkit_up(project: Path) -> float:
    return timed([sys.executable, "-m", "devkit", "up", "--no-input", "--project", project], REPO)


def imported_modules(project: Path) -> list[str]:
    """Top-level modules a warm `devkit up` imports (python -X importtime), devkit's own excluded."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "devkit", "up", "--no-input", "--project", str(project)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    names = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        name = line.rsplit("|", 1)[1]
        top_level = name.startswith(" ") and not name.startswith("  ")
        if (
            top_level
            and re.fullmatch(r"[A-Za-z_][\w.]*", name.strip())
            and not name.strip().startswith("devkit")
        ):
            names.append(name.strip())  # (the header line "imported package" does not match)
    return names


def import_floor(modules: list[str]) -> float:
    code = "\n".join(f"try:\n    import {m}\nexcept Exception:\n    pass" for m in modules)
    return timed([sys.executable, "-c", code], REPO)


def old_script(project: Path, db_env: dict[str, str]) -> float:
    """The replaced post-create script, step by step, each step unconditionally."""
    backend, venv = project / "backend", project / ".venv"
    python = venv / "bin" / "python"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, stdout=subprocess.DEVNULL)
    steps = [
        ([python, "-m", "pip", "install", "-q", "-r", backend / "requirements.txt"], project),
        (["npm", "ci", "--no-audit", "--no-fund"], project / "frontend"),
        ([python, "manage.py", "check"], backend),  # its "database wait": passes without a DB
        *[([python, "manage.py", *cmd], backend) for cmd in OLD_SCRIPT_COMMANDS],
    ]
    for argv, cwd in steps:
        subprocess.run(
            [str(a) for a in argv],
            cwd=cwd,
            check=True,
            env={**os.environ, **db_env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - started


def byte_compile_devkit() -> None:
    """devkit's own modules as an install has them: pip and uv byte-compile what they install,
    the editable checkout here does not (and PYTHONDONTWRITEBYTECODE keeps it so), which would
    charge devkit ~75 ms of compiling per run that no installed devkit pays. The import floor's
    modules are installed, hence compiled, already."""
    import compileall

    compileall.compile_dir(REPO / "devkit", quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm-runs", type=int, default=5)
    args = parser.parse_args()
    byte_compile_devkit()
    work = Path(tempfile.mkdtemp(prefix="devkit-bench-", dir="/tmp"))
    work.chmod(0o755)
    cluster = Cluster(work / "pg", free_port())
    mine = make_bench_project(work / "devkit")
    theirs = make_bench_project(work / "script")
    pin_provider(mine, "native")
    try:
        cluster.init().start()
        cluster.sql("CREATE DATABASE bench_script")
        db_env = {
            "DB_NAME": "bench_script",
            "DB_USER": "admin",
            "DB_PASSWORD": cluster.password,
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(cluster.port),
        }
        # Warm the shared pip/npm caches first so that neither side pays for downloads.
        warmup = make_bench_project(work / "warmup")
        old_script(warmup, db_env)
        pin_provider(warmup, "native")
        devkit_up(warmup)  # and uv's cache, as the "warm package caches" says
        stop_native(warmup)
        cluster.sql("DROP DATABASE bench_script WITH (FORCE)")
        cluster.sql("CREATE DATABASE bench_script")

        script_cold = old_script(theirs, db_env)
        print(f"(script cold {script_cold:.2f}s)", flush=True)
        script_warm = statistics.median(old_script(theirs, db_env) for _ in range(args.warm_runs))
        print(f"(script warm {script_warm:.2f}s)", flush=True)
        devkit_cold = devkit_up(mine)
        print(f"(devkit cold {devkit_cold:.2f}s)", flush=True)
        warm = [devkit_up(mine) for _ in range(args.warm_runs)]
        devkit_warm = statistics.median(warm)
        print(f"(devkit warm {devkit_warm:.3f}s)", flush=True)
        modules = imported_modules(mine)
        floor = statistics.median(import_floor(modules) for _ in range(args.warm_runs))
    finally:
        stop_native(mine)
        cluster.stop()
    cold_ratio = devkit_cold / script_cold
    results = {
        "devkit_cold_s": round(devkit_cold, 3),
        "devkit_warm_median_s": round(devkit_warm, 3),
        "devkit_warm_runs_s": [round(w, 3) for w in warm],
        "script_cold_s": round(script_cold, 3),
        "script_warm_median_s": round(script_warm, 3),
        "import_floor_s": round(floor, 3),
        "cold_ratio_devkit_over_script": round(cold_ratio, 3),
        "warm_over_floor_s": round(devkit_warm - floor, 3),
        "warm_speedup_script_over_devkit": round(script_warm / devkit_warm, 1),
    }
    rows = [
        ("devkit up, cold (empty devkit state)", devkit_cold),
        ("old post-create script, cold", script_cold),
        (f"devkit up, warm (median of {args.warm_runs})", devkit_warm),
        (f"old script, warm (median of {args.warm_runs})", script_warm),
        (f"import floor ({len(modules)} modules `up` imports)", floor),
    ]
    print(f"{'bench project (51 pinned packages + frontend)':<48} {'seconds':>8}")
    for name, seconds in rows:
        print(f"{name:<48} {seconds:>8.2f}")
    verdict = "met" if cold_ratio <= 0.35 else "MISSED"
    print(f"cold: devkit takes {cold_ratio:.2f}x the script's time (target <= 0.35: {verdict})")
    verdict = "met" if devkit_warm <= floor + 0.15 else "MISSED"
    print(
        f"warm: {devkit_warm:.3f}s = import floor {floor:.3f}s + {devkit_warm - floor:.3f}s "
        f"(target <= +0.15: {verdict})"
    )
    print(f"warm: devkit is {script_warm / devkit_warm:.1f}x faster than the script's warm run")
    print(json.dumps(results))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
