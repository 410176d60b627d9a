"""The safe repairs `devkit doctor --fix` may apply. None deletes data; each is shown first.

Most reuse a `devkit up` step (so the result is recorded like any other run); tenant creation
reuses the tenant sequence's own action for that one key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devkit.core.errors import StepFailed
from devkit.doctor.model import Fix

if TYPE_CHECKING:
    from devkit.doctor.env import DoctorEnv


def _run_step(env: DoctorEnv, step: str) -> str:
    from devkit.pipeline import Selection, Status
    from devkit.progress import run_pipeline
    from devkit.steps import up_steps

    steps = [s for s in up_steps() if s.name == step]
    results = run_pipeline(env.ctx, env.ui, steps, Selection())
    failed = [r for r in results if r.status is Status.FAILED]
    if failed:
        raise failed[0].error or StepFailed(failed[0].detail)
    return results[0].detail


def _create_tenant_object(env: DoctorEnv, key: str) -> str:
    """Run only the tenant sequence's action for `key` (create_super, create_guest, superuser)."""
    from devkit.tenants.sequence import TenantSequence

    env.ready_connection()
    sequence = TenantSequence()
    plan = sequence.plan(env.ctx, env.facts())
    for number, action in enumerate(plan, 1):
        if action.key == key:
            sequence.run_action(env.ctx, number, action)
            for note in env.ctx.notes + env.ctx.secret_notes:
                env.ui.print(f"[bold]note:[/] {note}")
            return f"ran tenants.{key}"
    raise StepFailed(
        f"tenants.{key} is not part of the tenant sequence",
        hint=f"set tenants.{key} in the devkit configuration",
    )


def _regenerate_docs(env: DoctorEnv) -> str:
    from devkit.docs import generate

    written = generate.apply(generate.plan(env.ctx))
    return ("regenerated " + ", ".join(u.rel for u in written)) if written else "docs already up to date"


START_DATABASE = Fix(
    "database",
    "start the database and write the env file (devkit up --only database)",
    lambda env: _run_step(env, "database"),
)
PYTHON_DEPS = Fix(
    "python-deps",
    "create the virtualenv if needed and install the requirements (devkit up --only python-deps)",
    lambda env: _run_step(env, "python-deps"),
)
NODE_DEPS = Fix(
    "node-deps",
    "install the frontend packages from the lockfile (devkit up --only node-deps)",
    lambda env: _run_step(env, "node-deps"),
)
REGENERATE_DOCS = Fix("docs", "regenerate the docs (devkit docs)", _regenerate_docs)


def _repair_schema(env: DoctorEnv, role: str) -> str:
    """Re-create (and migrate) the schema of an existing tenant row, as `devkit up` does."""
    from devkit.tenants.actions import Action
    from devkit.tenants.sequence import TenantSequence

    env.ready_connection()
    TenantSequence().run_action(env.ctx, 0, Action(f"repair_{role}", (), role))
    return f"re-created the {role} tenant's schema"


def repair_schema(role: str, schema: str) -> Fix:
    return Fix(
        f"repair-{role}",
        f"re-create and migrate the schema {schema!r} of the existing {role} tenant row (nothing is deleted)",
        lambda env: _repair_schema(env, role),
    )


def create_tenant(key: str, what: str) -> Fix:
    return Fix(
        f"tenants.{key}",
        f"create {what} (tenants.{key}; nothing existing is changed)",
        lambda env: _create_tenant_object(env, key),
    )


# What --fix repairs and what it never touches: docs/doctor.md's "--fix" section is rendered
# from these (tests/doctor/test_doctor_fixes.py keeps the page and the Fix objects above in step).
FIXABLE: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("database",),
        "database stopped, missing database, stale or too-open env file",
        "`devkit up --only database` (starts devkit's own server, creates the database, rewrites "
        "devkit's block of the env file)",
    ),
    (("python-deps",), "venv missing or stale", "`devkit up --only python-deps`"),
    (("node-deps",), "node_modules missing or stale", "`devkit up --only node-deps` (`npm ci`)"),
    (
        ("tenants.create_super", "tenants.create_guest"),
        "super or guest tenant missing",
        "that one command of the tenant sequence (`tenants.create_super` / `create_guest`)",
    ),
    (
        ("repair-super", "repair-guest"),
        "a tenant row whose schema is gone",
        "re-create and migrate that schema; the row is kept, nothing is deleted",
    ),
    (
        ("tenants.superuser",),
        "superuser missing (in any schema that holds the user table)",
        "devkit's superuser creation, with the same password (kept in .devkit/secrets.json)",
    ),
    (("docs",), "docs stale", "`devkit docs`"),
)
NEVER_FIXED: tuple[str, ...] = (
    "pending migrations (a migration can drop data)",
    "wrong passwords and roles",
    "versions of Python and Node",
    "settings (including Django's system checks)",
    "workflow policy",
)


def fixes_markdown() -> str:
    """The table and the never-fixed line of docs/doctor.md's --fix section."""
    rows = ["| problem | fix |", "|---------|-----|"]
    rows += [f"| {problem} | {fix} |" for _keys, problem, fix in FIXABLE]
    never = ", ".join(NEVER_FIXED)
    return "\n".join(rows) + f"\n\nNever fixed automatically: {never}. The hint says what to do.\n"
