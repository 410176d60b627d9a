"""YAML with line numbers: mappings, lists and strings that remember where they start.

PyYAML's composer gives every node a start mark; a SafeLoader subclass keeps the 1-based line on
the constructed values. A block scalar (`run: |`) starts on the line after its indicator, so
`Text.line_at(n)` is the file line of the script's n-th line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class Text(str):
    line: int = 0
    block: bool = False

    def line_at(self, index: int) -> int:
        """File line of line `index` (0-based) of this string."""
        return self.line + (1 if self.block else 0) + index


class Map(dict):  # type: ignore[type-arg]
    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class Seq(list):  # type: ignore[type-arg]
    line: int = 0


class _Loader(yaml.SafeLoader):
    pass


def _text(loader: _Loader, node: yaml.ScalarNode) -> Text:
    value = Text(loader.construct_scalar(node))
    value.line = node.start_mark.line + 1
    value.block = node.style in ("|", ">")
    return value


def _map(loader: _Loader, node: yaml.MappingNode) -> Map:
    value = Map()
    value.line = node.start_mark.line + 1
    value.key_lines = {}
    yield value
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        # YAML 1.1 reads the bare key `on` as True; workflows mean the string.
        key = "on" if key is True else str(key)
        value[key] = loader.construct_object(value_node, deep=True)
        value.key_lines[key] = key_node.start_mark.line + 1


def _seq(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    value = Seq()
    value.line = node.start_mark.line + 1
    yield value
    value.extend(loader.construct_object(child, deep=True) for child in node.value)


_Loader.add_constructor("tag:yaml.org,2002:str", _text)
_Loader.add_constructor("tag:yaml.org,2002:map", _map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _seq)


class SourceError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def load_yaml(path: Path) -> Any:
    """Parse one YAML document; SourceError carries the line of a syntax error."""
    try:
        return yaml.load(path.read_text(), Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SourceError(f"{exc.problem or exc}", (mark.line + 1) if mark else 1) from exc
    except yaml.YAMLError as exc:
        raise SourceError(str(exc), 1) from exc


def line_of(value: Any, default: int) -> int:
    return int(getattr(value, "line", 0) or default)
