"""The rules for one GitHub workflow: deploy-job images (DK101), migrations (DK102, DK103),
permissions (DK201, DK203) and timeouts (DK202)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.workflows import images, references, roles, scripts
from devkit.workflows.rules import Finding
from devkit.workflows.source import Map, SourceError, Text, line_of, load_yaml

DEFAULT_DEPLOY_PATTERNS = ("deploy", "release", "promote", "prod", "uat")
_WITH_KEYS = {"image": "image", "images": "image", "image-tag": "tag", "image_tag": "tag", "tag": "tag"}
_EXPR_REF = re.compile(
    r"^(?:env\.([\w-]+)|(?:needs|jobs)\.([\w-]+)\.outputs\.([\w-]+)"
    r"|steps\.([\w-]+)\.outputs\.([\w-]+))$"
)


def deploy_matcher(patterns: Sequence[str]) -> re.Pattern[str]:
    """Each pattern must start a word: `prod` matches production and deploy-prod, not reproduce."""
    words = "|".join(f"(?:{p})" for p in (patterns or DEFAULT_DEPLOY_PATTERNS))
    return re.compile(f"(?<![a-z0-9])(?:{words})", re.I)


def is_deploy(job_id: str, job: Map, steps: list[Map], matcher: re.Pattern[str]) -> bool:
    """A job that changes a deployed system (roles.deploy_reason), or one whose id, name or
    environment has a deploy word and that runs more than echo/notify steps. An environment
    match alone does not make a job that says it migrates a deploy job."""
    if roles.never_runs(job):
        return False
    if roles.deploy_reason(job, steps):
        return True
    name = str(job.get("name") or "")
    env = job.get("environment")
    env_name = str(env.get("name", "") if isinstance(env, dict) else env or "")
    called = str(job.get("uses") or "").rsplit("/", 1)[-1]  # a reusable workflow: its file name
    if matcher.search(job_id) or matcher.search(name) or matcher.search(called):
        named = True
    else:
        named = bool(matcher.search(env_name)) and not roles.MIGRATE_NAME.search(f"{job_id} {name}")
    return named and roles.does_something(job, steps)


@dataclass
class Workflow:
    """One parsed workflow and the definitions that image references may expand to."""

    path: str
    doc: Map
    root: Path | None = None  # the repository, to read local reusable workflows it calls
    depth: int = 0

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


def check_workflow(wf: Workflow, matcher: re.Pattern[str], *, hygiene: bool = True) -> Iterator[Finding]:
    """Every rule for one workflow; `hygiene=False` for a composite action (no permissions or
    timeout of its own: the calling job has them)."""
    doc = wf.doc
    if doc.get("permissions") == "write-all":
        yield Finding(
            wf.path,
            doc.line_of("permissions"),
            "DK203",
            "the workflow grants `permissions: write-all`",
            "grant only what each job needs, e.g. `permissions: contents: read`",
        )
    deploys, migrators = _roles(wf, matcher)
    for job_id, job in wf.jobs.items():
        line = _job_line(doc, job_id)
        if hygiene:
            yield from _hygiene(wf, job_id, job, line)
        if job_id not in deploys:
            continue
        yield from _images(wf, job_id)
        migrations = roles.migrations(wf.steps(job_id))
        for step_line, text, _ in migrations:
            yield Finding(
                wf.path,
                step_line,
                "DK102",
                f"deploy job '{job_id}' runs migrations: {text}",
                "run `devkit migrate` in a separate job and add it to this job's `needs:` (docs/ci.md)",
            )
        if not migrations:
            yield from _order(wf, job_id, migrators, line)


def _roles(wf: Workflow, matcher: re.Pattern[str]) -> tuple[list[str], list[str]]:
    """(deploy jobs, migrate jobs). A job calling a local reusable workflow takes the roles of
    the called workflow's jobs when devkit can read it, else it is judged by its name."""
    deploys: list[str] = []
    migrators: list[str] = []
    for job_id, job in wf.jobs.items():
        called = _called(wf, job)
        if called is not None:
            called_deploys, called_migrators = _roles(called, matcher)
            deploys += [job_id] if called_deploys else []
            migrators += [job_id] if called_migrators and not called_deploys else []
        elif is_deploy(job_id, job, wf.steps(job_id), matcher):
            deploys.append(job_id)
        elif roles.migrates_deployed_database(wf.doc, job, wf.steps(job_id)):
            migrators.append(job_id)
    return deploys, migrators


def _called(wf: Workflow, job: Map) -> Workflow | None:
    """The local reusable workflow (`uses: ./.github/workflows/x.yml`) this job calls."""
    uses = str(job.get("uses") or "")
    if not uses.startswith("./") or wf.root is None or wf.depth >= 3:
        return None
    path = wf.root / uses[2:].split("@", 1)[0]
    try:
        doc = load_yaml(path) if path.is_file() else None
    except SourceError:
        return None  # reported when that file is checked itself
    if not isinstance(doc, Map) or not isinstance(doc.get("jobs"), Map):
        return None
    return Workflow(uses[2:], doc, wf.root, wf.depth + 1)


def _order(wf: Workflow, job_id: str, migrators: list[str], line: int) -> Iterator[Finding]:
    """DK103: the deploy job must run after the migrate job succeeded. The fix never proposes
    a `needs:` that would make the graph cyclic; an `if:` that runs the job whatever happened
    before (always(), failure(), !cancelled()) defeats the `needs:` unless it checks the
    migrate job's result."""
    needed = _needs_closure(wf, job_id)
    for migrate in migrators:
        if migrate not in needed:
            if job_id in _needs_closure(wf, migrate):
                hint = (
                    f"'{migrate}' itself runs after '{job_id}' (its needs: chain reaches it): take "
                    f"'{job_id}' out of that chain, then add `needs: [{migrate}]` to '{job_id}'"
                )
            else:
                hint = f"add `needs: [{migrate}]` to '{job_id}'"
            yield Finding(
                wf.path,
                line,
                "DK103",
                f"deploy job '{job_id}' does not need the migrate job '{migrate}': it may deploy "
                "code before its migrations ran",
                hint,
            )
            return
        cond = _runs_regardless(wf, job_id, migrate)
        if cond:
            yield Finding(
                wf.path,
                wf.jobs[job_id].line_of("if"),
                "DK103",
                f"deploy job '{job_id}' has `if: {cond}`: it runs even when the migrate job "
                f"'{migrate}' failed",
                f"add `&& needs.{migrate}.result == 'success'` to the condition (or drop always())",
            )
            return


_REGARDLESS = re.compile(r"\b(?:always|failure|cancelled)\s*\(\s*\)")


def _runs_regardless(wf: Workflow, job_id: str, migrate: str) -> str | None:
    cond = str(wf.jobs[job_id].get("if") or "")
    if not _REGARDLESS.search(cond):
        return None
    chain = {migrate} | {j for j in wf.jobs if migrate in _needs_closure(wf, j)}
    checked = [j for j in chain if re.search(rf"needs\.{re.escape(j)}\.result\s*==\s*'success'", cond)]
    if checked or re.search(r"!\s*failure\s*\(|\bsuccess\s*\(", cond):
        return None
    return cond.strip()


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
        if roles.never_runs(step):
            continue
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
        for script in roles.step_scripts(step):
            text = script.text
            local = scope if text is run else wf.lookup(job_id, number, str(text))
            for ref in references.image_refs(text, remote=script.remote):
                yield from _judge(wf, job_id, text.line_at(ref.index), ref.kind, ref.value, ref.where, local)


def _variables(wf: Workflow, job_id: str, env: Any, scope: images.Lookup, where: str) -> Iterator[Finding]:
    used = "\n".join(_texts(wf.jobs[job_id]))
    for name, value in env.items() if isinstance(env, Map) else []:
        kind = references.variable_kind(name)
        if (
            kind == "image"
            and ":" not in str(value).rsplit("/", 1)[-1]
            and references.used_with_tag(name, used)
        ):
            continue  # a repository; the reference that adds the tag is judged
        if kind:
            yield from _judge(wf, job_id, env.line_of(name), kind, str(value), f"{where} {name}", scope)


def _texts(value: Any) -> list[str]:
    """Every string inside a job (scripts, inputs, env), to see how a variable is used."""
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return [value] if isinstance(value, str) else []


def _with(wf: Workflow, job_id: str, inputs: Any, scope: images.Lookup) -> Iterator[Finding]:
    for name, value in inputs.items() if isinstance(inputs, Map) else []:
        if name.lower() not in _WITH_KEYS:
            continue
        lines = str(value).splitlines() if name.lower() == "images" else [str(value)]
        for offset, item in enumerate(lines):  # `images:` holds one reference per line
            if item.strip():
                line = value.line_at(offset) if isinstance(value, Text) else inputs.line_of(name)
                yield from _judge(wf, job_id, line, _WITH_KEYS[name.lower()], item, f"with: {name}", scope)


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
