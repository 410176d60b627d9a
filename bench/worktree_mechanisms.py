"""The ways to copy a running source's database into a cluster of the new checkout's own, timed
until the copy answers a query (`bench/worktree.py --mechanisms`; docs/worktrees.md). Not a test.

The source: examples/tenant-demo brought up by devkit (native), with 2 tenants and with N, its
server running and a psycopg connection held open on it, as a developer's runserver holds one.
Each mechanism runs --rounds times into new folders (nothing deleted until the end); medians.

  pg_basebackup    devkit's: --wal-method=stream --checkpoint=fast --no-sync, a new port, the new
                   password in single-user mode (which replays the WAL and syncs the files), start
  dump + restore   initdb (as devkit runs it), start, CREATE DATABASE, pg_dump -Fc of the source,
                   pg_restore -j 2
  stopped copy     cp -a --reflink=auto of a stopped cluster's data folder (reflinks where the
                   file system has them; a plain copy here), a new port, start. The source is
                   running, so this copies a stopped copy of it: a running cluster's files copied
                   are not consistent, and the source's server is never stopped
  template copy    CREATE DATABASE ... TEMPLATE inside a server: refused on the source while a
                   session is open on its database; timed on a server without sessions
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.support.postgres import BIN, RUN_AS, free_port
from tests.support.project import copy_example, pin_provider, stop_native


def as_postgres(argv: list[str], stdin: str | None = None, env: dict[str, str] | None = None) -> None:
    extra: dict[str, object] = {"env": {**os.environ, **env}} if env else {}
    if RUN_AS:
        import pwd

        entry = pwd.getpwnam(RUN_AS)
        extra.update(user=entry.pw_uid, group=entry.pw_gid, extra_groups=[])
    subprocess.run(argv, check=True, capture_output=True, text=True, cwd="/", input=stdin, **extra)  # type: ignore[call-overload]


def folder_for_postgres(path: Path) -> Path:
    path.mkdir(parents=True, mode=0o700)
    if RUN_AS:
        import shutil

        shutil.chown(path, RUN_AS, RUN_AS)
    return path


class Source:
    def __init__(self, project: Path) -> None:
        state = json.loads((project / ".devkit" / "state.json").read_text())
        secrets = json.loads((project / ".devkit" / "secrets.json").read_text())
        self.data = Path(state["native"]["data_dir"])
        self.port = int(state["native"]["port"])
        self.password = secrets["database.password"]
        self.user, self.name = "demo", "tenant_demo"

    def env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password}


def _start(data: Path, port: int) -> None:
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(f"\nport = {port}\n")
    as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "server.log"), "start"])


def _stop(data: Path) -> None:
    as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-w", "-m", "fast", "stop"])


def _answers(port: int, password: str, src: Source) -> None:
    with psycopg.connect(
        host="127.0.0.1", port=port, user=src.user, password=password, dbname=src.name
    ) as db:
        db.execute("SELECT count(*) FROM customers_client").fetchone()


def basebackup(src: Source, home: Path) -> Path:
    data = folder_for_postgres(home / "data")
    argv = [
        str(BIN / "pg_basebackup"),
        "-h",
        "127.0.0.1",
        "-p",
        str(src.port),
        "-U",
        src.user,
        "-D",
        str(data),
    ]
    extra = ["--wal-method=stream", "--checkpoint=fast", "--no-sync", "--no-password"]
    as_postgres([*argv, *extra], env={"PGPASSWORD": src.password})
    as_postgres(
        [str(BIN / "postgres"), "--single", "-j", "-D", str(data), "postgres"],
        "ALTER ROLE demo PASSWORD 'branch-pw';\n",
    )
    port = free_port()
    _start(data, port)
    _answers(port, "branch-pw", src)
    return data


def dump_restore(src: Source, home: Path) -> Path:
    data = folder_for_postgres(home / "data")
    pwfile = home / "pw"
    pwfile.write_text("branch-pw\n")
    os.chmod(pwfile, 0o644)
    initdb = [
        str(BIN / "initdb"),
        "-D",
        str(data),
        "-U",
        src.user,
        f"--pwfile={pwfile}",
        "--auth=scram-sha-256",
    ]
    as_postgres([*initdb, "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"])
    port = free_port()
    with open(data / "postgresql.conf", "a") as conf:
        conf.write("listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n")
    _start(data, port)
    with psycopg.connect(
        host="127.0.0.1", port=port, user=src.user, password="branch-pw", dbname="postgres", autocommit=True
    ) as db:
        db.execute(f"CREATE DATABASE {src.name}")
    dump = home / "dump"
    subprocess.run(
        [
            str(BIN / "pg_dump"),
            "-Fc",
            "-h",
            "127.0.0.1",
            "-p",
            str(src.port),
            "-U",
            src.user,
            "-f",
            str(dump),
            src.name,
        ],
        check=True,
        env=src.env(),
        capture_output=True,
    )
    subprocess.run(
        [
            str(BIN / "pg_restore"),
            "-j",
            "2",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            src.user,
            "-d",
            src.name,
            str(dump),
        ],
        check=True,
        env={**os.environ, "PGPASSWORD": "branch-pw"},
        capture_output=True,
    )
    _answers(port, "branch-pw", src)
    return data


def stopped_copy(stopped: Path, home: Path, src: Source) -> Path:
    home.mkdir(parents=True)
    data = home / "data"
    subprocess.run(["cp", "-a", "--no-preserve=links", "--reflink=auto", str(stopped), str(data)], check=True)
    port = free_port()
    _start(data, port)
    _answers(port, "branch-pw", src)
    return data


def template_copy(server_port: int, src: Source, number: int) -> None:
    with psycopg.connect(
        host="127.0.0.1",
        port=server_port,
        user=src.user,
        password="branch-pw",
        dbname="postgres",
        autocommit=True,
    ) as db:
        db.execute(f"CREATE DATABASE copy_{number} TEMPLATE {src.name}")
    _answers_db(server_port, src, f"copy_{number}")


def _answers_db(port: int, src: Source, name: str) -> None:
    with psycopg.connect(host="127.0.0.1", port=port, user=src.user, password="branch-pw", dbname=name) as db:
        db.execute("SELECT count(*) FROM customers_client").fetchone()


def template_refused(src: Source) -> str:
    try:
        with psycopg.connect(
            host="127.0.0.1",
            port=src.port,
            user=src.user,
            password=src.password,
            dbname="postgres",
            autocommit=True,
        ) as db:
            db.execute(f"CREATE DATABASE bench_refused TEMPLATE {src.name}")
            db.execute("DROP DATABASE bench_refused")
    except psycopg.errors.ObjectInUse as exc:
        return str(exc).splitlines()[0]
    return "not refused (no session was open)"


def _port(data: Path) -> int:
    lines = [ln for ln in (data / "postgresql.conf").read_text().splitlines() if ln.startswith("port = ")]
    return int(lines[-1].split()[-1])


def timed(runs: int, make: Callable[[int], object]) -> list[float]:
    seconds = []
    for number in range(runs):
        started = time.monotonic()
        make(number)
        seconds.append(time.monotonic() - started)
    return seconds


def _source(out: Path, tenants: int) -> Path:
    project = copy_example(out / f"source-{tenants}")
    pin_provider(project, "native")
    if tenants > 2:
        conf = project / "devkit.toml"
        conf.write_text(conf.read_text().replace("[tenants]\n", f"[tenants]\ndev_count = {tenants - 2}\n"))
    devkit = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "devkit"
    up = [str(devkit), "--project", str(project), "up", "--no-input", "--skip", "node-deps", "--skip", "docs"]
    subprocess.run(up, check=True, capture_output=True)
    return project


def compare(out: Path, tenants: int, rounds: int) -> str:
    lines = [
        "| tenants | size | pg_basebackup | dump + restore | stopped copy (cp --reflink=auto) "
        "| template copy |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    refusal = ""
    started_servers: list[Path] = []
    try:
        for count in (2, tenants):
            src = Source(_source(out, count))
            held = psycopg.connect(
                host="127.0.0.1", port=src.port, user=src.user, password=src.password, dbname=src.name
            )
            held.execute("SELECT 1")
            size = sum(f.stat().st_size for f in src.data.rglob("*") if f.is_file()) / 1e6
            base = out / f"mech-{count}"
            backups = []

            def backup(n: int, base: Path = base, src: Source = src, backups: list[Path] = backups) -> None:
                backups.append(basebackup(src, base / f"basebackup-{n}"))

            def restore(n: int, base: Path = base, src: Source = src) -> None:
                started_servers.append(dump_restore(src, base / f"restore-{n}"))

            basebackup_s = timed(max(rounds, 2), backup)  # one to stop and copy, one to serve templates
            started_servers.extend(backups)
            restore_s = timed(rounds, restore)
            _stop(backups[0])  # a stopped cluster of the source's content, to copy
            started_servers.remove(backups[0])

            def copy(n: int, base: Path = base, src: Source = src, stopped: Path = backups[0]) -> None:
                started_servers.append(stopped_copy(stopped, base / f"copy-{n}", src))

            copy_s = timed(rounds, copy)
            port = _port(backups[-1])  # a running copy without sessions
            template_s = timed(rounds, lambda n, port=port, src=src, count=count: template_copy(port, src, n))
            refusal = template_refused(src)
            held.execute("SELECT 1")
            held.close()
            med = [statistics.median(v) for v in (basebackup_s, restore_s, copy_s, template_s)]
            lines.append(f"| {count} | {size:.0f} MB | " + " | ".join(f"{m:.2f} s" for m in med) + " |")
    finally:
        for data in started_servers:
            if (data / "postmaster.pid").exists():
                _stop(data)
        for project in out.glob("source-*"):
            stop_native(project)
    lines.append("")
    lines.append(f"template copy on the source's server with a session open: {refusal}")
    return "\n".join(lines)
