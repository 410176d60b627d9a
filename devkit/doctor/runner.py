"""Choose checks by name or category, run them concurrently; a crashing check is a ✗."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

from devkit.core.errors import DevkitError, UsageError
from devkit.doctor import (  # noqa: F401  the category modules: importing them registers their checks
    ci,
    database,
    django,
    docs,
    env_loading,
    node,
    python,
    system,
    tenants,
)
from devkit.doctor.env import DoctorEnv, Skip
from devkit.doctor.model import CATEGORIES, Check, Finding, Outcome, Status, all_checks


def category_slug(category: str) -> str:
    """'Django and tenants' -> 'django'; 'Database' -> 'database'."""
    return re.split(r"\W+", category.lower())[0]


def select(names: list[str]) -> list[Check]:
    """The checks NAME... asks for: a category name selects its checks, else a check name."""
    checks = all_checks()
    if not names:
        return checks
    by_category = {category_slug(c): c for c in CATEGORIES}
    wanted: set[str] = set()
    for name in names:
        key = name.lower()
        if key in by_category:
            wanted |= {c.name for c in checks if c.category == by_category[key]}
        elif any(c.name == key for c in checks):
            wanted.add(key)
        else:
            raise UsageError(
                f"unknown check {name!r}",
                hint=f"checks: {', '.join(c.name for c in checks)}; categories: "
                f"{', '.join(by_category)} (devkit doctor --list-checks)",
            )
    return [c for c in checks if c.name in wanted]


def run_one(check: Check, env: DoctorEnv) -> Outcome:
    started = time.monotonic()
    try:
        result = check.run(env)
    except Skip as why:
        result = Finding(Status.SKIP, f"not checked: {why}")
    except DevkitError as exc:
        result = Finding(Status.FAIL, exc.message, exc.hint or "", exc.details or "")
    except Exception as exc:  # a bug in a check must not hide the other checks
        result = Finding(
            Status.FAIL,
            f"the check crashed: {type(exc).__name__}: {exc}",
            "a devkit bug: please report it with `devkit doctor --report FILE`",
        )
    return Outcome(check, result, time.monotonic() - started)


def run_checks(checks: list[Check], env: DoctorEnv) -> list[Outcome]:
    """Every check in its own thread; shared inputs (probe, connection) are computed once."""
    if not checks:
        return []
    with ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="doctor") as pool:
        return list(pool.map(lambda c: run_one(c, env), checks))
