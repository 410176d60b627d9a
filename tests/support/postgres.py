"""A real, throwaway PostgreSQL 15 cluster for tests, run as the `postgres` user when root."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
RUN_AS = "postgres" if os.geteuid() == 0 else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    extra: dict[str, object] = {}
    if RUN_AS:
        import pwd

        entry = pwd.getpwnam(RUN_AS)
        extra = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    return subprocess.run(argv, check=True, capture_output=True, text=True, cwd="/", **extra, **kwargs)  # type: ignore[call-overload]


@dataclass
class Cluster:
    """A running server: superuser `admin` with `password`, TCP on 127.0.0.1:port only."""

    folder: Path
    port: int
    password: str = "test-admin-pw"
    process: subprocess.Popen[bytes] | None = None
    user: str = "admin"
    auth: str = "scram-sha-256"  # "trust": any password is accepted

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, user: str | None = None, password: str | None = None, db: str = "postgres") -> str:
        return f"postgresql://{user or self.user}:{password or self.password}@127.0.0.1:{self.port}/{db}"

    def init(self) -> Cluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o755)
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password + "\n")
        if RUN_AS:
            shutil.chown(self.folder, RUN_AS, RUN_AS)
            shutil.chown(pwfile, RUN_AS, RUN_AS)
        _as_postgres(
            [
                str(BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                self.user,
                f"--pwfile={pwfile}",
                f"--auth={self.auth}",
                "--no-instructions",
            ]
        )
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses='127.0.0.1'\nport={self.port}\nunix_socket_directories=''\nfsync=off\n"
            )
        return self

    def start(self) -> Cluster:
        self.start_process_only()
        return self.wait_ready()

    def start_process_only(self) -> Cluster:
        import pwd

        extra: dict[str, object] = {}
        if RUN_AS:
            entry = pwd.getpwnam(RUN_AS)
            extra = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        log = open(self.folder / "log", "ab")  # noqa: SIM115 - the server owns it
        self.process = subprocess.Popen(
            [str(BIN / "postgres"), "-D", str(self.data)],
            cwd="/",
            stdout=log,
            stderr=subprocess.STDOUT,
            **extra,
        )  # type: ignore[call-overload]
        return self

    def wait_ready(self) -> Cluster:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    pass
                import psycopg

                psycopg.connect(self.url(), connect_timeout=2).close()
                return self
            except OSError:
                time.sleep(0.05)
            except Exception:
                time.sleep(0.05)
        raise RuntimeError(f"test cluster did not start: {(self.folder / 'log').read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: smart shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def sql(self, query: str, db: str = "postgres") -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(self.url(db=db), autocommit=True) as conn:
            cur = conn.execute(query)
            return cur.fetchall() if cur.description else []
