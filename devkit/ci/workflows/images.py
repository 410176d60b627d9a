"""Is an image reference pinned? Expand what the workflow defines, then judge the literal.

Pinned: a `@sha256:` digest, or a tag ending in 7 to 40 hex characters. Every reference to the
commit (`github.sha`, `$GITHUB_SHA`, `${GITHUB_SHA::7}`, `git rev-parse HEAD`) expands to such a
hex string first; variables and outputs expand to their definitions in the same workflow. What
cannot be traced (a repository variable, an input, an action's output) stays a marker and
counts as not pinned.
"""

from __future__ import annotations

import re
from collections.abc import Callable

COMMIT = "c0ffee1"  # what every reference to the commit expands to: 7 hex characters
_SHA_EXPR = re.compile(r"\bgithub\.sha\b|\bGITHUB_SHA\b|\bgithub\.event\.[\w.]*head[\w.]*\.sha\b")
_SHA_SHELL = re.compile(r"\$\{GITHUB_SHA[^}]*\}|\$GITHUB_SHA\b|\$\(\s*git\s+rev-parse\b[^)]*\)")
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_SHELL_VAR = re.compile(r"\$\{([A-Za-z_]\w*)(?::?([-=?])([^}]*))?\}|\$([A-Za-z_]\w*)")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}\b")
_HEX_TAG = re.compile(r"(?:^|[-_.])[0-9a-f]{7,40}$")
MARK_OPEN, MARK_CLOSE = "\x01", "\x02"
_MARK = re.compile(f"{MARK_OPEN}(.*?){MARK_CLOSE}")

# (kind, name) -> the definition text, or None when the workflow does not define it.
# kind: "expr" for the inside of ${{ }}, "shell" for a $VAR in a run script.
Lookup = Callable[[str, str], "str | None"]


def expand(text: str, lookup: Lookup, depth: int = 0) -> str:
    """Replace commit references by COMMIT, defined names by their (expanded) definitions and
    untraceable names by a marker."""

    def expression(match: re.Match[str]) -> str:
        return _alternatives(match.group(1), lookup, depth)

    def shell(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        default = match.group(3) if match.group(2) in ("-", "=") else None
        found = lookup("shell", name) if depth < 6 else None
        if found is None:
            found = default  # ${VAR:-default}: the default applies when VAR is not defined
        return expand(found, lookup, depth + 1) if found is not None else _mark("shell " + name)

    text = EXPR.sub(expression, text)
    text = _SHA_SHELL.sub(COMMIT, text)
    return _SHELL_VAR.sub(shell, text)


def _alternatives(inner: str, lookup: Lookup, depth: int) -> str:
    """`a || b`: GitHub takes the first alternative that is not empty. The commit is never
    empty, so alternatives after it do not count; an alternative before it may be taken, so
    the value is pinned only when that one is too (`inputs.tag || github.sha` is the input's)."""
    values = []
    for alternative in _top_level(inner, "||"):
        term = _top_level(alternative, "&&")[-1]  # `cond && 'a' || 'b'`: the value is 'a' or 'b'
        if _SHA_EXPR.fullmatch(term):
            values.append(COMMIT)
            break
        values.append(_term(term, lookup, depth))
    unpinned = [v for v in values if judge_tag(v) is not None]
    return unpinned[0] if unpinned else values[0]


def _term(term: str, lookup: Lookup, depth: int) -> str:
    literal = re.fullmatch(r"'((?:[^']|'')*)'", term)
    if literal:
        return literal.group(1).replace("''", "'")
    if _SHA_EXPR.search(term):
        return COMMIT
    found = lookup("expr", term) if depth < 6 else None
    return expand(found, lookup, depth + 1) if found is not None else _mark("expr " + term)


def _top_level(text: str, operator: str) -> list[str]:
    """`text` split at `operator` outside quotes and parentheses, each part stripped."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(operator, i):
            parts.append(text[start:i].strip())
            start = i = i + len(operator)
            continue
        i += 1
    parts.append(text[start:].strip())
    return parts


def _mark(name: str) -> str:
    return f"{MARK_OPEN}{name}{MARK_CLOSE}"


def _source(mark: str) -> str:
    kind, _, name = mark.partition(" ")
    return "$" + name if kind == "shell" else "${{ " + name + " }}"


def shown(text: str) -> str:
    """A marker-free rendering of an expanded value, for messages."""
    return _MARK.sub(lambda m: _source(m.group(1)), text)


def judge_ref(ref: str) -> str | None:
    """Why an expanded image reference is not pinned, or None when it is."""
    ref = ref.strip().strip("'\"")
    if _DIGEST.search(ref):
        return None
    last = ref.rsplit("/", 1)[-1]
    if ":" not in _MARK.sub("", last):
        untraced = _MARK.findall(last)
        if untraced:  # the variable may carry a whole reference: judged as a tag would be
            return _untraced(untraced[0])
        return "untagged (that means :latest)"
    return judge_tag(last.rsplit(":", 1)[1])


def judge_tag(tag: str) -> str | None:
    """Why an expanded tag is not pinned, or None when it is."""
    tag = tag.strip().strip("'\"")
    if _DIGEST.search(tag):
        return None
    if tag == "latest" or tag.endswith("-latest"):
        return f"the mutable tag {shown(tag)!r}"
    if _HEX_TAG.search(tag):
        return None
    untraced = _MARK.findall(tag)
    if untraced:
        return _untraced(untraced[0])
    return f"the tag {shown(tag)!r}, which is neither the commit nor a digest"


def _untraced(mark: str) -> str:
    return f"a tag from {_source(mark)}, which this workflow does not derive from github.sha"
