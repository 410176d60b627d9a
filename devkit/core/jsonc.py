"""JSON with comments and trailing commas (devcontainer.json, VS Code settings): read, and merge
new keys into the text so that every key, comment and blank line the user wrote stays put.

`loads(text)` is the whole reading API. `merge(text, wanted)` adds what `wanted` has and the text
lacks; values the user already set are kept (and reported as conflicts when they differ).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Any

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


class JSONCError(ValueError):
    """Invalid JSONC; the message names the line and column."""


@dataclass
class Node:
    """A parsed value and where it sits in the text (end is exclusive)."""

    value: Any
    start: int
    end: int
    members: dict[str, Node] = field(default_factory=dict)  # objects
    items: list[Node] = field(default_factory=list)  # arrays


def loads(text: str) -> Any:
    """Parse JSONC: // and /* */ comments and trailing commas allowed."""
    return parse(text).value


def parse(text: str) -> Node:
    parser = _Parser(text)
    node = parser.value()
    parser.skip()
    if parser.pos != len(text):
        parser.fail("unexpected text after the value")
    return node


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, why: str) -> None:
        line = self.text.count("\n", 0, self.pos) + 1
        column = self.pos - (self.text.rfind("\n", 0, self.pos) + 1) + 1
        raise JSONCError(f"line {line} column {column}: {why}")

    def skip(self) -> None:
        """Skip whitespace and comments."""
        text = self.text
        while self.pos < len(text):
            if text[self.pos] in " \t\r\n\ufeff":
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end == -1 else end
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end == -1:
                    self.fail("unterminated /* comment")
                self.pos = end + 2
            else:
                return

    def value(self) -> Node:
        self.skip()
        if self.pos >= len(self.text):
            self.fail("unexpected end of text")
        char = self.text[self.pos]
        if char == "{":
            return self.container("}", self.member)
        if char == "[":
            return self.container("]", self.item)
        if char == '"':
            start = self.pos
            return Node(self.string(), start, self.pos)
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return Node(literal, self.pos - len(word), self.pos)
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            self.fail(f"unexpected character {char!r}")
        self.pos = match.end()
        return Node(json.loads(match.group()), match.start(), match.end())

    def string(self) -> str:
        try:
            value, self.pos = scanstring(self.text, self.pos + 1, True)
        except json.JSONDecodeError as exc:
            self.pos = exc.pos
            self.fail(exc.msg)
        return value

    def container(self, close: str, element: Any) -> Node:
        node = Node({} if close == "}" else [], self.pos, 0)
        self.pos += 1
        while True:
            self.skip()
            if self.text.startswith(close, self.pos):
                break
            element(node)
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
            elif not self.text.startswith(close, self.pos):
                self.fail(f"expected ',' or '{close}'")
        self.pos += 1
        node.end = self.pos
        return node

    def member(self, node: Node) -> None:
        if not self.text.startswith('"', self.pos):
            self.fail("expected a quoted key")
        key = self.string()
        self.skip()
        if not self.text.startswith(":", self.pos):
            self.fail("expected ':'")
        self.pos += 1
        child = self.value()
        node.members[key] = child
        node.value[key] = child.value

    def item(self, node: Node) -> None:
        child = self.value()
        node.items.append(child)
        node.value.append(child.value)


# -- merging ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Merged:
    text: str
    value: Any
    conflicts: tuple[str, ...]  # "key.path: kept yours (x), devkit suggests y"


def merge(text: str, wanted: dict[str, Any]) -> Merged:
    """Insert into the JSONC `text` the keys (and array items) of `wanted` it lacks."""
    root = parse(text)
    if not isinstance(root.value, dict):
        raise JSONCError("the top-level value is not an object")
    edits: list[tuple[int, str]] = []
    conflicts: list[str] = []
    _merge_object(text, root, wanted, "", edits, conflicts, _indent_unit(text))
    # Back to front, so earlier positions stay valid; at one position the later edit goes first.
    for _, pos, insert in sorted(
        ((i, p, s) for i, (p, s) in enumerate(edits)), key=lambda e: (e[1], e[0]), reverse=True
    ):
        text = text[:pos] + insert + text[pos:]
    return Merged(text, loads(text), tuple(conflicts))


def _merge_object(
    text: str,
    node: Node,
    wanted: dict[str, Any],
    path: str,
    edits: list[tuple[int, str]],
    conflicts: list[str],
    unit: str,
) -> None:
    missing = {}
    for key, value in wanted.items():
        here = node.members.get(key)
        where = f"{path}{key}"
        if here is None:
            missing[key] = value
        elif isinstance(value, dict) and isinstance(here.value, dict):
            _merge_object(text, here, value, f"{where}.", edits, conflicts, unit)
        elif isinstance(value, list) and isinstance(here.value, list):
            extra = [item for item in value if item not in here.value]
            if extra:
                _append(text, here, here.items, [_dump(v, "", unit) for v in extra], edits, unit)
        elif here.value != value:
            conflicts.append(
                f"{where}: kept yours ({json.dumps(here.value)}), devkit would set {json.dumps(value)}"
            )
    if missing:
        members = list(node.members.values())
        lines = [
            f"{json.dumps(key)}: {_dump(value, _line_indent(text, node.start) + unit, unit)}"
            for key, value in missing.items()
        ]
        _append(text, node, members, lines, edits, unit)


def _append(
    text: str, node: Node, children: list[Node], entries: list[str], edits: list[tuple[int, str]], unit: str
) -> None:
    """Add entries after the last child (keeping its line comment) or inside an empty container."""
    inline = "\n" not in text[node.start : node.end]
    if children and inline:
        edits.append((children[-1].end, "".join(f", {e}" for e in entries)))
        return
    if not children:
        indent = _line_indent(text, node.start)
        body = ",".join(f"\n{indent}{unit}{e}" for e in entries)
        edits.append((node.start + 1, body + "\n" + indent))
        return
    last = children[-1]
    indent = _line_indent(text, last.start)
    after = last.end
    rest = re.match(r"[ \t]*(,?)[ \t]*(//[^\n]*|/\*.*?\*/)?[ \t]*(?=\n)", text[after:], re.S)
    if rest is None:  # something else follows on the line (e.g. the closing bracket)
        edits.append((after, "".join(f",\n{indent}{e}" for e in entries)))
        return
    if not rest.group(1):
        edits.append((after, ","))
    body = ",".join(f"\n{indent}{e}" for e in entries)
    edits.append((after + rest.end(), body + ("," if rest.group(1) else "")))


def _dump(value: Any, indent: str, unit: str) -> str:
    rendered = json.dumps(value, indent=unit or None, ensure_ascii=False)
    return rendered.replace("\n", "\n" + indent)


def _line_indent(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    return re.match(r"[ \t]*", text[start:]).group()  # type: ignore[union-attr]


def _indent_unit(text: str) -> str:
    """The document's indentation step: the first indented line's leading whitespace."""
    match = re.search(r"\n([ \t]+)\S", text)
    return match.group(1) if match else "  "
