"""What git says about a checkout: its repository, its worktrees, its origin and first commit.

Only read-only git commands (rev-parse, worktree list, config --get, rev-list). A folder that is
not in a git repository (or git missing) has no facts: detection then needs `--from`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from devkit.core import proc


@dataclass(frozen=True)
class GitFacts:
    toplevel: Path  # the checkout's top folder
    git_dir: Path  # this checkout's own git folder (.git, or .git/worktrees/<name>)
    common_dir: Path  # the repository's shared git folder
    origin: str  # remote.origin.url, "" when there is none
    first_commits: tuple[str, ...]  # the root commit(s) of HEAD, () in a repository without one

    @property
    def linked_worktree(self) -> bool:
        """A `git worktree add` checkout: its git folder is not the repository's shared one."""
        return self.git_dir != self.common_dir


def _git(folder: Path, *args: str) -> proc.Completed:
    return proc.run(["git", "-C", str(folder), *args], check=False, env={"GIT_OPTIONAL_LOCKS": "0"})


def facts(folder: Path) -> GitFacts | None:
    """The git facts of the checkout holding `folder`, or None outside a repository."""
    if shutil.which("git") is None:
        return None
    done = _git(
        folder, "rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir", "--git-common-dir"
    )
    lines = done.stdout.splitlines()
    if done.returncode != 0 or len(lines) != 3:
        return None
    toplevel, git_dir, common = (Path(line).resolve() for line in lines)
    origin = _git(folder, "config", "--get", "remote.origin.url").stdout.strip()
    roots = _git(folder, "rev-list", "--max-parents=0", "HEAD")
    first = tuple(sorted(roots.stdout.split())) if roots.returncode == 0 else ()
    return GitFacts(toplevel, git_dir, common, origin, first)


def worktrees(folder: Path) -> list[Path]:
    """Every worktree of the repository holding `folder`, the main one first (`git worktree list`)."""
    done = _git(folder, "worktree", "list", "--porcelain")
    if done.returncode != 0:
        return []
    return [
        Path(line[len("worktree ") :]).resolve()
        for line in done.stdout.splitlines()
        if line.startswith("worktree ")
    ]


def same_place(project: Path, toplevel: Path, other_toplevel: Path) -> Path:
    """The folder in `other_toplevel` that matches `project` in `toplevel` (a project in a
    subfolder of its repository sits in the same subfolder of every checkout)."""
    try:
        return other_toplevel / project.resolve().relative_to(toplevel)
    except ValueError:
        return other_toplevel
