"""The claim table of issue 12: each claim the generated docs may make, checked against the facts.

`violated_claims(text, facts, ...)` reads the raw probe facts itself (it does not reuse
devkit/docs/gather.py, so a bug there cannot hide here) and returns one line per false or
unsupported statement in `text` (the generated files concatenated). Use it for any project folder:
render its docs, load its `.devkit/facts.json`, call this.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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


CLAIMS: tuple[Callable[[str, Facts], list[str]], ...] = (
    claim_tenant_middleware,
    claim_numbering,
    claim_users,
    claim_migrate,
    claim_not_installed,
    claim_settings_file,
    claim_models,
)


def violated_claims(
    text: str, facts: Facts, *, env_loaded: bool | None = None, workflows: Sequence[Workflow] = ()
) -> list[str]:
    """Every false or unsupported statement in `text` given `facts` (empty: all claims hold)."""
    out = [v for claim in CLAIMS for v in claim(text, facts)]
    return out + claim_env_loading(text, env_loaded) + claim_conditions(text, workflows)
