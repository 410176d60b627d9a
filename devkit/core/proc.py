"""The one subprocess helper: argv lists only (never a shell), full output captured or logged."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from devkit.core import children
from devkit.core.errors import DevkitError
from devkit.core.masking import mask


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


class CommandFailed(DevkitError):
    """A command exited non-zero; carries argv, return code and the tail of its output."""

    kind = "command"

    def __init__(
        self,
        argv: Sequence[str],
        returncode: int,
        output: str,
        hint: str | None = None,
        log: Path | None = None,
    ) -> None:
        from devkit.core.tracebacks import summarize

        # `python manage.py migrate_schemas --tenant`: the log line below has the full paths
        name = " ".join(os.path.basename(a) if os.path.isabs(a) else a for a in argv[:4])
        where = f" (full log: {log})" if log else ""
        raised = summarize(output)  # the project's own traceback: two lines here, all of it with -v
        super().__init__(
            f"`{name}` exited with {returncode}{where}",
            hint=hint,
            details=mask(raised.lines() if raised else tail(output, 30)),
        )
        self.verbose_details = mask(tail(output, 200)) if raised else None
        self.argv = tuple(argv)
        self.returncode = returncode
        self.output = output
        self.log = log


class CommandNotFound(DevkitError):
    kind = "command"


def tail(text: str, lines: int) -> str:
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    log: Path | None = None,
    user: str | None = None,
    timeout: float | None = None,
    hint: str | None = None,
    stdin_data: str | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Completed:
    """Run argv; capture stdout/stderr (to `log` as well when given); raise CommandFailed.

    `on_line` receives each output line as it comes (an installer's progress for the live view).

    `user` runs the command as that system user (only meaningful as root: PostgreSQL refuses
    to run as root). Environment: os.environ updated with `env`.
    """
    args = [os.fspath(a) for a in argv]
    full_env = {**os.environ, **(env or {})}
    extra: dict[str, object] = {}
    if user is not None:
        extra.update(user=user, group=_group_of(user), extra_groups=[])
    if on_line is not None and stdin_data is not None:
        raise ValueError("on_line does not combine with stdin_data")
    started = time.monotonic()
    try:
        # A process group of its own: devkit can stop the command's whole tree (children.py).
        popen = subprocess.Popen(
            args,
            cwd=cwd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1 if on_line is not None else -1,
            stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            process_group=0,
            **extra,  # type: ignore[arg-type]
        )
    except FileNotFoundError as exc:
        raise CommandNotFound(f"{args[0]}: command not found", hint=hint) from exc
    children.started(popen.pid)
    try:
        with popen:
            try:
                if on_line is None:
                    stdout, stderr = popen.communicate(stdin_data, timeout=timeout)
                else:
                    stdout, stderr = _streamed(popen, on_line, timeout)
            except BaseException:  # a timeout or an interrupt: the command's tree goes too
                children.kill_group(popen.pid, signal.SIGKILL)
                popen.wait()
                raise
    finally:
        children.finished(popen.pid)
    proc = subprocess.CompletedProcess(args, popen.returncode, stdout, stderr)
    seconds = time.monotonic() - started
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(
            mask(
                f"$ {' '.join(args)}\n# exit {proc.returncode} after {seconds:.2f}s\n"
                f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}\n"
            )
        )
    result = Completed(tuple(args), proc.returncode, proc.stdout, proc.stderr, seconds)
    if check and proc.returncode != 0:
        raise CommandFailed(args, proc.returncode, proc.stdout + proc.stderr, hint=hint, log=log)
    return result


def _streamed(
    popen: subprocess.Popen[str], on_line: Callable[[str], None], timeout: float | None
) -> tuple[str, str]:
    """Collect stdout/stderr like communicate(), handing each line to on_line as it comes."""
    import threading

    out: dict[str, list[str]] = {"stdout": [], "stderr": []}

    def read(name: str) -> None:
        for line in getattr(popen, name):
            out[name].append(line)
            on_line(line.rstrip("\n"))

    readers = [threading.Thread(target=read, args=(n,), daemon=True) for n in out]
    for reader in readers:
        reader.start()
    popen.wait(timeout=timeout)
    for reader in readers:
        reader.join()
    return "".join(out["stdout"]), "".join(out["stderr"])


def spawn_detached(
    argv: Sequence[str | os.PathLike[str]],
    *,
    log: Path,
    cwd: Path | None = None,
    user: str | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start a long-running server in its own session so it outlives devkit; output to `log`."""
    extra: dict[str, object] = {}
    if user is not None:
        extra.update(user=user, group=_group_of(user), extra_groups=[])
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return subprocess.Popen(
            [os.fspath(a) for a in argv],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **extra,  # type: ignore[arg-type]
        )


def _group_of(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_gid
