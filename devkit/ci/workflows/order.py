"""Which jobs deploy and which migrate (local reusable workflows included), and DK103: a deploy
job runs only after the migrate job succeeded. The fix never proposes a cyclic `needs:`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from devkit.ci.workflows import roles
from devkit.ci.workflows.migrations import MIGRATE_NAME
from devkit.ci.workflows.rules import Finding
from devkit.ci.workflows.source import Map, SourceError, load_yaml
from devkit.ci.workflows.workflow import Workflow

DEFAULT_DEPLOY_PATTERNS = ("deploy", "release", "promote", "prod", "uat")


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
        named = bool(matcher.search(env_name)) and not MIGRATE_NAME.search(f"{job_id} {name}")
    return named and roles.does_something(job, steps)


def job_roles(wf: Workflow, matcher: re.Pattern[str]) -> tuple[list[str], list[str]]:
    """(deploy jobs, migrate jobs). A job calling a local reusable workflow takes the roles of
    the called workflow's jobs when devkit can read it, else it is judged by its name (a deploy
    word: a deploy job; a word starting with `migrat`: the migrate job)."""
    deploys: list[str] = []
    migrators: list[str] = []
    for job_id, job in wf.jobs.items():
        called = _called(wf, job)
        if called is not None:
            called_deploys, called_migrators = job_roles(called, matcher)
            deploys += [job_id] if called_deploys else []
            migrators += [job_id] if called_migrators and not called_deploys else []
        elif is_deploy(job_id, job, wf.steps(job_id), matcher):
            deploys.append(job_id)
        elif roles.migrates_deployed_database(wf.doc, job_id, job, wf.steps(job_id)):
            migrators.append(job_id)
        elif job.get("uses") and MIGRATE_NAME.search(f"{job_id} {job.get('name') or ''}"):
            migrators.append(job_id)  # a reusable workflow devkit cannot read: judged by its name
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
    return Workflow(uses[2:], doc, wf.root, wf.depth + 1, wf.repository)


def order_findings(wf: Workflow, job_id: str, migrators: list[str], line: int) -> Iterator[Finding]:
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
