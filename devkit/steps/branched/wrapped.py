"""The wrapper every branched step is: it delegates to the step it wraps, run() excepted."""

from __future__ import annotations

from typing import Any

from devkit.context import Context
from devkit.pipeline import Done


class Wrapped:
    """A step that delegates to the step it wraps; subclasses take over run()."""

    def __init__(self, step: Any) -> None:
        self.step = step
        self.name: str = step.name
        self.needs: tuple[str, ...] = step.needs

    def __getattr__(self, name: str) -> Any:
        return getattr(self.step, name)  # the step's own helpers (doctor runs single actions)

    def inputs(self, ctx: Context) -> dict[str, str]:
        found: dict[str, str] = self.step.inputs(ctx)
        return found

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        result: str | None = self.step.check(ctx, record)
        return result

    def verify(self, ctx: Context) -> None:
        self.step.verify(ctx)

    def run(self, ctx: Context) -> Done:
        done: Done = self.step.run(ctx)
        return done
