"""A branch's record of its source (`branch` in its own state.json) and what `devkit status` says.

The branch writes only its own state; the source learns of its branches from the machine's
registry (registry.py), never through a file in the source checkout.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from devkit.core.state import State
from devkit.worktrees import registry
from devkit.worktrees.source import SourceCheckout

KEY = "branch"


def record_choice(state: State, source: SourceCheckout, why: str) -> None:
    """This checkout branches from `source`: the database step makes the copy (database = "")."""
    state.put(
        KEY,
        {
            "source": str(source.root),
            "source_id": source.project_id,
            "why": why,
            "chosen_at": time.time(),
            "database": "",
        },
    )


def current(state: State) -> dict[str, Any]:
    """The branch record ({} when this checkout was not branched)."""
    found = state.get(KEY)
    return dict(found) if isinstance(found, dict) and found.get("source") else {}


def database_pending(state: State) -> bool:
    """Chosen, and the database not copied yet."""
    branch = current(state)
    return bool(branch) and not branch.get("database")


def record_database(state: State, how: str, seconds: float) -> None:
    state.put(
        KEY, {**current(state), "database": how, "database_seconds": round(seconds, 3), "at": time.time()}
    )


def forget(state: State) -> None:
    """`down --volumes`: the database no longer comes from the source."""
    if current(state):
        state.put(KEY, {})


def source_root(state: State) -> Path | None:
    branch = current(state)
    return Path(branch["source"]) if branch else None


def describe(state: State, project_id: str) -> tuple[list[str], dict[str, Any]]:
    """Status lines and JSON: the source this checkout came from, the branches made from it."""
    lines: list[str] = []
    branch = current(state)
    came_from = None
    if branch and branch.get("database"):
        source = Path(branch["source"])
        here = registry.project_id_of(source) == branch.get("source_id")
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(branch.get("at") or 0)))
        gone = "" if here else " (no longer there)"
        lines.append(
            f"branched from {source}{gone} on {when}: database by {branch['database']} ({branch['why']})"
        )
        came_from = {
            "source": str(source),
            "present": here,
            "database": branch["database"],
            "why": branch["why"],
        }
    made = registry.branches_of(project_id)
    for entry in made:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.set_up_at))
        lines.append(f"branch {entry.path} (set up {when})")
    return lines, {"branched_from": came_from, "branches": [e.path for e in made]}
