"""The roadmap source (docs/roadmap.toml): phases with a status, dates and items.

    [[phase]]
    name = "Foundations"          # required
    status = "done"               # required: planned | in-progress | done | blocked | dropped
    start = 2024-01-15            # optional: a TOML date or a string ("Q3 2024")
    end = 2024-03-01              # optional
    items = ["Tenant model", "CI pipeline"]   # optional list of strings
    notes = "..."                 # optional

Errors name the file and line (of the phase's `[[phase]]` header for schema errors).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.core.errors import ConfigError

STATUSES = ("planned", "in-progress", "done", "blocked", "dropped")
_KEYS = {"name", "status", "start", "end", "items", "notes"}
_HINT = "see the roadmap.toml schema in docs/docs-command.md"


@dataclass(frozen=True)
class Phase:
    name: str
    status: str
    start: str
    end: str
    items: tuple[str, ...]
    notes: str

    @property
    def dates(self) -> str:
        if self.start and self.end:
            return f"{self.start} to {self.end}"
        return self.start or (f"until {self.end}" if self.end else "")


def load_roadmap(path: Path, where: str) -> list[Phase]:
    """The phases in `path`; [] when the file does not exist."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    return parse_roadmap(text, where)


def parse_roadmap(text: str, where: str) -> list[Phase]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        # tomllib says "at end of document" instead of a line for an unfinished last value.
        line = f":{found.group(1)}" if found else f":{text.count(chr(10)) + 1}"
        raise ConfigError(f"{where}{line}: invalid TOML: {exc}", hint=_HINT) from exc
    unknown = sorted(set(data) - {"phase"})
    if unknown:
        raise ConfigError(
            f"{where}:{_key_line(text, unknown[0])}: unknown key {unknown[0]!r} (only [[phase]] tables)",
            hint=_HINT,
        )
    phases = data.get("phase", [])
    if not isinstance(phases, list):
        raise ConfigError(
            f"{where}:{_key_line(text, 'phase')}: `phase` must be an array of tables ([[phase]])", hint=_HINT
        )
    headers = [n + 1 for n, line in enumerate(text.splitlines()) if re.match(r"\s*\[\[\s*phase\s*\]\]", line)]
    return [
        _phase(entry, f"{where}:{headers[i] if i < len(headers) else 1}") for i, entry in enumerate(phases)
    ]


def _key_line(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*(\[+\s*)?{re.escape(key)}\b", line):
            return number
    return 1


def _phase(entry: dict[str, Any], where: str) -> Phase:
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: [[phase]] has unknown key {unknown[0]!r}; known: {', '.join(sorted(_KEYS))}",
            hint=_HINT,
        )
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: [[phase]] needs a `name` string", hint=_HINT)
    status = entry.get("status")
    if status not in STATUSES:
        raise ConfigError(
            f"{where}: phase {name!r}: status must be one of {', '.join(STATUSES)}, got {status!r}",
            hint=_HINT,
        )
    items = entry.get("items", [])
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ConfigError(f"{where}: phase {name!r}: `items` must be a list of strings", hint=_HINT)
    notes = entry.get("notes", "")
    if not isinstance(notes, str):
        raise ConfigError(f"{where}: phase {name!r}: `notes` must be a string", hint=_HINT)
    return Phase(
        name.strip(),
        status,
        _date(entry.get("start"), where, name, "start"),
        _date(entry.get("end"), where, name, "end"),
        tuple(items),
        notes,
    )


def _date(value: Any, where: str, name: str, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | str):
        return value.isoformat() if not isinstance(value, str) else value
    raise ConfigError(f"{where}: phase {name!r}: `{key}` must be a date or a string", hint=_HINT)
