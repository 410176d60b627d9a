"""Follow the context parameter from a step through the calls it is passed to. Not a test.

    .venv/bin/python bench/ctx_walk.py [devkit.tenants.sequence:TenantSequence.run] [--param ctx]

Reads devkit's sources with `ast` (nothing is imported or run). From the start function it finds
every call that passes the parameter (`ctx`) on, resolves the callee where the source says which
it is (a function of the same module, an imported module's function, `self.method`, a method of a
parameter annotated with a class of devkit), and follows the parameter into it, depth first, each
function once. It prints the walk and three numbers:

  modules  distinct modules the walk enters
  stays    function entries in a module other than the caller's (moving between modules)
  climbs   entries into a module of a higher layer than the caller's (the layers of the
           import-linter contract in pyproject.toml, top first)

Issue 24's target for the tenant step: at most 6 modules and 3 climbs.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "devkit"


@dataclass
class Module:
    name: str
    tree: ast.Module
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)  # "f" and "Class.m"
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> "module" or "module:attr"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def read_modules() -> dict[str, Module]:
    found: dict[str, Module] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        module = Module(name, ast.parse(path.read_text()))
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    local = alias.asname or alias.name
                    module.aliases[local] = f"{node.module}.{alias.name}|{node.module}:{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    module.aliases[alias.asname or alias.name] = alias.name
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef):
                module.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        module.functions[f"{node.name}.{item.name}"] = item
        found[name] = module
    return found


def layers() -> list[list[str]]:
    """The import-linter layers, top first; each entry lists the packages of one layer."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    for contract in config["contracts"]:
        if contract.get("type") == "layers":
            prefix = contract.get("containers", [config["root_package"]])[0]
            return [
                [f"{prefix}.{p.strip()}" for p in layer.replace(":", "|").split("|")]
                for layer in contract["layers"]
            ]
    return []


def layer_of(module: str, order: list[list[str]]) -> int:
    """0 for the top layer; the deepest match wins (a module of no layer: the bottom)."""
    for number, members in enumerate(order):
        if any(module == m or module.startswith(m + ".") for m in members):
            return number
    return len(order)


class Walk:
    def __init__(self, modules: dict[str, Module], order: list[list[str]]) -> None:
        self.modules, self.order = modules, order
        self.seen: set[tuple[str, str]] = set()
        self.lines: list[str] = []
        self.entered: list[str] = []
        self.stays = 0
        self.climbs = 0

    def resolve(
        self, module: Module, func: ast.FunctionDef, cls: str | None, call: ast.Call
    ) -> tuple[str, str] | None:
        target = call.func
        if isinstance(target, ast.Name):
            if target.id in module.functions:
                return module.name, target.id
            return self._imported(module, target.id)
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            owner, attr = target.value.id, target.attr
            if owner == "self" and cls and f"{cls}.{attr}" in module.functions:
                return module.name, f"{cls}.{attr}"
            annotated = self._annotation(func, owner)
            if annotated:
                found = self._imported(module, annotated) or (
                    (module.name, annotated)
                    if any(k.startswith(annotated + ".") for k in module.functions)
                    else None
                )
                if found:
                    return found[0], f"{found[1]}.{attr}"
            imported = module.aliases.get(owner)
            if imported:
                for candidate in imported.split("|"):
                    name = candidate.replace(":", ".")
                    if name in self.modules and attr in self.modules[name].functions:
                        return name, attr
        return None

    def _imported(self, module: Module, local: str) -> tuple[str, str] | None:
        imported = module.aliases.get(local, "")
        for candidate in imported.split("|"):
            if ":" in candidate:
                source, attr = candidate.split(":")
                if source in self.modules and any(
                    k == attr or k.startswith(attr + ".") for k in self.modules[source].functions
                ):
                    return source, attr
        return None

    @staticmethod
    def _annotation(func: ast.FunctionDef, name: str) -> str | None:
        for arg in func.args.args + func.args.kwonlyargs:
            if arg.arg == name and arg.annotation is not None:
                text = ast.unparse(arg.annotation).strip("'\"")
                return text.split("[")[0].split(".")[-1]
        return None

    def follow(self, module_name: str, qualname: str, param: str, depth: int, caller: str | None) -> None:
        module = self.modules.get(module_name)
        func = module.functions.get(qualname) if module else None
        if module is None or func is None:
            return
        if caller is not None and caller != module_name:
            self.stays += 1
            climbed = layer_of(module_name, self.order) < layer_of(caller, self.order)
            self.climbs += climbed
            self.lines.append(
                f"{'  ' * depth}{module_name}:{qualname}({param}){'  <- climb' if climbed else ''}"
            )
        else:
            self.lines.append(f"{'  ' * depth}{module_name}:{qualname}({param})")
        if (module_name, qualname) in self.seen:
            return
        self.seen.add((module_name, qualname))
        self.entered.append(module_name)
        cls = qualname.split(".")[0] if "." in qualname else None
        for call in (n for n in ast.walk(func) if isinstance(n, ast.Call)):
            position = [i for i, a in enumerate(call.args) if isinstance(a, ast.Name) and a.id == param]
            keyword = [k.arg for k in call.keywords if isinstance(k.value, ast.Name) and k.value.id == param]
            if not position and not keyword:
                continue
            callee = self.resolve(module, func, cls, call)
            if callee is None:
                continue
            target = self.modules[callee[0]].functions.get(callee[1])
            if target is None:
                continue
            names = [a.arg for a in target.args.args]
            offset = 1 if names and names[0] in ("self", "cls") else 0
            inner = (
                keyword[0]
                if keyword
                else (names[position[0] + offset] if position[0] + offset < len(names) else None)
            )
            if inner:
                self.follow(callee[0], callee[1], inner, depth + 1, module_name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("start", nargs="?", default="devkit.tenants.sequence:TenantSequence.run")
    parser.add_argument("--param", default="ctx")
    args = parser.parse_args()
    module, qualname = args.start.split(":")
    walk = Walk(read_modules(), layers())
    walk.follow(module, qualname, args.param, 0, None)
    print("\n".join(walk.lines))
    print(f"\nmodules {len(set(walk.entered))}  stays {walk.stays}  climbs {walk.climbs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
