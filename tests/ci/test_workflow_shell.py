"""The shell layer of check-workflows: scripts parsed by tree-sitter-bash (shell.py), nested
commands found with each wrapper's own grammar (nested.py, programs.py), flattened with their
lines and contexts (scripts.py). Real parsing of small scripts; nothing is mocked."""

from __future__ import annotations

import pytest

from devkit.ci.workflows.programs import docker_call, docker_run_image
from devkit.ci.workflows.scripts import read, simple_commands, writes
from devkit.ci.workflows.shell import parse


def argvs(script: str) -> list[tuple[str, ...]]:
    return [c.argv for c in simple_commands(script)]


# -- words, quoting, lines ------------------------------------------------------------------
def test_continuations_are_never_words() -> None:
    script = "docker run -d \\\n  --name web \\\n  app:1 \\\n  gunicorn app.wsgi"
    (cmd, *_) = simple_commands(script)
    assert cmd.argv == ("docker", "run", "-d", "--name", "web", "app:1", "gunicorn", "app.wsgi")
    assert cmd.line == 0


def test_quoting_is_resolved_and_expansions_kept() -> None:
    (cmd,) = parse("""echo 'a b' "c $TAG" d\\ e "x\\"y" $'z'""").commands
    assert cmd.argv == ("echo", "a b", "c $TAG", "d e", 'x"y', "z")


@pytest.mark.parametrize(
    "expression",
    ["${{ github.sha }}", "${{ inputs.tag || 'latest' }}", "${{ format('{0}-{1}', a, b) }}"],
)
def test_expressions_never_break_parsing(expression: str) -> None:
    script = f'docker pull "app:{expression}"\necho done'
    assert argvs(script) == [("docker", "pull", f"app:{expression}"), ("echo", "done")]


def test_a_multi_line_expression_keeps_the_lines_after_it() -> None:
    script = "echo ${{\n  github.sha }}\ndocker pull app:1"
    assert [c.line for c in parse(script).commands] == [0, 2]


def test_command_substitutions_are_captured_values() -> None:
    script = "old_image=$(docker images -q app)\ndocker pull app:$(git rev-parse HEAD)"
    found = {c.argv[:2]: c.captured for c in simple_commands(script)}
    assert found == {("docker", "images"): True, ("git", "rev-parse"): True, ("docker", "pull"): False}


def test_assignments_plain_exported_and_command_prefixes() -> None:
    script = "TAG=1\nexport IMAGE=app:2\nIMAGE_TAG=3 docker compose up -d"
    made = [(a.name, a.value, a.exported) for a in read(script).assignments]
    assert made == [("TAG", "1", False), ("IMAGE", "app:2", True), ("IMAGE_TAG", "3", True)]
    (compose,) = [c for c in simple_commands(script) if c.name == "docker"]
    assert [a.name for a in compose.assigns] == ["IMAGE_TAG"]


def test_commands_in_control_flow_and_functions_are_read() -> None:
    script = (
        'if [ -n "$X" ]; then docker pull a:1; fi\n'
        "for h in a b; do ssh $h 'docker pull b:1'; done\n"
        "deploy() { kubectl apply -f k8s/; }\ndeploy\n"
        "case $E in prod) helm upgrade web ./chart;; esac"
    )
    names = {c.argv[:2] for c in simple_commands(script)}
    assert {("docker", "pull"), ("kubectl", "apply"), ("helm", "upgrade")} <= names


# -- nested commands ------------------------------------------------------------------------
def test_a_quoted_heredoc_to_ssh_is_a_remote_script_with_its_lines() -> None:
    script = (
        "ssh deploy@host <<'SSH'\n  docker run -d \\\n    --name web \\\n    app:dev-${{ github.sha }}\nSSH"
    )
    docker = [c for c in simple_commands(script) if c.name == "docker"]
    assert [(c.argv[-1], c.line, c.remote) for c in docker] == [("app:dev-${{ github.sha }}", 1, True)]


@pytest.mark.parametrize(
    "script",
    [
        "ssh h bash -s <<EOF\ndocker pull a:1\nEOF",
        "sudo -u deploy ssh h 'bash -s' <<EOF\ndocker pull a:1\nEOF",
        "ssh -p 22 h <<-EOF\n\tdocker pull a:1\n\tEOF",
        "sshpass -e ssh -o StrictHostKeyChecking=no h <<'X'\ndocker pull a:1\nX",
        "gcloud compute ssh vm --zone z --command 'docker pull a:1'",
        'ssh h \\\n  -p 22 \\\n  "docker pull a:1"',
        'ssh h "cd /srv && \\\n  docker pull a:1"',
    ],
)
def test_remote_scripts_in_every_form(script: str) -> None:
    docker = [c for c in simple_commands(script) if c.argv[:2] == ("docker", "pull")]
    assert docker and all(c.remote for c in docker)


def test_a_heredoc_to_cat_is_data_not_commands() -> None:
    script = "cat > deploy.env <<EOF\nIMAGE_TAG=latest\nEOF"
    assert [c.name for c in simple_commands(script)] == ["cat"]


def test_docker_global_options_come_before_the_subcommand() -> None:
    call = docker_call(("docker", "-c", "prod", "run", "--rm", "app:1", "bash", "-c", "echo hi"))
    assert call is not None and call.sub == "run" and call.remote
    local = docker_call(("docker", "run", "--rm", "app:1", "bash", "-c", "echo hi"))
    assert local is not None and not local.remote


def test_after_docker_run_image_every_word_is_the_containers() -> None:
    argv = ("docker", "run", "-it", "--rm", "-e", "A=b", "-p8080:80", "app:1", "bash", "-c", "x")
    call = docker_call(argv)
    assert call is not None and docker_run_image(argv, call) == 7
    inner = [c for c in simple_commands('docker run --rm app:1 bash -c "python manage.py check"')]
    assert [(c.argv[0], c.container) for c in inner] == [("docker", False), ("bash", True), ("python", True)]


def test_kubectl_exec_runs_remotely_in_a_container() -> None:
    (_, inner) = simple_commands("kubectl exec -n prod deploy/web -- python manage.py migrate")
    assert inner.argv == ("python", "manage.py", "migrate") and inner.remote and inner.container


def test_a_command_held_in_a_variable() -> None:
    script = 'DC="docker compose -f prod.yml"\n$DC up -d\nSSH="ssh -i key u@h"\n$SSH "docker pull a:1"'
    found = argvs(script)
    assert ("docker", "compose", "-f", "prod.yml", "up", "-d") in found
    assert ("docker", "pull", "a:1") in found


# -- what a script writes ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "script",
    [
        'echo "tag=sha-$SHORT" >> "$GITHUB_OUTPUT"',
        "echo tag=sha-$SHORT >> ${GITHUB_OUTPUT}",
        'echo "tag=sha-$SHORT" | tee -a "$GITHUB_OUTPUT"',
        "printf 'tag=%s\\n' \"sha-$SHORT\" >> $GITHUB_OUTPUT",
        "cat >> $GITHUB_OUTPUT <<EOF\ntag=sha-$SHORT\nEOF",
        "cat <<EOF >> $GITHUB_OUTPUT\ntag=sha-$SHORT\nEOF",
        'echo "::set-output name=tag::sha-$SHORT"',
    ],
)
def test_step_outputs_in_every_form(script: str) -> None:
    assert writes(script, "GITHUB_OUTPUT") == {"tag": "sha-$SHORT"}


def test_lines_written_to_a_file_keep_their_lines() -> None:
    script = "echo start\ncat <<EOF > .env\nIMAGE_NAME=app\nIMAGE_TAG=latest\nEOF"
    found = [(w.target, w.name, w.value, w.line) for w in read(script).writes]
    assert found == [(".env", "IMAGE_NAME", "app", 2), (".env", "IMAGE_TAG", "latest", 3)]


def test_a_function_body_runs_where_it_is_called_with_its_arguments() -> None:
    script = (
        'pull() {\n  local image="$1"\n  docker pull "$image"\n}\nfor s in a b; do pull "app/$s:$TAG"; done'
    )
    reading = read(script)
    assert [(c.argv, c.wrapper) for c in reading.commands] == [
        (("pull", "app/$s:$TAG"), True),
        (("docker", "pull", "$image"), False),
    ]
    assert [(a.name, a.value) for a in reading.assignments] == [("image", "app/$s:$TAG")]


def test_a_function_never_called_runs_nothing() -> None:
    assert argvs("cleanup() {\n  docker rm -f web\n}\necho done") == [("echo", "done")]
