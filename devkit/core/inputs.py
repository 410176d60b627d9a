"""A step's inputs, by name: what it depends on (a file, a variable, a package, a setting), so a
re-run can say which one changed instead of "inputs changed".

A step returns its inputs as label -> value (or digest). The fingerprint is their digest; the
record keeps a short digest per label (never a value: a variable may hold a secret) in
.devkit/inputs.json, read only when the fingerprint differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from devkit.core.state import fingerprint

Inputs = dict[str, str]
SHOWN = 3  # labels named in a reason; the rest are counted


def digest(inputs: Mapping[str, str]) -> str:
    """The fingerprint of a step's inputs (their order does not matter)."""
    return fingerprint(f"{label}\0{value}" for label, value in sorted(inputs.items()))


def short(inputs: Mapping[str, str]) -> dict[str, str]:
    """What the record keeps: a 12-character digest per label."""
    return {label: hashlib.sha256(value.encode()).hexdigest()[:12] for label, value in inputs.items()}


def changed(recorded: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    """The labels whose value differs, in the step's order; new and gone inputs are said so."""
    current = short(now)
    found = [
        label if label in recorded else f"{label} (new)"
        for label, value in current.items()
        if recorded.get(label) != value
    ]
    return found + [f"{label} (gone)" for label in recorded if label not in current]


def describe(labels: list[str]) -> str:
    """`a, b, c and 4 more`."""
    if len(labels) <= SHOWN + 1:
        return ", ".join(labels)
    return f"{', '.join(labels[:SHOWN])} and {len(labels) - SHOWN} more"
