"""Deterministic TOML text for devkit's flat configuration keys, and additive edits of a file.

The standard library reads TOML but does not write it; devkit's values are only strings, numbers,
booleans and one table of strings (database.env), so a small writer is enough.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

DICT_KEYS = {"database.env"}  # flat keys whose value is a whole table
COMMENTS = {
    "database.provider": "auto | docker | native | external",
    "database.port": "0 = choose a free port once, then keep it",
    "database.image": "docker: the server image; its tag is the PostgreSQL version",
    "tenants.create_super": '"auto", "builtin", or a manage.py command line',
    "tenants.create_guest": '"auto", "builtin", or a manage.py command line',
}
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_HEADER = re.compile(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$")


def flatten(raw: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested TOML data -> dotted keys; database.env stays one dict value."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted not in DICT_KEYS:
            out.update(flatten(value, f"{dotted}."))
        else:
            out[dotted] = value
    return out


def render(flat: dict[str, Any], prefix: str = "", order: list[str] | None = None) -> str:
    """TOML text for `flat`, tables in `order` (the schema order), each key with its comment."""
    sections = _sections(flat, order or [])
    chunks = []
    for table, keys in sections.items():
        lines = [] if table == "" and not prefix else [f"[{_table_name(prefix, table)}]"]
        lines += [_line(table, key, value) for key, value in keys.items()]
        chunks.append("\n".join(lines) + "\n")
    return "\n".join(chunks)


def add_keys(text: str, new: dict[str, Any], prefix: str = "", order: list[str] | None = None) -> str | None:
    """`text` with the keys of `new` inserted into their tables (or new tables appended).

    Every existing byte is kept. Returns None when the file uses a layout this cannot edit safely
    (dotted keys, inline tables): the caller then rewrites the devkit tables instead.
    """
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    appended: dict[str, dict[str, Any]] = {}
    for table, keys in _sections(new, order or []).items():
        name = _table_name(prefix, table)
        at = _table_end(lines, name)
        if at is None:
            appended[table] = keys
            continue
        lines[at:at] = [_line(table, key, value) + "\n" for key, value in keys.items()]
    result = "".join(lines)
    if appended:
        result = result.rstrip("\n") + "\n\n" + render(_unsection(appended), prefix, order)
    return result


def strip_tables(text: str, prefix: str) -> str:
    """`text` without the tables named `prefix` or `prefix.*` (their comments go with them)."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        match = _HEADER.match(line)
        if match:
            name = match.group(1).strip()
            skipping = name == prefix or name.startswith(prefix + ".")
        if not skipping:
            out.append(line)
    return "".join(out).rstrip("\n") + "\n"


def parse_flat(text: str, prefix: str = "") -> dict[str, Any]:
    data: Any = tomllib.loads(text)
    for part in [p for p in prefix.split(".") if p]:
        data = data.get(part, {})
    return flatten(data)


def _sections(flat: dict[str, Any], order: list[str]) -> dict[str, dict[str, Any]]:
    rank = {key: i for i, key in enumerate(order)}
    sections: dict[str, dict[str, Any]] = {}
    for key in sorted(flat, key=lambda k: (rank.get(k, len(rank)), k)):
        value = flat[key]
        if key in DICT_KEYS:
            sections.setdefault(key, {}).update(value)
            continue
        table, _, name = key.rpartition(".")
        sections.setdefault(table, {})[name] = value
    # Top-level keys must come before any table header.
    return dict(sorted(sections.items(), key=lambda item: item[0] != ""))


def _unsection(sections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for table, keys in sections.items():
        if table in DICT_KEYS:
            flat[table] = keys
        else:
            flat.update({f"{table}.{k}" if table else k: v for k, v in keys.items()})
    return flat


def _table_end(lines: list[str], name: str) -> int | None:
    """Index after the last key line of table `name` (before its trailing blank lines)."""
    start = None
    for i, line in enumerate(lines):
        match = _HEADER.match(line)
        if match and start is not None:
            end = i
            break
        if match and match.group(1).strip() == name:
            start = i + 1
    else:
        end = len(lines)
    if start is None:
        return None if name else _top_end(lines)
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _top_end(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if _HEADER.match(line):
            while i > 0 and not lines[i - 1].strip():
                i -= 1
            return i
    return len(lines)


def _table_name(prefix: str, table: str) -> str:
    parts = [p for p in (prefix, table) if p]
    return ".".join(parts)


def _line(table: str, key: str, value: Any) -> str:
    text = f"{_key(key)} = {_value(value)}"
    comment = COMMENTS.get(f"{table}.{key}" if table else key)
    return f"{text}  # {comment}" if comment else text


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON strings are TOML basic strings
    raise TypeError(f"cannot write {type(value).__name__} as a devkit TOML value")
