"""The command a wrapper passes on, found the way the wrapper itself finds it (its own option
grammar, programs.py): ssh's remote command, `bash -c STRING`, `eval`, `gcloud compute ssh
--command`, `docker exec … CMD`, `docker compose exec|run SERVICE CMD`, `kubectl exec … -- CMD`,
`docker run IMAGE CMD` (the container's command), `sshpass`, `sudo`, `env`, `timeout`, `nohup`.
"""

from __future__ import annotations

from dataclasses import dataclass

from devkit.ci.workflows import programs as p
from devkit.ci.workflows.shell import Word


@dataclass(frozen=True)
class Nested:
    """What a wrapper runs: `words` (an argv), or `script` (a string a shell parses).
    `stdin_script`: the wrapper runs a shell that reads its script from stdin (`ssh host` with
    no command, `bash -s`), so a heredoc fed to the wrapper is that script. `wrapper`: the
    command only passes the nested one on (ssh, sudo, bash -c); `docker run IMAGE CMD` and
    `docker exec` do something themselves too (they run a container). `container`: the nested
    command runs inside a container (the image's command, `exec` into a service or a pod)."""

    words: tuple[Word, ...] = ()
    script: Word | None = None
    remote: bool = False
    container: bool = False
    stdin_script: bool = False
    wrapper: bool = True


def nested_command(words: tuple[Word, ...]) -> Nested | None:
    """What this command runs in turn, or None when it is not a wrapper."""
    if not words:
        return None
    argv = tuple(w.text for w in words)
    name = p.program(argv[0])
    if name in p.SHELLS:
        return _shell(words, argv)
    handler = _HANDLERS.get(name)
    return handler(words, argv) if handler is not None else None


def _shell(words: tuple[Word, ...], argv: tuple[str, ...]) -> Nested | None:
    """`bash -c STRING`, `bash -s` / `bash` (reads stdin); `bash script.sh` runs a file devkit
    cannot see."""
    i = p.skip_options(argv, 1, p.SHELL)
    options = "".join(w[1:] for w in argv[1:i] if w.startswith("-") and not w.startswith("--"))
    if "c" in options:
        return Nested(script=words[i]) if i < len(words) else None
    if "s" in options or i >= len(argv):
        return Nested(stdin_script=True)
    return None


def _ssh(words: tuple[Word, ...], argv: tuple[str, ...]) -> Nested | None:
    destination = p.skip_options(argv, 1, p.SSH)
    if destination >= len(argv):
        return None
    i = p.skip_options(argv, destination + 1, p.SSH)  # OpenSSH reads options after it too
    if i == len(argv):
        return Nested(remote=True, stdin_script=True)
    # ssh joins its remaining arguments with spaces; the remote shell parses the result
    text = " ".join(w.text for w in words[i:])
    return Nested(script=Word(text, words[i].line), remote=True)


def _gcloud(words: tuple[Word, ...], argv: tuple[str, ...]) -> Nested | None:
    if argv[1:3] != ("compute", "ssh"):
        return None
    found = p.option_values(argv, {"--command"})
    if found:
        index, text = found[-1]
        return Nested(script=Word(text, words[index].line), remote=True)
    return Nested(remote=True, stdin_script=True)


def _after(words: tuple[Word, ...], start: int, **flags: bool) -> Nested | None:
    return Nested(words=words[start:], **flags) if start < len(words) else None


def _sshpass(words: tuple[Word, ...], argv: tuple[str, ...]) -> Nested | None:
    return _after(words, p.skip_options(argv, 1, p.SSHPASS))


def _docker(words: tuple[Word, ...], argv: tuple[str, ...]) -> Nested | None:
    compose = p.compose_call(argv)
    if compose is not None:
        sub, at, _ = compose
        if sub not in ("exec", "run"):
            return None
        grammar = p.COMPOSE_EXEC if sub == "exec" else p.COMPOSE_RUN
        service = p.skip_options(argv, at, grammar)
        return _after(words, service + 1, container=True, wrapper=False)
    call = p.docker_call(argv)
    if call is None:
        return None
    if call.sub == "exec":
        target = p.skip_options(argv, call.at, p.DOCKER_EXEC)
        return _after(words, target + 1, container=True, wrapper=False)
    if call.sub == "run":
        image = p.docker_run_image(argv, call)
        return None if image is None else _after(words, image + 1, container=True, wrapper=False)
    return None


def _kubectl(words: tuple[Word, ...], argv: tuple[str, ...]) -> Nested | None:
    places = p.positionals(argv, 1, p.KUBECTL)
    if not places or argv[places[0]] != "exec" or "--" not in argv:
        return None
    return _after(words, argv.index("--") + 1, remote=True, container=True, wrapper=False)


def _sudo(words: tuple[Word, ...], argv: tuple[str, ...]) -> Nested | None:
    return _after(words, p.skip_options(argv, 1, p.SUDO))


def _env(words: tuple[Word, ...], argv: tuple[str, ...]) -> Nested | None:
    i = p.skip_options(argv, 1, p.ENV)
    while i < len(argv) and "=" in argv[i] and not argv[i].startswith("="):
        i += 1  # env NAME=value … command
    return _after(words, i)


def _timeout(words: tuple[Word, ...], argv: tuple[str, ...]) -> Nested | None:
    return _after(words, p.skip_options(argv, 1, p.TIMEOUT) + 1)  # the first operand is the duration


def _plain(words: tuple[Word, ...], argv: tuple[str, ...]) -> Nested | None:
    return _after(words, 1)


def _eval(words: tuple[Word, ...], argv: tuple[str, ...]) -> Nested | None:
    if len(words) < 2:
        return None
    return Nested(script=Word(" ".join(w.text for w in words[1:]), words[1].line))


_HANDLERS = {
    "ssh": _ssh,
    "sshpass": _sshpass,
    "gcloud": _gcloud,
    "docker": _docker,
    "podman": _docker,
    "docker-compose": _docker,
    "kubectl": _kubectl,
    "sudo": _sudo,
    "env": _env,
    "timeout": _timeout,
    "nohup": _plain,
    "exec": _plain,
    "time": _plain,
    "eval": _eval,
}
