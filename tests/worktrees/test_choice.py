"""Which checkout a new one branches from, with real git repositories, worktrees and clones.

The sources here are folders whose .devkit/ says devkit set them up (a project id and a native
cluster in state.json): the choice reads nothing else. The real cluster copy is tested in
tests/database/test_branch.py and end to end in test_worktree_e2e.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from devkit.core import ownership
from devkit.core.errors import UsageError
from devkit.worktrees import choice, git, registry

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]


def _git(folder: Path, *args: str) -> str:
    return subprocess.run([*GIT, "-C", str(folder), *args], check=True, capture_output=True, text=True).stdout


def _repo(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "manage.py").write_text("")
    _git(folder, "init", "-q")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-qm", "first")
    return folder


def _set_up(folder: Path, *, register: bool = False) -> str:
    """Make `folder` look like a checkout devkit set up with the native provider."""
    project_id = ownership.identify(folder / ".devkit", folder).id
    state = {
        "provider": "native",
        "native": {"data_dir": str(folder / ".devkit/postgres/data"), "port": 5999},
        "steps": {"database": {"fingerprint": "x", "detail": "", "marker": "", "at": 1.0}},
    }
    (folder / ".devkit" / "state.json").write_text(json.dumps(state))
    if register:
        facts = git.facts(folder)
        assert facts is not None
        registry.record(
            registry.Entry(
                str(folder), project_id, facts.origin, facts.first_commits, str(facts.common_dir), 100.0
            )
        )
    return project_id


def test_a_worktree_branches_from_the_main_worktree(reachable_tmp: Path) -> None:
    main = _repo(reachable_tmp / "main")
    _set_up(main)
    _git(main, "worktree", "add", "-q", str(reachable_tmp / "hotfix"))
    found = choice.find(reachable_tmp / "hotfix")
    assert found.source is not None and found.source.root == main
    assert found.why == f"this checkout is a git worktree of {main} (the main worktree), which devkit set up"
    facts = git.facts(reachable_tmp / "hotfix")
    assert facts is not None and facts.linked_worktree


def test_the_main_worktree_branches_from_a_set_up_linked_one(reachable_tmp: Path) -> None:
    main = _repo(reachable_tmp / "main")
    _git(main, "worktree", "add", "-q", str(reachable_tmp / "feature"))
    _set_up(reachable_tmp / "feature")
    found = choice.find(main)
    assert found.source is not None and found.source.root == reachable_tmp / "feature"
    assert "is another worktree of this git repository" in found.why


def test_a_project_in_a_subfolder_is_found_in_the_same_subfolder(reachable_tmp: Path) -> None:
    main = _repo(reachable_tmp / "main")
    (main / "app").mkdir()
    (main / "app" / "manage.py").write_text("")
    _git(main, "add", "-A")
    _git(main, "commit", "-qm", "app")
    _set_up(main / "app")
    _git(main, "worktree", "add", "-q", str(reachable_tmp / "wt"))
    found = choice.find(reachable_tmp / "wt" / "app")
    assert found.source is not None and found.source.root == main / "app"


def test_a_clone_is_found_through_the_registry(reachable_tmp: Path) -> None:
    first = _repo(reachable_tmp / "first")
    _git(first, "remote", "add", "origin", "https://example.invalid/team/app.git")
    _set_up(first, register=True)
    clone = reachable_tmp / "clone"
    _git(reachable_tmp, "clone", "-q", str(first), str(clone))
    found = choice.find(clone)
    assert found.source is not None and found.source.root == first
    assert found.why.startswith(f"this clone's origin is {first}, which devkit set up on this machine")

    # A clone of the same remote: the same origin URL.
    _git(clone, "remote", "set-url", "origin", "https://example.invalid/team/app.git")
    assert choice.find(clone).why.startswith("this clone has the same origin (https://example.invalid/")

    # Another remote, the same history: the first commit.
    _git(clone, "remote", "set-url", "origin", "https://mirror.invalid/app.git")
    sha = _git(first, "rev-list", "--max-parents=0", "HEAD").strip()
    assert choice.find(clone).why.startswith(f"this clone shares its first commit {sha[:12]} with {first}")


def test_nothing_to_branch_from(reachable_tmp: Path) -> None:
    lone = _repo(reachable_tmp / "lone")
    assert choice.find(lone) == choice.Choice(None, "")
    plain = reachable_tmp / "no-git"
    plain.mkdir()
    assert choice.find(plain) == choice.Choice(None, "")


def test_a_sibling_without_a_native_cluster_is_passed_over_with_the_reason(reachable_tmp: Path) -> None:
    main = _repo(reachable_tmp / "main")
    ownership.identify(main / ".devkit", main)
    (main / ".devkit" / "state.json").write_text(json.dumps({"provider": "docker"}))
    _git(main, "worktree", "add", "-q", str(reachable_tmp / "wt"))
    found = choice.find(reachable_tmp / "wt")
    assert found.source is None
    assert found.why == f"{main} has no native cluster of devkit's (database provider: docker)"


def test_from_names_the_source_or_says_why_not(reachable_tmp: Path) -> None:
    source = _repo(reachable_tmp / "source")
    here = _repo(reachable_tmp / "here")
    with pytest.raises(UsageError, match="devkit has not set up"):
        choice.given(source, here)
    _set_up(source)
    assert choice.given(source, here).why == f"--from {source}"
    with pytest.raises(UsageError, match="this very checkout"):
        choice.given(here, here)
