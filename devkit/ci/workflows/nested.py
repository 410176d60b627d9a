"""The command a wrapper passes on: ssh's remote command, `bash -c STRING`, `docker exec … CMD`,
`kubectl exec … -- CMD`, `sshpass … ssh …`, `sudo`/`env`/`timeout`/`nohup`/`eval`.

Each wrapper's options are skipped by its own option grammar (which options take a value), so
the nested command is found the way the wrapper itself finds it, not by a regular expression.
"""

from __future__ import annotations

# (nested words, is_script, runs_remote): a script is one string for a shell to parse (ssh
# joins its remaining arguments with spaces and the remote shell re-parses them).
Nested = tuple[tuple[str, ...], bool, bool]

_SSH_VALUE_FLAGS = set("BbcDEeFIiJLlmOoPpQRSWw")
_SHELLS = {"bash", "sh", "dash", "zsh", "ksh", "ash"}
_EXEC_VALUE_FLAGS = {
    "-e",
    "--env",
    "--env-file",
    "-u",
    "--user",
    "-w",
    "--workdir",
    "--detach-keys",
    "--index",
}
_SUDO_VALUE_FLAGS = {"-u", "-g", "-C", "-h", "-p", "-r", "-t", "-U", "-D"}


def program(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def nested_command(argv: list[str]) -> Nested | None:
    """What this command runs in turn, or None when it is not a wrapper."""
    if not argv:
        return None
    name = program(argv[0])
    handler = _HANDLERS.get(name)
    if handler is not None:
        return handler(argv)
    if name in _SHELLS:
        return _shell(argv)
    return None


def _ssh(argv: list[str]) -> Nested | None:
    i = _skip_short_options(argv, 1, _SSH_VALUE_FLAGS)
    rest = argv[i + 1 :]  # argv[i] is the destination
    return ((" ".join(rest),), True, True) if rest else None


def _skip_short_options(argv: list[str], i: int, value_flags: set[str]) -> int:
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        if argv[i] == "--":
            return i + 1
        letters = argv[i][1:]
        takes = next((n for n, c in enumerate(letters) if c in value_flags), None)
        # -p 22 / -i key: the value is the next word unless it follows the letter (-p22)
        i += 2 if takes is not None and takes == len(letters) - 1 else 1
    return i


def _sshpass(argv: list[str]) -> Nested | None:
    i = _skip_short_options(argv, 1, set("pfdP"))
    return (tuple(argv[i:]), False, False) if i < len(argv) else None


def _shell(argv: list[str]) -> Nested | None:
    for i, word in enumerate(argv[1:], 1):
        if word.startswith("-") and not word.startswith("--") and "c" in word[1:]:
            rest = [w for w in argv[i + 1 :] if not w.startswith("-")]
            return ((rest[0],), True, False) if rest else None
        if not word.startswith(("-", "+")):
            return None  # `bash script.sh`: a file devkit cannot see
    return None


def _docker(argv: list[str]) -> Nested | None:
    i = 1
    if len(argv) > 1 and argv[1] == "compose":  # docker compose exec/run SERVICE CMD
        i = 2
    if i < len(argv) and argv[i] in ("container",):
        i += 1
    if i >= len(argv) or argv[i] not in ("exec", "run") or (argv[i] == "run" and i == 1):
        return None  # `docker run IMAGE CMD` runs the image: its command is not followed
    i += 1
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in _EXEC_VALUE_FLAGS else 1
    rest = argv[i + 1 :]  # argv[i] is the container or service
    return (tuple(rest), False, False) if rest else None


def _docker_compose(argv: list[str]) -> Nested | None:
    return _docker(["docker", "compose", *argv[1:]])


def _kubectl(argv: list[str]) -> Nested | None:
    if "exec" not in argv or "--" not in argv:
        return None
    rest = argv[argv.index("--") + 1 :]
    return (tuple(rest), False, True) if rest else None


def _sudo(argv: list[str]) -> Nested | None:
    i = 1
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in _SUDO_VALUE_FLAGS else 1
    return (tuple(argv[i:]), False, False) if i < len(argv) else None


def _env(argv: list[str]) -> Nested | None:
    i = 1
    while i < len(argv) and (argv[i].startswith("-") or "=" in argv[i]):
        i += 2 if argv[i] in ("-u", "--unset", "-C", "--chdir") else 1
    return (tuple(argv[i:]), False, False) if i < len(argv) else None


def _timeout(argv: list[str]) -> Nested | None:
    i = 1
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in ("-s", "--signal", "-k", "--kill-after") else 1
    return (tuple(argv[i + 1 :]), False, False) if i + 1 < len(argv) else None


def _plain(argv: list[str]) -> Nested | None:
    return (tuple(argv[1:]), False, False) if len(argv) > 1 else None


def _eval(argv: list[str]) -> Nested | None:
    return ((" ".join(argv[1:]),), True, False) if len(argv) > 1 else None


_HANDLERS = {
    "ssh": _ssh,
    "sshpass": _sshpass,
    "docker": _docker,
    "podman": _docker,
    "docker-compose": _docker_compose,
    "kubectl": _kubectl,
    "sudo": _sudo,
    "env": _env,
    "timeout": _timeout,
    "nohup": _plain,
    "exec": _plain,
    "time": _plain,
    "eval": _eval,
}
