"""Fault-injection campaigns against `devkit up` (issue 10). Not a test; prints a table.

    .venv/bin/python bench/faults.py [--kills N] [--concurrent N] [--only kills,concurrent,...]

On copies of examples/tenant-demo (native provider), with the real CLI as real processes:

  kills        `kill -9` of devkit alone at spread moments of a first run (inside initdb, the
               server start, the venv, pip, npm, spread over the tenant sequence, fixed times) and of a forced
               run (`up --force`); then ONE `devkit up` must exit 0, a further run must find
               every step fresh, no command of the killed run may still be working and no
               temporary cluster folder or password file may be left.
  dev-tenants  `kill -9` of devkit alone while 30 development tenants are created (dev_count set
               after a first run; half with the template's dump kept from an earlier creation);
               then the same convergence, and every tenant verified.
  concurrent   two `devkit up` at once on a fresh copy: both exit 0, the one that waited for the
               lock finds every step fresh.
  bad inputs   tests.faults.bad_inputs (CASES, run_case): clear message, documented exit code,
               no traceback.
  data safety  user data, user lines and other projects: copies, stale pid files, lost state,
               refused deletions, re-runs.

Nothing here asserts timings; the table counts tried/passed per campaign.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from devkit.core import envfile  # noqa: E402
from tests.faults.support import (  # noqa: E402
    Moment,
    kill_at,
    live_members,
    recorded_groups,
    statuses,
    up_json,
)
from tests.support.postgres import Cluster, free_port  # noqa: E402
from tests.support.project import copy_example, devkit, pin_provider, stop_native  # noqa: E402

FIRST_RUN = [
    Moment("first: initdb starts", ("initdb",)),
    Moment("first: inside initdb (+0.2s)", ("initdb",), after=0.2),
    Moment("first: inside initdb (+0.6s)", ("initdb",), after=0.6),
    Moment("first: server starting", ("postgres -D", "/.devkit/postgres/data ")),
    Moment("first: venv creation", ("uv", "venv")),
    Moment("first: pip install", ("pip", "install")),
    Moment("first: pip install (+3s)", ("pip", "install"), after=3.0),
    Moment("first: npm ci", ("npm", "ci")),
    Moment("first: npm ci (+3s)", ("npm", "ci"), after=3.0),
    Moment("first: probe (manage.py shell)", ("manage.py", "probe facts.py")),
    # The tenant sequence runs in one Django process (tenants.one_process): kills spread over it
    # land in the boot, migrate_schemas --shared, the tenant creations and the superuser.
    Moment("first: tenant sequence starts", ("manage.py", "probe sequence.py")),
    Moment("first: tenant sequence (+0.3s)", ("manage.py", "probe sequence.py"), after=0.3),
    Moment("first: tenant sequence (+0.6s)", ("manage.py", "probe sequence.py"), after=0.6),
    Moment("first: tenant sequence (+0.9s)", ("manage.py", "probe sequence.py"), after=0.9),
    Moment("first: tenant sequence (+1.2s)", ("manage.py", "probe sequence.py"), after=1.2),
    Moment("first: at 0.5s", after=0.5),
    Moment("first: at 2s", after=2.0),
    Moment("first: at 3.5s", after=3.5),
]
FORCED_RUN = [
    Moment("forced: at 0.3s", after=0.3),
    Moment("forced: npm ci", ("npm", "ci")),
    Moment("forced: tenant sequence (+0.3s)", ("manage.py", "probe sequence.py"), after=0.3),
    Moment("forced: tenant sequence (+0.9s)", ("manage.py", "probe sequence.py"), after=0.9),
    Moment("forced: at 1s", after=1.0),
    Moment("forced: at 1.6s", after=1.6),
]

# Creating 30 development tenants after a first run (tenants.dev_count set): kills spread over the
# Django boot, the template's migration and dump, the rows and the replays. The sequence's process
# lives about 1.4 s here (1.0 s with the dump kept: the odd ones) when no mass deletion slowed the
# file system down (bench/tenants.py says why), up to twice that after one.
DEV_TENANTS = 30
DEV_TENANTS_RUN = [
    Moment("dev tenants: sequence starts", ("manage.py", "probe sequence.py")),
    Moment("dev tenants: (+0.3s)", ("manage.py", "probe sequence.py"), after=0.3),
    Moment("dev tenants: (+0.6s)", ("manage.py", "probe sequence.py"), after=0.6),
    Moment("dev tenants: (+0.8s)", ("manage.py", "probe sequence.py"), after=0.8),
    Moment("dev tenants: (+1.0s)", ("manage.py", "probe sequence.py"), after=1.0),
]


class Workspace:
    """Fresh copies of the example in a folder the postgres user can reach; all stopped at the end."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="devkit-faults-", dir="/tmp"))
        self.root.chmod(0o755)
        self.projects: list[Path] = []
        self.count = 0

    def fresh(self, name: str = "p") -> Path:
        self.count += 1
        project = copy_example(self.root / f"{name}{self.count}")
        pin_provider(project, "native")
        self.projects.append(project)
        return project

    def track(self, project: Path) -> Path:
        self.projects.append(project)
        return project

    def close(self) -> None:
        for project in self.projects:
            stop_native(project)
        shutil.rmtree(self.root, ignore_errors=True)


def converges(project: Path, moment: Moment, *extra: str) -> tuple[bool, str]:
    if not kill_at(project, moment, *extra):
        return False, "the moment was never reached (the run finished first)"
    groups = recorded_groups(project)
    code, _, text = up_json(project)
    if code != 0:
        return False, f"re-run exited {code}: {text.strip().splitlines()[-1:]}"
    if live_members(groups):
        return False, "commands of the killed run still working after the re-run"
    home = project / ".devkit" / "postgres"
    if list(home.glob("data.initdb-*")) or list(home.glob(".pw-*")):
        return False, "a temporary cluster folder or password file was left"
    code, payload, text = up_json(project)
    fresh = set(statuses(payload).values()) == {"skipped"}
    return (code == 0 and fresh), ("converged" if code == 0 and fresh else f"not fresh: {statuses(payload)}")


def campaign_kills(ws: Workspace, limit: int) -> list[tuple[str, bool, str]]:
    rows = []
    for moment in FIRST_RUN[:limit]:
        project = ws.fresh("kill")
        rows.append((moment.name, *converges(project, moment)))
        stop_native(project)  # one server at a time: the machine is shared
    forced = ws.fresh("forced")
    if len(rows) < limit:
        code, _, text = up_json(forced)
        assert code == 0, text
    for moment in FORCED_RUN[: max(0, limit - len(rows))]:
        rows.append((moment.name, *converges(forced, moment, "--force")))
    return rows


def campaign_dev_tenants(ws: Workspace) -> list[tuple[str, bool, str]]:
    """Each moment on a project that ran once; a kept template dump from an earlier creation
    exists for half of them (the replay then starts at once)."""
    rows = []
    for number, moment in enumerate(DEV_TENANTS_RUN):
        project = ws.fresh("dev")
        code, _, text = up_json(project)
        assert code == 0, text
        config = project / "devkit.toml"
        config.write_text(
            config.read_text().replace("[tenants]\n", f"[tenants]\ndev_count = {DEV_TENANTS}\n", 1)
        )
        if number % 2:  # a dump kept by an earlier creation of the same migrations
            config.write_text(config.read_text().replace(f"dev_count = {DEV_TENANTS}", "dev_count = 1"))
            code, _, text = up_json(project)
            assert code == 0, text
            config.write_text(config.read_text().replace("dev_count = 1", f"dev_count = {DEV_TENANTS}"))
        ok, detail = converges(project, moment)
        if ok:
            listed = devkit("--json", "tenants", "list", project=project)
            tenants = {t["schema"]: t for t in json.loads(listed.out)["tenants"]}
            made = [f"tenant{n}" for n in range(1, DEV_TENANTS + 1)]
            bad = [
                s
                for s in made
                if not tenants.get(s, {}).get("schema_exists") or tenants[s]["pending_migrations"]
            ]
            ok, detail = (
                (not bad),
                (f"{DEV_TENANTS} tenants verified" if not bad else f"not verified: {bad[:3]}"),
            )
        rows.append((moment.name + (" (dump kept)" if number % 2 else ""), ok, detail))
        stop_native(project)
    return rows


def campaign_concurrent(ws: Workspace, trials: int) -> list[tuple[str, bool, str]]:
    rows = []
    for number in range(1, trials + 1):
        project = ws.fresh("conc")
        argv = [sys.executable, "-m", "devkit", "up", "--no-input", "--json", "--project", str(project)]
        runs = [
            subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=900) for run in runs]
        codes = [run.returncode for run in runs]
        waited = [json.loads(out) for out, err in outputs if "waiting for another devkit" in err]
        fresh = len(waited) == 1 and {s["status"] for s in waited[0]["steps"]} == {"skipped"}
        ok = codes == [0, 0] and fresh
        rows.append((f"two first runs at once #{number}", ok, f"exit codes {codes}, waiter fresh: {fresh}"))
        stop_native(project)
    return rows


def campaign_bad_inputs(ws: Workspace) -> list[tuple[str, bool, str]] | None:
    try:
        from tests.faults import bad_inputs  # written on branch i10-input
    except ImportError:
        return None
    rows = []
    for case in bad_inputs.CASES:
        workdir = Path(tempfile.mkdtemp(prefix="bad-", dir=ws.root))
        workdir.chmod(0o755)
        try:
            ok, detail = bad_inputs.run_case(case, workdir)
        except Exception as exc:  # a broken case is a failed case, reported, not a crash
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        finally:
            bad_inputs.cleanup(workdir)  # the server of an "initialised" case: stopped, by its pid
        rows.append((str(getattr(case, "name", case)), ok, detail))
    return rows


# -- data safety ---------------------------------------------------------------------------------


def _url(project: Path) -> str:
    ran = devkit("db", "url", project=project)
    if ran.code != 0:
        raise AssertionError(f"db url exited {ran.code}: {ran.text.strip()[-200:]}")
    return ran.out.strip()


def _sql(project: Path, query: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(_url(project)) as db:
        cur = db.execute(query)
        return cur.fetchall() if cur.description else []


def _snapshot(project: Path) -> list[tuple[object, ...]]:
    """The user-visible database: schemas, tenants, users, migrations, the user's own table."""
    return [
        *_sql(project, "SELECT schema_name FROM information_schema.schemata ORDER BY 1"),
        *_sql(project, "SELECT schema_name FROM customers_client ORDER BY 1"),
        *_sql(project, "SELECT username, password FROM auth_user ORDER BY 1"),
        *_sql(project, "SELECT count(*) FROM django_migrations"),
        *_sql(project, "SELECT v FROM user_data ORDER BY 1"),
    ]


class Safety:
    """The data-safety set: each check returns a one-line detail or raises AssertionError."""

    def __init__(self, ws: Workspace, pg: Cluster) -> None:
        self.ws, self.pg = ws, pg
        self.a = ws.fresh("safe")
        code, _, text = up_json(self.a)
        assert code == 0, text
        _sql(self.a, "CREATE TABLE user_data (v text); INSERT INTO user_data VALUES ('mine')")
        self.before = _snapshot(self.a)
        self.b = ws.track(self.a.with_name(self.a.name + "-copy"))
        subprocess.run(["cp", "-a", str(self.a), str(self.b)], check=True)

    def checks(self) -> list[tuple[str, Callable[[], str]]]:
        return [
            ("down in a copy before its first up touches nothing", self.copy_down_first),
            ("a copy's up gets its own cluster and port and says so", self.copy_up),
            ("down --volumes --yes in a copy keeps the original's data", self.copy_remove),
            ("down with a stale pid file naming a live foreign postgres", self.pidfile_down),
            ("up with a stale pid file naming a live foreign postgres", self.pidfile_up),
            ("down --volumes without --yes deletes nothing", self.refused),
            ("a data dir in state.json without this project's marker is never deleted", self.foreign_dir),
            ("truncated state.json: the server is found, data kept", self.truncated_state),
            ("deleted secrets.json: new password, data kept, superuser authenticates", self.lost_secrets),
            ("up --force leaves the database as it was", self.forced_rerun),
            ("bytes outside devkit's env-file block survive up --force", self.env_bytes),
            ("env file without devkit's END marker: the user's lines are kept", self.env_end_marker),
            ("another server on the kept port (trust auth): nothing written there", self.foreign_trust),
            (
                "another server on the kept port (password auth): named, not a wrong password",
                self.foreign_scram,
            ),
            ("an empty postmaster.pid with the server stopped: moved aside, started", self.empty_pidfile),
            (
                "devkit's template name refused as a tenant; rows written in the template reach no clone",
                self.template,
            ),
        ]

    def copy_down_first(self) -> str:
        for args in (("down",), ("down", "--volumes", "--yes")):
            ran = devkit(*args, project=self.b)
            assert ran.code == 0, ran.text
        assert _snapshot(self.a) == self.before
        return "original running, data identical"

    def copy_up(self) -> str:
        code, payload, text = up_json(self.b)
        assert code == 0, text[-300:]
        assert "is a copy of" in text
        port_a = json.loads((self.a / ".devkit" / "state.json").read_text())["native"]["port"]
        assert payload["connection"]["port"] != port_a  # type: ignore[index]
        return f"own port {payload['connection']['port']}"  # type: ignore[index]

    def copy_remove(self) -> str:
        ran = devkit("down", "--volumes", "--yes", project=self.b)
        assert ran.code == 0, ran.text
        assert _snapshot(self.a) == self.before
        return ran.out.strip()[-80:]

    def _plant_foreign_pidfile(self) -> int:
        pidfile = self.a / ".devkit" / "postgres" / "data" / "postmaster.pid"
        shutil.copy(self.pg.data / "postmaster.pid", pidfile)
        shutil.chown(pidfile, "postgres", "postgres")
        return int(pidfile.read_text().split("\n", 1)[0])

    def pidfile_down(self) -> str:
        assert devkit("down", project=self.a).code == 0
        pid = self._plant_foreign_pidfile()
        ran = devkit("down", project=self.a)
        assert ran.code == 0 and "stale" in ran.text, ran.text
        assert self.pg.sql("SELECT 1") == [(1,)] and Path(f"/proc/{pid}").exists()
        return "foreign server untouched"

    def pidfile_up(self) -> str:
        pid = self._plant_foreign_pidfile()
        code, _, text = up_json(self.a)
        assert code == 0, text[-300:]
        assert self.pg.sql("SELECT 1") == [(1,)] and Path(f"/proc/{pid}").exists()
        assert _snapshot(self.a) == self.before
        return "ours started, foreign untouched"

    def refused(self) -> str:
        ran = devkit("down", "--volumes", "--no-input", project=self.a)
        assert ran.code == 2, ran.text
        assert (self.a / ".devkit" / "postgres" / "data" / "PG_VERSION").is_file()
        assert up_json(self.a)[0] == 0 and _snapshot(self.a) == self.before
        return "exit 2, data kept"

    def foreign_dir(self) -> str:
        other = self.ws.fresh("other")
        foreign = other / "their-data"
        foreign.mkdir()
        (foreign / "PG_VERSION").write_text("15\n")
        state = other / ".devkit"
        state.mkdir()
        (state / "state.json").write_text(json.dumps({"native": {"data_dir": str(foreign), "port": 1}}))
        ran = devkit("down", "--volumes", "--yes", project=other)
        assert (foreign / "PG_VERSION").exists(), ran.text
        return f"exit {ran.code}, kept"

    def truncated_state(self) -> str:
        state = self.a / ".devkit" / "state.json"
        state.write_text(state.read_text()[:30])
        ran = devkit("down", project=self.a)
        assert ran.code == 0 and "stopped" in ran.text, ran.text
        code, _, text = up_json(self.a)
        assert code == 0, text[-300:]
        assert _snapshot(self.a) == self.before
        return "set aside, rebuilt"

    def lost_secrets(self) -> str:
        (self.a / ".devkit" / "secrets.json").unlink()
        assert devkit("db", "url", project=self.a).code == 3  # never an unverified password
        code, _, text = up_json(self.a)
        assert code == 0, text[-300:]
        secrets = json.loads((self.a / ".devkit" / "secrets.json").read_text())
        check = (
            "import os; from django.contrib.auth import get_user_model;"
            "from django_tenants.utils import schema_context\n"
            "with schema_context('public'):"
            " print('AUTH', get_user_model().objects.get(username='admin').check_password(os.environ['PW']))"
        )
        ran = subprocess.run(
            [str(self.a / ".venv/bin/python"), "manage.py", "shell", "-c", check],
            cwd=self.a / "backend",
            env={**os.environ, "PW": secrets["superuser.password"]},
            capture_output=True,
            text=True,
        )
        assert "AUTH True" in ran.stdout, ran.stdout + ran.stderr
        self.before = _snapshot(self.a)  # the superuser's hash changed on purpose
        assert _sql(self.a, "SELECT v FROM user_data") == [("mine",)]
        return "data kept, both stored passwords authenticate"

    def forced_rerun(self) -> str:
        code, _, text = up_json(self.a, "--force")
        assert code == 0, text[-300:]
        assert _snapshot(self.a) == self.before
        return "identical"

    def env_bytes(self) -> str:
        env = self.a / ".env"
        env.write_text("# mine above\n\n" + env.read_text() + "\nMINE=1\n\n# trailing\n")
        before = env.read_text()
        code, _, text = up_json(self.a, "--force")
        assert code == 0, text[-300:]
        assert env.read_text() == before, "bytes outside the block changed"
        return "byte-identical"

    def env_end_marker(self) -> str:
        env = self.a / ".env"
        lines = env.read_text().splitlines(keepends=True)
        end = [i for i, line in enumerate(lines) if line.strip() == envfile.END]
        assert end, "no END marker found"
        del lines[end[0]]
        env.write_text("".join(lines) + "USER_LINE=keep\n")
        for _ in range(2):
            code, _, text = up_json(self.a, "--force", "--only", "database")
            assert code == 0, text[-300:]
        assert "USER_LINE=keep" in env.read_text()
        return "user line kept"

    def _foreign(self, auth: str) -> str:
        """Issue 23 #2/#3: the project's server down, another one on its port with its role."""
        assert devkit("down", project=self.a).code == 0
        port = json.loads((self.a / ".devkit" / "state.json").read_text())["native"]["port"]
        folder = Path(tempfile.mkdtemp(prefix=f"faults-other-{auth}-", dir="/tmp"))
        folder.chmod(0o755)
        other = Cluster(folder, int(port), user="demo", auth=auth).init().start()
        try:
            other.sql("CREATE DATABASE tenant_demo")
            code, payload, text = up_json(self.a)
            assert code == 0, text[-300:]
            assert f"port {port} is taken by" in text and "wrong-password" not in text, text[-300:]
            written = other.sql(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN "
                "('pg_catalog', 'information_schema')",
                db="tenant_demo",
            )
            assert written == [(0,)], f"{written[0][0]} tables written into the other server"
            assert _snapshot(self.a) == self.before
            return f"moved to port {payload['connection']['port']}, 0 tables there"  # type: ignore[index]
        finally:
            other.stop()
            shutil.rmtree(folder, ignore_errors=True)

    def foreign_trust(self) -> str:
        return self._foreign("trust")

    def foreign_scram(self) -> str:
        return self._foreign("scram-sha-256")

    def empty_pidfile(self) -> str:
        assert devkit("down", project=self.a).code == 0
        pidfile = self.a / ".devkit" / "postgres" / "data" / "postmaster.pid"
        pidfile.write_bytes(b"")
        code, _, text = up_json(self.a)
        assert code == 0 and "postmaster.pid aside" in text, text[-300:]
        assert _snapshot(self.a) == self.before
        return "moved aside, data kept"

    def template(self) -> str:
        ran = devkit("tenants", "add", "devkit_tenant_template", project=self.a)
        assert ran.code == 2 and "devkit_" in ran.text, ran.text
        assert devkit("tenants", "add", "first", project=self.a).code == 0
        _sql(self.a, "INSERT INTO devkit_tenant_template.crm_contact (name, email) VALUES ('leak', 'l@x')")
        (self.a / ".devkit" / "tenant-template.sql").unlink(missing_ok=True)
        added = devkit("tenants", "add", "second", project=self.a)
        assert added.code == 0 and "renamed to" in added.text, added.text
        assert _sql(self.a, "SELECT count(*) FROM second.crm_contact") == [(0,)]
        for schema in ("first", "second"):
            assert devkit("tenants", "rm", schema, "--yes", project=self.a).code == 0
        self.before = _snapshot(self.a)  # the template set aside is a schema of its own now
        return "refused; set aside, new tenant empty"


def campaign_safety(ws: Workspace) -> list[tuple[str, bool, str]]:
    pg_dir = Path(tempfile.mkdtemp(prefix="faults-pg-", dir="/tmp"))
    pg_dir.chmod(0o755)
    pg = Cluster(pg_dir, free_port()).init().start()
    rows = []
    try:
        safety = Safety(ws, pg)
        for name, check in safety.checks():
            try:
                rows.append((name, True, check()))
            except Exception as exc:  # a failed check is a row, and the campaign goes on
                lines = str(exc).strip().splitlines()[-1:] or [type(exc).__name__]
                detail = lines[0] if isinstance(exc, AssertionError) else repr(exc)
                rows.append((name, False, detail[:160]))
                if not isinstance(exc, AssertionError):
                    traceback.print_exc()
    finally:
        pg.stop()
        shutil.rmtree(pg_dir, ignore_errors=True)
    return rows


def isolate() -> None:
    cache = Path(os.environ.get("DEVKIT_TEST_CACHE", "/tmp/devkit-test-cache"))
    os.environ.setdefault("PIP_CACHE_DIR", str(cache / "pip"))
    os.environ.setdefault("NPM_CONFIG_CACHE", str(cache / "npm"))
    for var in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV", "DEVKIT_DATABASE_PROVIDER"):
        os.environ.pop(var, None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=len(FIRST_RUN) + len(FORCED_RUN))
    parser.add_argument("--concurrent", type=int, default=3)
    parser.add_argument("--only", default="kills,dev-tenants,concurrent,bad-inputs,safety")
    args = parser.parse_args()
    isolate()
    wanted = set(args.only.split(","))
    ws = Workspace()
    os.environ["DEVKIT_NATIVE_FALLBACK"] = str(ws.root / "fallback")
    table: list[tuple[str, list[tuple[str, bool, str]] | None]] = []
    try:
        campaigns: list[tuple[str, str, Callable[[], list[tuple[str, bool, str]] | None]]] = [
            (
                "kills",
                "kill -9 at a moment of a first/forced run, then up",
                lambda: campaign_kills(ws, args.kills),
            ),
            (
                "dev-tenants",
                f"kill -9 while {DEV_TENANTS} development tenants are created, then up",
                lambda: campaign_dev_tenants(ws),
            ),
            (
                "concurrent",
                "two devkit up at once on a fresh project",
                lambda: campaign_concurrent(ws, args.concurrent),
            ),
            (
                "bad-inputs",
                "bad inputs: clear message, documented code, no traceback",
                lambda: campaign_bad_inputs(ws),
            ),
            ("safety", "data safety (user data, user lines, other projects)", lambda: campaign_safety(ws)),
        ]
        for key, title, run in campaigns:
            if key in wanted:
                table.append((title, run()))
    finally:
        ws.close()
    for title, rows in table:
        print(f"\n## {title}")
        if rows is None:
            print("bad inputs: (module not available)")
            continue
        for name, ok, detail in rows:
            print(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}")
    print("\n| area | tried | passed |\n| --- | --- | --- |")
    for title, rows in table:
        if rows is None:
            print(f"| {title} | (module not available) | - |")
        else:
            print(f"| {title} | {len(rows)} | {sum(ok for _, ok, _ in rows)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
