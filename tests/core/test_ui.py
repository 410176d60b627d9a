"""The one console (devkit/core/ui.py): what devkit prints from a project reaches the terminal as
written."""

from __future__ import annotations

from typing import Any

from devkit.core.ui import UI


def test_text_that_looks_like_an_emoji_code_is_printed_as_written(capsys: Any) -> None:
    """Met on a real workflow: rich's emoji codes turned `deploy.yml:100: DK101` into
    `deploy.yml💯 DK101`."""
    UI().print("deploy.yml:100: DK101 image-not-pinned; a path with :smile: in it")
    assert capsys.readouterr().out == "deploy.yml:100: DK101 image-not-pinned; a path with :smile: in it\n"
