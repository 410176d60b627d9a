"""Who listens on a TCP port, read from /proc (Linux) without running ss or lsof."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

LISTEN = "0A"


@dataclass(frozen=True)
class Holder:
    pid: int | None
    command: str

    def __str__(self) -> str:
        if self.pid is None:
            return "a process devkit cannot see (another user or container)"
        return f"{self.command} (pid {self.pid})"


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def holder(port: int) -> Holder | None:
    """The process listening on `port` (any address), or None when nobody listens."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in targets for fd in fds):
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                return Holder(pid, cmdline.decode(errors="replace").strip()[:120])
        except OSError:
            continue  # the process ended, or is not ours to read
    return Holder(None, "")


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Can a server listen on host:port now? (What PostgreSQL's own bind would meet.)"""
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as postgres does
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def describe_holder(port: int) -> str:
    """Who listens on `port`, for a message ("postgres -D /srv/pg (pid 812)")."""
    found = holder(port)
    return str(found) if found is not None else "a process devkit cannot see"
