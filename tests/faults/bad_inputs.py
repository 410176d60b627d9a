"""The bad-input campaign: every input a real user gets wrong, run through the real CLI.

Each case runs `python -m devkit ...` as a subprocess on its own project folder. It passes when
devkit exits with the documented code, prints no Python traceback and names the cause (the
expected words appear in its output). tests/faults/test_bad_inputs.py runs every case;
bench/faults.py imports CASES and run_case to print the campaign's row.

Setups: "none" (an empty folder), "minimal" (manage.py and the case's files), "example" (a copy of
examples/tenant-demo without a database), "initialised" (one shared copy of the example after a
successful `devkit up`, native provider; a case's edits to it are undone afterwards).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.project import copy_example, pin_provider, set_config, stop_native

END = "# <<< devkit <<<"
Edit = str | bytes | Callable[[str], str] | None  # new content, a change of the old, or None: delete


@dataclass(frozen=True)
class Case:
    name: str
    argv: tuple[str, ...]  # after `devkit`; --project PROJECT is appended unless given
    code: int  # the documented exit code
    expect: tuple[str, ...]  # words naming the cause (case-insensitive)
    files: dict[str, str | bytes] = field(default_factory=dict)  # for "minimal"
    setup: str = "minimal"
    env: dict[str, str] = field(default_factory=dict)
    edits: dict[str, Edit] = field(default_factory=dict)  # for "example" and "initialised"
    wrap: str = ""  # "readonly": the project bind-mounted read-only; "nobody": run as uid 65534
    verify: Callable[[Path, str], str | None] | None = None  # another check: a problem or None
    source: str = "campaign"  # "issue 10 #8", ...


def _toml(text: str) -> dict[str, str | bytes]:
    return {"devkit.toml": text}


def _nothing_created(project: Path, output: str) -> str | None:
    made = sorted(
        p.name for p in project.iterdir() if p.name not in {"README.md", "devkit.toml", "manage.py"}
    )
    return f"created {made}" if made else None


def _user_line_kept(project: Path, output: str) -> str | None:
    text = (project / ".env").read_text()
    if "USER_LINE=keep" not in text:
        return "the user's line after the damaged block was deleted"
    return None if text.count(END) == 1 else "the env file does not hold exactly one devkit block"


def _absent(text: str) -> Callable[[Path, str], str | None]:
    return lambda project, output: f"the output still says {text!r}" if text in output else None


def _add_package(text: str) -> str:
    package = json.loads(text)
    package.setdefault("dependencies", {})["left-pad"] = "1.3.0"
    return json.dumps(package, indent=2)


BOOM_MIGRATION = """from django.db import migrations


def boom(apps, schema_editor):
    raise RuntimeError("boom from a project migration")


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_note")]
    operations = [migrations.RunPython(boom)]
"""
BOOM_COMMAND = """from ._tenant_base import EnsureTenantCommand


class Command(EnsureTenantCommand):
    help = "Create the public tenant (broken on purpose by the bad-input campaign)."

    def handle(self, *args, **options):
        raise ValueError("the tenant command raised on purpose")
"""
EXTERNAL_MAPPED = (
    '[database]\nprovider = "external"\n'
    '[database.env]\nDB_HOST = "{host}"\nDB_NAME = "{name}"\nDB_PORT = "{port}"\n'
)
HEALTH = ("health", "--max-attempts", "1")
# A project devkit reads but that is not a Django project: no manage.py.
NOT_DJANGO = {"README.md": "# notes\n"}

CASES: list[Case] = [
    # -- configuration files ------------------------------------------------------------
    Case(
        "toml-binary", ("config",), 2, ("not UTF-8",), _toml(b"\xff\xfe\x00\x01binary"), source="issue 10 #8"
    ),
    Case(
        "toml-latin1",
        ("config",),
        2,
        ("not UTF-8",),
        _toml('[database]\nname = "caf\xe9"\n'.encode("latin-1")),
    ),
    Case("toml-syntax", ("config",), 2, ("invalid TOML",), _toml("[database\n")),
    Case(
        "pyproject-binary", ("config",), 2, ("pyproject.toml", "not UTF-8"), {"pyproject.toml": b"\xff\xfe"}
    ),
    Case(
        "pyproject-tool-devkit-not-table",
        ("config",),
        2,
        ("tool.devkit", "table"),
        {"pyproject.toml": "[tool]\ndevkit = 5\n"},
    ),
    Case(
        "table-is-a-number",
        ("config",),
        2,
        ("'database' must be a table",),
        _toml("database = 5\n"),
        source="issue 10 #9",
    ),
    Case(
        "tenant-table-is-a-string",
        ("config",),
        2,
        ("'tenants.super' must be a table",),
        _toml('[tenants]\nsuper = "x"\n'),
        source="issue 10 #9",
    ),
    Case("unknown-key", ("config",), 2, ("unknown key 'database.prot'",), _toml("[database]\nprot = 5432\n")),
    Case(
        "port-is-a-string", ("config",), 2, ("database.port", "integer"), _toml('[database]\nport = "5432"\n')
    ),
    Case(
        "port-out-of-range", ("config",), 2, ("database.port", "65535"), _toml("[database]\nport = 70000\n")
    ),
    Case(
        "provider-unknown",
        ("config",),
        2,
        ("database.provider", "one of"),
        _toml('[database]\nprovider = "podman"\n'),
    ),
    Case(
        "provider-env-unknown",
        ("config",),
        2,
        ("DEVKIT_DATABASE_PROVIDER", "one of"),
        _toml(""),
        env={"DEVKIT_DATABASE_PROVIDER": "mysql"},
    ),
    Case(
        "installer-unknown",
        ("config",),
        2,
        ("python.installer", "one of"),
        _toml('[python]\ninstaller = "conda"\n'),
    ),
    Case(
        "db-name-70-chars",
        ("config",),
        2,
        ("database.name", "63 bytes"),
        _toml(f'[database]\nname = "{"a" * 70}"\n'),
        source="issue 10 #9",
    ),
    Case(
        "db-name-empty",
        ("config",),
        2,
        ("database.name", "empty"),
        _toml('[database]\nname = ""\n'),
        source="issue 10 #9",
    ),
    Case(
        "db-user-empty",
        ("config",),
        2,
        ("database.user", "empty"),
        _toml('[database]\nuser = ""\n'),
        source="issue 10 #9",
    ),
    Case(
        "db-user-quote",
        ("config",),
        2,
        ("database.user", "o'brien"),
        _toml('[database]\nuser = "o\'brien"\n'),
        source="issue 10 #9",
    ),
    Case(
        "db-name-space", ("config",), 2, ("database.name", "letters"), _toml('[database]\nname = "my db"\n')
    ),
    Case(
        "builtin-migrate-shared",
        ("config",),
        2,
        ("tenants.migrate_shared", "tenants.create_super", "tenants.create_guest"),
        _toml('[tenants]\nmigrate_shared = "builtin"\n'),
        source="issue 11 #1",
    ),
    Case(
        "builtin-migrate-tenants",
        ("config",),
        2,
        ("tenants.migrate_tenants", "builtin"),
        _toml('[tenants]\nmigrate_tenants = "builtin"\n'),
        source="issue 11 #1",
    ),
    Case(
        "auto-migrate-tenants",
        ("config",),
        2,
        ("tenants.migrate_tenants", "auto"),
        _toml('[tenants]\nmigrate_tenants = "auto"\n'),
    ),
    Case(
        "command-unclosed-quote",
        ("config",),
        2,
        ("tenants.create_super", "quotation"),
        _toml('[tenants]\ncreate_super = "create_super_tenant --name \'x"\n'),
    ),
    Case(
        "command-blank",
        ("config",),
        2,
        ("tenants.migrate_shared", "blanks"),
        _toml('[tenants]\nmigrate_shared = "   "\n'),
    ),
    Case(
        "schema-uppercase",
        ("config",),
        2,
        ("tenants.guest.schema", "lowercase"),
        _toml('[tenants.guest]\nschema = "Guest"\n'),
    ),
    Case(
        "schema-pg-prefix",
        ("config",),
        2,
        ("tenants.guest.schema", "pg_"),
        _toml('[tenants.guest]\nschema = "pg_guest"\n'),
    ),
    Case(
        "domain-with-scheme",
        ("config",),
        2,
        ("tenants.guest.domain", "host name"),
        _toml('[tenants.guest]\ndomain = "http://guest.localhost/"\n'),
    ),
    Case(
        "superuser-with-space",
        ("config",),
        2,
        ("tenants.superuser", "user name"),
        _toml('[tenants]\nsuperuser = "the admin"\n'),
    ),
    Case(
        "env-template-unknown",
        ("config",),
        2,
        ("database.env.DB_X", "{nope}"),
        _toml('[database.env]\nDB_X = "{nope}"\n'),
    ),
    Case(
        "env-template-broken",
        ("config",),
        2,
        ("database.env.DB_X", "template"),
        _toml('[database.env]\nDB_X = "{url"\n'),
    ),
    Case(
        "env-var-name",
        ("config",),
        2,
        ("DB-NAME", "variable name"),
        _toml('[database.env]\n"DB-NAME" = "{name}"\n'),
    ),
    Case(
        "env-value-number",
        ("config",),
        2,
        ("database.env", "table of strings"),
        _toml("[database.env]\nDB_PORT = 5432\n"),
    ),
    Case("lock-timeout-negative", ("config",), 2, ("lock_timeout", "positive"), _toml("lock_timeout = -1\n")),
    Case(
        "wait-timeout-zero",
        ("config",),
        2,
        ("database.wait_timeout", "positive"),
        _toml("[database]\nwait_timeout = 0\n"),
    ),
    Case(
        "requirements-missing",
        ("up", "--no-input"),
        2,
        ("python.requirements", "no such file"),
        {**_toml('[python]\nrequirements = "missing.txt"\n'), "manage.py": ""},
    ),
    Case(
        "interpreter-missing",
        ("up", "--no-input"),
        2,
        ("python.interpreter", "no such interpreter"),
        {**_toml('[python]\ninterpreter = "/nonexistent/python3"\n'), "manage.py": ""},
    ),
    Case(
        "node-dir-missing",
        ("up", "--no-input"),
        2,
        ("node.dir", "package.json"),
        {**_toml('[node]\ndir = "web"\n'), "manage.py": ""},
    ),
    Case(
        "python-version-binary",
        ("config",),
        2,
        (".python-version", "cannot read"),
        {".python-version": b"\xff\xfe"},
    ),
    Case(
        "nvmrc-binary",
        ("config",),
        2,
        (".nvmrc", "cannot read"),
        {"web/package.json": '{"dependencies": {"vue": "3"}}', "web/.nvmrc": b"\xff"},
    ),
    Case(
        "pyproject-syntax",
        ("config",),
        2,
        ("pyproject.toml", "invalid TOML"),
        {"pyproject.toml": "[tool.devkit\n"},
    ),
    Case(
        "health-port-zero", (*HEALTH, "http://localhost:0/"), 2, ("not a valid URL", "port 0"), setup="none"
    ),
    # -- the command line -----------------------------------------------------------------
    Case("unknown-option", ("up", "--bogus"), 2, ("No such option", "--bogus")),
    Case(
        "unknown-step",
        ("up", "--only", "frontend"),
        2,
        ("unknown step frontend", "steps are"),
        {"manage.py": ""},
        verify=_nothing_created,
    ),
    Case(
        "migrate-force-flag",
        ("migrate", "--force"),
        2,
        ("DATABASE_URL",),
        {"manage.py": ""},
        verify=_absent("does not take a value"),
        source="issue 10 #9",
    ),
    Case(
        "migrate-python-missing",
        ("migrate", "--python", "/nonexistent/python"),
        2,
        ("--python", "no such interpreter"),
        {"manage.py": ""},
    ),
    Case("project-missing", ("status", "--project", "/nonexistent/devkit-project"), 2, ("no such folder",)),
    Case(
        "project-empty-folder",
        ("up", "--no-input"),
        2,
        ("not a Django project", "manage.py"),
        setup="none",
        verify=_nothing_created,
        source="issue 10 #9",
    ),
    Case(
        "project-without-manage-py",
        ("up", "--no-input"),
        2,
        ("not a Django project", "nothing was created"),
        {**NOT_DJANGO, **_toml("")},
        verify=_nothing_created,
        source="issue 10 #9",
    ),
    Case("down-volumes-without-yes", ("down", "--volumes", "--no-input"), 2, ("--yes",), {"manage.py": ""}),
    Case(
        "workflows-path-missing", ("check-workflows", "no/such.yml"), 2, ("no such file",), {"manage.py": ""}
    ),
    # -- URLs -------------------------------------------------------------------------------
    Case(
        "health-port-99999",
        (*HEALTH, "http://127.0.0.1:99999/"),
        2,
        ("not a valid URL", "65535"),
        setup="none",
        source="issue 10 #8",
    ),
    Case(
        "health-ipv6-unclosed",
        (*HEALTH, "http://[::1/"),
        2,
        ("not a valid URL", "IPv6"),
        setup="none",
        source="issue 10 #8",
    ),
    Case("health-not-http", (*HEALTH, "ftp://example.com/"), 2, ("not an http(s) URL",), setup="none"),
    Case("health-no-host", (*HEALTH, "http:///health"), 2, ("not an http(s) URL",), setup="none"),
    Case(
        "health-attempts-zero",
        ("health", "--max-attempts", "0", "http://127.0.0.1:1/"),
        2,
        ("--max-attempts",),
        setup="none",
    ),
    Case(
        "health-bad-status",
        (*HEALTH, "--expect-status", "42", "http://127.0.0.1:1/"),
        2,
        ("--expect-status 42",),
        setup="none",
    ),
    Case(
        "health-bad-header",
        (*HEALTH, "--header", "no-colon", "http://127.0.0.1:1/"),
        2,
        ("--header", "Name: value"),
        setup="none",
    ),
    Case(
        "health-port-not-number",
        (*HEALTH, "--delay", "x", "http://127.0.0.1:1/"),
        2,
        ("--delay",),
        setup="none",
    ),
    Case(
        "database-url-port-notaport",
        ("migrate",),
        2,
        ("$DATABASE_URL", "notaport"),
        {"manage.py": ""},
        env={"DATABASE_URL": "postgresql://u:secretpw1@db:notaport/app"},
        source="issue 10 #8",
    ),
    Case(
        "database-url-ipv6-unclosed",
        ("migrate",),
        2,
        ("$DATABASE_URL", "IPv6"),
        {"manage.py": ""},
        env={"DATABASE_URL": "postgresql://u:secretpw1@[::1/app"},
    ),
    Case(
        "database-url-mysql",
        ("migrate",),
        2,
        ("$DATABASE_URL", "scheme 'mysql'"),
        {"manage.py": ""},
        env={"DATABASE_URL": "mysql://u:secretpw1@db/app"},
    ),
    Case(
        "database-url-port-range",
        ("migrate", "--database-url", "postgresql://u@db:99999/app"),
        2,
        ("not a valid PostgreSQL URL", "65535"),
        {"manage.py": ""},
    ),
    Case(
        "mapped-port-not-number",
        ("status",),
        2,
        ("$DB_PORT", "'abc'"),
        _toml(EXTERNAL_MAPPED),
        env={"DB_HOST": "db", "DB_NAME": "app", "DB_PORT": "abc"},
    ),
    # -- the file system -----------------------------------------------------------------------
    Case(
        "readonly-project",
        ("up", "--no-input"),
        2,
        ("Read-only file system", ".devkit"),
        {"manage.py": "", "devkit.toml": ""},
        wrap="readonly",
        source="issue 10 #8",
    ),
    Case(
        "project-not-writable",
        ("up", "--no-input"),
        2,
        ("Permission denied", ".devkit"),
        {"manage.py": "", "devkit.toml": ""},
        wrap="nobody",
    ),
    Case(
        "toml-unreadable",
        ("config",),
        2,
        ("devkit.toml", "Permission denied"),
        {"devkit.toml": ""},
        wrap="nobody-unreadable",
    ),
    # -- the project's own files (a copy of the example, no database) --------------------------
    Case(
        "npm-lockfile-mismatch",
        ("up", "--no-input", "--only", "node-deps"),
        1,
        ("in sync", "left-pad", "npm install"),
        setup="example",
        edits={"frontend/package.json": _add_package},
        verify=_absent("Usage:"),
        source="issue 10 #9",
    ),
    # -- the project's own code fails (the shared initialised project) --------------------------
    Case(
        "migration-raises",
        ("up", "--no-input"),
        1,
        ("RuntimeError: boom from a project migration", "0003_boom.py:5", ".devkit/logs"),
        setup="initialised",
        edits={"backend/crm/migrations/0003_boom.py": BOOM_MIGRATION},
        source="issue 10 #10",
    ),
    Case(
        "tenant-command-raises",
        ("up", "--no-input"),
        1,
        ("ValueError: the tenant command raised on purpose", "create_super_tenant.py:8", ".devkit/logs"),
        setup="initialised",
        edits={"backend/customers/management/commands/create_super_tenant.py": BOOM_COMMAND},
        source="issue 10 #10",
    ),
    Case(
        "settings-syntax-error",
        ("up", "--no-input"),
        1,
        ("SyntaxError", "settings.py"),
        setup="initialised",
        edits={"backend/config/settings.py": lambda s: s + "\nBROKEN = (\n"},
        source="issue 10 #10",
    ),
    Case(
        "settings-module-missing",
        ("up", "--no-input"),
        1,
        ("config.nosuch",),
        setup="initialised",
        env={"DJANGO_SETTINGS_MODULE": "config.nosuch"},
        source="issue 10 #10",
    ),
    Case(
        "env-file-binary",
        ("up", "--no-input"),
        2,
        (".env", "not UTF-8", "env_file"),
        setup="initialised",
        edits={".env": b"\xff\xfeDB_NAME=x\n"},
    ),
    Case(
        "env-file-end-marker-deleted",
        ("up", "--no-input"),
        0,
        ("END marker",),
        setup="initialised",
        edits={".env": lambda s: s.replace(END + "\n", "") + "USER_LINE=keep\n"},
        verify=_user_line_kept,
        source="issue 10 #11",
    ),
]

# -- issue 23: damaged files devkit owns, and input refused before anything is created ----------
MANAGE = {"manage.py": "", "README.md": "# a project\n"}
STATE_PORT_TEXT = re.compile(r'("port": )\d+')
CASES += [
    Case(
        "state-wrong-shape-up",
        ("up", "--no-input"),
        0,
        ("state.json was damaged", "steps is int", "set aside"),
        setup="initialised",
        edits={".devkit/state.json": '{"native": "x", "steps": 5}\n'},
        source="issue 23 #4",
    ),
    Case(
        "state-wrong-shape-status",
        ("status",),
        0,
        ("native",),
        setup="initialised",
        edits={".devkit/state.json": '{"native": "x", "steps": 5}\n'},
        source="issue 23 #4",
    ),
    Case(
        "state-port-is-text",
        ("up", "--no-input", "--only", "database"),
        0,
        ("state.json was damaged", "native.port"),
        setup="initialised",
        edits={".devkit/state.json": lambda s: STATE_PORT_TEXT.sub(r'\1"abc"', s, count=1)},
        source="issue 23 #4",
    ),
    Case(
        "secrets-wrong-shape",
        ("up", "--no-input", "--only", "database"),
        0,
        ("secrets.json was damaged", "database.password is int"),
        setup="example",
        edits={".devkit/secrets.json": '{"database.password": 12345678}\n'},
        source="issue 23 #4",
    ),
    Case(
        "project-empty-path",
        ("--project", "", "up", "--no-input"),
        2,
        ("--project", "empty path"),
        setup="none",
        verify=_nothing_created,
        source="issue 23 #6",
    ),
    Case(
        "devkit-toml-is-a-folder",
        ("config",),
        2,
        ("devkit.toml", "not a file", "folder"),
        {**MANAGE, "devkit.toml/notes.txt": "a folder, not a file\n"},
        source="issue 23 #7",
    ),
    Case(
        "toml-nested-50000-deep",
        ("config",),
        2,
        ("nested too deeply",),
        _toml("a = " + "[" * 50000 + "]" * 50000 + "\n"),
        source="issue 23 #8",
    ),
    Case(
        "health-header-crlf",
        (*HEALTH, "--header", "X-Token: a\r\nInjected: b", "http://127.0.0.1:9/"),
        2,
        ("--header", "line break"),
        setup="none",
        source="issue 23 #8",
    ),
    Case(
        "run-env-file-not-utf8",
        ("run", "--", "true"),
        2,
        (".env", "not UTF-8"),
        setup="initialised",
        edits={".env": b"\xff\xfeDB_NAME=x\n"},
        source="issue 23 #8",
    ),
    *(
        Case(
            f"wait-timeout-{name}",
            ("up", "--no-input"),
            2,
            ("database.wait_timeout", "positive number"),
            {**MANAGE, "devkit.toml": f"[database]\nwait_timeout = {value}\n"},
            verify=_nothing_created,
            source="issue 23 #9",
        )
        for name, value in (("nan", "nan"), ("inf", "inf"), ("negative", "-5"))
    ),
    Case(
        "python-version-words",
        ("up", "--no-input"),
        2,
        ("python.version", "not a Python version"),
        {**MANAGE, "devkit.toml": '[python]\nversion = "three point eleven"\n'},
        verify=_nothing_created,
        source="issue 23 #9",
    ),
    *(
        Case(
            f"tenants-add-domain-{name}",
            ("tenants", "add", "okname", "--domain", domain),
            2,
            ("--domain", "not a host name"),
            setup="example",
            source="issue 23 #9",
        )
        for name, domain in (("space-slash", "bad domain/x"), ("url", "http://x.localhost:8000"))
    ),
    Case(
        "dev-tenant-domain-in-config",
        ("config",),
        2,
        ("not a host name",),
        _toml('[[tenants.dev]]\nschema = "acme"\ndomain = "http://acme.localhost"\n'),
        source="issue 23 #9",
    ),
    *(
        Case(
            f"tenants-add-reserved-{schema}",
            ("tenants", "add", schema),
            2,
            words,
            setup="example",
            source="issue 23 #1",
        )
        for schema, words in (
            ("devkit_tenant_template", ("devkit_", "template")),
            ("public", ("public tenant",)),
            ("information_schema", ("PostgreSQL",)),
        )
    ),
    Case(
        "dev-tenant-template-name-in-config",
        ("config",),
        2,
        ("devkit_",),
        _toml('[[tenants.dev]]\nschema = "devkit_tenant_template"\n'),
        source="issue 23 #1",
    ),
    Case(
        "guest-is-public-in-config",
        ("config",),
        2,
        ("tenants.guest.schema", "public tenant"),
        _toml('[tenants.guest]\nschema = "public"\n'),
        source="issue 23 #1",
    ),
    Case(
        "only-and-skip-the-same-step",
        ("up", "--no-input", "--only", "database", "--skip", "database"),
        2,
        ("--only and --skip", "database"),
        setup="example",
        source="issue 23 (noted)",
    ),
    Case(
        "workflow-over-the-size-limit",
        ("check-workflows", "big.yml"),
        1,
        ("size limit", "DEVKIT_WORKFLOW_MAX_BYTES"),
        {"big.yml": "on: push\n# " + "x" * 1_100_000 + "\n"},
        setup="minimal",
        source="issue 23 #10",
    ),
]


# -- running a case ---------------------------------------------------------------------------
def run_case(case: Case, workdir: Path) -> tuple[bool, str]:
    """Run one case with the real CLI; (passed, why it failed or '')."""
    project = _prepare(case, workdir)
    undo = _apply_edits(project, case.edits) if case.setup in ("example", "initialised") else {}
    try:
        code, output = _run(case, project)
        problem = _judge(case, code, output) or (case.verify(project, output) if case.verify else None)
    finally:
        _restore(project, undo)
    if problem:
        return False, f"{problem}; output: {output[-1500:]}"
    return True, ""


def _judge(case: Case, code: int, output: str) -> str | None:
    if "Traceback (most recent call last)" in output:
        return "a Python traceback reached the console"
    if code != case.code:
        return f"exit {code}, documented {case.code}"
    missing = [word for word in case.expect if word.lower() not in output.lower()]
    return f"the message does not name {missing}" if missing else None


def _run(case: Case, project: Path) -> tuple[int, str]:
    argv = list(case.argv)
    if "--project" not in argv:
        argv += ["--project", str(project)]
    cmd = [sys.executable, "-m", "devkit", *argv]
    if case.wrap == "readonly":  # a private mount namespace: nothing outside this process sees it
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
        cmd = ["unshare", "-m", "sh", "-c", script, "sh", str(project), *cmd]
    elif case.wrap.startswith("nobody"):
        if case.wrap == "nobody-unreadable":
            (project / "devkit.toml").chmod(0o000)
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL", "DJANGO_"))}
    env.pop("DEVKIT_DATABASE_PROVIDER", None)
    env.update(case.env)
    done = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    return done.returncode, done.stdout + done.stderr


def _prepare(case: Case, workdir: Path) -> Path:
    if case.setup == "initialised":
        return ensure_initialised(workdir)
    project = workdir / case.name
    shutil.rmtree(project, ignore_errors=True)
    if case.setup == "example":
        copy_example(project)
        pin_provider(project, "native")
        return project
    project.mkdir(parents=True)
    project.chmod(0o755)
    for rel, content in case.files.items():
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return project


def _apply_edits(project: Path, edits: dict[str, Edit]) -> dict[Path, bytes | None]:
    undo: dict[Path, bytes | None] = {}
    for rel, edit in edits.items():
        path = project / rel
        undo[path] = path.read_bytes() if path.exists() else None
        path.parent.mkdir(parents=True, exist_ok=True)
        if edit is None:
            path.unlink()
        elif callable(edit):
            path.write_text(edit(path.read_text()))
        elif isinstance(edit, bytes):
            path.write_bytes(edit)
        else:
            path.write_text(edit)
    return undo


def _restore(project: Path, undo: dict[Path, bytes | None]) -> None:
    for path, content in undo.items():
        if content is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(content)


def ensure_initialised(workdir: Path) -> Path:
    """The shared project of the "initialised" cases: made once per workdir by a real `devkit up`."""
    project = workdir / "initialised"
    ready = project / ".devkit" / "bad-inputs-ready"
    if ready.exists():
        return project
    shutil.rmtree(project, ignore_errors=True)
    copy_example(project)
    pin_provider(project, "native")
    set_config(project, '[node]\ndir = ""\n')  # the frontend is not what these cases are about
    ran = subprocess.run(
        [sys.executable, "-m", "devkit", "up", "--no-input", "--project", str(project)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
    )
    if ran.returncode != 0:
        raise RuntimeError(f"devkit up of the shared project failed:\n{ran.stdout}{ran.stderr}")
    ready.write_text("")
    return project


def cleanup(workdir: Path) -> None:
    """Stop every server a case started (by its PID: the shared project's, and any a regression
    started in a case folder) and remove the case folders."""
    for project in workdir.iterdir() if workdir.is_dir() else []:
        if project.is_dir():
            stop_native(project)
    shutil.rmtree(workdir, ignore_errors=True)
