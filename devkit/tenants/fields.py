"""Field values for the rows devkit creates itself, derived from the model the way a developer
would fill them: the tenant model's required and unique fields (per tenant), and the development
superuser's login and required fields (as `createsuperuser` asks for them).

The facts probe describes each field (type, null, default, unique, choices, length, minimum, the
model a relation points to). Configured values (`[tenants.fields]`, `[tenants.superuser_fields]`)
win; `{schema}`, `{name}`, `{domain}` and `{n}` in a configured text are the tenant's own. A field
devkit cannot fill (a required relation, an unknown type) is refused before anything runs, naming
the field and the key to set.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devkit.config.model import TenantConfig, TenantsConfig
from devkit.core.errors import StepFailed

NUMBERS = ("IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
           "PositiveBigIntegerField", "PositiveSmallIntegerField", "DecimalField", "FloatField")  # fmt: skip
TEXTS = ("CharField", "TextField", "SlugField", "EmailField", "URLField", "GenericIPAddressField")
SKIPPED = ("AutoField", "BigAutoField", "SmallAutoField")
# The tenant model's own columns that devkit always sets or that django-tenants manages.
TENANT_OWN = ("schema_name", "name")


@dataclass(frozen=True)
class Row:
    """The tenant a value is for: its schema, display name, domain and number (1 = first)."""

    schema: str
    name: str
    domain: str
    n: int


def row_of(tenants: TenantsConfig, spec: TenantConfig) -> Row:
    """The Row of one of devkit's tenants; n counts them in order: 1 the public tenant, 2 the guest,
    then the development tenants."""
    ordered = [tenants.super.schema, tenants.guest.schema, *(t.schema for t in tenants.dev_tenants())]
    n = ordered.index(spec.schema) + 1 if spec.schema in ordered else len(ordered) + 1
    return Row(spec.schema, spec.name, spec.domain, n)


def template(value: Any, row: Row) -> Any:
    """A configured value with `{schema}`, `{name}`, `{domain}` and `{n}` filled in (text only)."""
    if not isinstance(value, str) or "{" not in value:
        return value
    try:
        return value.format(schema=row.schema, name=row.name, domain=row.domain, n=row.n)
    except (KeyError, IndexError, ValueError):
        return value  # config/checks.py refused other fields; literal braces stay as written


def _fits(text: str, info: Mapping[str, Any]) -> str:
    limit = info.get("max_length")
    return text[:limit] if isinstance(limit, int) and limit > 0 else text


def _text_for(info: Mapping[str, Any], row: Row) -> str:
    kind = info["type"]
    if kind == "EmailField":
        return _fits(f"{row.schema}@example.com", info)
    if kind == "URLField":
        return _fits(f"http://{row.domain}/", info)
    if kind == "SlugField":
        return _fits(row.schema.replace("_", "-"), info)
    if kind == "GenericIPAddressField":
        return "127.0.0.1"
    return _fits(row.schema, info)


def _needs_value(info: Mapping[str, Any]) -> bool:
    """A row cannot be saved without a value here: NOT NULL, no default, not text (text saves ''),
    not set on save."""
    if info.get("primary_key") or info.get("auto") or info["type"] in SKIPPED:
        return False
    if info["null"] or info["has_default"]:
        return False
    # Text saves as '' (valid in the database), unless only its choices are valid values.
    return not info.get("empty_strings_allowed", False) or bool(info.get("choices"))


def _per_tenant(info: Mapping[str, Any]) -> bool:
    """Unique and not given a fresh value by a callable default (uuid4): one value per tenant. A
    nullable one left NULL (no default, or a None default) needs none: NULLs never collide."""
    if info.get("null") and (not info.get("has_default") or info.get("default") is None):
        return False
    return bool(info.get("unique")) and not info.get("primary_key") and not info.get("callable_default")


def derive(name: str, info: Mapping[str, Any], row: Row, label: str, key: str) -> tuple[Any, str]:
    """(value, how it was chosen) for a field devkit must fill; StepFailed when it cannot."""
    kind = info["type"]
    if info.get("related_model"):
        raise StepFailed(
            f"{label}.{name} is a required relation to {info['related_model']}: devkit cannot "
            "create that row for its own tenants",
            hint=f"set {key}.{info['attname']} to the id of an existing {info['related_model']} row, or "
            "create the rows with the project's own command (tenants.create_super / create_guest)",
        )
    if info.get("choices"):
        return info["choices"][0], "its first choice"
    if kind in ("DateField", "DateTimeField"):
        day = datetime.date.today() + datetime.timedelta(days=365)
        value = day.isoformat() if kind == "DateField" else f"{day.isoformat()}T00:00:00+00:00"
        return value, "a year from today"
    if kind == "BooleanField":
        return (info["default"] if info["has_default"] else False), "false"
    if kind in NUMBERS:
        base = info.get("minimum") or 0
        return (base + row.n if _per_tenant(info) else base), (
            "the tenant's number" if _per_tenant(info) else str(base)
        )
    if kind == "UUIDField":
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, row.domain)), "from the domain"
    if kind == "JSONField":
        return {}, "{}"
    if kind in TEXTS:
        how = {"EmailField": "<schema>@example.com", "URLField": "http://<domain>/", "SlugField": "<schema>"}
        return _text_for(info, row), how.get(kind, "<schema>")
    raise StepFailed(
        f"{label}.{name} ({kind}) needs a value and devkit does not know one for that type",
        hint=f"set {key}.{name} in the devkit configuration",
    )


def tenant_type(multi: Mapping[str, Any], info: Mapping[str, Any], row: Row, label: str) -> tuple[str, str]:
    """(type, how it was chosen) for a tenant of a multi-type project (HAS_MULTI_TYPE_TENANTS).
    django-tenants' router gives the public schema the apps of the type named like it, and any
    other schema the apps of its tenant's type: the public tenant gets the public type, the others
    the field's default when that is one of the other types, else the first type of TENANT_TYPES
    that is not the public one (never the public type's apps, the tenant registry among them, in
    a tenant's schema)."""
    public, field = str(multi.get("public") or "public"), str(multi.get("field"))
    others = [name for name in multi.get("types") or [] if name != public]
    default = info.get("default") if info.get("has_default") else None
    if default in others:
        others.insert(0, others.pop(others.index(default)))
    why = "the field's default" if default in others else "the first tenant type of TENANT_TYPES"
    how = f"{public!r} for the public tenant" + (f", {others[0]!r} for the others ({why})" if others else "")
    if row.schema == public:
        return public, how
    if not others:
        raise StepFailed(
            f"{label}.{field}: HAS_MULTI_TYPE_TENANTS is set and TENANT_TYPES has no type besides "
            f"{public!r}, so devkit has no type to give its tenant {row.schema!r}",
            hint=f'add a tenant type to TENANT_TYPES, or set [tenants.fields] {field} = "<type>"',
        )
    return others[0], how


def tenant_values(
    model: Mapping[str, Any], configured: Mapping[str, Any], row: Row
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every value devkit sets on a tenant it creates ({field: value}), and how each derived one
    was chosen ({field: how}); configured values win."""
    info_of: Mapping[str, Any] = model.get("field_info") or {}
    label = model.get("label", "TENANT_MODEL")
    values = {name: template(value, row) for name, value in configured.items()}
    derived: dict[str, str] = {}
    multi = model.get("multi_type") or {}
    field = multi.get("field")
    if field in info_of and field not in values and info_of[field].get("attname") not in values:
        values[field], derived[field] = tenant_type(multi, info_of[field], row, label)
    for name, info in info_of.items():
        if name in TENANT_OWN or name in values or info.get("attname") in values:
            continue
        if _needs_value(info) or (_per_tenant(info) and info["type"] not in ("BooleanField",)):
            values[name], derived[name] = derive(name, info, row, label, "[tenants.fields]")
    return values, derived


def fill_note(model: Mapping[str, Any], configured: Mapping[str, Any], rows: list[Row]) -> str:
    """One line for the run's notes: the fields devkit filled on its tenants, and how."""
    if not rows:
        return ""
    _values, derived = tenant_values(model, configured, rows[0])
    if not derived:
        return ""
    parts = [f"{name}={how}" for name, how in derived.items()]
    return (
        f"filled for devkit's tenants ({model.get('label', 'the tenant model')}): {', '.join(parts)} "
        "([tenants.fields] overrides them)"
    )


# -- the development superuser --------------------------------------------------------------------


def superuser_values(
    user: Mapping[str, Any], username: str, email: str, configured: Mapping[str, Any]
) -> dict[str, Any]:
    """The keyword arguments for create_superuser (besides the password), each field once: the
    login field (an email when it is an email field), every REQUIRED_FIELD, and the email when the
    manager takes it. StepFailed names a field devkit cannot fill and the key to set."""
    info_of: Mapping[str, Any] = user.get("field_info") or {}
    login = user.get("username_field") or "username"
    row = Row(username, username.title(), "localhost", 1)
    values: dict[str, Any] = {}
    login_info = info_of.get(login, {})
    values[login] = configured.get(login) or (email if login_info.get("type") == "EmailField" else username)
    label = user.get("label", "AUTH_USER_MODEL")
    for name in user.get("required_fields") or []:
        if name in values:
            continue
        if name in configured:
            values[name] = configured[name]
            continue
        info = info_of.get(name)
        if info is None:
            continue  # not a concrete field: the manager takes it itself
        if info["type"] == "EmailField" or name == user.get("email_field"):
            values[name] = email
        elif info["type"] in TEXTS and not info.get("unique"):
            values[name] = _fits(username.title(), info)
        else:
            values[name], _how = derive(name, info, row, label, "[tenants.superuser_fields]")
    values.update({k: v for k, v in configured.items() if k not in values})
    email_field = user.get("email_field") or "email"
    accepts = _accepts(user)
    if email_field not in values and (accepts is None or "email" in accepts) and email_field in info_of:
        values[email_field] = email
    _refuse_unknown_required(user, values, label)
    return values


def _accepts(user: Mapping[str, Any]) -> set[str] | None:
    """The keyword names create_superuser takes (None: any, it has **kwargs)."""
    method = user.get("create_superuser")
    if not method or method.get("var_kwargs"):
        return None
    return {p["name"] for p in method.get("params", [])}


def _refuse_unknown_required(user: Mapping[str, Any], values: Mapping[str, Any], label: str) -> None:
    """A parameter create_superuser requires that devkit has no value for (a custom manager)."""
    method = user.get("create_superuser") or {}
    missing = [
        p["name"]
        for p in method.get("params", [])
        if p["required"] and p["name"] not in values and p["name"] not in ("self", "password")
    ]
    if missing:
        raise StepFailed(
            f"{label}'s manager create_superuser() requires {', '.join(missing)}, which are not "
            "fields devkit can fill",
            hint="set them in [tenants.superuser_fields] (e.g. "
            + ", ".join(f'{m} = "..."' for m in missing)
            + '), or tenants.superuser = "" for no development superuser',
        )


def superuser_login(
    user: Mapping[str, Any], username: str, email: str, configured: Mapping[str, Any]
) -> tuple[str, str]:
    """(column, value) that identifies the development superuser in the user table."""
    login = user.get("username_field") or "username"
    info = (user.get("field_info") or {}).get(login, {})
    column = info.get("attname") or login
    value = configured.get(login) or (email if info.get("type") == "EmailField" else username)
    return column, str(value)
