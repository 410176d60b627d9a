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
    _rendered_for: str | None = None  # the facts key this run's docs were rendered from

    def inputs(self, ctx: Context) -> dict[str, str]:
        return generate.inputs(ctx)

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        if generate.output_digest(ctx) != record.get("marker") and any(u.changed for u in generate.plan(ctx)):
            return "a generated file was edited, moved or deleted since the last run"
        return None  # (the same text as devkit renders now, even if rendered after the record)

    def run(self, ctx: Context) -> Done:
        self._rendered_for = ctx.facts_key()
        written = generate.apply(generate.plan(ctx))
        detail = ("updated " + ", ".join(u.rel for u in written)) if written else "up to date"
        return Done(detail, marker=generate.output_digest(ctx))

    def verify(self, ctx: Context) -> None:
        stale = [u.rel for u in generate.plan(ctx) if u.changed]
        if stale and ctx.facts_key() != self._rendered_for:
            # A step running beside this one changed what the docs are read from (the tenant step
            # corrected a value in the env file): render them once more from the new facts.
            generate.apply(generate.plan(ctx))
            stale = [u.rel for u in generate.plan(ctx) if u.changed]
        if stale:
            raise StepFailed(
                f"regenerated docs are still stale: {', '.join(stale)}",
                hint="a template may render differently each time; see `devkit docs --check`",
            )
