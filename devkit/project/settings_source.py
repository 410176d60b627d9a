"""The project's settings read as source, without Django: what an assignment is built from and
where a literal sits in it.

The files are the ones the facts probe saw assigning the settings (`setting_files`: the settings
module and its star-import chain, in evaluation order). Django tells the value of INSTALLED_APPS;
only the source tells how it is built (`list(SHARED_APPS) + [...]` or its own list), which decides
where a new app must go, and only the source gives the line of a stray `""` in TENANT_APPS.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# Calls that keep a list's items: list(SHARED_APPS), tuple(...), sorted(...)
_TRANSPARENT_CALLS = {"list", "tuple", "sorted", "set", "dict.fromkeys"}


@dataclass(frozen=True)
class Assignment:
    name: str
    file: str
    line: int
    op: str  # "=" (replaces), "+=" / "append" / "insert" / "extend" (adds)
    value: ast.AST


@dataclass(frozen=True)
class Recipe:
    """How a setting's final value is built: the other settings-file names it reads (through local
    names), whether a call the source cannot follow is involved, and where it is assigned."""

    where: str  # file:line of the last plain assignment ("" when none was found)
    reads: frozenset[str]  # every name it reads, through the names those are built from
    direct: tuple[str, ...]  # the settings-file names its own assignments read, in order
    opaque: tuple[str, ...]  # calls other than list()/tuple()/…, e.g. get_installed_apps()


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements in order, entering if/try/with (settings often branch on DEBUG)."""
    for node in body:
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                yield from _statements(inner)


def _parse(path: str) -> ast.Module | None:
    try:
        return ast.parse(Path(path).read_text(encoding="utf-8"), path)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None


def assignments(paths: Sequence[str]) -> list[Assignment]:
    """Every module-level assignment in `paths` (each file once, in the order given)."""
    out: list[Assignment] = []
    for path in dict.fromkeys(paths):
        tree = _parse(path)
        if tree is None:
            continue
        for node in _statements(tree.body):
            out.extend(_of(node, path))
    return out


def _of(node: ast.stmt, path: str) -> Iterator[Assignment]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                yield Assignment(target.id, path, node.lineno, "=", node.value)
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        yield Assignment(node.target.id, path, node.lineno, "=", node.value)
    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        yield Assignment(node.target.id, path, node.lineno, "+=", node.value)
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.attr in ("append", "insert", "extend")
        ):
            args = node.value.args[-1:] if func.attr == "insert" else node.value.args[:1]
            for arg in args:
                yield Assignment(func.value.id, path, node.lineno, func.attr, arg)


def _effective(found: list[Assignment], name: str, before: int | None = None) -> list[Assignment]:
    """The assignments that make up `name`'s value: the last plain one and the additions after it
    (`before`: only those earlier in `found` than that index)."""
    mine = [(i, a) for i, a in enumerate(found) if a.name == name and (before is None or i < before)]
    # `X = X + [...]` adds to X like `X += [...]`: the value starts at the last one that does not.
    start = max(
        (k for k, (_, a) in enumerate(mine) if a.op == "=" and name not in _names(a.value)), default=0
    )
    return [a for _, a in mine[start:]]


def _names(value: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(value) if isinstance(node, ast.Name)}


def _index(found: list[Assignment], assignment: Assignment) -> int:
    return next(i for i, a in enumerate(found) if a is assignment)


def recipe(paths: Sequence[str], name: str) -> Recipe | None:
    """How `name` is built in the settings files; None when no file assigns it."""
    found = assignments(paths)
    parts = _effective(found, name)
    if not parts:
        return None
    reads: set[str] = set()
    opaque: list[str] = []
    for part in parts:
        _follow(found, part.value, _index(found, part), reads, opaque, 0)
    plain = [a for a in parts if a.op == "="]
    where = f"{plain[0].file}:{plain[0].line}" if plain else ""
    assigned = {a.name for a in found}
    names = [
        node
        for part in parts
        for node in ast.walk(part.value)
        if isinstance(node, ast.Name) and node.id in assigned and node.id != name
    ]
    direct = [node.id for node in sorted(names, key=lambda n: (n.lineno, n.col_offset))]
    return Recipe(
        where, frozenset(reads - {name}), tuple(dict.fromkeys(direct)), tuple(dict.fromkeys(opaque))
    )


def _follow(
    found: list[Assignment], value: ast.AST, at: int, reads: set[str], opaque: list[str], depth: int
) -> None:
    """Collect the names `value` reads, following names assigned earlier in the same files."""
    for node in ast.walk(value):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in reads:
            reads.add(node.id)
            if depth < 10:
                for part in _effective(found, node.id, before=at):
                    _follow(found, part.value, _index(found, part), reads, opaque, depth + 1)
        elif isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            copies = isinstance(node.func, ast.Attribute) and node.func.attr == "copy"
            if called not in _TRANSPARENT_CALLS and not copies:
                opaque.append(called)


def _blank(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and not node.value.strip()


def empty_strings(paths: Sequence[str], name: str) -> list[str]:
    """`file:line` of every empty (or blank) string item of a list, tuple or set literal in the
    value of `name`, including the lists it is built from (`TENANT_APPS = BASE + ["", ...]`);
    comparisons (`if app != ""`) are not items."""
    found = assignments(paths)
    out: list[str] = []
    seen: set[int] = set()

    def visit(target: str, before: int | None, depth: int) -> None:
        for part in _effective(found, target, before):
            at = _index(found, part)
            if at in seen:
                continue
            seen.add(at)
            for node in ast.walk(part.value):
                if isinstance(node, ast.List | ast.Tuple | ast.Set):
                    out.extend(f"{part.file}:{item.lineno}" for item in node.elts if _blank(item))
                elif _blank(node) and node is part.value:  # INSTALLED_APPS.append("")
                    out.append(f"{part.file}:{node.lineno}")
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and depth < 10:
                    visit(node.id, at, depth + 1)

    visit(name, None, 0)
    return list(dict.fromkeys(out))
