"""`python-deps`: the project's virtualenv and its dependencies (uv by default, pip on request).

Sources (steps/python_sources.py): requirements files (`-r`/`-c` followed), pyproject.toml,
uv.lock (`uv sync`), poetry.lock / pdm.lock / Pipfile.lock (their own tools). The venv
(steps/venv.py) matches `python -m venv`, whichever tool creates it.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.context import Context
from devkit.core import activity, children, proc
from devkit.core.errors import ConfigError, StepFailed
from devkit.core.state import file_digest
from devkit.core.versions import python_satisfies
from devkit.pipeline import Done
from devkit.project.facts import site_listing
from devkit.steps import interpreters
from devkit.steps import venv as venvs
from devkit.steps.python_sources import (
    LOCK_TOOLS,
    Source,
    pyproject_names,
    requirement_names,
    source_of,
    uv_unsupported,
)
from devkit.steps.uv_tool import UvUnavailable, find_uv, pip_only_settings, uv_env, uv_options

MARKER = venvs.MARKER
# Written before the installer runs, removed when it finished: left behind, it forces a reinstall.
INSTALLING = "python-deps-installing"
venv_version = venvs.venv_version  # kept importable from here (doctor uses it)


def wanted_python(ctx: Context) -> interpreters.Wanted:
    """The Python the venv must have: python.version (set or detected), else what the project's
    pinned Django needs."""
    py = ctx.config.python
    pin = None
    if not py.version:
        try:
            src = source(ctx)
        except ConfigError:
            src = None
        pin = django_pin(src) if src is not None else None
    return interpreters.wanted(py.version, ctx.config.provenance.get("python.version", "python.version"), pin)


def base_interpreter(ctx: Context) -> tuple[str, str]:
    """(the python that creates the venv, why that one): python.interpreter, else one that has
    the wanted version (found where people keep interpreters), else python3."""
    py = ctx.config.python
    if py.interpreter:
        return py.interpreter, "python.interpreter"
    want = wanted_python(ctx)
    if not want.spec:
        return shutil.which("python3") or sys.executable, "python3 on PATH"
    found, ran = interpreters.find(want)
    if found is None:
        seen = ", ".join(f"{i.version} ({i.path})" for i in ran) or "none that runs"
        raise ConfigError(
            f"Python {want.spec} is required ({want.why}), but no interpreter here has it; found: {seen}",
            hint=f"install one (pyenv install {want.prefer or _release_of(want.spec)}, uv python install, "
            "apt-get install) or set python.interpreter to its path",
        )
    why = f"Python {found.version}, for {want.spec} ({want.why})"
    if want.prefer and found.version != want.prefer:
        why += f"; {want.prefer} itself is not installed here"
    return found.path, why


def _release_of(spec: str) -> str:
    """The first version a specifier names (`>=3.12,<4` -> 3.12), for an install command."""
    match = re.search(r"\d+\.\d+(?:\.\d+)?", spec)
    return match.group(0) if match else spec


def django_pin(src: Source) -> str | None:
    """The version specifier the project gives Django (`==6.0.4`), from its dependency file."""
    from devkit.steps.python_sources import pinned_version

    return pinned_version(src, "django")


@dataclass(frozen=True)
class Installer:
    """The tool that installs, its uv binary when uv, and why pip was chosen over uv ("" = not)."""

    tool: str  # uv | pip
    uv: str | None
    fallback: str = ""


def source(ctx: Context) -> Source | None:
    rel = ctx.config.python.requirements
    return source_of(ctx.config.path(rel)) if rel else None


def choose_installer(ctx: Context, src: Source | None, locate: bool = True) -> Installer:
    """uv unless configured otherwise or it cannot serve this project (then pip, with the reason).

    `locate=False` (fingerprints, on every run) only checks that the uv package is installed.
    """
    choice = ctx.config.python.installer
    uv: str | None
    if locate:
        try:
            uv, why_not = find_uv(), None
        except UvUnavailable as exc:
            uv, why_not = None, str(exc)
    else:
        from importlib.util import find_spec

        found = find_spec("uv") is not None
        uv, why_not = ("uv" if found else None), (None if found else "the uv package is not installed")
    if src is not None and src.kind == "uv":
        if uv is None:
            raise StepFailed(f"{src.path.name} needs uv: {why_not}", hint="pip install uv")
        return Installer("uv", uv)
    if choice == "pip":
        return Installer("pip", uv)
    if why_not is None and src is not None and src.kind == "requirements":
        why_not = uv_unsupported(src)
    if why_not is None:
        why_not = pip_only_settings()
    if why_not is None:
        return Installer("uv", uv)
    if choice == "uv":
        raise StepFailed(f'python.installer = "uv", but {why_not}', hint='set python.installer = "pip"')
    return Installer("pip", uv, fallback=why_not)


def installer(ctx: Context) -> str:
    """The installer's name (for doctor and status)."""
    return choose_installer(ctx, source(ctx)).tool


def venv_problem(ctx: Context) -> str | None:
    """Why the configured venv cannot be used as it is (file checks only), or None."""
    venv, want = ctx.venv, wanted_python(ctx)
    if venvs.half_built(ctx):
        return "was left half-built by an interrupted run"
    if not (venv / "bin" / "python").exists():  # follows the symlink: a removed base Python counts
        return "is missing or its Python is gone" if venv.exists() else "does not exist"
    have = venv_version(venv)
    if want.spec and have and python_satisfies(have, want.spec) is False:
        return f"has Python {have}, but {want.spec} is required ({want.why})"
    return None


def declared_empty(ctx: Context) -> bool:
    """python.requirements = "" written in the configuration: the project installs nothing here."""
    return ctx.config.provenance.get("python.requirements", "default") not in ("default",) and not (
        ctx.config.provenance.get("python.requirements", "").startswith("detected")
    )


def nothing_declared(ctx: Context) -> StepFailed:
    """No dependency declaration where devkit looks: where it looked and what it accepts."""
    from devkit.config.detect import requirement_folders

    config = ctx.config
    folders = ", ".join(
        (f.relative_to(config.root).as_posix() or ".") + "/"
        for f in requirement_folders(config.root, config.manage_dir)
    )
    return StepFailed(
        f"no Python dependencies declared where devkit looked ({folders}): no requirements*.txt or "
        "requirements/*.txt listing packages, no pyproject.toml with [project] dependencies, no "
        "uv.lock, poetry.lock, pdm.lock or Pipfile.lock that locks packages",
        hint='set python.requirements = "<file>" in devkit.toml to the file that lists Django and '
        "django-tenants, or add them to a requirements.txt beside manage.py",
    )


def _split(value: str) -> list[str]:
    return [part for part in re.split(r"[,\s]+", value) if part]


class PythonDeps:
    name = "python-deps"
    needs: tuple[str, ...] = ()

    def inputs(self, ctx: Context) -> dict[str, str]:
        src = source(ctx)
        chosen = choose_installer(ctx, src, locate=False)
        py = ctx.config.python
        return {
            "the kind of requirements": src.kind if src else "none",
            **{ctx.config.relative(Path(f)): file_digest(Path(f)) for f in (src.files if src else ())},
            "python.extras": repr(py.extras),
            "python.groups": repr(py.groups),
            "python.interpreter": repr(py.interpreter),
            "the Python version asked for": wanted_python(ctx).spec,
            "the installer": chosen.tool,
            "python.venv": str(ctx.venv),
            "devkit's venv layout": venvs.SEED_LAYOUT,
        }

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        problem = venv_problem(ctx)
        if problem is not None:
            return f"{ctx.config.python.venv} {problem}"
        if (ctx.config.state_dir / INSTALLING).exists():
            return "an earlier install was interrupted"
        if site_listing(ctx.venv) != record.get("marker"):
            return "installed packages changed since the last install"
        return None

    def run(self, ctx: Context) -> Done:
        src = source(ctx)
        if src is None and not declared_empty(ctx):
            raise nothing_declared(ctx)
        chosen = choose_installer(ctx, src)
        # A venv replaced (another Python) waits beside the new one until the new one works.
        with venvs.replacing(ctx):
            return self._install(ctx, src, chosen)

    def _install(self, ctx: Context, src: Source | None, chosen: Installer) -> Done:
        created = self._prepare_venv(ctx, chosen)
        note = f"; pip instead of uv: {chosen.fallback}" if chosen.fallback else ""
        if src is None:
            return Done(
                f"virtualenv {created} (python.requirements is empty in {ctx.config.source}: nothing "
                f"to install){note}",
                marker=site_listing(ctx.venv),
            )
        src, instead = without_missing_lock_tool(ctx, src)
        if instead:
            note += f"; {instead}"
        # An installer killed half-way can leave a package's metadata without all its files, and
        # the next install would take it as installed: the intent file makes it reinstall. An
        # install that failed (its installer exited) is not an interruption: the file goes.
        intent = ctx.config.state_dir / INSTALLING
        interrupted = intent.exists()
        intent.write_text(str(os.getpid()))
        try:
            done = install(ctx, src, chosen, reinstall=interrupted)
        except Exception:
            if not children.interrupted():  # the installer failed and said so: nothing to redo
                intent.unlink(missing_ok=True)
            raise
        intent.unlink(missing_ok=True)
        if interrupted:
            note += "; reinstalled everything: an earlier install was interrupted"
        rel = src.path.relative_to(ctx.config.root) if src.path.is_relative_to(ctx.config.root) else src.path
        how = LOCK_TOOLS[src.kind][0] if src.kind in LOCK_TOOLS else chosen.tool
        detail = f"installed {rel} with {how} ({done.seconds:.1f}s){note}"
        if created != "kept":
            detail = f"virtualenv {created}; {detail}"
        return Done(detail, marker=site_listing(ctx.venv))

    def _prepare_venv(self, ctx: Context, chosen: Installer) -> str:
        """Create, re-create or keep the venv; returns what happened."""
        venv = ctx.venv
        uv = chosen.uv if chosen.tool == "uv" else None
        problem = venv_problem(ctx)
        if problem is None and venvs.owned(ctx):
            problem = venvs.health_problem(venv)
        if problem is None:
            if venvs.owned(ctx):
                venvs.ensure_seeds(ctx, uv)
            return "kept"
        if venv.exists() and not venvs.owned(ctx):
            raise StepFailed(
                f"{venv} {problem}, and devkit did not create it, so it will not replace it",
                hint="remove or repair it yourself, or set python.venv to another folder",
            )
        existed = venv.exists()
        base, why = base_interpreter(ctx)
        ctx.progress(f"creating the virtualenv with {chosen.tool}")
        venvs.create(ctx, base, uv)
        made = f"re-created ({problem})" if existed else "created"
        return f"{made} with {why}" if why not in ("python3 on PATH", "python.interpreter") else made

    def verify(self, ctx: Context) -> None:
        python = ctx.venv / "bin" / "python"
        if not python.exists():
            raise StepFailed(f"{python} does not exist after the install")
        src = source(ctx)
        if src is None or src.kind not in ("requirements", "pyproject"):
            return  # lockfile tools verify their own lock
        wanted = (
            requirement_names(src.path)
            if src.kind == "requirements"
            else pyproject_names(src.path, _split(ctx.config.python.extras), _split(ctx.config.python.groups))
        )
        installed = {
            _norm(p.name.split("-")[0]) for p in ctx.venv.glob("lib/python*/site-packages/*.dist-info")
        }
        missing = [name for name in wanted if _norm(name) not in installed]
        if missing:
            raise StepFailed(f"not installed after the install finished: {', '.join(missing)}")


def _norm(name: str) -> str:
    from packaging.utils import canonicalize_name

    return canonicalize_name(name).replace("-", "_")


def install(ctx: Context, src: Source, chosen: Installer, reinstall: bool = False) -> proc.Completed:
    """Install `src` into the venv with the chosen tool; a lockfile out of date is named as such.
    `reinstall`: every package again (uv --reinstall, pip --force-reinstall)."""
    python = ctx.venv / "bin" / "python"
    log = ctx.logs / "python-deps.log"
    extras, groups = _split(ctx.config.python.extras), _split(ctx.config.python.groups)
    if src.kind in LOCK_TOOLS:
        return _install_with_lock_tool(ctx, src, extras, groups)
    env: dict[str, str] = {}
    if src.kind == "uv":
        assert chosen.uv is not None
        # --python: the venv's own interpreter, so that uv keeps devkit's venv instead of making
        # another one with an interpreter it finds (or downloads) itself
        cmd: list[str | Path] = [
            chosen.uv,
            "sync",
            "--locked",
            "--inexact",
            "--no-progress",
            "--python",
            python,
        ]
        cmd += [f"--extra={e}" for e in extras] + [f"--group={g}" for g in groups]
        cmd += ["--reinstall"] if reinstall else []
        env = {**uv_env(), "UV_PROJECT_ENVIRONMENT": str(ctx.venv)}
        cwd = src.path.parent
    elif chosen.tool == "uv":
        assert chosen.uv is not None
        cmd = [chosen.uv, "pip", "install", "--python", python, *uv_options(), *_target(src, extras, groups)]
        if src.has_hashes:
            cmd.append("--require-hashes")  # pip switches this on by itself when a file has hashes
        cmd += ["--reinstall"] if reinstall else []
        env, cwd = uv_env(), src.path.parent
    else:
        cmd = [
            python,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            *_pip_target(src, extras, groups),
            *(["--force-reinstall"] if reinstall else []),
        ]
        cwd = src.path.parent
    try:
        return proc.run(
            cmd,
            log=log,
            cwd=cwd,
            env=env,
            hint=f"{chosen.tool} could not install {src.path.name}: see the log",
            on_line=activity.reporter(chosen.tool, ctx.progress_callback()),
        )
    except proc.CommandFailed as exc:
        if src.kind == "uv" and "needs to be updated" in exc.output:
            raise _out_of_date(src, "uv lock") from exc
        cause = install_failure(exc.output, src, ctx)
        if cause:
            exc.hint = cause
        raise


# Distributions that exist for Windows only (a `pip freeze` made on Windows lists them).
WINDOWS_ONLY = (
    "pywin32",
    "pypiwin32",
    "twisted-iocpsupport",
    "pywinpty",
    "wmi",
    "windows-curses",
    "comtypes",
)


def install_failure(output: str, src: Source, ctx: Context) -> str:
    """What an installer's output says the cause is, as the change to make ("" when unknown)."""
    from devkit.core import system_libraries

    rel = src.path.name
    python = re.search(
        r"(?:Python|python) ([\d.]+) does not satisfy Python(\S+)|requires[- ]Python ?([<>=!~][^\s,;]+)",
        output,
    )
    if python:
        spec = python.group(2) or python.group(3)
        return (
            f"a dependency needs Python {spec}, the venv has another: set python.version = "
            f'"{_release_of(spec)}" in {ctx.config.source}, then devkit up builds a venv with it'
        )
    # pip names the requirement (git+https://...); uv the repository it was updating
    vcs = re.search(r"(git\+\S+|hg\+\S+)|Updating (\S+?)/? \(|unable to access '([^']+?)/?'", output)
    if vcs and re.search(
        r"Could not resolve host|unable to access|failed to fetch|Connection refused", output, re.I
    ):
        url = next(g for g in vcs.groups() if g)
        return (
            f"{rel} (or a file it includes) names {url}, which cannot be fetched from this machine "
            "(only package registries are reachable?): install it another way, or make that line optional"
        )
    windows = next(
        (name for name in WINDOWS_ONLY if re.search(rf"\b{re.escape(name)}\b", output, re.I)), None
    )
    causes = []  # every one the output names: the install stops only after each is fixed
    if windows:
        causes.append(
            f"{windows} exists for Windows only (a requirements file frozen on Windows lists it): "
            f'add `; sys_platform == "win32"` to its line in {rel}'
        )
    library = system_libraries.needed(output)
    if library:
        causes.append(library[1])
    return "; and ".join(causes)


def _target(src: Source, extras: list[str], groups: list[str]) -> list[str]:
    if src.kind == "requirements":
        return ["-r", str(src.path)]
    # pyproject.toml: its dependencies (uv reads them without building the project)
    return ["-r", str(src.path), *[f"--extra={e}" for e in extras], *[f"--group={g}" for g in groups]]


def _pip_target(src: Source, extras: list[str], groups: list[str]) -> list[str]:
    if src.kind == "requirements":
        return ["-r", str(src.path)]
    extra = f"[{','.join(extras)}]" if extras else ""
    return ["-e", f"{src.path.parent}{extra}", *[f"--group={g}" for g in groups]]


def _out_of_date(src: Source, fix: str) -> StepFailed:
    manifest = src.manifest.name if src.manifest else "its manifest"
    return StepFailed(
        f"{src.path.name} does not match {manifest}: the lockfile is out of date (not an install failure)",
        hint=f"run `{fix}` and commit {src.path.name}, or undo the change to {manifest}",
    )


def without_missing_lock_tool(ctx: Context, src: Source) -> tuple[Source, str]:
    """A poetry/pdm/pipenv lockfile whose tool is not on PATH: what beside it uv installs as it
    is (a requirements file, pyproject.toml's [project] dependencies, Pipfile.lock's pinned
    versions), and the note that says so; the lockfile itself when its tool is there."""
    if src.kind not in LOCK_TOOLS or shutil.which(LOCK_TOOLS[src.kind][0]):
        return src, ""
    tool = LOCK_TOOLS[src.kind][0]
    folder = src.path.parent
    from devkit.config.detect import requirement_files

    files = requirement_files(folder)  # pinned (usually an export of the lock): first
    if files:
        note = f"{tool} is not on PATH: installed {files[0].name}, beside {src.path.name}"
        return source_of(files[0]), note
    pyproject = folder / "pyproject.toml"
    if src.kind in ("poetry", "pdm") and pyproject.is_file() and _pep621_dependencies(pyproject):
        return source_of(pyproject), (
            f"{tool} is not on PATH: installed pyproject.toml's [project] dependencies with uv "
            f"(resolved now, not pinned by {src.path.name})"
        )
    if src.kind == "pipenv":
        pinned = pipfile_lock_requirements(src.path, ctx.config.state_dir / "pipfile-lock-requirements.txt")
        return source_of(pinned), "pipenv is not on PATH: installed Pipfile.lock's pinned versions with uv"
    _tool, get_it = LOCK_TOOLS[src.kind]
    raise StepFailed(
        f"{src.path.name} is installed with {tool}, which is not on PATH, and nothing beside it "
        "lists the dependencies in a form uv installs (pyproject.toml [project] dependencies, a "
        "requirements file)",
        hint=f"install it: {get_it} (then run devkit up again), or set python.requirements to a "
        "requirements file",
    )


def _pep621_dependencies(pyproject: Path) -> bool:
    import tomllib

    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, ValueError):
        return False
    return bool(isinstance(project, dict) and project.get("dependencies"))


def pipfile_lock_requirements(lock: Path, out: Path) -> Path:
    """Pipfile.lock's packages (default and develop) as a pinned requirements file for uv."""
    import json

    try:
        data = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StepFailed(f"{lock} is not a readable Pipfile.lock: {exc}", hint="run `pipenv lock`") from exc
    lines = []
    for section in ("default", "develop"):
        for name, entry in sorted((data.get(section) or {}).items()):
            if not isinstance(entry, dict) or not str(entry.get("version", "")).startswith("=="):
                continue  # a path, a VCS checkout: not something a pin can say
            marker = f"; {entry['markers']}" if entry.get("markers") else ""
            lines.append(f"{name}{entry['version']}{marker}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# from Pipfile.lock by devkit (pipenv is not on PATH)\n" + "\n".join(lines) + "\n")
    return out


def _install_with_lock_tool(
    ctx: Context, src: Source, extras: list[str], groups: list[str]
) -> proc.Completed:
    """poetry / pdm / pipenv install their own lockfile into devkit's venv (VIRTUAL_ENV)."""
    tool, get_it = LOCK_TOOLS[src.kind]
    exe = shutil.which(tool)
    if exe is None:
        raise StepFailed(
            f"{src.path.name} is installed with {tool}, which is not on PATH",
            hint=f"install it: {get_it} (then run devkit up again)",
        )
    env = {
        "VIRTUAL_ENV": str(ctx.venv),
        "PATH": f"{ctx.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "PDM_PYTHON": str(ctx.venv / "bin" / "python"),
        "PIPENV_PIPFILE": str(src.path.parent / "Pipfile"),
        "PIPENV_VERBOSITY": "-1",
        "POETRY_VIRTUALENVS_CREATE": "false",
    }
    check, fix, cmd = {
        "poetry": (
            ["check", "--lock"],
            "poetry lock",
            [
                "install",
                "--no-root",  # the dependencies only: the project itself is not a package to install
                "--no-interaction",
                *[f"--extras={e}" for e in extras],
                *[f"--with={g}" for g in groups],
            ],
        ),
        "pdm": (
            ["lock", "--check"],
            "pdm lock",
            ["sync", "--no-self", *[f"-G={g}" for g in [*extras, *groups]]],
        ),
        "pipenv": (["verify"], "pipenv lock", ["sync", *(["--dev"] if "dev" in groups else [])]),
    }[src.kind]
    cwd, log = src.path.parent, ctx.logs / "python-deps.log"
    verdict = proc.run(
        [exe, *check], cwd=cwd, env=env, check=False, log=ctx.logs / "python-deps-lockcheck.log"
    )
    if verdict.returncode != 0:
        raise _out_of_date(src, fix)
    return proc.run(
        [exe, *cmd], cwd=cwd, env=env, log=log, hint=f"{tool} could not install {src.path.name}: see the log"
    )
