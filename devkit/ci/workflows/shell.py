"""A shell script as its syntax tree: commands, words with their quoting resolved, assignments,
redirections, heredoc bodies and command substitutions, read from tree-sitter-bash.

GitHub substitutes `${{ … }}` expressions before the shell sees the script, and they may hold
quotes (`${{ inputs.tag || 'latest' }}`): each is replaced by a placeholder word before parsing
and put back in every text taken from the tree. A word's text keeps its expansions (`$TAG`,
`${GITHUB_SHA::8}`, `$(git rev-parse HEAD)`) as written, so that images.expand can resolve them.

Nothing here knows a program: which command passes a script on, and how, is nested.py's.
tree-sitter is imported when a script is first parsed, so `devkit --help` does not load it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

_EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)
_PLACEHOLDER = re.compile(r"@@DK(\d+)@@")
_UNQUOTED_ESCAPE = re.compile(r"\\(.)", re.S)
_DOUBLE_QUOTED_ESCAPE = re.compile(r"\\([\"\\$`])")
_MAX_BYTES = 2_000_000


class ScriptTooDeep(Exception):
    """A script nested deeper than devkit reads (thousands of `$(` or `if`): refused, never a
    traceback. `line`: the file line of the script, when the caller knows it."""

    def __init__(self, line: int = 0) -> None:
        super().__init__("a run: script is nested too deeply to read")
        self.line = line


@dataclass(frozen=True)
class Word:
    """One shell word: `text` with quoting removed; `line` where it starts (0-based)."""

    text: str
    line: int


@dataclass(frozen=True)
class Assignment:
    name: str
    value: str
    line: int
    exported: bool  # `export NAME=…`, or `NAME=… command` (the command's environment)
    function: str | None = None  # made inside the body of this shell function


@dataclass(frozen=True)
class Redirect:
    """`op target` (`>> $GITHUB_OUTPUT`), or a heredoc (`<<`, `<<-`) / here-string (`<<<`) with
    its body; `literal` when the heredoc delimiter is quoted (no expansion in the body)."""

    op: str
    target: str
    body: str | None = None
    body_line: int = 0
    literal: bool = False


@dataclass(frozen=True)
class Command:
    """A simple command. `captured`: inside `$( )` or backticks, so its output is a value.
    `piped_from`: the index (in Script.commands) of the command whose output it reads.
    `function`: the shell function whose body holds it (it runs where the function is called)."""

    line: int
    words: tuple[Word, ...]
    assigns: tuple[Assignment, ...]
    redirects: tuple[Redirect, ...]
    captured: bool
    piped_from: int | None = None
    function: str | None = None

    @property
    def argv(self) -> tuple[str, ...]:
        return tuple(w.text for w in self.words)


@dataclass(frozen=True)
class Script:
    commands: tuple[Command, ...]
    assignments: tuple[Assignment, ...]  # in order: statements, declarations and command prefixes
    errors: bool  # the parser had to recover from a syntax error
    functions: tuple[str, ...] = ()  # the shell functions the script defines


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


@lru_cache(maxsize=2048)
def parse(text: str) -> Script:
    """The script's commands and assignments, lines relative to `text` (0-based)."""
    expressions: list[str] = []
    pieces: list[str] = []
    lost: list[tuple[int, int]] = []  # (byte offset after a placeholder, newlines hidden so far)
    size = hidden_lines = last = 0
    for match in _EXPRESSION.finditer(text):
        before = text[last : match.start()]
        placeholder = f"@@DK{len(expressions)}@@"
        expressions.append(match.group(0))
        pieces += [before, placeholder]
        size += len(before.encode("utf-8")) + len(placeholder)
        hidden_lines += match.group(0).count("\n")
        lost.append((size, hidden_lines))
        last = match.end()
    pieces.append(text[last:])
    source = "".join(pieces).encode("utf-8")[:_MAX_BYTES]
    tree = _parser().parse(source)
    reader = _Reader(source, expressions, lost)
    try:
        reader.walk(tree.root_node, captured=False)
    except RecursionError as exc:
        raise ScriptTooDeep() from exc
    return Script(
        tuple(reader.commands), tuple(reader.assignments), tree.root_node.has_error, tuple(reader.functions)
    )


class _Reader:
    """Walks the tree once, in source order, collecting commands and assignments."""

    def __init__(self, source: bytes, expressions: list[str], lost: list[tuple[int, int]]) -> None:
        self.source = source
        self.expressions = expressions
        self.commands: list[Command] = []
        self.assignments: list[Assignment] = []
        self.functions: list[str] = []
        self.function: str | None = None  # the function whose body is being read
        self._lost = lost  # a placeholder stands for an expression that may span lines

    # -- text ---------------------------------------------------------------------------------
    def raw(self, node: Any) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def restore(self, text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self.expressions[int(m.group(1))], text)

    def line(self, node: Any) -> int:
        index = bisect.bisect_right(self._lost, (node.start_byte, 1 << 30)) - 1
        return int(node.start_point.row) + (self._lost[index][1] if index >= 0 else 0)

    def word(self, node: Any) -> Word:
        return Word(self.restore(self.value(node)), self.line(node))

    def value(self, node: Any) -> str:
        """The word with its quoting removed; expansions stay as written."""
        kind = node.type
        if kind == "raw_string":
            return self.raw(node)[1:-1]
        if kind == "ansi_c_string":
            return self.raw(node)[2:-1]
        if kind == "string":  # expansions inside stay as written; `\<newline>` stays too
            return _DOUBLE_QUOTED_ESCAPE.sub(r"\1", self.raw(node)[1:-1])
        if kind == "concatenation":
            return "".join(self.value(child) for child in node.children)
        if kind == "word":
            # a backslash-newline continues the line; any other backslash quotes one character
            return _UNQUOTED_ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), self.raw(node))
        return self.raw(node)

    # -- structure ----------------------------------------------------------------------------
    def walk(self, node: Any, captured: bool) -> None:
        kind = node.type
        if kind == "redirected_statement":
            self._redirected(node, captured)
        elif kind == "command":
            self._command(node, (), captured)
        elif kind == "variable_assignment":
            self._assignment(node, exported=False, captured=captured)
        elif kind == "declaration_command":
            exported = self.raw(node.children[0]) == "export" if node.children else False
            for child in node.children:
                if child.type == "variable_assignment":
                    self._assignment(child, exported=exported, captured=captured)
                else:
                    self.walk(child, captured)
        elif kind == "pipeline":
            self._pipeline(node, captured)
        elif kind in ("command_substitution", "process_substitution"):
            for child in node.children:
                self.walk(child, captured=True)
        elif kind == "heredoc_body":
            return  # read with its redirect
        elif kind == "function_definition":
            self._function(node, captured)
        else:
            for child in node.children:
                self.walk(child, captured)

    def _function(self, node: Any, captured: bool) -> None:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is None or body is None:
            return
        outer, self.function = self.function, self.raw(name)
        self.functions.append(self.function)
        self.walk(body, captured)
        self.function = outer

    def _pipeline(self, node: Any, captured: bool, previous: int | None = None) -> None:
        """The commands of a pipeline, each reading the output of the one before (`previous`:
        the command before the pipeline's first `|`, when it is written before the pipeline)."""
        for child in node.children:
            if not child.is_named:
                continue
            first = len(self.commands)
            self.walk(child, captured)
            if first == len(self.commands):
                continue
            if previous is not None:  # this element reads the output of the one before
                head = self.commands[first]
                self.commands[first] = replace(head, piped_from=previous)
            previous = first

    def _redirected(self, node: Any, captured: bool) -> None:
        body = node.child_by_field_name("body")
        redirects = tuple(r for c in node.children_by_field_name("redirect") for r in self._redirects(c))
        for child in node.children:  # substitutions inside redirect targets
            if child is not body:
                self._substitutions(child)
        first = len(self.commands)
        if body is not None and body.type == "command":
            self._command(body, redirects, captured)
        elif body is not None:
            self.walk(body, captured)
        # what follows a heredoc's start on its line is parsed inside the heredoc node:
        # `cat <<EOF | kubectl apply -f -`, `ssh host <<EOF && echo done`
        for redirect in node.children_by_field_name("redirect"):
            for child in redirect.children if redirect.type == "heredoc_redirect" else ():
                if child.type == "pipeline" and first < len(self.commands):
                    self._pipeline(child, captured, first)
                elif (
                    child.is_named
                    and not child.type.startswith("heredoc")
                    and not child.type.endswith("_redirect")
                ):
                    self.walk(child, captured)

    def _redirects(self, node: Any) -> list[Redirect]:
        """A redirect, and those written after a heredoc's start (`cat <<EOF > .env`)."""
        nested = [c for c in node.children if c.type.endswith("_redirect")]
        return [self._redirect(node), *(r for c in nested for r in self._redirects(c))]

    def _redirect(self, node: Any) -> Redirect:
        op = self.raw(node.children[0]) if node.children else ""
        if node.type == "heredoc_redirect":
            start = next((c for c in node.children if c.type == "heredoc_start"), None)
            body = next((c for c in node.children if c.type == "heredoc_body"), None)
            end = next((c for c in node.children if c.type == "heredoc_end"), None)
            delimiter = self.raw(start) if start is not None else ""
            if body is None:
                return Redirect(op, "", "", self.line(node) + 1, True)
            line_start = self.source.rfind(b"\n", 0, body.start_byte) + 1
            stop = end.start_byte if end is not None else body.end_byte
            text = self.source[line_start:stop].decode("utf-8", "replace")
            if op == "<<-":
                text = "\n".join(line.lstrip("\t") for line in text.split("\n"))
            return Redirect(op, "", self.restore(text), self.line(body), delimiter[:1] in "'\"\\")
        if node.type == "herestring_redirect":
            target = next((c for c in node.children if c.is_named), None)
            text = self.word(target) if target is not None else Word("", self.line(node))
            return Redirect(op, "", text.text, text.line, False)
        destination = node.child_by_field_name("destination")
        target = self.word(destination).text if destination is not None else ""
        return Redirect(op, target)

    def _command(self, node: Any, redirects: tuple[Redirect, ...], captured: bool) -> None:
        words: list[Word] = []
        assigns: list[Assignment] = []
        extra: list[Redirect] = []
        for index, child in enumerate(node.children):
            field = node.field_name_for_child(index)
            if child.type == "variable_assignment":
                assigns.append(self._assignment_value(child, exported=True))
            elif field == "redirect" or child.type.endswith("_redirect"):
                extra += self._redirects(child)
            elif field == "name":
                words.append(self.word(child.children[0] if child.children else child))
            elif field == "argument":
                words.append(self.word(child))
        self.commands.append(
            Command(
                self.line(node),
                tuple(words),
                tuple(assigns),
                redirects + tuple(extra),
                captured,
                function=self.function,
            )
        )
        self.assignments += assigns
        for child in node.children:
            self._substitutions(child)

    def _substitutions(self, node: Any) -> None:
        """Commands inside `$( )`, backticks and `<( )` of a word: captured."""
        if node.type in ("command_substitution", "process_substitution"):
            self.walk(node, captured=True)
            return
        for child in node.children:
            self._substitutions(child)

    def _assignment(self, node: Any, exported: bool, captured: bool) -> None:
        self.assignments.append(self._assignment_value(node, exported))
        for child in node.children:
            self._substitutions(child)

    def _assignment_value(self, node: Any, exported: bool) -> Assignment:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = self.raw(name_node) if name_node is not None else ""
        value = self.restore(self.value(value_node)) if value_node is not None else ""
        return Assignment(name, value, self.line(node), exported, self.function)
