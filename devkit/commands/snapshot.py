"""`devkit db snapshot save|restore|list|rm`: instant resets of the development database.

After a restore the tenants step is judged again against the restored database (its check reads
the tenant rows, schemas and migrations), so `devkit up` re-runs it when the snapshot holds
another migration state; and when the superuser password in the snapshot is not the one in
.devkit/secrets.json, the step's record is dropped so `devkit up` sets it again.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from devkit.config.model import Config
from devkit.context import Context
from devkit.core.errors import DevkitError
from devkit.core.state import project_lock
from devkit.core.ui import UI
from devkit.database import spare
from devkit.database.snapshots import Snapshot, Snapshots, spares_for


def _open(config: Config, ui: UI, g: Any) -> tuple[Context, Snapshots]:
    from devkit.commands.db import running_context

    ctx = running_context(config, no_input=g.no_input, verbose=g.verbose)
    conn = ctx.connection

    def closing(sessions: list[str]) -> None:
        ui.warn(f"closing {len(sessions)} other connection(s) to {conn.name}: {', '.join(sessions)}")

    return ctx, Snapshots(conn, on_close=closing)


def _password_digest(ctx: Context) -> str:
    password = ctx.secrets.get("superuser.password") or ""
    return hashlib.sha256(password.encode()).hexdigest()[:16]


def run_save(config: Config, ui: UI, g: Any, name: str, replace: bool) -> tuple[int, dict[str, Any]]:
    ctx, snaps = _open(config, ui, g)
    started = time.monotonic()
    with project_lock(config.state_dir, config.lock_timeout):
        meta = {"superuser_password": _password_digest(ctx), "tenants": ctx.state.step("tenants")}
        snap = snaps.save(name, meta, replace=replace)
    seconds = time.monotonic() - started
    if spares_for(snaps.conn):
        spare.start(snaps.conn, name, ctx.logs / f"snapshot-spare-{name}.log")  # for a fast restore
    ui.print(f"saved snapshot {snap.name} of {snaps.conn.name} ({_size(snap.size_bytes)}, {seconds:.2f}s)")
    return 0, {"snapshot": snap.to_json(), "seconds": round(seconds, 3)}


def run_list(config: Config, ui: UI, g: Any) -> tuple[int, dict[str, Any]]:
    _, snaps = _open(config, ui, g)
    found = snaps.list()
    if not found:
        ui.print(f"no snapshots of {snaps.conn.name} (`devkit db snapshot save NAME` makes one)")
    for snap in found:
        ui.print(f"{snap.name:<24} {snap.created:<22} {_size(snap.size_bytes)}")
    return 0, {"snapshots": [s.to_json() for s in found]}


def run_restore(config: Config, ui: UI, g: Any, name: str, yes: bool) -> tuple[int, dict[str, Any]]:
    from devkit.commands.down import confirm

    ctx, snaps = _open(config, ui, g)
    snap = snaps.get(name)
    question = f"replace the current data of {snaps.conn.name} with snapshot {snap.name} ({snap.created})"
    if not confirm(ui, question, yes=yes, no_input=g.no_input):
        ui.print("nothing restored")
        return 1, {"restored": False}
    started = time.monotonic()
    with project_lock(config.state_dir, config.lock_timeout):
        _, used_spare = snaps.restore(name)
        seconds = time.monotonic() - started
        tenants = _after_restore(ctx, snap)
    # for the next restore; and, on any server, the replaced database is dropped in the background
    spare.start(snaps.conn, name, ctx.logs / f"snapshot-spare-{name}.log")
    if used_spare:
        how = "its spare copy, made ahead"
    elif spares_for(snaps.conn):
        how = "a copy made now: its spare was not ready"
    else:
        how = "a copy made now: no spares on an external server"
    ui.print(f"restored {snaps.conn.name} from snapshot {snap.name} ({seconds:.2f}s, {how})")
    if tenants is None:
        ui.print("tenants: up to date")
    else:
        ui.warn(f"tenants: {tenants}; `devkit up` brings it up to date")
    return 0, {
        "restored": True,
        "snapshot": snap.to_json(),
        "seconds": round(seconds, 3),
        "tenants": tenants,
        "from_spare": used_spare,
    }


def run_rm(config: Config, ui: UI, g: Any, name: str, yes: bool) -> tuple[int, dict[str, Any]]:
    from devkit.commands.down import confirm

    _, snaps = _open(config, ui, g)
    snap = snaps.get(name)
    if not confirm(ui, f"delete snapshot {snap.name} ({snap.created})", yes=yes, no_input=g.no_input):
        ui.print("nothing deleted")
        return 1, {"removed": False}
    with project_lock(config.state_dir, config.lock_timeout):
        snaps.remove(name)
    ui.print(f"deleted snapshot {snap.name}")
    return 0, {"removed": True, "snapshot": snap.to_json()}


def _after_restore(ctx: Context, snap: Snapshot) -> str | None:
    """Why the tenants step is stale against the restored database, or None when it is fresh."""
    from devkit.pipeline import stale_reason
    from devkit.steps import up_steps

    if snap.meta.get("superuser_password") != _password_digest(ctx):
        ctx.state.forget_step("tenants")
        return "stale: the snapshot's superuser password is not the one in .devkit/secrets.json"
    step = next(s for s in up_steps() if s.name == "tenants")
    try:
        reason = stale_reason(step, ctx)
    except DevkitError as exc:
        reason = f"cannot tell: {exc.message}"
    return None if reason is None else f"stale: {reason}"


def _size(size: int) -> str:
    return f"{size / 1_048_576:.1f} MiB"
