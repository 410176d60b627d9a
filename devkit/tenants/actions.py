"""One action of the tenant sequence: a configured manage.py command, or devkit's own creation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    key: str  # the config key that names it: tenants.<key>
    argv: tuple[str, ...] = ()  # a manage.py command line; empty = devkit's builtin creation
    tenant: str = ""  # "super" | "guest" for builtin creation


def describe(action: Action, outcome: str = "") -> str:
    """The action as the step's line shows it: the command and its first word, or devkit's builtin."""
    if action.argv:
        return action.argv[0] + (" " + action.argv[1] if len(action.argv) > 1 else "")
    return f"{action.key} (devkit builtin{': ' + outcome if outcome else ''})"
