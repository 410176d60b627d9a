"""Facts read from the project's Django by one probe process, cached by a fingerprint of its sources.

The probe (devkit/probe/facts.py) runs through `manage.py shell -c`, so the project boots exactly
as it does for its own commands. A warm run reads .devkit/facts.json and boots no Django.
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
from pathlib import Path
from typing import Any

from devkit import proc
from devkit.context import Context
from devkit.errors import StepFailed
from devkit.state import file_digest, fingerprint, read_json, stat_digest, write_atomic

PROBES = Path(__file__).parent / "probe"
_SKIP_DIRS = {".venv", "venv", "node_modules", ".git", ".devkit", "__pycache__", "static", "media"}


def source_files(folder: Path) -> list[Path]:
    """Every .py file under the Django project folder (settings, apps, commands, migrations)."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        found.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return found


AUTO_COMMANDS = {
    "create_super": "create_super_tenant --no-input",
    "create_guest": "create_guest_tenant --no-input",
}


def sequence_lines(ctx: Context) -> list[tuple[str, str]]:
    """(config key, command line) of the tenant sequence for ctx.profile; 'auto' resolved later."""
    tenants = ctx.config.tenants
    keys = ["migrate_shared", "create_super", "migrate_tenants"]
    if ctx.profile == "dev":
        keys.append("create_guest")
    return [(key, getattr(tenants, key)) for key in keys if getattr(tenants, key)]


def tenant_commands(ctx: Context) -> list[list[str]]:
    """Every manage.py command line the pre-flight checks: configured ones and auto candidates."""
    lines = [AUTO_COMMANDS[key] if line == "auto" else line for key, line in sequence_lines(ctx)]
    return [shlex.split(line) for line in lines if line != "builtin"]


def cache_key(ctx: Context) -> str:
    env = ctx.command_env()
    parts = [stat_digest(p) + str(p) for p in source_files(ctx.config.manage_dir)]
    parts += [
        file_digest(ctx.config.path(ctx.config.env_file)),
        stat_digest(ctx.project_python.resolve()) if ctx.project_python.exists() else "no-python",
        json.dumps(tenant_commands(ctx)),
        json.dumps(sorted((k, v) for k, v in env.items() if k != "PATH")),
        os.environ.get("DJANGO_SETTINGS_MODULE", "<unset>"),
        file_digest(PROBES / "facts.py"),
        file_digest(PROBES / "docs_facts.py"),
    ]
    return fingerprint(parts)


def load(ctx: Context, *, refresh: bool = False) -> dict[str, Any]:
    """Return the probe's facts, running the probe only when its sources changed."""
    cache = ctx.config.state_dir / "facts.json"
    key = cache_key(ctx)
    cached = read_json(cache)
    if not refresh and cached.get("key") == key:
        return cached["facts"]
    facts = run_probe(ctx, "facts.py", {"DEVKIT_PROBE_COMMANDS": json.dumps(tenant_commands(ctx))})
    write_atomic(cache, json.dumps({"key": key, "facts": facts}, indent=2, sort_keys=True) + "\n")
    return facts


def run_in_django(ctx: Context, script: str, env: dict[str, str], log: Path, hint: str) -> None:
    """Run devkit/probe/<script> inside the project's Django, booted by its own manage.py."""
    bootstrap = "import os, runpy; runpy.run_path(os.environ['DEVKIT_PROBE_SCRIPT'], run_name='__main__')"
    proc.run(
        [ctx.project_python, ctx.config.path(ctx.config.manage_py), "shell", "-c", bootstrap],
        cwd=ctx.config.manage_dir,
        env={**ctx.command_env(), **env, "DEVKIT_PROBE_SCRIPT": str(PROBES / script)},
        log=log,
        hint=hint,
    )


def run_probe(ctx: Context, script: str, env: dict[str, str]) -> dict[str, Any]:
    """Run one probe script in the project's Django and return the JSON it wrote."""
    # A unique file per call: probes may run concurrently in one process (doctor, docs).
    fd, name = tempfile.mkstemp(prefix=f"probe-{script}-", suffix=".json", dir=ctx.config.state_dir)
    os.close(fd)
    out = Path(name)
    try:
        run_in_django(
            ctx,
            script,
            {**env, "DEVKIT_PROBE_OUT": str(out)},
            log=ctx.logs / f"probe-{script}.log",
            hint="Django could not start with these settings: see the log; `devkit doctor` "
            "checks DJANGO_SETTINGS_MODULE, the database settings and the installed apps",
        )
        return json.loads(out.read_text())
    except FileNotFoundError as exc:
        raise StepFailed(f"the probe wrote no facts ({exc})") from exc
    finally:
        out.unlink(missing_ok=True)
