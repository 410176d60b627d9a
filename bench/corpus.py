"""Run devkit on the corpus of real django-tenants projects and tabulate the first runs. Not a test.

    .venv/bin/python bench/corpus.py [--corpus DIR] [--only NAME ...] [--jobs N] [--out DIR]

For every project folder of the corpus (default ../shared/corpus/projects, relative to the repo
root; MANIFEST.md is skipped) it makes a fresh copy in OUT/<name> (default /tmp/devkit-corpus),
git-initialised with one commit, and runs the real CLI on it as a developer's first run would:
`devkit init --no-input`, then `devkit up --no-input --json`. When `up` exits 0 it verifies the
outcome in PostgreSQL itself, on the URL `devkit db url` prints: every table of the public
schema that has a `schema_name` column (the tenant table) has rows, every schema named there
exists, and each of them holds a `django_migrations` table with rows. A row is green only when
`up` exited 0 AND that verification holds. At the end of each project `devkit down` stops its
PostgreSQL (data kept; an old copy's cluster is deleted with `down --volumes` before the copy is
replaced).

Per project it keeps OUT/<name>.init.log, OUT/<name>.up.log (stderr: the events and the human
text), OUT/<name>.up.json (the envelope), and for the whole run OUT/results.json and
OUT/table.md. It prints the table
  project | first run green | first failure (step, cause) | cause named with the change | seconds
(the "named" column is a heuristic: yes when the failing step's message or hint names a concrete
change: a file, a configuration key, a command or a variable; no when it only points at a log or
says something generic), then each failure's message, hint and details, then the totals.

Needs no network beyond the package registries: a project that cannot install here (a git
dependency, a system library) fails at its own row with that cause. The process environment is
passed on without DOCKER_HOST, VIRTUAL_ENV and database variables (DATABASE_URL, DB_*, PG*,
POSTGRES_*), so that `auto` picks the native provider as on a fresh machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
DEVKIT = REPO / ".venv" / "bin" / "devkit"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "projects"
DEFAULT_OUT = Path("/tmp/devkit-corpus")
GIT_AUTHOR = ["-c", "user.name=devkit corpus", "-c", "user.email=corpus@devkit.invalid"]
DROPPED_ENV = re.compile(r"DOCKER_HOST|VIRTUAL_ENV|DATABASE_URL|DB_\w+|PG\w+|POSTGRES_\w+")
TRIM = 160

# What makes a failure "name the change": a configuration key or a variable (message or hint), a
# file or a command (hint: in the message, a quoted command is the one that failed).
CONFIG_KEY = re.compile(r"\b(?:python|node|database|tenants|docs)\.[a-z_]+\b|\[(?:tool\.)?devkit[\w.]*\]")
FILE_NAME = re.compile(r"\b[\w./-]*\w\.(?:toml|txt|in|py|cfg|ini|json|lock|ya?ml|env|example)\b")
COMMAND = re.compile(r"`[^`]+`|\bdevkit [a-z]+|\b(?:pip|uv|npm|pnpm|yarn|apt-get|poetry|pdm|pipenv) [a-z]+")
VARIABLE = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\b[A-Z][A-Z0-9_]+ (?:not found|is not set)\b")
# Pointers that fit every failure: they name no change of their own.
GENERIC = re.compile(
    r"[^;\n]*see (?:the|its) (?:full )?log[^;\n]*|`devkit doctor` checks[^;\n]*|(?<![\w-])-v\b"
)
LOG_REFERENCE = re.compile(r"\((?:full )?log: [^)]*\)|\S+\.log\b|\S*/\.devkit/logs/\S*")
SOURCE_LOCATION = re.compile(r"\(?[\w./-]+\.py:\d+\)?")  # where it was raised, not what to change
QUOTED = re.compile(r"`[^`]*`")


@dataclass
class Row:
    project: str
    green: bool = False
    step: str = ""  # the first failure: a step of `up`, or init / up / verify
    cause: str = ""
    hint: str = ""
    details: str = ""  # the error's details: the installer's or the project's own error lines
    named: bool | None = None  # None when green
    seconds: float = 0.0
    exit_codes: dict[str, int] = field(default_factory=dict)
    verified: list[str] = field(default_factory=list)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not DROPPED_ENV.fullmatch(k)}


def run(argv: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run in a process group of its own: a timeout stops devkit (which stops its children)."""
    with subprocess.Popen(
        argv,
        cwd=cwd,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                stdout, stderr = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                stdout, stderr = process.communicate()
            stderr += f"\n[bench] timed out after {timeout:.0f}s: stopped\n"
            return subprocess.CompletedProcess(argv, 124, stdout, stderr)
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


def devkit(copy: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return run([str(DEVKIT), "--project", str(copy), *args], REPO, timeout)


def fresh_copy(source: Path, copy: Path) -> None:
    """Replace an old copy (deleting its cluster first), copy the project, commit it once."""
    if (copy / ".devkit").is_dir():
        devkit(copy, "down", "--volumes", "--yes", "--no-input")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source, copy, symlinks=True)
    as_cloned(copy)
    for git_args in (["init", "-q"], ["add", "-A"], [*GIT_AUTHOR, "commit", "-qm", "corpus"]):
        subprocess.run(["git", *git_args], cwd=copy, check=True, capture_output=True)


def as_cloned(copy: Path) -> None:
    """The modes a git clone gives (the corpus is read-only): 0755 folders, 0644/0755 files."""
    copy.chmod(0o755)
    for path in copy.rglob("*"):
        if not path.is_symlink():
            executable = path.is_dir() or path.stat().st_mode & 0o100
            path.chmod(0o755 if executable else 0o644)


def first_failure(envelope: dict[str, Any]) -> tuple[str, str, str, str]:
    """(step, message, hint, details) of the first failed step, else of the envelope's error."""
    error = envelope.get("error") or {}
    failed = [s for s in envelope.get("steps", []) if s.get("status") == "failed"]
    step = failed[0]["name"] if failed else f"up ({error.get('type', 'error')})"
    if failed and failed[0].get("error"):
        error = failed[0]["error"]
    message = error.get("message") or (failed[0].get("detail", "") if failed else "")
    return step, message, error.get("hint") or "", error.get("details") or ""


def names_the_change(message: str, hint: str) -> bool:
    message = QUOTED.sub(" ", SOURCE_LOCATION.sub(" ", LOG_REFERENCE.sub(" ", message)))
    message, hint = GENERIC.sub(" ", message), GENERIC.sub(" ", LOG_REFERENCE.sub(" ", hint))
    if any(pattern.search(f"{message}\n{hint}") for pattern in (CONFIG_KEY, VARIABLE)):
        return True
    return any(pattern.search(hint) for pattern in (FILE_NAME, COMMAND))


def tenant_tables(cursor: psycopg.Cursor[Any]) -> list[str]:
    cursor.execute(
        "SELECT table_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND column_name = 'schema_name' ORDER BY table_name"
    )
    return [name for (name,) in cursor.fetchall()]


def verify(url: str) -> tuple[list[str], str]:
    """(what held, the first problem or "") for the tenant rows, schemas and migrations."""
    held: list[str] = []
    with psycopg.connect(url, connect_timeout=10) as connection, connection.cursor() as cursor:
        tables = tenant_tables(cursor)
        if not tables:
            return held, "no table in public has a schema_name column (no tenant table)"
        schemas: set[str] = set()
        for table in tables:
            cursor.execute(sql.SQL("SELECT schema_name FROM public.{}").format(sql.Identifier(table)))
            names = {name for (name,) in cursor.fetchall()}
            held.append(f"{table}: {len(names)} rows")
            schemas |= names
        if not schemas:
            return held, f"the tenant table ({', '.join(tables)}) has no rows"
        for schema in sorted(schemas):
            problem = schema_problem(cursor, schema)
            if problem:
                return held, problem
            held.append(f"{schema}: migrated")
    return held, ""


def schema_problem(cursor: psycopg.Cursor[Any], schema: str) -> str:
    cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,))
    if cursor.fetchone() is None:
        return f"schema {schema!r} is listed in the tenant table but does not exist"
    cursor.execute("SELECT to_regclass(format('%%I.django_migrations', %s::text))", (schema,))
    if cursor.fetchone()[0] is None:
        return f"schema {schema!r} has no django_migrations table"
    query = sql.SQL("SELECT count(*) FROM {}.django_migrations").format(sql.Identifier(schema))
    cursor.execute(query)
    if cursor.fetchone()[0] == 0:
        return f"schema {schema!r}: django_migrations is empty"
    return ""


def run_project(source: Path, out: Path, timeout: float) -> Row:
    row = Row(project=source.name)
    copy = out / source.name
    try:
        fresh_copy(source, copy)
    except (OSError, subprocess.SubprocessError) as error:
        return failed(row, "copy", f"{type(error).__name__}: {error}", "")
    started = time.monotonic()
    try:
        row = first_run(row, copy, out / source.name, timeout)
    except (OSError, subprocess.SubprocessError) as error:
        row = failed(row, "bench", f"{type(error).__name__}: {error}", "")
    finally:
        row.seconds = round(time.monotonic() - started, 1)
        devkit(copy, "down", "--no-input")
    print(f"[{row.project}] {'green' if row.green else 'failed at ' + row.step} ({row.seconds}s)", flush=True)
    return row


def first_run(row: Row, copy: Path, logs: Path, timeout: float) -> Row:
    init = devkit(copy, "init", "--no-input", timeout=timeout)
    Path(f"{logs}.init.log").write_text(init.stdout + init.stderr)
    row.exit_codes["init"] = init.returncode
    if init.returncode != 0:
        lines = (init.stderr or init.stdout).strip().splitlines() or ["(no output)"]
        return failed(row, "init", lines[-1], "")
    up = devkit(copy, "up", "--no-input", "--json", timeout=timeout)
    Path(f"{logs}.up.log").write_text(up.stderr)
    Path(f"{logs}.up.json").write_text(up.stdout)
    row.exit_codes["up"] = up.returncode
    try:
        envelope = json.loads(up.stdout)
    except json.JSONDecodeError:
        tail = up.stderr.strip().splitlines()[-1:] or ["(no output)"]
        return failed(row, "up", f"exit {up.returncode}, no JSON envelope: {tail[0]}", "")
    if up.returncode != 0:
        return failed(row, *first_failure(envelope))
    return verified(row, copy)


def verified(row: Row, copy: Path) -> Row:
    url = devkit(copy, "db", "url", "--no-input")
    if url.returncode != 0:
        return failed(row, "verify", f"devkit db url exited {url.returncode}: {url.stderr.strip()}", "")
    try:
        row.verified, problem = verify(url.stdout.strip())
    except psycopg.Error as error:
        problem = f"{type(error).__name__}: {error}".strip()
    if problem:
        return failed(row, "verify", problem, "")
    row.green = True
    return row


def failed(row: Row, step: str, cause: str, hint: str, details: str = "") -> Row:
    row.step, row.cause, row.hint = step, " ".join(cause.split()), " ".join(hint.split())
    row.details = " ".join(details.split())
    row.named = names_the_change(row.cause, row.hint)
    return row


def trimmed(text: str, limit: int = TRIM) -> str:
    text = LOG_REFERENCE.sub("(log)", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(rows: list[Row]) -> str:
    lines = [
        "| project | first run green | first failure (step, cause) | cause named with the change | seconds |",
        "| --- | --- | --- | --- | ---: |",
    ]
    for row in rows:
        failure = "-" if row.green else f"**{row.step}**: {trimmed(row.cause)}".replace("|", "\\|")
        named = "-" if row.named is None else ("yes" if row.named else "no")
        green = "yes" if row.green else "no"
        lines.append(f"| {row.project} | {green} | {failure} | {named} | {row.seconds:.1f} |")
    return "\n".join(lines)


def failures(rows: list[Row]) -> str:
    lines = []
    for row in rows:
        if not row.green:
            lines.append(f"- {row.project} [{row.step}] {trimmed(row.cause, 400)}")
            if row.hint:
                lines.append(f"    hint: {trimmed(row.hint, 400)}")
            if row.details:
                lines.append(f"    details: {trimmed(row.details, 400)}")
    return "\n".join(lines)


def totals(rows: list[Row]) -> str:
    count = len(rows)
    red = [r for r in rows if not r.green]
    steps = Counter(r.step for r in red)
    named = sum(1 for r in red if r.named)
    by_step = ", ".join(f"{step} {n}" for step, n in steps.most_common()) or "none"
    return "\n".join(
        [
            f"green {count - len(red)}/{count}",
            f"failed {len(red)}/{count}; first failure by step: {by_step}",
            f"cause named with the change: {named}/{len(red)} of the failures",
            f"seconds: {sum(r.seconds for r in rows):.1f} in all",
        ]
    )


def projects(corpus: Path, only: list[str]) -> list[Path]:
    found = sorted(p for p in corpus.iterdir() if p.is_dir())
    if only:
        unknown = set(only) - {p.name for p in found}
        if unknown:
            sys.exit(f"not in {corpus}: {', '.join(sorted(unknown))}")
        found = [p for p in found if p.name in only]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--timeout", type=float, default=1800, help="per devkit command (s)")
    args = parser.parse_args()
    corpus = args.corpus if args.corpus.is_absolute() else (REPO / args.corpus)
    chosen = projects(corpus.resolve(), args.only)
    args.out.mkdir(parents=True, exist_ok=True)
    args.out.chmod(0o755)  # as root, the clusters run as `postgres`, which must enter the copies
    # A new user's machine: no registry of checkouts set up before (no run branches from another).
    os.environ["DEVKIT_STATE_HOME"] = str(args.out / ".machine-state")
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(lambda source: run_project(source, args.out, args.timeout), chosen))
    report = "\n\n".join(part for part in (table(rows), failures(rows), totals(rows)) if part) + "\n"
    (args.out / "table.md").write_text(report)
    (args.out / "results.json").write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    print()
    print(report, end="")


if __name__ == "__main__":
    main()
