"""The rules for one GitHub workflow: deploy-job images (DK101), migrations (DK102, DK103),
permissions (DK201, DK203) and timeouts (DK202)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from devkit.workflows import images, scripts
from devkit.workflows.rules import Finding
from devkit.workflows.source import Map, Text, line_of

DEFAULT_DEPLOY_PATTERNS = ("deploy", "release", "promote", "prod", "uat")
_WITH_KEYS = {"image": "image", "image-tag": "tag", "image_tag": "tag", "tag": "tag"}
_MIGRATE_JOB = re.compile(r"(?<![a-z0-9])migrat", re.I)
_EXPR_REF = re.compile(
    r"^(?:env\.([\w-]+)|(?:needs|jobs)\.([\w-]+)\.outputs\.([\w-]+)"
    r"|steps\.([\w-]+)\.outputs\.([\w-]+))$"
)


def deploy_matcher(patterns: Sequence[str]) -> re.Pattern[str]:
    """Each pattern must start a word: `prod` matches production and deploy-prod, not reproduce."""
    words = "|".join(f"(?:{p})" for p in (patterns or DEFAULT_DEPLOY_PATTERNS))
    return re.compile(f"(?<![a-z0-9])(?:{words})", re.I)


def is_deploy(job_id: str, job: Map, matcher: re.Pattern[str]) -> bool:
    """Id or name match: a deploy job. An environment match alone does not make a job that says
    it migrates (id or name) a deploy job: migrate jobs need the environment's secrets too."""
    name = str(job.get("name") or "")
    if matcher.search(job_id) or matcher.search(name):
        return True
    env = job.get("environment")
    env_name = str(env.get("name", "") if isinstance(env, dict) else env or "")
    return bool(matcher.search(env_name)) and not _MIGRATE_JOB.search(f"{job_id} {name}")


@dataclass
class Workflow:
    """One parsed workflow and the definitions that image references may expand to."""

    path: str
    doc: Map

    @property
    def jobs(self) -> dict[str, Map]:
        jobs = self.doc.get("jobs")
        return {k: v for k, v in jobs.items() if isinstance(v, Map)} if isinstance(jobs, Map) else {}

    def steps(self, job_id: str) -> list[Map]:
        return [s for s in self.jobs[job_id].get("steps") or [] if isinstance(s, Map)]

    def lookup(self, job_id: str, step: int | None, script: str | None) -> images.Lookup:
        """Definitions visible to step `step` of `job_id` (None: job level) and its script."""

        def find(kind: str, name: str) -> str | None:
            if kind == "shell":
                local = [v for _, k, v in scripts.assignments(script or "") if k == name]
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


def check_workflow(wf: Workflow, matcher: re.Pattern[str]) -> Iterator[Finding]:
    doc = wf.doc
    if doc.get("permissions") == "write-all":
        yield Finding(
            wf.path,
            doc.line_of("permissions"),
            "DK203",
            "the workflow grants `permissions: write-all`",
            "grant only what each job needs, e.g. `permissions: contents: read`",
        )
    deploys = [j for j, job in wf.jobs.items() if is_deploy(j, job, matcher)]
    migrators = [j for j in wf.jobs if j not in deploys and _migrations(wf, j)]
    for job_id, job in wf.jobs.items():
        line = _job_line(doc, job_id)
        yield from _hygiene(wf, job_id, job, line)
        if job_id in deploys:
            yield from _images(wf, job_id)
            for step_line, text in _migrations(wf, job_id):
                yield Finding(
                    wf.path,
                    step_line,
                    "DK102",
                    f"deploy job '{job_id}' runs migrations: {text}",
                    "run `devkit migrate` in a separate job and add it to this job's `needs:` (docs/ci.md)",
                )
            missing = [m for m in migrators if m not in _needs_closure(wf, job_id)]
            if missing and not _migrations(wf, job_id):
                yield Finding(
                    wf.path,
                    line,
                    "DK103",
                    f"deploy job '{job_id}' does not need the migrate job "
                    f"'{missing[0]}': it may deploy code before its migrations ran",
                    f"add `needs: [{missing[0]}]` to '{job_id}'",
                )


def _job_line(doc: Map, job_id: str) -> int:
    jobs = doc.get("jobs")
    return jobs.line_of(job_id) if isinstance(jobs, Map) else doc.line


def _hygiene(wf: Workflow, job_id: str, job: Map, line: int) -> Iterator[Finding]:
    if "timeout-minutes" not in job and "uses" not in job:  # reusable calls cannot set it
        yield Finding(
            wf.path,
            line,
            "DK202",
            f"job '{job_id}' has no timeout-minutes (GitHub's default is 360 minutes)",
            f"add `timeout-minutes: 15` (or what '{job_id}' really needs)",
        )
    if "permissions" not in wf.doc and "permissions" not in job:
        yield Finding(
            wf.path,
            line,
            "DK201",
            f"job '{job_id}' sets no permissions and neither does the workflow: its "
            "token gets the repository default, possibly write access to everything",
            "add `permissions: contents: read` at the top of the workflow and widen it per job where needed",
        )
    if job.get("permissions") == "write-all":
        yield Finding(
            wf.path,
            job.line_of("permissions"),
            "DK203",
            f"job '{job_id}' grants `permissions: write-all`",
            "grant only the scopes this job needs",
        )


def _migrations(wf: Workflow, job_id: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for step in wf.steps(job_id):
        run = step.get("run")
        if not isinstance(run, Text):
            continue
        for index, text in scripts.logical_lines(run):
            match = scripts.MIGRATE.search(text)
            if match:
                found.append((run.line_at(index), match.group(0)))
    return found


def _needs_closure(wf: Workflow, job_id: str) -> set[str]:
    seen: set[str] = set()
    todo = [job_id]
    while todo:
        needs = wf.jobs.get(todo.pop(), Map()).get("needs") or []
        for name in [needs] if isinstance(needs, str) else needs:
            if name not in seen:
                seen.add(str(name))
                todo.append(str(name))
    return seen


def _images(wf: Workflow, job_id: str) -> Iterator[Finding]:
    """DK101 for every image a deploy job uses: container, services, docker:// steps, run
    scripts, *IMAGE / *TAG variables, and `with:` inputs named image or tag."""
    job = wf.jobs[job_id]
    job_scope = wf.lookup(job_id, None, None)
    container = job.get("container")
    if container is not None:
        image = container.get("image") if isinstance(container, dict) else container
        yield from _judge(
            wf, job_id, line_of(image, job.line_of("container")), "image", str(image), "container", job_scope
        )
    services = job.get("services")
    for name, service in services.items() if isinstance(services, dict) else []:
        image = service.get("image") if isinstance(service, dict) else None
        if image is not None:
            yield from _judge(
                wf, job_id, line_of(image, services.line), "image", str(image), f"services.{name}", job_scope
            )
    yield from _variables(wf, job_id, job.get("env"), job_scope, "env")
    yield from _with(wf, job_id, job.get("with"), job_scope)
    for number, step in enumerate(wf.steps(job_id)):
        run = step.get("run")
        scope = wf.lookup(job_id, number, str(run) if run else None)
        uses = step.get("uses")
        if isinstance(uses, str) and uses.startswith("docker://"):
            yield from _judge(
                wf,
                job_id,
                line_of(uses, step.line),
                "image",
                uses[len("docker://") :],
                "uses: docker://",
                scope,
            )
        yield from _variables(wf, job_id, step.get("env"), scope, "step env")
        yield from _with(wf, job_id, step.get("with"), scope)
        if isinstance(run, Text):
            for ref in scripts.image_refs(run):
                yield from _judge(wf, job_id, run.line_at(ref.index), ref.kind, ref.value, ref.where, scope)


def _variables(wf: Workflow, job_id: str, env: Any, scope: images.Lookup, where: str) -> Iterator[Finding]:
    for name, value in env.items() if isinstance(env, Map) else []:
        kind = scripts.variable_kind(name)
        if kind:
            yield from _judge(wf, job_id, env.line_of(name), kind, str(value), f"{where} {name}", scope)


def _with(wf: Workflow, job_id: str, inputs: Any, scope: images.Lookup) -> Iterator[Finding]:
    for name, value in inputs.items() if isinstance(inputs, Map) else []:
        if name.lower() in _WITH_KEYS:
            yield from _judge(
                wf, job_id, inputs.line_of(name), _WITH_KEYS[name.lower()], str(value), f"with: {name}", scope
            )


def _judge(
    wf: Workflow, job_id: str, line: int, kind: str, value: str, where: str, scope: images.Lookup
) -> Iterator[Finding]:
    expanded = images.expand(value, scope)
    problem = images.judge_ref(expanded) if kind == "image" else images.judge_tag(expanded)
    if problem:
        yield Finding(
            wf.path,
            line,
            "DK101",
            f"deploy job '{job_id}' ({where}) uses {value.strip()!r}: {problem}",
            "deploy the image the build job pushed for this commit: tag it with "
            "${{ github.sha }} (or pass its digest) and reference that tag here",
        )
