"""`.devkit/`: state.json (fingerprints), secrets.json (mode 0600), the project lock, fingerprints."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from devkit.core.errors import LockHeld
from devkit.core.masking import register


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    """Write through a temp file in the same folder and os.replace: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except ValueError:
        return {}  # a corrupt state file only costs a re-run of the steps
    return data if isinstance(data, dict) else {}


# The shape of state.json: top-level key -> the type of its value; for a table, key -> type.
# A file that does not match is set aside and rebuilt like an unreadable one (docs/contract.md).
_TEXT = (str, type(None))
_STEP = {"fingerprint": str, "detail": str, "marker": str, "at": (int, float)}
_SHAPE: dict[str, Any] = {
    "steps": ("each", _STEP),
    "native": {"data_dir": str, "port": int, "note": _TEXT, "password": str},
    "docker": {"port": int, "container": str, "volume": str, "password": str},
    "provider": str,
    "superuser_password_unset": bool,
    "env_seeded": list,
    "devkit_rows": dict,
    "settings_env_reads": list,
    "env_guesses": list,
}


def _type_problem(value: Any, kind: Any, where: str) -> str | None:
    if isinstance(kind, dict):
        if not isinstance(value, dict):
            return f"{where} is {type(value).__name__}, expected a table"
        for key, inner in value.items():
            if key in kind:
                problem = _type_problem(inner, kind[key], f"{where}.{key}")
                if problem:
                    return problem
        return None
    if isinstance(kind, tuple) and kind and kind[0] == "each":
        if not isinstance(value, dict):
            return f"{where} is {type(value).__name__}, expected a table"
        for key, inner in value.items():
            problem = _type_problem(inner, kind[1], f"{where}.{key}")
            if problem:
                return problem
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        return f"{where} is {value!r:.40}, expected {_kind_name(kinds)}"
    return None


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {str: "text", int: "an integer", float: "a number", bool: "true or false", type(None): "null"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def state_problem(data: Any) -> str | None:
    """Why `data` is not the shape of state.json, or None (unknown keys are left alone)."""
    if not isinstance(data, dict):
        return f"the file holds {type(data).__name__}, expected a table"
    for key, kind in _SHAPE.items():
        if key in data:
            problem = _type_problem(data[key], kind, key)
            if problem:
                return problem
    return None


def secrets_problem(data: Any) -> str | None:
    """Why `data` is not the shape of secrets.json (names -> non-empty text), or None."""
    if not isinstance(data, dict):
        return f"the file holds {type(data).__name__}, expected a table"
    for key, value in data.items():
        if not isinstance(value, str) or not value:
            return f"{key} is {type(value).__name__}, expected non-empty text"
    return None


def set_aside(path: Path, why: str) -> Path | None:
    """Move a damaged file out of the way (`<name>.corrupt-<time>`), never delete it; returns
    where it went, None when another devkit moved it first."""
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return None
    return aside


class State:
    """Per-step records in .devkit/state.json; a record is written only after its step succeeded."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "state.json"
        self.set_aside: Path | None = None
        self.set_aside_why = ""
        self.data = self._load()
        self._lock = threading.Lock()  # steps record from worker threads

    def _load(self) -> dict[str, Any]:
        """state.json is derived data: an unreadable one, or one not of its shape, is set aside
        (state.json.corrupt-<time>) and rebuilt from what exists, never a reason to stop."""
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            why: str | None = "not JSON"
        else:
            why = state_problem(data)
        if why is None:
            return data
        aside = set_aside(self.path, why)
        if aside is not None and self.set_aside is None:
            self.set_aside, self.set_aside_why = aside, why
        return {}

    def step(self, name: str) -> dict[str, Any]:
        return dict(self.data.get("steps", {}).get(name, {}))

    def record_step(
        self, name: str, fingerprint: str, detail: str, marker: str = "", inputs: dict[str, str] | None = None
    ) -> None:
        """`inputs`: the step's short per-input digests (core/inputs.py), kept in inputs.json."""
        with self._lock:
            self.reload()
            self.data.setdefault("steps", {})[name] = {
                "fingerprint": fingerprint,
                "detail": detail,
                "marker": marker,
                "at": time.time(),
            }
            self.save()
            if inputs is not None:
                path = self.path.with_name("inputs.json")
                kept = read_json(path)
                kept[name] = inputs
                write_atomic(path, json.dumps(kept, sort_keys=True) + "\n")

    def recorded_inputs(self, name: str) -> dict[str, str] | None:
        """The per-input digests recorded with the step's last success (None: not recorded)."""
        found = read_json(self.path.with_name("inputs.json")).get(name)
        if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
            return None
        return found

    def forget_step(self, name: str) -> None:
        with self._lock:
            self.reload()
            self.data.get("steps", {}).pop(name, None)
            self.save()

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self.reload()
            self.data[key] = value
            self.save()

    def reload(self) -> None:
        self.data = self._load()

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.data, indent=2, sort_keys=True) + "\n")


class Secrets:
    """Generated passwords in .devkit/secrets.json, mode 0600; every value is registered for masking.

    A file that is not of its shape (names -> text) is set aside like a corrupt state.json: the
    passwords are then generated anew, and the providers' lost-password repair applies them."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "secrets.json"
        self.set_aside: Path | None = None
        self.set_aside_why = ""

    def check(self) -> None:
        """Read once: a damaged file is set aside now, so the run's notes can say so."""
        self._read()

    def _read(self) -> dict[str, str]:
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            why: str | None = "not JSON"
        else:
            why = secrets_problem(data)
        if why is None:
            return data
        aside = set_aside(self.path, why)
        if aside is not None and self.set_aside is None:
            self.set_aside, self.set_aside_why = aside, why
        return {}

    def get_or_create(self, key: str) -> tuple[str, bool]:
        data = self._read()
        created = key not in data
        if created:
            data[key] = secrets.token_urlsafe(18)
            write_atomic(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n", 0o600)
        register(data[key])
        return data[key], created

    def put(self, key: str, value: str) -> None:
        """Keep a given secret (a branch takes the source's superuser password with its rows)."""
        data = self._read()
        data[key] = value
        write_atomic(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n", 0o600)
        register(value)

    def forget(self, key: str) -> None:
        """Drop one secret (the next get_or_create makes a new one)."""
        data = self._read()
        if data.pop(key, None) is not None:
            write_atomic(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n", 0o600)

    def get(self, key: str) -> str | None:
        value = self._read().get(key)
        register(value)
        return value


@contextlib.contextmanager
def project_lock(folder: Path, timeout: float, on_wait: Any = None) -> Iterator[None]:
    """Hold .devkit/lock; wait up to `timeout` for another devkit, then raise LockHeld."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lock"
    with open(path, "a+") as handle:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = path.read_text().strip() or "unknown"
                if time.monotonic() >= deadline:
                    raise LockHeld(
                        f"another devkit (pid {holder}) is working on this project",
                        hint=f"wait for it to finish, or stop it; the lock is {path}",
                    ) from None
                if on_wait and not told:
                    on_wait(holder)
                    told = True
                time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def fingerprint(parts: Iterable[str | bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def file_digest(path: Path) -> str:
    """Content hash of a file, or 'missing'."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


def stat_digest(path: Path) -> str:
    """Cheap identity of a file (size + mtime + inode): changes when a binary is replaced."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
