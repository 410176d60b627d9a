"""System: devkit's configuration, Docker engine, PostgreSQL binaries, root, devcontainer."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from devkit.core.errors import DevkitError
from devkit.doctor.env import DoctorEnv
from devkit.doctor.model import Finding, check, fail, ok, warn

CATEGORY = "System"
DOCKER_TIMEOUT = 2


@check("config", CATEGORY, "devkit configuration")
def check_config(env: DoctorEnv) -> Finding:
    error = env.config_error()
    if error is not None:
        return fail(error.message, error.hint or "see docs/configuration.md")
    config = env.config
    if config.warnings:
        return warn(config.warnings[0], "keep one of devkit.toml and [tool.devkit]")
    if config.source == "(none)":
        return ok(
            "no devkit.toml or [tool.devkit]: defaults and detected values (devkit config)",
            details=f"project {config.root}",
        )
    return ok(config.source, details=f"project {config.root}")


def _wanted_provider(env: DoctorEnv) -> str:
    """The provider that will be used: configured, else the one devkit used last, else auto."""
    config = env.need_config()
    if config.database.provider != "auto":
        return config.database.provider
    return str(env.ctx.state.get("provider") or "auto")


def docker_engine() -> tuple[bool, str, str]:
    """(answers, which engine and version, why not), reaching it as the docker provider does."""
    from devkit.database.docker_engine import connect

    try:
        client = connect(timeout=DOCKER_TIMEOUT)
        try:
            info = client.version()
        finally:
            client.close()
    except DevkitError as exc:
        return False, "", exc.message
    except Exception as exc:  # the SDK raises requests/urllib3/OS errors here
        return False, "", str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return True, f"{engine_name(info)} {info.get('Version', '?')} (API {info.get('ApiVersion', '?')})", ""


def engine_name(info: dict[str, Any]) -> str:
    """Docker says "Docker Engine - Community" as its platform; Podman names a component."""
    platform = (info.get("Platform") or {}).get("Name") or ""
    components = [c.get("Name", "") for c in info.get("Components") or []]
    if "docker" in platform.lower():
        return platform
    named = [c for c in components if c and c != "Engine"]
    return named[0] if named else platform or "Docker engine"


@check("docker", CATEGORY, "Docker engine")
def check_docker(env: DoctorEnv) -> Finding:
    answers, which, why = docker_engine()
    host = os.environ.get("DOCKER_HOST", "the default socket")
    wanted = _wanted_provider(env)
    if answers:
        return ok(which, details=f"DOCKER_HOST: {host}")
    if wanted == "docker":
        return fail(
            f"no Docker engine answers at {host}: {why}",
            "start Docker or Podman (podman system service) and set DOCKER_HOST, or set "
            'database.provider = "native" or "external"',
        )
    why_not = "auto picks native or external" if wanted == "auto" else f"provider {wanted}"
    return ok(f"no engine answers at {host} (not needed: {why_not})", details=why)


@check("postgres-binaries", CATEGORY, "PostgreSQL server binaries")
def check_postgres_binaries(env: DoctorEnv) -> Finding:
    from devkit.core import proc
    from devkit.database.native import find_bin_dir

    config = env.need_config()
    bin_dir = find_bin_dir(config.database.bin_dir)
    wanted = _wanted_provider(env)
    if bin_dir is None:
        where = (
            f"database.bin_dir = {config.database.bin_dir!r}"
            if config.database.bin_dir
            else "PATH or /usr/lib/postgresql/*/bin"
        )
        if wanted in ("native", "auto"):
            return fail(
                f"no initdb/postgres in {where}",
                "install them (Debian: apt-get install postgresql) or set database.bin_dir",
            )
        return ok(f"none in {where} (not needed: provider {wanted})")
    version = proc.run([bin_dir / "postgres", "--version"], check=False).stdout.strip()
    return ok(f"{version or 'postgres'} in {bin_dir}")


def _reachable_by(folder: Path, user: str) -> bool:
    """Can `user` enter `folder`? Every parent needs search (x) permission for it."""
    import grp
    import pwd

    entry = pwd.getpwnam(user)
    groups = {entry.pw_gid} | {g.gr_gid for g in grp.getgrall() if user in g.gr_mem}
    for part in [folder, *folder.parents]:
        st = part.stat()
        if st.st_uid == entry.pw_uid:
            allowed = st.st_mode & 0o100
        elif st.st_gid in groups:
            allowed = st.st_mode & 0o010
        else:
            allowed = st.st_mode & 0o001
        if not allowed:
            return False
    return True


@check("root", CATEGORY, "User")
def check_root(env: DoctorEnv) -> Finding:
    import pwd

    if os.geteuid() != 0:
        return ok(f"running as {pwd.getpwuid(os.geteuid()).pw_name} (not root)")
    config = env.need_config()
    implies = (
        "running as root: PostgreSQL refuses root, so devkit runs the native server as "
        "the `postgres` system user; files devkit creates belong to root"
    )
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        finding = "running as root and there is no `postgres` system user"
        hint = "create it (adduser --system --group postgres) or run devkit as a normal user"
        if _wanted_provider(env) in ("native", "auto"):
            return fail(finding, hint)
        return warn(finding, hint)
    if not _reachable_by(config.root, "postgres"):
        return warn(
            f"running as root and the `postgres` user cannot enter {config.root}",
            "nothing to do: the native cluster lives under /var/lib/devkit instead; "
            "run devkit as a normal user to keep it in .devkit/",
            details=implies,
        )
    return ok("running as root; the native server runs as `postgres`", details=implies)


DEVCONTAINER_FILES = (".devcontainer/devcontainer.json", ".devcontainer.json")


def devcontainer_files(root: Path) -> list[Path]:
    found = [root / rel for rel in DEVCONTAINER_FILES if (root / rel).is_file()]
    return found + sorted(root.glob(".devcontainer/*/devcontainer.json"))


@check("devcontainer", CATEGORY, "devcontainer.json")
def check_devcontainer(env: DoctorEnv) -> Finding:
    root = env.need_config().root
    files = devcontainer_files(root)
    if not files:
        return ok("no devcontainer configuration")
    for path in files:
        rel = path.relative_to(root)
        try:
            data = _loads_jsonc(path.read_text())
        except ValueError as exc:
            return fail(
                f"{rel} does not parse: {exc}",
                f"fix {rel} there (JSONC: comments and trailing commas are fine; unquoted "
                "keys and single quotes are not)",
            )
        if not isinstance(data, dict):
            return fail(f"{rel} is not a JSON object", f"fix {rel}")
        empty = _empty_substitutions(data)
        if empty:
            return warn(
                f"{rel} maps {', '.join(empty)} from the host environment without a "
                "default: unset on the host, it becomes an empty string",
                "give a default: " + _default_hint(data, empty[0], env.config.manage_dir),
                details=json.dumps({k: data.get(k) for k in ("containerEnv", "remoteEnv")}),
            )
    return ok(", ".join(str(p.relative_to(root)) for p in files) + " parse")


def _loads_jsonc(text: str) -> object:
    from devkit.core.jsonc import loads

    return loads(text)


_LOCAL_ENV = re.compile(r"^\$\{localEnv:([A-Za-z_][A-Za-z0-9_]*)\}$")


def _default_hint(data: dict[str, object], key: str, manage_dir: Path) -> str:
    """The file's own names: its host variable, and for the settings module the detected one."""
    from devkit.project.probe_failure import settings_candidates

    value = ""
    for section in ("containerEnv", "remoteEnv"):
        values = data.get(section)
        if isinstance(values, dict) and isinstance(values.get(key), str):
            value = values[key]
            break
    match = _LOCAL_ENV.match(value)
    host = match[1] if match else key
    default = "<value>"
    if key == "DJANGO_SETTINGS_MODULE":
        default = next(iter(settings_candidates(manage_dir)), "<your settings module>")
    return f'"{key}": "${{localEnv:{host}:{default}}}"'


def _empty_substitutions(data: dict[str, object]) -> list[str]:
    """Variables set to "${localEnv:X}" with no default (the empty-DJANGO_SETTINGS_MODULE trap)."""
    found = []
    for section in ("containerEnv", "remoteEnv"):
        values = data.get(section)
        if isinstance(values, dict):
            found += [k for k, v in values.items() if isinstance(v, str) and _LOCAL_ENV.match(v)]
    return found
