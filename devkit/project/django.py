"""The project's Django as devkit runs it: one value (made by the context) that says which
interpreter, manage.py and environment a project command gets, and where its logs go. What runs
Django (the facts probe, the tenant sequence, devkit's own creation) is handed this value, not
the whole context."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.config.model import Config
from devkit.core import proc
from devkit.core.errors import DevkitError, StepFailed
from devkit.core.state import read_json
from devkit.project import probe_failure

PROBES = Path(__file__).parent / "probe"


class NoVirtualenv(StepFailed):
    """The project's interpreter does not exist yet: nothing about Django can be known."""


@dataclass(frozen=True)
class Django:
    config: Config
    python: Path  # the project's interpreter: the venv's, or devkit migrate's --python
    venv: Path
    env: Mapping[str, str]  # what a project command gets over os.environ: env file, connection, venv
    logs: Callable[[], Path]  # this run's log folder, made on first use
    commands: tuple[tuple[str, ...], ...] = ()  # the tenant sequence's command lines (the probe checks them)
    connection: Mapping[str, str] = field(default_factory=dict)  # devkit's database: host, port, name, user

    def settings_module(self) -> str | None:
        """DJANGO_SETTINGS_MODULE as the project's commands see it (None: unset, manage.py decides)."""
        return {**os.environ, **self.env}.get("DJANGO_SETTINGS_MODULE")

    def check_settings_module(self) -> None:
        """Refuse before starting Django when DJANGO_SETTINGS_MODULE is set but empty."""
        value = self.settings_module()
        if value is not None and not value.strip():
            failure = probe_failure.empty_settings_module(self.config.manage_dir, self.config.root)
            raise StepFailed(failure.message, hint=failure.hint)

    def explain(self, exc: proc.CommandFailed) -> DevkitError:
        """A failed Django process as its classified cause (probe_failure), or as it is. The cause
        replaces the traceback's tail on the console; the run's log keeps the whole output."""
        manage_dir, root = self.config.manage_dir, self.config.root
        failure = probe_failure.classify(exc.output, manage_dir, self.settings_module(), root)
        if failure is None:
            return exc
        if failure.kind == "other":  # which command, then the exception it ended with
            return StepFailed(f"{exc.message}: {failure.message}", hint=exc.hint or failure.hint)
        if failure.kind == "required-field":  # which command, and what the row lacks
            cached = read_json(self.config.state_dir / "facts.json").get("facts") or {}
            tenant_table = (cached.get("tenant_model") or {}).get("table")
            other = tenant_table and failure.table != tenant_table  # [tenants.fields] sets no other table
            return StepFailed(f"{exc.message}: {failure.message}", hint=(other and exc.hint) or failure.hint)
        where = f" (full log: {exc.log})" if exc.log else ""
        return StepFailed(failure.message + where, hint=failure.hint)

    def manage(
        self, argv: list[str] | tuple[str, ...], log: Path, hint: str, **kwargs: Any
    ) -> proc.Completed:
        """`manage.py ARGV` with the project's interpreter and environment; its failure explained."""
        try:
            return proc.run(
                [self.python, self.config.path(self.config.manage_py), *argv],
                cwd=self.config.manage_dir,
                env=dict(self.env),
                log=log,
                hint=hint,
                **kwargs,
            )
        except proc.CommandFailed as exc:
            raise self.explain(exc) from exc

    def run(
        self,
        script: str,
        env: dict[str, str],
        log: Path,
        hint: str,
        *,
        check: bool = True,
        on_line: Callable[[str], None] | None = None,
    ) -> proc.Completed:
        """Run devkit/project/probe/<script> inside the project's Django, booted by its own manage.py."""
        bootstrap = (  # the comment names the probe in `ps`
            "import os, runpy; runpy.run_path(os.environ['DEVKIT_PROBE_SCRIPT'], run_name='__main__')"
            f"  # devkit probe {script}"
        )
        self.check_settings_module()
        if not self.python.exists():
            raise NoVirtualenv(
                f"no virtualenv yet: {self.python} does not exist", hint="`devkit up` creates it"
            )
        try:
            return proc.run(
                [self.python, self.config.path(self.config.manage_py), "shell", "-c", bootstrap],
                cwd=self.config.manage_dir,
                env={**self.env, **env, "DEVKIT_PROBE_SCRIPT": str(PROBES / script)},
                log=log,
                hint=hint,
                check=check,
                on_line=on_line,
            )
        except proc.CommandFailed as exc:
            raise self.explain(exc) from exc

    def probe(self, script: str, env: dict[str, str]) -> dict[str, Any]:
        """Run one probe script in the project's Django and return the JSON it wrote."""
        # A unique file per call: probes may run concurrently in one process (doctor, docs).
        fd, name = tempfile.mkstemp(prefix=f"probe-{script}-", suffix=".json", dir=self.config.state_dir)
        os.close(fd)
        out = Path(name)
        try:
            self.run(
                script,
                {**env, "DEVKIT_PROBE_OUT": str(out)},
                log=self.logs() / f"probe-{script}.log",
                hint="Django could not start with these settings: see the log; `devkit doctor` "
                "checks DJANGO_SETTINGS_MODULE, the database settings and the installed apps",
            )
            return json.loads(out.read_text())
        except (FileNotFoundError, ValueError) as exc:
            raise StepFailed(f"the probe wrote no facts ({exc})") from exc
        finally:
            out.unlink(missing_ok=True)
