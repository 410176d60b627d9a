"""Which Python makes the project's venv: the version the project asks for, and an interpreter
that has it, found where people keep them.

The requirement: `python.version` (detected from .python-version, Pipfile, requires-python,
runtime.txt or a Dockerfile's `FROM python:X`), else what the pinned Django needs (Django 6 needs
3.12). A patch-level pin (`3.12.6`) prefers that release and accepts its series. Interpreters:
PATH, pyenv's, asdf's, mise's and uv's installation folders, /usr/bin and /usr/local/bin; a
candidate counts only after it ran (a pyenv shim for a version that is not installed fails).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from devkit.core import proc
from devkit.core.versions import python_satisfies

# The Python releases each Django series supports, lowest first (docs.djangoproject.com, FAQ
# "What Python version can I use with Django?").
DJANGO_PYTHON = (
    ((6, 0), ">=3.12"),
    ((5, 0), ">=3.10"),
    ((4, 0), ">=3.8"),
    ((3, 2), ">=3.6,<3.11"),
    ((3, 0), ">=3.6,<3.10"),
    ((2, 2), ">=3.5,<3.10"),
)
_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
_NAME = re.compile(r"^python(\d+\.\d+)?$")


@dataclass(frozen=True)
class Wanted:
    """The version the venv must have, and where that comes from ("" = any)."""

    spec: str
    why: str
    prefer: str = ""  # an exact release preferred within the spec (a patch-level pin)


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: str


def wanted(version: str, source: str, django_pin: str | None) -> Wanted:
    """The requirement from python.version (`source`: where it came from) or, without one, from
    the version of Django the project pins (`==6.0.4`, `>=5.2,<6`)."""
    if version:
        match = re.fullmatch(r"v?(\d+\.\d+)\.\d+", version.strip())
        if match:  # 3.12.6: that series, that release preferred
            return Wanted(match.group(1), source, prefer=version.strip().lstrip("v"))
        return Wanted(version.strip(), source)
    if django_pin:
        needs = django_python(django_pin)
        if needs:
            return Wanted(needs, f"Django{django_pin} needs Python {needs}")
    return Wanted("", "")


def django_python(pin: str) -> str | None:
    """What Python a Django pin needs: the lowest Django release the pin allows decides."""
    lowest = _lowest_release(pin)
    if lowest is None:
        return None
    for release, needs in DJANGO_PYTHON:
        if lowest >= release:
            return needs
    return None


def _lowest_release(pin: str) -> tuple[int, int] | None:
    """(major, minor) of the lowest release a specifier allows: `==6.0.4`, `>=5.2`, `~=4.2`."""
    found = re.findall(r"(==|>=|~=|===|>)\s*(\d+)\.(\d+)", pin)
    if not found:
        return None
    return min((int(major), int(minor)) for _op, major, minor in found)


def satisfies(have: str, want: Wanted) -> bool | None:
    return python_satisfies(have, want.spec) if want.spec else True


def candidates() -> Iterator[str]:
    """Interpreter paths where people keep them, PATH first (no process started here)."""
    seen: set[str] = set()
    home = Path.home()
    folders = [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    roots = [
        Path(os.environ.get("PYENV_ROOT", home / ".pyenv")) / "versions",
        home / ".asdf" / "installs" / "python",
        home / ".local" / "share" / "mise" / "installs" / "python",
        Path(os.environ.get("UV_PYTHON_INSTALL_DIR", home / ".local" / "share" / "uv" / "python")),
    ]
    for folder in [*folders, Path("/usr/local/bin"), Path("/usr/bin")]:
        for name in _names_in(folder):
            path = str(folder / name)
            if path not in seen:
                seen.add(path)
                yield path
    for root in roots:
        for install in sorted(root.glob("*"), reverse=True) if root.is_dir() else []:
            for name in ("python3", "python"):
                path = install / "bin" / name
                if path.exists() and str(path) not in seen:
                    seen.add(str(path))
                    yield str(path)
                    break


def _names_in(folder: Path) -> list[str]:
    try:
        names = [n for n in os.listdir(folder) if _NAME.match(n) or re.fullmatch(r"python3(\.\d+)?", n)]
    except OSError:
        return []
    return sorted(set(names), key=lambda n: (n == "python", n == "python3", n), reverse=False)


def version_of(path: str) -> str | None:
    """The version the interpreter reports when it runs; None when it does not run."""
    code = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    try:
        done = proc.run([path, "-I", "-c", code], check=False, timeout=10)
    except (OSError, proc.CommandFailed, subprocess.TimeoutExpired):
        return None  # not runnable: not a candidate
    text = done.stdout.strip()
    return text if done.returncode == 0 and _VERSION.fullmatch(text) else None


# Candidates run this many at a time (a pyenv shim is a shell script: ~0.3 s each, most of it
# waiting), their answers taken in the candidates' order.
AT_ONCE = 4


def find(want: Wanted) -> tuple[Interpreter | None, list[Interpreter]]:
    """The interpreter to use, and every one that ran (for the message when none fits): the
    preferred exact release; else the first on PATH that satisfies; else the lowest satisfying
    release (the oldest supported one is the likeliest to have wheels for old pins).

    Candidates stop being run once the answer is known: at the preferred release, or, with no
    preferred release, at the first on PATH that satisfies (nothing later can win over it)."""
    ran: list[Interpreter] = []
    on_path = {str(Path(p)) for p in os.environ.get("PATH", "").split(os.pathsep) if p}
    first_on_path: Interpreter | None = None
    paths = list(candidates())
    pool = ThreadPoolExecutor(max_workers=AT_ONCE, thread_name_prefix="devkit-python")
    try:
        futures = [pool.submit(version_of, path) for path in paths]
        for path, future in zip(paths, futures, strict=True):
            version = future.result()
            if version is None or any(i.version == version for i in ran):
                continue
            found = Interpreter(path, version)
            ran.append(found)
            if want.prefer and version == want.prefer:
                return found, ran
            if first_on_path is None and str(Path(path).parent) in on_path and satisfies(version, want):
                first_on_path = found
                if not want.prefer:
                    return found, ran
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # the few still running end on their own
    if first_on_path is not None:
        return first_on_path, ran
    fitting = [i for i in ran if satisfies(i.version, want)]
    return (min(fitting, key=lambda i: _key(i.version)) if fitting else None), ran


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def default_python() -> str | None:
    return shutil.which("python3")
