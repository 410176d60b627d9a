"""`devkit tenants list|add|rm`: the development tenants, created the fast way, removed only when
devkit created them."""

from __future__ import annotations

import json
import time
from typing import Any

from devkit.config.model import Config, TenantConfig
from devkit.context import Context
from devkit.core.errors import ConfigError, StepFailed, UsageError
from devkit.core.names import validate_domain, validate_schema_name
from devkit.core.state import project_lock
from devkit.core.ui import UI
from devkit.tenants import dev_tenants
from devkit.tenants.listing import TenantRow, list_tenants


def _context(config: Config, g: Any) -> tuple[Context, dict[str, Any]]:
    from devkit.commands.db import running_context

    ctx = running_context(config, no_input=g.no_input, verbose=g.verbose)
    return ctx, ctx.facts()


def _configured(config: Config) -> set[str]:
    tenants = config.tenants
    return {tenants.super.schema, tenants.guest.schema, *(t.schema for t in tenants.dev_tenants())}


def run_list(config: Config, ui: UI, g: Any) -> tuple[int, dict[str, Any]]:
    ctx, facts = _context(config, g)
    rows = list_tenants(ctx.connection, facts, _configured(config))
    ui.print(f"{'schema':<24} {'domains':<32} {'pending':>7}  devkit  config")
    for row in rows:
        ui.print(
            f"{row.schema:<24} {', '.join(row.domains) or '-':<32} {row.pending:>7}  "
            f"{'yes' if row.by_devkit else 'no':<6}  {_config_mark(row)}"
        )
    extra = [r.schema for r in rows if r.by_devkit and not r.configured]
    if extra:
        ui.print(f"extra (created by devkit, no longer configured; kept): {', '.join(extra)}")
    return 0, {"tenants": [r.to_json() for r in rows], "extra": extra}


def _config_mark(row: TenantRow) -> str:
    if not row.schema_exists:
        return "schema missing"
    return "yes" if row.configured else "extra" if row.by_devkit else "no"


def run_add(
    config: Config, ui: UI, g: Any, schema: str, domain: str | None, name: str | None
) -> tuple[int, dict[str, Any]]:
    try:
        validate_schema_name(schema, "SCHEMA")
        spec = TenantConfig(schema, name or schema.replace("_", " ").title(), domain or f"{schema}.localhost")
        validate_domain(spec.domain, "--domain")
    except ConfigError as exc:  # a command-line value: nothing was created
        raise UsageError(exc.message, hint=exc.hint) from None
    ctx, _ = _context(config, g)
    started = time.monotonic()
    with project_lock(config.state_dir, config.lock_timeout):
        said = dev_tenants.create(ctx, [spec], ctx.logs / "tenants-add.log")
    seconds = time.monotonic() - started
    ui.print(f"{schema}: {said} ({seconds:.2f}s)")
    for note in ctx.notes:
        ui.print(f"note: {note}")
    return 0, {"schema": schema, "domain": spec.domain, "detail": said, "seconds": round(seconds, 3)}


def run_rm(config: Config, ui: UI, g: Any, schema: str, yes: bool) -> tuple[int, dict[str, Any]]:
    from devkit.commands.down import confirm

    ctx, facts = _context(config, g)
    row = next(
        (r for r in list_tenants(ctx.connection, facts, _configured(config)) if r.schema == schema), None
    )
    if row is None:
        raise UsageError(f"no tenant with schema {schema!r}", hint="`devkit tenants list` shows them")
    if not row.by_devkit:
        raise UsageError(
            f"tenant {schema!r} was not created by devkit: devkit never deletes it",
            hint="delete it with the project's own tools if you mean to",
        )
    if row.configured:
        ui.warn(f"{schema!r} is in the configuration: the next `devkit up` creates it again")
    if not confirm(ui, f"delete tenant {schema!r}, its domains and its schema", yes=yes, no_input=g.no_input):
        ui.print("nothing deleted")
        return 1, {"removed": False}
    with project_lock(config.state_dir, config.lock_timeout):
        plan = {"remove": {"schemas": [schema], "marker": dev_tenants.devkit_marker(config.root)}}
        said = _run_script(ctx, plan, "tenants-rm")
    ui.print(said)
    return 0, {"removed": True, "schema": schema}


def _run_script(ctx: Context, plan: dict[str, Any], log_name: str) -> str:
    done = ctx.django().run(
        "tenants.py",
        {"DEVKIT_TENANTS": json.dumps(plan)},
        log=ctx.logs / f"{log_name}.log",
        hint="devkit's tenant script failed: see its log",
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if not lines:
        raise StepFailed("devkit's tenant script said nothing", hint=f"see {ctx.logs / (log_name + '.log')}")
    last = lines[-1]
    return last[len("dev tenants: ") :] if last.startswith("dev tenants: ") else last
