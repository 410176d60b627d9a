"""Tags traced through the shell (DK101): script and env variables, step outputs ($GITHUB_OUTPUT
and ::set-output), files written for compose, sed/yq rewrites, expressions with `||`, the
commit anywhere in a tag; what cannot be traced is the "could not trace" form. Each case is a
small workflow checked for real."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from devkit.ci.workflows import check_paths
from devkit.ci.workflows.rules import Finding

HEAD = """\
on: push
permissions:
  contents: read
jobs:
"""


def check(tmp_path: Path, jobs: str) -> list[Finding]:
    path = tmp_path / "deploy.yml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(jobs), "  "))
    return list(check_paths(tmp_path, [path]).findings)


def deploy(script: str, *, before: str = "", env: str = "") -> str:
    """A deploy job (it runs ssh) whose last step runs `script`."""
    return textwrap.dedent(before) + textwrap.dedent("""\
        deploy:
          runs-on: ubuntu-latest
          timeout-minutes: 5
        {env}
          steps:
            - id: s
              run: |
        {script}
        """).format(
        env=textwrap.indent(textwrap.dedent(env), "  "),
        script=textwrap.indent(textwrap.dedent(script), " " * 10),
    )


def dk101(findings: list[Finding]) -> list[str]:
    return [f.message for f in findings if f.rule == "DK101"]


PINNED = {
    "date and short sha": 'TAG="$(date +%Y%m%d).${GITHUB_SHA::8}"\nssh h "docker pull app:$TAG"',
    "sha through cut": 'SHORT=$(echo "${{ github.sha }}" | cut -c1-8)\nssh h "docker pull app:$SHORT"',
    "sha in the middle": 'ssh h "docker pull app:sha-${{ github.sha }}-amd64"',
    "rev-parse": "ssh h docker pull app:$(git rev-parse --short HEAD)",
    "exported": "export IMAGE_TAG=${GITHUB_SHA}\nssh h 'docker compose up -d'",
    "required variable": 'TAG=${GITHUB_SHA}\nssh h "docker pull app:${TAG:?}"',
    "lowercased sha": 'ssh h "docker pull app:${GITHUB_SHA,,}"',
}


@pytest.mark.parametrize("script", PINNED.values(), ids=PINNED.keys())
def test_a_tag_with_the_commit_anywhere_is_pinned(tmp_path: Path, script: str) -> None:
    assert dk101(check(tmp_path, deploy(script))) == []


def test_the_assignment_in_effect_at_the_use_is_the_one_judged(tmp_path: Path) -> None:
    script = 'TAG=latest\nssh h "docker pull app:$TAG"\nTAG=${GITHUB_SHA}\nssh h "docker pull app:$TAG"'
    (message,) = dk101(check(tmp_path, deploy(script)))
    assert "'latest'" in message


UNTRACED = {
    "an input before the commit": ('ssh h "docker pull app:${{ inputs.tag || github.sha }}"', "inputs.tag"),
    "a repository variable": ('ssh h "docker pull app:${{ vars.TAG }}"', "vars.TAG"),
    "a command's output": ('TAG=$(cat VERSION)\nssh h "docker pull app:$TAG"', "$(cat VERSION)"),
    "a server-side variable": ("ssh h 'export DOCKER_TAG=$RELEASE; docker compose up -d'", "$RELEASE"),
}


@pytest.mark.parametrize(("script", "source"), UNTRACED.values(), ids=UNTRACED.keys())
def test_what_cannot_be_traced_says_so(tmp_path: Path, script: str, source: str) -> None:
    (message,) = dk101(check(tmp_path, deploy(script)))
    assert "could not trace" in message and source in message


def test_the_branch_name_is_named_as_such(tmp_path: Path) -> None:
    (message,) = dk101(check(tmp_path, deploy('ssh h "docker pull app:${{ github.ref_name }}"')))
    assert "branch or tag name" in message


def test_a_step_output_through_set_output_and_needs(tmp_path: Path) -> None:
    build = """\
        build:
          runs-on: ubuntu-latest
          timeout-minutes: 5
          outputs:
            image: ${{ steps.meta.outputs.image }}
          steps:
            - id: meta
              run: echo "::set-output name=image::ghcr.io/acme/app:${GITHUB_SHA::7}"
        """
    found = check(tmp_path, deploy('ssh h "docker pull ${{ needs.build.outputs.image }}"', before=build))
    assert dk101(found) == []
    floating = build.replace("${GITHUB_SHA::7}", "main")
    found = check(tmp_path, deploy('ssh h "docker pull ${{ needs.build.outputs.image }}"', before=floating))
    assert len(dk101(found)) == 1


def test_a_compose_env_file_written_in_the_job(tmp_path: Path) -> None:
    script = "cat <<EOF > .env\nIMAGE_TAG=${{ github.ref_name }}\nEOF\n"
    script += "scp .env h:/srv/\nssh h 'docker compose up -d'"
    found = check(tmp_path, deploy(script))
    assert [(f.rule, f.line) for f in found] == [("DK101", 13)]


REWRITES = {
    "sed to latest": ("sed -i 's|image: app:.*|image: app:latest|' docker-compose.yml", "'latest'"),
    "sed keeping the repository": ('sed -i "s|\\(image: app\\):.*|\\1:latest|" compose.yml', "'latest'"),
    "sed on a values tag": ("sed -ri 's/^(\\s*)tag:.*/\\1tag: ${{ inputs.version }}/' values.yaml", "inputs"),
    "sed on an .env line": ("sed -i 's/^APP_IMAGE=.*/APP_IMAGE=app:stable/' .env", "'stable'"),
    "yq": ("yq -i '.services.web.image = \"app:latest\"' docker-compose.yml", "'latest'"),
}


@pytest.mark.parametrize(("script", "said"), REWRITES.values(), ids=REWRITES.keys())
def test_rewrites_of_a_compose_or_values_file(tmp_path: Path, script: str, said: str) -> None:
    (message,) = dk101(
        check(tmp_path, deploy(script + "\nssh h 'docker compose pull && docker compose up -d'"))
    )
    assert said in message


def test_rewrites_to_the_commit_pass(tmp_path: Path) -> None:
    script = 'sed -i "s|image: app:.*|image: app:${GITHUB_SHA}|" docker-compose.yml\n'
    script += "ssh h 'docker compose up -d'"
    assert dk101(check(tmp_path, deploy(script))) == []


def test_values_that_are_not_deployed_images(tmp_path: Path) -> None:
    script = """\
        old_image=$(docker images -q app)
        PREVIOUS_TAG=$(ssh h "docker inspect --format '{{.Config.Image}}' web")
        echo "rolling back to $PREVIOUS_TAG if needed"
        ssh h "docker pull app:${{ github.sha }} && docker rmi $old_image"
        """
    assert dk101(check(tmp_path, deploy(script))) == []


def test_messages_never_hold_control_characters(tmp_path: Path) -> None:
    script = 'ssh h "docker pull app:${{ inputs.image_tag }}"\nssh h "docker pull app:$(date +%H:%M)"'
    found = check(tmp_path, deploy(script))
    assert len(found) == 2
    assert all(ch.isprintable() for f in found for ch in f.message + f.hint)


def test_a_manifest_fed_to_kubectl_apply(tmp_path: Path) -> None:
    script = """\
        cat <<EOF | kubectl apply -f -
        kind: Deployment
        spec:
          template:
            spec:
              containers:
                - name: web
                  image: ghcr.io/acme/app:latest
                - name: proxy
                  image: ghcr.io/acme/proxy:${GITHUB_SHA}
        EOF
        """
    found = check(tmp_path, deploy(script))
    assert [(f.rule, f.line) for f in found] == [("DK101", 19)]


def test_an_image_passed_to_a_shell_function(tmp_path: Path) -> None:
    script = """\
        ssh h <<'SSH'
          pull_with_retry() {
            local image="$1"
            until docker pull "$image"; do sleep 5; done
          }
          pull_with_retry "ghcr.io/acme/app:${{ github.sha }}"
          pull_with_retry "ghcr.io/acme/worker:stable"
        SSH
        """
    (message,) = dk101(check(tmp_path, deploy(script)))
    assert "'stable'" in message


@pytest.mark.parametrize(
    "script",
    [
        "gcloud compute instances update-container vm --container-image=gcr.io/p/app:latest",
        "aws lambda update-function-code --function-name f --image-uri 1.dkr.ecr.aws/app:latest",
        "ecs-deploy -c prod -n web -i app:latest",
        "az webapp config container set -n web -g rg --docker-custom-image-name app:latest",
    ],
)
def test_the_image_flags_of_deploy_clis(tmp_path: Path, script: str) -> None:
    (message,) = dk101(check(tmp_path, deploy(script)))
    assert "'latest'" in message


def test_a_tag_input_is_an_image_tag_only_for_an_action_that_deploys_images(tmp_path: Path) -> None:
    jobs = """\
        deploy:
          runs-on: ubuntu-latest
          timeout-minutes: 5
          steps:
            - run: ssh h 'docker compose up -d'
            - uses: anothrnick/github-tag-action@v1
              with:
                tag: ${{ github.ref_name }}
            - uses: acme/k8s-deploy-action@v1
              with:
                tag: ${{ github.ref_name }}
        """
    assert [(f.rule, f.line) for f in check(tmp_path, jobs)] == [("DK101", 15)]
