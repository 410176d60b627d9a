"""`devkit health`: render every attempt of devkit.ci.health.check and map the outcome to 0/1."""

from __future__ import annotations

from typing import Any

from devkit.ci import health
from devkit.core.ui import UI

STYLE = {"healthy": "[green]✓[/]", "redirect": "[yellow]↪[/]"}


def run_health(ui: UI, url: str, **options: Any) -> tuple[int, dict[str, Any]]:
    from rich.markup import escape

    plan = health.parse_plan(url, **options)

    def show(a: health.Attempt) -> None:
        mark = STYLE.get(a.outcome, "[red]✗[/]")
        ui.print(
            f"{mark} attempt {a.number}/{plan.max_attempts}: {a.outcome:<9} "
            f"{escape(a.message)} ({a.seconds:.2f}s)"
        )

    if plan.initial_wait:
        ui.print(f"waiting {plan.initial_wait:g}s before the first attempt")
    attempts = health.check(plan, on_attempt=show)
    last = attempts[-1]
    if last.healthy:
        ui.print(f"[green]healthy[/]: {escape(url)} answered {last.message} after {len(attempts)} attempt(s)")
    elif last.final and len(attempts) < plan.max_attempts:
        ui.print(
            f"[red]unhealthy[/]: {escape(url)} after {len(attempts)} attempt(s), stopped before "
            f"{plan.max_attempts}: {escape(last.message)}"
        )
    else:
        ui.print(
            f"[red]unhealthy[/]: {escape(url)} after {len(attempts)} attempt(s); last: {escape(last.message)}"
        )
    payload = {
        "url": url,
        "host": plan.host,
        "healthy": last.healthy,
        "outcome": last.outcome,
        "status_code": last.status_code,
        "attempts": len(attempts),
        "location": last.location,
        "body": last.body,
        "history": [a.to_json() for a in attempts],
    }
    return (0 if last.healthy else 1), payload
