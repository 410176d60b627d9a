"""`node-deps`: the frontend's packages from its lockfile (npm ci / pnpm / yarn), Node version first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from devkit import activity, proc
from devkit.context import Context
from devkit.errors import StepFailed
from devkit.pipeline import Done
from devkit.state import file_digest, fingerprint, stat_digest
from devkit.versions import satisfies

LOCKFILES = {"npm": "package-lock.json", "pnpm": "pnpm-lock.yaml", "yarn": "yarn.lock"}
INSTALL = {
    "npm": ["npm", "ci", "--no-audit", "--no-fund"],
    "pnpm": ["pnpm", "install", "--frozen-lockfile"],
    "yarn": ["yarn", "install", "--immutable"],
}
# The file each package manager rewrites after a complete install.
STATE_FILES = {"npm": ".package-lock.json", "pnpm": ".modules.yaml", "yarn": ".yarn-state.yml"}


def manager(ctx: Context) -> str:
    chosen = ctx.config.node.package_manager
    if chosen != "auto":
        return chosen
    folder = ctx.config.path(ctx.config.node.dir)
    for name, lockfile in LOCKFILES.items():
        if (folder / lockfile).is_file():
            return name
    return "npm"


def node_version() -> str:
    return proc.run(["node", "--version"], hint="install Node.js (see .nvmrc)").stdout.strip()


class NodeDeps:
    name = "node-deps"
    needs: tuple[str, ...] = ()

    def _folder(self, ctx: Context) -> Path | None:
        return ctx.config.path(ctx.config.node.dir) if ctx.config.node.dir else None

    def fingerprint(self, ctx: Context) -> str:
        folder = self._folder(ctx)
        if folder is None:
            return "no-frontend"
        pm = manager(ctx)
        node = shutil.which("node")
        return fingerprint(
            [
                str(folder),
                pm,
                file_digest(folder / LOCKFILES[pm]),
                file_digest(folder / "package.json"),
                ctx.config.node.version,
                stat_digest(Path(node).resolve()) if node else "no-node",
            ]
        )

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        folder = self._folder(ctx)
        if folder is None:
            return None
        state_file = folder / "node_modules" / STATE_FILES[manager(ctx)]
        if stat_digest(state_file) != record.get("marker"):
            return "node_modules is missing or was changed since the last install"
        return None

    def run(self, ctx: Context) -> Done:
        folder = self._folder(ctx)
        if folder is None:
            return Done("no frontend (node.dir is empty)")
        pm = manager(ctx)
        if not (folder / LOCKFILES[pm]).is_file():
            raise StepFailed(
                f"{folder / LOCKFILES[pm]} is missing: a reproducible install needs it",
                hint=f"run `{pm} install` once and commit the lockfile",
            )
        have = node_version()
        wanted = ctx.config.node.version
        if wanted and satisfies(have, wanted) is False:
            raise StepFailed(
                f"Node {have} does not satisfy {wanted!r} "
                f"({ctx.config.provenance.get('node.version', 'node.version')})",
                hint=f"switch Node (nvm install {wanted}; nvm use) or change node.version",
            )
        ctx.progress(f"{pm}: installing from {LOCKFILES[pm]}")  # npm ci says nothing until the end
        done = proc.run(
            INSTALL[pm],
            cwd=folder,
            log=ctx.logs / "node-deps.log",
            hint=f"{pm} could not install the frontend packages: see the log",
            on_line=activity.reporter(pm, ctx.progress_callback()),
        )
        return Done(
            f"{' '.join(INSTALL[pm][:2])} with Node {have} ({done.seconds:.1f}s)",
            marker=stat_digest(folder / "node_modules" / STATE_FILES[pm]),
        )

    def verify(self, ctx: Context) -> None:
        folder = self._folder(ctx)
        if folder is None:
            return
        package = json.loads((folder / "package.json").read_text())
        wanted = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
        missing = [name for name in wanted if not (folder / "node_modules" / name).is_dir()]
        if missing:
            raise StepFailed(f"missing in node_modules after the install: {', '.join(missing)}")
        if not (folder / "node_modules" / STATE_FILES[manager(ctx)]).exists():
            raise StepFailed("the package manager left no record of a complete install")
