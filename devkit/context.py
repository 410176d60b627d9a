"""What every step sees: configuration, state, secrets, the chosen provider and the connection."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.config.model import Config
from devkit.core import envfile
from devkit.core.errors import DatabaseError
from devkit.core.state import Secrets, State
from devkit.database.base import Connection, Provider
from devkit.project import facts as project_facts
from devkit.project.django import Django


@dataclass
class Context:
    config: Config
    state: State
    secrets: Secrets
    no_input: bool = True
    verbose: int = 0
    profile: str = "dev"  # dev (devkit up) | deploy (devkit migrate)
    python_override: str | None = None  # --python: an interpreter instead of the project's venv
    recreate: bool = False  # --recreate: a provider may re-create its server (data kept)
    notes: list[str] = field(default_factory=list)  # shown at the end
    secret_notes: list[str] = field(default_factory=list)  # a new password: shown once, on a TTY
    _provider: Provider | None = None
    _provider_reason: str = ""
    _provider_chosen: bool = False  # by choose(), from the configuration: re-resolved after the lock
    _connection: Connection | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # What a running step is doing now ("migrate_schemas --tenant (3/5)"): the UI shows it.
    on_progress: Callable[[str, str], None] = lambda step, text: None
    _reporting: threading.local = field(default_factory=threading.local)
    _run_logs: Path | None = None
    _logs_lock: threading.Lock = field(default_factory=threading.Lock)
    # The facts of this run: (their cache key, the facts), read once and shared by every step;
    # forgotten when a step ran (it may have changed their inputs: packages, the env file).
    _facts: dict[str, Any] = field(default_factory=dict)
    _facts_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, config: Config, **kwargs: object) -> Context:
        config.state_dir.mkdir(parents=True, exist_ok=True)
        ctx = cls(config, State(config.state_dir), Secrets(config.state_dir), **kwargs)  # type: ignore[arg-type]
        ctx.secrets.check()
        ctx.note_state_recovery()
        return ctx

    def note_state_recovery(self) -> None:
        for kept in (self.state, self.secrets):
            aside = kept.set_aside
            if aside is not None and not any(str(aside) in n for n in self.notes):
                self.notes.append(
                    f"{kept.path.name} was damaged ({kept.set_aside_why}): set aside as {aside} and rebuilt"
                )

    def relock(self) -> None:
        """Just after taking the project lock: forget everything read before it (another devkit
        may have changed it while this one waited): check, lock, re-check."""
        self.state.reload()
        self.note_state_recovery()
        with self._lock:
            if self._provider_chosen:  # a provider given by the caller (devkit migrate) stays
                self._provider = None

    @contextmanager
    def reporting_as(self, step: str) -> Iterator[None]:
        """progress() calls from this thread belong to `step` (the runner wraps each step)."""
        self._reporting.step = step
        try:
            yield
        finally:
            self._reporting.step = None

    def progress(self, text: str, step: str | None = None) -> None:
        """Tell the person what the current step is doing now; a step's helper threads pass `step`."""
        name = step or getattr(self._reporting, "step", None)
        if name:
            self.on_progress(name, text)

    def progress_callback(self) -> Callable[[str], None]:
        """progress() bound to the current step, for threads a step starts (output readers)."""
        name = getattr(self._reporting, "step", None)
        return lambda text: self.progress(text, step=name)

    @property
    def provider(self) -> Provider:
        with self._lock:
            if self._provider is None:
                from devkit.database.select import choose

                self._provider, self._provider_reason = choose(
                    self.config, self.state, self.secrets, recreate=self.recreate
                )
                self._provider_chosen = True
            return self._provider

    @property
    def provider_reason(self) -> str:
        self.provider  # noqa: B018 - resolves the reason
        return self._provider_reason

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise DatabaseError(
                "no database connection yet: the database step did not run",
                hint="run `devkit up` without --skip database",
            )
        return self._connection

    def set_connection(self, connection: Connection) -> None:
        self._connection = connection

    @property
    def logs(self) -> Path:
        """This run's log folder (.devkit/logs/<run-id>/, `latest` points at it), made on first use."""
        with self._logs_lock:
            if self._run_logs is None:
                from devkit.core.runlogs import new_run_folder

                self._run_logs = new_run_folder(self.config.state_dir / "logs")
            return self._run_logs

    def shown_logs(self) -> Path:
        """Where this run's logs are, without making a run folder for a run that logged nothing."""
        return self._run_logs or self.config.state_dir / "logs"

    def django(self) -> Django:
        """The project's Django as this run runs it (interpreter, environment, logs, the tenant
        commands of this profile): what is handed to everything that runs Django."""
        commands = tuple(tuple(c) for c in self.config.tenants.probe_commands(self.profile))
        conn = self._connection
        connection = (
            {}
            if conn is None
            else {"host": conn.host, "port": str(conn.port), "name": conn.name, "user": conn.user}
        )
        return Django(
            self.config,
            self.project_python,
            self.venv,
            self.command_env(),
            lambda: self.logs,
            commands,
            connection,
        )

    def facts_inputs(self) -> dict[str, str]:
        """The inputs of the project's facts by name (its sources, the variables the settings
        read, packages), computed once per state of the inputs."""
        with self._facts_lock:
            if "inputs" not in self._facts:
                self._facts["inputs"] = project_facts.cache_inputs(self.django())
            return dict(self._facts["inputs"])

    def facts_key(self) -> str:
        """The cache key of the project's facts: the digest of facts_inputs()."""
        from devkit.core import inputs

        return inputs.digest(self.facts_inputs())

    def facts(self, refresh: bool = False) -> dict[str, Any]:
        """The project's facts, read once for this run (the probe runs only when its key changed)."""
        key = self.facts_key()
        with self._facts_lock:
            found = self._facts.get("facts")
            if found is not None and not refresh and self._facts.get("for") == key:
                return found
        loaded = project_facts.load(self.django(), refresh=refresh, key=key)
        with self._facts_lock:
            self._facts.update({"facts": loaded, "for": key})
        return loaded

    def inputs_changed(self) -> None:
        """A step ran: the facts' inputs may have changed; the next facts() computes the key anew."""
        with self._facts_lock:
            self._facts.clear()

    @property
    def venv(self) -> Path:
        return self.config.path(self.config.python.venv)

    @property
    def project_python(self) -> Path:
        if self.python_override:
            return Path(self.python_override)
        return self.venv / "bin" / "python"

    def command_env(self) -> dict[str, str]:
        """Variables for every project command devkit runs: project_env() and no buffering."""
        return {"PYTHONUNBUFFERED": "1", **self.project_env()}

    def project_env(self) -> dict[str, str]:
        """What a project command gets over the process environment, lowest to highest:
        the env file's variables (the user's lines and devkit's block), then the current
        connection for the keys devkit owns (database.env), then the venv (VIRTUAL_ENV, PATH).
        Shared by devkit's own commands and `devkit run` (docs/run.md)."""
        env = envfile.read_values(self.config.path(self.config.env_file)) if self.config.env_file else {}
        if self._connection is not None:
            env.update(self._connection.environment(self.config.database.env))
        if self.python_override is None and self.venv.is_dir():
            env["VIRTUAL_ENV"] = str(self.venv)
            env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        return env
