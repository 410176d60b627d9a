"""What a `run:` script does: its commands (every nested one too), its assignments, and the lines it
writes to files (`$GITHUB_OUTPUT`, `$GITHUB_ENV`, an `.env` for compose), read from the syntax
tree (shell.py) and, for nested commands, the wrappers' own grammar (nested.py).

A nested script (`ssh host "…"`, a heredoc fed to `ssh`/`bash -s`, `bash -c`, `eval`) is parsed
again as a script; its commands keep the file lines they are written on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from devkit.ci.workflows import shell
from devkit.ci.workflows.nested import nested_command
from devkit.ci.workflows.programs import program
from devkit.ci.workflows.shell import Assignment, Redirect, Word

_MAX_DEPTH = 8
_DOTENV = re.compile(r"^\s*(?:export\s+)?([A-Za-z_]\w*)=(.*)$")
_WORKFLOW_COMMAND = re.compile(r"^::set-(output|env) name=([\w-]+)::(.*)$")
_TARGET_VARIABLE = re.compile(r"^\$\{?(GITHUB_OUTPUT|GITHUB_ENV)\}?$")
_POSITIONAL = re.compile(r"\$([1-9])|\$\{([1-9][0-9]*)\}|\$[@*]|\$\{[@*]\}")
_VARIABLE_WORD = re.compile(r"^\$\{?([A-Za-z_]\w*)\}?$")
_FORMAT = re.compile(r"%(?:[-+ 0#]*\d*(?:\.\d+)?)([sdbqc%])")


@dataclass(frozen=True)
class Command:
    """A simple command as it runs: `remote` on another machine (ssh, an SSH action, kubectl
    exec), `container` inside a container, `captured` inside `$( )` (its output is a value),
    `wrapper` when it only passes a nested command on (ssh, sudo, bash -c)."""

    line: int  # 0-based line of the script where the command starts
    words: tuple[Word, ...]
    assigns: tuple[Assignment, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    remote: bool = False
    container: bool = False
    captured: bool = False
    wrapper: bool = False

    @property
    def argv(self) -> tuple[str, ...]:
        return tuple(w.text for w in self.words)

    @property
    def name(self) -> str:
        return program(self.words[0].text) if self.words else ""


@dataclass(frozen=True)
class FileWrite:
    """`NAME=value` written to a file: `target` is GITHUB_OUTPUT, GITHUB_ENV or the file's path."""

    target: str
    name: str
    value: str
    line: int
    remote: bool


@dataclass(frozen=True)
class Reading:
    commands: tuple[Command, ...]
    assignments: tuple[Assignment, ...]
    writes: tuple[FileWrite, ...]


@lru_cache(maxsize=1024)
def read(script: str, *, remote: bool = False) -> Reading:
    """Every command of the script (nested ones included), its assignments and file writes."""
    reader = _Reader()
    try:
        reader.script(script, 0, Command(0, (), remote=remote), 0)
    except shell.ScriptTooDeep as exc:
        raise shell.ScriptTooDeep(getattr(script, "line", 0)) from exc
    return Reading(tuple(reader.commands), tuple(reader.assignments), tuple(reader.writes))


class _Reader:
    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.assignments: list[Assignment] = []
        self.writes: list[FileWrite] = []

    def script(
        self,
        text: str,
        base: int,
        context: Command,
        depth: int,
        stdin: Redirect | None = None,
        first: int | None = None,
    ) -> None:
        """Read a (nested) script whose line 0 is line `base`; `stdin`: what the shell running it
        was fed, which its commands read unless they have their own. `first`: the line reported
        for a command on the script's first line (the line where the command passing the
        script on starts: a command continued over several lines is reported at its first line)."""
        parsed = shell.parse(text)
        self.assignments += [replace(a, line=a.line + base) for a in parsed.assignments if a.function is None]
        for cmd in parsed.commands:
            if cmd.function is None:  # a function's body runs where the function is called
                self._step(parsed, cmd, base, context, depth, stdin, first)

    def _step(
        self,
        parsed: shell.Script,
        cmd: shell.Command,
        base: int,
        context: Command,
        depth: int,
        stdin: Redirect | None,
        first: int | None,
        arguments: tuple[str, ...] | None = None,
    ) -> None:
        """Run one command of a parsed script; `arguments`: it is in the body of a function
        called with these (its `$1`, `$@` are theirs)."""
        redirects = tuple(replace(r, body_line=r.body_line + base) for r in cmd.redirects)
        source = parsed.commands[cmd.piped_from] if cmd.piped_from is not None else None
        piped = _printed(source, base) if source is not None else None
        for fed in (piped, stdin):  # `echo … | tee`, `cat <<EOF | kubectl apply -f -`
            if fed is not None and not cmd.captured and _stdin(redirects) is None:
                redirects += (fed,)
        words = _command_variable(cmd.words, parsed.assignments, cmd.line)
        here = Command(
            first if first is not None and cmd.line == 0 else cmd.line + base,
            tuple(Word(_positional(w.text, arguments), w.line + base) for w in words),
            tuple(replace(a, line=a.line + base, value=_positional(a.value, arguments)) for a in cmd.assigns),
            redirects,
            context.remote,
            context.container,
            context.captured or cmd.captured,
        )
        if here.name in parsed.functions and depth < _MAX_DEPTH:
            self._call(parsed, here, base, depth)
        else:
            self.run(here, depth)

    def _call(self, parsed: shell.Script, call: Command, base: int, depth: int) -> None:
        """A call of a function the script defines: its body runs here, with these arguments."""
        self.commands.append(replace(call, wrapper=True))
        arguments = call.argv[1:]
        self.assignments += [
            replace(a, line=a.line + base, value=_positional(a.value, arguments))
            for a in parsed.assignments
            if a.function == call.name
        ]
        for cmd in parsed.commands:
            if cmd.function == call.name:
                self._step(parsed, cmd, base, call, depth + 1, None, None, arguments)

    def run(self, cmd: Command, depth: int) -> None:
        nested = nested_command(cmd.words) if depth < _MAX_DEPTH else None
        self.commands.append(replace(cmd, wrapper=nested is not None and nested.wrapper))
        self._writes(cmd)
        if nested is None:
            return
        inner = replace(
            cmd,
            remote=cmd.remote or nested.remote,
            container=cmd.container or nested.container,
            assigns=(),
            wrapper=False,
        )
        stdin = _stdin(cmd.redirects)
        if nested.script is not None:
            self.script(nested.script.text, nested.script.line, inner, depth + 1, stdin, cmd.line)
        elif nested.words:
            self.run(replace(inner, words=nested.words), depth + 1)
        elif nested.stdin_script and stdin is not None and stdin.body is not None:
            self.script(stdin.body, stdin.body_line, inner, depth + 1)

    def _writes(self, cmd: Command) -> None:
        """`echo NAME=value >> FILE`, `cat > FILE <<EOF`, `echo … | tee -a FILE`, `::set-output`."""
        stdin = _stdin(cmd.redirects)
        targets = [r.target for r in cmd.redirects if r.op in (">", ">>", ">|", "&>", "&>>")]
        if cmd.name == "tee":
            targets += [w for w in cmd.argv[1:] if not w.startswith("-")]
        if cmd.name in ("cat", "tee") and stdin is not None and stdin.body is not None:
            content, first, per_line = stdin.body, stdin.body_line, True
        else:
            printed = _content(shell.Command(cmd.line, cmd.words, (), (), False))
            if printed is None:
                return
            content, first, per_line = printed, cmd.line, False
        for offset, text in enumerate(content.split("\n")):
            line = first + offset if per_line else first
            if not targets:  # stdout: the runner reads workflow commands there
                found = _WORKFLOW_COMMAND.match(text.strip())
                if found:
                    target = "GITHUB_OUTPUT" if found.group(1) == "output" else "GITHUB_ENV"
                    value = _unquote(found.group(3))
                    self.writes.append(FileWrite(target, found.group(2), value, line, cmd.remote))
                continue
            pair = _DOTENV.match(text)
            for target in targets if pair else ():
                value = _unquote(pair.group(2))
                self.writes.append(FileWrite(_target(target), pair.group(1), value, line, cmd.remote))


def _positional(text: str, arguments: tuple[str, ...] | None) -> str:
    """`$1`, `${2}`, `$@`, `$*` in a function's body, replaced by the call's arguments."""
    if arguments is None:
        return text

    def argument(match: re.Match[str]) -> str:
        number = match.group(1) or match.group(2)
        if number is None:
            return " ".join(arguments)
        index = int(number) - 1
        return arguments[index] if 0 <= index < len(arguments) else ""

    return _POSITIONAL.sub(argument, text)


def _command_variable(
    words: tuple[Word, ...], assignments: tuple[Assignment, ...], line: int
) -> tuple[Word, ...]:
    """`$COMPOSE up -d` after `COMPOSE="docker compose -f prod.yml"`, `$SSH "…"` after
    `SSH="ssh -i key user@host"`: the command is the words of the variable's value (its last
    assignment before this line, when that value is one simple command), then the rest."""
    name = _VARIABLE_WORD.match(words[0].text) if words else None
    made = [a for a in assignments if name and a.name == name.group(1) and a.line <= line]
    if not made or "$(" in made[-1].value or "`" in made[-1].value:
        return words
    inner = shell.parse(made[-1].value).commands
    if len(inner) != 1 or not inner[0].words:
        return words
    return tuple(Word(w.text, words[0].line) for w in inner[0].words) + words[1:]


def _stdin(redirects: tuple[Redirect, ...]) -> Redirect | None:
    return next((r for r in redirects if r.body is not None), None)


def _printed(cmd: shell.Command, base: int) -> Redirect | None:
    """What a command writes to a pipe, as the stdin of the next: echo/printf's text, or the
    heredoc `cat` passes on."""
    if cmd.argv[:1] == ("cat",) and len(cmd.argv) == 1:
        body = _stdin(cmd.redirects)
        return replace(body, op="|", body_line=body.body_line + base) if body is not None else None
    text = _content(cmd)
    return Redirect("|", "", text, cmd.line + base) if text is not None else None


def _content(cmd: shell.Command) -> str | None:
    """What echo/printf print (as one text, lines split by newlines)."""
    argv = cmd.argv
    if not argv:
        return None
    name = program(argv[0])
    if name == "echo":
        i = 1
        while i < len(argv) and re.fullmatch(r"-[neE]+", argv[i]):
            i += 1
        text = " ".join(argv[i:])
        return text.replace("\\n", "\n") if "e" in "".join(argv[1:i]) else text
    if name == "printf" and len(argv) > 1:
        args = list(argv[2:])

        def fill(match: re.Match[str]) -> str:
            return "%" if match.group(1) == "%" else (args.pop(0) if args else "")

        return _FORMAT.sub(fill, argv[1]).replace("\\n", "\n")
    return None


def _target(text: str) -> str:
    found = _TARGET_VARIABLE.match(text.strip())
    return found.group(1) if found else text.strip()


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


# -- the questions the rules ask ------------------------------------------------------------
def simple_commands(script: str, *, remote: bool = False) -> tuple[Command, ...]:
    return read(script, remote=remote).commands


def assignments(script: str) -> list[tuple[int, str, str]]:
    """(line, name, value) of every assignment, nested scripts included."""
    return sorted(((a.line, a.name, a.value) for a in read(script).assignments), key=lambda a: a[0])


def writes(script: str, target: str) -> dict[str, str]:
    """NAME=value lines the script writes to $GITHUB_OUTPUT or $GITHUB_ENV (and ::set-output)."""
    return {w.name: w.value for w in read(script).writes if w.target == target}
