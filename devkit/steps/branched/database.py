"""database in a branched checkout: the source's cluster copied into this checkout's own
(database/branch.py), with the env file's own lines and the superuser's stored password, before
the step itself starts the server and writes the env file."""

from __future__ import annotations

from typing import Any

from devkit.config import loading
from devkit.context import Context
from devkit.core import envfile
from devkit.core.errors import DatabaseError
from devkit.core.state import write_atomic
from devkit.database.branch import ClusterBranch, SourceCluster
from devkit.pipeline import Done
from devkit.steps.branched.ahead import Ahead
from devkit.steps.branched.source import source_of
from devkit.steps.branched.wrapped import Wrapped
from devkit.worktrees import lineage
from devkit.worktrees.source import SourceCheckout


class DatabaseFromSource(Wrapped):
    def __init__(self, step: Any, ahead: Ahead) -> None:
        super().__init__(step)
        self.ahead = ahead

    def run(self, ctx: Context) -> Done:
        if not lineage.database_pending(ctx.state) or ctx.provider.name != "native":
            return super().run(ctx)
        target = ClusterBranch(ctx.config, ctx.state, ctx.secrets)
        if target.data_dir is not None:  # an earlier run made it and was stopped before recording
            lineage.record_database(ctx.state, "copied by an earlier run", 0.0)
            return super().run(ctx)
        source, problem = source_of(ctx)
        if source is None:
            raise DatabaseError(
                f"cannot branch the database: {problem}",
                hint="devkit up --fresh makes a database of this checkout's own instead",
            )
        ctx.progress(f"branching the database from {source.root}")
        source_config = loading.load(source.root)
        cluster = _source_cluster(source, source_config.database.user)
        made = target.branch_from(cluster, lambda: source.locked(ctx.config.lock_timeout))
        _carry_env_file(ctx, source, source_config.env_file, cluster.password)
        superuser = source.secret("superuser.password")
        if superuser:
            ctx.secrets.put("superuser.password", superuser)
            ctx.state.put("superuser_password_unset", False)
        lineage.record_database(ctx.state, made.how, made.seconds)
        done = super().run(ctx)
        self.ahead.check_password(ctx, source.root)  # a second of pbkdf2, while the copies go on
        return Done(
            f"branched from {source.root} by {made.how} ({made.seconds:.1f}s); {done.detail}", done.marker
        )


def _source_cluster(source: SourceCheckout, user: str) -> SourceCluster:
    data_dir = source.cluster_dir()
    password = source.secret("database.password")
    port = int((source.state.get("native") or {}).get("port") or 0)
    if data_dir is None or not password or not port:
        raise DatabaseError(
            f"cannot branch the database: {source.root} keeps no cluster, port or password devkit can use",
            hint=f"run devkit up in {source.root} first, or devkit up --fresh here",
        )
    return SourceCluster(data_dir, port, user, password, source.project_id, source.root)


def _carry_env_file(ctx: Context, source: SourceCheckout, source_env: str, source_password: str) -> None:
    """The source's env file without devkit's block (the branch writes its own), at the same place
    in this checkout when it has none there: the project's own values (a SECRET_KEY, a key the
    copied rows were encrypted with) come with the data. A line holding the source's database
    password is left behind. (The env step then follows the file the settings load, as always.)"""
    theirs = source.root / source_env if source_env else None
    if theirs is None or not theirs.is_file():
        return
    mine = ctx.config.root / source_env
    if mine.exists() or mine.is_symlink():
        return
    text = envfile.merged(theirs.read_text(encoding="utf-8"), "")
    kept = "".join(line for line in text.splitlines(keepends=True) if source_password not in line)
    mine.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(mine, kept, 0o600)
    ctx.notes.append(f"{source_env}: the project's own lines were copied from {theirs}")
