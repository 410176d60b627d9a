"""Which jobs deploy and which migrate, from what they run (roles.py, migrations.py, order.py):
never a job's name alone. Small workflows, parsed and judged for real."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from devkit.ci.workflows import check_paths
from devkit.ci.workflows.migrations import migration
from devkit.ci.workflows.order import deploy_matcher, job_roles
from devkit.ci.workflows.source import load_yaml
from devkit.ci.workflows.workflow import Workflow


def roles(tmp_path: Path, jobs: str) -> tuple[list[str], list[str]]:
    path = tmp_path / "w.yml"
    path.write_text("on: push\njobs:\n" + textwrap.indent(textwrap.dedent(jobs), "  "))
    return job_roles(Workflow("w.yml", load_yaml(path), tmp_path), deploy_matcher(()))


def job(job_id: str, *steps: str, extra: str = "") -> str:
    lines = [f"{job_id}:", "  runs-on: ubuntu-latest", *(f"  {x}" for x in extra.splitlines()), "  steps:"]
    for step in steps:  # later lines of a step are indented relative to its first
        first, *rest = step.splitlines()
        lines.append(f"    - {first}")
        lines += [f"      {line}" for line in rest]
    return "\n".join(lines) + "\n"


NOT_DEPLOYS = {
    "id generation and echo": job(
        "pre-deployment-checks",
        'run: |\n  ID="dev-$(date +%s)-$(uuidgen | cut -c1-8)"\n  echo "id=$ID" >> "$GITHUB_OUTPUT"',
        "run: uuidgen > deploy-id.txt",
        "uses: actions/upload-artifact@v4",
    ),
    "a build named deploy": job(
        "deploy-image",
        "uses: docker/login-action@v3",
        "run: docker build -t app:latest . && docker push app:latest",
        "uses: docker/build-push-action@v6",
    ),
    "a container's own bash -c": job(
        "smoke", 'run: docker run --rm ghcr.io/acme/app:latest bash -c "python manage.py check"'
    ),
    "a download from the server": job("build", "run: scp deploy@host:/srv/app/.env .env.local"),
    "a GitHub deployment record": job("create-deployment", "uses: octokit/request-action@v2.x"),
    "a notification named release": job("release-notes", "uses: slackapi/slack-github-action@v1"),
}


@pytest.mark.parametrize("jobs", NOT_DEPLOYS.values(), ids=NOT_DEPLOYS.keys())
def test_jobs_that_deploy_nothing(tmp_path: Path, jobs: str) -> None:
    assert roles(tmp_path, jobs) == ([], [])


OVERRIDES = '{"containerOverrides":[{"name":"web","command":["python","manage.py","migrate"]}]}'
MIGRATE_JOBS = {
    "an ECS run-task action": job(
        "run-migrations",
        "uses: aws-actions/amazon-ecs-deploy-task-definition@v2\nwith:\n  task-definition: migrate.json\n"
        "  cluster: prod\n  run-task: true\n  wait-for-task-stopped: true",
    ),
    "aws ecs run-task with a command override": job(
        "db",
        "run: |\n  aws ecs run-task --cluster prod --task-definition app \\\n"
        "    --overrides '" + OVERRIDES + "'",
    ),
    "pull then migrate on the server": job(
        "deploy-db",
        "run: |\n  ssh h <<'SSH'\n    docker pull app:${{ github.sha }}\n"
        "    docker run --rm app:${{ github.sha }} python manage.py migrate_schemas\n  SSH",
    ),
    "manage.py migrate with the production environment": job(
        "deploy-migrations", "run: python manage.py migrate", extra="environment: production"
    ),
}


@pytest.mark.parametrize("jobs", MIGRATE_JOBS.values(), ids=MIGRATE_JOBS.keys())
def test_migration_only_jobs_are_the_migrate_job(tmp_path: Path, jobs: str) -> None:
    deploys, migrators = roles(tmp_path, jobs)
    assert deploys == [] and len(migrators) == 1


def test_an_ecs_service_deploy_is_a_deploy(tmp_path: Path) -> None:
    jobs = job(
        "ship",
        "uses: aws-actions/amazon-ecs-deploy-task-definition@v2\nwith:\n  task-definition: app.json\n"
        "  service: web\n  cluster: prod",
    )
    assert roles(tmp_path, jobs) == (["ship"], [])


def test_pulling_on_a_server_without_migrating_is_a_deploy(tmp_path: Path) -> None:
    assert roles(tmp_path, job("ship", 'run: ssh h "docker pull app:1"')) == (["ship"], [])


def test_docker_context_before_the_subcommand_is_a_remote_engine(tmp_path: Path) -> None:
    jobs = job("ship", "run: docker --context prod compose up -d") + job(
        "test", "run: docker run --rm app:1 sh -c 'pytest -q'"
    )
    assert roles(tmp_path, jobs) == (["ship"], [])


def test_an_id_only_job_gets_no_dk103(tmp_path: Path) -> None:
    """The fix DK103 once proposed here (make the first job need migrate) broke the pipeline."""
    jobs = (
        job("pre-deployment-checks", 'run: echo "id=$(date +%s)" >> "$GITHUB_OUTPUT"')
        + job(
            "migrate",
            "run: ssh h 'cd /srv && python manage.py migrate'",
            extra="needs: pre-deployment-checks",
        )
        + job("deploy", 'run: ssh h "docker pull app:${{ github.sha }}"', extra="needs: migrate")
    )
    path = tmp_path / "w.yml"
    path.write_text("on: push\npermissions: {}\njobs:\n" + textwrap.indent(jobs, "  "))
    found = {f.rule for f in check_paths(tmp_path, [path]).findings}
    assert "DK103" not in found and "DK101" not in found


def test_an_unreadable_reusable_workflow_named_migrate_is_the_migrate_job(tmp_path: Path) -> None:
    jobs = "migrations:\n  uses: acme/workflows/.github/workflows/db-migrations.yml@v1\n" + job(
        "deploy", 'run: ssh h "docker pull app:${{ github.sha }}"'
    )
    assert roles(tmp_path, jobs) == (["deploy"], ["migrations"])


@pytest.mark.parametrize(
    ("argv", "found"),
    [
        ("python manage.py migrate --noinput", "manage.py migrate"),
        ("./manage.py --settings=app.settings.prod migrate_schemas --shared", "manage.py migrate_schemas"),
        ("poetry run python -m django migrate", "python -m django migrate"),
        ("django-admin migrate", "django-admin migrate"),
        (".ci-venv/bin/devkit migrate --json", "devkit migrate"),
        ("python manage.py migrate --check", None),
        ("python manage.py migrate --plan", None),
        ("python manage.py makemigrations --check", None),
        ("echo python manage.py migrate", None),
    ],
)
def test_what_is_a_migration(argv: str, found: str | None) -> None:
    assert migration(tuple(argv.split())) == found


def test_a_python_step_is_not_read_as_shell(tmp_path: Path) -> None:
    python = job("ship", "shell: python\nrun: |\n  import os\n  os.system('ssh h docker pull app:latest')")
    shell = job("ship", "shell: bash -eo pipefail {0}\nrun: ssh h docker pull app:latest")
    assert roles(tmp_path, python) == ([], [])
    assert roles(tmp_path, shell) == (["ship"], [])


def test_a_github_release_job_deploys_nothing(tmp_path: Path) -> None:
    jobs = job(
        "release",
        "uses: actions/checkout@v4",
        "uses: ncipollo/release-action@v1\nwith:\n  tag: ${{ github.ref_name }}\n  artifacts: dist/*",
        "uses: softprops/action-gh-release@v2\nwith:\n  tag_name: v1.2.3",
    )
    assert roles(tmp_path, jobs) == ([], [])
