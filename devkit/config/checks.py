"""Value checks run when the configuration is read, so that a bad value fails with exit 2 before
anything is created, not halfway through `devkit up` (docs/configuration.md lists the rules)."""

from __future__ import annotations

import re
import shlex
import string
from pathlib import Path
from typing import Any

from devkit.core.errors import ConfigError

# The only tenant keys that accept "builtin" (devkit creates the tenant) and "auto".
BUILTIN_KEYS = ("tenants.create_super", "tenants.create_guest")
COMMAND_KEYS = ("tenants.migrate_shared", "tenants.migrate_tenants", *BUILTIN_KEYS)
TEMPLATE_FIELDS = ("url", "host", "port", "name", "user", "password")

# PostgreSQL identifiers are at most 63 bytes (NAMEDATALEN - 1). devkit passes names to initdb,
# psql and URLs as well as to SQL, so it keeps to characters that need no quoting anywhere.
_PG_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DJANGO_USERNAME = re.compile(r"^[\w.@+-]+$")


def check_values(flat: dict[str, Any], provenance: dict[str, str]) -> None:
    """Raise ConfigError naming the key, its source, the rule and the fix for the first bad value."""

    def fail(key: str, problem: str, hint: str) -> None:
        raise ConfigError(f"{provenance.get(key, 'default')}: {key} = {flat[key]!r} {problem}", hint=hint)

    for key in ("database.name", "database.user"):
        problem = pg_name_problem(flat[key])
        if problem:
            fail(key, problem, f"set {key} to letters, digits, _ or - (at most 63 bytes), e.g. 'app'")
    from devkit.core.names import validate_domain, validate_schema_name

    for key in ("tenants.super.schema", "tenants.guest.schema"):
        validate_schema_name(
            flat[key], f"{provenance[key]}: {key}", public_tenant=key == "tenants.super.schema"
        )
    for key in ("tenants.super.domain", "tenants.guest.domain"):
        validate_domain(flat[key], f"{provenance.get(key, 'default')}: {key}")
    for key in ("tenants.super.name", "tenants.guest.name"):
        if not flat[key].strip():
            fail(key, "is empty", f"give {key} a display name, e.g. 'Guest'")
    _check_commands(flat, fail)
    _check_dev_tenants(flat, provenance, fail)
    user = flat["tenants.superuser"]
    if user and (len(user) > 150 or not _DJANGO_USERNAME.match(user)):
        fail(
            "tenants.superuser",
            "is not a Django user name (letters, digits and @ . + - _, at most 150)",
            'choose another name, or "" for no development superuser',
        )
    for key in ("manage_py", "python.venv", "env_file"):
        if not flat[key].strip():
            fail(key, "is empty", f"remove {key} to use the default, or name a path relative to the project")
    _check_env_mapping(flat["database.env"], provenance.get("database.env", "default"))
    _check_versions(flat, provenance, fail)


def _check_versions(flat: dict[str, Any], provenance: dict[str, str], fail: Any) -> None:
    """Versions written in the configuration must be versions (a detected file that devkit cannot
    read is judged where it is used, and named there)."""
    from devkit.core.versions import node_satisfies, python_satisfies

    python = flat["python.version"]
    if (
        python
        and not provenance.get("python.version", "").startswith("detected")
        and (python_satisfies("3.11.0", python) is None)
    ):
        fail(
            "python.version",
            "is not a Python version or version range",
            'write a version such as "3.12" or a range such as ">=3.11,<3.14"',
        )
    node = flat["node.version"]
    if (
        node
        and not provenance.get("node.version", "").startswith("detected")
        and (node_satisfies("20.0.0", node) is None and node.split("/")[0].lower() not in ("lts", "node"))
    ):
        fail(
            "node.version",
            "is not a Node version or range",
            'write a version such as "20" or a range such as ">=20"',
        )


def pg_name_problem(name: str) -> str | None:
    """Why `name` cannot be a database or role name devkit creates, or None."""
    if not name:
        return "is empty"
    if len(name.encode()) > 63:
        return f"is {len(name.encode())} bytes long; PostgreSQL names are at most 63 bytes"
    if not _PG_NAME.match(name):
        return "may hold only letters, digits, _ and - (and must not start with -)"
    return None


def _check_commands(flat: dict[str, Any], fail: Any) -> None:
    for key in COMMAND_KEYS:
        line = flat[key]
        if line in ("builtin", "auto"):
            if key not in BUILTIN_KEYS:
                fail(
                    key,
                    f'is not accepted: only {" and ".join(BUILTIN_KEYS)} accept "builtin" and "auto"',
                    f"set {key} to a manage.py command line, e.g. {_default(key)!r}",
                )
            continue
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            fail(key, f"is not a command line ({exc})", "close the quote, or quote the argument")
        if line and not argv:  # "" leaves the step out; blanks alone are a mistake
            allowed = ', "builtin"' if key in BUILTIN_KEYS else ""
            fail(
                key,
                "holds only blanks",
                f'set {key} to a manage.py command line{allowed} or "" to leave it out',
            )


def _default(key: str) -> str:
    from devkit.config.model import TenantsConfig

    return str(getattr(TenantsConfig(), key.split(".", 1)[1]))


def _check_env_mapping(mapping: dict[str, str], source: str) -> None:
    for var, template in mapping.items():
        if not _ENV_VAR.match(var):
            raise ConfigError(
                f"{source}: database.env: {var!r} is not an environment variable name",
                hint="use letters, digits and _ (not starting with a digit), e.g. DB_NAME",
            )
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        except ValueError as exc:
            raise ConfigError(
                f"{source}: database.env.{var} = {template!r} is not a template ({exc})",
                hint="write {{ and }} for literal braces; fields are " + ", ".join(TEMPLATE_FIELDS),
            ) from None
        unknown = [f for f in fields if f not in TEMPLATE_FIELDS]
        if unknown:
            raise ConfigError(
                f"{source}: database.env.{var} = {template!r} uses unknown field {{{unknown[0]}}}",
                hint="fields are " + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS),
            )


def check_paths(config: Any) -> None:
    """Files and folders the configuration names must exist before `up` creates anything."""
    import shutil

    def where(key: str) -> str:
        return config.provenance.get(key, "default")

    requirements = config.python.requirements
    if requirements and not config.path(requirements).is_file():
        raise ConfigError(
            f"{where('python.requirements')}: python.requirements = {requirements!r}: no such file",
            hint="name the requirements file (or pyproject.toml) relative to the project, or remove the key",
        )
    interpreter = config.python.interpreter
    if interpreter and not (Path(interpreter).is_file() if "/" in interpreter else shutil.which(interpreter)):
        raise ConfigError(
            f"{where('python.interpreter')}: python.interpreter = {interpreter!r}: no such interpreter",
            hint="give the path (or a name on PATH) of the python that creates the venv, or remove the key",
        )
    node_dir = config.node.dir
    if node_dir and not (config.path(node_dir) / "package.json").is_file():
        raise ConfigError(
            f"{where('node.dir')}: node.dir = {node_dir!r}: no package.json there",
            hint='name the folder holding package.json, or set node.dir = "" for no frontend',
        )


def _check_dev_tenants(flat: dict[str, Any], provenance: dict[str, str], fail: Any) -> None:
    """[[tenants.dev]] and tenants.dev_count: valid, distinct schemas and domains."""
    from devkit.config.model import TenantsConfig
    from devkit.core.names import validate_domain, validate_schema_name

    if flat["tenants.dev_count"] < 0 or flat["tenants.dev_count"] > 1000:
        fail(
            "tenants.dev_count", "must be 0..1000", "set tenants.dev_count to the number of numbered tenants"
        )
    for key in ("tenants.dev_schema", "tenants.dev_name", "tenants.dev_domain"):
        if flat["tenants.dev_count"] and "{n}" not in flat[key]:
            fail(
                key,
                "has no {n}",
                f'number the tenants: e.g. {key} = "{getattr(TenantsConfig(), key.split(".")[1])}"',
            )
    tenants = TenantsConfig(
        dev=flat["tenants.dev"],
        dev_count=flat["tenants.dev_count"],
        dev_schema=flat["tenants.dev_schema"],
        dev_name=flat["tenants.dev_name"],
        dev_domain=flat["tenants.dev_domain"],
    )
    try:
        devs = tenants.dev_tenants()
    except (KeyError, IndexError, ValueError) as exc:
        fail("tenants.dev_schema", f"is not a pattern with {{n}} ({exc})", 'e.g. "tenant{n}"')
        return
    where = provenance.get("tenants.dev", provenance.get("tenants.dev_count", "default"))
    seen_schemas = {
        flat["tenants.super.schema"]: "tenants.super",
        flat["tenants.guest.schema"]: "tenants.guest",
    }
    seen_domains = {
        flat["tenants.super.domain"]: "tenants.super",
        flat["tenants.guest.domain"]: "tenants.guest",
    }
    for spec in devs:
        label = f"{where}: development tenant {spec.schema!r}"
        validate_schema_name(spec.schema, f"{where}: development tenant schema")
        validate_domain(spec.domain, f"{label}: domain")
        for value, seen, what in (
            (spec.schema, seen_schemas, "schema"),
            (spec.domain, seen_domains, "domain"),
        ):
            if value in seen:
                raise ConfigError(
                    f"{label}: {what} {value!r} is also {seen[value]}'s",
                    hint="every development tenant needs its own schema and domain",
                )
            seen[value] = f"development tenant {spec.schema!r}"
