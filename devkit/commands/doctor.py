"""`devkit doctor`: run the checks, apply the safe fixes when asked, render, write the report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from devkit.core.errors import DevkitError, ExitCode, UsageError
from devkit.core.ui import UI
from devkit.doctor.env import DoctorEnv
from devkit.doctor.model import Fix, Outcome, Status

# Fixes run in this order: the database before anything that needs it, tenants last.
FIX_ORDER = (
    "database",
    "python-deps",
    "node-deps",
    "tenants.create_super",
    "tenants.create_guest",
    "tenants.superuser",
    "docs",
)


def list_checks(ui: UI) -> tuple[int, dict[str, Any]]:
    from devkit.doctor.runner import all_checks, category_slug

    checks = all_checks()
    width = max(len(c.name) for c in checks)
    for c in checks:
        ui.print(f"{c.name:<{width}}  {category_slug(c.category):<9} {c.title}")
    return 0, {"checks": [{"name": c.name, "category": c.category, "title": c.title} for c in checks]}


def _diagnose(
    g: Any, ui: UI, names: list[str], load: Any, strict: bool = False
) -> tuple[DoctorEnv, list[Outcome], float]:
    from devkit.doctor.runner import run_checks, select

    checks = select(names)
    env = DoctorEnv(g.project, load)
    env.ui = ui
    started = time.monotonic()
    outcomes = demote_policy(run_checks(checks, env), names, strict)
    return env, outcomes, time.monotonic() - started


def pending_fixes(outcomes: list[Outcome]) -> list[Fix]:
    found: dict[str, Fix] = {}
    for o in outcomes:
        fix = o.result.fix
        if fix and o.result.status in (Status.FAIL, Status.WARN):
            found.setdefault(fix.key, fix)
    rank = {key: i for i, key in enumerate(FIX_ORDER)}
    return sorted(found.values(), key=lambda f: rank.get(f.key, len(rank)))


def apply_fixes(env: DoctorEnv, ui: UI, fixes: list[Fix], interactive: bool) -> list[str]:
    """Show each fix, ask when interactive, run it; a failed fix is reported, not fatal."""
    applied: list[str] = []
    for fix in fixes:
        ui.print(f"\n[cyan]fix:[/] {fix.description}")
        if interactive:
            import questionary

            if not questionary.confirm("Apply this fix?", default=True).ask():
                ui.print("[dim]  skipped[/]")
                applied.append(f"{fix.description}: declined")
                continue
        try:
            detail = fix.apply(env)
        except DevkitError as exc:
            ui.error(exc)
            applied.append(f"{fix.description}: failed ({exc.message})")
            continue
        ui.print(f"[green]  done:[/] {detail}")
        applied.append(f"{fix.description}: done")
    return applied


# Not about the development environment: a problem here fails doctor only when asked for.
POLICY_CATEGORIES = ("CI",)


def demote_policy(outcomes: list[Outcome], names: list[str], strict: bool) -> list[Outcome]:
    """Workflow policy problems are warnings, unless --strict or the user selected them by name."""
    from dataclasses import replace

    from devkit.doctor.runner import category_slug

    wanted = {n.lower() for n in names}
    out = []
    for o in outcomes:
        chosen = strict or o.check.name in wanted or category_slug(o.check.category) in wanted
        if o.result.status is Status.FAIL and o.check.category in POLICY_CATEGORIES and not chosen:
            hint = o.result.hint + " (a warning: `devkit doctor --strict` or `devkit doctor ci` fails on it)"
            o = replace(o, result=replace(o.result, status=Status.WARN, hint=hint.strip()))
        out.append(o)
    return out


def run_doctor(
    g: Any,
    ui: UI,
    names: list[str],
    fix: bool,
    report: Path | None,
    load: Any,
    strict: bool = False,
) -> tuple[int, dict[str, Any]]:
    if g.project is not None and not g.project.is_dir():
        raise UsageError(f"--project {g.project}: no such folder")
    if report is not None and not report.parent.is_dir():
        raise UsageError(f"--report {report}: the folder does not exist")
    env, outcomes, seconds = _diagnose(g, ui, names, load, strict)
    from devkit.doctor.report import markdown, render

    render(ui, outcomes, seconds)
    applied: list[str] = []
    fixes = pending_fixes(outcomes) if fix else []
    if fixes:
        # --json means a script reads stdout: no prompt there (it would corrupt the JSON).
        applied = apply_fixes(env, ui, fixes, interactive=not g.no_input and not g.json)
        ui.print("\n[bold]after the fixes:[/]")
        env, outcomes, seconds = _diagnose(g, ui, names, load, strict)
        render(ui, outcomes, seconds)
    elif fix:
        ui.print("[dim]nothing that doctor --fix can repair[/]")
    if report is not None:
        report.write_text(markdown(outcomes, seconds, applied))
        ui.print(f"report written to {report} (secrets, user name and home folder redacted)")
    failed = any(o.result.status is Status.FAIL for o in outcomes)
    code = ExitCode.FAILED if failed else ExitCode.OK
    from devkit.doctor.report import counts

    return int(code), {
        "checks": [o.to_json() for o in outcomes],
        "summary": counts(outcomes),
        "fixes": applied,
        "seconds": round(seconds, 3),
    }
