"""Version requirements as projects write them: .python-version, .nvmrc, package.json engines."""

from __future__ import annotations

import re

_NUM = re.compile(r"^v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?")


def parse(version: str) -> tuple[int, ...]:
    match = _NUM.match(version.strip())
    if not match:
        raise ValueError(f"not a version: {version!r}")
    return tuple(int(p) for p in match.groups() if p is not None and p.isdigit())


def _cmp(have: tuple[int, ...], op: str, want: str) -> bool:
    spec = parse(want)
    padded = have[: len(spec)] if op in ("", "=") else have
    if op in ("", "="):
        return padded == spec
    full = spec + (0,) * (3 - len(spec))
    mine = have + (0,) * (3 - len(have))
    if op == ">=":
        return mine >= full
    if op == ">":
        return mine > full
    if op == "<=":
        return mine <= full
    if op == "<":
        return mine < full
    if op == "^":
        major_end = (full[0] + 1, 0, 0) if full[0] else (0, full[1] + 1, 0)
        return full <= mine < major_end
    if op == "~":
        return full <= mine < (full[0], full[1] + 1, 0)
    raise ValueError(f"unsupported operator {op!r}")


def satisfies(have: str, requirement: str) -> bool | None:
    """True/False for a semver-style range ('>=20', '^20.19.0 || >=22', '20'); None if unknown."""
    requirement = requirement.strip()
    if not requirement or requirement.startswith(("lts", "node", "stable", "latest")):
        return None
    try:
        mine = parse(have)
        for alternative in requirement.split("||"):
            parts = re.findall(r"(>=|<=|>|<|\^|~|=)?\s*(v?[\d.xX*]+)", alternative)
            if parts and all(_cmp(mine, op, ver) for op, ver in parts):
                return True
        return False
    except ValueError:
        return None
