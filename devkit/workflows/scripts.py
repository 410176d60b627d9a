"""What a `run:` script does, read as shell words: image references, assignments, outputs.

The script is split into logical lines (backslash continuations joined), tokenized with shlex,
and split into simple commands at ; && || | &. `${{ }}` expressions and `$( )` substitutions
are kept whole as one word.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

MIGRATE = re.compile(
    r"manage\.py['\"]?\s+migrate(?:_schemas)?\b|\bmigrate_schemas\b"
    r"|\bdjango-admin\s+migrate\b|\bdevkit\s+migrate\b"
)
_OPERATORS = {";", "&&", "||", "|", "&", "(", ")", ";;"}
_ASSIGN = re.compile(r"^([A-Za-z_]\w*)=(.*)$", re.S)
_OPAQUE = re.compile(r"\$\{\{.*?\}\}|\$\((?:[^()]|\([^()]*\))*\)")
_SET_OUTPUT = re.compile(r"::set-(output|env) name=([\w-]+)::(.*)$")
# Flags that take no value, per docker subcommand (the rest take one: skip it to find the image).
_CREATE_FLAGS = {
    "-i",
    "-t",
    "--interactive",
    "--tty",
    "--init",
    "-P",
    "--privileged",
    "--read-only",
    "--publish-all",
    "--no-healthcheck",
    "-q",
    "--quiet",
}
_BOOL = {
    "run": _CREATE_FLAGS | {"-d", "--detach", "--rm"},
    "create": _CREATE_FLAGS,
    "pull": {"-a", "--all-tags", "-q", "--quiet", "--disable-content-trust"},
}


@dataclass(frozen=True)
class Ref:
    index: int  # line of the script (0-based) where the command starts
    kind: str  # image | tag
    value: str
    where: str  # the command that uses it, for the message


def logical_lines(script: str) -> list[tuple[int, str]]:
    """(index of the first physical line, text) with continuations joined, comments dropped."""
    out: list[tuple[int, str]] = []
    start, parts = 0, []
    for index, line in enumerate(script.splitlines()):
        if not parts:
            start = index
        if line.rstrip().endswith("\\"):
            parts.append(line.rstrip()[:-1])
            continue
        parts.append(line)
        text = " ".join(parts).strip()
        parts = []
        if text and not text.startswith("#"):
            out.append((start, text))
    if parts:
        out.append((start, " ".join(parts).strip()))
    return out


def words(text: str) -> list[str]:
    """Shell words of one logical line; expressions and $( ) stay single words."""
    kept: list[str] = []

    def hide(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x03{len(kept) - 1}\x03"

    hidden = _OPAQUE.sub(hide, text)
    try:
        lexer = shlex.shlex(hidden, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: fall back to whitespace
        tokens = hidden.split()
    return [re.sub("\x03(\\d+)\x03", lambda m: kept[int(m.group(1))], t) for t in tokens]


def commands(script: str) -> list[tuple[int, list[str]]]:
    """Simple commands: (line index, words)."""
    out: list[tuple[int, list[str]]] = []
    for index, text in logical_lines(script):
        current: list[str] = []
        for word in [*words(text), ";"]:
            if word in _OPERATORS:
                if current:
                    out.append((index, current))
                current = []
            else:
                current.append(word)
    return out


def assignments(script: str) -> list[tuple[int, str, str]]:
    """VAR=value at the start of a command or after export/readonly/declare."""
    found: list[tuple[int, str, str]] = []
    for index, argv in commands(script):
        rest = argv[1:] if argv and argv[0] in ("export", "readonly", "declare", "local") else argv
        for word in rest:
            match = _ASSIGN.match(word)
            if not match:
                break
            found.append((index, match.group(1), match.group(2)))
    return found


def writes(script: str, target: str) -> dict[str, str]:
    """NAME=value lines a script appends to $GITHUB_OUTPUT or $GITHUB_ENV (and ::set-output)."""
    found: dict[str, str] = {}
    legacy = "output" if target == "GITHUB_OUTPUT" else "env"
    for _, argv in commands(script):
        if any(target in w for w in argv) and argv[0] in ("echo", "printf"):
            for word in argv[1:]:
                match = _ASSIGN.match(word)
                if match:
                    found[match.group(1)] = match.group(2)
    lines = script.splitlines()
    for number, line in enumerate(lines):
        match = _SET_OUTPUT.search(line)
        if match and match.group(1) == legacy:
            found[match.group(2)] = match.group(3).strip().strip("\"'")
        heredoc = _HEREDOC.search(line)
        if heredoc and heredoc.group("target") == target:
            found.update(_heredoc_assignments(lines[number + 1 :], heredoc.group("end")))
    return found


# cat >> "$GITHUB_OUTPUT" <<EOF ... EOF  (also <<'EOF', <<-EOF, ${GITHUB_OUTPUT})
_HEREDOC = re.compile(
    r"""\bcat\s+>>?\s*["']?\$\{?(?P<target>GITHUB_OUTPUT|GITHUB_ENV)\}?["']?\s*<<-?\s*["']?(?P<end>\w+)"""
)


def _heredoc_assignments(lines: list[str], end: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        if line.strip() == end:
            break
        match = _ASSIGN.match(line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def image_refs(script: str) -> list[Ref]:
    """Image references: docker/podman pull|run|create, kubectl set image, helm --set image.*,
    and assignments to variables named *IMAGE or *TAG (compose image variables)."""
    refs: list[Ref] = []
    for index, argv in commands(script):
        refs += _docker(index, argv) + _kubectl(index, argv) + _helm(index, argv)
    for index, name, value in assignments(script):
        kind = variable_kind(name)
        if kind:
            refs.append(Ref(index, kind, value, f"{name}="))
    return refs


def variable_kind(name: str) -> str | None:
    upper = name.upper()
    return "image" if upper.endswith("IMAGE") else "tag" if upper.endswith("TAG") else None


def _program(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _docker(index: int, argv: list[str]) -> list[Ref]:
    starts = [i for i, w in enumerate(argv) if _program(w) in ("docker", "podman")]
    if not starts:
        return []
    j = starts[0] + 1
    while j < len(argv) and argv[j].startswith("-"):
        j += 1 if "=" in argv[j] else 2  # global options (--context x, -H x)
    if j < len(argv) and argv[j] in ("container", "image"):
        j += 1
    if j >= len(argv) or argv[j] not in _BOOL:
        return []
    sub, j = argv[j], j + 1
    while j < len(argv):
        word = argv[j]
        if not word.startswith("-") or word == "-":
            return [Ref(index, "image", word, f"docker {sub}")]
        short_bools = len(word) > 1 and word[1] != "-" and set(word[1:]) <= set("ditP")
        j += 1 if "=" in word or word in _BOOL[sub] or short_bools else 2
    return []


def _kubectl(index: int, argv: list[str]) -> list[Ref]:
    for i in range(len(argv) - 2):
        if _program(argv[i]) == "kubectl" and argv[i + 1 : i + 3] == ["set", "image"]:
            return [
                Ref(index, "image", w.split("=", 1)[1], "kubectl set image")
                for w in argv[i + 3 :]
                if "=" in w and not w.startswith("-")
            ]
    return []


def _helm(index: int, argv: list[str]) -> list[Ref]:
    if not any(_program(w) == "helm" for w in argv):
        return []
    values: list[str] = []
    for i, word in enumerate(argv):
        name, eq, inline = word.partition("=")
        if name in ("--set", "--set-string"):
            values.append(inline if eq else (argv[i + 1] if i + 1 < len(argv) else ""))
    refs: list[Ref] = []
    for pair in (p for v in values for p in v.split(",")):
        key, _, value = pair.partition("=")
        low = key.lower()
        if low.endswith(("image.tag", "imagetag")):
            refs.append(Ref(index, "tag", value, f"helm --set {key}"))
        elif low == "image" or low.endswith(".image"):
            refs.append(Ref(index, "image", value, f"helm --set {key}"))
    return refs
