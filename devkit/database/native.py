"""A private PostgreSQL cluster made with the local server binaries, kept under .devkit/.

As root, initdb and postgres run as the `postgres` system user (PostgreSQL refuses root). When
that user cannot reach the project folder (a mode-700 home), the cluster lives in a devkit-owned
folder under /var/lib/devkit instead; the user's folder permissions are never loosened.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
from pathlib import Path
from typing import Any

from devkit import proc
from devkit.config import Config
from devkit.database.base import Connection
from devkit.errors import ConfigError, DatabaseError
from devkit.state import Secrets, State, write_atomic


def fallback_root() -> Path:
    """Where clusters go when the postgres user cannot reach the project (tests move it)."""
    return Path(os.environ.get("DEVKIT_NATIVE_FALLBACK", "/var/lib/devkit/clusters"))


MARKER = "devkit-cluster.json"


def find_bin_dir(configured: str) -> Path | None:
    """configured > PATH > the newest /usr/lib/postgresql/*/bin holding initdb and postgres."""
    if configured:
        path = Path(configured)
        return path if (path / "initdb").is_file() else None
    on_path = shutil.which("initdb")
    if on_path and (Path(on_path).parent / "postgres").exists():
        return Path(on_path).resolve().parent
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(re.sub(r"\D", "", p.parent.parent.name) or 0),
        reverse=True,
    )
    return candidates[0].parent if candidates else None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class NativePostgres:
    name = "native"
    owns_server = True

    def __init__(self, config: Config, state: State, secrets: Secrets) -> None:
        self.config = config
        self.state = state
        self.secrets = secrets
        self.run_as = "postgres" if os.geteuid() == 0 else None
        self.log = config.state_dir / "logs" / "postgres.log"
        self._process: Any = None
        recorded = state.get("native", {})
        self.data_dir = Path(recorded["data_dir"]) if recorded.get("data_dir") else None
        self.port = int(recorded.get("port") or config.database.port or 0)

    def fingerprint_inputs(self) -> list[str]:
        return [
            str(self.data_dir),
            str(self.port),
            self.config.database.name,
            self.config.database.user,
        ]

    # -- lifecycle -------------------------------------------------------------------------
    def ensure(self) -> Connection:
        bin_dir = self._bin_dir()
        password, _ = self.secrets.get_or_create("database.password")
        if self.data_dir is None or not (self.data_dir / "PG_VERSION").is_file():
            self._init_cluster(bin_dir, password)
        if self._running_pid() is None:
            self._start(bin_dir)
        return self.connection(password)

    def current(self) -> Connection | None:
        return self.connection() if self._running_pid() is not None else None

    def connection(self, password: str | None = None) -> Connection:
        db = self.config.database
        return Connection(
            "127.0.0.1",
            self.port,
            db.name,
            db.user,
            password or self.secrets.get("database.password") or "",
            self.name,
        )

    def _bin_dir(self) -> Path:
        bin_dir = find_bin_dir(self.config.database.bin_dir)
        if bin_dir is None:
            raise DatabaseError(
                "no PostgreSQL server binaries (initdb, postgres) found",
                hint="install them (Debian: apt-get install postgresql), set database.bin_dir, "
                'or use database.provider = "docker" or "external"',
            )
        if self.run_as:
            import pwd

            try:
                pwd.getpwnam(self.run_as)
            except KeyError:
                raise DatabaseError(
                    "running as root, but there is no `postgres` system user to run PostgreSQL",
                    hint="create it (adduser --system postgres) or run devkit as a normal user",
                ) from None
        return bin_dir

    def _choose_home(self) -> tuple[Path, str | None]:
        """The cluster's folder (PGDATA is its `data/`), and a note when it is not in .devkit/."""
        local = self.config.state_dir / "postgres"
        if self.run_as is None or self._reachable(self.config.root):
            return local, None
        digest = hashlib.sha256(str(self.config.root).encode()).hexdigest()[:12]
        fallback = fallback_root() / f"{self.config.root.name}-{digest}"
        return fallback, (
            f"the `postgres` user cannot reach {self.config.root}; the cluster lives in {fallback}"
        )

    def _reachable(self, folder: Path) -> bool:
        """Can the postgres user enter `folder` (every parent needs search permission)?"""
        probe = proc.run(["test", "-x", str(folder)], user=self.run_as, check=False, cwd=Path("/"))
        return probe.returncode == 0

    def _init_cluster(self, bin_dir: Path, password: str) -> None:
        home, note = self._choose_home()
        pgdata = home / "data"
        if pgdata.exists() and any(pgdata.iterdir()):
            raise DatabaseError(
                f"{pgdata} exists and is not an empty PostgreSQL data directory",
                hint="devkit never deletes what it did not create: move it away and re-run",
            )
        pgdata.mkdir(parents=True, exist_ok=True)
        os.chmod(pgdata, 0o700)
        pwfile = home / f".pw-{os.getpid()}"
        write_atomic(pwfile, password + "\n", 0o600)
        try:
            if self.run_as:
                shutil.chown(pgdata, self.run_as, self.run_as)
                shutil.chown(pwfile, self.run_as, self.run_as)
            proc.run(
                [
                    bin_dir / "initdb",
                    "-D",
                    pgdata,
                    "-U",
                    self.config.database.user,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ],
                user=self.run_as,
                cwd=Path("/"),
                log=self.config.state_dir / "logs" / "initdb.log",
                hint="see the initdb log; `devkit doctor` checks the PostgreSQL installation",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self.port = self.port or free_port()
        # No unix socket: TCP on 127.0.0.1 only, so nothing else on the machine sees it.
        conf = f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = ''\n"
        with open(pgdata / "postgresql.conf", "a") as handle:
            handle.write(f"\n# added by devkit\n{conf}")
        marker = {"created_by": "devkit", "project": str(self.config.root), "note": note}
        write_atomic(home / MARKER, json.dumps(marker, indent=2) + "\n")
        self.data_dir = pgdata
        self.state.put("native", {"data_dir": str(pgdata), "port": self.port, "note": note})

    def _start(self, bin_dir: Path) -> None:
        assert self.data_dir is not None
        self._process = proc.spawn_detached(
            [bin_dir / "postgres", "-D", self.data_dir],
            log=self.log,
            user=self.run_as,
            cwd=Path("/"),
        )

    def _running_pid(self) -> int | None:
        if self.data_dir is None:
            return None
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if b"postgres" in cmdline else None

    def alive(self) -> str | None:
        if self._process is not None:
            code = self._process.poll()
            return None if code is None else f"postgres exited with code {code}"
        return None if self._running_pid() is not None else "postgres is not running"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return proc.tail(self.log.read_text(errors="replace"), lines)
        except FileNotFoundError:
            return ""

    def stop(self) -> str:
        pid = self._running_pid()
        if pid is None:
            return "native PostgreSQL is not running"
        proc.run(
            [self._bin_dir() / "pg_ctl", "stop", "-D", self.data_dir, "-m", "fast", "-w"],
            user=self.run_as,
            cwd=Path("/"),
        )
        return f"stopped native PostgreSQL (pid {pid}); data kept in {self.data_dir}"

    def remove(self) -> str:
        self.stop()
        if self.data_dir is None or not self.data_dir.exists():
            return "no native cluster to remove"
        target = self.data_dir.parent  # the cluster's home, which holds devkit's marker
        if not (target / MARKER).is_file():
            raise ConfigError(f"{target} has no {MARKER}: devkit did not create it, so it will not delete it")
        shutil.rmtree(target)
        self.state.put("native", {})
        return f"removed the native cluster {target}"

    def status(self) -> dict[str, Any]:
        pid = self._running_pid()
        return {
            "provider": self.name,
            "data_dir": str(self.data_dir) if self.data_dir else None,
            "port": self.port or None,
            "running": pid is not None,
            "pid": pid,
            "note": self.state.get("native", {}).get("note"),
        }
