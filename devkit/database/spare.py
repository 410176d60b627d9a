"""Make a snapshot's spare copy in the background (devkit/database/snapshots.py explains spares).

start(conn, name, log)   from `devkit db snapshot save/restore`: a detached process that
                         outlives the command; the connection comes in the environment
                         (the password never in argv), its output goes to `log`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from devkit.database.base import Connection

ENV = "DEVKIT_SPARE_JOB"


def start(conn: Connection, name: str, log: Path) -> None:
    from devkit.core import proc

    job = {"connection": {**conn.to_json(), "password": conn.password}, "snapshot": name}
    proc.spawn_detached([sys.executable, "-m", "devkit.database.spare"], log=log, env={ENV: json.dumps(job)})


def main() -> int:
    from devkit.database.snapshots import Snapshots, spares_for

    job = json.loads(os.environ.pop(ENV))
    c = job["connection"]
    conn = Connection(c["host"], int(c["port"]), c["database"], c["user"], c["password"], c["provider"])
    made = Snapshots(conn).make_spare(job["snapshot"])
    if not spares_for(conn):
        print(f"no spare of snapshot {job['snapshot']} on an external server; replaced database dropped")
    else:
        print(f"spare of snapshot {job['snapshot']}: {'ready' if made else 'being made by another devkit'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
