"""python-deps and node-deps in a branched checkout: the source's venv / node_modules copied when
their inputs are the same and the source's tree is as its last install left it (reflink or plain
copy, worktrees/trees.py), else the install runs; the step line says which and why."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from devkit.context import Context
from devkit.core.state import file_digest, stat_digest
from devkit.pipeline import Done
from devkit.steps.branched.source import INSTALLS, last_install, source_context, source_is_fresh, source_of
from devkit.steps.branched.wrapped import Wrapped
from devkit.worktrees import lineage, trees


class CopiedTree(Wrapped):
    """python-deps / node-deps: copy the source's tree when it is provably the same, else install."""

    def run(self, ctx: Context) -> Done:
        copied = self._from_source(ctx)
        if copied is not None:
            return copied
        started = time.monotonic()
        done = super().run(ctx)
        seconds = time.monotonic() - started
        tree = self.target(ctx)
        if tree is not None and tree.is_dir():  # what a branch of this checkout weighs a copy against
            size = trees.measure(self.planned(tree))
            self._record(ctx, {"seconds": round(seconds, 2), "files": size.files, "bytes": size.bytes})
        return done

    def _record(self, ctx: Context, install: dict[str, float]) -> None:
        installs = dict(ctx.state.get(INSTALLS) or {})
        installs[self.name] = install
        ctx.state.put(INSTALLS, installs)

    def _from_source(self, ctx: Context) -> Done | None:
        target = self.target(ctx)
        if target is None or target.exists() or target.is_symlink() or not lineage.current(ctx.state):
            return None
        source, problem = source_of(ctx)
        if source is None:
            ctx.notes.append(f"{self.name}: installed, not copied: {problem}")
            return None
        source_ctx = source_context(source)
        tree = self.target(source_ctx)
        why_not = self.differs(ctx, source_ctx) or source_is_fresh(self.step, source_ctx)
        if why_not is None and (tree is None or not tree.is_dir()):
            why_not = f"the source has no {self.tree_name}"
        if why_not is not None or tree is None:
            ctx.notes.append(f"{self.name}: installed, not copied from {source.root}: {why_not}")
            return None
        installed = last_install(source, self.name)
        plan = trees.plan(self.planned(tree), target.parent, installed)
        if plan.how == "install":
            ctx.notes.append(f"{self.name}: {plan.why}")
            return None
        ctx.progress(f"copying {self.tree_name} from {source.root}")
        started = time.monotonic()
        marker = self.copy(ctx, source_ctx, tree, target)
        took = time.monotonic() - started
        if installed:  # the same tree: a branch of this branch weighs its copy against that install
            self._record(ctx, installed)
        return Done(
            f"copied {self.tree_name} from {source.root}: {plan.why} ({took:.1f}s); inputs identical", marker
        )

    tree_name = ""

    def target(self, ctx: Context) -> Path | None:
        """The tree in the checkout `ctx` is of (None: the project has none)."""
        raise NotImplementedError

    def planned(self, tree: Path) -> Path:
        """The part of the source's tree whose size decides between a copy and the install."""
        return tree

    def differs(self, ctx: Context, source_ctx: Context) -> str | None:
        """How the inputs of the two trees differ, or None when they are the same."""
        raise NotImplementedError

    def copy(self, ctx: Context, source_ctx: Context, tree: Path, target: Path) -> str:
        """Make `target` from the source's `tree`; returns the step's marker."""
        raise NotImplementedError


class PythonDepsFromSource(CopiedTree):
    tree_name = "the venv"

    def target(self, ctx: Context) -> Path | None:
        return ctx.venv

    def planned(self, tree: Path) -> Path:
        return tree / "lib"

    def differs(self, ctx: Context, source_ctx: Context) -> str | None:
        from devkit.steps.branched import venv_copy

        mine, theirs = _python_inputs(ctx), _python_inputs(source_ctx)
        if mine != theirs:
            changed = next(f"{a} here, {b} there" for a, b in zip(mine, theirs, strict=False) if a != b)
            return f"the Python inputs differ ({changed})"
        if venv_copy.base_interpreter(source_ctx.venv) is None:
            return f"{source_ctx.venv} holds its own copy of Python"
        return None

    def copy(self, ctx: Context, source_ctx: Context, tree: Path, target: Path) -> str:
        from devkit.project.facts import site_listing
        from devkit.steps.branched import venv_copy
        from devkit.steps.uv_tool import UvUnavailable, find_uv

        try:
            uv: str | None = find_uv()
        except UvUnavailable:
            uv = None
        base = venv_copy.base_interpreter(tree)
        assert base is not None
        venv_copy.copy_venv(
            tree, target, base, uv, ctx.config.state_dir, (source_ctx.config.root, ctx.config.root)
        )
        return site_listing(target)


def _python_inputs(ctx: Context) -> list[str]:
    """What python-deps installs from, without this checkout's paths."""
    from devkit.steps import python_deps
    from devkit.steps import venv as venvs

    root = ctx.config.root
    src = python_deps.source(ctx)
    files = [f"{_relative(f, root)}:{file_digest(f)}" for f in (src.files if src else ())]
    installer = python_deps.choose_installer(ctx, src, locate=False).tool
    spec = python_deps.wanted_python(ctx).spec
    return [src.kind if src else "none", *files, repr(ctx.config.python), installer, spec, venvs.SEED_LAYOUT]


# The root package.json's install-time scripts: npm runs them after installing (husky writes git
# hooks, code generators write into the project): their effect outside node_modules is not copied.
_LIFECYCLE = ("preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare")


class NodeDepsFromSource(CopiedTree):
    tree_name = "node_modules"

    def target(self, ctx: Context) -> Path | None:
        return ctx.config.path(ctx.config.node.dir) / "node_modules" if ctx.config.node.dir else None

    def differs(self, ctx: Context, source_ctx: Context) -> str | None:
        mine, theirs = _node_inputs(ctx), _node_inputs(source_ctx)
        if mine != theirs:
            return "the frontend's lockfile, package.json or node configuration differ"
        folder = ctx.config.path(ctx.config.node.dir)
        try:
            scripts = json.loads((folder / "package.json").read_text()).get("scripts") or {}
        except (OSError, ValueError):
            return "package.json is not readable"
        runs = [name for name in _LIFECYCLE if name in scripts]
        if runs:
            return f"package.json runs {', '.join(runs)} on install, which may write outside node_modules"
        return None

    def copy(self, ctx: Context, source_ctx: Context, tree: Path, target: Path) -> str:
        from devkit.steps.node_deps import STATE_FILES, manager

        trees.copy_into_place(tree, target)
        _repoint_links(target, source_ctx.config.root, ctx.config.root)
        return stat_digest(target / STATE_FILES[manager(ctx)])


def _node_inputs(ctx: Context) -> list[str]:
    from devkit.steps.node_deps import lockfile, manager

    folder = ctx.config.path(ctx.config.node.dir)
    pm = manager(ctx)
    return [
        _relative(folder, ctx.config.root),
        pm,
        file_digest(lockfile(folder, pm)),
        file_digest(folder / "package.json"),
        repr(ctx.config.node),
    ]


def _repoint_links(tree: Path, old_root: Path, new_root: Path) -> None:
    """Absolute symlinks into the source checkout point into this one (relative ones need nothing)."""
    for dirpath, dirs, names in os.walk(tree):
        for name in [*dirs, *names]:
            path = Path(dirpath) / name
            if not path.is_symlink():
                continue
            link = Path(os.readlink(path))
            if link.is_absolute() and link.is_relative_to(old_root):
                path.unlink()
                path.symlink_to(new_root / link.relative_to(old_root))


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
