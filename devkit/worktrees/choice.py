"""Which checkout a new one branches from, and why (`devkit up` says it before it starts).

In order: `--from PATH`; the other worktrees of this git repository that devkit set up (the main
worktree first); the checkouts in the machine's registry that are clones of the same repository
(the same origin URL, an origin that is that checkout's folder, or the same first commit; the
most recently set up first). A candidate devkit cannot branch from (no native cluster, no
finished database step) is passed over, and the reason is kept for the message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from devkit.core.errors import UsageError
from devkit.worktrees import git, registry
from devkit.worktrees.source import SourceCheckout, open_checkout


@dataclass(frozen=True)
class Choice:
    source: SourceCheckout | None
    why: str  # why this source; without one, why the candidates found were passed over ("" = none)


def given(path: Path, root: Path) -> Choice:
    """`--from PATH`: that checkout, or a usage error naming why it cannot be the source."""
    if path.resolve() == root.resolve():
        raise UsageError("--from names this very checkout", hint="name the checkout to branch from")
    source, problem = open_checkout(path)
    if source is None:
        raise UsageError(f"--from {path}: {problem}", hint="run `devkit up` there first, or use --fresh")
    return Choice(source, f"--from {path}")


def find(root: Path) -> Choice:
    """A sibling checkout devkit set up, or Choice(None, why the ones found were passed over)."""
    facts = git.facts(root)
    if facts is None:
        return Choice(None, "")
    passed_over: list[str] = []
    for other, why in _worktree_candidates(root, facts):
        source, problem = open_checkout(other)
        if source is not None:
            return Choice(source, why)
        if (other / ".devkit").exists():
            passed_over.append(problem)
    for entry, why in _clone_candidates(root, facts):
        source, problem = open_checkout(Path(entry.path))
        if source is not None:
            return Choice(source, why)
        passed_over.append(problem)
    return Choice(None, "; ".join(passed_over))


def _worktree_candidates(root: Path, facts: git.GitFacts) -> list[tuple[Path, str]]:
    trees = git.worktrees(root)
    out = []
    for number, tree in enumerate(trees):
        other = git.same_place(root, facts.toplevel, tree)
        if other == root.resolve():
            continue
        if number == 0 and facts.linked_worktree:
            why = f"this checkout is a git worktree of {other} (the main worktree), which devkit set up"
        else:
            why = f"{other} is another worktree of this git repository, which devkit set up"
        out.append((other, why))
    return out


def _clone_candidates(root: Path, facts: git.GitFacts) -> list[tuple[registry.Entry, str]]:
    here = str(root.resolve())
    found: list[tuple[int, registry.Entry, str]] = []
    for entry in registry.entries():  # the most recently set up first
        if entry.path == here or (entry.common_dir and entry.common_dir == str(facts.common_dir)):
            continue  # this checkout, or a worktree of this repository (looked at above)
        rank, why = _kinship(facts, entry)
        if why:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.set_up_at))
            found.append((rank, entry, f"{why}, which devkit set up on this machine ({when})"))
    found.sort(key=lambda item: item[0])  # stable: the most recent first within a kind
    return [(entry, why) for _rank, entry, why in found]


def _kinship(facts: git.GitFacts, entry: registry.Entry) -> tuple[int, str]:
    """How this clone is related to a registered checkout: (rank, why), why "" when it is not."""
    if facts.origin and facts.origin == entry.origin:
        return 0, f"this clone has the same origin ({facts.origin}) as {entry.path}"
    origin = Path(facts.origin.removeprefix("file://"))
    if (
        facts.origin
        and origin.is_absolute()
        and origin.resolve() in (Path(entry.path), Path(entry.path) / ".git")
    ):
        return 0, f"this clone's origin is {entry.path}"
    shared = sorted(set(entry.first_commits) & set(facts.first_commits))
    if shared:
        return 1, f"this clone shares its first commit {shared[0][:12]} with {entry.path}"
    return 0, ""
