"""`devkit init --devcontainer`: devcontainer.json, docker-compose.yml, a Dockerfile and .env.

The app container reaches PostgreSQL as the compose service `db`; the project's own database
variables (database.env) point there. The password is generated into .devcontainer/.env (mode
0600, git-ignored), which both services read through `env_file`; it is never in a committed file.
The app image is built from the public `python` image (and `node` for a frontend) by a small
Dockerfile, with no devcontainer feature: nothing is fetched from a feature registry, and an
offline mirror or a company base image stands in through two build arguments.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.core import jsonc
from devkit.core.errors import UsageError
from devkit.core.masking import register
from devkit.database.base import Connection
from devkit.init.discover import Discovery
from devkit.init.files import FilePlan
from devkit.init.install_spec import InstallSpec

FOLDER = ".devcontainer"
ENV_FILE = f"{FOLDER}/.env"
SERVICE_PORT = 5432
# The uv the app image installs (pinned: a rebuilt image must not change under the project).
UV_VERSION = "0.13.9"
JSON_HEADER = (
    "// Written by `devkit init --devcontainer`. Edit freely: a re-run only adds missing keys and\n"
    "// keeps yours, and your comments. The database password is in .env next to this file\n"
    "// (generated, git-ignored); docker-compose.yml passes it to both containers.\n"
)


@dataclass(frozen=True)
class DevcontainerPlan:
    files: tuple[FilePlan, ...]  # devcontainer.json, docker-compose.yml, Dockerfile, .env
    conflicts: tuple[str, ...]  # keys in the user's devcontainer.json devkit left alone
    warnings: tuple[str, ...]
    password_created: bool


def plan(disc: Discovery, database_env: dict[str, str], install: InstallSpec) -> DevcontainerPlan:
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
    json_plan, conflicts = _devcontainer_json(disc, folder / "devcontainer.json", plain_vars, install)
    env_text = _env_text(conn, secret_vars, disc.value("database.url_from"))
    files = (
        json_plan,
        FilePlan.of(folder / "docker-compose.yml", compose_yaml(disc)),
        FilePlan.of(folder / "Dockerfile", dockerfile(disc)),
        FilePlan.of(folder / ".env", env_text, mode=0o600, secret=True),
    )
    warnings = (install.warning,) if install.warning else ()
    return DevcontainerPlan(files, conflicts, warnings, created)


def devcontainer_json(disc: Discovery, container_env: dict[str, str], install: InstallSpec) -> dict[str, Any]:
    node = bool(disc.value("node.dir"))
    return {
        "name": f"{disc.root.name} (devkit)",
        "dockerComposeFile": "docker-compose.yml",
        "service": "app",
        "workspaceFolder": f"/workspaces/{disc.root.name}",
        "shutdownAction": "stopCompose",
        "forwardPorts": [8000, 5173] if node else [8000],
        # The compose file runs the database: devkit uses it, whatever database.provider says.
        "containerEnv": {"DEVKIT_DATABASE_PROVIDER": "external", **container_env},
        # An isolated tool install (uv, from the Dockerfile): devkit's dependencies never mix with
        # the project's. It runs in the workspace folder, so a ./path spec is the project's.
        "postCreateCommand": f"{install.command} && devkit up --no-input",
    }


def dockerfile(disc: Discovery) -> str:
    """The app image: the public python image, Node copied from the public node image, and uv."""
    python = f"python:{_python_version(disc)}-bookworm"
    lines = [
        "# Written by `devkit init --devcontainer`. The base images are build arguments, so an",
        "# offline mirror or a company base image can stand in (build.args in docker-compose.yml).",
    ]
    node = bool(disc.value("node.dir"))
    if node:
        lines.append(f"ARG NODE_IMAGE=node:{_node_major(disc)}-bookworm-slim")
    lines.append(f"ARG PYTHON_IMAGE={python}")
    if node:
        lines += ["FROM ${NODE_IMAGE} AS node", "FROM ${PYTHON_IMAGE}"]
        lines += [
            "# Node and npm/corepack where the official node image keeps them.",
            "COPY --from=node /usr/local/bin/node /usr/local/bin/node",
            "COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules",
            "RUN ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\",
            " && ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\",
            " && ln -sf ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack",
        ]
    else:
        lines.append("FROM ${PYTHON_IMAGE}")
    lines += [
        "# uv installs devkit as an isolated tool (postCreateCommand) and the project's packages.",
        f"RUN python3 -m pip install --no-cache-dir 'uv=={UV_VERSION}'",
        "ENV PATH=/root/.local/bin:$PATH",
    ]
    return "\n".join(lines) + "\n"


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
    build:
      context: .
      dockerfile: Dockerfile
    command: sleep infinity
    volumes:
      - ..:/workspaces/{name}:cached
    env_file: .env
    # devkit waits for the database itself (until it accepts the configured user), so the app
    # does not wait on the healthcheck: engines that never run healthchecks (Podman without
    # systemd) would hold it forever.
    depends_on:
      - db
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
    disc: Discovery, path: Path, container_env: dict[str, str], install: InstallSpec
) -> tuple[FilePlan, tuple[str, ...]]:
    wanted = devcontainer_json(disc, container_env, install)
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


def _node_major(disc: Discovery) -> str:
    """The major version of the project's Node (the official image tags majors); 20 when unknown."""
    match = re.match(r"v?(\d+)", str(disc.value("node.version") or ""))
    return match.group(1) if match else "20"
