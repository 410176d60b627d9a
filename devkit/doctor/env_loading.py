"""Does the project load the env file itself? When not, by-hand commands need `devkit run`."""

from __future__ import annotations

from devkit.doctor.env import DoctorEnv
from devkit.doctor.model import Finding, check, ok, warn

CATEGORY = "Django and tenants"


@check("env-loading", CATEGORY, "Env file loading")
def check_env_loading(env: DoctorEnv) -> Finding:
    from devkit.project.envloading import detect

    config = env.config
    found = detect(config)
    if found.loads:
        return ok(f"the project loads an env file itself ({found.how} in {found.file})")
    return warn(
        f"the project does not load {config.env_file} itself: `python manage.py …` typed by hand "
        "misses the database settings devkit writes there",
        "run commands as `devkit run -- python manage.py …` (or `devkit shell`), or load the file "
        "in the settings (python-dotenv: `load_dotenv(BASE_DIR / '.env')`); the generated "
        "workflow docs already use `devkit run --`",
    )
