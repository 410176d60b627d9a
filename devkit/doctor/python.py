"""Python: the interpreter against .python-version, the virtualenv against the requirements."""

from __future__ import annotations

from devkit.core.errors import DevkitError
from devkit.core.versions import python_satisfies
from devkit.doctor import fixes
from devkit.doctor.env import DoctorEnv
from devkit.doctor.model import Finding, check, fail, ok, warn
from devkit.steps.python_deps import venv_version

CATEGORY = "Python"


@check("python-version", CATEGORY, "Python version")
def check_python_version(env: DoctorEnv) -> Finding:
    from devkit.steps.python_deps import base_interpreter, wanted_python

    ctx = env.ctx
    want = wanted_python(ctx)
    wanted, source = want.spec, want.why
    try:
        base, _why = base_interpreter(ctx)
    except DevkitError as exc:
        return fail(exc.message, exc.hint or "")
    have = venv_version(ctx.venv)
    if have is None:
        return ok(
            f"no virtualenv yet; it will be made with {base}"
            + (f" (wanted {wanted}, {source})" if wanted else "")
        )
    if wanted and python_satisfies(have, wanted) is False:
        return fail(
            f"the virtualenv has Python {have}, but {wanted} is required ({source})",
            f"recreate it with Python {wanted}: move {ctx.config.python.venv} away, then "
            "devkit up (or set python.interpreter)",
        )
    return ok(
        f"Python {have}" + (f" satisfies {wanted} ({source})" if wanted else ""),
        details=f"virtualenv {ctx.venv}; base interpreter {base}",
    )


@check("virtualenv", CATEGORY, "Virtualenv and requirements")
def check_virtualenv(env: DoctorEnv) -> Finding:
    from devkit.steps.python_deps import PythonDeps

    ctx = env.ctx
    step = PythonDeps()
    venv_rel = ctx.config.python.venv
    if not (ctx.venv / "bin" / "python").exists():
        return fail(
            f"{venv_rel} is missing or its Python is gone",
            "devkit up --only python-deps (or devkit doctor --fix)",
            fix=fixes.PYTHON_DEPS,
        )
    record = ctx.state.step(step.name)
    req = ctx.config.python.requirements or "(no requirements file)"
    if not record:
        return warn(
            f"{venv_rel} exists but devkit never installed {req} into it",
            "devkit up --only python-deps installs and records it",
            fix=fixes.PYTHON_DEPS,
        )
    try:
        current = step.fingerprint(ctx)
    except DevkitError as exc:
        return fail(exc.message, exc.hint or "")
    if current != record.get("fingerprint"):
        return fail(
            f"{req}, the Python version or the installer changed since the last install",
            "devkit up --only python-deps (or devkit doctor --fix)",
            fix=fixes.PYTHON_DEPS,
        )
    reason = step.check(ctx, record)
    if reason is not None:
        return fail(
            f"{venv_rel}: {reason}",
            "devkit up --only python-deps (or devkit doctor --fix)",
            fix=fixes.PYTHON_DEPS,
        )
    return ok(f"{venv_rel} matches {req}", details=str(ctx.venv))
