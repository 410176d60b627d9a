"""Find the files, parse each as what it is, run the rules, apply severity, --strict, --ignore."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from devkit.ci.workflows import compose, images
from devkit.ci.workflows.jobs import check_workflow
from devkit.ci.workflows.order import deploy_matcher
from devkit.ci.workflows.rules import RULES, Finding
from devkit.ci.workflows.shell import ScriptTooDeep
from devkit.ci.workflows.source import (
    Map,
    SourceError,
    duplicates,
    line_of,
    load_yaml,
    new_map,
    read_text,
    variants,
)
from devkit.ci.workflows.workflow import Workflow
from devkit.core.errors import UsageError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.I)


@dataclass(frozen=True)
class Report:
    files: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


def discover(root: Path, paths: Sequence[Path]) -> list[Path]:
    """The files to check: given files as they are; a folder means its workflow files; a project
    folder (without paths: the project) its workflow files and its root compose files."""
    if not paths and (compose.root_files(root) or (root / ".github" / "workflows").is_dir()):
        return _project_files(root)
    found: list[Path] = []
    for given in paths or [root / ".github" / "workflows"]:
        path = given if given.is_absolute() else root / given
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found += _project_files(path) if (path / ".github" / "workflows").is_dir() else _yaml_files(path)
        else:
            raise UsageError(
                f"{given}: no such file or folder",
                hint="give workflow files, compose files, Dockerfiles or folders",
            )
    return found


def _project_files(folder: Path) -> list[Path]:
    return _yaml_files(folder / ".github" / "workflows") + compose.root_files(folder)


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml")) if folder.is_dir() else []


def check_paths(
    root: Path,
    paths: Sequence[Path],
    *,
    strict: bool = False,
    deploy_patterns: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Report:
    unknown = [r for r in ignore if r.upper() not in RULES]
    if unknown:
        raise UsageError(f"--ignore {unknown[0]}: no such rule", hint=f"rules: {', '.join(RULES)}")
    try:
        matcher = deploy_matcher(deploy_patterns)
    except re.error as exc:
        raise UsageError(f"--deploy-pattern: not a regular expression: {exc}") from exc
    files = discover(root, paths)
    findings: list[Finding] = []
    seen: set[Finding] = set()  # a compose file is checked alone and for the deploy that uses it
    for path in files:
        shown = _relative(path, root)
        for finding in check_file(path, shown, matcher, root):
            if finding.rule in {r.upper() for r in ignore} or finding in seen:
                continue
            seen.add(finding)
            severity = RULES[finding.rule].severity
            findings.append(
                replace(
                    finding,
                    severity="error" if strict else severity,
                    message=printable(finding.message),
                    hint=printable(finding.hint),
                )
            )
    # the file-level rules first (a file GitHub rejects is reported before what is inside it)
    findings.sort(key=lambda f: (f.path, f.rule not in ("DK001", "DK002"), f.line, f.rule))
    return Report(tuple(_relative(p, root) for p in files), tuple(findings))


def printable(text: str) -> str:
    """Control characters (from a file's bytes, or a bug) escaped, never printed raw."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def repository_root(path: Path) -> Path | None:
    """The repository a workflow belongs to: the folder holding its `.github/workflows`."""
    folder = path.resolve().parent
    if folder.name == "workflows" and folder.parent.name == ".github":
        return folder.parent.parent
    return None


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def check_file(
    path: Path, shown: str, matcher: re.Pattern[str], root: Path | None = None
) -> Iterator[Finding]:
    if path.name == "Dockerfile" or path.name.startswith("Dockerfile.") or path.name.endswith(".Dockerfile"):
        yield from check_dockerfile(path, shown)
        return
    try:
        doc = load_yaml(path)
    except SourceError as exc:
        said = f"not valid YAML: {exc}" if exc.invalid else str(exc)
        yield Finding(shown, exc.line, "DK001", said, exc.hint)
        return
    yield from _duplicate_keys(shown, doc)
    seen: set[Finding] = set()
    repository = repository_root(path)
    try:
        for variant in variants(doc):  # each definition of a duplicated key is checked
            for finding in _check_document(shown, variant, matcher, repository or root, repository):
                if finding not in seen:
                    seen.add(finding)
                    yield finding
    except ScriptTooDeep as exc:
        yield Finding(
            shown,
            exc.line or 1,
            "DK001",
            f"{exc} (thousands of levels), so the file was not checked",
            "split the script (or move it into a file the workflow runs)",
        )


def _duplicate_keys(shown: str, doc: Any) -> Iterator[Finding]:
    unique = sorted(set(duplicates(doc)), key=lambda d: (d[2], d[1], d[0]))  # an alias repeats them
    for key, first, later in unique:
        yield Finding(
            shown,
            later,
            "DK002",
            f"'{key}' is already defined at line {first}: GitHub rejects the whole file "
            "(none of its jobs runs); a YAML library keeps only the last definition",
            f"keep one '{key}' (merge the two definitions, or move one into its own file)",
        )


def _check_document(
    shown: str, doc: Any, matcher: re.Pattern[str], root: Path | None, repository: Path | None
) -> Iterator[Finding]:
    if isinstance(doc, Map) and isinstance(doc.get("jobs"), Map):
        yield from check_workflow(Workflow(shown, doc, root, repository=repository), matcher)
    elif isinstance(doc, Map) and isinstance(doc.get("services"), Map):
        yield from compose.check_compose(shown, doc)
    elif _composite(doc):
        # a composite action (action.yml) is judged as one job made of its steps
        runs: Map = doc["runs"]
        jobs = new_map(runs.line)
        jobs["composite-action"] = runs
        jobs.key_lines["composite-action"] = doc.line_of("runs")
        wrapped = new_map(doc.line)
        wrapped.update(doc)
        wrapped.key_lines = dict(doc.key_lines)
        wrapped["jobs"] = jobs
        yield from check_workflow(
            Workflow(shown, wrapped, root, repository=repository), matcher, hygiene=False
        )
    else:
        yield Finding(
            shown,
            line_of(doc, 1),
            "DK001",
            "neither a workflow (no `jobs:` mapping), a composite action nor a compose file (no `services:`)",
            "pass workflow files, compose files or Dockerfiles",
        )


def _composite(doc: Any) -> bool:
    runs = doc.get("runs") if isinstance(doc, Map) else None
    return (
        isinstance(runs, Map)
        and str(runs.get("using")) == "composite"
        and isinstance(runs.get("steps"), list)
    )


def check_dockerfile(path: Path, shown: str) -> Iterator[Finding]:
    """DK105: a FROM that floats. Earlier stages named with AS are not images."""
    stages: set[str] = set()
    try:
        text = read_text(path)
    except SourceError as exc:
        yield Finding(shown, exc.line, "DK001", str(exc), exc.hint)
        return
    for number, line in enumerate(text.splitlines(), 1):
        match = _FROM.match(line)
        if not match:
            continue
        image, alias = match.group(1), match.group(2)
        if alias:
            stages.add(alias.lower())
        if image.lower() in stages or image == "scratch" or "$" in image:
            continue
        problem = images.judge_ref(image)
        if problem and ("latest" in problem or "untagged" in problem):
            yield Finding(
                shown,
                number,
                "DK105",
                f"FROM {image}: {problem}",
                "pin the base image to a version, ideally with its @sha256 digest",
            )


def doctor_check(ctx: Any) -> tuple[str, str, str | None]:
    """For `devkit doctor`: (status "ok"|"warn"|"fail", finding, hint) for the project's workflows."""
    root = ctx.config.root
    if not (root / ".github" / "workflows").is_dir():
        return "ok", "no .github/workflows in this project", None
    report = check_paths(root, [])
    if report.errors:
        first = next(f for f in report.findings if f.severity == "error")
        return (
            "fail",
            f"{report.errors} workflow policy error(s), first {first.path}:{first.line} "
            f"{first.rule}: {first.message}",
            "run `devkit check-workflows` for every finding",
        )
    if report.warnings:
        return (
            "warn",
            f"{report.warnings} workflow policy warning(s)",
            "run `devkit check-workflows` (`--strict` makes them errors)",
        )
    return "ok", "workflows follow the policy (immutable deploy images, migrate job first)", None
