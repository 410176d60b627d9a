"""Plan, show and write devkit's configuration: devkit.toml or [tool.devkit] in pyproject.toml.

A first run writes the whole file; a re-run only adds the keys that were missing, keeping every
line (and comment) already there, and shows the change as a diff before writing anything.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.config import loading, toml_text
from devkit.core.errors import ConfigError
from devkit.init.discover import PYPROJECT_TABLE, Discovery
from devkit.init.files import FilePlan
from devkit.init.questions import Answers

HEADER = (
    "# devkit configuration, written by `devkit init` (docs/configuration.md lists every key).\n"
    "# Keys not set here are detected on every run or take the built-in default: `devkit config`\n"
    "# shows each effective value and where it came from.\n\n"
)
TARGETS = ("devkit.toml", "pyproject.toml")


@dataclass(frozen=True)
class ConfigPlan:
    file: FilePlan
    values: dict[str, Any]  # the flat keys the configuration will set


def wanted_values(disc: Discovery, answers: Answers) -> dict[str, Any]:
    """The file's keys: what it has, plus the answers, plus detections `loading.load` cannot redo."""
    values = dict(disc.written)
    values.update(answers.values)
    if "database.name" not in values and disc.effective["database.name"][1].startswith("detected"):
        values["database.name"] = disc.value("database.name")  # stable if the folder is renamed
    if "database.env" not in values and disc.db_env and disc.db_env != disc.value("database.env"):
        values["database.env"] = disc.db_env
    return values


def plan(disc: Discovery, answers: Answers, target: str) -> ConfigPlan:
    """The text the configuration file should have, validated like `devkit up` would read it."""
    values = wanted_values(disc, answers)
    order = list(disc.effective)
    path = disc.config_file or disc.root / target
    before = path.read_text() if path.is_file() else ""
    prefix = PYPROJECT_TABLE if path.name == "pyproject.toml" else ""
    if values == disc.written and disc.config_file is not None:
        return ConfigPlan(FilePlan(path, before, before), values)
    new_keys = {k: v for k, v in values.items() if k not in disc.written}
    after = toml_text.add_keys(before, new_keys, prefix, order) if disc.config_file else None
    if after is None or _flat(after, prefix) != values:
        after = _rewrite(before, values, prefix, order)
    _validate(after, path.name)
    return ConfigPlan(FilePlan(path, before, after, first_write=disc.config_file is None), values)


def _rewrite(before: str, values: dict[str, Any], prefix: str, order: list[str]) -> str:
    if not prefix:
        return HEADER + toml_text.render(values, "", order)
    kept = toml_text.strip_tables(before, prefix) if before else ""
    comment = "# devkit (written by `devkit init`; docs/configuration.md)\n"
    body = comment + toml_text.render(values, prefix, order)
    return (kept.rstrip("\n") + "\n\n" if kept.strip() else "") + body


def _flat(text: str, prefix: str) -> dict[str, Any] | None:
    try:
        return toml_text.parse_flat(text, prefix)
    except ValueError:
        return None


def _validate(text: str, name: str) -> None:
    """Load the planned file with devkit's own strict reader, in a scratch folder."""
    with tempfile.TemporaryDirectory(prefix="devkit-init-") as scratch:
        (Path(scratch) / name).write_text(text)
        try:
            loading.load(Path(scratch))
        except ConfigError as exc:
            raise ConfigError(
                f"devkit init would write an invalid {name}: {exc.message}",
                hint="this is a devkit bug; please report it with the diff",
            ) from exc
