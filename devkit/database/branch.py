"""A native cluster of this project made as a copy of another checkout's cluster (a branch).

The source is only read. Its server running: `pg_basebackup` over a replication connection (the
bootstrap superuser may replicate, initdb's pg_hba allows it from 127.0.0.1); the source's
server is not restarted, its sessions are not closed, new ones keep being accepted. Its server
stopped: a copy of its files (`cp --reflink=auto`), with the source's project lock held so its
devkit does not start the server meanwhile, and checked in /proc before and after.

The copy is then this project's own cluster: its own marker, its own port, a new password set in
single-user mode before the server first starts (the source's password never opens it). That
first start replays the WAL the backup streamed and syncs every file to disk (PostgreSQL does
that after any copy of a running cluster), so the backup itself skips its sync (--no-sync). All
of it happens in a temporary folder renamed into place at the end, as an initdb's: a kill or a
crash at any moment leaves either no cluster or a whole, synced one.
docs/worktrees.md has the measured comparison with pg_dump/pg_restore and a template copy.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from devkit.core import ownership, proc
from devkit.core.errors import DatabaseError
from devkit.core.state import read_json, write_atomic
from devkit.database.native import MARKER, NativePostgres, free_port, postmaster_of, serves


@dataclass(frozen=True)
class SourceCluster:
    """The source checkout's cluster, as read from its state (never written)."""

    data_dir: Path
    port: int
    user: str
    password: str  # authenticates the backup's connection; never stored in the branch
    project_id: str
    root: Path

    def problem(self) -> str | None:
        """Why this is not the source's own complete cluster, or None."""
        marker = read_json(self.data_dir.parent / MARKER)
        if marker.get("created_by") != "devkit" or marker.get("project_id") != self.project_id:
            return f"{self.data_dir} is not {self.root}'s cluster (its {MARKER} names another project)"
        if not (self.data_dir / "PG_VERSION").is_file():
            return f"{self.data_dir} is not a complete cluster"
        return None

    def running_pid(self) -> int | None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return postmaster_of(self.data_dir)
        return pid if serves(pid, self.data_dir) else postmaster_of(self.data_dir)


@dataclass(frozen=True)
class Branched:
    how: str  # pg_basebackup | file copy
    seconds: float
    port: int


class ClusterBranch(NativePostgres):
    """This project's native provider, making its cluster from a source instead of initdb."""

    def branch_from(
        self, source: SourceCluster, source_lock: Callable[[], AbstractContextManager[None]]
    ) -> Branched:
        """Copy the source's cluster into this project's home; returns how and how long."""
        started = time.monotonic()
        problem = source.problem()
        if problem:
            raise DatabaseError(f"cannot branch the database: {problem}", hint="use devkit up --fresh")
        bin_dir = self._bin_dir()
        if self._owned_data_dir() is not None:
            raise DatabaseError(f"{self.config.root} has a cluster already: nothing to branch into")
        self._tidy_home()
        self.home.mkdir(parents=True, exist_ok=True)
        marker = ownership.marker(self.identity, note=self.home_note, branched_from=str(source.root))
        write_atomic(self.home / MARKER, json.dumps(marker, indent=2) + "\n")
        building = self.home / f"data.initdb-{os.getpid()}"  # initdb's name: the next run tidies it
        if building.exists():
            shutil.rmtree(building)
        try:
            if source.running_pid() is not None:
                how = self._backup(bin_dir, source, building)
            else:
                how = self._copy_stopped(source, building, source_lock)
            self.port = self.config.database.port or free_port()
            with open(building / "postgresql.conf", "a") as handle:
                handle.write(f"\n# added by devkit (a branch of {source.root})\nport = {self.port}\n")
            self.secrets.forget("database.password")  # a copied secrets.json would hold another's
            password, _ = self.secrets.get_or_create("database.password")
            self._first_start(bin_dir, building, password)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        pgdata = self.home / "data"
        os.rename(building, pgdata)  # synced, consistent, this checkout's password: now it is its own
        self.data_dir = pgdata
        self.state.put("native", {"data_dir": str(pgdata), "port": self.port, "note": self.home_note})
        self._record_password(password)
        return Branched(how, time.monotonic() - started, self.port)

    def _first_start(self, bin_dir: Path, data_dir: Path, password: str) -> None:
        """The copy's first start, in single-user mode: it replays the WAL the backup streamed,
        syncs the data folder and sets this checkout's password; the password travels on stdin.
        (The sync is one fsync per file: `recovery_init_sync_method=syncfs` would also wait for
        the venv and node_modules being copied meanwhile, measured slower here.)"""
        user = self.config.database.user.replace('"', '""')
        statement = f"ALTER ROLE \"{user}\" PASSWORD '{password.replace(chr(39), chr(39) * 2)}';\n"
        proc.run(
            [bin_dir / "postgres", "--single", "-j", "-D", data_dir, "postgres"],
            user=self.run_as,
            cwd=Path("/"),
            stdin_data=statement,
            log=self.config.state_dir / "logs" / "postgres-branch.log",
            hint="the copied cluster's first start failed: see the log (devkit up --fresh makes a new one)",
        )

    def _backup(self, bin_dir: Path, source: SourceCluster, building: Path) -> str:
        """pg_basebackup from the running source (its own server: checked by its data_directory)."""
        self._confirm_source(source)
        building.mkdir(mode=0o700)
        if self.run_as:
            shutil.chown(building, self.run_as, self.run_as)
        proc.run(
            [
                bin_dir / "pg_basebackup",
                "--host=127.0.0.1",
                f"--port={source.port}",
                f"--username={source.user}",
                f"--pgdata={building}",
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-sync",  # the first start syncs the data directory (see the module docstring)
                "--no-password",
            ],
            user=self.run_as,
            cwd=Path("/"),
            env={"PGPASSWORD": source.password, "PGCONNECT_TIMEOUT": "10"},
            log=self.config.state_dir / "logs" / "pg_basebackup.log",
            hint=f"pg_basebackup could not copy {source.root}'s database: see the log (devkit up --fresh "
            "makes an empty database instead)",
        )
        return "pg_basebackup"

    def _confirm_source(self, source: SourceCluster) -> None:
        import psycopg

        try:
            with psycopg.connect(
                host="127.0.0.1",
                port=source.port,
                user=source.user,
                password=source.password,
                dbname="postgres",
                connect_timeout=5,
            ) as db:
                where = str(db.execute("SHOW data_directory").fetchone()[0])
        except psycopg.Error as exc:
            raise DatabaseError(
                f"the source's server on port {source.port} does not accept its stored password: {exc}",
                hint=f"run devkit up in {source.root} first, or devkit up --fresh here",
            ) from exc
        if Path(where).resolve() != source.data_dir.resolve():
            raise DatabaseError(f"the server on port {source.port} is not {source.root}'s cluster ({where})")

    def _copy_stopped(
        self, source: SourceCluster, building: Path, source_lock: Callable[[], AbstractContextManager[None]]
    ) -> str:
        """A copy of the stopped source's files, under its lock, verified still stopped after."""
        with source_lock():
            if source.running_pid() is not None:
                return self._backup(self._bin_dir(), source, building)
            proc.run(
                ["cp", "-a", "--no-preserve=links", "--reflink=auto", str(source.data_dir), str(building)],
                hint=f"could not copy {source.data_dir}",
            )
            if source.running_pid() is not None:
                raise DatabaseError(
                    f"{source.root}'s server started while its files were copied",
                    hint="run devkit up again: its running server is then copied with pg_basebackup",
                )
        for stale in ("postmaster.pid", "postmaster.opts"):
            (building / stale).unlink(missing_ok=True)
        # A cleanly stopped cluster's copy is not synced by its first start (only a crashed one
        # is): initdb's own sync writes it to disk before it is this checkout's.
        proc.run([self._bin_dir() / "initdb", "--sync-only", "-D", building], user=self.run_as, cwd=Path("/"))
        return "file copy (source stopped)"
