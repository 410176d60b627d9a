"""Image references in a script: docker/podman pull|run|create, kubectl set image, helm
--set image.*, kustomize edit set image, --image flags of deploy CLIs, and assignments to
variables named *IMAGE or *TAG (how compose files receive their tags). Nested commands (ssh,
bash -c, ...) are read through scripts.simple_commands."""

from __future__ import annotations

import re
from dataclasses import dataclass

from devkit.ci.workflows.nested import program
from devkit.ci.workflows.scripts import assignments, simple_commands

# Flags that take no value, per docker subcommand (the rest take one: skip it to find the image).
_CREATE_FLAGS = {
    "-i",
    "-t",
    "--interactive",
    "--tty",
    "--init",
    "-P",
    "--privileged",
    "--read-only",
    "--publish-all",
    "--no-healthcheck",
    "-q",
    "--quiet",
}
_BOOL = {
    "run": _CREATE_FLAGS | {"-d", "--detach", "--rm"},
    "create": _CREATE_FLAGS,
    "pull": {"-a", "--all-tags", "-q", "--quiet", "--disable-content-trust"},
}


@dataclass(frozen=True)
class Ref:
    index: int  # line of the script (0-based) where the command starts
    kind: str  # image | tag
    value: str
    where: str  # the command that uses it, for the message


def image_refs(script: str, *, remote: bool = False) -> list[Ref]:
    """Image references: docker/podman pull|run|create, kubectl set image, helm --set image.*,
    and assignments to variables named *IMAGE or *TAG (compose image variables)."""
    refs: list[Ref] = []
    for cmd in simple_commands(script, remote=remote):
        if cmd.wrapper:
            continue
        argv = list(cmd.argv)
        refs += _docker(cmd.index, argv) + _kubectl(cmd.index, argv) + _helm(cmd.index, argv)
        refs += _kustomize(cmd.index, argv) + _image_flag(cmd.index, argv)
    for index, name, value in assignments(script):
        kind = variable_kind(name)
        if kind == "image" and ":" not in value.rsplit("/", 1)[-1] and used_with_tag(name, script):
            continue
        if kind:
            refs.append(Ref(index, kind, value, f"{name}="))
    return refs


def variable_kind(name: str) -> str | None:
    upper = name.upper()
    return "image" if upper.endswith("IMAGE") else "tag" if upper.endswith("TAG") else None


def _docker(index: int, argv: list[str]) -> list[Ref]:
    starts = [i for i, w in enumerate(argv) if program(w) in ("docker", "podman")]
    if not starts:
        return []
    j = starts[0] + 1
    while j < len(argv) and argv[j].startswith("-"):
        j += 1 if "=" in argv[j] else 2  # global options (--context x, -H x)
    if j < len(argv) and argv[j] in ("container", "image"):
        j += 1
    if j >= len(argv) or argv[j] not in _BOOL:
        return []
    sub, j = argv[j], j + 1
    while j < len(argv):
        word = argv[j]
        if not word.startswith("-") or word == "-":
            return [Ref(index, "image", word, f"docker {sub}")]
        short_bools = len(word) > 1 and word[1] != "-" and set(word[1:]) <= set("ditP")
        j += 1 if "=" in word or word in _BOOL[sub] or short_bools else 2
    return []


KUBECTL_VALUE_FLAGS = {
    *("--kubeconfig", "--context", "-n", "--namespace", "--cluster", "--user", "-s", "--server"),
    *("--token", "-l", "--selector", "-c", "--container", "-f", "--filename", "-o", "--output"),
}


def positional(argv: list[str], value_flags: set[str]) -> list[str]:
    """The words that are not options (nor an option's value) of kubectl/helm-style commands."""
    out: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word.startswith("-") and word != "-":
            skip = "=" not in word and word in value_flags
        else:
            out.append(word)
    return out


def _kubectl(index: int, argv: list[str]) -> list[Ref]:
    words = positional(argv, KUBECTL_VALUE_FLAGS)
    for i in range(len(words) - 2):
        if program(words[i]) == "kubectl" and words[i + 1 : i + 3] == ["set", "image"]:
            return [
                Ref(index, "image", w.split("=", 1)[1], "kubectl set image")
                for w in words[i + 3 :]
                if "=" in w
            ]
    return []


def used_with_tag(name: str, text: str) -> bool:
    """`$NAME:tag`, `${NAME}@digest`, `${{ env.NAME }}:tag`: the variable holds a repository
    and gets its tag where it is used (where that reference is judged)."""
    pattern = rf"(?:\${name}|\$\{{{name}\}}|\$\{{\{{\s*env\.{name}\s*\}}\}})[:@]"
    return re.search(pattern, text) is not None


def _kustomize(index: int, argv: list[str]) -> list[Ref]:
    """kustomize edit set image NAME=IMAGE:TAG (also NAME:TAG, and NAME=IMAGE@digest)."""
    for i in range(len(argv) - 3):
        if program(argv[i]) == "kustomize" and argv[i + 1 : i + 4] == ["edit", "set", "image"]:
            return [
                Ref(index, "image", w.split("=", 1)[-1], "kustomize edit set image")
                for w in argv[i + 4 :]
                if not w.startswith("-")
            ]
    return []


def _image_flag(index: int, argv: list[str]) -> list[Ref]:
    """--image IMAGE / --image=IMAGE of a deploy CLI (gcloud run deploy, flyctl deploy, ...)."""
    if program(argv[0]) in ("docker", "podman", "kubectl", "helm", "kustomize"):
        return []
    refs: list[Ref] = []
    for i, word in enumerate(argv):
        name, eq, inline = word.partition("=")
        if name == "--image" or (name == "-i" and program(argv[0]) in ("flyctl", "fly")):
            value = inline if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            if value:
                refs.append(Ref(index, "image", value, f"{program(argv[0])} {name}"))
    return refs


def _helm(index: int, argv: list[str]) -> list[Ref]:
    if not any(program(w) == "helm" for w in argv):
        return []
    values: list[str] = []
    for i, word in enumerate(argv):
        name, eq, inline = word.partition("=")
        if name in ("--set", "--set-string"):
            values.append(inline if eq else (argv[i + 1] if i + 1 < len(argv) else ""))
    refs: list[Ref] = []
    for pair in (p for v in values for p in v.split(",")):
        key, _, value = pair.partition("=")
        low = key.lower()
        if low.endswith(("image.tag", "imagetag")):
            refs.append(Ref(index, "tag", value, f"helm --set {key}"))
        elif low == "image" or low.endswith(".image"):
            refs.append(Ref(index, "image", value, f"helm --set {key}"))
    return refs
