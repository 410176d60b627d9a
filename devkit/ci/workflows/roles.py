"""What a job does, from what it runs rather than what it is called.

A deploy job changes a deployed system: it runs commands on another machine (ssh, an SSH
action's `script:`), applies manifests or rolls out images (kubectl, helm), deploys to a platform
(a PaaS CLI or deploy action), uploads to a server (rsync/scp to host:path) or runs containers
against another engine or on a self-hosted runner. A job whose id, name or environment has a
deploy word is a deploy job too when it runs anything beyond echo, notify, id generation and
building images. Commands inside `$( )` only produce values; a container's own command (`docker
run IMAGE CMD`) runs inside that container. A migrate job migrates a deployed database: the
migration runs remotely, or the job has an `environment`, or its database settings come from
secrets or vars, not from localhost or a `services:` container.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from devkit.ci.workflows import actions, scripts
from devkit.ci.workflows import migrations as m
from devkit.ci.workflows import programs as p
from devkit.ci.workflows.source import Map, Text

# Actions that run their script input on another machine: SSH actions (appleboy/ssh-action, …)
# and AWS Systems Manager's send-command (peterkimzz/aws-ssm-send-command, …).
_REMOTE_ACTION = re.compile(r"ssh|ssm", re.I)
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
_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
_REMOTE_PATH = re.compile(r"^(?:[^/\s:@]+@)?[\w.${}\[\]-]+:(?!//)")
_DEPLOY_REMOTE = re.compile(r"heroku|dokku|deploy|prod")
_ENGINE_CHANGES = {"run", "pull", "up", "create", "start", "restart"}


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
    if isinstance(run, Text) and _shell_script(step):
        found.append(Script(run, False))
    uses = str(step.get("uses") or "")
    inputs = step.get("with")
    if _REMOTE_ACTION.search(uses.split("@")[0]) and isinstance(inputs, Map):
        found += [Script(inputs[k], True) for k in _SCRIPT_INPUTS if isinstance(inputs.get(k), Text)]
    return found


def _shell_script(step: Map) -> bool:
    """A `run:` in a POSIX shell: not `shell: python`, `pwsh`, `cmd`, … (not read)."""
    shell = str(step.get("shell") or "bash").split()[0]
    return p.program(shell) in p.SHELLS


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
    prepared: str | None = None
    for step in steps:
        if never_runs(step):
            continue
        uses = str(step.get("uses") or "")
        if actions.deploys(uses) and not m.runs_ecs_task(step):
            return f"uses {uses.split('@')[0]}"
        local_docker_host = docker_host or _has_docker_host(step)
        for _, cmd in commands(step):
            reason = _command_reason(cmd, local_docker_host or self_hosted)
            if reason and _prepares(cmd):
                prepared = prepared or reason
            elif reason:
                return reason
    # pulling images on a server prepares what runs next there: the migration, in a job that
    # migrates (the migrate job); otherwise the deploy itself (a restart policy, a watcher)
    return None if prepared and migrations("", steps) else prepared


def _has_docker_host(item: Map) -> bool:
    env = item.get("env")
    return isinstance(env, dict) and any(k in ("DOCKER_HOST", "DOCKER_CONTEXT") for k in env)


def _command_reason(cmd: scripts.Command, docker_is_remote: bool) -> str | None:
    argv = cmd.argv
    if not argv or cmd.wrapper or cmd.captured or m.migration(argv):
        return None  # a migration is the migrate job's business (DK102 reports it in a deploy job)
    name = cmd.name
    line = " ".join(argv[:3])
    if cmd.remote:
        return None if _inert_remotely(cmd) else f"runs `{line}` on another machine"
    words = [argv[i] for i in p.positionals(argv, 1, p.KUBECTL if name == "kubectl" else p.HELM)]
    sub = words[0] if words else ""
    if name == "kubectl" and sub in p.KUBECTL_CHANGES and words[:2] != ["rollout", "status"]:
        return f"runs `{line}`"
    if name == "helm" and sub in ("upgrade", "install", "rollback", "uninstall"):
        return f"runs `{line}`"
    if name in ("docker", "podman", "docker-compose") and _engine_change(cmd, docker_is_remote):
        return f"runs `{line}` against a server"
    if any(name == cli and (not verb or verb in argv[1:3]) for cli, verb in p.PLATFORM_DEPLOYS):
        return f"runs `{line}`"
    if name == "git" and argv[1:2] == ("push",) and any(_DEPLOY_REMOTE.search(w) for w in argv[2:]):
        return f"runs `{line}`"
    if name in ("rsync", "scp") and _uploads(argv):
        return f"uploads with `{name}` to a server"
    if name == "curl" and any(w.startswith(("http", "$")) and re.search("deploy", w, re.I) for w in argv[1:]):
        return "calls a deploy hook"
    if p.CLOUD_DEPLOYS.match(" ".join(argv)):
        return f"runs `{line}`"
    return None


def _prepares(cmd: scripts.Command) -> bool:
    """`docker pull` on a server."""
    call = p.docker_call(cmd.argv)
    return cmd.remote and call is not None and call.sub == "pull"


def _inert_remotely(cmd: scripts.Command) -> bool:
    if cmd.name in p.VALUE_PROGRAMS:
        return True
    call = p.docker_call(cmd.argv)
    return call is not None and call.sub in p.DOCKER_READS


def _uploads(argv: tuple[str, ...]) -> bool:
    """scp/rsync whose destination (the last operand) is `[user@]host:path`, not a download."""
    places = p.positionals(argv, 1, p.SCP if p.program(argv[0]) == "scp" else p.RSYNC)
    if len(places) < 2:
        return False
    destination = _EXPRESSION.sub("x", argv[places[-1]])  # ${{ secrets.HOST }}:/srv
    return destination.startswith("rsync://") or bool(_REMOTE_PATH.match(destination))


def _engine_change(cmd: scripts.Command, docker_is_remote: bool) -> bool:
    """docker stack deploy / service update, or run|pull|up|… against another engine."""
    argv = cmd.argv
    remote = docker_is_remote or any(a.name in ("DOCKER_HOST", "DOCKER_CONTEXT") for a in cmd.assigns)
    compose = p.compose_call(argv)
    if compose is not None:
        docker = p.docker_call(argv)
        return (remote or bool(docker and docker.remote)) and compose[0] in _ENGINE_CHANGES
    call = p.docker_call(argv)
    if call is None:
        return False
    following = argv[call.at : call.at + 1]
    if call.sub == "stack" and following == ("deploy",):
        return True
    if call.sub == "service" and following in (("update",), ("create",)):
        return True
    return (remote or call.remote) and call.sub in _ENGINE_CHANGES


def does_something(job: Map, steps: list[Map]) -> bool:
    """Beyond echo, notify, ids and image builds: a step that runs a command or an action that
    may change something."""
    if job.get("uses"):
        return True
    migrates = bool(migrations("", steps))
    for step in steps:
        if never_runs(step):
            continue
        uses = str(step.get("uses") or "")
        if uses and not actions.inert(uses):
            return True
        for _, cmd in commands(step):
            if cmd.wrapper or cmd.captured or not cmd.argv or m.migration(cmd.argv):
                continue
            if cmd.remote and (_inert_remotely(cmd) or (_prepares(cmd) and migrates)):
                continue
            if not cmd.remote and (cmd.name in p.RUNNER_INERT or cmd.argv[:2] in p.GIT_READS):
                continue
            call = p.docker_call(cmd.argv)
            if call is not None and call.sub in p.DOCKER_BUILDS and not cmd.remote:
                continue
            return True
    return False


def migrations(job_names: str, steps: list[Map]) -> list[tuple[int, str, bool]]:
    """(file line, the migrate command, runs remotely) for every migration a job runs."""
    found: dict[int, tuple[int, str, bool]] = {}
    for step in steps:
        if never_runs(step):
            continue
        task = m.ecs_task_migration(step, job_names)
        if task:
            found.setdefault(step.line, (step.line, task, True))
        for text, cmd in commands(step):
            if cmd.wrapper:
                continue  # `ssh host python manage.py migrate`: found in the nested command
            command = m.migration(cmd.argv)
            line = text.line_at(cmd.line)
            if command and line not in found:
                found[line] = (line, command, cmd.remote or m.runs_elsewhere(cmd.argv))
    return sorted(found.values())


def migrates_deployed_database(wf_doc: Map, job_id: str, job: Map, steps: list[Map]) -> bool:
    """The job's migrations reach a deployed database (see the module docstring): decided by
    where the database host comes from, then by whether any database setting is a secret."""
    found = migrations(f"{job_id} {job.get('name') or ''}", steps)
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
