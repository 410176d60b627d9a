"""GitHub Actions workflows -> jobs, their `needs` and deploy environments -> ASCII and Mermaid.

Works on any workflow: jobs are laid out in stages (a job's stage is one more than the deepest
job it needs), in file order within a stage. Malformed files raise ConfigError with file:line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.core.errors import ConfigError

_HINT = "fix the workflow file (GitHub's workflow syntax: jobs.<id>.needs, jobs.<id>.environment)"


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    needs: tuple[str, ...]
    environment: str
    line: int
    condition: str = ""  # the job's `if:`, without `${{ }}`


@dataclass(frozen=True)
class Workflow:
    file: str  # relative to the project root
    name: str
    triggers: tuple[str, ...]
    jobs: tuple[Job, ...]
    invalid: str = ""  # why GitHub rejects the file (then no job runs and nothing is drawn)

    def stages(self) -> list[list[Job]]:
        depth: dict[str, int] = {}
        by_id = {job.id: job for job in self.jobs}

        def stage_of(job: Job, seen: tuple[str, ...]) -> int:
            if job.id in seen:
                cycle = " -> ".join([*seen[seen.index(job.id) :], job.id])
                raise ConfigError(
                    f"{self.file}:{job.line}: jobs.{job.id}: `needs` has a cycle ({cycle})", hint=_HINT
                )
            if job.id not in depth:
                depth[job.id] = 1 + max((stage_of(by_id[n], (*seen, job.id)) for n in job.needs), default=-1)
            return depth[job.id]

        for job in self.jobs:
            stage_of(job, ())
        count = max(depth.values(), default=-1) + 1
        return [[job for job in self.jobs if depth[job.id] == n] for n in range(count)]


def load_workflows(folder: Path, root: Path) -> list[Workflow]:
    """Every *.yml / *.yaml in `folder`, sorted by file name; [] when the folder is absent."""
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
    return [_load(p, root) for p in files]


def _load(path: Path, root: Path) -> Workflow:
    """One workflow file; a file GitHub rejects (a duplicate mapping key anywhere: "'jobs' is
    already defined") is a Workflow with `invalid` set and no jobs: none of its jobs would run."""
    import yaml

    from devkit.ci.workflows.source import duplicates, load_yaml

    text, where = _read(path, root), _rel(path, root)
    repeated = duplicates(load_yaml(path))
    if not repeated:
        return parse_workflow(text, where)
    data = yaml.safe_load(text)
    name = data.get("name") if isinstance(data, dict) else None
    said = "; ".join(f"`{key}` on line {later} (already on line {first})" for key, first, later in repeated)
    return Workflow(where, str(name or path.stem), (), (), invalid=f"a key is defined twice: {said}")


def _read(path: Path, root: Path) -> str:
    """Refuse binary, non-UTF-8, alias-bomb and too deeply nested files (devkit.ci.workflows.source)."""
    from devkit.ci.workflows.source import SourceError, checked_text

    try:
        return checked_text(path)
    except SourceError as exc:
        raise ConfigError(f"{_rel(path, root)}:{exc.line}: {exc}", hint=_HINT) from exc


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def parse_workflow(text: str, where: str) -> Workflow:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{where}{line}: invalid YAML: {exc.problem or exc}", hint=_HINT) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: invalid YAML: {exc}", hint=_HINT) from exc
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        raise ConfigError(f"{where}:1: not a workflow: no `jobs` mapping", hint=_HINT)
    lines = _job_lines(node)
    jobs = tuple(
        _job(where, str(job_id), spec, lines.get(str(job_id), 1)) for job_id, spec in data["jobs"].items()
    )
    known = {job.id for job in jobs}
    for job in jobs:
        for need in job.needs:
            if need not in known:
                raise ConfigError(
                    f"{where}:{job.line}: jobs.{job.id}.needs names {need!r}, "
                    f"which is not a job in this workflow",
                    hint=_HINT,
                )
    # YAML 1.1 reads the key `on` as True.
    triggers = data.get("on", data.get(True, {}))
    return Workflow(where, str(data.get("name") or Path(where).stem), _triggers(triggers), jobs)


def _job_lines(node: Any) -> dict[str, int]:
    """Job id -> 1-based line of its key, from the composed YAML node tree."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {}
    for key, value in node.value:
        if key.value == "jobs" and isinstance(value, yaml.MappingNode):
            return {k.value: k.start_mark.line + 1 for k, _ in value.value}
    return {}


def _job(where: str, job_id: str, spec: Any, line: int) -> Job:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}:{line}: jobs.{job_id} must be a mapping", hint=_HINT)
    needs = spec.get("needs", [])
    if isinstance(needs, str):
        needs = [needs]
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        raise ConfigError(
            f"{where}:{line}: jobs.{job_id}.needs must be a job id or a list of job ids", hint=_HINT
        )
    env = spec.get("environment", "")
    if isinstance(env, dict):
        env = env.get("name", "")
    return Job(job_id, str(spec.get("name") or job_id), tuple(needs), str(env or ""), line, _condition(spec))


def _condition(spec: dict[str, Any]) -> str:
    value = spec.get("if")
    if value is None or value is True or value == "":
        return ""
    text = str(value).strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    return " ".join(text.split())


def _triggers(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, dict):
        return tuple(str(k) for k in value)
    return ()


def _label(job: Job) -> str:
    env = f" [env: {job.environment}]" if job.environment else ""
    condition = f" [if: {job.condition}]" if job.condition else ""
    return f"{job.id}{env}{condition}"


def ascii_diagram(workflow: Workflow) -> str:
    """Stages top to bottom; each job names the jobs it needs (`<- a, b`)."""
    lines: list[str] = []
    for index, stage in enumerate(workflow.stages()):
        if index:
            lines += ["    |", "    v"]
        for job in stage:
            needs = f"  <- {', '.join(job.needs)}" if job.needs else ""
            lines.append(f"  {_label(job)}{needs}")
    return "\n".join(lines)


def _mermaid_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(workflow: Workflow) -> str:
    lines = ["flowchart LR"]
    for job in workflow.jobs:
        shape = f'{_mermaid_id(job.id)}["{_mermaid_text(_label(job))}"]'
        lines.append(f"  {shape}")
    for job in workflow.jobs:
        edge = f'-->|"if: {_mermaid_text(job.condition)}"|' if job.condition else "-->"
        for need in job.needs:
            lines.append(f"  {_mermaid_id(need)} {edge} {_mermaid_id(job.id)}")
    return "\n".join(lines)


def environments(workflows: list[Workflow]) -> list[dict[str, str]]:
    """Deploy environments: one row per job that names one, in workflow and file order (an
    invalid workflow has no jobs)."""
    return [
        {"workflow": w.name, "file": w.file, "job": j.id, "environment": j.environment}
        for w in workflows
        for j in w.jobs
        if j.environment
    ]
