"""python-deps: dependency sources, uv/pip choice, venv parity with `python -m venv`, half-built venvs.

The install tests run the real CLI with the real uv (from the `uv` package) against PyPI / the
warm uv cache; small packages only (six, idna).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devkit.config import detect, loading
from devkit.context import Context
from devkit.core.errors import ConfigError
from devkit.steps import venv as venvs
from devkit.steps.python_deps import PythonDeps, choose_installer, source
from devkit.steps.python_sources import read_requirement_files, requirement_names, source_of
from devkit.steps.uv_tool import find_uv, pip_only_settings, uv_env, uv_options
from tests.support.project import REPO, devkit


def make_project(root: Path, files: dict[str, str], python: str = "") -> Path:
    """A minimal Django-shaped project: manage.py, devkit.toml, the given files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "manage.py").write_text("")
    (root / "devkit.toml").write_text(f'[node]\ndir = ""\n\n[python]\n{python}')
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def context(root: Path) -> Context:
    return Context.create(loading.load(root))


def dists(venv: Path) -> set[str]:
    return {p.name.split("-")[0].lower() for p in venv.glob("lib/python*/site-packages/*.dist-info")}


# --- sources -------------------------------------------------------------------------------


def test_requirement_files_follow_includes_constraints_continuations_and_hashes(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("Django>=4.2  # the framework\n-c constraints.txt\n")
    (tmp_path / "constraints.txt").write_text("sqlparse<1\n")
    (tmp_path / "requirements.txt").write_text(
        "-r base.txt\n"
        "requests[socks]==2.32.0 \\\n    --hash=sha256:abc\n"
        "pywin32==306 ; sys_platform == 'win32'\n"
        "./local-package\n"
        "#--trusted-host commented.example\n"
    )
    files, options, hashes = read_requirement_files(tmp_path / "requirements.txt")
    assert [f.name for f in files] == ["requirements.txt", "base.txt", "constraints.txt"]
    assert hashes is True
    assert {o for o, _ in options} == {"-r", "-c", "--hash"}
    # constraints are not requirements; a marker for another platform does not apply; a path has no name
    assert requirement_names(tmp_path / "requirements.txt") == ["requests", "Django"]


def test_the_fingerprint_follows_r_and_c_includes(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {"requirements.txt": "-r requirements/base.txt\n", "requirements/base.txt": "-c pins.txt\nsix\n"},
        python='requirements = "requirements.txt"\n',
    )
    (root / "requirements" / "pins.txt").write_text("six==1.16.0\n")
    step = PythonDeps()
    before = step.fingerprint(context(root))
    (root / "requirements" / "pins.txt").write_text("six==1.17.0\n")
    assert step.fingerprint(context(root)) != before


def test_a_missing_include_is_a_configuration_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r gone.txt\n")
    with pytest.raises(ConfigError, match=r"gone\.txt is missing"):
        source_of(tmp_path / "requirements.txt")


def test_lockfiles_are_classified_with_their_manifest(tmp_path: Path) -> None:
    for lock, manifest, kind in (
        ("uv.lock", "pyproject.toml", "uv"),
        ("poetry.lock", "pyproject.toml", "poetry"),
        ("pdm.lock", "pyproject.toml", "pdm"),
        ("Pipfile.lock", "Pipfile", "pipenv"),
    ):
        folder = tmp_path / kind
        folder.mkdir()
        (folder / lock).write_text("")
        with pytest.raises(ConfigError, match=f"no {manifest} beside it"):
            source_of(folder / lock)
        (folder / manifest).write_text("")
        found = source_of(folder / lock)
        assert found.kind == kind and set(found.files) == {folder / lock, folder / manifest}
    with pytest.raises(ConfigError, match="does not know how to install"):
        (tmp_path / "deps.cfg").write_text("")
        source_of(tmp_path / "deps.cfg")


def test_detection_prefers_a_lockfile_then_development_requirements(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p", {"requirements.txt": "six\n", "requirements-dev.txt": "-r requirements.txt\n"}
    )
    assert detect.python_requirements(root, root) == ("requirements-dev.txt", "requirements file")
    (root / "poetry.lock").write_text("")  # locks nothing (an empty manifest's): not the declaration
    assert detect.python_requirements(root, root)[0] == "requirements-dev.txt"
    (root / "poetry.lock").write_text('[[package]]\nname = "six"\nversion = "1.16.0"\n')
    assert detect.python_requirements(root, root)[0] == "poetry.lock"
    backend = root / "backend"
    backend.mkdir()
    (backend / "uv.lock").write_text('[[package]]\nname = "six"\nversion = "1.16.0"\n')
    assert detect.python_requirements(root, backend)[0] == "backend/uv.lock"


# --- uv or pip ------------------------------------------------------------------------------


def test_uv_comes_from_the_uv_package() -> None:
    import uv

    assert find_uv() == uv.find_uv_bin() and os.access(find_uv(), os.X_OK)


def test_an_option_uv_does_not_read_falls_back_to_pip_with_the_reason(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {"requirements.txt": "--trusted-host pypi.example\nsix\n"},
        python='requirements = "requirements.txt"\n',
    )
    ctx = context(root)
    chosen = choose_installer(ctx, source(ctx))
    assert chosen.tool == "pip"
    assert (
        chosen.fallback
        == "requirements.txt:1 uses --trusted-host, which uv does not read from a requirements file"
    )
    (root / "requirements.txt").write_text("--index-url https://pypi.org/simple\n-c pins.txt\nsix\n")
    (root / "pins.txt").write_text("six<2\n")
    assert choose_installer(ctx, source(ctx)).tool == "uv"


def test_pip_environment_is_carried_over_to_uv() -> None:
    environ = {
        "PIP_INDEX_URL": "https://mirror.example/simple",
        "PIP_EXTRA_INDEX_URL": "https://a.example https://b.example",
        "UV_FIND_LINKS": "/kept",
        "PIP_FIND_LINKS": "/ignored-because-uv-is-set",
        "PIP_CONSTRAINT": "/c1.txt /c2.txt",
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env = uv_env(environ)
    assert env["UV_INDEX_URL"] == "https://mirror.example/simple"
    assert env["UV_EXTRA_INDEX_URL"] == "https://a.example https://b.example"
    assert "UV_FIND_LINKS" not in env  # the user's own UV_* value wins
    assert uv_options(environ) == ["-c", "/c1.txt", "-c", "/c2.txt", "--no-index"]
    assert pip_only_settings(environ) is None
    assert pip_only_settings({"PIP_SRC": "/src"}) == "PIP_SRC is set and uv has no equivalent"


def test_uv_byte_compiles_like_pip_when_python_will_not() -> None:
    """pip compiles .pyc files at install; uv only when asked. Without PYTHONDONTWRITEBYTECODE,
    Python writes them at the first import, so asking costs a first run for nothing."""
    assert uv_env({"PYTHONDONTWRITEBYTECODE": "1"})["UV_COMPILE_BYTECODE"] == "1"
    assert "UV_COMPILE_BYTECODE" not in uv_env({})
    assert "UV_COMPILE_BYTECODE" not in uv_env({"PYTHONDONTWRITEBYTECODE": "1", "UV_COMPILE_BYTECODE": "0"})


# --- real installs ----------------------------------------------------------------------------


def _venv_pkgs_of_python_m_venv(where: Path) -> set[str]:
    python3 = shutil.which("python3") or sys.executable
    subprocess.run([python3, "-m", "venv", where], check=True)
    return dists(where)


@pytest.mark.e2e
@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_the_venv_has_what_python_m_venv_has(reachable_tmp: Path, installer: str) -> None:
    root = make_project(
        reachable_tmp / "p",
        {"requirements.txt": "six\n"},
        python=f'requirements = "requirements.txt"\ninstaller = "{installer}"\n',
    )
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert ran.code == 0, ran.text
    assert f"with {installer}" in ran.text
    reference = _venv_pkgs_of_python_m_venv(reachable_tmp / "reference")
    assert dists(root / ".venv") - {"six"} == reference
    if sys.version_info < (3, 12):  # old code imports pkg_resources without declaring setuptools
        assert "setuptools" in reference
        check = subprocess.run([root / ".venv/bin/python", "-c", "import pkg_resources"], capture_output=True)
        assert check.returncode == 0, check.stderr


def _start_up(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "devkit", "up", "--no-input", "--only", "python-deps", "--project", str(root)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: kill -9 takes uv/virtualenv with it
    )


@pytest.mark.e2e
@pytest.mark.parametrize(
    "moment", ["venv-creating", ".venv/pyvenv.cfg", ".venv/lib/python3.11/site-packages/pip"]
)
def test_a_kill_during_venv_creation_is_repaired_by_the_next_run(reachable_tmp: Path, moment: str) -> None:
    """A real `kill -9` of a real run while the venv is being made; the next run re-creates it."""
    root = make_project(
        reachable_tmp / "p", {"requirements.txt": "six\n"}, python='requirements = "requirements.txt"\n'
    )
    target = root / ".devkit" / moment if moment == "venv-creating" else root / moment
    run = _start_up(root)
    deadline = time.monotonic() + 60
    while not target.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    if run.poll() is not None:
        pytest.skip(f"the run finished before {moment} could be caught")  # a too-fast machine
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert ran.code == 0, ran.text
    assert not (root / ".devkit" / "venv-creating").exists()
    pip = subprocess.run([root / ".venv/bin/python", "-m", "pip", "--version"], capture_output=True)
    assert pip.returncode == 0, pip.stderr
    assert "six" in dists(root / ".venv")


@pytest.mark.e2e
def test_a_devkit_venv_that_fails_the_health_check_is_re_created(reachable_tmp: Path) -> None:
    root = make_project(
        reachable_tmp / "p", {"requirements.txt": "six\n"}, python='requirements = "requirements.txt"\n'
    )
    assert devkit("up", "--no-input", "--only", "python-deps", project=root).code == 0
    # what a kill in the middle of pip's own install left behind in the field
    shutil.rmtree(next((root / ".venv").glob("lib/python*/site-packages/pip/_vendor/rich")))
    (root / "requirements.txt").write_text("six\nidna\n")
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert ran.code == 0, ran.text
    assert "re-created (fails a health check" in ran.text
    assert {"six", "idna", "pip"} <= dists(root / ".venv")


@pytest.mark.e2e
def test_an_install_killed_half_way_is_redone_in_full(reachable_tmp: Path) -> None:
    """bench/faults.py found it: uv killed mid-install left six's metadata without six.py, and
    the next `uv pip install` took six as installed. The intent file makes the next run reinstall."""
    root = make_project(
        reachable_tmp / "p", {"requirements.txt": "six\n"}, python='requirements = "requirements.txt"\n'
    )
    assert devkit("up", "--no-input", "--only", "python-deps", project=root).code == 0
    # what the killed run left: the intent file, a package's files half copied, no record written
    (root / ".devkit" / "python-deps-installing").write_text("12345")
    next((root / ".venv").glob("lib/python*/site-packages/six.py")).unlink()
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert ran.code == 0, ran.text
    assert "an earlier install was interrupted" in ran.text
    assert not (root / ".devkit" / "python-deps-installing").exists()
    check = subprocess.run([root / ".venv/bin/python", "-c", "import six"], capture_output=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.e2e
def test_pyproject_dependencies_with_a_chosen_group(reachable_tmp: Path) -> None:
    pyproject = (
        '[project]\nname = "site"\nversion = "0"\ndependencies = ["six"]\n\n'
        '[dependency-groups]\ndev = ["idna"]\nlint = ["pyflakes"]\n'
    )
    root = make_project(
        reachable_tmp / "p",
        {"pyproject.toml": pyproject},
        python='requirements = "pyproject.toml"\ngroups = "dev"\n',
    )
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert ran.code == 0, ran.text
    assert {"six", "idna"} <= dists(root / ".venv") and "pyflakes" not in dists(root / ".venv")


@pytest.mark.e2e
def test_uv_lock_installs_and_an_out_of_date_lock_is_named_as_such(reachable_tmp: Path) -> None:
    pyproject = (
        '[project]\nname = "site"\nversion = "0"\nrequires-python = ">=3.11"\ndependencies = ["six"]\n'
    )
    root = make_project(reachable_tmp / "p", {"pyproject.toml": pyproject})
    subprocess.run([find_uv(), "lock", "-q"], cwd=root, check=True)
    assert detect.python_requirements(root, root)[0] == "uv.lock"  # detected: no config needed
    ran = devkit("up", "--no-input", "--json", "--only", "python-deps", project=root)
    assert ran.code == 0, ran.text
    assert "six" in dists(root / ".venv") and "pip" in dists(root / ".venv")  # --inexact keeps the seeds

    (root / "pyproject.toml").write_text(pyproject.replace('["six"]', '["six", "idna"]'))
    ran = devkit("up", "--no-input", "--json", "--only", "python-deps", project=root)
    assert ran.code == 1
    error = json.loads(ran.out)["error"] or {}
    text = json.dumps(json.loads(ran.out))
    assert "uv.lock does not match pyproject.toml: the lockfile is out of date" in text, text
    assert "uv lock" in (error.get("hint") or text)


LOCKED_SIX = '[[package]]\nname = "six"\nversion = "1.17.0"\n'


def _without(tool: str) -> str:
    return os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / tool).exists())


@pytest.mark.e2e
def test_a_poetry_lock_without_poetry_names_the_install_command(reachable_tmp: Path) -> None:
    """Poetry 1 style (dependencies only in [tool.poetry.dependencies]): nothing uv installs as it is."""
    pyproject = '[tool.poetry.dependencies]\npython = "^3.8"\nsix = "1.17.0"\n'
    root = make_project(reachable_tmp / "p", {"pyproject.toml": pyproject, "poetry.lock": LOCKED_SIX})
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root, env={"PATH": _without("poetry")})
    assert ran.code == 1
    assert "poetry.lock is installed with poetry, which is not on PATH" in ran.text
    assert "pipx install poetry" in ran.text


@pytest.mark.e2e
def test_a_poetry_project_with_pep621_dependencies_needs_no_poetry(reachable_tmp: Path) -> None:
    """Issue 25 #1: Poetry 2 / PDM projects list [project].dependencies, which uv installs."""
    pyproject = '[project]\nname = "p"\nversion = "0"\ndependencies = ["six==1.17.0"]\n'
    root = make_project(reachable_tmp / "p", {"pyproject.toml": pyproject, "poetry.lock": LOCKED_SIX})
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root, env={"PATH": _without("poetry")})
    assert ran.code == 0, ran.text
    assert "poetry is not on PATH" in ran.text and "[project] dependencies with uv" in ran.text, ran.text
    assert list((root / ".venv").glob("lib/python*/site-packages/six-1.17.0.dist-info"))


@pytest.mark.e2e
def test_nothing_declared_is_not_a_pass(reachable_tmp: Path) -> None:
    """Issue 25 #1: no dependency file found: python-deps fails, saying where it looked."""
    root = make_project(reachable_tmp / "p", {"notes.txt": "nothing here\n"})
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert ran.code == 1, ran.text
    assert "no Python dependencies declared where devkit looked (./)" in ran.text
    assert "python.requirements" in ran.text and not (root / ".venv").exists()


@pytest.mark.e2e
def test_hashed_requirements_are_checked_with_uv(reachable_tmp: Path) -> None:
    root = make_project(
        reachable_tmp / "p", {"in.txt": "six==1.17.0\n"}, python='requirements = "requirements.txt"\n'
    )
    subprocess.run(
        [find_uv(), "pip", "compile", "-q", "--generate-hashes", "in.txt", "-o", "requirements.txt"],
        cwd=root,
        check=True,
    )
    assert "--hash=sha256:" in (root / "requirements.txt").read_text()
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert ran.code == 0, ran.text
    assert "with uv" in ran.text and "six" in dists(root / ".venv")

    text = (root / "requirements.txt").read_text()
    (root / "requirements.txt").write_text(text.replace("six==1.17.0", "six==1.16.0"))  # hash no longer fits
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert ran.code == 1
    assert "uv could not install requirements.txt" in ran.text


@pytest.mark.e2e
def test_the_pip_fallback_says_why_in_the_step_line(reachable_tmp: Path) -> None:
    root = make_project(
        reachable_tmp / "p",
        {"requirements.txt": "--prefer-binary\nsix\n"},
        python='requirements = "requirements.txt"\n',
    )
    ran = devkit("up", "--no-input", "--json", "--only", "python-deps", project=root)
    assert ran.code == 0, ran.text
    # every step is listed; the others are left out by --only
    (step,) = [s for s in json.loads(ran.out)["steps"] if s["name"] == "python-deps"]
    assert "with pip (" in step["detail"]
    assert (
        "pip instead of uv: requirements.txt:1 uses --prefer-binary, which uv does not read" in step["detail"]
    )
    assert "six" in dists(root / ".venv")


PIPENV = shutil.which("pipenv")


@pytest.mark.e2e
@pytest.mark.skipif(PIPENV is None, reason="pipenv is not on PATH (uv tool install pipenv)")
def test_pipfile_lock_installs_with_pipenv_and_a_stale_lock_is_named(reachable_tmp: Path) -> None:
    fixture = REPO / "tests" / "fixtures" / "pipenv"
    root = make_project(reachable_tmp / "p", {}, python='groups = "dev"\n')
    for name in ("Pipfile", "Pipfile.lock"):
        shutil.copy(fixture / name, root / name)
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert ran.code == 0, ran.text
    assert "installed Pipfile.lock with pipenv" in ran.text
    assert {"six", "idna", "pip"} <= dists(root / ".venv")  # idna: a dev package, selected by groups

    pipfile = root / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace('six = "*"', 'six = "*"\nrequests = "*"'))
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert ran.code == 1
    assert "Pipfile.lock does not match Pipfile: the lockfile is out of date" in ran.text
    assert "pipenv lock" in ran.text


@pytest.mark.e2e
def test_a_new_python_is_built_beside_the_working_venv(reachable_tmp: Path) -> None:
    """Issue 26 #2: changing python.version never leaves the project without a venv: an
    interpreter that is not installed is refused before anything changes, and a new venv that
    fails to install gives way to the old one, which comes back as it was."""
    root = make_project(
        reachable_tmp / "p", {"requirements.txt": "six==1.17.0\n"}, python='version = "3.11"\n'
    )
    assert devkit("up", "--no-input", "--only", "python-deps", project=root).code == 0
    venv = root / ".venv"
    before = venvs.venv_version(venv)
    assert before and before.startswith("3.11.")
    config = root / "devkit.toml"

    config.write_text(config.read_text().replace('version = "3.11"', 'version = "3.99"'))
    refused = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert refused.code != 0 and "Python 3.99 is required" in refused.text, refused.text
    assert venvs.venv_version(venv) == before and list(venv.glob("lib/python*/site-packages/six-*"))

    config.write_text(config.read_text().replace('version = "3.99"', 'version = "3.12"'))
    (root / "requirements.txt").write_text("six==1.17.0\nno-such-distribution-devkit-test==1.0\n")
    failed = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert failed.code == 1, failed.text
    assert venvs.venv_version(venv) == before and list(venv.glob("lib/python*/site-packages/six-*"))
    assert not venv.with_name(".venv.previous").exists()

    (root / "requirements.txt").write_text("six==1.17.0\n")
    ran = devkit("up", "--no-input", "--only", "python-deps", project=root)
    assert ran.code == 0, ran.text
    assert (venvs.venv_version(venv) or "").startswith("3.12.") and "Python 3.12" in ran.text, ran.text
    assert not venv.with_name(".venv.previous").exists()
