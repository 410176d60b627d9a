from __future__ import annotations

import pytest

from devkit.versions import satisfies


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
        ("v20.20.2", "20.x", True),
        ("v20.20.2", "~20.20.0", True),
        ("v20.21.0", "~20.20.0", False),
        ("3.11.7", "3.11", True),
        ("3.12.1", "3.11", False),
    ],
)
def test_satisfies(have: str, req: str, ok: bool) -> None:
    assert satisfies(have, req) is ok


def test_unknown_requirement_is_none() -> None:
    assert satisfies("v20.1.0", "lts/*") is None
