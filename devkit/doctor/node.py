"""Node: node and npm against .nvmrc / package.json engines, node_modules against the lockfile."""

from __future__ import annotations

import json
from typing import Any

from devkit.core import git, inputs, proc
from devkit.core.versions import node_satisfies
from devkit.doctor import fixes
from devkit.doctor.env import DoctorEnv, Skip
from devkit.doctor.model import Finding, check, fail, ok
from devkit.pipeline import changed_inputs

CATEGORY = "Node"


def _package(env: DoctorEnv) -> dict[str, Any]:
    config = env.need_config()
    if not config.node.dir:
        raise Skip("no frontend (node.dir is empty)")
    try:
        return json.loads((config.path(config.node.dir) / "package.json").read_text())
    except (OSError, ValueError) as exc:
        raise Skip(f"package.json unreadable: {exc}") from exc


def _tool_version(name: str) -> str | None:
    try:
        done = proc.run([name, "--version"], check=False, timeout=10)
    except proc.CommandNotFound:
        return None
    return done.stdout.strip().lstrip("v") if done.returncode == 0 else None


@check("node-version", CATEGORY, "Node version")
def check_node_version(env: DoctorEnv) -> Finding:
    _package(env)
    config = env.config
    wanted = config.node.version
    source = config.provenance.get("node.version", "node.version")
    have = _tool_version("node")
    if have is None:
        return fail("node is not on PATH", f"install Node.js {wanted or ''} (nvm install)".strip())
    if wanted and node_satisfies(have, wanted) is False:
        return fail(
            f"Node {have} does not satisfy {wanted!r} ({source})",
            f"nvm install {wanted} && nvm use {wanted} (or change node.version)",
        )
    return ok(f"Node {have}" + (f" satisfies {wanted!r} ({source})" if wanted else ""))


@check("package-manager", CATEGORY, "Package manager version")
def check_package_manager(env: DoctorEnv) -> Finding:
    from devkit.steps.node_deps import manager

    engines = _package(env).get("engines") or {}
    pm = manager(env.ctx)
    have = _tool_version(pm)
    if have is None:
        return fail(f"{pm} is not on PATH", f"install {pm} (corepack enable, or with Node)")
    wanted = engines.get(pm) if isinstance(engines, dict) else None
    if isinstance(wanted, str) and node_satisfies(have, wanted) is False:
        return fail(
            f"{pm} {have} does not satisfy {wanted!r} (package.json engines.{pm})",
            f"npm install -g {pm}@'{wanted}' (or corepack)",
        )
    return ok(f"{pm} {have}" + (f" satisfies {wanted!r}" if isinstance(wanted, str) else ""))


@check("node-modules", CATEGORY, "node_modules and lockfile")
def check_node_modules(env: DoctorEnv) -> Finding:
    from devkit.steps.node_deps import LOCKFILES, NodeDeps, manager

    _package(env)
    ctx = env.ctx
    step = NodeDeps()
    pm = manager(ctx)
    folder = ctx.config.path(ctx.config.node.dir)
    lockfile = f"{ctx.config.node.dir}/{LOCKFILES[pm]}"
    hint = "devkit up --only node-deps (or devkit doctor --fix)"
    if not (folder / LOCKFILES[pm]).is_file():
        advice = git.commit_advice(ctx.config.root, folder / LOCKFILES[pm])
        return fail(f"{lockfile} is missing", f"run `{pm} install` once and {advice}")
    if not (folder / "node_modules").is_dir():
        return fail(f"{ctx.config.node.dir}/node_modules is missing", hint, fix=fixes.NODE_DEPS)
    record = ctx.state.step(step.name)
    if not record:
        return fail(f"node_modules was not installed by devkit from {lockfile}", hint, fix=fixes.NODE_DEPS)
    changed = changed_inputs(step, ctx)
    if changed:
        return fail(
            f"changed since node_modules was installed: {inputs.describe(changed)}",
            hint,
            fix=fixes.NODE_DEPS,
        )
    reason = step.check(ctx, record)
    if reason is not None:
        return fail(reason, hint, fix=fixes.NODE_DEPS)
    return ok(f"node_modules matches {lockfile}")
