"""The project's virtualenv as devkit makes it: what `python -m venv` gives, and a health check.

Parity: `python -m venv` seeds pip, plus setuptools below Python 3.12 (its bundled setuptools
still ships `pkg_resources`, which old code imports without declaring it). devkit seeds the
same, with uv (default) or virtualenv + pip.

Ownership: `.devkit-venv` inside the venv says devkit made it. While devkit creates one, the
file `.devkit/venv-creating` names it; a venv still named there was left half-built by an
interrupted run and is re-created without asking.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devkit.context import Context
from devkit.core import proc
from devkit.core.errors import StepFailed

MARKER = ".devkit-venv"
INTENT = "venv-creating"
# Below 3.12 `python -m venv` includes setuptools; 81 removed pkg_resources, which it has.
SETUPTOOLS_SEED = "setuptools<81"
SEED_LAYOUT = "pip+setuptools<3.12 (2)"  # in the fingerprint: a change re-seeds old venvs


def venv_version(venv: Path) -> str | None:
    """The venv's Python version from pyvenv.cfg (no process needed)."""
    try:
        text = (venv / "pyvenv.cfg").read_text()
    except OSError:
        return None
    match = re.search(r"^version(?:_info)?\s*=\s*(\d+(?:\.\d+)*)", text, re.M)
    return match.group(1) if match else None


def seeds(venv: Path) -> list[str]:
    """What `python -m venv` of the venv's interpreter installs."""
    version = tuple(int(p) for p in (venv_version(venv) or "3.12").split(".")[:2])
    return ["pip", SETUPTOOLS_SEED] if version < (3, 12) else ["pip"]


def _intent(ctx: Context) -> Path:
    return ctx.config.state_dir / INTENT


def half_built(ctx: Context) -> bool:
    """True when a devkit run started creating this venv and did not finish."""
    try:
        return _intent(ctx).read_text().splitlines()[0] == str(ctx.venv)
    except (OSError, IndexError):
        return False


def owned(ctx: Context) -> bool:
    return (ctx.venv / MARKER).exists() or half_built(ctx)


def health_problem(venv: Path) -> str | None:
    """Why the venv's Python or its pip does not work, or None (one short process)."""
    python = venv / "bin" / "python"
    # pip's entry point and its logging (which loads pip's vendored rich: the module a killed
    # install was found missing) without running a pip command
    code = "import pip._internal.cli.main, pip._internal.utils.logging"
    done = proc.run([python, "-I", "-c", code], check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"fails a health check ({last})"
    return None


def _previous(ctx: Context) -> Path:
    return ctx.venv.with_name(ctx.venv.name + ".previous")


@contextmanager
def replacing(ctx: Context) -> Iterator[None]:
    """While the step makes a new venv in place of a working one (another Python), the old one
    waits beside it (`<venv>.previous`, set aside by create()): put back when the new one fails,
    removed once the step succeeded. A leftover of a killed run is removed first."""
    previous = _previous(ctx)
    if previous.exists() and not ctx.venv.exists():  # killed between the set-aside and the new venv
        previous.rename(ctx.venv)
    elif previous.exists() and (previous / MARKER).exists():
        shutil.rmtree(previous)
    try:
        yield
    except BaseException:
        if previous.exists():
            if ctx.venv.exists():
                shutil.rmtree(ctx.venv)  # the new one, devkit's, that did not work
            previous.rename(ctx.venv)
            _intent(ctx).unlink(missing_ok=True)
        raise
    if previous.exists():
        shutil.rmtree(previous)


def create(ctx: Context, base: str, uv: str | None) -> None:
    """(Re-)create the venv with uv or virtualenv, seed it as `python -m venv` does, check it.
    A working venv it replaces is set aside (replacing() puts it back if the new one fails)."""
    venv, log = ctx.venv, ctx.logs / "python-venv.log"
    ctx.config.state_dir.mkdir(parents=True, exist_ok=True)
    working = (venv / "bin" / "python").exists() and not half_built(ctx)
    _intent(ctx).write_text(f"{venv}\n{os.getpid()}\n")
    if working:
        venv.rename(_previous(ctx))
    elif venv.exists() or venv.is_symlink():
        shutil.rmtree(venv)  # the caller checked that devkit made it: derived data
    if uv is not None:
        # UV_VENV_CLEAR (ignored by older uv): a `uv venv` a killed run started just before it was
        # killed, too soon to be recorded as its child, may have made the folder again meanwhile.
        proc.run(
            [uv, "venv", "-q", "--python", base, venv],
            env={"UV_VENV_CLEAR": "1"},
            log=log,
            hint="could not create the virtualenv",
        )
        (venv / MARKER).write_text("created by devkit\n")
        proc.run(
            [uv, "pip", "install", "-q", "--python", venv / "bin" / "python", *seeds(venv)],
            log=ctx.logs / "python-venv-seed.log",
            hint="could not install pip/setuptools into the new virtualenv",
        )
    else:
        # virtualenv seeds pip from its bundled wheel (faster than ensurepip); its bundled
        # setuptools no longer has pkg_resources, so that one comes from pip as in `-m venv`.
        create_cmd = [sys.executable, "-m", "virtualenv", "-q", "--no-setuptools", "--no-wheel"]
        proc.run([*create_cmd, "-p", base, venv], log=log, hint="could not create the virtualenv")
        (venv / MARKER).write_text("created by devkit\n")
        extra = [s for s in seeds(venv) if s != "pip"]
        if extra:
            proc.run(
                [
                    venv / "bin" / "python",
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    *extra,
                ],
                log=ctx.logs / "python-venv-seed.log",
                hint="could not install setuptools into the new virtualenv",
            )
    problem = health_problem(venv)
    if problem is not None:
        raise StepFailed(f"the new virtualenv {venv} {problem}", hint=f"see {log}")
    _intent(ctx).unlink()


def ensure_seeds(ctx: Context, uv: str | None) -> None:
    """Install what `python -m venv` would have into a devkit venv that lacks it (older devkit)."""
    site = list(ctx.venv.glob("lib/python*/site-packages"))
    have = {p.name.split("-")[0].lower() for s in site for p in s.glob("*.dist-info")}
    missing = [s for s in seeds(ctx.venv) if re.split(r"[<>=]", s)[0] not in have]
    if not missing:
        return
    python = ctx.venv / "bin" / "python"
    cmd = (
        [uv, "pip", "install", "-q", "--python", python, *missing]
        if uv is not None
        else [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *missing]
    )
    proc.run(cmd, log=ctx.logs / "python-venv-seed.log", hint="could not install pip/setuptools")
