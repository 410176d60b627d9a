"""Adapting checks that other areas (docs, CI) expose as `(status, finding, hint)` tuples."""

from __future__ import annotations

from typing import Any

from devkit.doctor.model import Finding, Fix, Status

_STATUS = {
    "ok": Status.OK,
    "pass": Status.OK,
    "passed": Status.OK,
    "fresh": Status.OK,
    "✓": Status.OK,
    "warn": Status.WARN,
    "warning": Status.WARN,
    "!": Status.WARN,
    "fail": Status.FAIL,
    "failed": Status.FAIL,
    "error": Status.FAIL,
    "problem": Status.FAIL,
    "stale": Status.FAIL,
    "✗": Status.FAIL,
    "skip": Status.SKIP,
    "skipped": Status.SKIP,
}


def to_finding(result: Any, fix: Fix | None = None) -> Finding:
    """(status, finding, hint) with status as a string, an Enum or a bool -> a Finding."""
    status, finding, hint = (*tuple(result), "", "")[:3]
    if isinstance(status, bool):
        mapped = Status.OK if status else Status.FAIL
    else:
        raw = str(getattr(status, "value", status)).strip().lower()
        if raw not in _STATUS:
            return Finding(Status.WARN, f"unexpected status {status!r}: {finding}", hint or "")
        mapped = _STATUS[raw]
    return Finding(
        mapped, str(finding), str(hint or ""), fix=fix if mapped in (Status.FAIL, Status.WARN) else None
    )


def not_available(what: str, module: str) -> Finding:
    return Finding(
        Status.WARN,
        f"not available in this build ({what}: no {module})",
        f"update devkit to a build that includes {module}",
    )
