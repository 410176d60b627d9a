"""Where a project declares its Python dependencies: requirements files, pyproject.toml, lockfiles.

`python.requirements` names one file; its name says how to install it (see `KINDS`). Detection
(`devkit.config.detect`, shared with `devkit init`) picks the same names in `DETECT_ORDER`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from devkit.core.errors import ConfigError

# file name -> (kind, manifest beside it that the lockfile must agree with)
LOCKFILES = {
    "uv.lock": ("uv", "pyproject.toml"),
    "poetry.lock": ("poetry", "pyproject.toml"),
    "pdm.lock": ("pdm", "pyproject.toml"),
    "Pipfile.lock": ("pipenv", "Pipfile"),
}
# The tool each lockfile kind is installed with, and how a developer gets it.
LOCK_TOOLS = {
    "poetry": ("poetry", "pipx install poetry"),
    "pdm": ("pdm", "pipx install pdm"),
    "pipenv": ("pipenv", "pipx install pipenv"),
}
# Options of a requirements file that uv reads as pip does; any other option means pip.
UV_FILE_OPTIONS = {
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable",
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--no-index",
    "--no-binary", "--only-binary", "--require-hashes", "--hash",
}  # fmt: skip
_COMMENT = re.compile(r"(^|\s)#.*$")
_INCLUDES = {
    "-r": "requirement",
    "--requirement": "requirement",
    "-c": "constraint",
    "--constraint": "constraint",
}


@dataclass(frozen=True)
class Source:
    """One way of declaring dependencies, with every file whose content decides the install."""

    kind: str  # requirements | pyproject | uv | poetry | pdm | pipenv
    path: Path  # the configured file
    files: tuple[Path, ...]  # hashed into the fingerprint (includes, manifest + lockfile)
    options: tuple[tuple[str, str], ...] = ()  # (option, "file:line") found in requirements files
    has_hashes: bool = False

    @property
    def manifest(self) -> Path | None:
        entry = LOCKFILES.get(self.path.name)
        return self.path.parent / entry[1] if entry else None


def source_of(path: Path) -> Source:
    """Classify the configured dependency file; a missing or unknown one is a configuration error."""
    name = path.name
    if name == "Pipfile":
        path, name = path.with_name("Pipfile.lock"), "Pipfile.lock"
    if name in LOCKFILES:
        kind, manifest = LOCKFILES[name]
        if not (path.parent / manifest).is_file():
            raise ConfigError(f"{path} has no {manifest} beside it", hint=f"restore {manifest}")
        if not path.is_file():
            raise ConfigError(
                f"{path} is missing", hint=_lock_hint(kind) or "create the lockfile and commit it"
            )
        return Source(kind, path, (path.parent / manifest, path))
    if not path.is_file():
        raise ConfigError(
            f"python.requirements names {path}, which does not exist",
            hint="fix python.requirements in devkit.toml (or remove it to detect the file)",
        )
    if name == "pyproject.toml":
        return Source("pyproject", path, (path,))
    if path.suffix in (".txt", ".in"):
        files, options, hashes = read_requirement_files(path)
        return Source("requirements", path, tuple(files), tuple(options), hashes)
    raise ConfigError(
        f"python.requirements = {path.name}: devkit does not know how to install it",
        hint="name a requirements*.txt/.in file, pyproject.toml, uv.lock, poetry.lock, pdm.lock "
        "or Pipfile.lock",
    )


def _lock_hint(kind: str) -> str:
    return {
        "uv": "run `uv lock` and commit uv.lock",
        "poetry": "run `poetry lock` and commit poetry.lock",
        "pdm": "run `pdm lock` and commit pdm.lock",
        "pipenv": "run `pipenv lock` and commit Pipfile.lock",
    }.get(kind, "")


def logical_lines(path: Path) -> list[tuple[int, str]]:
    """(first line number, text) with comments removed and `\\` continuations joined."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = _COMMENT.sub("", raw)  # pip: `#` at the start or after whitespace
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        if text:
            out.append((start, text))
    if pending.strip():
        out.append((start, pending.strip()))
    return out


def read_requirement_files(
    top: Path,
) -> tuple[list[Path], list[tuple[str, str]], bool]:
    """Every file reached through -r/-c (in order), the options used, and whether hashes appear."""
    files: list[Path] = []
    options: list[tuple[str, str]] = []
    hashes = False
    todo = [top]
    while todo:
        path = todo.pop(0).resolve()
        if path in files:
            continue
        if not path.is_file():
            raise ConfigError(
                f"{path} is missing (included from {files[-1] if files else top})",
                hint="fix the -r/-c line or restore the file",
            )
        files.append(path)
        for number, text in logical_lines(path):
            where = f"{path.name}:{number}"
            words = shlex.split(text, posix=True) if "'" in text or '"' in text else text.split()
            for index, word in enumerate(words):
                option = word.split("=", 1)[0]
                if not option.startswith("-"):
                    continue
                options.append((option, where))
                hashes = hashes or option == "--hash"
                if option in _INCLUDES:
                    target = word.split("=", 1)[1] if "=" in word else _next(words, index)
                    if target:
                        todo.append(path.parent / target)
    return files, options, hashes


def _next(words: list[str], index: int) -> str:
    return words[index + 1] if index + 1 < len(words) else ""


def requirement_names(path: Path) -> list[str]:
    """Names of the named requirements in a requirements file and its -r includes (not -c)."""
    from packaging.requirements import InvalidRequirement, Requirement

    names: list[str] = []
    files, _options, _hashes = read_requirement_files(path)
    constraints = {f for f in files if f != path.resolve() and _only_constraint(path, f)}
    for file in files:
        if file in constraints:
            continue
        for _number, text in logical_lines(file):
            if text.startswith("-"):
                continue
            spec = text.split(" --", 1)[0].strip()  # per-requirement options: --hash=...
            try:
                requirement = Requirement(spec)
            except InvalidRequirement:
                continue  # a bare path or URL: no name to check
            if requirement.marker is None or requirement.marker.evaluate():
                names.append(requirement.name)
    return names


def pyproject_names(path: Path, extras: list[str], groups: list[str]) -> list[str]:
    """Names in PEP 621 dependencies, the chosen extras and PEP 735 groups (static lists only)."""
    import tomllib

    from packaging.requirements import InvalidRequirement, Requirement

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    project = data.get("project", {})
    specs = list(project.get("dependencies", []))
    for extra in extras:
        specs += project.get("optional-dependencies", {}).get(extra, [])
    dependency_groups = data.get("dependency-groups", {})
    todo, seen = list(groups), set()
    while todo:
        group = todo.pop()
        if group in seen:
            continue
        seen.add(group)
        for item in dependency_groups.get(group, []):
            if isinstance(item, dict) and "include-group" in item:
                todo.append(item["include-group"])
            elif isinstance(item, str):
                specs.append(item)
    names = []
    for spec in specs:
        try:
            requirement = Requirement(spec)
        except InvalidRequirement:
            continue
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.append(requirement.name)
    return names


def _only_constraint(top: Path, target: Path) -> bool:
    """True when `target` is reached from `top` through -c lines only."""
    via_requirement: set[Path] = {top.resolve()}
    todo = [top.resolve()]
    while todo:
        path = todo.pop()
        for _number, text in logical_lines(path):
            words = text.split()
            for index, word in enumerate(words):
                option = word.split("=", 1)[0]
                if _INCLUDES.get(option) != "requirement":
                    continue
                name = word.split("=", 1)[1] if "=" in word else _next(words, index)
                child = (path.parent / name).resolve()
                if name and child not in via_requirement and child.is_file():
                    via_requirement.add(child)
                    todo.append(child)
    return target not in via_requirement


def uv_unsupported(source: Source) -> str | None:
    """Why uv cannot install this requirements source as pip would, or None."""
    for option, where in source.options:
        if option not in UV_FILE_OPTIONS:
            return f"{where} uses {option}, which uv does not read from a requirements file"
    return None


def pinned_version(src: Source, name: str) -> str | None:
    """The specifier `src` gives the distribution `name` (`==6.0.4`, `>=5.2,<6`), None when it
    does not name it: requirements files (includes followed), pyproject.toml, and the versions
    the lockfiles lock."""
    import json
    import tomllib

    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    wanted = canonicalize_name(name)
    specs: list[str] = []
    if src.kind == "requirements":
        for file in read_requirement_files(src.path)[0]:
            specs += [text.split(" --", 1)[0] for _n, text in logical_lines(file) if not text.startswith("-")]
    elif src.kind == "pyproject":
        specs = list(
            tomllib.loads(src.path.read_text(encoding="utf-8")).get("project", {}).get("dependencies", [])
        )
    elif src.kind == "pipenv":
        entry = (json.loads(src.path.read_text(encoding="utf-8")).get("default") or {}).get(name, {})
        return entry.get("version") if isinstance(entry, dict) else None
    else:  # uv.lock, poetry.lock, pdm.lock: [[package]] name = "django" version = "6.0.4"
        match = re.search(
            rf'\[\[package\]\]\s*\nname = "{re.escape(name)}"\s*\nversion = "([^"]+)"',
            src.path.read_text(),
            re.I,
        )
        return f"=={match.group(1)}" if match else None
    for spec in specs:
        try:
            requirement = Requirement(spec.strip())
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) == wanted:
            return str(requirement.specifier) or None
    return None
