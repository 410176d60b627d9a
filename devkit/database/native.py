"""A private PostgreSQL cluster made with the local server binaries, kept under .devkit/.

As root, initdb and postgres run as the `postgres` system user (PostgreSQL refuses root). When
that user cannot reach the project folder (a mode-700 home), the cluster lives in a devkit-owned
folder under /var/lib/devkit instead; the user's folder permissions are never loosened.

Safety (docs/contract.md, "Ownership and recovery"): the cluster's home holds a marker naming the
project id; only a cluster whose marker names this project is started, stopped, reset or removed.
initdb runs in a temporary folder renamed into place when it finished, so an interrupted first
run leaves nothing that blocks the next one. A server is only signalled after /proc shows it is
a postgres serving this data directory.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import socket
import time
from pathlib import Path
from typing import Any

from devkit.config.model import Config
from devkit.core import ownership, proc
from devkit.core.errors import ConfigError, DatabaseError
from devkit.core.state import Secrets, State, fingerprint, read_json, write_atomic
from devkit.database.base import Connection


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


def serves(pid: int, data_dir: Path) -> bool:
    """Is `pid` a postgres whose data directory is `data_dir`? (its -D argument, or its cwd:
    the postmaster works in its data directory). A stale postmaster.pid may name anything."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    except OSError:
        return False
    if not args or b"postgres" not in os.path.basename(args[0]):
        return False
    want = data_dir.resolve()
    for flag, value in itertools.pairwise(args):
        if flag == b"-D" and Path(os.fsdecode(value)).resolve() == want:
            return True
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")).resolve() == want
    except OSError:
        return False


def postmaster_of(data_dir: Path) -> int | None:
    """The pid of a live postgres serving `data_dir`, found in /proc (whatever postmaster.pid says)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit() and serves(int(entry), data_dir):
            return int(entry)
    return None


def listening_port(pgdata: Path) -> int:
    """The last `port = N` devkit appended to postgresql.conf (0 when there is none)."""
    try:
        found = re.findall(r"(?m)^port = (\d+)$", (pgdata / "postgresql.conf").read_text())
    except OSError:
        return 0
    return int(found[-1]) if found else 0


def _password_mark(password: str) -> str:
    """A one-way mark of the password the cluster was given (never the password itself)."""
    return fingerprint(["devkit-native-password", password])[:16]


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
        self.notes: list[str] = []
        self.home, self.home_note = self._choose_home()
        self.identity = ownership.identify(config.state_dir, config.root, adopt=self._adoptable_id())
        self.data_dir = self._owned_data_dir()
        recorded = state.get("native", {}) if self.data_dir else {}
        kept = int(recorded.get("port") or 0) or (listening_port(self.data_dir) if self.data_dir else 0)
        self.port = config.database.port or kept  # the configuration wins over the kept port
        if self.identity.new_copy:
            # The copy's secrets.json is the original's: its own cluster gets its own password.
            secrets.forget("database.password")
            self.notes.append(
                f"this folder is a copy of {self.identity.copied_from}: it has a project id of its "
                "own, a cluster with a new database password, and never touches the original's "
                "(the development superuser keeps the original's password)"
            )

    # -- ownership ---------------------------------------------------------------------------
    def _marker_of(self, home: Path) -> dict[str, Any]:
        return read_json(home / MARKER)

    def _adoptable_id(self) -> str | None:
        """With project.json lost: the id in the marker of the cluster this very folder made."""
        data = self._marker_of(self.home)
        if data.get("project_id") and Path(str(data.get("project", ""))) == self.config.root.resolve():
            return str(data["project_id"])
        return None

    def owns(self, home: Path) -> bool:
        return ownership.owned_by(self._marker_of(home), self.identity)

    def _owned_data_dir(self) -> Path | None:
        """This project's complete cluster: the recorded one, or the one in its home (a lost or
        reset state.json); never a cluster whose marker names another project."""
        recorded = self.state.get("native", {}).get("data_dir")
        for pgdata in ([Path(recorded)] if recorded else []) + [self.home / "data"]:
            if (pgdata / "PG_VERSION").is_file() and self.owns(pgdata.parent):
                return pgdata
        return None

    def _tidy_home(self) -> None:
        """Under the project lock, before creating: remove what an interrupted run of devkit left
        (temporary initdb folders, password files); set aside anything devkit cannot prove is this
        project's (a copied folder's cluster, a half-made cluster without a marker), never delete it."""
        home = self.home
        if not home.exists():
            return
        if ((home / MARKER).exists() and not self.owns(home)) or (
            not (home / MARKER).exists() and (home / "data").exists() and any((home / "data").iterdir())
        ):
            aside = home.with_name(f"{home.name}.set-aside-{time.strftime('%Y%m%d-%H%M%S')}")
            home.rename(aside)
            owner = self._marker_of(aside).get("project") or "no devkit marker"
            self.notes.append(
                f"{home} held a cluster that is not this project's ({owner}); it was moved to "
                f"{aside} (nothing deleted) and a new cluster was created"
            )
            return
        for leftover in home.glob("data.initdb-*"):
            shutil.rmtree(leftover)
        for leftover in home.glob(".pw-*"):
            leftover.unlink(missing_ok=True)
        data = home / "data"
        if data.exists() and not (data / "PG_VERSION").is_file():
            if any(data.iterdir()):  # made in place by an older devkit and interrupted
                aside = home / f"data.incomplete-{time.strftime('%Y%m%d-%H%M%S')}"
                data.rename(aside)
                self.notes.append(f"an interrupted cluster creation was set aside in {aside}")
            else:
                data.rmdir()

    def fingerprint_inputs(self) -> dict[str, str]:
        return {
            "the cluster's folder": str(self.data_dir),
            "the database port": str(self.port),
            "database.name": self.config.database.name,
            "database.user": self.config.database.user,
        }

    # -- lifecycle -------------------------------------------------------------------------
    def ensure(self) -> Connection:
        """Call under the project lock: creates, repairs and starts this project's cluster."""
        bin_dir = self._bin_dir()
        self.data_dir = self._owned_data_dir()
        if self.data_dir is None:
            self._tidy_home()
        else:
            for leftover in self.data_dir.parent.glob(".pw-*"):
                leftover.unlink(missing_ok=True)
        password, _ = self.secrets.get_or_create("database.password")
        if self.data_dir is None:
            self._init_cluster(bin_dir, password)
        self._remove_stale_pidfile()
        self._apply_port(bin_dir)
        if self.state.get("native", {}).get("password") != _password_mark(password):
            self._repair_password(bin_dir, password)
        if self._running_pid() is None:
            self._claim_port()
            self._start(bin_dir)
        return self.connection(password)

    # -- the port --------------------------------------------------------------------------
    def _apply_port(self, bin_dir: Path) -> None:
        """The cluster listens on self.port: a changed database.port restarts devkit's server
        there (data kept); the env file follows in the database step."""
        assert self.data_dir is not None
        before = listening_port(self.data_dir)
        self.port = self.port or before or free_port()
        if before == self.port:
            return
        if self._running_pid() is not None:
            self._pg_ctl_stop(bin_dir)
        self._write_port(self.port)
        self.notes.append(
            f"database.port = {self.port} ({self.config.provenance.get('database.port', 'default')}): "
            f"devkit's server moved from port {before} to {self.port}, data kept; the env file follows"
        )

    def _claim_port(self) -> None:
        """Before starting: another server on the kept port would answer in place of devkit's
        (and take its writes). A port devkit chose is replaced by a free one; a configured port
        is refused, naming who holds it."""
        from devkit.database.ports import describe_holder, is_free

        if is_free(self.port):
            return
        holder = describe_holder(self.port)
        if self.config.database.port:
            source = self.config.provenance.get("database.port", "the configuration")
            raise DatabaseError(
                f"port {self.port} on 127.0.0.1 is taken by {holder}, so devkit's server cannot "
                f"listen there (database.port = {self.port} in {source})",
                hint=f"stop that server, or set another database.port ({source}); 0 lets devkit choose",
            )
        old, self.port = self.port, free_port()
        self._write_port(self.port)
        self.notes.append(
            f"port {old} is taken by {holder}: devkit's server was started on port {self.port} "
            "instead, and the env file follows"
        )

    def _write_port(self, port: int) -> None:
        """The last `port = N` in postgresql.conf wins; the state records it."""
        assert self.data_dir is not None
        with open(self.data_dir / "postgresql.conf", "a") as handle:
            handle.write(f"port = {port}\n")
        native = dict(self.state.get("native", {}))
        native.update(data_dir=str(self.data_dir), port=port)
        self.state.put("native", native)

    def confirm(self, db: Any) -> str | None:
        """Is the server that answered this project's cluster? (its data directory)"""
        import psycopg

        try:
            where = str(db.execute("SHOW data_directory").fetchone()[0])
        except psycopg.Error as exc:
            return (
                f"the server on port {self.port} is not this project's: it hides its data directory ({exc})"
            )
        if self.data_dir is None or Path(where).resolve() != self.data_dir.resolve():
            from devkit.database.ports import describe_holder

            return (
                f"the server on port {self.port} is not this project's cluster: it is "
                f"{describe_holder(self.port)}, serving {where}"
            )
        return None

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
        """initdb in `data.initdb-<pid>`, renamed to `data` only once complete (a kill at any
        moment leaves either no cluster or a whole one; the next run removes the leftover)."""
        home, note = self.home, self.home_note
        home.mkdir(parents=True, exist_ok=True)
        write_atomic(home / MARKER, json.dumps(ownership.marker(self.identity, note=note), indent=2) + "\n")
        pgdata = home / "data"
        building = home / f"data.initdb-{os.getpid()}"
        if building.exists():
            shutil.rmtree(building)
        building.mkdir(mode=0o700)
        pwfile = home / f".pw-{os.getpid()}"
        write_atomic(pwfile, password + "\n", 0o600)
        try:
            if self.run_as:
                shutil.chown(building, self.run_as, self.run_as)
                shutil.chown(pwfile, self.run_as, self.run_as)
            proc.run(
                [
                    bin_dir / "initdb",
                    "-D",
                    building,
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
        with open(building / "postgresql.conf", "a") as handle:
            handle.write(f"\n# added by devkit\n{conf}")
        os.rename(building, pgdata)
        self.data_dir = pgdata
        if self.identity.copied_from is not None:
            self.notes.append(
                f"this folder is a copy of {self.identity.copied_from}; a new cluster was created "
                f"(port {self.port}), the original's is never touched"
            )
        self.state.put(
            "native",
            {
                "data_dir": str(pgdata),
                "port": self.port,
                "note": note,
                "password": _password_mark(password),
            },
        )

    def _repair_password(self, bin_dir: Path, password: str) -> None:
        """The state does not say this password was given to the cluster: check it on a running
        server (the state alone was lost), else set it."""
        from devkit.database.wait import try_connect

        if self._running_pid() is not None and try_connect(self.connection(password), "postgres").outcome in (
            "ready",
            "no-database",
        ):
            self._record_password(password)
            return
        self._reset_password(bin_dir, password)

    def _record_password(self, password: str) -> None:
        native = dict(self.state.get("native", {}))
        native.update(data_dir=str(self.data_dir), port=self.port, password=_password_mark(password))
        self.state.put("native", native)

    def _reset_password(self, bin_dir: Path, password: str) -> None:
        """The stored password is not the one this cluster was given (secrets.json lost or
        replaced, or state lost): set it in single-user mode, with the server stopped. The data
        is not touched; the password travels on stdin, never in argv."""
        assert self.data_dir is not None
        was_running = self._running_pid() is not None
        if was_running:
            self._pg_ctl_stop(bin_dir)
        user = self.config.database.user.replace('"', '""')
        statement = f"ALTER ROLE \"{user}\" PASSWORD '{password.replace(chr(39), chr(39) * 2)}';\n"
        proc.run(
            [bin_dir / "postgres", "--single", "-j", "-D", self.data_dir, "postgres"],
            user=self.run_as,
            cwd=Path("/"),
            stdin_data=statement,
            log=self.config.state_dir / "logs" / "postgres-password.log",
            hint="could not set the database password in single-user mode: see the log",
        )
        self._record_password(password)
        self.notes.append(
            "the stored database password did not match the cluster (lost .devkit/secrets.json "
            "or state); a new password was set, the data was not touched"
        )

    def _start(self, bin_dir: Path) -> None:
        assert self.data_dir is not None
        self._process = proc.spawn_detached(
            [bin_dir / "postgres", "-D", self.data_dir],
            log=self.log,
            user=self.run_as,
            cwd=Path("/"),
        )

    def _pidfile_pid(self) -> int | None:
        if self.data_dir is None:
            return None
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def _running_pid(self) -> int | None:
        pid = self._pidfile_pid()
        return pid if pid is not None and self.data_dir and serves(pid, self.data_dir) else None

    def _remove_stale_pidfile(self) -> str | None:
        """A postmaster.pid that no live server of this data directory holds is stale: a PID that
        is not a postgres serving it (a copied folder's, a reused PID) is removed; an empty or
        unreadable one (a crash while the server started) is moved aside. Returns the note."""
        if self.data_dir is None:
            return None
        pidfile = self.data_dir / "postmaster.pid"
        if not pidfile.exists():
            return None
        pid = self._pidfile_pid()
        if pid is not None and serves(pid, self.data_dir):
            return None
        if pid is not None:
            pidfile.unlink(missing_ok=True)
            note = f"removed a stale postmaster.pid: pid {pid} is not this project's server"
        else:
            live = postmaster_of(self.data_dir)
            if live is not None:  # a server of this very cluster whose pid file is unreadable
                return None
            aside = pidfile.with_name(f"postmaster.pid.stale-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(pidfile, aside)
            note = (
                f"moved an empty or unreadable postmaster.pid aside ({aside.name}; a crash while the "
                "server started leaves one): no server was running for this cluster"
            )
        self.notes.append(note)
        return note

    def alive(self) -> str | None:
        if self._process is not None:
            code = self._process.poll()
            if code is None:
                return None
            if "already in use" in self.log_tail(10):
                from devkit.database.ports import describe_holder

                holder = describe_holder(self.port)
                return f"postgres exited with code {code}: port {self.port} is taken by {holder}"
            return f"postgres exited with code {code}"
        return None if self._running_pid() is not None else "postgres is not running"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return proc.tail(self.log.read_text(errors="replace"), lines)
        except FileNotFoundError:
            return ""

    def _pg_ctl_stop(self, bin_dir: Path) -> None:
        proc.run(
            [bin_dir / "pg_ctl", "stop", "-D", self.data_dir, "-m", "fast", "-w"],
            user=self.run_as,
            cwd=Path("/"),
        )

    def stop(self) -> str:
        if self.data_dir is None:
            return "this project has no native cluster"
        if not self.owns(self.data_dir.parent):  # re-check right before acting
            raise ConfigError(f"{self.data_dir} is not this project's cluster: devkit will not stop it")
        pid = self._running_pid()
        if pid is None:
            stale = self._remove_stale_pidfile()
            return "native PostgreSQL is not running" + (f" ({stale})" if stale else "")
        self._pg_ctl_stop(self._bin_dir())
        return f"stopped native PostgreSQL (pid {pid}); data kept in {self.data_dir}"

    def remove(self) -> str:
        if self.data_dir is None or not self.data_dir.exists():
            return "this project has no native cluster to remove"
        self.stop()
        target = self.data_dir.parent  # the cluster's home, which holds devkit's marker
        if not self.owns(target):
            raise ConfigError(
                f"{target} is not this project's cluster (its {MARKER} names another project or "
                "is missing): devkit will not delete it"
            )
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
            "note": "; ".join(n for n in [self.home_note if self.data_dir else None, *self.notes] if n)
            or None,
        }
