"""`devkit init --devcontainer`: devcontainer.json, docker-compose.yml and the git-ignored .env.

The app container reaches PostgreSQL as the compose service `db`; the project's own database
variables (database.env) point there. The password is generated into .devcontainer/.env (mode
0600, git-ignored), which both services read through `env_file`; it is never in a committed file.
"""

from __future__ import annotations

import json
import re
import secrets
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit import __version__, jsonc
from devkit.database.base import Connection
from devkit.errors import UsageError
from devkit.init.discover import Discovery
from devkit.init.files import FilePlan
from devkit.masking import register

FOLDER = ".devcontainer"
ENV_FILE = f"{FOLDER}/.env"
DEFAULT_INSTALL_SPEC = f"devkit=={__version__}"
SERVICE_PORT = 5432
JSON_HEADER = (
    "// Written by `devkit init --devcontainer`. Edit freely: a re-run only adds missing keys and\n"
    "// keeps yours, and your comments. The database password is in .env next to this file\n"
    "// (generated, git-ignored); docker-compose.yml passes it to both containers.\n"
)


@dataclass(frozen=True)
class DevcontainerPlan:
    files: tuple[FilePlan, ...]  # devcontainer.json, docker-compose.yml, .env
    conflicts: tuple[str, ...]  # keys in the user's devcontainer.json devkit left alone
    warnings: tuple[str, ...]
    password_created: bool


def plan(disc: Discovery, database_env: dict[str, str], install_spec: str) -> DevcontainerPlan:
    """Every devcontainer file as it should be, merged with what is there."""
    folder = disc.root / FOLDER
    password, created = _password(folder / ".env")
    conn = Connection(
        "db", SERVICE_PORT, disc.value("database.name"), disc.value("database.user"), password, "external"
    )
    mapped = conn.environment(database_env)
    secret_vars = {
        k: v for k, v in mapped.items() if "{password}" in database_env[k] or "{url}" in database_env[k]
    }
    plain_vars = {k: v for k, v in mapped.items() if k not in secret_vars}
    json_plan, conflicts = _devcontainer_json(disc, folder / "devcontainer.json", plain_vars, install_spec)
    env_text = _env_text(conn, secret_vars, disc.value("database.url_from"))
    files = (
        json_plan,
        FilePlan.of(folder / "docker-compose.yml", compose_yaml(disc)),
        FilePlan.of(folder / ".env", env_text, mode=0o600, secret=True),
    )
    return DevcontainerPlan(files, conflicts, (), created)


def devcontainer_json(disc: Discovery, container_env: dict[str, str], install_spec: str) -> dict[str, Any]:
    node = bool(disc.value("node.dir"))
    data: dict[str, Any] = {
        "name": f"{disc.root.name} (devkit)",
        "dockerComposeFile": "docker-compose.yml",
        "service": "app",
        "workspaceFolder": f"/workspaces/{disc.root.name}",
        "shutdownAction": "stopCompose",
        "forwardPorts": [8000, 5173] if node else [8000],
        # The compose file runs the database: devkit uses it, whatever database.provider says.
        "containerEnv": {"DEVKIT_DATABASE_PROVIDER": "external", **container_env},
        # python -m: no dependence on ~/.local/bin being on PATH yet.
        "postCreateCommand": f"python3 -m pip install --user {shlex.quote(install_spec)} "
        "&& python3 -m devkit up --no-input",
    }
    if node:
        data["features"] = {"ghcr.io/devcontainers/features/node:1": {"version": _node_version(disc)}}
    return data


def compose_yaml(disc: Discovery) -> str:
    """docker-compose.yml: the app container and a db service reachable only from this machine."""
    port = disc.value("database.port") or SERVICE_PORT
    name = disc.root.name
    label = json.dumps(name)
    return f"""\
# Written by `devkit init --devcontainer`. The password and database variables come from .env
# next to this file (generated, git-ignored): there is no default password.
services:
  app:
    image: mcr.microsoft.com/devcontainers/python:1-{_python_version(disc)}-bookworm
    command: sleep infinity
    volumes:
      - ..:/workspaces/{name}:cached
    env_file: .env
    depends_on:
      db:
        condition: service_healthy
  db:
    image: {disc.value("database.image")}
    restart: unless-stopped
    env_file: .env
    ports:
      - "127.0.0.1:${{DEVKIT_DB_PORT:-{port}}}:{SERVICE_PORT}"
    volumes:
      - db-data:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U \\"$$POSTGRES_USER\\" -d \\"$$POSTGRES_DB\\""]
      interval: 2s
      timeout: 5s
      retries: 30
    labels:
      dev.devkit.project: {label}
volumes:
  db-data:
    labels:
      dev.devkit.project: {label}
"""


def _devcontainer_json(
    disc: Discovery, path: Path, container_env: dict[str, str], install_spec: str
) -> tuple[FilePlan, tuple[str, ...]]:
    wanted = devcontainer_json(disc, container_env, install_spec)
    if not path.is_file():
        return FilePlan.of(path, JSON_HEADER + json.dumps(wanted, indent=2) + "\n"), ()
    before = path.read_text()
    try:
        existing = jsonc.loads(before)
    except jsonc.JSONCError as exc:
        raise UsageError(f"{path}: not valid JSONC: {exc}", hint="fix it, then re-run") from exc
    if (
        isinstance(existing, dict)
        and ("image" in existing or "build" in existing)
        and "dockerComposeFile" not in existing
    ):
        raise UsageError(
            f"{path} builds a single container (image/build); devkit's devcontainer needs Docker "
            "Compose for the database service",
            hint="move it aside and re-run, or add dockerComposeFile/service yourself",
        )
    merged = jsonc.merge(before, wanted)
    return FilePlan.of(path, merged.text), merged.conflicts


def _env_text(conn: Connection, secret_vars: dict[str, str], url_from: str) -> str:
    lines = [
        "# Written by `devkit init --devcontainer`: the development database's password and the",
        "# variables that carry it. Git-ignored: never commit it. To rotate, delete this file and",
        "# the db-data volume, then re-run `devkit init --devcontainer`.",
        f"POSTGRES_DB={conn.name}",
        f"POSTGRES_USER={conn.user}",
        f"POSTGRES_PASSWORD={conn.password}",
    ]
    lines += [f"{key}={value}" for key, value in sorted(secret_vars.items())]
    if url_from not in secret_vars:
        lines += [
            f"# {url_from}: not read by the project's settings; a convenience for devkit's external",
            "# provider (database.url_from) and for tools like psql.",
            f"{url_from}={conn.url()}",
        ]
    return "\n".join(lines) + "\n"


def _password(env_path: Path) -> tuple[str, bool]:
    """The password already in .env (the volume was initialised with it), or a new one."""
    if env_path.is_file():
        match = re.search(r"^POSTGRES_PASSWORD=(\S+)$", env_path.read_text(), re.M)
        if match:
            register(match.group(1))
            return match.group(1), False
    password = secrets.token_urlsafe(24)
    register(password)
    return password, True


def _python_version(disc: Discovery) -> str:
    match = re.match(r"(\d+\.\d+)", str(disc.value("python.version")))
    return match.group(1) if match else "3.12"


def _node_version(disc: Discovery) -> str:
    version = str(disc.value("node.version"))
    return version if re.fullmatch(r"\d+(\.\d+)*", version) else "lts"
