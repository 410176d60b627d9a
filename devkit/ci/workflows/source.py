"""YAML with line numbers: mappings, lists and strings that remember where they start.

PyYAML's composer gives every node a start mark; a SafeLoader subclass keeps the 1-based line on
the constructed values. A block scalar (`run: |`) starts on the line after its indicator, so
`Text.line_at(n)` is the file line of the script's n-th line.

GitHub rejects a workflow with a duplicate mapping key anywhere ("'jobs' is already defined")
while PyYAML keeps the last value: every definition is kept here (`Map.alternatives`) so that
the duplicate is reported with both lines and the rules can run on each definition. Input that
could exhaust memory or time (binary data, an alias bomb, deep nesting) is refused as a
SourceError, never expanded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1_000_000  # far above any real workflow; bounds parse time
MAX_NODES = 100_000  # nodes after alias expansion: the billion-laughs bound
MAX_DEPTH = 200


class Text(str):
    line: int = 0
    block: bool = False

    def line_at(self, index: int) -> int:
        """File line of line `index` (0-based) of this string."""
        return self.line + (1 if self.block else 0) + index


class Map(dict):  # type: ignore[type-arg]
    line: int = 0
    key_lines: dict[str, int]
    # key -> [(key line, value), ...] for keys defined more than once (in file order)
    alternatives: dict[str, list[tuple[int, Any]]]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class Seq(list):  # type: ignore[type-arg]
    line: int = 0


def new_map(line: int) -> Map:
    value = Map()
    value.line = line
    value.key_lines = {}
    value.alternatives = {}
    return value


class _Loader(yaml.SafeLoader):
    pass


def _text(loader: _Loader, node: yaml.ScalarNode) -> Text:
    value = Text(loader.construct_scalar(node))
    value.line = node.start_mark.line + 1
    value.block = node.style in ("|", ">")
    return value


def _map(loader: _Loader, node: yaml.MappingNode) -> Iterator[Map]:
    value = new_map(node.start_mark.line + 1)
    yield value
    explicit = {id(k) for k, _ in node.value}
    loader.flatten_mapping(node)  # `<<: *anchor` merge keys come first; explicit keys override
    explicit_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        # YAML 1.1 reads the bare key `on` as True; workflows mean the string.
        key = "on" if key is True else str(key)
        item = loader.construct_object(value_node, deep=True)
        line = key_node.start_mark.line + 1
        if id(key_node) in explicit:
            if key in explicit_lines:
                value.alternatives.setdefault(key, [(explicit_lines[key], value[key])])
                value.alternatives[key].append((line, item))
            explicit_lines[key] = line
        value[key] = item
        value.key_lines[key] = line


def _seq(loader: _Loader, node: yaml.SequenceNode) -> Iterator[Seq]:
    value = Seq()
    value.line = node.start_mark.line + 1
    yield value
    value.extend(loader.construct_object(child, deep=True) for child in node.value)


_Loader.add_constructor("tag:yaml.org,2002:str", _text)
_Loader.add_constructor("tag:yaml.org,2002:map", _map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _seq)


class SourceError(Exception):
    """A file devkit will not parse. `invalid`: the text is not YAML (else a limit or the bytes)."""

    def __init__(self, message: str, line: int, hint: str = "", invalid: bool = True) -> None:
        super().__init__(message)
        self.line = line
        self.hint = hint or "fix the file (or do not pass it)"
        self.invalid = invalid


def max_bytes() -> int:
    """The size limit: MAX_BYTES, or $DEVKIT_WORKFLOW_MAX_BYTES for a larger (generated) file."""
    try:
        return max(1, int(os.environ.get("DEVKIT_WORKFLOW_MAX_BYTES", MAX_BYTES)))
    except ValueError:
        return MAX_BYTES


def read_text(path: Path) -> str:
    """The file as UTF-8 text; SourceError for a binary, non-UTF-8 or oversized file."""
    limit = max_bytes()
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        size = path.stat().st_size
        raise SourceError(
            f"{size // 1000} kB, over devkit's size limit of {limit // 1000} kB per workflow: not checked",
            1,
            hint="real workflows are far smaller; to check a larger (generated) file, raise the limit: "
            f"DEVKIT_WORKFLOW_MAX_BYTES={size + 1} devkit check-workflows {path.name}",
            invalid=False,
        )
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise SourceError("a binary file (it contains NUL bytes), not YAML text", line, invalid=False)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line, invalid=False) from exc


def _expanded_size(node: yaml.Node) -> int:
    """Nodes after alias expansion, counted without expanding (memoised per node); raises
    SourceError past MAX_NODES or MAX_DEPTH and on a self-referencing alias."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(current: yaml.Node, depth: int) -> int:
        key = id(current)
        if key in sizes:
            return sizes[key]
        line = current.start_mark.line + 1
        if key in active:
            raise SourceError("an alias refers to the node that contains it (infinite structure)", line)
        if depth > MAX_DEPTH:
            raise SourceError(f"nested deeper than {MAX_DEPTH} levels", line)
        active.add(key)
        total = 1
        if isinstance(current, yaml.SequenceNode):
            total += sum(size(child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in current.value)
        active.discard(key)
        if total > MAX_NODES:
            raise SourceError(
                f"aliases expand to more than {MAX_NODES} nodes (an alias bomb?): refused unexpanded",
                line,
            )
        sizes[key] = total
        return total

    return size(node, 0)


def load_yaml(path: Path) -> Any:
    """Parse one YAML document; SourceError carries the line of the problem."""
    text = read_text(path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SourceError(f"{exc.problem or exc}", (mark.line + 1) if mark else 1) from exc
    except yaml.YAMLError as exc:
        raise SourceError(str(exc), 1) from exc
    except RecursionError as exc:
        raise SourceError("nested too deeply to parse", 1) from exc
    finally:
        loader.dispose()


def load_documents(text: str) -> list[Any]:
    """Every YAML document of a text (a manifest fed to `kubectl apply -f -`), with line numbers
    relative to the text (1-based); SourceError when it is not YAML."""
    loader = _Loader(text)
    documents = []
    try:
        while loader.check_node():
            node = loader.get_node()
            _expanded_size(node)
            documents.append(loader.construct_document(node))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SourceError(f"{exc.problem or exc}", (mark.line + 1) if mark else 1) from exc
    except yaml.YAMLError as exc:
        raise SourceError(str(exc), 1) from exc
    except RecursionError as exc:
        raise SourceError("nested too deeply to parse", 1) from exc
    finally:
        loader.dispose()
    return documents


def checked_text(path: Path) -> str:
    """The text of a YAML file that any YAML reader may then parse safely: UTF-8, not binary,
    bounded size, aliases and nesting bounded. SourceError (with a line) otherwise."""
    load_yaml(path)
    return read_text(path)


def duplicates(value: Any, found: list[tuple[str, int, int]] | None = None) -> list[tuple[str, int, int]]:
    """Every duplicate key anywhere: (key, first line, later line), in file order."""
    found = [] if found is None else found
    if isinstance(value, Map):
        for key, defs in value.alternatives.items():
            found += [(key, defs[0][0], line) for line, _ in defs[1:]]
        for item in _all_values(value):
            duplicates(item, found)
    elif isinstance(value, list):
        for item in value:
            duplicates(item, found)
    return found


def _all_values(value: Map) -> list[Any]:
    out: list[Any] = []
    for key, item in value.items():
        defs = value.alternatives.get(key)
        out += [v for _, v in defs] if defs else [item]
    return out


def variants(value: Any, limit: int = 8) -> list[Any]:
    """The document once per definition of duplicated keys: variant k takes the k-th definition
    (or the last, when a key has fewer) everywhere, so that a rule sees each definition."""
    count = min(limit, _max_definitions(value))
    return [value] if count <= 1 else [_pick(value, k) for k in range(count)]


def _max_definitions(value: Any) -> int:
    if isinstance(value, Map):
        here = max((len(d) for d in value.alternatives.values()), default=1)
        return max([here, *(_max_definitions(v) for v in _all_values(value))])
    if isinstance(value, list):
        return max((_max_definitions(v) for v in value), default=1)
    return 1


def _pick(value: Any, k: int) -> Any:
    if isinstance(value, Map):
        out = new_map(value.line)
        for key in value:
            defs = value.alternatives.get(key)
            line, item = defs[min(k, len(defs) - 1)] if defs else (value.key_lines[key], value[key])
            out[key] = _pick(item, k)
            out.key_lines[key] = line
        return out
    if isinstance(value, Seq):
        seq = Seq(_pick(v, k) for v in value)
        seq.line = value.line
        return seq
    return value


def line_of(value: Any, default: int) -> int:
    return int(getattr(value, "line", 0) or default)
