"""Field values for the rows devkit creates (devkit/tenants/fields.py), on the facts the probe
gives for real model shapes (no Django needed: the facts are data)."""

from __future__ import annotations

import datetime

import pytest

from devkit.core.errors import StepFailed
from devkit.tenants.fields import Row, fill_note, superuser_login, superuser_values, tenant_values


def field(kind: str, **extra: object) -> dict[str, object]:
    info: dict[str, object] = {
        "attname": extra.pop("attname", "x"),
        "type": kind,
        "null": False,
        "blank": False,
        "unique": False,
        "primary_key": False,
        "has_default": False,
        "callable_default": False,
        "default": None,
        "empty_strings_allowed": kind in ("CharField", "TextField", "SlugField", "EmailField", "URLField"),
        "choices": [],
        "max_length": None,
        "minimum": None,
        "related_model": None,
        "auto": False,
    }
    info.update(extra)
    return info


TENANT = {
    "label": "tenants.Tenant",
    "field_info": {
        "id": field("BigAutoField", primary_key=True),
        "schema_name": field("CharField", unique=True),
        "name": field("CharField"),
        "paid_until": field("DateField", attname="paid_until"),
        "on_trial": field("BooleanField", attname="on_trial"),
        "kind": field(
            "CharField", attname="kind", choices=["clinic", "pharmacy"], empty_strings_allowed=True
        ),
        "seats": field("PositiveIntegerField", attname="seats", minimum=1),
        "slug": field("SlugField", attname="slug", unique=True, has_default=True, default="", max_length=8),
        "code": field("CharField", attname="code", unique=True, has_default=True, default="PUBLIC"),
        "notes": field("TextField", attname="notes"),  # saves '': nothing to fill
        "token": field("UUIDField", attname="token", unique=True, has_default=True, callable_default=True),
        "created": field("DateTimeField", attname="created", auto=True),
    },
}
ROW = Row("tenant_one_long", "Tenant one", "one.localhost", 3)


def test_required_fields_by_type_and_unique_ones_per_tenant() -> None:
    values, how = tenant_values(TENANT, {}, ROW)
    year = (datetime.date.today() + datetime.timedelta(days=365)).isoformat()
    assert values == {
        "paid_until": year,
        "on_trial": False,
        "kind": "clinic",  # a choice, although text: its first choice is valid, '' may not be
        "seats": 1,
        "slug": "tenant-o",  # the schema as a slug, cut to max_length
        "code": "tenant_one_long",
    }
    assert how["paid_until"] == "a year from today" and how["slug"] == "<schema>"
    other, _ = tenant_values(TENANT, {}, Row("tenant2", "T2", "t2.localhost", 4))
    assert other["slug"] != values["slug"] and other["code"] != values["code"]


def test_configured_values_win_and_fill_in_the_tenant() -> None:
    configured = {"paid_until": "2099-12-31", "code": "c{n}-{schema}", "seats": 5}
    values, how = tenant_values(TENANT, configured, ROW)
    assert (
        values["paid_until"] == "2099-12-31"
        and values["code"] == "c3-tenant_one_long"
        and values["seats"] == 5
    )
    assert "paid_until" not in how and "code" not in how
    note = fill_note(TENANT, configured, [ROW])
    assert "on_trial=false" in note and "paid_until" not in note and "[tenants.fields]" in note


def test_a_required_relation_is_refused_naming_the_model_and_the_key() -> None:
    model = {
        "label": "tenants.Client",
        "field_info": {"plan": field("ForeignKey", attname="plan_id", related_model="billing.Plan")},
    }
    with pytest.raises(StepFailed) as caught:
        tenant_values(model, {}, ROW)
    assert "billing.Plan" in caught.value.message and "[tenants.fields].plan_id" in (caught.value.hint or "")
    values, _ = tenant_values(model, {"plan_id": 7}, ROW)  # given: used as it is
    assert values == {"plan_id": 7}


def multi_type(types: list[str], **extra: object) -> dict[str, object]:
    """A tenant model of a project with HAS_MULTI_TYPE_TENANTS (django-tenants' tutorial shape:
    the type field's choices are the keys of TENANT_TYPES)."""
    kind = field("CharField", attname="type", choices=types, max_length=100, **extra)
    return {
        "label": "customers.Client",
        "field_info": {"name": field("CharField"), "type": kind},
        "multi_type": {"field": "type", "types": types, "public": "public"},
    }


def test_multi_type_tenants_get_the_public_type_only_for_the_public_tenant() -> None:
    """django-tenants' router gives a schema the apps of its tenant's type: the guest and the
    development tenants never get the public type (its apps hold the tenant registry), even when
    it is the first choice."""
    model = multi_type(["public", "type1", "type2"])
    public, guest = Row("public", "Public", "localhost", 1), Row("guest", "Guest", "guest.localhost", 2)
    assert tenant_values(model, {}, public)[0] == {"type": "public"}
    assert tenant_values(model, {}, guest)[0] == {"type": "type1"}
    note = fill_note(model, {}, [public, guest])
    assert "type='public' for the public tenant, 'type1' for the others" in note, note
    assert tenant_values(model, {"type": "type2"}, guest)[0] == {"type": "type2"}  # configured wins
    # The field's default, when it is a tenant type, is the project's own choice for new tenants.
    with_default = multi_type(["public", "type1", "type2"], has_default=True, default="type2")
    assert tenant_values(with_default, {}, guest)[0] == {"type": "type2"}
    assert tenant_values(with_default, {}, public)[0] == {"type": "public"}


def test_multi_type_without_a_tenant_type_is_refused_naming_the_setting() -> None:
    with pytest.raises(StepFailed) as caught:
        tenant_values(multi_type(["public"]), {}, Row("guest", "Guest", "guest.localhost", 2))
    assert "TENANT_TYPES" in caught.value.message and "[tenants.fields] type" in (caught.value.hint or "")


def test_a_nullable_unique_relation_is_left_null_not_refused() -> None:
    """Met outside the corpus: `organization = OneToOneField(Organization, null=True, blank=True)`
    was called a required relation (unique, so "one value per tenant"); NULLs never collide."""
    model = {
        "label": "customers.Client",
        "field_info": {
            "organization": field(
                "OneToOneField",
                attname="organization_id",
                unique=True,
                null=True,
                related_model="customers.Organization",
            ),
            "code": field("CharField", attname="code", unique=True, null=True, has_default=True, default="X"),
        },
    }
    values, how = tenant_values(model, {}, ROW)
    assert "organization" not in values and "organization_id" not in values
    assert (
        values["code"] == "tenant_one_long" and how["code"] == "<schema>"
    )  # a shared default still collides


USER = {
    "label": "accounts.User",
    "username_field": "email",
    "email_field": "email",
    "required_fields": ["full_name", "birth_date", "company"],
    "create_superuser": {
        "params": [
            {"name": "email", "required": True},
            {"name": "full_name", "required": True},
            {"name": "birth_date", "required": True},
            {"name": "password", "required": False},
        ],
        "var_kwargs": True,
    },
    "field_info": {
        "email": field("EmailField", attname="email", unique=True),
        "full_name": field("CharField", attname="full_name", max_length=3),
        "birth_date": field("DateField", attname="birth_date"),
        "company": field("ForeignKey", attname="company_id", related_model="crm.Company"),
    },
}


def test_a_superuser_that_logs_in_by_email_gets_each_field_once() -> None:
    with pytest.raises(StepFailed) as caught:  # the relation: refused before anything runs
        superuser_values(USER, "admin", "admin@example.com", {})
    assert "crm.Company" in caught.value.message and "[tenants.superuser_fields].company_id" in (
        caught.value.hint or ""
    )
    values = superuser_values(USER, "admin", "admin@example.com", {"company": 1})
    assert values["email"] == "admin@example.com" and values["full_name"] == "Adm" and values["company"] == 1
    assert set(values) == {"email", "full_name", "birth_date", "company"}
    assert superuser_login(USER, "admin", "admin@example.com", {}) == ("email", "admin@example.com")


def test_the_classic_user_model_and_a_manager_that_needs_more() -> None:
    classic = {
        "username_field": "username",
        "email_field": "email",
        "required_fields": ["email"],
        "create_superuser": {
            "params": [{"name": "username", "required": True}, {"name": "email", "required": False}],
            "var_kwargs": True,
        },
        "field_info": {
            "username": field("CharField", attname="username"),
            "email": field("EmailField", attname="email"),
        },
    }
    assert superuser_values(classic, "admin", "a@example.com", {}) == {
        "username": "admin",
        "email": "a@example.com",
    }
    params = [{"name": "username", "required": True}, {"name": "tenant_code", "required": True}]
    needy = dict(classic, create_superuser={"params": params, "var_kwargs": False})
    with pytest.raises(StepFailed) as caught:
        superuser_values(needy, "admin", "a@example.com", {})
    assert "tenant_code" in caught.value.message and "[tenants.superuser_fields]" in (caught.value.hint or "")
