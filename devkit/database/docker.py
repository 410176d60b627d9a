"""PostgreSQL in a container through the docker SDK: one container and one named volume per project.

Both carry devkit's labels (project id, devkit version, a hash of the settings that need a new
container); a container or volume without them is never started, stopped or deleted. Readiness is
the host-side wait (wait.py): engines such as Podman without systemd never run HEALTHCHECKs.
"""

from __future__ import annotations

from typing import Any

from devkit.config.model import Config
from devkit.core.errors import DatabaseError
from devkit.core.state import Secrets, State
from devkit.database.base import Connection
from devkit.database.docker_engine import connect, engine_answers
from devkit.database.docker_image import ImageFacts, ensure_image
from devkit.database.docker_labels import (
    check_volume,
    is_ours,
    project_id,
    resource_names,
    server_labels,
    spec_changes,
    spec_of,
    volume_labels,
)
from devkit.database.docker_password import password_mark, set_password
from devkit.database.native import free_port

__all__ = ["DockerPostgres", "engine_answers"]

BIND = "127.0.0.1"  # published on loopback only
PORT_IN_USE = ("address already in use", "port is already allocated", "bind for")


class DockerPostgres:
    name = "docker"
    owns_server = True

    def __init__(self, config: Config, state: State, secrets: Secrets, recreate: bool = False) -> None:
        self.config = config
        self.state = state
        self.secrets = secrets
        self.recreate = recreate
        self.project = project_id(config)
        self.container_name, self.volume_name = resource_names(config)
        recorded = state.get("docker", {})
        if recorded.get("container") not in (None, self.container_name):
            # Copied along with the folder (`cp -a`): the original's port is not this project's.
            state.put("docker", {})
            recorded = {}
        self.port = config.database.port or int(recorded.get("port") or 0)
        self._client: Any = None
        self._container: Any = None
        self.notes: list[str] = []

    def fingerprint_inputs(self) -> dict[str, str]:
        db = self.config.database
        return {
            "the container's name": self.container_name,
            "database.image": db.image,
            "the database port": str(self.port),
            "database.name": db.name,
            "database.user": db.user,
        }

    # -- finding what devkit made ------------------------------------------------------------
    def _engine(self) -> Any:
        if self._client is None:
            self._client = connect()
        return self._client

    def _container_or_none(self) -> Any:
        """This project's container; a DatabaseError when the name belongs to someone else."""
        import docker.errors

        try:
            container = self._engine().containers.get(self.container_name)
        except docker.errors.NotFound:
            return None
        if not is_ours(container.labels, self.project, "server"):
            raise DatabaseError(
                f"a container named {self.container_name} exists, but devkit did not create it "
                "(it lacks devkit's labels), so devkit will not use, stop or remove it",
                hint="rename or remove that container yourself, or use another provider",
            )
        return container

    def _volume_or_none(self) -> Any:
        import docker.errors

        try:
            volume = self._engine().volumes.get(self.volume_name)
        except docker.errors.NotFound:
            return None
        if not is_ours(volume.attrs.get("Labels"), self.project, "data"):
            raise DatabaseError(
                f"a volume named {self.volume_name} exists, but devkit did not create it, so "
                "devkit will not mount or delete it",
                hint="rename or remove that volume yourself, or use another provider",
            )
        return volume

    # -- lifecycle -----------------------------------------------------------------------------
    def ensure(self) -> Connection:
        container = self._container_or_none()
        image = ensure_image(self._engine(), self.config.database.image)
        password, new_password = self.secrets.get_or_create("database.password")
        volume = self._volume_or_none()
        recorded = self.state.get("docker", {}).get("password")
        if volume is not None:
            labels = volume.attrs.get("Labels") or {}
            # A lost password is recovered below (issue 10), not a reason to stop.
            check_volume(self.volume_name, labels, image, self.config.database.user, False)
            repair = new_password or (recorded is not None and recorded != password_mark(password))
        else:
            self._engine().volumes.create(self.volume_name, labels=volume_labels(self.config, image))
            repair = False
        try:
            container = self._run(container, image, password)
        except _PortRetry:
            container = self._run(None, image, password)
        self._container = container
        if repair:
            set_password(container, self.config.database.user, password, self.config.database.wait_timeout)
            self.notes.append(
                "the stored database password was lost (.devkit/secrets.json); a new password was "
                "set through the container's local socket, the data was not touched"
            )
        if repair or volume is None:
            self.state.put("docker", {**self.state.get("docker", {}), "password": password_mark(password)})
        return self.connection(password, self._published_port(container))

    def _run(self, container: Any, image: ImageFacts, password: str) -> Any:
        """Use, start, or (re-)create the container; return it running."""
        self.port = self._choose_port(container)
        spec = self._spec(image)
        changes = spec_changes(container.labels, spec) if container is not None else ""
        if changes:
            self._replace_or_refuse(container, changes)
            container = None
        if container is None:
            container = self._create(image, password, spec)
            self._start(container, created=True)
        elif container.status != "running":
            self._start(container, created=False)
        return container

    def _choose_port(self, container: Any) -> int:
        """Fixed: database.port. Else the port chosen before (state, then the container labels)."""
        if self.config.database.port:
            return self.config.database.port
        if self.port:
            return self.port
        if container is not None:
            return int(spec_of(container.labels).get("port") or free_port())
        return free_port()

    def _spec(self, image: ImageFacts) -> dict[str, Any]:
        """The settings baked into the container: a change needs a new container."""
        return {"image": image.name, "data_path": image.data_path, "port": self.port}

    def _replace_or_refuse(self, container: Any, changes: str) -> None:
        if not self.recreate:
            raise DatabaseError(
                f"the container {self.container_name} was made with other settings: {changes}",
                hint="`devkit up --recreate` re-creates it (the data volume is kept), or change "
                "the settings back",
            )
        container.remove(force=True, v=True)

    def _create(self, image: ImageFacts, password: str, spec: dict[str, Any]) -> Any:
        db = self.config.database
        container = self._engine().containers.create(
            image.name,
            name=self.container_name,
            labels=server_labels(self.config, spec),
            environment={"POSTGRES_USER": db.user, "POSTGRES_PASSWORD": password, "POSTGRES_DB": db.name},
            volumes={self.volume_name: {"bind": image.data_path, "mode": "rw"}},
            ports={"5432/tcp": (BIND, self.port)},
        )
        self.state.put(
            "docker",
            {
                **self.state.get("docker", {}),
                "port": self.port,
                "container": self.container_name,
                "volume": self.volume_name,
            },
        )
        return container

    def _start(self, container: Any, created: bool) -> None:
        import docker.errors

        try:
            container.start()
        except docker.errors.APIError as exc:
            text = str(exc.explanation or exc)
            port_taken = any(marker in text.lower() for marker in PORT_IN_USE)
            if created or (port_taken and not self.config.database.port):
                # Podman keeps a failed container's port bound until it is removed; data is in
                # the volume, so nothing is lost.
                container.remove(force=True, v=True)
            if port_taken:
                raise self._port_error(exc, text) from exc
            raise DatabaseError(
                f"the container {self.container_name} did not start: {text}",
                hint="see the engine's message above",
            ) from exc
        container.reload()

    def _port_error(self, exc: Exception, text: str) -> DatabaseError:
        if self.config.database.port:
            return DatabaseError(
                f"port {self.port} on {BIND} is already in use (database.port = {self.port}), so "
                "the container cannot publish it",
                hint=f"stop what listens there (ss -ltnp 'sport = :{self.port}'), or set "
                "database.port = 0 to let devkit choose a free port",
                details=text,
            )
        # The port was devkit's own choice: forget it; the next attempt picks a free one.
        self.state.put("docker", {**self.state.get("docker", {}), "port": 0})
        self.port = 0
        return _PortRetry(text)

    def _published_port(self, container: Any) -> int:
        """Read after every start: an engine may publish a different port than last time."""
        bindings = (container.ports or {}).get("5432/tcp") or []
        return int(bindings[0]["HostPort"]) if bindings else self.port

    def connection(self, password: str | None = None, port: int | None = None) -> Connection:
        db = self.config.database
        return Connection(
            db.host,
            port or self.port,
            db.name,
            db.user,
            password or self.secrets.get("database.password") or "",
            self.name,
        )

    def current(self) -> Connection | None:
        try:
            container = self._container_or_none()
        except DatabaseError:
            return None  # no engine, or a foreign container: not up; ensure() says why
        if container is None or container.status != "running":
            return None
        self._container = container
        return self.connection(port=self._published_port(container))

    def confirm(self, db: Any) -> str | None:
        return None  # the engine publishes the port to this project's labelled container only

    def alive(self) -> str | None:
        import docker.errors

        if self._container is None:
            return f"container {self.container_name} was not started"
        try:
            self._container.reload()
        except docker.errors.NotFound:
            return f"container {self.container_name} was removed"
        if self._container.status in ("exited", "dead"):
            code = self._container.attrs.get("State", {}).get("ExitCode")
            return f"container {self.container_name} exited with code {code}"
        return None

    def log_tail(self, lines: int = 30) -> str:
        if self._container is None:
            return ""
        return self._container.logs(tail=lines).decode(errors="replace").rstrip()

    def stop(self) -> str:
        container = self._container_or_none()
        if container is None:
            return f"no devkit container {self.container_name}; nothing to stop"
        if container.status != "running":
            return f"container {self.container_name} is not running ({container.status})"
        container.stop(timeout=10)
        return f"stopped container {self.container_name}; data kept in volume {self.volume_name}"

    def remove(self) -> str:
        container, volume = self._container_or_none(), self._volume_or_none()
        if container is not None:
            container.remove(force=True, v=True)
        if volume is not None:
            volume.remove()
        self.state.put("docker", {})
        if container is None and volume is None:
            return f"no devkit container or volume for {self.config.root}; nothing removed"
        return f"removed container {self.container_name} and volume {self.volume_name}"

    def status(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "provider": self.name,
            "container": self.container_name,
            "volume": self.volume_name,
            "image": self.config.database.image,
            "port": self.port or None,
        }
        try:
            container = self._container_or_none()
            volume = self._volume_or_none()
        except DatabaseError as exc:
            return {**info, "state": exc.message}
        info["state"] = container.status if container is not None else "absent"
        if container is not None:
            info["image"] = spec_of(container.labels).get("image", info["image"])
            info["port"] = self._published_port(container) if container.status == "running" else info["port"]
        info["volume"] = self.volume_name if volume is not None else None
        if self.notes:
            info["note"] = "; ".join(self.notes)
        return info


class _PortRetry(DatabaseError):
    """The published port devkit chose was taken meanwhile; ensure() retries with a new one."""

    def __init__(self, text: str) -> None:
        super().__init__("the port devkit chose is taken now", details=text)
