"""What a job does, from what it runs rather than what it is called.

A deploy job changes a deployed system: it runs commands on another machine (ssh, an SSH
action's `script:`), applies manifests or rolls out images (kubectl, helm), deploys to a platform
(a PaaS CLI or deploy action), uploads to a server (rsync/scp to host:path) or runs containers on
a self-hosted runner. A job whose id, name or environment has a deploy word is a deploy job too
when it runs anything beyond echo/notify steps. A migrate job migrates a deployed database: the
migration runs remotely, or the job has an `environment`, or its database settings come from
secrets or vars, not from localhost or a `services:` container.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from devkit.ci.workflows import references, scripts
from devkit.ci.workflows.nested import program
from devkit.ci.workflows.source import Map, Text

MIGRATE_NAME = re.compile(r"(?<![a-z0-9])migrat", re.I)
_SCRIPT_INPUTS = (
    "script",
    "command",
    "commands",
    "script_before",
    "script_after",
    "script-before",
    "script-after",
)
_DB_VAR = re.compile(r"DATABASE|(?:^|_)DB(?:_|$)|^PG|POSTGRES|MYSQL", re.I)
_LOCAL_HOST = re.compile(r"localhost|127\.0\.0\.1|\[::1\]")
_INERT_PROGRAMS = {
    "echo", "printf", "cat", "true", "false", ":", "sleep", "exit", "date", "env", "printenv", "test",
    "[", "ls", "pwd", "cd", "export", "set", "jq", "grep", "head", "tail", "wc", "uname", "whoami",
    "id", "df", "du", "sort", "tee", "curl", "wget", "uptime", "hostname", "free", "source", ".",
    "mkdir", "chmod", "ssh-keyscan", "ssh-add", "ssh-agent",
}  # fmt: skip
_INERT_ACTIONS = re.compile(
    r"^(?:actions/(?:checkout|setup-[\w-]+|cache|upload-artifact|download-artifact|github-script)"
    r"|docker/(?:setup-[\w-]+|login-action|metadata-action)"
    r"|[\w.-]+/[\w.-]*(?:slack|discord|teams|notify|notification|telegram|mail|login|auth|credentials"
    r"|configure-[\w-]+)[\w.-]*)(?:[/@]|$)",
    re.I,
)
_DEPLOY_ACTION = re.compile(
    r"deploy|^appleboy/scp-action|^superfly/flyctl-actions|^cloudflare/wrangler-action"
    r"|^amondnet/vercel-action|^nwtgck/actions-netlify|^dokku/github-action|^peaceiris/actions-gh-pages"
    r"|helm|kubectl|k8s",
    re.I,
)
_K8S_CHANGE = {"apply", "create", "replace", "patch", "set", "scale", "delete", "rollout", "edit", "expose"}
_PAAS = {
    ("flyctl", "deploy"), ("fly", "deploy"), ("railway", "up"), ("netlify", "deploy"), ("vercel", ""),
    ("wrangler", "deploy"), ("wrangler", "publish"), ("firebase", "deploy"), ("kamal", "deploy"),
    ("cap", ""), ("dokku", ""), ("caprover", "deploy"), ("eb", "deploy"), ("serverless", "deploy"),
    ("sls", "deploy"), ("terraform", "apply"), ("pulumi", "up"), ("ansible-playbook", ""),
    ("argocd", "app"), ("heroku", ""), ("doctl", "apps"), ("render", "deploys"),
}  # fmt: skip
_CLOUD = re.compile(
    r"^(?:aws (?:ecs (?:update-service|deploy)|lambda update-function|s3 sync|cloudformation deploy"
    r"|deploy create-deployment|elasticbeanstalk)|gcloud (?:run|app|functions) deploy|gcloud compute ssh"
    r"|az (?:webapp|containerapp|functionapp) )"
)


@dataclass(frozen=True)
class Script:
    """A shell script of a step: its `run:`, or the script input of an SSH action (remote)."""

    text: Text
    remote: bool


def never_runs(item: Any) -> bool:
    """`if: false` (or `if: ${{ false }}`): the job or step never runs."""
    cond = item.get("if") if isinstance(item, dict) else None
    return cond is False or str(cond).strip().replace(" ", "") in ("false", "${{false}}")


def step_scripts(step: Map) -> list[Script]:
    if never_runs(step):
        return []
    found: list[Script] = []
    run = step.get("run")
    if isinstance(run, Text):
        found.append(Script(run, False))
    uses = str(step.get("uses") or "")
    inputs = step.get("with")
    if "ssh" in uses.lower() and isinstance(inputs, Map):
        found += [Script(inputs[k], True) for k in _SCRIPT_INPUTS if isinstance(inputs.get(k), Text)]
    return found


def commands(step: Map) -> Iterator[tuple[Text, scripts.Command]]:
    for script in step_scripts(step):
        for cmd in scripts.simple_commands(script.text, remote=script.remote):
            yield script.text, cmd


def deploy_reason(job: Map, steps: list[Map]) -> str | None:
    """Why this job changes a deployed system (None: it does not, as far as devkit can see)."""
    if never_runs(job):
        return None
    docker_host = _has_docker_host(job)
    self_hosted = "self-hosted" in str(job.get("runs-on") or "")
    for step in steps:
        if never_runs(step):
            continue
        uses = str(step.get("uses") or "")
        if uses and not uses.startswith("docker://") and _DEPLOY_ACTION.search(uses.split("@")[0]):
            return f"uses {uses}"
        local_docker_host = docker_host or _has_docker_host(step)
        for _, cmd in commands(step):
            reason = _command_reason(cmd, local_docker_host or self_hosted)
            if reason:
                return reason
    return None


def _has_docker_host(item: Map) -> bool:
    env = item.get("env")
    return isinstance(env, dict) and any(k in ("DOCKER_HOST", "DOCKER_CONTEXT") for k in env)


def _command_reason(cmd: scripts.Command, docker_is_remote: bool) -> str | None:
    argv = [w for w in cmd.argv if not scripts.is_assignment(w)]
    if not argv or cmd.wrapper or scripts.MIGRATE.search(" ".join(argv)):
        return None  # a migration is the migrate job's business (DK102 reports it in a deploy job)
    name = program(argv[0])
    line = " ".join(argv[:3])
    if cmd.remote:
        return None if name in _INERT_PROGRAMS else f"runs `{line}` on another machine"
    words = (
        references.positional(argv, references.KUBECTL_VALUE_FLAGS) if name in ("kubectl", "helm") else argv
    )
    sub = words[1] if len(words) > 1 else ""
    if name == "kubectl" and sub in _K8S_CHANGE and words[1:3] != ["rollout", "status"]:
        return f"runs `{line}`"
    if name == "helm" and sub in ("upgrade", "install", "rollback", "uninstall"):
        return f"runs `{line}`"
    if name in ("docker", "podman") and _docker_deploys(argv, docker_is_remote, cmd.argv):
        return f"runs `{line}` against a server"
    if name in ("docker-compose",) and "up" in argv and docker_is_remote:
        return f"runs `{line}` against a server"
    if any(name == cli and (not verb or verb in argv[1:3]) for cli, verb in _PAAS):
        return f"runs `{line}`"
    if name == "git" and sub == "push" and any(re.search(r"heroku|dokku|deploy|prod", w) for w in argv[2:]):
        return f"runs `{line}`"
    if name in ("rsync", "scp") and any(re.match(r"^[^/\s]*@?[\w.${}-]+:", w) for w in argv[1:]):
        return f"uploads with `{name}` to a server"
    if name == "curl" and any(w.startswith(("http", "$")) and re.search("deploy", w, re.I) for w in argv[1:]):
        return "calls a deploy hook"
    if _CLOUD.match(" ".join(argv)):
        return f"runs `{' '.join(argv[:3])}`"
    return None


def _docker_deploys(argv: list[str], docker_is_remote: bool, raw: tuple[str, ...]) -> bool:
    words = argv[1:]
    if words[:2] in (["stack", "deploy"], ["service", "update"], ["service", "create"]):
        return True
    remote = docker_is_remote or any(
        w in ("-H", "--host", "--context", "-c") or w.startswith(("-H=", "--host=", "--context=", "ssh://"))
        for w in words
    )
    remote = remote or any(w.startswith(("DOCKER_HOST=", "DOCKER_CONTEXT=")) for w in raw)
    runs = bool({"run", "pull", "up", "create", "start", "restart"} & set(words))
    return remote and runs


def does_something(job: Map, steps: list[Map]) -> bool:
    """Beyond echo and notify: a step that runs a non-inert command or a non-inert action."""
    if job.get("uses"):
        return True
    for step in steps:
        if never_runs(step):
            continue
        uses = str(step.get("uses") or "")
        if uses and not _INERT_ACTIONS.match(uses):
            return True
        for _, cmd in commands(step):
            argv = [w for w in cmd.argv if not scripts.is_assignment(w)]
            if not argv or cmd.wrapper or scripts.MIGRATE.search(" ".join(argv)):
                continue
            if program(argv[0]) not in _INERT_PROGRAMS:
                return True
    return False


def migrations(steps: list[Map]) -> list[tuple[int, str, bool]]:
    """(file line, the migrate command, runs remotely) for every migration a job runs."""
    found: dict[int, tuple[int, str, bool]] = {}
    for step in steps:
        for text, cmd in commands(step):
            argv = [w for w in cmd.argv if not scripts.is_assignment(w)]
            if not argv or program(argv[0]) in ("echo", "printf", ":") or cmd.wrapper:
                continue
            match = scripts.MIGRATE.search(" ".join(argv))
            line = text.line_at(cmd.index)
            if match and line not in found:
                found[line] = (line, match.group(0), cmd.remote)
    return sorted(found.values())


def migrates_deployed_database(wf_doc: Map, job: Map, steps: list[Map]) -> bool:
    """The job's migrations reach a deployed database (see the module docstring): decided by
    where the database host comes from, then by whether any database setting is a secret."""
    found = migrations(steps)
    if not found:
        return False
    if any(remote for _, _, remote in found) or job.get("environment"):
        return True
    services = job.get("services")
    service_names = {str(n) for n in services} if isinstance(services, dict) else set()
    settings = [(str(k), str(v)) for s in _env_scopes(wf_doc, job, steps) for k, v in s.items()]
    settings = [(k, v) for k, v in settings if _DB_VAR.search(k)]
    hosts = [v for k, v in settings if re.search("URL|HOST|DSN", k, re.I) or "://" in v]
    if any(_secret(v) for v in hosts):
        return True
    if any(_local(v, service_names) for v in hosts) or service_names:
        return False
    words = [w for step in steps for _, cmd in commands(step) for w in cmd.argv]
    return any(_secret(v) for _, v in settings) or any(_secret(w) for w in words)


def _secret(value: str) -> bool:
    return bool(re.search(r"\b(?:secrets|vars)\.", value))


def _local(value: str, service_names: set[str]) -> bool:
    if _LOCAL_HOST.search(value) or value.strip() in service_names:
        return True
    return any(re.search(rf"@{re.escape(s)}[:/]", value) for s in service_names)


def _env_scopes(wf_doc: Map, job: Map, steps: list[Map]) -> list[dict[str, Any]]:
    scopes = [wf_doc.get("env"), job.get("env"), *(s.get("env") for s in steps)]
    return [s for s in scopes if isinstance(s, dict)]
