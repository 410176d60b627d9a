"""`devkit migrate`: the deploy profile of the tenant sequence against an existing database.

For a CI migrate job that deploy jobs `need`. The database is named by $DATABASE_URL (or the
variables mapped in database.env, or --database-url); devkit never creates it, never writes the
env file, and skips the guest tenant and the development superuser. A second run with nothing
pending runs no command: the database itself is inspected, so this holds on a fresh checkout too.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from devkit.config.model import Config
from devkit.context import Context
from devkit.core.errors import ConfigError, UsageError
from devkit.core.ui import UI
from devkit.database.base import Connection, parse_url
from devkit.database.external import ExternalPostgres, from_environment
from devkit.pipeline import Done, Selection
from devkit.steps.database import DatabaseStep
from devkit.tenants.sequence import TenantSequence


class NamedDatabase(ExternalPostgres):
    """The external provider, optionally with the URL given on the command line."""

    def __init__(self, config: Config, url: str | None = None) -> None:
        super().__init__(config)
        self.url = url

    def current(self) -> Connection | None:
        return parse_url(self.url) if self.url else from_environment(self.config)

    def ensure(self) -> Connection:
        conn = self.current()
        if conn is None:
            var = self.config.database.url_from
            mapped = ", ".join(self.config.database.env) or "none"
            raise ConfigError(
                f"devkit migrate needs the database: ${var} is not set (nor the mapped variables: {mapped})",
                hint=f"in CI set {var} from an environment-scoped secret (docs/ci.md)",
            )
        return conn


class ExistingDatabase(DatabaseStep):
    """`database` for deploys: wait until the existing database answers; no env file written.

    Its own step name, so that a local `devkit migrate` never overwrites `devkit up`'s records."""

    name = "migrate-database"
    writes_env_file = False


class DeployTenants(TenantSequence):
    """`tenants` with profile deploy; runs nothing when the database shows no pending work."""

    name = "migrate-tenants"
    needs: tuple[str, ...] = ("migrate-database",)  # no python-deps: CI installs the requirements

    def __init__(self, force: bool = False) -> None:
        self.force = force

    def inputs(self, ctx: Context) -> dict[str, str]:
        conn = ctx.connection
        return {
            **ctx.facts_inputs(),
            "the profile": ctx.profile,
            "[tenants]": repr(ctx.config.tenants),
            "the database": f"{conn.host}:{conn.port}/{conn.name}",
        }

    def run(self, ctx: Context) -> Done:

        if not self.force:
            facts = ctx.facts()
            self.plan(ctx, facts)  # the pre-flight still runs: wrong settings fail loudly
            if not self._problems(ctx, facts):
                return Done("nothing pending: every schema is migrated, the tenant exists")
        return super().run(ctx)


def interpreter(ctx_config: Config, given: str | None) -> str:
    """--python (a path or a name on PATH), else the project's venv, else python3 on PATH."""
    if given:
        found = shutil.which(given) if "/" not in given else (given if Path(given).is_file() else None)
        if not found:
            raise UsageError(
                f"--python {given}: no such interpreter",
                hint="give the path of the python that has the project's requirements",
            )
        return str(Path(found).absolute())
    venv_python = ctx_config.path(ctx_config.python.venv) / "bin" / "python"
    if venv_python.exists():
        return str(venv_python)
    found = shutil.which("python3") or shutil.which("python")
    if not found:
        raise UsageError("no python found: pass --python PATH (or set DEVKIT_PYTHON)")
    return found


def run_migrate(
    config: Config, ui: UI, g: Any, python: str | None, database_url: str | None, force: bool
) -> tuple[int, dict[str, Any]]:
    from devkit.commands.up import report
    from devkit.pipeline import exit_code
    from devkit.progress import run_pipeline

    started = time.monotonic()
    for warning in config.warnings:
        ui.warn(warning)
    python_path = interpreter(config, python)
    provider = NamedDatabase(config, database_url)
    provider.ensure()  # no database named: a usage error before anything runs
    source = "--database-url" if database_url else f"${config.database.url_from}"
    ctx = Context.create(
        config,
        no_input=True,
        verbose=g.verbose,
        profile="deploy",
        python_override=python_path,
        _provider=provider,
        _provider_reason=f"devkit migrate: the database named by {source}",
    )
    ui.print(f"interpreter: {python_path}")
    steps = [ExistingDatabase(), DeployTenants(force=force)]
    results = run_pipeline(ctx, ui, steps, Selection(force=["*"] if force else []))
    payload = report(ctx, ui, results, started)
    payload["python"] = python_path
    return int(exit_code(results)), payload
