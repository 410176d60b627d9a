"""Does the project load devkit's env file itself? Told by loading the settings traced (what
Django itself does, project/tracing.py), not by reading the source: a project that loads
`src/core/.env` while devkit writes `./.env` does not load devkit's file. When it loads none,
by-hand commands need `devkit run`."""

from __future__ import annotations

from devkit.doctor.env import DoctorEnv, Skip
from devkit.doctor.model import Finding, check, ok, warn

CATEGORY = "Django and tenants"


@check("env-loading", CATEGORY, "Env file loading")
def check_env_loading(env: DoctorEnv) -> Finding:
    from devkit.project import tracing

    config = env.config
    ctx = env.ctx
    if not ctx.project_python.exists():
        raise Skip("no virtualenv yet: the settings cannot be loaded")
    found = env.memo("trace", lambda: tracing.trace(ctx.django(), config.root))
    loaded = tracing.project_env_files(found, config.root)
    if not found.ok and not loaded:
        raise Skip(f"the settings do not load ({found.failure()})")
    mine = config.path(config.env_file) if config.env_file else None
    names = ", ".join(config.relative(p) for p in loaded)
    if mine is not None and mine in loaded:
        return ok(f"the settings load {config.env_file}, the file devkit writes")
    if loaded:
        return warn(
            f"the settings load {names}, but devkit writes {config.env_file or 'no env file'}: "
            "`python manage.py …` typed by hand misses the database settings devkit writes",
            f"devkit up (its env step makes env_file the file the settings load), or set "
            f'env_file = "{config.relative(loaded[0])}" in {config.source}',
        )
    return warn(
        f"the settings load no env file: `python manage.py …` typed by hand misses the database "
        f"settings devkit writes to {config.env_file}",
        "run commands as `devkit run -- python manage.py …` (or `devkit shell`), or load the file "
        "in the settings (python-dotenv: `load_dotenv(BASE_DIR / '.env')`); the generated "
        "workflow docs already use `devkit run --`",
    )
