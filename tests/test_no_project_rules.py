"""No rule for one project: nothing in devkit/ names a corpus project, its owner or one of its
distinctive folders (issue 25, "Must not"). Detection is general; a word that is also a
common folder name (`backend`, `apps`) is allowed, a project's own name (`osmBack`) is not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "projects"
# Words that are also ordinary folder or Django names, found in devkit's own text for that reason.
GENERIC = {
    "apps", "config", "multi", "tenant", "backend", "frontend", "docs", "plans", "django", "scripts",
    "seeds", "static", "tools", "templates", "compose", "core", "manager", "requirements", "rest",
    "clients", "devcontainer", "anywhere", "module", "tests", "calls", "deploy", "search", "tasks",
}  # fmt: skip


def _tokens(project: Path) -> set[str]:
    words = set(re.split(r"__|-", project.name))
    words |= {p.name for p in project.iterdir() if p.is_dir() and not p.name.startswith(".")}
    return {w.lower() for w in words if len(w) >= 4} - GENERIC


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside this checkout")
def test_devkit_names_no_corpus_project() -> None:
    text = "\n".join(
        p.read_text(errors="replace").lower()
        for p in (REPO / "devkit").rglob("*")
        if p.is_file() and p.suffix in (".py", ".j2", ".md", ".toml", ".txt", ".json")
    )
    named = sorted(
        f"{project.name}: {word}"
        for project in CORPUS.iterdir()
        if project.is_dir()
        for word in _tokens(project)
        if re.search(rf"(?<![a-z0-9_]){re.escape(word)}(?![a-z0-9_])", text)
    )
    assert named == []
