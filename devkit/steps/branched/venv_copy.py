"""A venv made from another checkout's: a new venv at this checkout's path, the source's packages.

A venv's own files name its path (the scripts' `#!` lines, `activate`, and a package installed
from the checkout in editable mode names the checkout), so the venv is never copied whole: it is
created anew here (uv venv, else `python -m venv --without-pip`) with the source's base
interpreter, which writes this path into pyvenv.cfg and the activate scripts; then the source's
`lib/` is copied in (reflink or plain, trees.py), the console scripts of `bin/` are copied with
the source venv's path replaced in their `#!` line, and the few files in site-packages that name
the source checkout (`.pth`, editable finders, `direct_url.json`) are pointed at this one.
The result is checked by its own interpreter (sys.prefix, pip importable).

While it is made, `.devkit/venv-creating` names it (steps/venv.py): a kill leaves a venv the next
run re-creates. Byte-compiled files (`__pycache__`) are copied as they are: Python checks them
against the copied sources' times and sizes, which cp keeps; their recorded file names still
name the source venv, which only shows in a traceback into a library.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from devkit.core import proc
from devkit.core.errors import StepFailed
from devkit.steps import venv as venvs
from devkit.worktrees import trees

# Top-level entries of a venv that its creator writes for this path: never copied.
_CREATED = {"bin", "lib", "lib64", "pyvenv.cfg", "CACHEDIR.TAG", ".gitignore", venvs.MARKER}


def base_interpreter(source_venv: Path) -> Path | None:
    """The interpreter the source venv was made from (its bin/python's target), or None when the
    venv holds its own copy of Python (`--copies`): then it is not copied, but installed."""
    real = Path(os.path.realpath(source_venv / "bin" / "python"))
    if not real.is_file() or real.is_relative_to(source_venv.resolve()):
        return None
    return real


def copy_venv(
    source_venv: Path, venv: Path, base: Path, uv: str | None, state_dir: Path, checkouts: tuple[Path, Path]
) -> None:
    """Make `venv` from `source_venv` (see the module docstring); `checkouts`: (the source's
    folder, this one's). StepFailed when the result does not work."""
    intent = state_dir / venvs.INTENT
    intent.write_text(f"{venv}\n{os.getpid()}\n")
    if uv is not None:
        proc.run([uv, "venv", "-q", "--python", base, venv], env={"UV_VENV_CLEAR": "1"})
    else:
        proc.run([base, "-m", "venv", "--without-pip", venv])
    (venv / venvs.MARKER).write_text("created by devkit\n")
    for lib in sorted(source_venv.glob("lib/python*")):
        target = venv / "lib" / lib.name
        if not target.is_dir():
            raise StepFailed(f"{source_venv} has {lib.name}, the new venv does not: another Python")
        trees.copy_contents(lib, target)
    for entry in sorted(source_venv.iterdir()):
        if entry.name not in _CREATED and not (venv / entry.name).exists():
            trees.copy_into_place(entry, venv / entry.name)  # include/, share/, etc/
    _copy_scripts(source_venv, venv)
    _repoint_site_packages(venv, source_venv, venv)
    _repoint_site_packages(venv, *checkouts)
    _check(venv, pip=any(source_venv.glob("lib/python*/site-packages/pip")))
    intent.unlink()


def _copy_scripts(source_venv: Path, venv: Path) -> None:
    old, new = os.fsencode(source_venv), os.fsencode(venv)
    for script in sorted((source_venv / "bin").iterdir()):
        target = venv / "bin" / script.name
        if target.exists() or target.is_symlink():
            continue  # made by the venv's creator for this path (python, activate...)
        if script.is_symlink():
            link = os.readlink(script)
            if os.path.isabs(link) and Path(link).is_relative_to(source_venv):
                link = str(venv / Path(link).relative_to(source_venv))
            os.symlink(link, target)
            continue
        data = script.read_bytes()
        if data.startswith(b"#!") and old in data:
            target.write_bytes(data.replace(old, new))
            shutil.copymode(script, target)
        else:
            shutil.copy2(script, target)


def _repoint_site_packages(venv: Path, old_root: Path, new_root: Path) -> None:
    """Files in site-packages that name `old_root` (an editable install of the project, a local
    path dependency) name `new_root` instead."""
    pattern = re.compile(re.escape(str(old_root)) + r"(?=[/\"'\s]|$)", re.M)
    for site in venv.glob("lib/python*/site-packages"):
        candidates = [
            *site.glob("*.pth"),
            *site.glob("*.egg-link"),
            *site.glob("__editable__*.py"),
            *site.glob("*.dist-info/direct_url.json"),
        ]
        for path in candidates:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            changed = pattern.sub(str(new_root).replace("\\", "\\\\"), text)
            if changed != text:
                path.write_text(changed, encoding="utf-8")


def _check(venv: Path, pip: bool) -> None:
    code = "import sys; print(sys.prefix)" + ("; import pip._internal.cli.main" if pip else "")
    done = proc.run([venv / "bin" / "python", "-I", "-c", code], check=False)
    prefix = done.stdout.strip()
    if done.returncode != 0 or Path(prefix).resolve() != venv.resolve():
        last = (done.stderr.strip().splitlines() or [f"sys.prefix is {prefix}"])[-1]
        raise StepFailed(f"the venv copied into {venv} does not work ({last})")
