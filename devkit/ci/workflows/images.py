"""Is an image reference pinned? Expand what the workflow defines, then judge the literal.

Pinned: a `@sha256:` digest, a tag that contains the commit anywhere (`sha-<sha>`,
`$(date +%Y%m%d).${GITHUB_SHA::8}`), or a literal tag ending in 7 to 40 hex characters. Every
reference to the commit (`github.sha`, `$GITHUB_SHA`, `${GITHUB_SHA::7}`, `git rev-parse HEAD`,
a command substitution fed with one of them) expands to COMMIT first; variables and outputs
expand to their definitions in the same workflow. What cannot be traced (a repository variable,
an input, an action's output, a command's output) stays a marker and counts as not pinned: the
"could not trace" form. The branch or tag name (`github.ref_name`, `$GITHUB_REF`) is a marker
of its own: it moves with every push.
"""

from __future__ import annotations

import re
from collections.abc import Callable

COMMIT = "c0ffee1"  # what every reference to the commit expands to: 7 hex characters
_SHA_EXPR = re.compile(r"\bgithub\.sha\b|\bGITHUB_SHA\b|\bgithub\.event\.[\w.]*head[\w.]*\.sha\b")
_SHA_SHELL = re.compile(r"\$\{GITHUB_SHA\b|\$GITHUB_SHA\b|\bgit\s+rev-parse\b|\bgit\s+log\b[^)]*%[hH]")
_REF_EXPR = re.compile(r"^github\.(?:ref|ref_name|head_ref|base_ref|event\.release\.tag_name)$")
_REF_VARS = {"GITHUB_REF", "GITHUB_REF_NAME", "GITHUB_HEAD_REF", "GITHUB_BASE_REF"}
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_NAME = re.compile(r"[A-Za-z_]\w*")
_DEFAULT = re.compile(r"^:?[-=]")
_ALTERNATE = re.compile(r"^:?\+")
_REQUIRED = re.compile(r"^:?\?")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}\b")
_VERSION = re.compile(r"v?\d+(?:\.\d+)*(?:[-+.][\w.]+)*")
_HEX_TAG = re.compile(r"(?:^|[-_.])[0-9a-f]{7,40}$")
MARK_OPEN, MARK_CLOSE = "\x01", "\x02"
_MARK = re.compile(f"{MARK_OPEN}(.*?){MARK_CLOSE}", re.DOTALL)  # a `$( )` may span lines
# inside a marker, the characters that split a reference are stored as others
_HIDDEN = str.maketrans({":": "\x03", "/": "\x04", "@": "\x05"})
_SHOWN = str.maketrans({"\x03": ":", "\x04": "/", "\x05": "@"})
_MAX_DEPTH = 6

# (kind, name) -> the definition text, or None when the workflow does not define it.
# kind: "expr" for the inside of ${{ }}, "shell" for a $VAR in a run script.
Lookup = Callable[[str, str], "str | None"]


def expand(text: str, lookup: Lookup, depth: int = 0) -> str:
    """Replace commit references by COMMIT, defined names by their (expanded) definitions and
    what cannot be traced by a marker."""
    text = EXPR.sub(lambda m: _alternatives(m.group(1), lookup, depth), text)
    return _shell(text, lookup, depth)


def _shell(text: str, lookup: Lookup, depth: int) -> str:
    """`$( )`/backticks, `${NAME…}` and `$NAME`, left to right."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$(", i) or text[i] == "`":
            end = _closing(text, i + 2, "(", ")") if text[i] == "$" else text.find("`", i + 1) + 1
            end = end if end > i else len(text)
            inner = text[i:end]
            out.append(COMMIT if COMMIT in inner or _SHA_SHELL.search(inner) else _mark("cmd " + inner))
            i = end
        elif text.startswith("${", i):
            end = _closing(text, i + 2, "{", "}")
            end = end if end > i else len(text)
            out.append(_parameter(text[i + 2 : end - 1], lookup, depth))
            i = end
        elif text[i] == "$" and (name := _NAME.match(text, i + 1)):
            out.append(_variable(name.group(0), None, lookup, depth))
            i = name.end()
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _closing(text: str, start: int, opening: str, closing: str) -> int:
    """Index after the bracket closing the one opened before `start` (0 when it never closes)."""
    level = 1
    for i in range(start, len(text)):
        if text[i] == opening:
            level += 1
        elif text[i] == closing:
            level -= 1
            if level == 0:
                return i + 1
    return 0


def _parameter(inside: str, lookup: Lookup, depth: int) -> str:
    """`${NAME}`, `${NAME:-default}`, `${GITHUB_SHA::8}`, `${GITHUB_REF##*/}`, `${NAME,,}`."""
    name = _NAME.match(inside)
    if name is None:
        return _mark("cmd ${" + inside + "}")
    rest = inside[name.end() :]
    default = _DEFAULT.match(rest)
    if default:
        return _variable(name.group(0), rest[default.end() :], lookup, depth)
    alternate = _ALTERNATE.match(rest)
    if alternate:  # ${NAME:+text}: the text when NAME is set
        return expand(rest[alternate.end() :], lookup, depth + 1)
    value = _variable(name.group(0), None, lookup, depth)
    if not rest or _REQUIRED.match(rest) or COMMIT in value:
        return value  # a slice or case change of the commit is still the commit
    return value if _MARK.fullmatch(value) else _mark("shell " + name.group(0))


def _variable(name: str, default: str | None, lookup: Lookup, depth: int) -> str:
    if name == "GITHUB_SHA":
        return COMMIT
    found = lookup("shell", name) if depth < _MAX_DEPTH else None
    if found is None and default is not None:
        found = default  # ${VAR:-default}: the default applies when VAR is not defined
    if found is not None:
        return expand(found, lookup, depth + 1)
    return _mark(("ref " if name in _REF_VARS else "shell ") + name)


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
    if _REF_EXPR.match(term):
        return _mark("ref " + term)
    found = lookup("expr", term) if depth < _MAX_DEPTH else None
    return expand(found, lookup, depth + 1) if found is not None else _mark("expr " + term)


def _top_level(text: str, operator: str) -> list[str]:
    """`text` split at `operator` outside quotes and parentheses, each part stripped."""
    parts, level, quoted, start, i = [], 0, False, 0, 0
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "([":
            level += 1
        elif not quoted and char in ")]":
            level -= 1
        elif not quoted and level == 0 and text.startswith(operator, i):
            parts.append(text[start:i].strip())
            start = i = i + len(operator)
            continue
        i += 1
    parts.append(text[start:].strip())
    return parts


def _mark(name: str) -> str:
    return f"{MARK_OPEN}{name.translate(_HIDDEN)}{MARK_CLOSE}"


def _source(mark: str) -> str:
    kind, _, name = mark.translate(_SHOWN).partition(" ")
    if kind == "cmd":
        return re.sub(r"\s*\\\n\s*", " ", name)  # a continued line, shown as one
    if kind in ("shell", "ref") and _NAME.fullmatch(name):
        return "$" + name
    return "${{ " + name + " }}"


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
        marks = _MARK.findall(last)
        if marks:  # the variable may carry a whole reference (with a tag or a digest)
            return _untraced(marks[-1], "an image reference")
        return "untagged (that means :latest)"
    return judge_tag(last.rsplit(":", 1)[1])


def judge_tag(tag: str) -> str | None:
    """Why an expanded tag is not pinned, or None when it is."""
    tag = tag.strip().strip("'\"")
    if _DIGEST.search(tag) or COMMIT in tag:
        return None
    if tag == "latest" or tag.endswith("-latest"):
        return f"the mutable tag {shown(tag)!r}"
    if _HEX_TAG.search(tag):
        return None
    marks = _MARK.findall(tag)
    if marks:
        return _untraced(marks[0])
    return f"the tag {shown(tag)!r}, which is neither the commit nor a digest"


def is_version(expanded: str, kind: str) -> bool:
    """The (expanded) reference's tag is a literal version (`3.21`, `v1.4.2-alpine`)."""
    ref = expanded.strip().strip("'\"")
    tag = ref.rsplit("/", 1)[-1].rpartition(":")[2] if kind == "image" else ref
    return bool(_VERSION.fullmatch(tag))


def _untraced(mark: str, what: str = "a tag") -> str:
    """`what` (a tag, or a whole image reference) comes from something devkit cannot follow."""
    target = "github.sha or a digest" if what != "a tag" else "github.sha"
    if mark.startswith("ref "):
        return f"{what} from the branch or tag name {_source(mark)}, which moves with every push"
    if mark.startswith("cmd "):
        return f"{what} from the output of {_source(mark)}, which devkit could not trace to {target}"
    return f"{what} from {_source(mark)}, which devkit could not trace to {target}"
