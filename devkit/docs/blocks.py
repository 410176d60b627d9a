"""Marker blocks: devkit rewrites only what sits between its markers and keeps every other byte.

    <!-- devkit:begin NAME -->
    ...generated...
    <!-- devkit:end NAME -->

Blocks missing from a file are inserted after the block that precedes them in the file's
declared order; when none of them exists yet, at the file's insertion point: "top" (after the
first `# ` title line) or "end".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devkit.core.errors import ConfigError

_MARKER = re.compile(r"^<!-- devkit:(?P<kind>begin|end) (?P<name>[A-Za-z0-9_.-]+) -->\r?$", re.M)


@dataclass(frozen=True)
class Span:
    name: str
    start: int  # offset of the begin marker
    end: int  # offset just after the end marker's line (its newline included when present)


def wrap(name: str, body: str) -> str:
    """A complete block, markers included, ending with a newline."""
    return f"<!-- devkit:begin {name} -->\n{body.rstrip()}\n<!-- devkit:end {name} -->\n"


def find_blocks(text: str, where: str) -> dict[str, Span]:
    """Every marker block in `text`; unbalanced, nested or repeated markers raise with the line."""
    spans: dict[str, Span] = {}
    open_name, open_at = "", -1
    for match in _MARKER.finditer(text):
        kind, name = match.group("kind"), match.group("name")
        line = text.count("\n", 0, match.start()) + 1
        if kind == "begin":
            if open_name:
                raise _marker_error(where, line, f"begin {name} inside the open block {open_name}")
            if name in spans:
                raise _marker_error(where, line, f"block {name} appears twice")
            open_name, open_at = name, match.start()
        else:
            if name != open_name:
                expected = f"end {open_name}" if open_name else "no end marker here"
                raise _marker_error(where, line, f"end {name} without its begin ({expected})")
            end = match.end() + (1 if text[match.end() : match.end() + 1] == "\n" else 0)
            spans[name] = Span(name, open_at, end)
            open_name = ""
    if open_name:
        line = text.count("\n", 0, open_at) + 1
        raise _marker_error(where, line, f"begin {open_name} has no end marker")
    return spans


def _marker_error(where: str, line: int, problem: str) -> ConfigError:
    return ConfigError(
        f"{where}:{line}: devkit markers: {problem}",
        hint="each `<!-- devkit:begin NAME -->` needs one matching "
        "`<!-- devkit:end NAME -->` (see docs/docs-command.md)",
    )


def merge(existing: str, blocks: dict[str, str], where: str, position: str) -> str:
    """`existing` with each named block replaced or inserted; `blocks` is name -> body, in order."""
    spans = find_blocks(existing, where)
    out = existing
    # Replace from the end so earlier offsets stay valid.
    for span in sorted((s for s in spans.values() if s.name in blocks), key=lambda s: s.start, reverse=True):
        out = out[: span.start] + wrap(span.name, blocks[span.name]) + out[span.end :]
    names = list(blocks)
    for index, name in enumerate(names):
        if name in spans:
            continue
        current = find_blocks(out, where)
        before = [current[n] for n in names[:index] if n in current]
        after = [current[n] for n in names[index + 1 :] if n in current]
        if before:
            at = before[-1].end
        elif after:
            at = after[0].start
        else:
            at = _insertion_point(out, position)
        out = _insert(out, at, wrap(name, blocks[name]))
    return out


def _insertion_point(text: str, position: str) -> int:
    if position == "top":
        title = re.search(r"^# .*(\n|$)", text, re.M)
        if title:
            return title.end()
        return 0
    return len(text)


def _insert(text: str, at: int, block: str) -> str:
    head, tail = text[:at], text[at:]
    if head and not head.endswith("\n"):
        head += "\n"
    if head and not head.endswith("\n\n"):
        head += "\n"  # a blank line before the block keeps Markdown paragraphs apart
    if tail and not tail.startswith("\n"):
        block += "\n"
    return head + block + tail
