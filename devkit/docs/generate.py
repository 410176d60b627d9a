"""Plan, check and write the generated docs: which files, which blocks, what would change."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit import __version__
from devkit.context import Context
from devkit.core.errors import DevkitError
from devkit.core.state import file_digest, fingerprint, write_atomic
from devkit.docs import blocks
from devkit.docs.gather import template_context
from devkit.docs.render import Renderer, template_files
from devkit.docs.settings import DocsSettings, docs_settings

INSTRUCTION_BLOCKS = ("critical-rules", "multi-tenancy", "workflow")
ROADMAP_BLOCKS = ("stack", "pipeline", "phases")


@dataclass(frozen=True)
class DocFile:
    path: str  # relative to the project root
    position: str  # where blocks go in a file without markers: "top" | "end"
    blocks: tuple[str, ...]
    skeleton: str  # template for a file that does not exist yet


@dataclass(frozen=True)
class Update:
    path: Path
    rel: str
    before: str | None  # None: the file does not exist
    after: str
    blocks: tuple[str, ...]  # the blocks whose content changes

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        old = "/dev/null" if self.before is None else f"a/{self.rel}"
        lines = difflib.unified_diff(
            (self.before or "").splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            old,
            f"b/{self.rel}",
        )
        return "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
        )


def doc_files(settings: DocsSettings) -> list[DocFile]:
    files = [
        DocFile(settings.copilot_instructions, "top", INSTRUCTION_BLOCKS, "copilot-instructions.new.md.j2")
    ]
    if settings.agents_md:
        files.append(DocFile(settings.agents_md, "top", INSTRUCTION_BLOCKS, "agents.new.md.j2"))
    files.append(DocFile(settings.roadmap, "end", ROADMAP_BLOCKS, "roadmap.new.md.j2"))
    return [f for f in files if f.path]


def _override(ctx: Context, settings: DocsSettings) -> Path | None:
    return ctx.config.path(settings.templates) if settings.templates else None


def attach_connection(ctx: Context) -> None:
    """Outside `devkit up`: use devkit's server if it runs, so the facts cache key matches the
    one `up` wrote and no Django process starts. No provider here is not an error: the probe
    then reads the project's env file like any manage.py command."""
    if ctx._connection is not None:
        return
    try:
        conn = ctx.provider.current()
    except DevkitError:
        return
    if conn is not None:
        ctx.set_connection(conn)


def plan(ctx: Context, facts: dict[str, Any] | None = None) -> list[Update]:
    """What regeneration would write, file by file; writes nothing in the project."""
    settings = docs_settings(ctx.config)
    facts = facts if facts is not None else ctx.facts()
    variables = template_context(ctx.config, settings, facts, ctx.config.tenants.sequence_lines(ctx.profile))
    renderer = Renderer(_override(ctx, settings))
    updates = []
    for spec in doc_files(settings):
        path = ctx.config.path(spec.path)
        before = path.read_bytes().decode() if path.is_file() else None
        rendered = {name: renderer.render(f"{name}.md.j2", variables) for name in spec.blocks}
        base = before if before is not None else renderer.render(spec.skeleton, variables)
        after = blocks.merge(base, rendered, spec.path, spec.position)
        updates.append(
            Update(path, spec.path, before, after, _changed_blocks(before or "", after, spec.path))
        )
    return updates


def _changed_blocks(before: str, after: str, where: str) -> tuple[str, ...]:
    old = blocks.find_blocks(before, where)
    new = blocks.find_blocks(after, where)
    return tuple(
        name
        for name, span in new.items()
        if name not in old or before[old[name].start : old[name].end] != after[span.start : span.end]
    )


def apply(updates: list[Update]) -> list[Update]:
    """Write the files that change (atomically); returns them."""
    written = [u for u in updates if u.changed]
    for update in written:
        write_atomic(update.path, update.after)
    return written


def output_digest(ctx: Context) -> str:
    """Content hash of every generated file: the step's marker, to notice hand edits/deletion."""
    settings = docs_settings(ctx.config)
    return fingerprint(file_digest(ctx.config.path(f.path)) for f in doc_files(settings))


def inputs(ctx: Context) -> dict[str, str]:
    """Everything the generated text depends on, by name, without starting Django."""
    config, settings = ctx.config, docs_settings(ctx.config)
    files = [config.path(config.python.requirements)] if config.python.requirements else []
    if config.node.dir:
        node = config.path(config.node.dir)
        files += [
            node / name for name in ("package.json", "package-lock.json", "pnpm-lock.yaml", "yarn.lock")
        ]
    workflows = config.path(settings.workflows)
    if workflows.is_dir():
        files += sorted(p for p in workflows.iterdir() if p.suffix in (".yml", ".yaml"))
    files.append(config.path(settings.roadmap_source))
    files += template_files(_override(ctx, settings))
    return {
        **ctx.facts_inputs(),
        "devkit's version": __version__,
        "[docs]": repr(settings),
        "[tenants]": repr(config.tenants),
        "[python]": repr(config.python),
        "[node]": repr(config.node),
        "manage_py": config.manage_py,
        "where each setting comes from": json.dumps(sorted(config.provenance.items())),
        **{config.relative(p): file_digest(p) for p in files},
    }


def check_docs_fresh(ctx: Context) -> tuple[str, str, str | None]:
    """Doctor check "docs up to date": (status ok|warn|fail, finding, hint or None)."""
    try:
        attach_connection(ctx)
        stale = [u for u in plan(ctx) if u.changed]
    except DevkitError as exc:
        return "fail", f"the docs cannot be generated: {exc.message}", exc.hint
    if not stale:
        return "ok", "generated docs are up to date", None
    what = "; ".join(
        f"{u.rel} ({'missing' if u.before is None else ', '.join(u.blocks) or 'layout'})" for u in stale
    )
    return "warn", f"generated docs are stale: {what}", "run `devkit docs` (or `devkit up`)"
