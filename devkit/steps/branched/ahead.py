"""What a branch's first run starts early: the check of the copied superuser password as soon as
the copy answers, and the facts beside the env step's settings trace: the source's own when they
were read from the same inputs (project/facts.py adopt()), else the probe.

In a branch whose env file came from its source, the env step usually changes nothing: the facts
the probe read ahead are then the ones the tenants and docs steps ask for (the same cache key),
and they find them read or being read (project/facts.py shares a running probe). When the env
step does change an input, the key changes and the facts are read again; a probe that failed
ahead is run again by the step that needs it, which reports the failure. The password check
uses the source's description of the user table; the tenants step uses its answer only when its
own facts describe the same table.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from devkit.context import Context
from devkit.core.state import read_json
from devkit.project import facts as project_facts
from devkit.steps.branched.superuser import password_problem, user_table


class Ahead:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="devkit-ahead")
        self._password: Future[str | None] | None = None
        self._facts: Future[dict[str, Any]] | None = None
        self._theirs: dict[str, Any] = {}

    def check_password(self, ctx: Context, source: Path) -> None:
        """Start the superuser password check, with the source's description of the user table
        (once per run; the database step starts it as soon as the copy answers)."""
        with self._lock:
            if self._password is not None or self._theirs:
                return
            self._theirs = read_json(source / ".devkit" / "facts.json").get("facts") or {}
            if self._theirs.get("user_model"):
                self._password = self._pool.submit(password_problem, ctx, self._theirs)

    def read_facts(self, ctx: Context, source: Path) -> None:
        """The facts as the project stands now (once per run; the env step asks): the source's,
        when they were read from the same inputs (project/facts.py adopt()), else the probe,
        started now."""
        with self._lock:
            if self._facts is not None:
                return
            django = ctx.django()  # not the context's own cache of facts: the steps' keys decide
            key = project_facts.cache_key(django)
            adopted = project_facts.adopt(django, source / ".devkit" / "facts.json", key)
            if adopted is None:
                self._facts = self._pool.submit(project_facts.load, django, key=key)
                return
            self._facts = Future()
            self._facts.set_result(adopted)
        ctx.notes.append(
            f"facts: {source}'s own, read from the same sources, packages and settings variables "
            "(the project's Django was not asked again)"
        )

    def password_problem(self, ctx: Context, facts: dict[str, Any]) -> str | None:
        """The check started ahead when it was about this very table, else the check now."""
        with self._lock:
            ahead = self._password
        if ahead is not None and user_table(self._theirs) == user_table(facts):
            return ahead.result()
        return password_problem(ctx, facts)
