"""What the generated devcontainer installs as devkit: the same devkit the user runs now.

pip records how a distribution was installed in `direct_url.json` (PEP 610): absent for an
install from an index, `vcs_info` for a git URL, `dir_info` for a local folder (editable or not),
`archive_info` for a wheel or sdist file or URL. The container sees the workspace (the project
folder) and the network, nothing else of this machine, so a folder outside the workspace is
reached through its git remote, or not at all (then the index, with a warning).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from devkit import DIST_NAME, __version__


@dataclass(frozen=True)
class InstallSpec:
    spec: str  # what `uv tool install` is given
    source: str  # how devkit runs here, and so where the container gets it from
    warning: str | None = None

    @property
    def command(self) -> str:
        """The shell words of the postCreateCommand's install (an isolated tool install)."""
        return f"uv tool install {shlex.quote(self.spec)}"


def index_spec() -> str:
    return f"{DIST_NAME}=={__version__}"


def given(spec: str) -> InstallSpec:
    return InstallSpec(spec, "--install-spec")


def detect(workspace: Path) -> InstallSpec:
    """The install spec for the devkit that is running, as seen from a container of `workspace`."""
    try:
        dist = metadata.distribution(DIST_NAME)
    except metadata.PackageNotFoundError:
        # Run from a source tree that is not installed (python -m devkit in a checkout).
        return _from_folder(Path(__file__).resolve().parents[2], workspace, "a source tree")
    return from_direct_url(dist.read_text("direct_url.json"), workspace)


def from_direct_url(raw: str | None, workspace: Path) -> InstallSpec:
    """Interpret pip's direct_url.json (PEP 610) of the installed devkit; None: from an index."""
    if not raw:
        return InstallSpec(index_spec(), f"the package index ({DIST_NAME} {__version__} came from it)")
    data = json.loads(raw)
    url = str(data.get("url", ""))
    if "vcs_info" in data:
        vcs = data["vcs_info"]
        kind = vcs.get("vcs", "git")
        ref = vcs.get("commit_id") or vcs.get("requested_revision")
        return InstallSpec(f"{kind}+{url}" + (f"@{ref}" if ref else ""), f"a {kind} URL (installed from it)")
    if url.startswith("file://"):
        path = Path(unquote(urlparse(url).path))
        what = "an editable checkout" if data.get("dir_info", {}).get("editable") else "a local path"
        return _from_folder(path, workspace, what) if path.is_dir() else _from_file(path, workspace)
    return InstallSpec(url, "a URL (installed from it)")


def _from_folder(path: Path, workspace: Path, what: str) -> InstallSpec:
    inside = _inside(path, workspace)
    if inside is not None:
        return InstallSpec(inside, f"{what} inside the workspace ({inside})")
    remote = _git_remote(path)
    if remote is not None:
        url, commit, dirty = remote
        warning = (
            f"{path} has uncommitted changes; the container installs commit {commit[:12]} from {url}"
            if dirty
            else None
        )
        return InstallSpec(f"git+{url}@{commit}", f"{what} at {path} (its git remote and commit)", warning)
    return InstallSpec(
        index_spec(),
        f"{what} at {path}",
        f"devkit runs from {path}, which the container cannot see and which has no git remote: "
        f"the devcontainer installs {index_spec()} from the package index instead; "
        "pass --install-spec (a path inside the project, a git URL or a package) to change that",
    )


def _from_file(path: Path, workspace: Path) -> InstallSpec:
    inside = _inside(path, workspace)
    if inside is not None:
        return InstallSpec(inside, f"a file inside the workspace ({inside})")
    return InstallSpec(
        index_spec(),
        f"the file {path}",
        f"devkit was installed from {path}, which the container cannot see: the devcontainer "
        f"installs {index_spec()} from the package index instead; pass --install-spec to change that",
    )


def _inside(path: Path, workspace: Path) -> str | None:
    try:
        rel = path.resolve().relative_to(workspace.resolve())
    except ValueError:
        return None
    return "./" + rel.as_posix() if rel.parts else "."


def _git_remote(path: Path) -> tuple[str, str, bool] | None:
    """(remote URL, HEAD commit, dirty) of the checkout at `path`, when it has a fetchable remote."""
    from devkit.core import proc

    def git(*args: str) -> str | None:
        try:
            done = proc.run(["git", "-C", str(path), *args], check=False)
        except proc.CommandNotFound:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    url = git("remote", "get-url", "origin")
    commit = git("rev-parse", "HEAD")
    if not url or not commit or not url.startswith(("https://", "http://", "ssh://", "git@")):
        return None
    status = git("status", "--porcelain", "--untracked-files=no")
    return url, commit, bool(status)
