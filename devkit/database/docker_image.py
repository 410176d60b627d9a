"""The PostgreSQL image: present or pulled (with progress), its major version and its data path."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from devkit.core.errors import DatabaseError

IMAGE_KEY = "database.image"
PullEvents = Callable[[Iterable[dict[str, Any]]], None]


@dataclass(frozen=True)
class ImageFacts:
    name: str
    major: int | None  # PostgreSQL major version, None when neither PG_MAJOR nor the tag says
    data_path: str  # where the volume is mounted


def ensure_image(client: Any, image: str, show: PullEvents | None = None) -> ImageFacts:
    """The image's facts; pulled first only when the engine does not have it."""
    import docker.errors

    try:
        found = client.images.get(image)
    except docker.errors.NotFound:  # ImageNotFound on Docker; Podman may send plain 404s
        pull(client, image, show or show_pull)
        found = client.images.get(image)
    return facts(image, found.attrs.get("Config") or {})


def facts(image: str, config: dict[str, Any]) -> ImageFacts:
    env = dict(item.split("=", 1) for item in config.get("Env") or [] if "=" in item)
    major = _major(env.get("PG_MAJOR", "")) or _major(_tag(image))
    volumes = list((config.get("Volumes") or {}).keys())
    if len(volumes) == 1:
        data_path = volumes[0]  # the image says where its data lives
    elif major is not None and major >= 18:
        data_path = "/var/lib/postgresql"  # 18+: PGDATA is /var/lib/postgresql/<major>/docker
    else:
        data_path = "/var/lib/postgresql/data"
    return ImageFacts(image, major, data_path)


def pull(client: Any, image: str, show: PullEvents) -> None:
    """Pull `image`; a failure becomes one error naming the image, the cause and the config key."""
    import docker.errors

    def events() -> Iterable[dict[str, Any]]:
        for event in client.api.pull(image, stream=True, decode=True):
            if event.get("error"):
                raise _pull_error(image, str(event["error"]))
            yield event

    try:
        show(events())
    except docker.errors.APIError as exc:
        raise _pull_error(image, str(exc.explanation or exc)) from exc


def _pull_error(image: str, cause: str) -> DatabaseError:
    lowered = cause.lower()
    if "no space left" in lowered:
        why, hint = "the disk is full", "free disk space (docker system prune), then devkit up"
    elif (
        "no such host" in lowered
        or "dial tcp" in lowered
        or "timeout" in lowered
        or "network is unreachable" in lowered
        or "connection refused" in lowered
    ):
        why = "no registry is reachable (offline, proxy or DNS)"
        hint = (
            f"connect to the network, or set {IMAGE_KEY} to an image the engine already has (docker images)"
        )
    elif "not found" in lowered or "manifest unknown" in lowered or "does not exist" in lowered:
        why, hint = "the registry has no such image or tag", f"set {IMAGE_KEY} to an existing image"
    elif "unauthorized" in lowered or "denied" in lowered:
        why = "the registry refused access"
        hint = f"`docker login` to the registry, or set {IMAGE_KEY} to a public image"
    else:
        why, hint = "the pull failed", f"check the engine's registry access or change {IMAGE_KEY}"
    return DatabaseError(
        f"cannot pull image {image}: {why}",
        hint=f"{hint} (the image comes from {IMAGE_KEY} in devkit.toml)",
        details=cause,
    )


def _tag(image: str) -> str:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def _major(text: str) -> int | None:
    match = re.match(r"(\d+)", text)
    return int(match.group(1)) if match else None


def show_pull(events: Iterable[dict[str, Any]]) -> None:
    """Rich progress (bytes of all layers) on the command's console when it is a terminal."""
    from devkit.core.ui import console

    out = console()
    if not out.is_terminal:
        for _ in events:
            pass
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    layers: dict[str, tuple[int, int]] = {}
    with Progress(
        TextColumn("pulling image"),
        BarColumn(),
        DownloadColumn(),
        console=out,
        transient=True,
    ) as progress:
        task = progress.add_task("pull", total=None)
        for event in events:
            detail = event.get("progressDetail") or {}
            if event.get("id") and detail.get("total"):
                layers[event["id"]] = (int(detail.get("current", 0)), int(detail["total"]))
                progress.update(
                    task,
                    completed=sum(c for c, _ in layers.values()),
                    total=sum(t for _, t in layers.values()),
                )
