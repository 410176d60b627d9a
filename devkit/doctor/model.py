"""The check protocol: a small function returning a Finding, registered under a category."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from devkit.doctor.env import DoctorEnv

CATEGORIES = ("System", "Database", "Python", "Node", "Django and tenants", "Docs", "CI")


class Status(StrEnum):
    OK = "ok"
    WARN = "warning"
    FAIL = "problem"
    SKIP = "skipped"  # a prerequisite failed: the check could not look

    @property
    def symbol(self) -> str:
        return {"ok": "✓", "warning": "!", "problem": "✗", "skipped": "-"}[self.value]


@dataclass(frozen=True)
class Fix:
    """A safe repair: what it does (shown before it runs) and how. Never deletes data."""

    key: str  # fixes with the same key run once (e.g. two findings fixed by one `up` step)
    description: str
    apply: Callable[[DoctorEnv], str]


@dataclass(frozen=True)
class Finding:
    status: Status
    finding: str
    hint: str = ""
    details: str = ""
    fix: Fix | None = None


def ok(finding: str, details: str = "") -> Finding:
    return Finding(Status.OK, finding, details=details)


def warn(finding: str, hint: str, details: str = "", fix: Fix | None = None) -> Finding:
    return Finding(Status.WARN, finding, hint, details, fix)


def fail(finding: str, hint: str, details: str = "", fix: Fix | None = None) -> Finding:
    return Finding(Status.FAIL, finding, hint, details, fix)


@dataclass(frozen=True)
class Check:
    name: str  # stable: `devkit doctor NAME`, --json
    category: str
    title: str
    run: Callable[[DoctorEnv], Finding]


@dataclass(frozen=True)
class Outcome:
    check: Check
    result: Finding
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.check.name,
            "category": self.check.category,
            "title": self.check.title,
            "status": self.result.status.value,
            "finding": self.result.finding,
            "hint": self.result.hint or None,
            "details": self.result.details or None,
            "fix": self.result.fix.description if self.result.fix else None,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Registry:
    checks: list[Check] = field(default_factory=list)

    def register(self, name: str, category: str, title: str) -> Callable[..., Any]:
        assert category in CATEGORIES, category

        def decorate(fn: Callable[[DoctorEnv], Finding]) -> Callable[[DoctorEnv], Finding]:
            if any(c.name == name for c in self.checks):
                raise ValueError(f"doctor check {name!r} registered twice")
            self.checks.append(Check(name, category, title, fn))
            return fn

        return decorate


REGISTRY = Registry()
check = REGISTRY.register


def all_checks() -> list[Check]:
    """Every registered check, in category order (doctor/runner.py imports the category modules,
    which registers them)."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(REGISTRY.checks, key=lambda c: order[c.category])
