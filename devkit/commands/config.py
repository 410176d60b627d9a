"""`devkit config`: the effective configuration with provenance; secrets masked."""

from __future__ import annotations

import json
from typing import Any

from devkit.config import loading
from devkit.config.model import Config
from devkit.core.masking import mask
from devkit.core.ui import UI


def run_config(config: Config, ui: UI) -> tuple[int, dict[str, Any]]:
    from rich.table import Table

    from devkit.database.select import describe

    values = loading.effective(config)
    for warning in config.warnings:
        ui.warn(warning)
    table = Table("key", "value", "from", box=None, pad_edge=False)
    for key, (value, source) in values.items():
        shown = json.dumps(value) if isinstance(value, dict | list) else str(value)
        table.add_row(key, mask(shown), source)
    ui.print(f"project: {config.root}\nconfiguration: {config.source}")
    ui.console.print(table)
    choice = describe(config)
    ui.print(f"database provider now: {choice['provider']} ({mask(choice['reason'])})")
    payload = {
        "project": str(config.root),
        "source": config.source,
        "warnings": list(config.warnings),
        "provider_choice": {"provider": choice["provider"], "reason": mask(choice["reason"])},
        "values": {k: {"value": v, "from": s} for k, (v, s) in values.items()},
    }
    return 0, payload
