"""Where `devkit docs` reads and writes, from the `[docs]` table when config.py has one.

Read through getattr so this works before and after `DocsConfig` lands in config.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.config.model import Config


@dataclass(frozen=True)
class DocsSettings:
    copilot_instructions: str = ".github/copilot-instructions.md"
    roadmap: str = "docs/ROADMAP.md"
    roadmap_source: str = "docs/roadmap.toml"
    agents_md: str = ""  # "" = no AGENTS.md; e.g. "AGENTS.md" writes the same blocks there
    templates: str = ""  # a project folder whose templates replace the packaged ones by name
    workflows: str = ".github/workflows"


def docs_settings(config: Config) -> DocsSettings:
    """The configured docs paths, with the defaults for every key config.py does not know yet."""
    table: Any = getattr(config, "docs", None)
    defaults = DocsSettings()
    values = {
        name: getattr(table, name, getattr(defaults, name)) for name in DocsSettings.__dataclass_fields__
    }
    return DocsSettings(**values)


def rel(config: Config, path: Path) -> str:
    """`path` relative to the project root, with forward slashes (what generated files show)."""
    try:
        return path.resolve().relative_to(config.root).as_posix()
    except ValueError:
        return path.name
