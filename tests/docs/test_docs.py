"""`devkit docs`: marker merge, workflow diagrams, roadmap source, masking, and the real CLI on the
example project (generate, hand edits survive, --check names a settings change, the `docs` step)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from devkit.config import loading
from devkit.context import Context
from devkit.core.errors import ConfigError
from devkit.core.masking import register
from devkit.docs import blocks, generate, roadmap, workflows
from tests.support.project import copy_example, devkit

FIXTURES = Path(__file__).parents[1] / "fixtures" / "docs"
COPILOT = ".github/copilot-instructions.md"
ROADMAP = "docs/ROADMAP.md"


# -- marker blocks ----------------------------------------------------------------------------
def test_merge_replaces_only_marked_blocks_and_keeps_the_rest_byte_for_byte() -> None:
    before = (
        "# Title\r\nmine  \n\n<!-- devkit:begin a -->\nold\n<!-- devkit:end a -->\n"
        "trailing text without newline"
    )
    after = blocks.merge(before, {"a": "new"}, "f.md", "top")
    assert after == before.replace("old", "new")
    assert blocks.merge(after, {"a": "new"}, "f.md", "top") == after


def test_merge_inserts_missing_blocks_after_the_title_or_at_the_end() -> None:
    top = blocks.merge("# Title\nnotes\n", {"a": "A", "b": "B"}, "f.md", "top")
    assert top == (
        "# Title\n\n<!-- devkit:begin a -->\nA\n<!-- devkit:end a -->\n"
        "\n<!-- devkit:begin b -->\nB\n<!-- devkit:end b -->\n\nnotes\n"
    )
    end = blocks.merge("text", {"a": "A"}, "f.md", "end")
    assert end == "text\n\n<!-- devkit:begin a -->\nA\n<!-- devkit:end a -->\n"
    # A missing block goes after the one before it in the declared order.
    partial = "x\n<!-- devkit:begin a -->\nA\n<!-- devkit:end a -->\ny\n"
    merged = blocks.merge(partial, {"a": "A", "b": "B"}, "f.md", "top")
    assert merged.index("devkit:end a") < merged.index("devkit:begin b") < merged.index("y\n")


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("x\n<!-- devkit:begin a -->\n", 2, "no end marker"),
        ("<!-- devkit:begin a -->\n<!-- devkit:end b -->\n", 2, "end b without its begin"),
        (
            "<!-- devkit:begin a -->\n<!-- devkit:end a -->\n<!-- devkit:begin a -->\n"
            "<!-- devkit:end a -->\n",
            3,
            "appears twice",
        ),
    ],
)
def test_broken_markers_name_file_and_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(ConfigError, match=rf"^doc\.md:{line}: devkit markers: .*{problem}"):
        blocks.find_blocks(text, "doc.md")


# -- workflows --------------------------------------------------------------------------------
def test_workflows_with_needs_give_the_expected_diagram() -> None:
    flows = workflows.load_workflows(FIXTURES / "workflows", FIXTURES)
    assert [w.file for w in flows] == ["workflows/ci.yml", "workflows/nightly.yaml"]
    ci = flows[0]
    assert ci.triggers == ("push", "pull_request")
    assert workflows.ascii_diagram(ci) == "\n".join(
        [
            "  lint",
            "  test",
            "    |",
            "    v",
            "  build  <- lint, test",
            "    |",
            "    v",
            "  deploy-staging [env: staging]  <- build",
            "    |",
            "    v",
            "  deploy-production [env: production]  <- deploy-staging",
        ]
    )
    chart = workflows.mermaid(ci)
    for edge in (
        "lint --> build",
        "test --> build",
        "build --> deploy_staging",
        "deploy_staging --> deploy_production",
    ):
        assert f"  {edge}\n" in chart + "\n"
    assert [e["environment"] for e in workflows.environments(flows)] == ["staging", "production"]


def test_malformed_workflow_yaml_names_file_and_line() -> None:
    text = (FIXTURES / "bad" / "broken.yml").read_text()
    with pytest.raises(ConfigError, match=r"^\.github/workflows/broken\.yml:8: invalid YAML"):
        workflows.parse_workflow(text, ".github/workflows/broken.yml")


def test_unknown_need_and_cycle_name_the_job_line() -> None:
    text = (FIXTURES / "bad" / "unknown-need.yml").read_text()
    with pytest.raises(ConfigError, match=r"^w\.yml:6: jobs\.deploy\.needs names 'tests'"):
        workflows.parse_workflow(text, "w.yml")
    cyclic = workflows.parse_workflow("on: push\njobs:\n  a:\n    needs: b\n  b:\n    needs: a\n", "c.yml")
    cycle = r"^c\.yml:3: jobs\.a: `needs` has a cycle \(a -> b -> a\)"
    with pytest.raises(ConfigError, match=cycle):
        cyclic.stages()


# -- roadmap source ---------------------------------------------------------------------------
def test_roadmap_source_parses_dates_items_and_notes() -> None:
    phases = roadmap.load_roadmap(
        Path(__file__).parents[2] / "examples" / "tenant-demo" / "docs" / "roadmap.toml", "docs/roadmap.toml"
    )
    assert [(p.name, p.status) for p in phases][:2] == [
        ("Foundations", "done"),
        ("Developer experience", "in-progress"),
    ]
    assert phases[0].dates == "2025-01-06 to 2025-02-14"
    assert phases[2].dates == "Q3 2025" and phases[2].notes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[phase]]\nname = "A"\nstatus = "done"\nitems = [1,\n', r"^r\.toml:5: invalid TOML"),
        (
            '# c\n[[phase]]\nname = "A"\nstatus = "done"\n\n[[phase]]\nname = "B"\nstatus = "later"\n',
            r"^r\.toml:6: phase 'B': status must be one of",
        ),
        ('[[phase]]\nname = "A"\nstatus = "done"\nowner = "me"\n', r"^r\.toml:1: .*unknown key 'owner'"),
    ],
)
def test_malformed_roadmap_names_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        roadmap.parse_roadmap(text, "r.toml")


# -- rendering without Django (facts from a fixture) ------------------------------------------
@pytest.fixture
def offline(reachable_tmp: Path) -> Context:
    """A copy of the example (no venv, no database) with the fixture workflows."""
    project = copy_example(reachable_tmp / "tenant-demo")
    shutil.rmtree(project / ".github" / "workflows", ignore_errors=True)
    shutil.copytree(FIXTURES / "workflows", project / ".github" / "workflows")
    for rel in (COPILOT, ROADMAP):
        (project / rel).unlink(missing_ok=True)
    return Context.create(loading.load(project))


def _facts() -> dict:
    return json.loads((FIXTURES / "facts.json").read_text())


def test_generated_files_are_deterministic_and_complete(offline: Context) -> None:
    first = generate.plan(offline, _facts())
    generate.apply(first)
    again = generate.plan(offline, _facts())
    assert not any(u.changed for u in again)
    copilot = (offline.config.root / COPILOT).read_text()
    # Critical rules first: assistants may read only the beginning.
    assert copilot.index("devkit:begin critical-rules") < copilot.index("devkit:begin multi-tenancy")
    assert copilot.index("Critical rules") < 400
    for expected in (
        "`customers.Client`",
        "`customers.Domain`",
        "`catalog`",
        "django_tenants.middleware.main.TenantMainMiddleware",
        "python manage.py migrate_schemas --shared --fake-initial --noinput",
        "`GET /api/v1/health/`",
        "tenant_command",
    ):
        assert expected in copilot
    road = (offline.config.root / ROADMAP).read_text()
    for expected in (
        "| Django | 5.2.19 |",
        "| react | 19.3.1 |",
        "build  <- lint, test",
        "```mermaid",
        "| production | `deploy-production` |",
        "| Foundations | done |",
    ):
        assert expected in road


def test_project_templates_override_and_secrets_are_masked(offline: Context) -> None:
    folder = offline.config.root / "doc-templates"
    folder.mkdir()
    (folder / "stack.md.j2").write_text("custom stack\n{{ leak }}\n")
    settings_toml = offline.config.root / "devkit.toml"
    settings_toml.write_text(settings_toml.read_text())
    facts = _facts()
    register("registered-secret-value")
    leak = "DATABASE_URL=postgresql://demo:hunter2-pw@db:5432/x API_TOKEN=tok-abc123 registered-secret-value"
    from devkit.docs.render import Renderer

    out = Renderer(folder).render("stack.md.j2", {"leak": leak})
    assert out.startswith("custom stack\n")
    for secret in ("hunter2-pw", "tok-abc123", "registered-secret-value"):
        assert secret not in out
    # The packaged templates still serve every other block.
    assert "Critical rules" in Renderer(folder).render("critical-rules.md.j2", {**_context(offline, facts)})


def _context(ctx: Context, facts: dict) -> dict:
    from devkit.docs.gather import template_context
    from devkit.docs.settings import docs_settings

    return template_context(
        ctx.config, docs_settings(ctx.config), facts, ctx.config.tenants.sequence_lines(ctx.profile)
    )


def test_a_malformed_roadmap_fails_the_plan_with_file_and_line(offline: Context) -> None:
    source = offline.config.root / "docs" / "roadmap.toml"
    source.write_text('[[phase]]\nname = "A"\nstatus = 3\n')
    with pytest.raises(ConfigError, match=r"^docs/roadmap\.toml:1: phase 'A': status"):
        generate.plan(offline, _facts())


# -- the real CLI on the example project ------------------------------------------------------
def _snapshot(project: Path) -> dict[str, tuple[bytes, int]]:
    return {
        rel: ((project / rel).read_bytes(), (project / rel).stat().st_mtime_ns) for rel in (COPILOT, ROADMAP)
    }


@pytest.mark.e2e
def test_docs_on_the_example_project(example: Path) -> None:
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    # The committed docs match the committed example.
    ran = devkit("docs", "--check", project=example)
    assert ran.code == 0, ran.text

    # Hand edits outside the markers survive regeneration.
    copilot = example / COPILOT
    text = copilot.read_text()
    copilot.write_text(
        "Team note at the top.\n"
        + text.replace("<!-- devkit:end workflow -->\n", "<!-- devkit:end workflow -->\nHand-written line.\n")
    )
    edited = copilot.read_bytes()
    ran = devkit("docs", project=example)
    assert ran.code == 0, ran.text
    assert copilot.read_bytes() == edited

    # A new tenant app in the settings: --check fails naming it, and writes nothing.
    settings = example / "backend" / "config" / "settings.py"
    settings.write_text(
        settings.read_text().replace('    "crm",\n]', '    "crm",\n    "django.contrib.humanize",\n]')
    )
    before = _snapshot(example)
    ran = devkit("docs", "--check", project=example)
    assert ran.code == 1, ran.text
    assert "multi-tenancy" in ran.out
    assert re.search(r"^\+.*`django\.contrib\.humanize`", ran.out, re.M), ran.out
    assert _snapshot(example) == before

    # Regenerate with a password in DATABASE_URL and secret-looking variables around: no leaks.
    native_password = json.loads((example / ".devkit" / "secrets.json").read_text())["database.password"]
    leaks = {
        "DATABASE_URL": "postgresql://demo:Leaky-Pw-0451@127.0.0.1:1/tenant_demo",
        "DJANGO_SECRET_KEY": "django-secret-leak-7781",
        "API_TOKEN": "tok-leak-9911",
    }
    ran = devkit("docs", project=example, env=leaks)
    assert ran.code == 0, ran.text
    ran = devkit("docs", "--check", project=example)
    assert ran.code == 0, ran.text
    generated = "".join(p.read_text() for p in (example / COPILOT, example / ROADMAP))
    for secret in [native_password, "Leaky-Pw-0451", "django-secret-leak-7781", "tok-leak-9911"]:
        assert secret not in generated
    assert "`django.contrib.humanize`" in generated


@pytest.mark.e2e
def test_docs_step_runs_once_then_skips_without_django(example: Path) -> None:
    from devkit.pipeline import Runner, Selection, Status
    from devkit.steps.database import DatabaseStep
    from devkit.steps.docs import DocsStep
    from devkit.steps.python_deps import PythonDeps
    from devkit.tenants.sequence import TenantSequence

    assert devkit("up", "--no-input", project=example).code == 0
    (example / ROADMAP).unlink()
    steps = [DatabaseStep(), PythonDeps(), TenantSequence(), DocsStep()]

    def run() -> dict[str, Status]:
        ctx = Context.create(loading.load(example))
        return {r.name: r.status for r in Runner(steps).run(ctx, Selection())}

    probe_log = example / ".devkit" / "logs" / "latest" / "probe-facts.py.log"
    probed = probe_log.stat().st_mtime_ns
    assert run()["docs"] is Status.RAN
    assert (example / ROADMAP).is_file()
    assert run()["docs"] is Status.SKIPPED
    assert probe_log.stat().st_mtime_ns == probed  # no Django process in either run
    probe_logs = (example / ".devkit" / "logs").glob("2*/probe-facts.py.log")  # run folders only
    assert len(list(probe_logs)) == 1
    # Deleting a generated file makes the step run again.
    (example / COPILOT).unlink()
    assert run()["docs"] is Status.RAN
    assert (example / COPILOT).is_file()


def test_pre_commit_hooks_ship_docs_and_workflow_checks() -> None:
    import yaml

    hooks = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    by_id = {h["id"]: h for h in hooks}
    assert by_id["devkit-docs"]["entry"] == "devkit docs --check"
    assert by_id["devkit-docs"]["pass_filenames"] is False
    assert by_id["devkit-check-workflows"]["entry"] == "devkit check-workflows"


YARN_V1 = """# yarn lockfile v1


"@vitejs/plugin-react@^4.0.0":
  version "4.3.1"
  resolved "https://registry.example/plugin-react.tgz"

react@^18.0.0, react@^18.2.0:
  version "18.2.0"
"""
YARN_BERRY = """__metadata:
  version: 8

"react@npm:^18.2.0":
  version: 18.2.0
  resolution: "react@npm:18.2.0"
"""
PNPM_V9 = """lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      react:
        specifier: ^19.0.0
        version: 19.0.0
    devDependencies:
      '@vitejs/plugin-react':
        specifier: ^4.3.0
        version: 4.3.4(vite@6.0.0)
"""


@pytest.mark.parametrize(
    ("lockfile", "text", "expected"),
    [
        ("yarn.lock", YARN_V1, {"react": "18.2.0", "@vitejs/plugin-react": "4.3.1"}),
        ("yarn.lock", YARN_BERRY, {"react": "18.2.0"}),
        ("pnpm-lock.yaml", PNPM_V9, {"react": "19.0.0", "@vitejs/plugin-react": "4.3.4"}),
    ],
)
def test_stack_reads_yarn_and_pnpm_lockfiles(
    tmp_path: Path, lockfile: str, text: str, expected: dict[str, str]
) -> None:
    from devkit.docs.stack import locked_versions

    (tmp_path / "devkit.toml").write_text("")
    (tmp_path / lockfile).write_text(text)
    path, versions = locked_versions(tmp_path, loading.load(tmp_path))
    assert path.name == lockfile and versions == expected
