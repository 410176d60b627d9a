"""Advice to commit a file is advice git takes: a lockfile the project's .gitignore ignores is
named with the rule and `git add -f` (issue 26 #6); its versions are not called "locked"."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from devkit.config import loading
from devkit.core import git


def _repository(root: Path, ignore: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text(ignore)
    return root


def test_an_ignored_lockfile_is_named_with_the_rule_and_git_add_f(tmp_path: Path) -> None:
    root = _repository(tmp_path / "p", "node_modules/\npackage-lock.json\n")
    advice = git.commit_advice(root, root / "package-lock.json")
    assert ".gitignore:2: package-lock.json" in advice
    assert "`git add -f package-lock.json`" in advice
    assert git.commit_advice(root, root / "yarn.lock") == "commit yarn.lock"


def test_a_negated_rule_and_no_repository_are_not_ignored(tmp_path: Path) -> None:
    root = _repository(tmp_path / "p", "*.lock\n!poetry.lock\n")
    assert git.ignored_by(root, "poetry.lock") is None
    assert git.ignored_by(root, "uv.lock") == ".gitignore:1: *.lock"
    plain = tmp_path / "plain"
    plain.mkdir()
    assert git.commit_advice(plain, plain / "uv.lock") == "commit uv.lock"


def test_the_stack_does_not_call_an_ignored_lockfiles_versions_locked(tmp_path: Path) -> None:
    from devkit.docs.stack import node_rows

    root = _repository(tmp_path / "p", "package-lock.json\n")
    (root / "devkit.toml").write_text("")
    (root / "package.json").write_text(json.dumps({"dependencies": {"react": "^18.0.0"}}))
    lock = {"packages": {"node_modules/react": {"version": "18.2.0"}}}
    (root / "package-lock.json").write_text(json.dumps(lock))
    rows = node_rows(root, loading.load(root))
    assert [(r.component, r.version) for r in rows] == [("react", "18.2.0")]
    assert "ignored by git" in rows[0].source and "(locked)" not in rows[0].source
