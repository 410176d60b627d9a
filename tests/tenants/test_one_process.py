"""The tenant sequence in one Django process (tenants.one_process): per-action logs, failures named
per action, and the per-command path (one_process = false) giving the same database."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from devkit.tenants.one_process import MARK, split
from tests.support.project import db_url, devkit, set_config

BOOM = """
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "fails half-way, as a project command can"

    def handle(self, *args, **options):
        self.stdout.write("boom: starting")
        raise RuntimeError("boom: the tenant table is locked")
"""


def test_split_frames_each_action_and_an_unfinished_one() -> None:
    output = "\n".join(
        [
            "boot noise",
            f"{MARK} begin 1",
            "Operations to perform:",
            f"{MARK} end 1 0 0.50",
            f"{MARK} begin 2",
            "Traceback (most recent call last):",
        ]
    )
    segments = split(output + "\n")
    assert segments[1].lines == ["Operations to perform:"]
    assert (segments[1].code, segments[1].seconds) == (0, 0.5)
    assert segments[2].lines == ["Traceback (most recent call last):"] and segments[2].code is None


def tenants_and_users(project: Path) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    with psycopg.connect(db_url(project)) as db:
        tenants = db.execute("SELECT schema_name FROM customers_client ORDER BY 1").fetchall()
        users = db.execute("SELECT username FROM public.auth_user ORDER BY 1").fetchall()
    return tenants, users


@pytest.mark.e2e
def test_a_failing_command_is_named_with_its_own_log_and_stops_the_sequence(example: Path) -> None:
    commands = example / "backend" / "customers" / "management" / "commands"
    (commands / "boom.py").write_text(BOOM)
    text = (
        (example / "devkit.toml")
        .read_text()
        .replace("[tenants]\n", '[tenants]\nmigrate_tenants = "boom"\n', 1)
    )
    (example / "devkit.toml").write_text(text + '\n[node]\ndir = ""\n')
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 1, ran.text
    assert "`python manage.py boom` exited with 1" in ran.text
    assert "RuntimeError: boom: the tenant table is locked" in ran.text
    assert "tenants.migrate_tenants" in ran.text and "not ready" in ran.text
    logs = example / ".devkit" / "logs" / "latest"
    log = (logs / "tenants-03-migrate_tenants.log").read_text()
    assert "manage.py boom" in log and "# exit 1" in log and "boom: starting" in log
    assert "Traceback" in log
    assert "migrate_schemas --shared" in (logs / "tenants-01-migrate_shared.log").read_text()
    assert not list(logs.glob("tenants-04-*.log"))  # the sequence stopped at the failure

    # Fixed: the run goes on from where it stopped, in one process again.
    (commands / "boom.py").write_text(
        BOOM.replace('raise RuntimeError("boom: the tenant table is locked")', "")
    )
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    assert tenants_and_users(example) == ([("guest",), ("public",)], [("admin",)])


@pytest.mark.e2e
def test_one_process_false_runs_a_manage_py_process_per_command(example: Path) -> None:
    set_config(example, '[node]\ndir = ""\n')
    text = (example / "devkit.toml").read_text().replace("[tenants]\n", "[tenants]\none_process = false\n", 1)
    (example / "devkit.toml").write_text(text)
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    logs = example / ".devkit" / "logs" / "latest"
    assert not list(logs.glob("*-process.log"))
    assert "tenants.one_process" not in (logs / "tenants-01-migrate_shared.log").read_text()
    assert tenants_and_users(example) == ([("guest",), ("public",)], [("admin",)])
