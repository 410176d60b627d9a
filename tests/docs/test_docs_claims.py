"""Issue 12's claim table: the generated docs make no false statement for any shape of the facts.

Shapes come from facts JSON fixtures (tests/fixtures/docs/shapes/, written to model real projects:
settings package, auth in both app lists, a TenantMainMiddleware subclass, django-tenants'
`migrate`, no django_tenants, a model that failed to load) rendered against a copy of the example;
the example itself is rendered for real (its probe, its database) in the e2e test.
`tests/support/doc_claims.violated_claims` is the claim table; point it at any project folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from devkit.config import loading
from devkit.context import Context
from devkit.core.errors import ExitCode, StepFailed
from devkit.docs import generate, workflows
from tests.support.doc_claims import violated_claims
from tests.support.project import copy_example, devkit

FIXTURES = Path(__file__).parents[1] / "fixtures" / "docs"
SHAPES = sorted(p.stem for p in (FIXTURES / "shapes").glob("*.json"))


def _shape(name: str) -> dict:
    return json.loads((FIXTURES / "shapes" / f"{name}.json").read_text())


def _project(base: Path, *, env_loaded: bool = True) -> Context:
    """A copy of the example (no venv, no database) with a workflow that has `if:` conditions;
    env_loaded=False removes the settings' own env-file loading."""
    project = copy_example(base / "tenant-demo")
    shutil.rmtree(project / ".github" / "workflows", ignore_errors=True)
    shutil.copytree(FIXTURES / "workflows-if", project / ".github" / "workflows")
    for rel in (".github/copilot-instructions.md", "docs/ROADMAP.md"):
        (project / rel).unlink(missing_ok=True)
    if not env_loaded:
        settings = project / "backend" / "config" / "settings.py"
        text = settings.read_text()
        assert 'load_dotenv(PROJECT_ROOT / ".env")\n' in text
        settings.write_text(text.replace('load_dotenv(PROJECT_ROOT / ".env")\n', ""))
    return Context.create(loading.load(project))


def rendered(ctx: Context, facts: dict) -> str:
    return "".join(u.after for u in generate.plan(ctx, facts))


def claims_for(ctx: Context, facts: dict, env_loaded: bool) -> list[str]:
    flows = workflows.load_workflows(ctx.config.root / ".github" / "workflows", ctx.config.root)
    return violated_claims(rendered(ctx, facts), facts, env_loaded=env_loaded, workflows=flows)


@pytest.mark.parametrize("env_loaded", [True, False], ids=["loads-env", "no-env-loading"])
@pytest.mark.parametrize("shape", SHAPES)
def test_no_false_claim_for_any_shape_of_the_facts(reachable_tmp: Path, shape: str, env_loaded: bool) -> None:
    ctx = _project(reachable_tmp, env_loaded=env_loaded)
    assert claims_for(ctx, _shape(shape), env_loaded) == []


def test_each_shape_says_what_its_facts_imply(reachable_tmp: Path) -> None:
    ctx = _project(reachable_tmp)
    text = {name: rendered(ctx, _shape(name)) for name in SHAPES}
    defined = "`TENANT_APPS`, `TENANT_DOMAIN_MODEL`, `TENANT_MODEL` in `backend/config/settings/base.py`"
    assert defined in text["settings-package"]
    # The shape's settings files are not on disk: how INSTALLED_APPS is built is unknown here.
    assert "(the lists are in `backend/config/settings/base.py`)" in text["settings-package"]
    assert "Users are per tenant" in text["auth-in-both"]
    assert "Users are shared" in text["example"]
    assert (
        "`config.middleware.DomainTenantMiddleware` (subclass of `TenantMainMiddleware`)"
        in text["middleware-subclass"]
    )
    assert "request.tenant" in text["middleware-subclass"]
    assert "Never run plain `migrate`" in text["django-migrate"]
    assert (
        "`migrate` is `django_tenants.management.commands.migrate_schemas.MigrateSchemasCommand`"
        in (text["example"])
    )
    assert "could not be loaded: App 'customers' doesn't have a 'Client' model." in text["model-failed"]
    assert "1. `python manage.py migrate`" in text["no-django-tenants"]
    assert "[if: failure()]" in text["example"]


def test_the_claim_table_catches_the_false_claims_of_issue_12() -> None:
    """The checker itself: the sentences the old templates wrote are flagged."""
    subclass, both, example = _shape("middleware-subclass"), _shape("auth-in-both"), _shape("example")
    assert violated_claims("| Tenant middleware | (none found) |", subclass)
    assert violated_claims("1. a\n2. b\n3. c\n4. d\n6. e\n", example)
    assert violated_claims("Shared data (tenants, domains, users) is read from `public` whatever", both)
    assert violated_claims("2. **Never run plain `migrate`.** Use migrate_schemas", example)
    assert violated_claims("This is a **django-tenants** project", _shape("no-django-tenants"))
    no_mw = {**example, "middleware_classes": []}
    assert violated_claims("In views, `request.tenant` is the current `customers.Client`", no_mw)
    leaf = "A new app … in `backend/config/settings/development.py`; then"
    assert violated_claims(leaf, _shape("settings-package"))
    assert violated_claims("1. `python manage.py migrate_schemas --shared`", example, env_loaded=False)
    flows = [workflows.parse_workflow((FIXTURES / "workflows-if" / "ci.yml").read_text(), "ci.yml")]
    assert violated_claims("  test\n    |\n    v\n  notify  <- test\n", example, workflows=flows)


def test_a_template_that_needs_a_missing_fact_is_a_failed_step(reachable_tmp: Path) -> None:
    ctx = _project(reachable_tmp)
    folder = ctx.config.root / "doc-templates"
    folder.mkdir()
    (folder / "multi-tenancy.md.j2").write_text("## Mine\n\n{{ tenancy.tenant_model.table_name }}\n")
    (ctx.config.root / "devkit.toml").write_text(
        (ctx.config.root / "devkit.toml").read_text() + '\n[docs]\ntemplates = "doc-templates"\n'
    )
    ctx = Context.create(loading.load(ctx.config.root))
    with pytest.raises(StepFailed) as failed:
        generate.plan(ctx, _shape("model-failed"))
    assert failed.value.exit_code == ExitCode.FAILED
    assert "multi-tenancy.md.j2:3" in failed.value.message
    assert "table_name" in failed.value.message


@pytest.mark.e2e
def test_the_example_rendered_for_real_holds_every_claim(example: Path) -> None:
    """The real probe on the real example: facts from .devkit/facts.json, docs as committed."""
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    facts = json.loads((example / ".devkit" / "facts.json").read_text())["facts"]
    # The new probe facts, read by class and by file.
    classes = {m["path"]: m["tenant"] for m in facts["middleware_classes"]}
    assert classes["django_tenants.middleware.main.TenantMainMiddleware"] is True
    assert classes["config.middleware.HealthCheckMiddleware"] is False
    assert facts["command_classes"]["migrate"]["app"] == "django_tenants"
    assert facts["setting_files"]["SHARED_APPS"][-1].endswith("backend/config/settings.py")
    auth = next(a for a in facts["app_placement"] if a["label"] == "auth")
    assert auth["shared"] and not auth["tenant"]
    files = (".github/copilot-instructions.md", "docs/ROADMAP.md")
    text = "".join((example / rel).read_text() for rel in files)
    flows = workflows.load_workflows(example / ".github" / "workflows", example)
    assert violated_claims(text, facts, env_loaded=True, workflows=flows) == []
    assert devkit("docs", "--check", project=example).code == 0


def _reshape(project: Path) -> None:
    """The example turned into the shapes issue 12 met on real projects: a settings package whose
    apps live in base.py (the leaf module is development.py), django.contrib.auth in both app
    lists, and a project subclass of TenantMainMiddleware with a name that says nothing."""
    config = project / "backend" / "config"
    text = (config / "settings.py").read_text()
    text = text.replace("Path(__file__).resolve().parent.parent  #", "Path(__file__).resolve().parents[2]  #")
    text = text.replace("TENANT_APPS = [\n", 'TENANT_APPS = [\n    "django.contrib.auth",\n', 1)
    text = text.replace(
        '"django_tenants.middleware.main.TenantMainMiddleware"', '"config.middleware.HostRouting"', 1
    )
    package = config / "settings"
    package.mkdir()
    (config / "settings.py").unlink()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(text)
    (package / "development.py").write_text("from .base import *  # noqa: F403\n\nDEBUG = True\n")
    with (config / "middleware.py").open("a") as handle:
        handle.write(
            "\n\nfrom django_tenants.middleware.main import TenantMainMiddleware  # noqa: E402\n\n\n"
            "class HostRouting(TenantMainMiddleware):\n    pass\n"
        )
    manage = project / "backend" / "manage.py"
    manage.write_text(manage.read_text().replace('"config.settings"', '"config.settings.development"'))


@pytest.mark.e2e
def test_a_reshaped_project_rendered_for_real_holds_every_claim(example: Path) -> None:
    _reshape(example)
    ran = devkit("up", "--no-input", "--skip", "node-deps", "--skip", "tenants", project=example)
    assert ran.code == 0, ran.text
    facts = json.loads((example / ".devkit" / "facts.json").read_text())["facts"]
    assert facts["setting_files"]["SHARED_APPS"][-1].endswith("config/settings/base.py")
    assert facts["settings_file"].endswith("config/settings/development.py")
    assert {m["path"]: m["tenant"] for m in facts["middleware_classes"]}["config.middleware.HostRouting"]
    auth = next(a for a in facts["app_placement"] if a["label"] == "auth")
    assert auth["shared"] and auth["tenant"]
    files = (".github/copilot-instructions.md", "docs/ROADMAP.md")
    text = "".join((example / rel).read_text() for rel in files)
    flows = workflows.load_workflows(example / ".github" / "workflows", example)
    assert violated_claims(text, facts, env_loaded=True, workflows=flows) == []
    assert "Users are per tenant" in text and "`config.middleware.HostRouting`" in text
    assert "in `backend/config/settings/base.py`: `INSTALLED_APPS` is built from both" in text
