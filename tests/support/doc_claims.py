"""The claim table of issues 12 and 26: each claim the generated docs may make, checked against
the facts.

`violated_claims(text, facts, ...)` reads the raw probe facts itself (it does not reuse
devkit/docs/gather.py, apps.py or routing.py, so a bug there cannot hide here) and returns one line
per false or unsupported statement in `text` (the generated files concatenated);
`misleading_claims(text, facts, root=...)` lists what is true but leaves a reader with the wrong
idea (a project's own tenant commands left out, a health route not named). Use them for any
project folder: render its docs, load its `.devkit/facts.json`, call these
(bench/doc_claims_corpus.py does it for the real-project corpus). With `root`, the claims that
need the project's files (how INSTALLED_APPS is built, workflow files GitHub rejects, what a named
middleware does) are checked too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from devkit.docs.workflows import Workflow

Facts = dict[str, Any]


def _installed(facts: Facts) -> bool:
    placement = facts.get("app_placement")
    if placement is not None:
        return any(a.get("name") == "django_tenants" for a in placement)
    return bool(facts.get("django_tenants_installed"))


def _tenant_middleware(facts: Facts) -> str:
    if facts.get("middleware_classes") is not None:
        return next((m["path"] for m in facts["middleware_classes"] if m.get("tenant")), "")
    return next((m for m in facts.get("tenant_middleware") or [] if m.startswith("django_tenants.")), "")


def _user_app(facts: Facts) -> dict[str, Any]:
    label = ((facts.get("user_model") or {}).get("label") or "auth.User").split(".")[0]
    return next((a for a in facts.get("app_placement") or [] if a.get("label") == label), {})


def claim_tenant_middleware(text: str, facts: Facts) -> list[str]:
    """1 + 5: the tenant middleware is found by class; nothing depends on an absent one."""
    found = _tenant_middleware(facts)
    out = []
    if found:
        if f"`{found}`" not in text:
            out.append(f"1: the tenant middleware {found} is not named")
        if "(none found)" in text or "no subclass of `TenantMainMiddleware`" in text:
            out.append(f"1: says no tenant middleware although {found} is one")
    else:
        for phrase in ("request.tenant", "Keep the middleware order", "Health checks that call"):
            if phrase in text:
                out.append(f"5: {phrase!r} but the facts show no tenant middleware")
    return out


def claim_numbering(text: str, facts: Facts) -> list[str]:
    """1: every numbered list counts 1, 2, 3… with no gap."""
    out, expected = [], 1
    for line in text.splitlines():
        match = re.match(r"^(\d+)\. ", line)
        if match:
            if int(match.group(1)) != expected:
                out.append(f"1: numbered item {match.group(1)} where {expected} was due: {line[:60]}")
            expected = int(match.group(1)) + 1
        elif line.strip():
            expected = 1
    return out


def claim_users(text: str, facts: Facts) -> list[str]:
    """2: which data is shared follows the placement of the user model's app."""
    app = _user_app(facts)
    out = []
    if app.get("tenant"):
        if "Users are per tenant" not in text:
            out.append("2: the user model's app is in TENANT_APPS; the docs do not say users are per tenant")
        if re.search(r"users[^.\n]*read from `public`", text, re.I) or "Users are shared" in text:
            out.append("2: says users are shared although the user model's app is in TENANT_APPS")
    elif "Users are per tenant" in text:
        out.append("2: says users are per tenant although the user model's app is not in TENANT_APPS")
    return out


def claim_migrate(text: str, facts: Facts) -> list[str]:
    """3: "never run plain migrate" only where `migrate` is Django's own command."""
    bases = ((facts.get("command_classes") or {}).get("migrate") or {}).get("bases") or []
    if any(b.startswith("django_tenants.") for b in bases) and "Never run plain `migrate`" in text:
        return ["3: says never run plain migrate, but migrate is django-tenants' command"]
    return []


_TENANT_ONLY_PHRASES = (
    "django-tenants** project",
    "migrate_schemas",
    "request.tenant",
    "schema_context",
    "tenant_context",
    "TenantTestCase",
    "Development tenants",
)


def claim_not_installed(text: str, facts: Facts) -> list[str]:
    """4: without django_tenants, one line says so and nothing tenant-specific follows."""
    if _installed(facts):
        return []
    out = [f"4: {p!r} although django_tenants is not installed" for p in _TENANT_ONLY_PHRASES if p in text]
    if "`django_tenants` is not in `INSTALLED_APPS`" not in text:
        out.append("4: the docs do not say django_tenants is not installed")
    return out


def claim_settings_file(text: str, facts: Facts) -> list[str]:
    """6: the file named for the app lists is the one that defines SHARED_APPS."""
    files = (facts.get("setting_files") or {}).get("SHARED_APPS") or []
    named = re.findall(r"A new app goes into .*? in `([^`]+)`", text)
    named += re.findall(r"A new app must end up in .*?\(the lists are in `([^`]+)`\)", text)
    if not files:
        return [f"6: names {name} for SHARED_APPS, but no file was seen assigning it" for name in named]
    wanted = files[-1]
    return [
        f"6: names {name} for SHARED_APPS, which {wanted} defines"
        for name in named
        if not wanted.replace("\\", "/").endswith(name)
    ]


def claim_models(text: str, facts: Facts) -> list[str]:
    """8 + 5: a model that failed to load gets no table and no statement that needs it."""
    out = []
    for key in ("tenant_model", "domain_model"):
        entry = facts.get(key) or {}
        if entry.get("error"):
            label = entry.get("label", "")
            if f"`{label}` (table" in text:
                out.append(f"8: a table is named for {label}, which failed to load")
            if f"is the current `{label}`" in text or f"no `{label}` row" in text:
                out.append(f"5: a statement depends on {label}, which failed to load")
    return out


def claim_env_loading(text: str, env_loaded: bool | None) -> list[str]:
    """7: without its own env loading, every by-hand manage.py command goes through devkit run."""
    if env_loaded is not False:
        return []
    return [
        f"7: {text[max(0, m.start() - 20) : m.end() + 20]!r} without `devkit run --`"
        for m in re.finditer(r"python manage\.py", text)
        if not text[: m.start()].endswith("devkit run -- ")
    ]


def claim_conditions(text: str, flows: Sequence[Workflow]) -> list[str]:
    """9: every job's `if:` shows in the diagram (ASCII node and Mermaid edge)."""
    out = []
    for flow in flows:
        for job in flow.jobs:
            shown = re.search(rf"{re.escape(job.id)}[^\n]*\[if: {re.escape(job.condition)}\]", text)
            if job.condition and not shown:
                out.append(f"9: {flow.file} job {job.id} runs only if {job.condition}; not shown")
            if job.condition and job.needs and f'-->|"if: {job.condition}"|' not in text:
                out.append(f"9: the Mermaid edge to {job.id} does not show if: {job.condition}")
    return out


def claim_no_empty_app(text: str, facts: Facts) -> list[str]:
    """26 #10: an empty string in an app list is never shown as an app ("here: ``", "| `` |")."""
    return [
        f"10: an empty name shown as an app: {m.group(0)!r}"
        for m in re.finditer(r"[^`\n]{0,30}(?<!`)``(?!`)[^`\n]{0,20}", text)
    ]


def _tenant_only_uninstalled(facts: Facts) -> list[str]:
    shared = set(facts.get("shared_apps") or [])
    installed = set(facts.get("installed_apps") or [])
    return [a for a in facts.get("tenant_apps") or [] if a.strip() and a not in shared and a not in installed]


_BOTH_RULE = "A new app goes into `SHARED_APPS` or `TENANT_APPS`"
_SHARED_RULE = "A new app goes into `SHARED_APPS`**"


def claim_new_app(text: str, facts: Facts, root: Path | None = None) -> list[str]:
    """26 #11: the new-app rule follows how INSTALLED_APPS is built: "SHARED_APPS or TENANT_APPS"
    is false where an app only in TENANT_APPS is not installed (seen in the facts, or INSTALLED_APPS
    does not read TENANT_APPS in the source); "SHARED_APPS" alone is false where it does."""
    out = []
    missing = _tenant_only_uninstalled(facts)
    if _BOTH_RULE in text and missing:
        out.append(
            f"11: says SHARED_APPS or TENANT_APPS, but tenant-only {', '.join(missing)} is not installed"
        )
    reads = _installed_reads(facts, root) if root is not None else None
    if reads is not None and _BOTH_RULE in text and "TENANT_APPS" not in reads:
        out.append("11: says SHARED_APPS or TENANT_APPS, but INSTALLED_APPS is not built from TENANT_APPS")
    if reads is not None and _SHARED_RULE in text and "TENANT_APPS" in reads:
        out.append(
            "11: says a new app goes into SHARED_APPS, but INSTALLED_APPS is built from TENANT_APPS too"
        )
    return out


def _installed_reads(facts: Facts, root: Path) -> set[str] | None:
    """The names the last plain INSTALLED_APPS assignment (and the additions after it) reads,
    followed through the names assigned in the same files; None when it is built by a call."""
    files = list(dict.fromkeys(p for paths in (facts.get("setting_files") or {}).values() for p in paths))
    defs: dict[str, list[ast.AST]] = {}
    for path in files:
        try:
            tree = ast.parse((root / path).read_text())  # an absolute path stays itself
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        defs.setdefault(target.id, []).append(node.value)
    if "INSTALLED_APPS" not in defs:
        return None
    seen: set[str] = set()
    todo = ["INSTALLED_APPS"]
    while todo:
        for value in defs.get(todo.pop(), []):
            for node in ast.walk(value):
                if isinstance(node, ast.Call) and ast.unparse(node.func) not in (
                    "list",
                    "tuple",
                    "sorted",
                    "set",
                ):
                    return None
                if isinstance(node, ast.Name) and node.id not in seen:
                    seen.add(node.id)
                    todo.append(node.id)
    return seen


def _models_known(facts: Facts) -> bool:
    placement = facts.get("app_placement") or []
    return bool(placement) and all("models" in a for a in placement)


def claim_tenant_tables(text: str, facts: Facts) -> list[str]:
    """26 #12: where no app in TENANT_APPS has models, no sentence says the tenant schemas hold
    tables of their own; where some have, none says they hold none."""
    if not _models_known(facts):
        return []
    with_tables = [a["name"] for a in facts["app_placement"] if a.get("tenant") and a.get("models")]
    out = []
    if not with_tables:
        for phrase in ("holds its own copy of the", "have tables in every tenant schema"):
            if phrase in text:
                out.append(f"12: {phrase!r} although no app in TENANT_APPS has models")
    elif "no app in `TENANT_APPS` has models" in text:
        out.append(f"12: says no tenant app has models, but {', '.join(with_tables)} have")
    return out


_FOUR_O_FOUR = ("get a 404 from the tenant middleware", "A request answers 404 before any view runs")


def claim_unknown_host(text: str, facts: Facts) -> list[str]:
    """26 #13: "a Host that matches no tenant gets a 404" only where django-tenants' own
    no_tenant_found decides (no project override of process_request/get_tenant/no_tenant_found,
    SHOW_PUBLIC_IF_NO_TENANT_FOUND unset) and the 404 is Http404."""
    said = [p for p in _FOUR_O_FOUR if p in text]
    if not said or not _tenant_middleware(facts):
        return []
    routing = facts.get("tenant_routing")
    if not isinstance(routing, dict) or routing.get("middleware") != _tenant_middleware(facts):
        if _tenant_middleware(facts) != "django_tenants.middleware.main.TenantMainMiddleware":
            return [f"13: {said[0]!r}, but the facts do not say what the project's tenant middleware does"]
        if "unless `SHOW_PUBLIC_IF_NO_TENANT_FOUND`" not in text:
            return [
                f"13: {said[0]!r}, but the facts do not say whether SHOW_PUBLIC_IF_NO_TENANT_FOUND is set"
            ]
        return []
    methods = {o["method"]: o["class"] for o in routing.get("overrides") or []}
    deciding = [
        f"{methods[m]}.{m}" for m in ("no_tenant_found", "process_request", "get_tenant") if m in methods
    ]
    if deciding:
        return [f"13: {said[0]!r}, but {deciding[0]} decides what such a request gets"]
    if routing.get("show_public_if_no_tenant_found"):
        return [f"13: {said[0]!r}, but SHOW_PUBLIC_IF_NO_TENANT_FOUND serves the public URLs"]
    if not str(routing.get("not_found_exception") or "").endswith(".Http404"):
        return [f"13: {said[0]!r}, but no_tenant_found raises {routing.get('not_found_exception')}"]
    return []


def claim_health(text: str, facts: Facts, root: Path | None = None) -> list[str]:
    """26 #14: "no health endpoint" only where none exists (no route of the URLconfs says health);
    a middleware said to answer a health path really returns its own response there."""
    out = []
    routes = [r for r in facts.get("health_routes") or [] if r.get("route")]
    if "No health endpoint was found" in text:
        if routes:
            out.append(
                f"14: says no health endpoint, but {routes[0]['route']} is routed to {routes[0]['view']}"
            )
        elif not isinstance(facts.get("health_routes"), list):
            out.append("14: says no health endpoint, but the facts do not list the URL routes")
    if root is not None:
        for path, middleware, file in re.findall(
            r"`GET (\S+)` is answered by `([\w.]+)` \(`([^`]+)`\)", text
        ):
            if not _answers_itself(root / file, middleware.rpartition(".")[2]):
                out.append(f"14: says {middleware} answers {path}, but it passes every request on")
    return out


def _answers_itself(path: Path, cls: str) -> bool:
    """The class has a `return` in __call__/process_request that is not the next handler's
    response (read line by line: independent of devkit's AST reading)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return False
    start = next((i for i, line in enumerate(lines) if re.match(rf"class {re.escape(cls)}\b", line)), None)
    if start is None:
        return False
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"\S", lines[i])), len(lines))
    inside, passed = False, set()
    for line in lines[start:end]:
        method = re.match(r"\s+def (\w+)", line)
        if method:
            inside = method.group(1) in ("__call__", "process_request")
            continue
        assigned = re.match(r"\s+(\w+) = .*get_response\(", line)
        if inside and assigned:
            passed.add(assigned.group(1))
        returned = re.match(r"\s+return\b\s*(.*)$", line)
        if inside and returned:
            value = returned.group(1).strip()
            if value and value != "None" and "get_response" not in value and value not in passed:
                return True
    return False


def claim_no_outcome(text: str, facts: Facts) -> list[str]:
    """26 #16: the docs state what devkit does, never that a run succeeded: they are rewritten by
    runs that fail too."""
    return [f"16: {p!r} states an outcome" for p in ("prepares everything", "is ready") if p in text]


def claim_invalid_workflows(text: str, root: Path) -> list[str]:
    """26 #17: a workflow file GitHub rejects (a duplicate key) is named invalid, never drawn."""
    from devkit.ci.workflows.source import SourceError, duplicates, load_yaml

    out = []
    folder = root / ".github" / "workflows"
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        try:
            repeated = duplicates(load_yaml(path))
        except SourceError:
            continue
        if not repeated:
            continue
        rel = path.relative_to(root).as_posix()
        section = re.search(rf"\(`{re.escape(rel)}`\)\n(.*?)(?=\n### |\Z)", text, re.S)
        if section is None or "GitHub rejects this file" not in section.group(1):
            out.append(f"17: {rel} has duplicate keys (GitHub rejects it) but is not named invalid")
        elif "```mermaid" in section.group(1):
            out.append(f"17: {rel} is drawn although GitHub rejects it")
    return out


CLAIMS: tuple[Callable[[str, Facts], list[str]], ...] = (
    claim_tenant_middleware,
    claim_numbering,
    claim_users,
    claim_migrate,
    claim_not_installed,
    claim_settings_file,
    claim_models,
    claim_no_empty_app,
    claim_tenant_tables,
    claim_unknown_host,
    claim_no_outcome,
)


def generated_blocks(text: str) -> str:
    """Only what devkit generated: the text between its markers (a project's own notes around
    them are not devkit's claims)."""
    found = re.findall(r"<!-- devkit:begin (\S+) -->\n(.*?)<!-- devkit:end \1 -->", text, re.S)
    return "".join(body for _, body in found)


def violated_claims(
    text: str,
    facts: Facts,
    *,
    env_loaded: bool | None = None,
    workflows: Sequence[Workflow] = (),
    root: Path | None = None,
) -> list[str]:
    """Every false or unsupported statement in `text` given `facts` (empty: all claims hold)."""
    out = [v for claim in CLAIMS for v in claim(text, facts)]
    out += claim_new_app(text, facts, root) + claim_health(text, facts, root)
    if root is not None:
        out += claim_invalid_workflows(text, root)
    return out + claim_env_loading(text, env_loaded) + claim_conditions(text, workflows)


def _own_apps(facts: Facts, root: Path) -> set[str]:
    own = set()
    for app in facts.get("apps") or []:
        path = Path(str(app.get("path") or "")).resolve()
        if path.is_relative_to(root.resolve()) and not {"site-packages", ".venv", "node_modules"} & set(
            path.parts
        ):
            own.add(app.get("name"))
    return own


def _header_only(root: Path, override: dict[str, Any]) -> bool:
    """The project's method reads a request header and never calls its parent's (read as text)."""
    path = Path(str(override.get("file") or ""))
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return False
    start = int(override.get("line") or 0) - 1
    if start < 0 or not path.resolve().is_relative_to(root.resolve()):
        return False
    indent = len(lines[start]) - len(lines[start].lstrip())
    body = [lines[start]]
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    source = "\n".join(body)
    reads_header = "headers" in source or "HTTP_" in source
    return reads_header and f"super().{override['method']}" not in source


def misleading_claims(text: str, facts: Facts, *, root: Path) -> list[str]:
    """Statements that are true but leave out what a reader needs (issue 26 #15, #14, #10, #13)."""
    out = []
    if not _installed(facts):
        return out
    own = _own_apps(facts, root)
    for command in facts.get("tenant_commands") or []:
        if command.get("app") in own and f"manage.py {command['name']}`" not in text:
            out.append(f"15: the project's own tenant command {command['name']} is not mentioned")
    for route in facts.get("health_routes") or []:
        shown = route.get("route") if route.get("regex") else "/" + str(route.get("route"))
        if route.get("route") and f"`GET {shown}`" not in text:
            out.append(f"14: the health route {shown} ({route.get('view')}) is not named")
    for key, setting in (("shared_apps", "SHARED_APPS"), ("tenant_apps", "TENANT_APPS")):
        if (
            any(not a.strip() for a in facts.get(key) or [])
            and f"`{setting}` holds an empty string" not in text
        ):
            out.append(f"10: {setting} holds an empty string; the docs do not say so")
    later = [m["path"] for m in facts.get("middleware_classes") or [] if m.get("tenant")][1:]
    out += [
        f"13: the later tenant middleware {path} is not named" for path in later if f"`{path}`" not in text
    ]
    routing = facts.get("tenant_routing")
    if isinstance(routing, dict) and _tenant_middleware(facts):
        picks = [
            o for o in routing.get("overrides") or [] if o["method"] in ("process_request", "get_tenant")
        ]
        if picks and "| Tenant selection |" not in text:
            out.append(f"13: {picks[0]['class']} picks the tenant itself; the docs do not say how")
        listed = "Development tenants" in text and "their domains do not select them here" not in text
        if picks and listed and _header_only(root, picks[0]):
            out.append("13: domains are listed for the development tenants, but a header selects the tenant")
    return list(dict.fromkeys(out))
