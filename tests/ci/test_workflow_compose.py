"""Compose files in check-workflows: the root compose files are checked by default (DK104), and
a compose file a deploy job starts is read from the repository: a service `command:` or
`entrypoint:` that migrates at every start is DK102 in that job. Real files in tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from devkit.ci.workflows import check_paths, discover

DEPLOY = """\
on: push
permissions:
  contents: read
jobs:
  {job}:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - run: |
          scp {file} deploy@host:/srv/app/
          ssh deploy@host "cd /srv/app && docker compose -f {file} {verb}"
"""
MIGRATING = """\
services:
  web:
    image: ghcr.io/acme/app:${{IMAGE_TAG:?}}
    command: {command}
  db:
    image: postgres:16
"""


def project(
    tmp_path: Path, *, job: str = "ship", verb: str = "up -d", command: str = "gunicorn app.wsgi"
) -> Path:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "deploy.yml").write_text(DEPLOY.format(job=job, file="deploy/compose.prod.yml", verb=verb))
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "compose.prod.yml").write_text(MIGRATING.format(command=command))
    return tmp_path


def findings(root: Path, *paths: Path) -> set[tuple[str, str, int]]:
    return {(f.path, f.rule, f.line) for f in check_paths(root, list(paths)).findings}


@pytest.mark.parametrize(
    "command",
    [
        'sh -c "python manage.py migrate_schemas --shared && gunicorn app.wsgi"',
        '["python", "manage.py", "migrate"]',
        '["sh", "-c", "python manage.py migrate --noinput && exec gunicorn app.wsgi"]',
    ],
)
def test_a_compose_command_that_migrates_is_dk102_in_the_deploy_job(tmp_path: Path, command: str) -> None:
    root = project(tmp_path, command=command)
    (finding,) = [f for f in check_paths(root, []).findings if f.rule == "DK102"]
    assert (finding.path, finding.line) == (".github/workflows/deploy.yml", 11)  # the ssh line
    assert "deploy/compose.prod.yml" in finding.message and "'web'" in finding.message


def test_pulling_starts_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, verb="pull", command='sh -c "python manage.py migrate && gunicorn app.wsgi"')
    assert "DK102" not in {rule for _, rule, _ in findings(root)}


def test_a_compose_file_that_does_not_migrate(tmp_path: Path) -> None:
    assert findings(project(tmp_path)) == set()


def test_a_workflow_outside_a_repository_is_not_followed_into_compose_files(tmp_path: Path) -> None:
    root = project(tmp_path, command='sh -c "python manage.py migrate && gunicorn app.wsgi"')
    loose = tmp_path / "loose.yml"
    loose.write_text((root / ".github" / "workflows" / "deploy.yml").read_text())
    assert findings(tmp_path, loose) == set()


def test_root_compose_files_are_checked_by_default(tmp_path: Path) -> None:
    (tmp_path / "docker-compose-prod.yml").write_text("services:\n  web:\n    image: app:latest\n")
    (tmp_path / "compose.yaml").write_text("services:\n  db:\n    image: postgres:16\n")
    (tmp_path / "docker-compose.empty.yml").write_text("# nothing here yet\n")
    assert [p.name for p in discover(tmp_path, [])] == ["compose.yaml", "docker-compose-prod.yml"]
    assert findings(tmp_path) == {("docker-compose-prod.yml", "DK104", 3)}


def test_a_project_folder_given_means_its_workflows_and_root_compose_files(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "docker-compose.yml").write_text("services:\n  web:\n    image: app\n")
    names = [p.name for p in discover(Path("/"), [root])]
    assert names == ["deploy.yml", "docker-compose.yml"]


def test_a_service_that_builds_its_image_pulls_nothing(tmp_path: Path) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        textwrap.dedent("""\
        services:
          app:
            build: .
            image: app:latest
          mail:
            image: mailhog/mailhog
        """)
    )
    assert findings(tmp_path, compose) == {("docker-compose.yml", "DK104", 6)}


def test_a_compose_file_a_deploy_job_uses_is_checked_for_dk104(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "deploy" / "compose.prod.yml").write_text("services:\n  web:\n    image: app:${TAG:-latest}\n")
    assert findings(root) == {("deploy/compose.prod.yml", "DK104", 3)}
