"""Copy a dependency tree (a venv's site-packages, node_modules) from the source checkout.

Reflinks where the file system has them (btrfs, XFS, APFS-like copy-on-write: `cp
--reflink=auto` shares the blocks until either side writes), else a plain copy when that is
expected to be faster than the installer was, else the caller installs. Never hard links: a
postinstall script or patch-package writes into node_modules, pip and uv into site-packages, and
a hard-linked file would change in both checkouts (`--no-preserve=links` also keeps cp from
recreating hard links that exist inside the source tree).

The copy goes to `<name>.devkit-copy-<pid>` beside the target and is renamed into place once
complete, so a kill leaves either no tree or a whole one; a leftover is removed by the next run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from devkit.core import proc

# A plain copy's cost on this machine kind (ext4, no reflinks; bench/worktree.py --trees measures
# it): per file (create, write, set attributes) and per byte. Both sides are conservative.
SECONDS_PER_FILE = 0.00015
SECONDS_PER_BYTE = 1 / 120e6
CP = ["cp", "-a", "--no-preserve=links", "--reflink=auto"]


@dataclass(frozen=True)
class TreeSize:
    files: int
    bytes: int

    def copy_seconds(self) -> float:
        """The expected time of a plain copy of this tree."""
        return self.files * SECONDS_PER_FILE + self.bytes * SECONDS_PER_BYTE

    def __str__(self) -> str:
        return f"{self.files:,} files, {self.bytes / 1e6:.0f} MB"


@dataclass(frozen=True)
class CopyPlan:
    how: str  # reflink | copy | install
    why: str


def measure(tree: Path) -> TreeSize:
    """Files (symlinks count as files) and bytes of regular files under `tree`, links not followed."""
    files = size = 0
    folders = [str(tree)]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
                continue
            files += 1
            if entry.is_file(follow_symlinks=False):
                size += entry.stat(follow_symlinks=False).st_size
    return TreeSize(files, size)


def _first_file(tree: Path) -> Path | None:
    for dirpath, _dirs, names in os.walk(tree):
        for name in names:
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                return path
    return None


def reflinks_work(tree: Path, dest_dir: Path) -> bool:
    """Can a file of `tree` be cloned into `dest_dir` (same copy-on-write file system)?"""
    sample = _first_file(tree)
    if sample is None:
        return False
    dest_dir.mkdir(parents=True, exist_ok=True)
    fd, probe = tempfile.mkstemp(dir=dest_dir, prefix=".devkit-reflink-probe-")
    os.close(fd)
    try:
        done = proc.run(["cp", "--reflink=always", str(sample), probe], check=False)
        return done.returncode == 0
    finally:
        os.unlink(probe)


def plan(tree: Path, dest_dir: Path, installed: dict[str, float] | None) -> CopyPlan:
    """Reflink, plain copy or install, and why. `installed`: the source's last install of this tree
    ({"seconds", "files", "bytes"}, measured when it finished); None when nobody measured one: a
    plain copy is then taken (bench/worktree.py shows it winning for venvs and node_modules)."""
    if reflinks_work(tree, dest_dir):
        return CopyPlan("reflink", "reflink copy (the file system shares blocks until either side writes)")
    if not installed or "seconds" not in installed:
        return CopyPlan("copy", "plain copy (no reflinks on this file system)")
    if "files" in installed and "bytes" in installed:
        size = TreeSize(int(installed["files"]), int(installed["bytes"]))
    else:
        size = measure(tree)
    expected, seconds = size.copy_seconds(), float(installed["seconds"])
    if expected < seconds:
        return CopyPlan(
            "copy",
            f"plain copy of {size} (no reflinks on this file system; ~{expected:.1f}s against "
            f"{seconds:.1f}s for the install in the source)",
        )
    return CopyPlan(
        "install",
        f"installing: a plain copy of {size} (~{expected:.1f}s, no reflinks here) is not faster than "
        f"the install was in the source ({seconds:.1f}s)",
    )


def copy_into_place(tree: Path, dest: Path) -> None:
    """Copy `tree` to `dest` (which must not exist) through a temporary name and one rename."""
    for leftover in dest.parent.glob(f"{dest.name}.devkit-copy-*"):
        shutil.rmtree(leftover)
    building = dest.with_name(f"{dest.name}.devkit-copy-{os.getpid()}")
    proc.run([*CP, str(tree), str(building)], hint=f"could not copy {tree}")
    os.rename(building, dest)


def copy_contents(tree: Path, dest: Path) -> None:
    """Copy everything inside `tree` into the existing folder `dest` (files there are replaced)."""
    proc.run([*CP, f"{tree}/.", str(dest)], hint=f"could not copy {tree}")
