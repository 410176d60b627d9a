"""How long `devkit doctor` takes on the example with a running database (target: <= 2 s).

Not a test: prints timings. Brings a copy of examples/tenant-demo up once (native provider), then
times the real CLI (a fresh process each run, like a developer typing it):
  - warm: the facts cache is valid (the common case);
  - cold: the facts cache removed, so the one Django probe process runs.
The copy's server is stopped by PID and the copy removed at the end.

Usage: .venv/bin/python bench/doctor.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.project import copy_example, pin_provider, stop_native  # noqa: E402

TARGET = 2.0


def run(project: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "devkit", *args, "--project", str(project)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return time.monotonic() - started, done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    folder = Path(tempfile.mkdtemp(prefix="devkit-bench-doctor-", dir="/tmp"))
    folder.chmod(0o755)
    project = copy_example(folder / "tenant-demo")
    pin_provider(project, "native")
    try:
        seconds, up = run(project, "up", "--no-input")
        if up.returncode != 0:
            sys.exit(f"devkit up failed:\n{up.stdout}{up.stderr}")
        print(f"devkit up (cold, once): {seconds:.2f}s")
        for label, clear_cache in (("warm facts cache", False), ("cold: one probe process", True)):
            wall, inner = [], []
            for _ in range(runs):
                if clear_cache:
                    (project / ".devkit" / "facts.json").unlink(missing_ok=True)
                seconds, done = run(project, "doctor", "--json", "--no-input")
                payload = json.loads(done.stdout)
                wall.append(seconds)
                inner.append(payload["seconds"])
                problems = [c["name"] for c in payload["checks"] if c["status"] == "problem"]
                if problems:
                    print(f"  note: problems reported: {problems}")
            verdict = "ok" if max(wall) <= TARGET else "OVER TARGET"
            print(
                f"doctor, {label}: wall median {statistics.median(wall):.2f}s "
                f"max {max(wall):.2f}s (checks alone median {statistics.median(inner):.2f}s) "
                f"-> {max(wall) / TARGET:.2f} of the {TARGET:.0f}s budget [{verdict}]"
            )
    finally:
        stop_native(project)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
