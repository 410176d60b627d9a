# Run inside the project's Django (manage.py shell -c). Idempotently creates tenants (through
# TENANT_MODEL / TENANT_DOMAIN_MODEL) and the development superuser, as $DEVKIT_TENANTS says.
# Standard library + Django + django_tenants only.
import json
import os
import re
import sys

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import (
    get_public_schema_name,
    get_tenant_domain_model,
    get_tenant_model,
    schema_context,
    schema_exists,
)

SCHEMA = re.compile(r"^(?!pg_)[a-z_][a-z0-9_]{0,62}$")


def ensure_tenant(spec):
    Tenant, Domain = get_tenant_model(), get_tenant_domain_model()
    schema = spec["schema"]
    if not SCHEMA.match(schema):
        sys.exit("invalid schema name %r: lowercase letters, digits, _; at most 63; not pg_" % schema)
    tenant = Tenant.objects.filter(schema_name=schema).first()
    created = tenant is None
    if created:
        tenant = Tenant(schema_name=schema)
        if "name" in {f.name for f in Tenant._meta.get_fields()}:
            tenant.name = spec["name"]
        tenant.save()  # auto_create_schema creates and migrates the schema
    elif not schema_exists(schema):
        tenant.create_schema(check_if_exists=True, verbosity=0)  # row kept, schema was dropped
        print("re-created the missing schema %r" % schema)
    with transaction.atomic():
        domain = Domain.objects.filter(domain=spec["domain"]).first()
        if domain is None:
            Domain.objects.create(domain=spec["domain"], tenant=tenant, is_primary=True)
            print("created domain %r" % spec["domain"])
        elif domain.tenant_id != tenant.pk:
            sys.exit("domain %r belongs to another tenant" % spec["domain"])
        else:
            print("kept domain %r" % spec["domain"])
    print("%s tenant %r" % ("created" if created else "kept", schema))


def _has_table(schema, table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", ['"%s"."%s"' % (schema, table)])
        return cursor.fetchone()[0] is not None


def _superuser_in(schema, spec):
    """Get or create: another process (a project's create_super_tenant) may create the same user
    at the same time; its unique violation means the user exists, so re-read it."""
    User = get_user_model()
    lookup = {User.USERNAME_FIELD: spec["username"]}
    with schema_context(schema):
        if User.objects.filter(**lookup).exists():
            return "kept", ""
        try:
            with transaction.atomic():
                User.objects.create_superuser(
                    email=spec.get("email", ""), password=os.environ["DEVKIT_SUPERUSER_PASSWORD"], **lookup
                )
        except IntegrityError:
            if not User.objects.filter(**lookup).exists():
                raise
            return "kept", " (created concurrently by another process)"
    return "created", ""


def ensure_superuser(spec):
    """In every schema of the plan that holds the user table (users are per tenant when
    django.contrib.auth is a tenant app); public always when it holds it."""
    table = get_user_model()._meta.db_table
    public = get_public_schema_name()
    schemas = [public] + [s for s in spec.get("schemas", []) if s != public]
    done = 0
    for schema in schemas:
        if not schema_exists(schema) or not _has_table(schema, table):
            continue
        did, note = _superuser_in(schema, spec)
        print("%s superuser %r in schema %r%s" % (did, spec["username"], schema, note))
        done += 1
    if not done:
        sys.exit("no schema holds the user table %r: have the migrations run?" % table)


def main():
    plan = json.loads(os.environ["DEVKIT_TENANTS"])
    for spec in plan.get("tenants", []):
        ensure_tenant(spec)
    if plan.get("superuser"):
        ensure_superuser(plan["superuser"])


main()
