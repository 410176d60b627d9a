"""Image references a script deploys: `docker|podman pull|run|create` (the image, never the
container's command after it), `docker service create|update --image`, `kubectl set image`,
`kubectl run|create deployment --image`, a manifest fed to `kubectl apply -f -`, helm
`--set …image.tag=`/`image=`, `kustomize edit set image`, `--image` of deploy CLIs (gcloud run
deploy, az containerapp update, flyctl deploy), the environment of a command (`IMAGE_TAG=…
docker compose up`, `export IMAGE_TAG=…`), `*TAG`/`*IMAGE` lines written to a file (a compose
`.env`), and sed/yq rewrites of a compose file, manifest or values file (rewrites.py).

Commands inside `$( )` (`old=$(docker images …)`) produce a value and deploy nothing; a plain
assignment (`TAG=…`) is judged where it is used, not where it is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from devkit.ci.workflows import programs as p
from devkit.ci.workflows import rewrites
from devkit.ci.workflows.scripts import Command, read
from devkit.ci.workflows.source import Map, SourceError, line_of, load_documents

_GITHUB_FILES = ("GITHUB_OUTPUT", "GITHUB_ENV")
# the image a deploy CLI deploys: gcloud run deploy/services update, az containerapp, gcloud compute
# instances update-container, az webapp config container set, aws lambda update-function-code
_IMAGE_FLAGS = {
    "--image", "--container-image", "--container-image-name", "--docker-custom-image-name", "--image-uri",
}  # fmt: skip


@dataclass(frozen=True)
class Ref:
    index: int  # line of the script (0-based) where the command starts
    kind: str  # image | tag
    value: str
    where: str  # the command that uses it, for the message


def image_refs(script: str, *, remote: bool = False, built: frozenset[str] = frozenset()) -> list[Ref]:
    """built: the tags earlier steps of the job built on the runner (built_tags())."""
    reading = read(script, remote=remote)
    built = frozenset() if remote else built | _built(reading.commands)
    refs: list[Ref] = []
    for cmd in reading.commands:
        if cmd.wrapper or cmd.captured:
            continue  # `old=$(docker images …)` is a value, not a deployed image
        refs += _command_refs(cmd, built)
        refs += [
            Ref(cmd.line, kind, a.value, f"{a.name}= (the environment of {cmd.name or 'the command'})")
            for a in cmd.assigns
            if (kind := variable_kind(a.name)) and not _repository_only(kind, a.name, a.value, script)
        ]
        refs += [Ref(r.line, r.kind, r.value, r.where) for r in rewrites.rewrites(cmd)]
    for a in reading.assignments:
        kind = variable_kind(a.name)
        exported_alone = a.exported and not any(a in c.assigns for c in reading.commands)
        if kind and exported_alone and not _repository_only(kind, a.name, a.value, script):
            refs.append(Ref(a.line, kind, a.value, f"export {a.name}="))
    for write in reading.writes:
        kind = variable_kind(write.name)
        if (
            kind
            and write.target not in _GITHUB_FILES
            and not _repository_only(kind, write.name, write.value, script)
        ):
            refs.append(Ref(write.line, kind, write.value, f"{write.name}= written to {write.target}"))
    return refs


def variable_kind(name: str) -> str | None:
    upper = name.upper()
    return "image" if upper.endswith("IMAGE") else "tag" if upper.endswith("TAG") else None


def _repository_only(kind: str, name: str, value: str, text: str) -> bool:
    """An *IMAGE variable that holds only a repository and gets its tag where it is used."""
    return kind == "image" and ":" not in value.rsplit("/", 1)[-1] and used_with_tag(name, text)


def used_with_tag(name: str, text: str) -> bool:
    """`$NAME:tag`, `${NAME}@digest`, `${{ env.NAME }}:tag`: the variable holds a repository
    and gets its tag where it is used (where that reference is judged)."""
    pattern = rf"(?:\${name}|\$\{{{name}\}}|\$\{{\{{\s*env\.{name}\s*\}}\}})[:@]"
    return re.search(pattern, text) is not None


def built_tags(script: str) -> frozenset[str]:
    """The tags `docker|podman build -t` (or `buildx build`) gives in a script of the runner's."""
    return _built(read(script).commands)


def _built(commands: tuple[Command, ...]) -> frozenset[str]:
    tags: set[str] = set()
    for cmd in commands:
        call = p.docker_call(cmd.argv) if cmd.name in ("docker", "podman") and not cmd.remote else None
        if call is None or call.remote:
            continue
        builds = call.sub == "build" or (
            call.sub == "buildx" and cmd.argv[call.at : call.at + 1] == ("build",)
        )
        if builds:
            tags |= {value for _, value in p.option_values(cmd.argv[call.at :], {"-t", "--tag"})}
    return frozenset(tags)


def _command_refs(cmd: Command, built: frozenset[str]) -> list[Ref]:
    argv = cmd.argv
    name = cmd.name
    if name in ("docker", "podman"):
        return _docker(cmd, built)
    if name == "kubectl":
        return _kubectl(cmd)
    if name == "helm":
        return _helm(cmd)
    if name == "kustomize" and argv[1:4] == ("edit", "set", "image"):
        return [
            Ref(cmd.line, "image", w.split("=", 1)[-1], "kustomize edit set image")
            for w in argv[4:]
            if not w.startswith("-")
        ]
    names = _IMAGE_FLAGS | ({"-i"} if name in ("flyctl", "fly", "ecs-deploy") else set())
    refs = []
    for index, value in p.option_values(argv, names):
        inline = argv[index].partition("=")[0]  # --image=app:1 holds its value
        flag = inline if inline in names else argv[index - 1]
        if value:
            refs.append(Ref(cmd.line, "image", value, f"{name} {flag}"))
    return refs


def _docker(cmd: Command, built: frozenset[str]) -> list[Ref]:
    argv = cmd.argv
    call = p.docker_call(argv)
    if call is None:
        return []
    where = f"{cmd.name} {call.sub}"
    if call.sub in ("run", "create"):
        image = p.docker_run_image(argv, call)
        if image is None:
            return []
        if (
            call.sub == "run"
            and argv[image] in built
            and not call.remote
            and not _detached(argv[call.at : image])
        ):
            return []  # the image this script built from the checkout, in the foreground on the runner
        return [Ref(cmd.line, "image", argv[image], where)]
    if call.sub == "pull":
        image = p.skip_options(argv, call.at, p.DOCKER_PULL)
        return [Ref(cmd.line, "image", argv[image], where)] if image < len(argv) else []
    if call.sub == "service" and call.at < len(argv):
        verb = argv[call.at]
        if verb == "update":
            values = p.option_values(argv, {"--image"})
            return [Ref(cmd.line, "image", v, f"{where} update --image") for _, v in values]
        if verb == "create":
            image = p.skip_options(argv, call.at + 1, p.DOCKER_RUN)
            return [Ref(cmd.line, "image", argv[image], f"{where} create")] if image < len(argv) else []
    return []


def _detached(options: tuple[str, ...]) -> bool:
    """`-d`, `--detach` or a cluster of short flags holding d (`-dit`): a container that outlives
    the step, as a deployed service does."""
    return any(
        w in ("--detach", "--detach=true") or re.fullmatch(r"-[A-Za-z]*d[A-Za-z]*", w) for w in options
    )


def _kubectl(cmd: Command) -> list[Ref]:
    argv = cmd.argv
    places = [argv[i] for i in p.positionals(argv, 1, p.KUBECTL)]
    if places[:2] == ["set", "image"]:
        return [
            Ref(cmd.line, "image", w.split("=", 1)[1], "kubectl set image") for w in places[3:] if "=" in w
        ]
    if places[:1] == ["run"] or places[:2] == ["create", "deployment"]:
        values = p.option_values(argv, {"--image"})
        return [Ref(cmd.line, "image", v, f"kubectl {' '.join(places[:2])} --image") for _, v in values]
    if places[:1] in (["apply"], ["create"], ["replace"]):
        return _manifest_from_stdin(cmd, places[0])
    return []


def _manifest_from_stdin(cmd: Command, verb: str) -> list[Ref]:
    """`kubectl apply -f - <<EOF` / `cat <<EOF | kubectl apply -f -`: the manifest's images.
    (tree-sitter-bash drops a lone `-` written just before `<<`: `-f` with no value is read as
    `-f -` when the command has stdin.)"""
    argv = cmd.argv
    files = [v for _, v in p.option_values(argv, {"-f", "--filename"})]
    fed = next((r for r in cmd.redirects if r.body is not None), None)
    from_stdin = "-" in files or (argv[-1] in ("-f", "--filename") and fed is not None)
    if not from_stdin or fed is None or fed.body is None:
        return []
    try:
        documents = load_documents(fed.body)
    except SourceError:
        return []  # not YAML (yet): an envsubst template, say
    return [
        Ref(fed.body_line + line - 1, "image", value, f"kubectl {verb} -f - (manifest)")
        for document in documents
        for line, value in _images(document)
    ]


def _images(value: Any) -> list[tuple[int, str]]:
    """(line, value) of every `image:` key in a manifest."""
    if isinstance(value, Map):
        found = [
            (line_of(v, value.line_of(k)), str(v))
            for k, v in value.items()
            if k == "image" and isinstance(v, str)
        ]
        return found + [f for k, v in value.items() if k != "image" for f in _images(v)]
    if isinstance(value, list):
        return [f for v in value for f in _images(v)]
    return []


def _helm(cmd: Command) -> list[Ref]:
    values = [v for _, v in p.option_values(cmd.argv, {"--set", "--set-string"})]
    refs: list[Ref] = []
    for pair in (pair for value in values for pair in value.split(",")):
        key, _, value = pair.partition("=")
        low = key.lower()
        if low.endswith(("image.tag", "imagetag")):
            refs.append(Ref(cmd.line, "tag", value, f"helm --set {key}"))
        elif low == "image" or low.endswith(".image"):
            refs.append(Ref(cmd.line, "image", value, f"helm --set {key}"))
    return refs
