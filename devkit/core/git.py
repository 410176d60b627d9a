"""What git says about the project's files: whether it tracks one, and which .gitignore line
ignores one (so advice to commit a file is advice git will take)."""

from __future__ import annotations

from pathlib import Path

from devkit.core import proc


def in_repository(root: Path) -> bool:
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def tracked(root: Path, rel: str) -> bool:
    """True when git tracks `rel` (committed or staged) in the repository around `root`."""
    if not in_repository(root):
        return False
    ran = proc.run(["git", "ls-files", "--error-unmatch", "--", rel], cwd=root, check=False)
    return ran.returncode == 0


def ignored_by(root: Path, rel: str) -> str | None:
    """The rule that makes git ignore `rel` (`.gitignore:3: *.lock`), or None when it is not ignored
    (or there is no repository)."""
    if not in_repository(root):
        return None
    ran = proc.run(["git", "check-ignore", "-v", "--no-index", "--", rel], cwd=root, check=False)
    if ran.returncode != 0 or not ran.stdout.strip():
        return None
    source, _, _path = ran.stdout.strip().partition("\t")
    where, _, pattern = source.rpartition(":")
    if pattern.startswith("!"):
        return None
    return f"{where}: {pattern}"


def commit_advice(root: Path, path: Path) -> str:
    """`commit package-lock.json`, or, when the project's .gitignore ignores it, how to commit it
    anyway (`git add` alone refuses an ignored file)."""
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return f"commit {path}"
    rule = ignored_by(root, rel)
    if rule is None:
        return f"commit {rel}"
    return (
        f"commit {rel}: the project ignores it ({rule}), so `git add` refuses it; "
        f"`git add -f {rel}`, or remove that rule"
    )
