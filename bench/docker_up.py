"""Benchmark the Docker provider: container start -> ready, and a warm `devkit up`. Not a test.

    export "$(tests/support/docker_engine/up.sh)"
    .venv/bin/python bench/docker_up.py [--warm-runs 10] [--no-baseline]

Measures, with the engine at DOCKER_HOST and the image devkit-test/postgres:15:
  start -> ready   ensure() (create/start) plus the host-side wait, in-process, for a first start
                   on an empty volume (initdb and the image's socket-only init server included),
                   a restart of a stopped container, and a new container on the existing volume
  devkit warm      `devkit up --no-input` on an example copy whose container is running
                   (median of N, the full pipeline: nothing to do)
  script warm      the old post-create script (bench/up.py's old_script) against the same
                   container, for the ratio. Targets (issue 3, item 10): warm <= 0.5 s and >= 10x.
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.up import devkit_up, old_script  # noqa: E402
from devkit.config.loading import load  # noqa: E402
from devkit.core.state import Secrets, State  # noqa: E402
from devkit.database.docker import DockerPostgres  # noqa: E402
from devkit.database.wait import wait_for_postgres  # noqa: E402
from tests.support.project import copy_example, pin_provider  # noqa: E402

IMAGE = "devkit-test/postgres:15"


def docker_copy(dest: Path) -> Path:
    project = copy_example(dest)
    pin_provider(project, "docker")
    path = project / "devkit.toml"
    path.write_text(path.read_text().replace("[database]\n", f'[database]\nimage = "{IMAGE}"\n', 1))
    return project


def provider(project: Path) -> DockerPostgres:
    config = load(project)
    config.state_dir.mkdir(parents=True, exist_ok=True)
    return DockerPostgres(config, State(config.state_dir), Secrets(config.state_dir))


def start_to_ready(pg: DockerPostgres) -> tuple[float, float]:
    """(seconds in ensure(), seconds of waiting) for one start."""
    started = time.perf_counter()
    conn = pg.ensure()
    ensured = time.perf_counter()
    wait_for_postgres(conn, timeout=60, owns_server=True, alive=pg.alive, log_tail=pg.log_tail)
    return ensured - started, time.perf_counter() - ensured


def container_timings(project: Path) -> dict[str, list[float]]:
    pg = provider(project)
    try:
        timings = {"first start (empty volume)": start_to_ready(pg)}
        pg.stop()
        timings["restart (stopped container)"] = start_to_ready(provider(project))
        pg._container_or_none().remove(force=True, v=True)
        timings["new container, existing volume"] = start_to_ready(provider(project))
    finally:
        provider(project).remove()
    return {name: [round(ensure, 3), round(wait, 3)] for name, (ensure, wait) in timings.items()}


def devkit_url(project: Path) -> str:
    argv = [sys.executable, "-m", "devkit", "db", "url", "--project", str(project)]
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()


def script_env(project: Path) -> dict[str, str]:
    """A database for the old script in devkit's container (the script never started a server)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    url = devkit_url(project)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP DATABASE IF EXISTS bench_script WITH (FORCE)")
        db.execute("CREATE DATABASE bench_script")
    info = conninfo_to_dict(url)
    return {
        "DB_NAME": "bench_script",
        "DB_USER": str(info["user"]),
        "DB_PASSWORD": str(info["password"]),
        "DB_HOST": str(info["host"]),
        "DB_PORT": str(info["port"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm-runs", type=int, default=10)
    parser.add_argument("--no-baseline", action="store_true", help="skip the old script")
    args = parser.parse_args()
    if not os.environ.get("DOCKER_HOST"):
        sys.exit('DOCKER_HOST is not set: export "$(tests/support/docker_engine/up.sh)"')
    work = Path(tempfile.mkdtemp(prefix="devkit-bench-docker-", dir="/tmp"))
    work.chmod(0o755)
    mine = docker_copy(work / "devkit")
    results: dict[str, object] = {}
    try:
        results["start_to_ready_s"] = container_timings(docker_copy(work / "timings"))
        results["devkit_cold_s"] = round(devkit_up(mine), 3)
        warm = [devkit_up(mine) for _ in range(args.warm_runs)]
        results["devkit_warm_runs_s"] = [round(w, 3) for w in warm]
        results["devkit_warm_median_s"] = round(statistics.median(warm), 3)
        if not args.no_baseline:
            theirs, env = copy_example(work / "script"), script_env(mine)
            old_script(theirs, env)  # fills the venv and node_modules: later runs are its "warm"
            script = statistics.median(old_script(theirs, env) for _ in range(3))
            results["script_warm_median_s"] = round(script, 3)
            results["warm_speedup"] = round(script / statistics.median(warm), 1)
    finally:
        provider(mine).remove()
        shutil.rmtree(work, ignore_errors=True)
    for name, (ensure, wait) in results["start_to_ready_s"].items():  # type: ignore[attr-defined]
        print(f"{name:<32} ensure {ensure:5.2f}s + wait {wait:5.2f}s = {ensure + wait:5.2f}s")
    median = results["devkit_warm_median_s"]
    print(
        f"devkit up cold {results['devkit_cold_s']:.2f}s; warm (median of {args.warm_runs}) "
        f"{median:.3f}s (target <= 0.5 s: {'met' if median <= 0.5 else 'MISSED'})"
    )  # type: ignore[operator]
    if "warm_speedup" in results:
        print(
            f"old script warm {results['script_warm_median_s']}s: devkit is "
            f"{results['warm_speedup']}x faster (target >= 10)"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
