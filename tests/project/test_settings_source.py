"""The settings read as source: how INSTALLED_APPS is built and where an empty app string is
(devkit/project/settings_source.py), on settings shaped like the real projects' ones."""

from __future__ import annotations

from pathlib import Path

from devkit.project.settings_source import empty_strings, recipe

BOTH = """\
SHARED_APPS = ["django_tenants", "customers"]
TENANT_APPS = (
    "",
    "orders",
)
THIRD_APPS = ["corsheaders"]
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a and a not in SHARED_APPS] + THIRD_APPS
if DEBUG:
    INSTALLED_APPS.insert(0, "whitenoise.runserver_nostatic")
"""


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_installed_apps_built_from_both_lists(tmp_path: Path) -> None:
    path = _write(tmp_path, "settings.py", BOTH)
    found = recipe([path], "INSTALLED_APPS")
    assert found is not None
    assert {"SHARED_APPS", "TENANT_APPS"} <= found.reads
    assert found.direct == ("SHARED_APPS", "TENANT_APPS", "THIRD_APPS")
    assert found.where == f"{path}:7" and found.opaque == ()


def test_installed_apps_from_shared_apps_alone_or_its_own_list(tmp_path: Path) -> None:
    shared_only = _write(
        tmp_path, "a.py", 'SHARED_APPS = ["x"]\nTENANT_APPS = ["y"]\nINSTALLED_APPS = list(SHARED_APPS)\n'
    )
    own = _write(
        tmp_path, "b.py", 'DJANGO = ["x"]\nSHARED_APPS = DJANGO + ["t"]\nINSTALLED_APPS = DJANGO + ["y"]\n'
    )
    called = _write(tmp_path, "c.py", "INSTALLED_APPS = get_installed_apps()\n")
    one = recipe([shared_only], "INSTALLED_APPS")
    assert one is not None and "SHARED_APPS" in one.reads and "TENANT_APPS" not in one.reads
    two = recipe([own], "INSTALLED_APPS")
    assert two is not None and not {"SHARED_APPS", "TENANT_APPS"} & two.reads
    three = recipe([called], "INSTALLED_APPS")
    assert three is not None and three.opaque == ("get_installed_apps",)
    assert recipe([own], "MIDDLEWARE") is None


def test_empty_strings_are_found_with_their_line_through_the_lists_they_are_built_from(
    tmp_path: Path,
) -> None:
    base = _write(tmp_path, "base.py", 'COMMON = [\n    "a",\n    "  ",\n]\n')
    leaf = _write(tmp_path, "leaf.py", BOTH + "TENANT_APPS = TENANT_APPS + COMMON\n")
    assert sorted(empty_strings([base, leaf], "TENANT_APPS")) == [f"{base}:3", f"{leaf}:3"]
    assert empty_strings([leaf], "SHARED_APPS") == []  # `if a` in a comprehension is no item
