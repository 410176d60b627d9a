"""What devkit knows about the programs a deploy runs: which options take a value, so that an
option's value is never taken for an image or a command, and where a program's own arguments
end (docker's global `-c/--context` comes before the subcommand; after `docker run IMAGE` every
word belongs to the container's command); and what programs do: which only print or compute
values, which subcommands change a cluster, which CLIs deploy to a platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """An option grammar. `values`: options that take a value. With `flags` given instead, every
    option not listed there takes a value (docker run: most options do)."""

    values: frozenset[str] = frozenset()
    flags: frozenset[str] | None = None

    def takes_value(self, option: str) -> bool:
        if self.flags is not None:
            return option not in self.flags
        return option in self.values


def _opts(values: str = "", flags: str | None = None) -> Options:
    return Options(frozenset(values.split()), None if flags is None else frozenset(flags.split()))


def program(word: str) -> str:
    """`/usr/bin/docker` -> `docker`."""
    return word.rsplit("/", 1)[-1]


def skip_options(argv: tuple[str, ...], start: int, grammar: Options) -> int:
    """Index of the first word from `start` that is neither an option nor an option's value."""
    i = start
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return i + 1
        if not word.startswith("-") or word == "-":
            return i
        i += _option_width(argv, i, grammar)
    return i


def positionals(argv: tuple[str, ...], start: int, grammar: Options) -> list[int]:
    """Indexes of every non-option word from `start` (options may come between them)."""
    out: list[int] = []
    i = start
    while i < len(argv):
        word = argv[i]
        if word == "--":
            out += range(i + 1, len(argv))
            break
        if word.startswith("-") and word != "-":
            i += _option_width(argv, i, grammar)
            continue
        out.append(i)
        i += 1
    return out


def option_values(argv: tuple[str, ...], names: set[str]) -> list[tuple[int, str]]:
    """(index, value) of every `--name value` / `--name=value` / `-n value` in argv."""
    out: list[tuple[int, str]] = []
    for i, word in enumerate(argv):
        name, eq, inline = word.partition("=")
        if name in names:
            if eq:
                out.append((i, inline))
            elif i + 1 < len(argv):
                out.append((i + 1, argv[i + 1]))
    return out


def _option_width(argv: tuple[str, ...], i: int, grammar: Options) -> int:
    """How many words option argv[i] occupies (1, or 2 when its value is the next word)."""
    word = argv[i]
    if word.startswith("--"):
        return 1 if "=" in word or not grammar.takes_value(word) else 2
    letters = word[1:]
    for n, letter in enumerate(letters):  # a cluster: -it, -p8080:80, -dp 80:80
        if grammar.takes_value("-" + letter):
            return 1 if n < len(letters) - 1 else 2
    return 1


SHELLS = frozenset({"bash", "sh", "dash", "zsh", "ksh", "ash"})
SHELL = _opts("-o +o -O +O --rcfile --init-file")
SSH = Options(frozenset("-" + c for c in "BbcDEeFIiJLlmOoPpQRSWw"))
SSHPASS = _opts("-p -f -d -P")
SUDO = _opts("-u --user -g --group -C -h --host -p --prompt -r -t -U -D --chdir -R")
ENV = _opts("-u --unset -C --chdir -S --split-string")
TIMEOUT = _opts("-s --signal -k --kill-after")
GCLOUD_SSH = _opts("--zone --project --command --ssh-key-file --ssh-flag --tunnel-through-iap --worker")

SCP = Options(frozenset("-" + c for c in "cFiJloPS"))
RSYNC = _opts(
    "-e --rsh -f --filter --exclude --include --exclude-from --include-from --files-from --chown "
    "--chmod --rsync-path --port --timeout --password-file --log-file -T --temp-dir --backup-dir "
    "--suffix -M --remote-option --info --debug --compare-dest --copy-dest --link-dest "
    "--partial-dir --max-size --min-size --bwlimit -B --block-size"
)
DOCKER_GLOBAL = _opts(
    "-c --context -H --host --config -l --log-level --tlscacert --tlscert --tlskey",
)
DOCKER_RUN = _opts(
    flags="-d --detach --rm -i --interactive -t --tty --init -P --publish-all --privileged "
    "--read-only --no-healthcheck -q --quiet --oom-kill-disable --disable-content-trust "
    "--sig-proxy --use-api-socket --help",
)
DOCKER_PULL = _opts("--platform")
DOCKER_EXEC = _opts("-e --env --env-file -u --user -w --workdir --detach-keys")
COMPOSE_GLOBAL = _opts(
    "-f --file -p --project-name --env-file --profile --project-directory --ansi --progress "
    "--parallel -H --host -c --context"
)
COMPOSE_EXEC = _opts("-e --env -u --user -w --workdir --index")
COMPOSE_RUN = _opts(
    "-e --env -l --label --name -p --publish -u --user -v --volume -w --workdir --entrypoint "
    "--cap-add --cap-drop --env-from-file --pull"
)
KUBECTL = _opts(
    "--kubeconfig --context -n --namespace --cluster --user -s --server --token -l --selector "
    "-c --container -f --filename -o --output --as --as-group --request-timeout --field-manager "
    "--timeout --type -p --patch --image --replicas"
)
HELM = _opts(
    "--kubeconfig --kube-context -n --namespace -f --values --set --set-string --set-file "
    "--set-json --version --timeout --repo --username --password -o --output --post-renderer "
    "--history-max --description --kube-apiserver --kube-token --ca-file --cert-file --key-file"
)


# -- what programs do -------------------------------------------------------------------------
# Programs that only print, compute values or ids: they change nothing, here or on a server.
VALUE_PROGRAMS = {
    "echo", "printf", "cat", "true", "false", ":", "sleep", "exit", "date", "env", "printenv", "test",
    "[", "[[", "ls", "pwd", "cd", "export", "set", "unset", "jq", "yq", "grep", "egrep", "head", "tail",
    "wc", "uname", "whoami", "id", "df", "du", "sort", "uniq", "tee", "curl", "wget", "uptime",
    "hostname", "free", "source", ".", "ssh-keyscan", "ssh-add", "ssh-agent", "uuidgen", "openssl",
    "sha256sum", "sha1sum", "md5sum", "shasum", "base64", "tr", "cut", "awk", "basename", "dirname",
    "realpath", "readlink", "seq", "expr", "read", "shift", "return", "local", "declare", "readonly",
    "typeset", "wait", "trap", "shopt", "umask", "envsubst", "column", "fold", "rev", "which", "type",
    "command", "stat", "file", "nproc", "ps", "pgrep",
}  # fmt: skip
# ... and, on the runner, files of the checkout (a deploy job changes a system elsewhere).
RUNNER_INERT = VALUE_PROGRAMS | {
    "mkdir", "chmod", "touch", "cp", "mv", "rm", "ln", "find", "xargs", "tar", "zip", "unzip", "gzip", "sed",
}  # fmt: skip
# docker subcommands that change no running container.
DOCKER_READS = {
    "login", "logout", "images", "ps", "logs", "inspect", "version", "info", "history",
    "search", "top", "stats", "events", "tag",
}  # fmt: skip
DOCKER_BUILDS = {
    "build", "push", "tag", "login", "logout", "buildx", "images", "inspect", "version", "info",
}  # fmt: skip
KUBECTL_CHANGES = {
    "apply", "create", "replace", "patch", "set", "scale", "delete", "rollout", "edit", "expose", "run",
}  # fmt: skip
PLATFORM_DEPLOYS = {
    ("flyctl", "deploy"), ("fly", "deploy"), ("railway", "up"), ("netlify", "deploy"), ("vercel", ""),
    ("wrangler", "deploy"), ("wrangler", "publish"), ("firebase", "deploy"), ("kamal", "deploy"),
    ("cap", ""), ("dokku", ""), ("caprover", "deploy"), ("eb", "deploy"), ("serverless", "deploy"),
    ("sls", "deploy"), ("terraform", "apply"), ("pulumi", "up"), ("ansible-playbook", ""),
    ("argocd", "app"), ("heroku", ""), ("doctl", "apps"), ("render", "deploys"), ("ecs-deploy", ""),
}  # fmt: skip
CLOUD_DEPLOYS = re.compile(
    r"^(?:aws (?:ecs (?:update-service|deploy)|lambda update-function|s3 sync|cloudformation deploy"
    r"|deploy create-deployment|elasticbeanstalk)|gcloud (?:run|app|functions) deploy|gcloud compute ssh"
    r"|gcloud run services update|gcloud compute instances update-container"
    r"|az (?:webapp|containerapp|functionapp) )"
)
GIT_READS = {("git", w) for w in ("rev-parse", "log", "describe", "show", "status", "diff", "fetch")}


@dataclass(frozen=True)
class DockerCall:
    """`docker [global options] SUB ...`: `sub` is the subcommand (management prefixes
    `container`/`image` dropped), `at` the index of its first argument, `remote` when a global
    option names another engine."""

    sub: str
    at: int
    remote: bool


def docker_call(argv: tuple[str, ...]) -> DockerCall | None:
    if not argv or program(argv[0]) not in ("docker", "podman"):
        return None
    i = skip_options(argv, 1, DOCKER_GLOBAL)
    remote = any(
        argv[j].split("=", 1)[0] in ("-c", "--context", "-H", "--host") for j in range(1, min(i, len(argv)))
    )
    if i < len(argv) and argv[i] in ("container", "image") and i + 1 < len(argv):
        i += 1
    if i >= len(argv):
        return None
    return DockerCall(argv[i], i + 1, remote)


def docker_run_image(argv: tuple[str, ...], call: DockerCall) -> int | None:
    """Index of the image of `docker run|create`: the words after it are the container's."""
    i = skip_options(argv, call.at, DOCKER_RUN)
    return i if i < len(argv) else None


def compose_call(argv: tuple[str, ...]) -> tuple[str, int, list[str]] | None:
    """`docker compose …` / `docker-compose …`: (subcommand, index of its first argument, the
    `-f` files given)."""
    if not argv:
        return None
    name = program(argv[0])
    if name == "docker-compose":
        start = 1
    else:
        call = docker_call(argv)
        if call is None or call.sub != "compose":
            return None
        start = call.at
    i = skip_options(argv, start, COMPOSE_GLOBAL)
    files = [value for _, value in option_values(argv[start:i], {"-f", "--file"})]
    return (argv[i], i + 1, files) if i < len(argv) else None
