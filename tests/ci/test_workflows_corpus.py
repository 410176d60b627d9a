"""Workflow policy on the labelled corpus (tests/fixtures/workflows, one sidecar per file), on
every way of passing a remote or nested command, and on input that must be refused: a binary
file, an alias bomb, a self-referencing alias, deep nesting (bounded memory and time, exit 1
with DK001, never a traceback)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from devkit.ci.workflows import check_paths
from devkit.ci.workflows.references import image_refs
from devkit.ci.workflows.scripts import simple_commands
from tests.support.project import REPO

CORPUS = REPO / "tests" / "fixtures" / "workflows"
LABELLED = sorted(CORPUS.rglob("*.expected"))


def expected(sidecar: Path) -> set[tuple[str, int]]:
    pairs = (line.split() for line in sidecar.read_text().splitlines() if line.strip())
    return {(rule, int(number)) for rule, number in pairs}


def findings(path: Path) -> set[tuple[str, int]]:
    """The findings in this file (a workflow may also report in a compose file it deploys)."""
    return {(f.rule, f.line) for f in check_paths(path.parent, [path]).findings if f.path == path.name}


def test_the_corpus_is_large_enough() -> None:
    assert len(LABELLED) >= 60


@pytest.mark.parametrize("sidecar", LABELLED, ids=[str(p.relative_to(CORPUS)) for p in LABELLED])
def test_corpus_file_gives_exactly_its_labelled_findings(sidecar: Path) -> None:
    path = sidecar.with_name(sidecar.name.removesuffix(".expected"))
    assert findings(path) == expected(sidecar)


# -- every quoting of a remote or nested command -------------------------------------------------
NESTED = {
    "ssh double quotes": 'ssh deploy@host "docker pull app:dev-latest && docker run -d app:dev-latest"',
    "ssh single quotes": "ssh deploy@host 'docker pull app:dev-latest'",
    "ssh no quotes": "ssh -p 22 -i key deploy@host docker pull app:dev-latest",
    "ssh with expression": 'ssh ${{ secrets.U }}@${{ secrets.H }} "docker pull app:dev-latest"',
    "sshpass": "sshpass -e ssh -o StrictHostKeyChecking=no u@h 'docker pull app:dev-latest'",
    "bash -c": 'bash -c "docker pull app:dev-latest || exit 1"',
    "sh -ec": "sh -ec 'cd /srv; docker pull app:dev-latest'",
    "docker exec sh -c": "ssh h \"docker exec web sh -c 'docker pull app:dev-latest'\"",
    "sudo": "ssh h sudo -u app docker pull app:dev-latest",
    "chain": "ssh h 'cd /srv || exit 1; true && docker pull app:dev-latest'",
    "continuation": 'ssh h \\\n  -p 22 \\\n  "docker pull app:dev-latest"',
    "heredoc quoted": "ssh h <<'EOF'\ndocker pull app:dev-latest\nEOF",
    "heredoc unquoted": "ssh h bash -s <<EOF\ndocker pull app:dev-latest\nEOF",
    "multi-line double quotes": 'ssh h "\n  cd /srv\n  docker pull app:dev-latest\n"',
}


@pytest.mark.parametrize("script", NESTED.values(), ids=NESTED.keys())
def test_nested_commands_are_followed(script: str) -> None:
    assert "app:dev-latest" in {ref.value for ref in image_refs(script)}


@pytest.mark.parametrize(
    "script",
    [NESTED["ssh double quotes"], NESTED["heredoc quoted"], NESTED["multi-line double quotes"]],
)
def test_commands_passed_to_ssh_are_remote(script: str) -> None:
    docker = [c for c in simple_commands(script) if c.argv[:2] == ("docker", "pull")]
    assert docker and all(c.remote for c in docker)


def test_nested_command_keeps_its_file_line() -> None:
    script = 'echo start\nssh h "\n  cd /srv\n  docker pull app:latest\n"'
    assert [r.index for r in image_refs(script)] == [3]


def test_a_command_output_continued_over_lines_is_traced_as_command_output() -> None:
    """Met outside the corpus: `img="$(docker compose … \\<newline> config --images | …)"` was
    judged an untagged literal; it is a command's output, shown on one line."""
    path = CORPUS / "corpus" / "continued-substitution.yml"
    [found] = [f for f in check_paths(path.parent, [path]).findings if f.rule == "DK101"]
    assert "untagged" not in found.message, found.message
    assert "output of $(docker compose --env-file .env.production -f compose.prod.yml config" in found.message


# -- duplicate keys ------------------------------------------------------------------------------
def test_duplicate_keys_name_both_lines_and_come_first() -> None:
    report = check_paths(CORPUS, [CORPUS / "corpus" / "dup-two-workflows.yml"])
    first = report.findings[0]
    assert first.rule == "DK002" and first.line == 18 and "line 3" in first.message
    # the first half is still checked: its migration is not hidden behind the duplicate
    assert ("DK102", 17) in {(f.rule, f.line) for f in report.findings}


def test_the_cycle_is_never_proposed() -> None:
    report = check_paths(CORPUS, [CORPUS / "corpus" / "migrate-after-deploy-cycle.yml"])
    (finding,) = report.findings
    assert finding.rule == "DK103" and "take 'deploy' out of that chain" in finding.hint


# -- input that must be refused, with bounded memory -------------------------------------------
def _limited() -> None:
    limit = 1 << 30  # 1 GiB of address space: an expanded alias bomb would need far more
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_limited(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devkit", "check-workflows", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        preexec_fn=_limited,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("alias-bomb.yml", "alias bomb"),
        ("alias-recursive.yml", "refers to the node that contains it"),
        ("binary.yml", "binary file"),
        ("not-utf8.yml", "not UTF-8"),
    ],
)
def test_refused_input_is_a_dk001_error_not_a_traceback(name: str, words: str) -> None:
    ran = run_limited(str(CORPUS / "corpus" / name))
    assert ran.returncode == 1, ran.stderr
    assert "DK001" in ran.stdout and words in ran.stdout
    assert "Traceback" not in ran.stdout + ran.stderr and "MemoryError" not in ran.stderr


def test_a_wide_alias_bomb_in_a_run_script(tmp_path: Path) -> None:
    """The classic billion laughs (10 levels of 10) inside a workflow, under 1 GiB."""
    lines = ['a0: &a0 "lol"']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    lines += ["jobs:", "  deploy:", "    steps:", "      - run: *a9"]
    bomb = tmp_path / "bomb.yml"
    bomb.write_text("\n".join(lines) + "\n")
    ran = run_limited(str(bomb))
    assert ran.returncode == 1 and "DK001" in ran.stdout, ran.stdout + ran.stderr


def test_deep_nesting_and_huge_files(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yml"
    deep.write_text("jobs: " + "[" * 20000 + "]" * 20000 + "\n")
    huge = tmp_path / "huge.yml"
    huge.write_text("jobs:\n" + "  # padding\n" * 200_000)
    for path in (deep, huge):
        ran = run_limited(str(path))
        assert ran.returncode == 1 and "DK001" in ran.stdout, ran.stdout + ran.stderr
        assert "Traceback" not in ran.stderr


@pytest.mark.parametrize("name", ["binary.yml", "alias-bomb.yml", "not-utf8.yml"])
def test_devkit_docs_refuses_the_same_files_as_a_config_error(tmp_path: Path, name: str) -> None:
    """`devkit docs` reads the workflows too: the same refusal, as a ConfigError (exit 2)."""
    from devkit.core.errors import ConfigError
    from devkit.docs.workflows import load_workflows

    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / name).write_bytes((CORPUS / "corpus" / name).read_bytes())
    with pytest.raises(ConfigError, match=rf"\.github/workflows/{name}:\d+: "):
        load_workflows(folder, tmp_path)


def test_local_reusable_workflows_take_the_roles_of_their_jobs(tmp_path: Path) -> None:
    """A caller job without a deploy word in its name deploys when the called workflow does,
    and a called workflow that migrates makes its caller the migrate job."""
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    head = "on:\n  workflow_call:\n    inputs:\n      tag: {type: string}\npermissions:\n  contents: read\n"
    (folder / "ship.yml").write_text(
        head + "jobs:\n  go:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n"
        '      - run: ssh app@h "docker pull app:${{ inputs.tag }}"\n'
    )
    (folder / "db.yml").write_text(
        head + "jobs:\n  go:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n"
        "    environment: production\n    steps:\n      - run: devkit migrate\n"
    )
    (folder / "pipeline.yml").write_text(
        "on: push\npermissions:\n  contents: read\njobs:\n"
        "  step-one:\n    uses: ./.github/workflows/db.yml\n"
        "  step-two:\n    uses: ./.github/workflows/ship.yml\n    with:\n      tag: latest\n"
    )
    report = check_paths(tmp_path, [])
    got = {(f.path, f.rule, f.line) for f in report.findings}
    assert got == {
        (".github/workflows/pipeline.yml", "DK101", 10),  # with: tag: latest, to a deploying workflow
        (".github/workflows/pipeline.yml", "DK103", 7),  # step-two does not need step-one
        (".github/workflows/ship.yml", "DK101", 12),  # inputs.tag cannot be traced here
    }


def test_a_script_nested_too_deeply_is_a_dk001_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep-script.yml"
    script = "echo " + "$(echo " * 3000 + "x" + ")" * 3000
    deep.write_text(f"on: push\njobs:\n  deploy:\n    runs-on: x\n    steps:\n      - run: '{script}'\n")
    ran = run_limited(str(deep))
    assert ran.returncode == 1 and "DK001" in ran.stdout and "nested too deeply" in ran.stdout, ran.stdout
    assert "Traceback" not in ran.stderr
