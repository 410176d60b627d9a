"""One parsed workflow, and the definitions an image reference may expand to: env at step, job
and workflow level, script assignments, `$GITHUB_ENV`/`$GITHUB_OUTPUT` writes, job outputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.ci.workflows import images, scripts
from devkit.ci.workflows.source import Map

_EXPR_REF = re.compile(
    r"^(?:env\.([\w-]+)|(?:needs|jobs)\.([\w-]+)\.outputs\.([\w-]+)"
    r"|steps\.([\w-]+)\.outputs\.([\w-]+))$"
)


@dataclass
class Workflow:
    """One parsed workflow and the definitions that image references may expand to."""

    path: str
    doc: Map
    root: Path | None = None  # the repository, to read local reusable workflows it calls
    depth: int = 0
    # the repository when the workflow is in its .github/workflows: compose files are read there
    repository: Path | None = None

    @property
    def jobs(self) -> dict[str, Map]:
        jobs = self.doc.get("jobs")
        return {k: v for k, v in jobs.items() if isinstance(v, Map)} if isinstance(jobs, Map) else {}

    def steps(self, job_id: str) -> list[Map]:
        return [s for s in self.jobs[job_id].get("steps") or [] if isinstance(s, Map)]

    def lookup(
        self, job_id: str, step: int | None, script: str | None, at: int | None = None
    ) -> images.Lookup:
        """Definitions visible to step `step` of `job_id` (None: job level) and its script, at
        line `at` of that script (an assignment after that line is not yet made)."""

        def find(kind: str, name: str) -> str | None:
            if kind == "shell":
                made = [(line, v) for line, k, v in scripts.assignments(script or "") if k == name]
                before = [v for line, v in made if at is None or line <= at]
                local = before or [v for _, v in made]
                return local[-1] if local else self._env(job_id, step, name)
            match = _EXPR_REF.match(name)
            if not match:
                return None
            env, job, job_out, step_id, step_out = match.groups()
            if env:
                return self._env(job_id, step, env)
            if job:
                target = self.jobs.get(job)
                outputs = target.get("outputs") if target else None
                value = outputs.get(job_out) if isinstance(outputs, dict) else None
                return None if value is None else images.expand(str(value), self.lookup(job, None, None))
            return self._step_output(job_id, step_id, step_out)

        return find

    def _env(self, job_id: str, step: int | None, name: str) -> str | None:
        scopes: list[Any] = []
        if step is not None:
            scopes.append(self.steps(job_id)[step].get("env"))
        scopes += [self.jobs[job_id].get("env"), self.doc.get("env")]
        for scope in scopes:
            if isinstance(scope, dict) and name in scope:
                return str(scope[name])
        earlier = self.steps(job_id)[:step] if step is not None else self.steps(job_id)
        for number in reversed(range(len(earlier))):  # echo NAME=... >> $GITHUB_ENV
            written = scripts.writes(str(earlier[number].get("run") or ""), "GITHUB_ENV")
            if name in written:
                return images.expand(
                    written[name], self.lookup(job_id, number, str(earlier[number].get("run")))
                )
        return None

    def _step_output(self, job_id: str, step_id: str, output: str) -> str | None:
        for number, step in enumerate(self.steps(job_id)):
            if step.get("id") == step_id and step.get("run"):
                script = str(step["run"])
                value = scripts.writes(script, "GITHUB_OUTPUT").get(output)
                return None if value is None else images.expand(value, self.lookup(job_id, number, script))
        return None
