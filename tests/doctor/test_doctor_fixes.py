"""docs/doctor.md's --fix section is the code's: the same repairs, the same never-fixed list."""

from __future__ import annotations

import re

from devkit.commands.doctor import FIX_ORDER
from devkit.doctor import fixes
from tests.support.project import REPO


def produced_keys() -> set[str]:
    """Every Fix key a check can attach: the constants and the two factories' keys."""
    constants = {f.key for f in vars(fixes).values() if isinstance(f, fixes.Fix)}
    tenants = {fixes.create_tenant(k, "").key for k in ("create_super", "create_guest", "superuser")}
    repairs = {fixes.repair_schema(role, "s").key for role in ("super", "guest")}
    return constants | tenants | repairs


def test_doctor_md_fix_section_is_rendered_from_the_code() -> None:
    assert fixes.fixes_markdown() in (REPO / "docs" / "doctor.md").read_text()


def test_every_fix_the_checks_attach_is_listed_and_nothing_else() -> None:
    listed = {key for keys, _problem, _fix in fixes.FIXABLE for key in keys}
    assert listed == produced_keys()
    # the repair of a tenant row whose schema is gone is a fix, not "never fixed"
    assert not any("schema is gone" in item for item in fixes.NEVER_FIXED)
    assert set(FIX_ORDER) <= produced_keys()


def test_checks_attach_only_the_listed_fixes() -> None:
    used: set[str] = set()
    for module in (REPO / "devkit" / "doctor").glob("*.py"):
        if module.name != "fixes.py":
            used |= set(re.findall(r"\bfixes\.(\w+)", module.read_text()))
    allowed = {n for n, v in vars(fixes).items() if isinstance(v, fixes.Fix)}
    assert used <= allowed | {"create_tenant", "repair_schema"}
