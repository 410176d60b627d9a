"""Compose files: DK104 on their images, and the compose files a deploy job uses, whose service
`command:`/`entrypoint:` may run migrations at every container start (DK102 in that job).

A compose command names its files with `-f` (else compose's default names in the working
directory); `docker stack deploy` with `-c`/`--compose-file`. Such a file is looked up in the
repository of the workflow (the folder holding its .github/workflows; a workflow elsewhere is
not followed into compose files): at the path given from the repository root, else, for a name
given with `-f`, the single file of that name in the repository's top folders. A file devkit
cannot find is not followed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devkit.ci.workflows import images, migrations
from devkit.ci.workflows import programs as p
from devkit.ci.workflows.rules import Finding
from devkit.ci.workflows.scripts import Command
from devkit.ci.workflows.source import MAX_BYTES, Map, SourceError, line_of, load_yaml

DEFAULT_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
ROOT_PATTERNS = ("docker-compose*.yml", "docker-compose*.yaml", "compose*.yml", "compose*.yaml")
_STARTS = {"up", "run", "create", "start", "restart"}
_SEARCH_DEPTH = 3
_SKIPPED = {".git", "node_modules", ".venv", "venv", "__pycache__"}


@dataclass(frozen=True)
class ServiceMigration:
    service: str
    key: str  # command | entrypoint
    line: int
    command: str


def root_files(root: Path) -> list[Path]:
    """The compose files at the root of a repository (checked by default). A file with nothing
    but blank lines and comments holds no service: it is not picked by its name alone."""
    found = {p for pattern in ROOT_PATTERNS for p in root.glob(pattern) if p.is_file()}
    return sorted(p for p in found if _has_content(p))


def _has_content(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(MAX_BYTES)
    return any(line.strip() and not line.lstrip().startswith(b"#") for line in head.splitlines())


def check_compose(shown: str, doc: Map) -> Iterator[Finding]:
    """DK104: compose images must not float: untagged, :latest, -latest, or such a default. A
    service with `build:` names the image it builds there: nothing is pulled."""

    def lookup(kind: str, name: str) -> str | None:
        return None  # compose variables come from the pipeline: judged where they are set

    services: Map = doc["services"]
    for name, service in services.items():
        image = service.get("image") if isinstance(service, dict) else None
        if image is None or (isinstance(service, dict) and service.get("build") is not None):
            continue
        problem = images.judge_ref(images.expand(str(image), lookup))
        if problem and ("latest" in problem or "untagged" in problem):
            yield Finding(
                shown,
                line_of(image, services.line_of(name)),
                "DK104",
                f"service '{name}' uses {str(image)!r}: {problem}",
                "pin a version, or take the tag from a variable the pipeline sets to "
                "the commit (image: app:${IMAGE_TAG:?})",
            )


@dataclass(frozen=True)
class Use:
    """A command that deploys from compose files: `said` is the command, shortly (`docker
    compose up`); `starts` when it starts containers (not only pulls their images)."""

    said: str
    files: tuple[str, ...]
    starts: bool


def use(cmd: Command) -> Use | None:
    argv = cmd.argv
    compose = p.compose_call(argv)
    if compose is not None:
        sub, _, files = compose
        said = f"{cmd.name} compose {sub}" if cmd.name != "docker-compose" else f"docker-compose {sub}"
        if sub in _STARTS or sub == "pull":
            return Use(said, tuple(files or DEFAULT_NAMES), sub in _STARTS)
        return None
    call = p.docker_call(argv)
    if call is not None and call.sub == "stack" and argv[call.at : call.at + 1] == ("deploy",):
        files = tuple(v for _, v in p.option_values(argv, {"-c", "--compose-file"}))
        return Use("docker stack deploy", files, True) if files else None
    return None


def load(path: Path) -> Map | None:
    """A compose file's document, or None when it is not one (reported when checked itself)."""
    try:
        doc = load_yaml(path)
    except SourceError:
        return None
    return doc if isinstance(doc, Map) and isinstance(doc.get("services"), Map) else None


def find(root: Path, name: str) -> Path | None:
    """The repository's file for a compose file a deploy command names: the path given, from the
    repository root (compose's default names: the root's file); else, for a path given with
    `-f`, the single file of that name in the repository's top folders (copied to the server
    from there). None when devkit cannot tell which file it is."""
    if "$" in name or not name.strip() or Path(name).is_absolute():
        return None
    relative = name.removeprefix("./")
    direct = root / relative
    if direct.is_file():
        return direct
    if name in DEFAULT_NAMES:
        return None
    matches = [m for m in _walk(root, _SEARCH_DEPTH) if m.name == Path(relative).name]
    return matches[0] if len(matches) == 1 else None


def _walk(folder: Path, depth: int) -> Iterator[Path]:
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.is_file() and entry.suffix in (".yml", ".yaml"):
            yield entry
        elif entry.is_dir() and depth > 0 and entry.name not in _SKIPPED:
            yield from _walk(entry, depth - 1)


def service_migrations(doc: Map) -> list[ServiceMigration]:
    """Services whose `command:` or `entrypoint:` runs migrations at every start."""
    services: Map = doc["services"]
    found: list[ServiceMigration] = []
    for name, service in services.items():
        if not isinstance(service, Map):
            continue
        for key in ("entrypoint", "command"):
            value = service.get(key)
            text = migrations.container_migration(list(value) if isinstance(value, list) else value)
            if text:
                found.append(ServiceMigration(str(name), key, line_of(value, service.line_of(key)), text))
    return found
