"""One example brought up once for the doctor tests; each test breaks it for real, then it is
repaired and must be healthy again."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import reachable_dir
from tests.support.project import Ran, copy_example, devkit, pin_provider, stop_native


@dataclass(frozen=True)
class Doctor:
    ran: Ran
    data: dict[str, Any]

    @property
    def checks(self) -> dict[str, dict[str, Any]]:
        return {c["name"]: c for c in self.data["checks"]}

    def status(self, name: str) -> str:
        return self.checks[name]["status"]

    def problems(self) -> list[str]:
        return [c["name"] for c in self.data["checks"] if c["status"] == "problem"]


def doctor(project: Path, *args: str, env: dict[str, str] | None = None) -> Doctor:
    """`devkit doctor --json ARGS` on the project; the JSON from stdout, the console on stderr."""
    ran = devkit("doctor", "--json", *args, project=project, env=env)
    assert ran.out.strip(), ran.text
    return Doctor(ran, json.loads(ran.out))


@contextmanager
def edited(path: Path, new_text: str) -> Iterator[str]:
    """Replace a file's text for the block; restore it (or remove it if it did not exist)."""
    before = path.read_text() if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new_text)
    try:
        yield before or ""
    finally:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(before)


def sql(project: Path, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run SQL as the project's database user (the credentials devkit keeps in .devkit/)."""
    import psycopg

    state = json.loads((project / ".devkit" / "state.json").read_text())
    password = json.loads((project / ".devkit" / "secrets.json").read_text())["database.password"]
    with psycopg.connect(
        host="127.0.0.1",
        port=state["native"]["port"],
        user="demo",
        password=password,
        dbname="tenant_demo",
        autocommit=True,
    ) as db:
        cur = db.execute(query, params)
        return cur.fetchall() if cur.description else []


@pytest.fixture(scope="session")
def demo() -> Iterator[Path]:
    """The example, up once for all doctor tests (native provider): ~10 s."""
    folder = reachable_dir("devkit-doctor-")
    project = copy_example(folder / "tenant-demo")
    pin_provider(project, "native")
    ran = devkit("up", "--no-input", project=project)
    assert ran.code == 0, ran.text
    yield project
    stop_native(project)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def project(demo: Path) -> Iterator[Path]:
    """The shared example; after the test, `devkit up` repairs it and doctor must be clean."""
    yield demo
    repaired = devkit("up", "--no-input", project=demo)
    assert repaired.code == 0, repaired.text
    after = doctor(demo)
    assert after.ran.code == 0, f"the test left a problem behind: {after.problems()}"
