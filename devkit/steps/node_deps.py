"""`node-deps`: the frontend's packages from its lockfile (npm ci / pnpm / yarn), Node version first.

Installs prefer the package manager's cache (`--prefer-offline`): a warm cache costs no network
round-trip. `packageManager` in package.json (`pnpm@9.15.0`) chooses the manager, must agree with
the lockfile found, and runs through corepack so that the pinned version installs.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from devkit.config.detect import package_manager_field
from devkit.context import Context
from devkit.core import activity, git, proc
from devkit.core.errors import StepFailed
from devkit.core.state import file_digest, stat_digest
from devkit.core.versions import node_satisfies
from devkit.pipeline import Done

LOCKFILES = {"npm": "package-lock.json", "pnpm": "pnpm-lock.yaml", "yarn": "yarn.lock", "bun": "bun.lock"}
INSTALL = {
    "npm": ["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"],
    "pnpm": ["pnpm", "install", "--frozen-lockfile", "--prefer-offline"],
    "yarn": ["yarn", "install", "--immutable"],  # yarn 2+ (berry) uses its cache offline-first
    "yarn1": ["yarn", "install", "--frozen-lockfile", "--prefer-offline", "--non-interactive"],
    "bun": ["bun", "install", "--frozen-lockfile"],
}
# The file each package manager rewrites after a complete install.
# (bun writes none: the node_modules folder itself, which an install or a removal changes.)
STATE_FILES = {"npm": ".package-lock.json", "pnpm": ".modules.yaml", "yarn": ".yarn-state.yml", "bun": "."}


# corepack's refusal of a package manager signed with keys newer than its own (Node 20's bundled one)
COREPACK_KEYS = re.compile(
    r"(No compatible signature found|Cannot find matching keyid|signature.*(invalid|not found))", re.I
)


def _script_failure(output: str) -> str:
    """A package's install script that failed: which package and the script's own error line
    (npm prints `npm error path …` and `command sh -c …`; the cause is the line before them)."""
    path = re.search(r"npm error path (\S+)", output)
    command = re.search(r"npm error command sh -c (.+)", output)
    if not command:
        return ""
    said = [ln for ln in output.splitlines() if re.search(r"\b(ERROR|Error:|ENOENT|EACCES|gyp ERR!)", ln)]
    cause = said[-1].strip()[:200] if said else ""
    where = f" in {path.group(1)}" if path else ""
    unreachable = re.search(
        r"(?:getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|ECONNREFUSED|ETIMEDOUT) ([\w.-]+)", output
    )
    if unreachable:  # a postinstall that downloads (electron, puppeteer, sharp...): a network cause
        cause = (
            f"it downloads from {unreachable.group(1)}, which this machine cannot reach (only package "
            "registries?); allow that host, or set the package's own variable that skips the download"
        )
    return f"the install script `{command.group(1).strip()}`{where} failed" + (f": {cause}" if cause else "")


def npm_error_lines(output: str) -> str:
    """npm's error lines without the usage text it appends to a usage error (EUSAGE)."""
    lines = [ln for ln in output.splitlines() if ln.startswith(("npm error", "npm ERR!"))]
    usage = next((i for i, ln in enumerate(lines) if ln.split(None, 2)[2:] == ["Usage:"]), None)
    if usage is not None:
        kept = [ln for ln in lines[:usage] if ln.split(None, 2)[2:]]
        lines = kept[:-1]  # the line before "Usage:" is the command's description
    return "\n".join(ln for ln in lines if ln.split(None, 2)[2:])


def manager(ctx: Context) -> str:
    chosen = ctx.config.node.package_manager
    if chosen != "auto":
        return chosen
    folder = ctx.config.path(ctx.config.node.dir)
    pinned = package_manager_field(folder)
    if pinned is not None:
        return pinned[0]
    for name in LOCKFILES:
        if lockfile(folder, name).is_file():
            return name
    return "npm"


def lockfile(folder: Path, pm: str) -> Path:
    """The manager's lockfile in `folder` (bun's older binary bun.lockb too)."""
    if pm == "bun" and not (folder / LOCKFILES["bun"]).is_file() and (folder / "bun.lockb").is_file():
        return folder / "bun.lockb"
    return folder / LOCKFILES[pm]


def lockfile_disagreement(folder: Path, pm: str) -> str | None:
    """Why the lockfile found contradicts the package manager in use, or None."""
    if lockfile(folder, pm).is_file():
        return None
    others = [f"{lock.name} ({name})" for name in LOCKFILES if (lock := lockfile(folder, name)).is_file()]
    if not others:
        return None
    pinned = package_manager_field(folder)
    said = (
        f"package.json packageManager says {pinned[0]}@{pinned[1]}"
        if pinned
        else f"node.package_manager is {pm}"
    )
    return f"{said}, but the lockfile is {', '.join(others)}"


def install_command(folder: Path, pm: str) -> tuple[list[str], dict[str, str]]:
    """The install argv and extra environment: through corepack when packageManager pins pnpm/yarn."""
    pinned = package_manager_field(folder)
    key = pm
    if pm == "yarn":
        major = pinned[1].split(".")[0] if pinned and pinned[0] == "yarn" else ""
        classic = major == "1" or (not major and not (folder / ".yarnrc.yml").is_file())
        key = "yarn1" if classic else "yarn"
    argv = list(INSTALL[key])
    if pm == "bun":  # not corepack's: bun itself, or the release from the npm registry
        if shutil.which("bun"):
            return argv, {}
        release = pinned[1] if pinned and pinned[0] == "bun" else "1"
        return ["npm", "exec", "--yes", f"--package=bun@{release}", "--", *argv], {}
    if pinned is not None and pinned[0] == pm and pm != "npm" and shutil.which("corepack"):
        return ["corepack", *argv], {"COREPACK_ENABLE_DOWNLOAD_PROMPT": "0"}
    return argv, {}


def _no_frontend(ctx: Context) -> str:
    if ctx.config.provenance.get("node.dir", "default") not in ("default",) and not ctx.config.provenance.get(
        "node.dir", ""
    ).startswith("detected"):
        return f'no frontend (node.dir = "" in {ctx.config.source})'
    return "no frontend: no package.json with dependencies in the project"


def node_version() -> str:
    return proc.run(["node", "--version"], hint="install Node.js (see .nvmrc)").stdout.strip()


class NodeDeps:
    name = "node-deps"
    needs: tuple[str, ...] = ()

    def _folder(self, ctx: Context) -> Path | None:
        return ctx.config.path(ctx.config.node.dir) if ctx.config.node.dir else None

    def inputs(self, ctx: Context) -> dict[str, str]:
        folder = self._folder(ctx)
        if folder is None:
            return {"the frontend folder": "none"}
        pm = manager(ctx)
        node = shutil.which("node")
        rel = ctx.config.relative(folder)
        lock = lockfile(folder, pm)
        return {
            "the frontend folder": str(folder),
            "the package manager": pm,
            ctx.config.relative(lock): file_digest(lock),
            f"{rel}/package.json": file_digest(folder / "package.json"),
            "node.version": ctx.config.node.version,
            "the node binary": stat_digest(Path(node).resolve()) if node else "no-node",
        }

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
            return Done(_no_frontend(ctx), nothing=True)
        pm = manager(ctx)
        disagreement = lockfile_disagreement(folder, pm)
        if disagreement is not None:
            raise StepFailed(
                disagreement,
                hint=f"install with the manager the project uses ({pm} install) and "
                f"{git.commit_advice(ctx.config.root, lockfile(folder, pm))}, or correct "
                "packageManager / node.package_manager",
            )
        lock = lockfile(folder, pm)
        if not lock.is_file():
            raise StepFailed(
                f"{lock} is missing: a reproducible install needs it",
                hint=f"run `{pm} install` once and {git.commit_advice(ctx.config.root, lock)}",
            )
        have = node_version()
        wanted = ctx.config.node.version
        if wanted and node_satisfies(have, wanted) is False:
            raise StepFailed(
                f"Node {have} does not satisfy {wanted!r} "
                f"({ctx.config.provenance.get('node.version', 'node.version')})",
                hint=f"switch Node (nvm install {wanted}; nvm use) or change node.version",
            )
        argv, env = install_command(folder, pm)
        ctx.progress(
            f"{pm}: installing from {lockfile(folder, pm).name}"
        )  # npm ci says nothing until the end
        note = ""
        try:
            done = self._install(ctx, folder, pm, argv, env)
        except proc.CommandFailed as exc:
            pinned = package_manager_field(folder)
            if argv[0] != "corepack" or not COREPACK_KEYS.search(exc.output) or pinned is None:
                raise
            # Node's bundled corepack predates the registry's signing keys: the pinned release,
            # from the same registry, through npm instead.
            argv = ["npm", "exec", "--yes", f"--package={pm}@{pinned[1]}", "--", *argv[1:]]
            done = self._install(ctx, folder, pm, argv, {})
            note = (
                f"; corepack could not verify {pm}@{pinned[1]} (its signing keys are older than the "
                "registry's), so npm exec ran it"
            )
        shown = " ".join(argv[:3] if argv[0] == "corepack" else argv[:2])
        if argv[0] == "npm" and argv[1] == "exec":
            shown = f"{pm} {argv[-2]}"
        return Done(
            f"{shown} with Node {have} ({done.seconds:.1f}s){note}",
            marker=stat_digest(folder / "node_modules" / STATE_FILES[pm]),
        )

    def _install(
        self, ctx: Context, folder: Path, pm: str, argv: list[str], env: dict[str, str]
    ) -> proc.Completed:
        try:
            return proc.run(
                argv,
                cwd=folder,
                env=env,
                log=ctx.logs / "node-deps.log",
                hint=f"{pm} could not install the frontend packages: see the log",
                on_line=activity.reporter(pm, ctx.progress_callback()),
            )
        except proc.CommandFailed as exc:
            exc.details = npm_error_lines(exc.output) or exc.details
            if "in sync" in exc.output:
                exc.hint = f"package.json and {LOCKFILES[pm]} disagree: run `{pm} install`, commit both"
            elif cause := _script_failure(exc.output):
                exc.hint = cause
            raise

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
