"""The rules for one GitHub workflow: deploy-job images (DK101), migrations (DK102, DK103),
permissions (DK201, DK203) and timeouts (DK202)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from devkit.ci.workflows import actions, compose, images, references, roles
from devkit.ci.workflows.order import job_roles, order_findings
from devkit.ci.workflows.rules import Finding
from devkit.ci.workflows.source import Map, Text, line_of
from devkit.ci.workflows.workflow import Workflow

_HINT = (
    "deploy the image the build job pushed for this commit: tag it with "
    "${{ github.sha }} (or pass its digest) and reference that tag here"
)
_HINT_VERSION = (
    "a version tag can be pushed again: pin the image by its digest (IMAGE@sha256:…); for your "
    "own image, deploy the tag with ${{ github.sha }} the build job pushed"
)
_WITH_KEYS = {
    **dict.fromkeys(("image", "images", "imagetodeploy", "image-uri", "image_uri"), "image"),
    **dict.fromkeys(("image-tag", "image_tag", "tag"), "tag"),
}


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
    deploys, migrators = job_roles(wf, matcher)
    for job_id, job in wf.jobs.items():
        line = _job_line(doc, job_id)
        if hygiene:
            yield from _hygiene(wf, job_id, job, line)
        if job_id not in deploys:
            continue
        yield from _images(wf, job_id)
        migrations = roles.migrations(f"{job_id} {job.get('name') or ''}", wf.steps(job_id))
        for step_line, text, _ in migrations:
            yield Finding(
                wf.path,
                step_line,
                "DK102",
                f"deploy job '{job_id}' runs migrations: {text}",
                "run `devkit migrate` in a separate job and add it to this job's `needs:` (docs/ci.md)",
            )
        from_compose = list(_compose_files(wf, job_id))
        yield from from_compose
        if not migrations and not any(f.rule == "DK102" for f in from_compose):
            yield from order_findings(wf, job_id, migrators, line)


def _compose_files(wf: Workflow, job_id: str) -> Iterator[Finding]:
    """The compose files a deploy job deploys from, found in the repository: their images
    (DK104, reported in the compose file) and, when the job starts their services, a
    `command:`/`entrypoint:` that runs migrations at every start (DK102, on the command)."""
    if wf.repository is None:
        return
    seen: set[tuple[Path, str]] = set()
    for step in wf.steps(job_id):
        for text, cmd in roles.commands(step):
            found = compose.use(cmd) if not (cmd.wrapper or cmd.captured) else None
            for name in found.files if found is not None else ():
                path = compose.find(wf.repository, name)
                doc = compose.load(path) if path is not None else None
                if path is None or doc is None:
                    continue
                shown = _beside(wf.path, path.relative_to(wf.repository))
                if (path, "") not in seen:
                    seen.add((path, ""))
                    yield from compose.check_compose(shown, doc)
                for migration in compose.service_migrations(doc) if found.starts else []:
                    if (path, migration.service) in seen:
                        continue
                    seen.add((path, migration.service))
                    yield Finding(
                        wf.path,
                        text.line_at(cmd.line),
                        "DK102",
                        f"deploy job '{job_id}' starts {shown} (`{found.said}`), whose service "
                        f"'{migration.service}' runs migrations at every start ({migration.key}: "
                        f"{migration.command}, {shown}:{migration.line})",
                        "run the migrations once, in the migrate job (`devkit migrate`), and take "
                        f"them out of the service's {migration.key}",
                    )


def _beside(workflow: str, relative: Path) -> str:
    """A repository file shown the way the workflow is (relative to where devkit was asked)."""
    marker = ".github/workflows/"
    prefix = workflow[: workflow.index(marker)] if marker in workflow else ""
    return prefix + str(relative)


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
    built: frozenset[str] = frozenset()
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
        # What a build step tags is not deployed, and an action that changes nothing
        # (docker/metadata-action computing the build's tags, a notification) deploys nothing.
        if not actions.builds_images(str(uses or "")) and not actions.inert(str(uses or "")):
            yield from _with(wf, job_id, step.get("with"), scope, str(uses or ""))
        for script in roles.step_scripts(step):
            text = script.text
            for ref in references.image_refs(text, remote=script.remote, built=built):
                local = wf.lookup(job_id, number, str(text), ref.index)
                yield from _judge(wf, job_id, text.line_at(ref.index), ref.kind, ref.value, ref.where, local)
            if not script.remote:  # what the runner builds from the checkout, for the next steps
                built |= references.built_tags(str(text))


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


def _with(
    wf: Workflow, job_id: str, inputs: Any, scope: images.Lookup, uses: str | None = None
) -> Iterator[Finding]:
    """`with:` inputs naming an image or its tag. A bare `tag` of a step's action is an image
    tag only for an action that deploys images (or that is also given an image): the `tag` of
    a release or git-tag action names a git tag."""
    keys = {str(k).lower() for k in inputs} if isinstance(inputs, Map) else set()
    images_given = bool(keys & {k for k, kind in _WITH_KEYS.items() if kind == "image"})
    tag_is_image = uses is None or images_given or actions.deploys(uses)
    for name, value in inputs.items() if isinstance(inputs, Map) else []:
        if name.lower() not in _WITH_KEYS or (name.lower() == "tag" and not tag_is_image):
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
            _HINT_VERSION if images.is_version(expanded, kind) else _HINT,
        )
