"""What every step sees: configuration, state, secrets, the chosen provider and the connection."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from devkit.config import Config
from devkit.database.base import Connection, Provider
from devkit.errors import DatabaseError
from devkit.state import Secrets, State


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
    _connection: Connection | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _run_logs: Path | None = None
    _logs_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, config: Config, **kwargs: object) -> Context:
        config.state_dir.mkdir(parents=True, exist_ok=True)
        return cls(config, State(config.state_dir), Secrets(config.state_dir), **kwargs)  # type: ignore[arg-type]

    @property
    def provider(self) -> Provider:
        with self._lock:
            if self._provider is None:
                from devkit.database.select import choose

                self._provider, self._provider_reason = choose(
                    self.config, self.state, self.secrets, recreate=self.recreate
                )
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
                from devkit.runlogs import new_run_folder

                self._run_logs = new_run_folder(self.config.state_dir / "logs")
            return self._run_logs

    def shown_logs(self) -> Path:
        """Where this run's logs are, without making a run folder for a run that logged nothing."""
        return self._run_logs or self.config.state_dir / "logs"

    @property
    def venv(self) -> Path:
        return self.config.path(self.config.python.venv)

    @property
    def project_python(self) -> Path:
        if self.python_override:
            return Path(self.python_override)
        return self.venv / "bin" / "python"

    def command_env(self) -> dict[str, str]:
        """Variables for every project command: the mapped connection, no input, no buffering."""
        env = {"PYTHONUNBUFFERED": "1"}
        if self._connection is not None:
            env.update(self._connection.environment(self.config.database.env))
        if self.python_override is None and self.venv.is_dir():
            env["VIRTUAL_ENV"] = str(self.venv)
            env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        return env
