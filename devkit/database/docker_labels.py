"""What devkit writes on its container and volume, and what it reads back to decide what to do.

Labels identify the project (so devkit finds its resources again and never touches others'),
the devkit version, the container's baked-in settings (a change needs a new container), and what
the volume's data was initialised with (major version, user): the checks before re-use.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from devkit import __version__
from devkit.config.model import Config
from devkit.core.errors import DatabaseError
from devkit.database.docker_image import ImageFacts

PROJECT, ROLE, VERSION = "devkit.project", "devkit.role", "devkit.version"
SPEC, SPEC_HASH = "devkit.spec", "devkit.spec-hash"
PG_MAJOR, DB_USER = "devkit.pg-major", "devkit.user"
FRESH_START = "`devkit down --volumes --yes` (deletes the data)"


def project_id(config: Config) -> str:
    return hashlib.sha256(str(config.root.resolve()).encode()).hexdigest()[:12]


def resource_names(config: Config) -> tuple[str, str]:
    """(container, volume): readable, and unique per project folder."""
    slug = re.sub(r"[^a-z0-9]+", "-", config.root.name.lower()).strip("-")[:30] or "project"
    base = f"devkit-{slug}-{project_id(config)}"
    return f"{base}-postgres", f"{base}-data"


def is_ours(labels: dict[str, str] | None, project: str, role: str) -> bool:
    labels = labels or {}
    return labels.get(PROJECT) == project and labels.get(ROLE) == role


def server_labels(config: Config, spec: dict[str, Any]) -> dict[str, str]:
    return {
        PROJECT: project_id(config),
        ROLE: "server",
        VERSION: __version__,
        SPEC: json.dumps(spec, sort_keys=True),
        SPEC_HASH: spec_hash(spec),
        "devkit.project.path": str(config.root),
    }


def volume_labels(config: Config, image: ImageFacts) -> dict[str, str]:
    return {
        PROJECT: project_id(config),
        ROLE: "data",
        VERSION: __version__,
        PG_MAJOR: str(image.major or ""),
        DB_USER: config.database.user,
    }


def spec_hash(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def spec_of(labels: dict[str, str]) -> dict[str, Any]:
    return json.loads(labels.get(SPEC) or "{}")


def spec_changes(labels: dict[str, str], spec: dict[str, Any]) -> str:
    """'' when the container was made with `spec`; else what differs, for the message."""
    if labels.get(SPEC_HASH) == spec_hash(spec):
        return ""
    before = spec_of(labels)
    changed = [
        f"{key} {before.get(key)!r} -> {value!r}" for key, value in spec.items() if before.get(key) != value
    ]
    return ", ".join(changed) or "devkit's container layout"


def check_volume(
    volume: str, labels: dict[str, str], image: ImageFacts, user: str, new_password: bool
) -> None:
    """Refuse what cannot work on existing data: another major version, user or password."""
    had = int(labels[PG_MAJOR]) if labels.get(PG_MAJOR, "").isdigit() else None
    if had is not None and image.major is not None and had != image.major:
        raise DatabaseError(
            f"the volume {volume} holds a PostgreSQL {had} data directory, and {image.name} runs "
            f"PostgreSQL {image.major}: the data directory is incompatible across major versions",
            hint=f"keep database.image at a {had} image; or move the data: with the old image "
            'running, `pg_dumpall -d "$(devkit db url)" > dump.sql`, then '
            "`devkit down --volumes --yes`, set database.image, `devkit up`, and "
            '`psql "$(devkit db url)" -f dump.sql`',
        )
    if labels.get(DB_USER) and labels[DB_USER] != user:
        raise DatabaseError(
            f"the volume {volume} was initialised for user {labels[DB_USER]!r}, but "
            f"database.user is now {user!r}",
            hint=f"set database.user back to {labels[DB_USER]!r}, or start empty: {FRESH_START}",
        )
    if new_password:
        raise DatabaseError(
            f"the volume {volume} holds data protected by a password devkit no longer has "
            "(.devkit/secrets.json was removed or replaced)",
            hint=f"restore .devkit/secrets.json, or start empty: {FRESH_START}",
        )
