"""Keys devkit writes into the project's own configuration (devkit.toml, or pyproject.toml's
[tool.devkit]) when it learns them from the project: every other line is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devkit.config import loading, toml_text
from devkit.config.model import Config
from devkit.core.errors import StepFailed


def write_keys(config: Config, values: dict[str, Any]) -> Config:
    """`values` written into the configuration's file; the configuration read again."""
    target = Path(config.source.split(" ")[0]) if config.source != "(none)" else config.root / "devkit.toml"
    prefix = "tool.devkit" if target.name == "pyproject.toml" else ""
    text = target.read_text(encoding="utf-8") if target.is_file() else ""
    new = toml_text.add_keys(text, values, prefix)
    if new is None:
        raise StepFailed(f"{target} cannot be edited as TOML", hint="fix its syntax")
    target.write_text(new, encoding="utf-8")
    return loading.load(config.root)
