"""`docs`: regenerate the devkit blocks in copilot-instructions and ROADMAP (see devkit/docs/).

Needs what the probe's facts need (the database's variables, the venv), and runs beside the
`tenants` step: both load the facts through facts.load, which runs one probe for the two. The
rendering overlaps the tenant sequence's Django process. A warm run compares fingerprints only:
no Django, no rendering.
"""

from __future__ import annotations

from typing import Any

from devkit.context import Context
from devkit.core.errors import StepFailed
from devkit.docs import generate
from devkit.pipeline import Done


class DocsStep:
    name = "docs"
    needs: tuple[str, ...] = ("database", "python-deps", "env")

    def inputs(self, ctx: Context) -> dict[str, str]:
        return generate.inputs(ctx)

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        if generate.output_digest(ctx) != record.get("marker"):
            return "a generated file was edited, moved or deleted since the last run"
        return None

    def run(self, ctx: Context) -> Done:
        written = generate.apply(generate.plan(ctx))
        detail = ("updated " + ", ".join(u.rel for u in written)) if written else "up to date"
        return Done(detail, marker=generate.output_digest(ctx))

    def verify(self, ctx: Context) -> None:
        stale = [u.rel for u in generate.plan(ctx) if u.changed]
        if stale:
            raise StepFailed(
                f"regenerated docs are still stale: {', '.join(stale)}",
                hint="a template may render differently each time; see `devkit docs --check`",
            )
