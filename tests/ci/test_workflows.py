"""Workflow policy: the example pipeline passes, each non-compliant variant fails with the right
rule id and line. Cases run the library in-process; the CLI cases run the real command."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from devkit.ci.workflows import check_paths
from tests.support.project import EXAMPLE, REPO, devkit

FIXTURES = REPO / "tests" / "fixtures" / "workflows"
PIPELINE = EXAMPLE / ".github" / "workflows" / "pipeline.yml"


def found(path: Path, **options: object) -> list[tuple[str, int]]:
    report = check_paths(path.parent, [path], **options)  # type: ignore[arg-type]
    return [(f.rule, f.line) for f in report.findings]


def deploy_workflow(
    tmp_path: Path, steps: str, *, env: str = "", job_extra: str = "", before: str = ""
) -> Path:
    """A workflow with permissions and timeouts, so that only the image rules can fire."""
    text = textwrap.dedent("""\
        name: t
        on: push
        permissions:
          contents: read
        env:
          IMAGE_NAME: ghcr.io/example/app
        {env}
        jobs:
        {before}
          deploy:
            runs-on: ubuntu-latest
            timeout-minutes: 5
        {job_extra}
            steps:
        {steps}
        """).format(
        env=env,
        before=textwrap.indent(textwrap.dedent(before), "  "),
        job_extra=textwrap.indent(textwrap.dedent(job_extra), "    "),
        steps=textwrap.indent(textwrap.dedent(steps), "      "),
    )
    path = tmp_path / "deploy.yml"
    path.write_text(text)
    return path


# -- the compliant example --------------------------------------------------------------------
def test_example_pipeline_passes_strict() -> None:
    assert found(PIPELINE, strict=True) == []


def test_example_pipeline_resolves_the_build_output_to_the_commit(tmp_path: Path) -> None:
    broken = tmp_path / "pipeline.yml"
    broken.write_text(
        PIPELINE.read_text().replace("${IMAGE_NAME}:${GITHUB_SHA}", "${IMAGE_NAME}:main-latest")
    )
    assert [rule for rule, _ in found(broken)] == ["DK101"]


# -- pinned references (DK101 must NOT fire) ----------------------------------------------------
PINNED = {
    "github.sha expression": "- run: docker pull $IMAGE_NAME:${{ github.sha }}",
    "GITHUB_SHA variable": "- run: docker run --rm -d ghcr.io/example/app:$GITHUB_SHA",
    "short sha": "- run: docker pull ghcr.io/example/app:${GITHUB_SHA::7}",
    "literal hex tag": "- run: docker pull ghcr.io/example/app:v1.2-3f2a1bc",
    "digest": "- run: docker pull ghcr.io/example/app@sha256:" + "ab" * 32,
    "script variable from sha": "- run: |\n    TAG=${GITHUB_SHA::12}\n    docker pull app:$TAG",
    "step env from sha": "- env:\n    IMAGE_TAG: ${{ github.sha }}\n  run: helm upgrade web"
    " ./chart --set image.tag=$IMAGE_TAG",
    "kubectl with sha": "- run: kubectl set image deployment/web web=app:${{ github.sha }}",
    "GITHUB_ENV from earlier step": '- run: echo "TAG=sha-${GITHUB_SHA}" >> $GITHUB_ENV\n'
    "- run: docker pull app:$TAG",
    "git rev-parse": "- run: docker pull app:$(git rev-parse --short HEAD)",
}


@pytest.mark.parametrize("steps", PINNED.values(), ids=PINNED.keys())
def test_pinned_references_pass(tmp_path: Path, steps: str) -> None:
    assert found(deploy_workflow(tmp_path, steps)) == []


# -- unpinned references (DK101 fires on the right line) ------------------------------------------
UNPINNED = {
    "latest": ("- run: docker pull app:latest", 15),
    "dash latest": ("- run: docker pull app:main-latest", 15),
    "untagged docker run": ("- run: docker run --rm -e A=b --name x app", 15),
    "version tag": ("- run: docker create app:2.0.1", 15),
    "vars tag": ("- run: docker pull app:${{ vars.TAG }}", 15),
    "compose variable": ("- run: |\n    echo deploying\n    IMAGE_TAG=latest docker compose up -d", 17),
    "helm image.tag": ("- run: helm upgrade --install web ./chart --set replicas=2,image.tag=stable", 15),
    "kubectl set image": ("- run: kubectl set image deploy/web web=app:v3 worker=app:v3", 15),
    "podman": ("- run: sudo podman pull app", 15),
    "docker:// step": ("- uses: docker://alpine:latest", 15),
    "continuation line": ("- run: |\n    docker run \\\n      --rm app:latest", 16),
}


@pytest.mark.parametrize(("steps", "line"), UNPINNED.values(), ids=UNPINNED.keys())
def test_unpinned_references_fail(tmp_path: Path, steps: str, line: int) -> None:
    rules = found(deploy_workflow(tmp_path, steps))
    assert rules and {r for r, _ in rules} == {"DK101"}
    assert rules[0][1] == line


def test_job_output_from_an_action_cannot_be_traced(tmp_path: Path) -> None:
    before = """\
        build:
          runs-on: ubuntu-latest
          timeout-minutes: 5
          outputs:
            tag: ${{ steps.meta.outputs.version }}
          steps:
            - id: meta
              uses: docker/metadata-action@v5
        """
    path = deploy_workflow(
        tmp_path,
        "- run: docker pull app:${{ needs.build.outputs.tag }}",
        before=before,
        job_extra="needs: build",
    )
    assert [r for r, _ in found(path)] == ["DK101"]


def test_job_output_derived_from_the_sha_passes(tmp_path: Path) -> None:
    before = """\
        build:
          runs-on: ubuntu-latest
          timeout-minutes: 5
          outputs:
            tag: ${{ steps.meta.outputs.tag }}
          steps:
            - id: meta
              run: |
                SHORT=${GITHUB_SHA:0:8}
                echo "tag=sha-$SHORT" >> "$GITHUB_OUTPUT"
        """
    path = deploy_workflow(
        tmp_path,
        "- run: docker pull app:${{ needs.build.outputs.tag }}",
        before=before,
        job_extra="needs: build",
    )
    assert found(path) == []


@pytest.mark.parametrize(("line", "codes"), [("tag=sha-${GITHUB_SHA}", []), ("tag=stable", ["DK101"])])
def test_job_output_written_through_a_heredoc(tmp_path: Path, line: str, codes: list[str]) -> None:
    before = f"""\
        build:
          runs-on: ubuntu-latest
          timeout-minutes: 5
          outputs:
            tag: ${{{{ steps.meta.outputs.tag }}}}
          steps:
            - id: meta
              run: |
                cat >> "$GITHUB_OUTPUT" <<'EOF'
                {line}
                EOF
        """
    path = deploy_workflow(
        tmp_path,
        "- run: docker pull app:${{ needs.build.outputs.tag }}",
        before=before,
        job_extra="needs: build",
    )
    assert [r for r, _ in found(path)] == codes


def test_container_and_services_of_a_deploy_job(tmp_path: Path) -> None:
    extra = "container: app:latest\nservices:\n  db:\n    image: postgres:15\n"
    path = deploy_workflow(tmp_path, "- run: ./deploy.sh", job_extra=extra)
    assert [r for r, _ in found(path)] == ["DK101", "DK101"]


def test_build_jobs_may_push_latest(tmp_path: Path) -> None:
    before = """\
        build:
          runs-on: ubuntu-latest
          timeout-minutes: 5
          steps:
            - run: docker build -t app:latest . && docker push app:latest
        """
    path = deploy_workflow(tmp_path, "- run: docker pull app:${{ github.sha }}", before=before)
    assert found(path) == []


# -- which jobs are deploy jobs --------------------------------------------------------------
@pytest.mark.parametrize(
    ("job_extra", "is_deploy"),
    [
        ("name: Promote to staging", True),
        ("environment: production", True),
        ("environment:\n  name: uat\n  url: https://uat.example.com", True),
        ("name: reproduce a bug", False),
        ("environment: evaluate", False),
    ],
)
def test_deploy_job_detection(tmp_path: Path, job_extra: str, is_deploy: bool) -> None:
    text = deploy_workflow(tmp_path, "- run: docker pull app:latest", job_extra=job_extra)
    renamed = text.read_text().replace("  deploy:", "  job1:")
    text.write_text(renamed)
    assert bool(found(text)) is is_deploy


def test_custom_deploy_pattern(tmp_path: Path) -> None:
    path = deploy_workflow(tmp_path, "- run: docker pull app:latest")
    path.write_text(path.read_text().replace("  deploy:", "  ship-it:"))
    assert found(path) == []
    assert [r for r, _ in found(path, deploy_patterns=["ship"])] == ["DK101"]


def test_migrate_job_with_production_environment_is_not_a_deploy_job(tmp_path: Path) -> None:
    path = deploy_workflow(tmp_path, "- run: devkit migrate", job_extra="environment: production")
    path.write_text(path.read_text().replace("  deploy:", "  migrate:"))
    assert found(path) == []


# -- the fixtures ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("floating-images.yml", [("DK101", 10), ("DK101", 13), ("DK101", 15), ("DK101", 17), ("DK101", 18)]),
        ("migrate-in-deploy.yml", [("DK102", 12), ("DK102", 14)]),
        ("no-hygiene.yml", [("DK201", 5), ("DK202", 5), ("DK202", 9), ("DK203", 11), ("DK201", 14)]),
        ("deploy-before-migrate.yml", [("DK103", 13)]),
        ("untraced-tags.yml", [("DK101", 17), ("DK101", 18), ("DK101", 19), ("DK101", 22)]),
        ("compose.yml", [("DK104", 3), ("DK104", 5)]),
        ("Dockerfile", [("DK105", 1), ("DK105", 2)]),
        ("invalid.yml", [("DK001", 5)]),
    ],
)
def test_fixture_findings(name: str, expected: list[tuple[str, int]]) -> None:
    assert found(FIXTURES / name) == sorted(expected, key=lambda x: (x[1], x[0]))


def test_hygiene_is_warning_unless_strict() -> None:
    lax = check_paths(FIXTURES, [FIXTURES / "no-hygiene.yml"])
    strict = check_paths(FIXTURES, [FIXTURES / "no-hygiene.yml"], strict=True)
    assert (lax.errors, lax.warnings) == (0, 5)
    assert (strict.errors, strict.warnings) == (5, 0)


def test_ignore_a_rule() -> None:
    report = check_paths(FIXTURES, [FIXTURES / "no-hygiene.yml"], ignore=["DK201"])
    assert {f.rule for f in report.findings} == {"DK202", "DK203"}


# -- the CLI -------------------------------------------------------------------------------
def test_cli_exit_codes_and_text() -> None:
    ok = devkit("check-workflows", "--strict", project=EXAMPLE)
    assert ok.code == 0, ok.text
    bad = devkit("check-workflows", str(FIXTURES / "migrate-in-deploy.yml"))
    assert bad.code == 1
    assert "tests/fixtures/workflows/migrate-in-deploy.yml:12: DK102" in bad.out
    warn = devkit("check-workflows", str(FIXTURES / "no-hygiene.yml"))
    assert warn.code == 0  # warnings only
    assert devkit("check-workflows", "--strict", str(FIXTURES / "no-hygiene.yml")).code == 1


def test_cli_github_annotations_and_alias() -> None:
    ran = devkit("check-tags", "--format", "github", str(FIXTURES / "floating-images.yml"))
    assert ran.code == 1
    first = ran.out.splitlines()[0]
    assert first.startswith(
        "::error file=tests/fixtures/workflows/floating-images.yml,line=10,title=DK101 image-not-pinned::"
    )


def test_cli_json() -> None:
    ran = devkit("check-workflows", "--json", str(FIXTURES / "deploy-before-migrate.yml"))
    payload = json.loads(ran.out)
    assert ran.code == 0 and payload["ok"] is True
    assert payload["findings"][0]["rule"] == "DK103"
    assert payload["findings"][0]["severity"] == "warning"


def test_cli_usage_errors(tmp_path: Path) -> None:
    assert devkit("check-workflows", str(tmp_path / "missing.yml")).code == 2
    assert devkit("check-workflows", "--format", "xml", str(PIPELINE)).code == 2
    assert devkit("check-workflows", "--ignore", "DK999", str(PIPELINE)).code == 2
