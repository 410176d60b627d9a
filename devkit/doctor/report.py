"""Rendering: the console (grouped, ✓ ! ✗ with hints), the summary line, the shareable Markdown."""

from __future__ import annotations

import getpass
import os
import platform
import re
import time
from collections.abc import Sequence
from typing import Any

from devkit import __version__
from devkit.core.masking import mask
from devkit.doctor.model import CATEGORIES, Outcome, Status

COLORS = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "red", Status.SKIP: "dim"}


def counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    return {s.value: sum(1 for o in outcomes if o.result.status is s) for s in Status}


def summary_line(outcomes: Sequence[Outcome]) -> str:
    n = counts(outcomes)

    def plural(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    if not n["problem"] and not n["warning"]:
        text = f"no problems ({plural(n['ok'], 'check')} passed)"
    else:
        text = f"{plural(n['problem'], 'problem')}, {plural(n['warning'], 'warning')}"
    return text + (f", {n['skipped']} not checked" if n["skipped"] else "")


def by_category(outcomes: Sequence[Outcome]) -> list[tuple[str, list[Outcome]]]:
    return [
        (c, [o for o in outcomes if o.check.category == c])
        for c in CATEGORIES
        if any(o.check.category == c for o in outcomes)
    ]


def render(ui: Any, outcomes: Sequence[Outcome], seconds: float) -> None:
    from rich.markup import escape

    width = max((len(o.check.title) for o in outcomes), default=10)
    for category, group in by_category(outcomes):
        ui.print(f"[bold]{category}[/]")
        for o in group:
            r = o.result
            color = COLORS[r.status]
            ui.print(f"  [{color}]{r.status.symbol}[/] {escape(o.check.title):<{width}}  {escape(r.finding)}")
            if r.status in (Status.WARN, Status.FAIL) and r.hint:
                ui.print(f"      [bold]hint:[/] {escape(r.hint)}")
            if r.details and (ui.verbose or r.status is Status.FAIL):
                for line in r.details.splitlines()[-30 if ui.verbose else -6 :]:
                    ui.print(f"      [dim]{escape(line)}[/]")
            if ui.verbose > 1:
                ui.print(f"      [dim]({o.check.name}, {o.seconds:.2f}s)[/]")
    n = counts(outcomes)
    color = "red" if n["problem"] else "yellow" if n["warning"] else "green"
    ui.print(f"\n[{color}]{summary_line(outcomes)}[/] in {seconds:.2f}s")


def redact(text: str) -> str:
    """Secrets (masking.mask), then the home folder and the user name."""
    text = mask(text)
    home = os.path.expanduser("~")
    if home and home != "/":
        text = text.replace(home, "~")
    for user in {getpass.getuser(), os.environ.get("USER", ""), os.environ.get("LOGNAME", "")}:
        if user and len(user) >= 2 and user != "root":  # root names no person; keep it readable
            text = re.sub(rf"(?<![\w-]){re.escape(user)}(?![\w-])", "<user>", text)
    return text


def markdown(outcomes: Sequence[Outcome], seconds: float, fixes: Sequence[str] = ()) -> str:
    lines = [
        "# devkit doctor report",
        "",
        f"- devkit {__version__}, Python {platform.python_version()}, {platform.system()} "
        f"{platform.release()} ({platform.machine()})",
        f"- {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; checks took {seconds:.2f}s",
        f"- **{summary_line(outcomes)}**",
        "",
    ]
    for category, group in by_category(outcomes):
        lines += [f"## {category}", ""]
        for o in group:
            r = o.result
            lines.append(f"- {r.status.symbol} **{o.check.title}** (`{o.check.name}`): {r.finding}")
            if r.hint and r.status in (Status.WARN, Status.FAIL):
                lines.append(f"  - hint: {r.hint}")
            if r.details:
                lines += ["", "  ```", *[f"  {d}" for d in r.details.splitlines()[-30:]], "  ```"]
        lines.append("")
    if fixes:
        lines += ["## Fixes applied", "", *[f"- {f}" for f in fixes], ""]
    return redact("\n".join(lines))
