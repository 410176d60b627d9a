"""`python-deps`: the project's virtualenv and its requirements (pip, or uv when on PATH)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

from devkit import activity, proc
from devkit.context import Context
from devkit.errors import ConfigError, StepFailed
from devkit.pipeline import Done
from devkit.state import file_digest, fingerprint
from devkit.versions import satisfies

MARKER = ".devkit-venv"


def base_interpreter(ctx: Context) -> str:
    """The python that creates the venv: python.interpreter, else python<version>, else python3."""
    py = ctx.config.python
    if py.interpreter:
        return py.interpreter
    if py.version:
        short = ".".join(py.version.split(".")[:2])
        found = shutil.which(f"python{short}")
        if found:
            return found
        if satisfies(".".join(map(str, sys.version_info[:3])), py.version):
            return sys.executable
        raise ConfigError(
            f"Python {py.version} is required ({ctx.config.provenance.get('python.version')}) "
            f"but no python{short} is on PATH",
            hint=f"install it (pyenv install {py.version}, apt-get install python{short}) or set "
            "python.interpreter",
        )
    return shutil.which("python3") or sys.executable


def installer(ctx: Context) -> str:
    choice = ctx.config.python.installer
    if choice == "auto":
        return "uv" if shutil.which("uv") else "pip"
    return choice


def site_listing(venv: Path) -> str:
    """Names of the installed distributions: changes when someone installs or removes a package."""
    return fingerprint(sorted(p.name for p in venv.glob("lib/python*/site-packages/*.dist-info")))


def venv_version(venv: Path) -> str | None:
    """The venv's Python version from pyvenv.cfg (no process needed)."""
    try:
        text = (venv / "pyvenv.cfg").read_text()
    except OSError:
        return None
    match = re.search(r"^version(?:_info)?\s*=\s*(\d+(?:\.\d+)*)", text, re.M)
    return match.group(1) if match else None


def venv_problem(ctx: Context) -> str | None:
    """Why the configured venv cannot be used as it is, or None."""
    venv, wanted = ctx.venv, ctx.config.python.version
    if not (venv / "bin" / "python").exists():  # follows the symlink: a removed base Python counts
        return "is missing or its Python is gone" if venv.exists() else "does not exist"
    have = venv_version(venv)
    if wanted and have and satisfies(have, wanted) is False:
        return f"has Python {have}, but {wanted} is required"
    return None


class PythonDeps:
    name = "python-deps"
    needs: tuple[str, ...] = ()

    def _requirements(self, ctx: Context) -> Path | None:
        rel = ctx.config.python.requirements
        return ctx.config.path(rel) if rel else None

    def fingerprint(self, ctx: Context) -> str:
        req = self._requirements(ctx)
        return fingerprint(
            [
                str(req),
                file_digest(req) if req else "none",
                base_interpreter(ctx),
                ctx.config.python.version,
                installer(ctx),
                str(ctx.venv),
            ]
        )

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        problem = venv_problem(ctx)
        if problem is not None:
            return f"{ctx.config.python.venv} {problem}"
        if site_listing(ctx.venv) != record.get("marker"):
            return "installed packages changed since the last install"
        return None

    def run(self, ctx: Context) -> Done:
        venv, req = ctx.venv, self._requirements(ctx)
        base, tool = base_interpreter(ctx), installer(ctx)
        log = ctx.logs / "python-deps.log"
        problem = venv_problem(ctx)
        if problem is not None:
            if venv.exists() and not (venv / MARKER).exists():
                raise StepFailed(
                    f"{venv} {problem}, and devkit did not create it, so it will not replace it",
                    hint="remove or repair it yourself, or set python.venv to another folder",
                )
            if venv.exists():
                shutil.rmtree(venv)  # devkit's own venv: derived data, re-created below
            # virtualenv seeds pip from its bundled wheels: about 4x faster than `-m venv`.
            # No setuptools/wheel, as `python -m venv` on Python 3.12+: pip builds in isolation.
            create = (
                [sys.executable, "-m", "virtualenv", "-q", "--no-setuptools", "--no-wheel", "-p", base, venv]
                if tool == "pip"
                else ["uv", "venv", "-p", base, venv]
            )
            ctx.progress(f"creating the virtualenv with {tool}")
            proc.run(create, log=ctx.logs / "python-venv.log", hint="could not create the virtualenv")
            (venv / MARKER).write_text("created by devkit\n")
        python = venv / "bin" / "python"
        if req is None:
            detail = "virtualenv ready (no requirements file configured)"
        else:
            target = ["-r", req] if req.suffix in (".txt", ".in") else ["-e", req.parent]
            cmd = (
                [python, "-m", "pip", "install", "--disable-pip-version-check", *target]
                if tool == "pip"
                else ["uv", "pip", "install", "--python", python, *target]
            )
            done = proc.run(
                cmd,
                log=log,
                cwd=ctx.config.root,
                hint=f"pip could not install {req.name}: see the log",
                on_line=activity.reporter(tool, ctx.progress_callback()),
            )
            detail = f"installed {req.relative_to(ctx.config.root)} with {tool} ({done.seconds:.1f}s)"
        return Done(detail, marker=site_listing(venv))

    def verify(self, ctx: Context) -> None:
        python = ctx.venv / "bin" / "python"
        if not python.exists():
            raise StepFailed(f"{python} does not exist after the install")
        req = self._requirements(ctx)
        if req is None or req.suffix not in (".txt", ".in"):
            return
        installed = {
            _norm(p.name.split("-")[0]) for p in ctx.venv.glob("lib/python*/site-packages/*.dist-info")
        }
        missing = [name for name in _requirement_names(req) if _norm(name) not in installed]
        if missing:
            raise StepFailed(f"not installed after pip finished: {', '.join(missing)}")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _requirement_names(req: Path) -> list[str]:
    names = []
    for line in req.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
            if match:
                names.append(match.group(0))
    return names
