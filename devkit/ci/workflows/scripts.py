"""What a `run:` script does, read as shell words: simple commands (nested ones too), assignments,
outputs. Image references are read from these commands in references.py.

The script is split into logical lines (backslash continuations joined), tokenized with shlex,
and split into simple commands at ; && || | &. `${{ }}` expressions and `$( )` substitutions
are kept whole as one word.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from devkit.ci.workflows.nested import nested_command, program

MIGRATE = re.compile(
    r"manage\.py['\"]?\s+migrate(?:_schemas)?\b|\bmigrate_schemas\b"
    r"|\bdjango-admin\s+migrate\b|\bdevkit\s+migrate\b|-m\s+django\s+migrate\b"
)
_OPERATORS = {";", "&&", "||", "|", "&", "(", ")", ";;"}
_ASSIGN = re.compile(r"^([A-Za-z_]\w*)=(.*)$", re.S)
_OPAQUE = re.compile(r"\$\{\{.*?\}\}|\$\((?:[^()]|\([^()]*\))*\)|\d*>&-?\d*|&>>?")
_SET_OUTPUT = re.compile(r"::set-(output|env) name=([\w-]+)::(.*)$")


def logical_lines(script: str) -> list[tuple[int, str]]:
    """(index of the first physical line, text) with continuations joined, comments dropped.
    A quoted string that spans lines (`ssh host "` ... `"`) is one logical line; heredoc
    bodies stay one line each (they are commands for a shell that reads stdin, or data)."""
    return [(index, text) for index, text, _ in _logical(script)]


def _logical(script: str) -> list[tuple[int, str, int | None]]:
    """As logical_lines, plus for a heredoc body line the index of the line that opened it."""
    out: list[tuple[int, str, int | None]] = []
    lines = script.splitlines()
    heredoc: tuple[str, int] | None = None  # (delimiter, opener index)
    index = 0
    while index < len(lines):
        start, parts = index, []
        while index < len(lines):
            line = lines[index]
            index += 1
            if heredoc is None and line.rstrip().endswith("\\"):
                parts.append(line.rstrip()[:-1])
                continue
            parts.append(line)
            break
        text = " ".join(parts).strip()
        owner = None
        if heredoc is not None:
            if text == heredoc[0]:
                heredoc = None
                continue
            owner = heredoc[1]
        else:
            opened = _HEREDOC_START.search(text)
            if opened:
                heredoc = (opened.group(1), start)
            elif not _balanced(text):
                joined = _join_quoted(lines, index, text)
                if joined:
                    text, index = joined
        if text and not text.startswith("#"):
            out.append((start, text, owner))
    return out


_HEREDOC_START = re.compile(r"(?<!<)<<(?!<)-?\s*['\"]?([A-Za-z_]\w*)['\"]?")
_MAX_QUOTED_LINES = 200


def _balanced(text: str) -> bool:
    try:
        _lex(_OPAQUE.sub("x", text))
    except ValueError:
        return False
    return True


def _join_quoted(lines: list[str], index: int, text: str) -> tuple[str, int] | None:
    """Join following lines until the open quote closes; None when it never does."""
    for end in range(index, min(len(lines), index + _MAX_QUOTED_LINES)):
        candidate = text + "\n" + "\n".join(lines[index : end + 1])
        if _balanced(candidate):
            return candidate, end + 1
    return None


def _lex(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def words(text: str) -> list[str]:
    """Shell words of one logical line; expressions and $( ) stay single words."""
    kept: list[str] = []

    def hide(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x03{len(kept) - 1}\x03"

    hidden = _OPAQUE.sub(hide, text)
    try:
        tokens = _lex(hidden)
    except ValueError:  # unbalanced quotes: fall back to whitespace
        tokens = hidden.split()
    return [re.sub("\x03(\\d+)\x03", lambda m: kept[int(m.group(1))], t) for t in tokens]


@dataclass(frozen=True)
class Command:
    index: int  # line of the script (0-based) where the command starts
    argv: tuple[str, ...]
    remote: bool  # runs on another machine (the remote command of ssh, kubectl exec)
    wrapper: bool  # only passes a nested command on (ssh, bash -c, docker exec, sudo ...)


def simple_commands(script: str, *, remote: bool = False, depth: int = 0) -> list[Command]:
    """Every simple command, including the nested ones that ssh, sshpass, bash/sh -c,
    docker/kubectl exec, sudo, env, timeout and eval pass on (after their wrapper), and the
    body of a heredoc fed to ssh (remote)."""
    out: list[Command] = []
    remote_openers: set[int] = set()
    for index, text, owner in _logical(script):
        argvs: list[list[str]] = [[]]
        for word in words(text):
            if word in _OPERATORS:
                argvs.append([])
            else:
                argvs[-1].append(word)
        here_remote = remote or owner in remote_openers
        for argv in argvs:
            if not argv:
                continue
            if _feeds_remote_stdin(argv):
                remote_openers.add(index)
            out += _with_nested(index, argv, here_remote, depth)
    return out


def _feeds_remote_stdin(argv: list[str]) -> bool:
    """`ssh host <<EOF`, `ssh host bash -s <<EOF`, `kubectl exec -i pod -- sh <<EOF`."""
    names = [program(w) for w in argv]
    return any(w.startswith("<<") for w in argv) and ("ssh" in names or "kubectl" in names)


def _with_nested(index: int, argv: list[str], remote: bool, depth: int) -> list[Command]:
    plain = _without_redirections(argv)
    nested = nested_command(plain) if depth < 8 else None
    out = [Command(index, tuple(plain), remote, nested is not None)]
    if nested is None:
        return out
    inner, is_script, goes_remote = nested
    if is_script:
        for cmd in simple_commands(inner[0], remote=remote or goes_remote, depth=depth + 1):
            out.append(Command(index + cmd.index, cmd.argv, cmd.remote, cmd.wrapper))
    elif inner:
        out += _with_nested(index, list(inner), remote or goes_remote, depth + 1)
    return out


_REDIRECT = re.compile(r"^\d*(?:<<-?|>>|<|>|&>>?)")


def _without_redirections(argv: list[str]) -> list[str]:
    """Drop `> file`, `2>>log`, `<<EOF`, `&>/dev/null` (an operator alone takes the next word)."""
    out: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        match = _REDIRECT.match(word)
        if match:
            skip = match.end() == len(word)
            continue
        out.append(word)
    return out


def _with_redirections(script: str) -> list[list[str]]:
    """The script's own simple commands, redirections kept (not nested ones)."""
    out: list[list[str]] = [[]]
    for _, text in logical_lines(script):
        for word in [*words(text), ";"]:
            if word in _OPERATORS:
                out.append([])
            else:
                out[-1].append(word)
    return [argv for argv in out if argv]


def commands(script: str) -> list[tuple[int, list[str]]]:
    """Simple commands (nested ones included): (line index, words)."""
    return [(c.index, list(c.argv)) for c in simple_commands(script)]


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
    for argv in _with_redirections(script):  # echo "NAME=value" >> "$GITHUB_OUTPUT"
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


def is_assignment(word: str) -> bool:
    return bool(_ASSIGN.match(word))
