"""What the checks share, computed once however many checks ask, from any thread.

The configuration, the Context, the provider, one connection attempt and ONE probe process for
the Django facts (devkit.project.facts caches it across runs, keyed like `devkit up`'s).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from devkit.config.model import Config
from devkit.core.errors import DevkitError

T = TypeVar("T")


class Skip(Exception):
    """Raised by a check whose prerequisite (the database, the Django settings) is missing."""


class DoctorEnv:
    def __init__(self, root: Path | None, load: Callable[[], Config]) -> None:
        self.root = root
        self._load = load
        self.ui: Any = None  # set by the command: fixes print the steps they run
        self._values: dict[str, Any] = {}
        self._errors: dict[str, BaseException] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _once(self, key: str, compute: Callable[[], T]) -> T:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key in self._errors:
                raise self._errors[key]
            if key not in self._values:
                try:
                    self._values[key] = compute()
                except (DevkitError, Skip, OSError) as exc:
                    self._errors[key] = exc
                    raise
            return self._values[key]

    # -- configuration ---------------------------------------------------------------------
    def config_error(self) -> DevkitError | None:
        try:
            self.config  # noqa: B018
        except DevkitError as exc:
            return exc
        return None

    @property
    def config(self) -> Config:
        return self._once("config", self._load)

    def need_config(self) -> Config:
        try:
            return self.config
        except DevkitError as exc:
            raise Skip("the devkit configuration does not load") from exc

    @property
    def ctx(self) -> Any:
        def create() -> Any:
            from devkit.context import Context

            return Context.create(self.need_config(), no_input=True)

        return self._once("ctx", create)

    # -- database --------------------------------------------------------------------------
    @property
    def provider(self) -> Any:
        return self._once("provider", lambda: self.ctx.provider)

    def connection(self) -> Any:
        """The connection the project would get, running or not; None if there is none yet."""

        def find() -> Any:
            provider = self.provider
            conn = provider.current()
            if conn is None and provider.name == "native" and provider.port:
                conn = provider.connection()  # recorded port: try it to name the cause
            if conn is not None:
                self.ctx.set_connection(conn)  # the project's env, as `devkit up` gives it
            return conn

        return self._once("connection", find)

    def probe(self) -> Any:
        """One classified connection attempt (database.wait), or None without a connection."""

        def attempt() -> Any:
            from devkit.database.wait import try_connect

            conn = self.connection()
            return try_connect(conn, confirm=self.provider.confirm) if conn is not None else None

        return self._once("probe", attempt)

    def ready_connection(self) -> Any:
        """The connection when it answers; otherwise Skip (the database check says why)."""
        try:
            probe = self.probe()
        except DevkitError as exc:
            raise Skip("the database is not available") from exc
        if probe is None or probe.outcome != "ready":
            raise Skip("the database is not reachable")
        return self.connection()

    # -- Django ----------------------------------------------------------------------------
    def facts(self) -> dict[str, Any]:
        """The Django facts from the one probe (cached by devkit.project.facts across runs)."""

        def load() -> dict[str, Any]:
            with contextlib.suppress(DevkitError):  # no provider: the environment as it is
                self.connection()
            return self.ctx.facts()

        return self._once("facts", load)

    def need_facts(self) -> dict[str, Any]:
        from devkit.project.django import NoVirtualenv

        try:
            return self.facts()
        except NoVirtualenv as exc:
            raise Skip(f"no virtualenv yet ({exc.hint})") from exc
        except DevkitError as exc:
            raise Skip("the Django settings do not load") from exc

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Share any other computed value between checks (e.g. the tenant rows)."""
        return self._once(f"memo:{key}", compute)
