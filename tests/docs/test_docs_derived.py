"""Issue 26 #10-#17: what the generated docs say is derived from what the project does, on the
shapes met in real projects (an empty string in TENANT_APPS, INSTALLED_APPS = list(SHARED_APPS), no
app with tables in the tenant schemas, a tenant middleware that overrides no_tenant_found or picks
the tenant from a header, a health route behind the tenant middleware, the project's own tenant
commands, a workflow GitHub rejects). Each case renders a copy of the example whose source files
are edited to that shape, with the facts the probe reports for it; the claim checker
(tests/support/doc_claims.py) must find no false claim in the result and must flag the sentence the
docs wrote before."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from devkit.config import loading
from devkit.context import Context
from devkit.docs import generate, workflows
from tests.support.doc_claims import generated_blocks, misleading_claims, violated_claims
from tests.support.project import copy_example, devkit

FIXTURES = Path(__file__).parents[1] / "fixtures"
SETTINGS = "backend/config/settings.py"
MIDDLEWARE = "backend/config/middleware.py"


def _facts() -> dict[str, Any]:
    facts = json.loads((FIXTURES / "docs" / "shapes" / "example.json").read_text())
    models = {"customers": 2, "contenttypes": 1, "auth": 3, "sessions": 1, "admin": 1, "catalog": 2}
    models |= {"orders": 1, "crm": 1, "messages": 0, "staticfiles": 0, "django_tenants": 0}
    for app in facts["app_placement"]:
        app["models"] = models.get(app["label"], 1)
    facts["tenant_routing"] = {
        "middleware": "django_tenants.middleware.main.TenantMainMiddleware",
        "overrides": [],
        "not_found_exception": "django.http.response.Http404",
        "show_public_if_no_tenant_found": False,
        "public_schema_urlconf": None,
        "error": None,
    }
    facts["health_routes"] = []
    facts["tenant_commands"] = []
    return facts


def _project(base: Path) -> Path:
    project = copy_example(base / "tenant-demo")
    for rel in (".github/copilot-instructions.md", "docs/ROADMAP.md"):
        (project / rel).unlink(missing_ok=True)
    return project


def _render(project: Path, facts: dict[str, Any]) -> str:
    ctx = Context.create(loading.load(project))
    return generated_blocks("".join(u.after for u in generate.plan(ctx, facts)))


def _false(project: Path, text: str, facts: dict[str, Any]) -> list[str]:
    flows = workflows.load_workflows(project / ".github" / "workflows", project)
    return violated_claims(text, facts, env_loaded=True, workflows=flows, root=project)


def _flags(item: str, found: list[str]) -> bool:
    """The checker found a violation of issue 26's item `item` (not just any claim)."""
    return any(line.startswith(f"{item}:") for line in found)


def _edit(project: Path, rel: str, old: str, new: str) -> int:
    """Replace `old` once in a project file; the 1-based line where `new` starts."""
    path = project / rel
    text = path.read_text()
    assert old in text, old
    text = text.replace(old, new, 1)
    path.write_text(text)
    return text[: text.index(new)].count("\n") + 1


def test_an_empty_string_in_tenant_apps_is_named_with_its_line_not_shown_as_an_app(
    reachable_tmp: Path,
) -> None:
    project = _project(reachable_tmp)
    line = _edit(project, SETTINGS, "TENANT_APPS = [\n", 'TENANT_APPS = [\n    "",\n') + 1
    facts = _facts()
    facts["tenant_apps"] = ["", *facts["tenant_apps"]]
    text = _render(project, facts)
    assert _false(project, text, facts) == []
    assert "``" not in text.replace("```", "")
    assert f"`TENANT_APPS` holds an empty string (`{SETTINGS}:{line}`)" in text
    assert misleading_claims(text, facts, root=project) == []
    # The checker flags what the docs wrote before.
    assert _flags("10", violated_claims("| `` | every tenant schema (not in `public`) |", facts))
    assert _flags("10", violated_claims("(here: ``, `catalog`)", facts))


def test_the_new_app_rule_follows_how_installed_apps_is_built(reachable_tmp: Path) -> None:
    project = _project(reachable_tmp)
    _edit(
        project,
        SETTINGS,
        "INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]\n",
        "INSTALLED_APPS = list(SHARED_APPS)\n",
    )
    facts = _facts()
    facts["installed_apps"] = list(facts["shared_apps"])
    facts["app_placement"] = [a for a in facts["app_placement"] if a["name"] in facts["shared_apps"]]
    text = _render(project, facts)
    assert _false(project, text, facts) == []
    assert "**A new app goes into `SHARED_APPS`** in `backend/config/settings.py`" in text
    assert f"built from `SHARED_APPS` without `TENANT_APPS` (in `{SETTINGS}`)" in text
    assert "never installed" in text
    before = (
        "6. **A new app goes into `SHARED_APPS` or `TENANT_APPS`** (or both) in `backend/config/settings.py`"
    )
    assert _flags("11", violated_claims(before, facts, root=project))
    # Its own list (not built from the app lists): both lists and INSTALLED_APPS.
    _edit(project, SETTINGS, "INSTALLED_APPS = list(SHARED_APPS)\n", 'INSTALLED_APPS = ["django_tenants"]\n')
    own = _render(project, facts)
    assert "**A new app goes into `INSTALLED_APPS` and into `SHARED_APPS` and/or `TENANT_APPS`**" in own
    assert _false(project, own, facts) == []


def test_no_app_with_tables_in_the_tenant_schemas_is_said_so(reachable_tmp: Path) -> None:
    project = _project(reachable_tmp)
    facts = _facts()
    for app in facts["app_placement"]:
        if app["tenant"]:
            app["models"] = 0
    text = _render(project, facts)
    assert _false(project, text, facts) == []
    assert "no app in `TENANT_APPS` has models, so the tenant schemas hold no tables of their own" in text
    assert "holds its own copy" not in text
    before = "every tenant schema holds its own copy of the tenant apps' tables."
    assert _flags("12", violated_claims(before, facts))
    some = _render(project, _facts())
    assert "every tenant schema holds its own copy of the tables of the 4 app(s) in `TENANT_APPS`" in some


PUBLIC_FALLBACK = """

from django_tenants.middleware.main import TenantMainMiddleware  # noqa: E402


class PublicFallback(TenantMainMiddleware):
    def no_tenant_found(self, request, hostname):
        self.setup_url_routing(request=request, force_public=True)


class HeaderTenant(TenantMainMiddleware):
    def process_request(self, request):
        schema = request.headers.get("X-Schema") or request.META.get("HTTP_X_TENANT")
        if not schema:
            return super().process_request(request)
"""


def _subclass(facts: dict[str, Any], project: Path, name: str, method: str, line: int) -> dict[str, Any]:
    facts = copy.deepcopy(facts)
    path = f"config.middleware.{name}"
    facts["middleware"] = [path if m.endswith("TenantMainMiddleware") else m for m in facts["middleware"]]
    for entry in facts["middleware_classes"]:
        if entry["tenant"]:
            entry["path"] = path
    facts["tenant_routing"]["middleware"] = path
    facts["tenant_routing"]["overrides"] = [
        {"method": method, "class": path, "file": str(project / MIDDLEWARE), "line": line}
    ]
    return facts


def test_what_an_unknown_host_gets_is_derived_from_the_middleware_used(reachable_tmp: Path) -> None:
    project = _project(reachable_tmp)
    text = (project / MIDDLEWARE).read_text()
    (project / MIDDLEWARE).write_text(text + PUBLIC_FALLBACK)
    lines = (text + PUBLIC_FALLBACK).splitlines()
    fallback = lines.index("    def no_tenant_found(self, request, hostname):") + 1
    header = lines.index("    def process_request(self, request):") + 1
    facts = _subclass(_facts(), project, "PublicFallback", "no_tenant_found", fallback)
    rendered = _render(project, facts)
    assert _false(project, rendered, facts) == []
    assert "get a 404" not in rendered and "answers 404" not in rendered
    where = f"`config.middleware.PublicFallback.no_tenant_found` (`{MIDDLEWARE}:{fallback}`)"
    assert f"What a request gets when no tenant matches is decided by {where}" in rendered
    before = (
        "Health checks that call the service by IP match no domain and get a 404 from the tenant middleware"
    )
    assert _flags("13", violated_claims(before, facts))
    by_header = _subclass(_facts(), project, "HeaderTenant", "process_request", header)
    rendered = _render(project, by_header)
    assert _false(project, rendered, by_header) == []
    assert "from the request headers `X-Schema`, `X-Tenant`, else django-tenants' Host lookup" in rendered
    public = _facts()
    public["tenant_routing"]["show_public_if_no_tenant_found"] = True
    rendered = _render(project, public)
    assert _false(project, rendered, public) == []
    assert "gets the public schema's URLs (`SHOW_PUBLIC_IF_NO_TENANT_FOUND`), not a 404" in rendered


def test_a_tenant_per_path_is_django_tenants_subfolder_routing(reachable_tmp: Path) -> None:
    """django-tenants' TenantSubfolderMiddleware (a tenant per path, met outside the corpus in
    django-tenants' own tenant_subfolder_tutorial): its routing methods are the library's, not
    the project's code; the docs name the path prefix, what any other path gets, and where the
    guest is."""
    project = _project(reachable_tmp)
    facts = _facts()
    path = "django_tenants.middleware.TenantSubfolderMiddleware"
    facts["middleware"] = [path if m.endswith("TenantMainMiddleware") else m for m in facts["middleware"]]
    for entry in facts["middleware_classes"]:
        if entry["tenant"]:
            entry["path"] = path
    facts["tenant_routing"].update(
        middleware=path,
        subfolder=True,
        subfolder_prefix="clients",
        public_schema_urlconf="config.urls_public",
    )
    rendered = _render(project, facts)
    assert _false(project, rendered, facts) == []
    assert "the project's own code" not in rendered and "get a 404" not in rendered
    assert "`/clients/<name>/…` is the tenant whose domain is `<name>`" in rendered, rendered
    assert "Any other path gets the public tenant (`config.urls_public`), whatever the Host" in rendered
    assert "`guest` (`/clients/guest.localhost/`: a tenant's path names its domain)" in rendered


PASS_THROUGH = '''

class MarkInternal:
    """Marks /health/ requests as internal and passes every request on."""

    PATHS = ["/health/"]

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.internal = request.path in self.PATHS
        response = self.get_response(request)
        return response
'''


def test_a_health_route_behind_the_tenant_middleware_is_named_with_what_it_needs(reachable_tmp: Path) -> None:
    project = _project(reachable_tmp)
    (project / MIDDLEWARE).write_text(PASS_THROUGH)  # the example's own health middleware is gone
    facts = _facts()
    facts["middleware"][0] = "config.middleware.MarkInternal"
    facts["middleware_classes"][0]["path"] = "config.middleware.MarkInternal"
    views = project / "backend" / "customers" / "views.py"
    facts["health_routes"] = [
        {
            "urlconf": "config.urls",
            "route": "api/health/",
            "regex": False,
            "view": "customers.views.tenant_home",
            "file": str(views),
            "line": 5,
            "access": ["rest_framework.permissions.IsAuthenticated"],
        }
    ]
    text = _render(project, facts)
    assert _false(project, text, facts) == []
    assert misleading_claims(text, facts, root=project) == []
    assert (
        "No health endpoint was found" not in text
        and "is answered by `config.middleware.MarkInternal`" not in text
    )
    assert (
        "`GET /api/health/` is routed to `customers.views.tenant_home` (`backend/customers/views.py:5`) by "
        "`config.urls`: it runs **after** the tenant middleware, so it answers only for a request that "
        "selected a tenant; its view answers only callers its permission classes accept "
        "(`rest_framework.permissions.IsAuthenticated`)."
    ) in text
    assert _flags("14", violated_claims("No health endpoint was found before the tenant middleware.", facts))
    said = "`GET /health/` is answered by `config.middleware.MarkInternal` (`backend/config/middleware.py`)"
    assert _flags("14", violated_claims(said, facts, root=project))


def test_the_projects_own_tenant_commands_and_their_domain_are_next_to_devkits(reachable_tmp: Path) -> None:
    project = _project(reachable_tmp)
    facts = _facts()
    customers = project / "backend" / "customers"
    facts["apps"] = [{"label": "customers", "name": "customers", "path": str(customers)}]
    facts["tenant_commands"] = [
        {
            "name": "create_public_tenant",
            "app": "customers",
            "help": "Create the public tenant.",
            "file": str(customers / "management" / "commands" / "create_public_tenant.py"),
            "domains": [{"option": "--domain", "default": "app.localhost"}],
            "error": None,
        },
        {
            "name": "create_super_tenant",
            "app": "customers",
            "help": "",
            "file": None,
            "domains": [],
            "error": None,
        },
        {
            "name": "create_tenant",
            "app": "django_tenants",
            "help": "",
            "file": None,
            "domains": [],
            "error": None,
        },
    ]
    text = _render(project, facts)
    assert _false(project, text, facts) == []
    assert misleading_claims(text, facts, root=project) == []
    assert (
        "- `python manage.py create_public_tenant`: Create the public tenant "
        "(`backend/customers/management/commands/create_public_tenant.py`); `--domain` defaults to "
        "`app.localhost`; devkit does not run it."
    ) in text
    assert "- `python manage.py create_super_tenant`; devkit runs it as `tenants.create_super`." in text
    assert "manage.py create_tenant`" not in text  # django-tenants' own, not the project's
    assert _flags("15", misleading_claims("Development tenants: `public` (localhost)", facts, root=project))


def test_no_sentence_claims_that_a_run_succeeded(reachable_tmp: Path) -> None:
    project = _project(reachable_tmp)
    text = _render(project, _facts())
    assert "prepares everything" not in text
    assert "`devkit up` runs these steps for you" in text
    before = "`devkit up` prepares everything (database, dependencies, the tenant sequence)"
    assert _flags("16", violated_claims(before, _facts()))


def test_a_workflow_github_rejects_is_named_invalid_not_drawn(reachable_tmp: Path) -> None:
    project = _project(reachable_tmp)
    shutil.copy(
        FIXTURES / "workflows" / "corpus" / "dup-job-id.yml", project / ".github" / "workflows" / "deploy.yml"
    )
    facts = _facts()
    text = _render(project, facts)
    assert _false(project, text, facts) == []
    section = text[text.index("(`.github/workflows/deploy.yml`)") :]
    section = section[: section.find("\n### ", 1) if "\n### " in section else len(section)]
    invalid = (
        "**Invalid: GitHub rejects this file** (a key is defined twice: `deploy` on line 11 (already on "
    )
    assert invalid in section
    assert "```mermaid" not in section
    drawn = "### deploy (`.github/workflows/deploy.yml`)\n\n```mermaid\nflowchart LR\n  deploy\n```\n"
    assert _flags("17", violated_claims(drawn, facts, root=project))


@pytest.mark.e2e
def test_docs_written_by_a_failed_run_claim_no_outcome(example: Path) -> None:
    """Issue 26 #16: the tenant step fails (a tenant command refuses its flags); the docs step,
    which runs beside it, writes nothing that depends on the tenant step having worked."""
    config = example / "devkit.toml"
    text = config.read_text()
    config.write_text(
        text.replace(
            'create_super = "create_super_tenant --no-input"',
            'create_super = "create_super_tenant --no-such-flag"',
        )
    )
    ran = devkit("up", "--no-input", "--skip", "node-deps", "--json", project=example)
    assert ran.code == 1, ran.text
    steps = {s["name"]: s["status"] for s in json.loads(ran.out)["steps"]}
    assert steps["tenants"] == "failed" and steps["docs"] == "ran", steps
    facts = json.loads((example / ".devkit" / "facts.json").read_text())["facts"]
    written = generated_blocks(
        "".join((example / rel).read_text() for rel in (".github/copilot-instructions.md", "docs/ROADMAP.md"))
    )
    assert _false(example, written, facts) == []
    assert "prepares everything" not in written


def test_a_second_tenant_middleware_is_named(reachable_tmp: Path) -> None:
    """A project with django-tenants' middleware first and its own subclass last (the later one
    re-selects the tenant from a header): the docs describe the first and name the second."""
    project = _project(reachable_tmp)
    (project / MIDDLEWARE).write_text((project / MIDDLEWARE).read_text() + PUBLIC_FALLBACK)
    facts = _facts()
    facts["middleware"].append("config.middleware.HeaderTenant")
    facts["middleware_classes"].append(
        {"path": "config.middleware.HeaderTenant", "tenant": True, "error": None}
    )
    text = _render(project, facts)
    assert _false(project, text, facts) == [] and misleading_claims(text, facts, root=project) == []
    position = len(facts["middleware"])
    assert f"| Another tenant middleware | `config.middleware.HeaderTenant` (position {position})" in text
    assert _flags("13", misleading_claims("| Tenant middleware | `django_tenants...` |", facts, root=project))


ONLY_HEADER = """

from django_tenants.middleware.main import TenantMainMiddleware  # noqa: E402


class OnlyHeader(TenantMainMiddleware):
    def process_request(self, request):
        schema = request.headers["X-Schema"]
        request.tenant = schema
"""


def test_where_a_header_selects_the_tenant_the_domains_are_said_not_to(reachable_tmp: Path) -> None:
    project = _project(reachable_tmp)
    text = (project / MIDDLEWARE).read_text() + ONLY_HEADER
    (project / MIDDLEWARE).write_text(text)
    line = text.splitlines().index("    def process_request(self, request):") + 1
    facts = _subclass(_facts(), project, "OnlyHeader", "process_request", line)
    rendered = _render(project, facts)
    assert _false(project, rendered, facts) == [] and misleading_claims(rendered, facts, root=project) == []
    assert (
        "their domains do not select them here: a request names its tenant in the `X-Schema` header"
        in rendered
    )
    before = (
        "Development tenants: `public` (localhost) and `guest` (guest.localhost).\n| Tenant selection | x |"
    )
    assert _flags("13", misleading_claims(before, facts, root=project))
