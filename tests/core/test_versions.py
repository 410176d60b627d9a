"""Version requirements (issue 11 defect 15): Python through `packaging`, Node through node-semver."""

from __future__ import annotations

import pytest

from devkit.core.versions import node_satisfies, python_satisfies


@pytest.mark.parametrize(
    ("have", "req", "ok"),
    [
        ("v20.20.2", "20", True),
        ("v20.20.2", "18", False),
        ("v20.20.2", ">=20", True),
        ("v18.19.0", ">=20", False),
        ("v20.20.2", "^20.19.0 || >=22.12.0", True),
        ("v20.18.0", "^20.19.0 || >=22.12.0", False),
        ("v22.12.0", "^20.19.0 || >=22.12.0", True),
        ("v21.7.0", "^20 || >=22", False),  # between the alternatives
        ("v20.1.0", "^20 || >=22", True),
        ("v24.0.0", "^20 || >=22", True),
        ("v20.20.2", "20.x", True),
        ("v20.20.2", "~20.20.0", True),
        ("v20.21.0", "~20.20.0", False),
        ("v20.20.2", ">=18 <21", True),
        ("v22.0.0", ">=18 <21", False),
        ("v20.20.2", "18 - 20", True),  # hyphen range: the hand-written parser read it as 18
        ("v20.20.2", "v20.20.2", True),
        ("v20.20.2", "*", True),
    ],
)
def test_node_ranges(have: str, req: str, ok: bool) -> None:
    assert node_satisfies(have, req) is ok


@pytest.mark.parametrize("req", ["lts/*", "lts/iron", "node", "stable", "", "not a range !"])
def test_node_aliases_cannot_be_judged_offline(req: str) -> None:
    assert node_satisfies("v20.1.0", req) is None


@pytest.mark.parametrize(
    ("have", "req", "ok"),
    [
        ("3.11.7", "3.11", True),
        ("3.12.1", "3.11", False),
        ("3.11.7", "3.11.7", True),
        ("3.11.8", "3.11.7", False),
        ("3.11.7", "3", True),
        ("3.11.7", ">=3.10,<3.13", True),  # requires-python
        ("3.13.0", ">=3.10,<3.13", False),
        ("3.11.7", "~=3.11.0", True),
        ("3.12.0", "~=3.11.0", False),
        ("3.11.7", "!=3.11.*", False),
        ("3.13.0rc1", ">=3.13.0rc1", True),
    ],
)
def test_python_requirements(have: str, req: str, ok: bool) -> None:
    assert python_satisfies(have, req) is ok


@pytest.mark.parametrize("req", ["pypy3.10", "system", ">=three"])
def test_python_unknown_is_none(req: str) -> None:
    assert python_satisfies("3.11.7", req) is None
