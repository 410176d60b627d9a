"""TOML text for devkit's flat configuration keys, and edits of a user's file that keep it intact.

tomlkit parses and writes TOML as a round trip: an edit adds keys and tables and keeps every
comment, blank line and quoting style already in the file (dotted keys and inline tables too).
tomlkit is imported here only: `devkit init` is the one command that writes TOML.
"""

from __future__ import annotations

import tomllib
from typing import Any

DICT_KEYS = {"database.env", "env", "tenants.fields", "tenants.superuser_fields"}  # whole tables
COMMENTS = {
    "database.provider": "auto | docker | native | external",
    "database.port": "0 = choose a free port once, then keep it",
    "database.image": "docker: the server image; its tag is the PostgreSQL version",
    "tenants.create_super": '"auto", "builtin", or a manage.py command line',
    "tenants.create_guest": '"auto", "builtin", or a manage.py command line',
}


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
    import tomlkit

    document = tomlkit.document()
    _insert(document, flat, prefix, order or [])
    return document.as_string()


def add_keys(text: str, new: dict[str, Any], prefix: str = "", order: list[str] | None = None) -> str | None:
    """`text` with the keys of `new` added to their tables (new tables appended); every existing
    line, comment and blank line is kept. None when `text` is not TOML tomlkit can edit."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(text)
        _insert(document, new, prefix, order or [])
    except (TOMLKitError, TypeError, ValueError):
        return None
    result = document.as_string()
    return result if result.endswith("\n") else result + "\n"


def strip_tables(text: str, prefix: str) -> str:
    """`text` without the table `prefix` and its sub-tables (their comments go with them)."""
    import tomlkit

    document = tomlkit.parse(text)
    *parents, name = prefix.split(".")
    container: Any = document
    for part in parents:
        if part not in container:
            return text
        container = container[part]
    if name in container:
        del container[name]
        if parents and not container:
            del document[parents[0]]
    return document.as_string().rstrip("\n") + "\n"


def parse_flat(text: str, prefix: str = "") -> dict[str, Any]:
    data: Any = tomllib.loads(text)
    for part in [p for p in prefix.split(".") if p]:
        data = data.get(part, {})
    return flatten(data)


def _insert(document: Any, flat: dict[str, Any], prefix: str, order: list[str]) -> None:
    for table, keys in _sections(flat, order).items():
        container = _table(document, [p for p in (*prefix.split("."), *table.split(".")) if p])
        for key, value in keys.items():
            item = _item(f"{table}.{key}" if table else key, value)
            if key in container:
                container[key] = item  # a key already there takes the new value in its place
            else:
                container.add(key, item)


def _table(document: Any, path: list[str]) -> Any:
    """The table at `path`, made when missing (inline inside an inline table); parents made only
    for it are header-less."""
    import tomlkit

    container = document
    for depth, part in enumerate(path):
        if part not in container:
            last = depth == len(path) - 1
            inline = isinstance(container, tomlkit.items.InlineTable)
            container.add(part, tomlkit.inline_table() if inline else tomlkit.table(is_super_table=not last))
        container = container[part]
        if not hasattr(container, "add"):
            raise TypeError(f"{'.'.join(path[: depth + 1])} is not a table")
    return container


def _item(dotted: str, value: Any) -> Any:
    import tomlkit

    if not isinstance(value, bool | int | float | str):
        raise TypeError(f"cannot write {type(value).__name__} as a devkit TOML value")
    item = tomlkit.item(value)
    comment = COMMENTS.get(dotted)
    if comment:
        item.comment(comment)
        item.trivia.comment_ws = "  "
    return item


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
