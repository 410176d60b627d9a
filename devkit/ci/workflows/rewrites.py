"""Image tags written into a file before it is deployed: `sed -i 's|image: …|image: app:latest|'
docker-compose.yml` before `docker compose pull`, `sed` on a values file's `tag:` before `helm
upgrade`, `sed` on an `.env` line `IMAGE_TAG=…`, `yq -i '.services.web.image = "…"'`.

The sed program (`s<d>pattern<d>replacement<d>flags`, separated by `;` or newlines) and the yq
expression (`PATH = VALUE`, `PATH |= VALUE`) are read with their own small grammars; what the
replacement writes is judged: `image: REF`, `tag: TAG` / `newTag: TAG`, `NAME=VALUE` for
*IMAGE/*TAG names, or a `:TAG` suffix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devkit.ci.workflows import programs as p
from devkit.ci.workflows.scripts import Command

_SED = p.Options(frozenset({"-e", "--expression", "-f", "--file", "-l", "--line-length"}))
_VALUE = r"""(?:\$\{\{.*?\}\}|\$\{[^}]*\}|[^\s"',}])+"""
_KEYED = re.compile(rf"""(?:^|[\s"'{{,])(image|tag|newTag|newName)\s*:\s*["']?({_VALUE})""", re.I)
_PAIR = re.compile(r"^\s*(?:export\s+)?([A-Za-z_]\w*)=([^\s]*)\s*$")
_BACKREF = re.compile(r"\\[0-9]|&")
_YQ_ASSIGN = re.compile(r"""(\.[\w.\[\]"'-]*?)\s*\|?=\s*("[^"]*"|'[^']*'|(?:str)?env\(\w+\)|[^\s|)]+)""")


@dataclass(frozen=True)
class Rewrite:
    line: int
    kind: str  # image | tag
    value: str
    where: str


def rewrites(cmd: Command) -> list[Rewrite]:
    if cmd.name == "sed":
        return _sed(cmd)
    if cmd.name == "yq":
        return _yq(cmd)
    return []


def _sed(cmd: Command) -> list[Rewrite]:
    argv = cmd.argv
    if not any(w == "-i" or w.startswith(("-i", "--in-place")) or _in_cluster(w, "i") for w in argv[1:]):
        return []  # without -i sed prints: nothing is rewritten
    programs = [v for _, v in p.option_values(argv, {"-e", "--expression"})]
    places = [i for i in p.positionals(argv, 1, _SED) if argv[i]]  # BSD `sed -i '' …`
    if not programs and places:
        programs, places = [argv[places[0]]], places[1:]
    files = ", ".join(argv[i] for i in places) or "a file"
    found: list[Rewrite] = []
    for program in programs:
        for replacement in _replacements(program):
            for kind, value in _written(replacement):
                found.append(Rewrite(cmd.line, kind, value, f"sed rewriting {files}"))
    return found


def _in_cluster(word: str, letter: str) -> bool:
    return word.startswith("-") and not word.startswith("--") and letter in word[1:] and word[1] != "e"


def _replacements(program: str) -> list[str]:
    """The replacement of every `s` command of a sed program."""
    out: list[str] = []
    i = 0
    while i < len(program) - 1:
        starts = program[i] == "s" and (i == 0 or program[i - 1] in " \t\n;{}/0123456789$!")
        delimiter = program[i + 1]
        if not starts or delimiter.isalnum() or delimiter in " \t\n\\":
            i += 1
            continue
        parts, j = _split(program, i + 2, delimiter, 2)
        if len(parts) == 2:
            out.append(parts[1].replace("\\" + delimiter, delimiter))
        i = max(j, i + 1)
    return out


def _split(text: str, start: int, delimiter: str, count: int) -> tuple[list[str], int]:
    parts: list[str] = []
    current: list[str] = []
    i = start
    while i < len(text) and len(parts) < count:
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if char == delimiter:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    return parts, i


def _written(replacement: str) -> list[tuple[str, str]]:
    """What a replacement writes that is an image or a tag."""
    text = _BACKREF.sub(" ", replacement)  # what the pattern matched is kept, not written
    keyed = _KEYED.findall(text)
    if keyed:
        out = []
        for key, value in keyed:
            if key.lower() == "image":
                out.append(("image", value))
            elif key.lower() in ("tag", "newtag"):
                out.append(("tag", value))
        return out
    pair = _PAIR.match(text)
    if pair:
        name = pair.group(1).upper()
        kind = "image" if name.endswith("IMAGE") else "tag" if name.endswith("TAG") else None
        return [(kind, pair.group(2))] if kind else []
    if text.strip().startswith(":") and " " not in text.strip():  # `\1:latest`, `:${TAG}`
        return [("tag", text.strip()[1:])]
    return []


def _yq(cmd: Command) -> list[Rewrite]:
    argv = cmd.argv
    if not any(w in ("-i", "--inplace") or _in_cluster(w, "i") for w in argv[1:]):
        return []
    found: list[Rewrite] = []
    for word in argv[1:]:
        for path, value in _YQ_ASSIGN.findall(word):
            key = path.rstrip("\"'] ").rsplit(".", 1)[-1].strip("[\"'").lower()
            kind = "image" if key == "image" else "tag" if key in ("tag", "newtag") else None
            if kind is None:
                continue
            env = re.fullmatch(r"(?:str)?env\((\w+)\)", value)
            written = f"${env.group(1)}" if env else value.strip("\"'")
            found.append(Rewrite(cmd.line, kind, written, f"yq setting {path}"))
    return found
