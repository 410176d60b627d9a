# Run inside the project's Django (manage.py shell -c). Idempotently creates tenants (through
# TENANT_MODEL / TENANT_DOMAIN_MODEL) and the development superuser, as $DEVKIT_TENANTS says.
# Standard library + Django + django_tenants only.
import json
import os
import re
import sys

from django.contrib.auth import get_user_model
from django.db import transaction
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
        elif domain.tenant_id != tenant.pk:
            sys.exit("domain %r belongs to another tenant" % spec["domain"])
    print("%s tenant %r" % ("created" if created else "kept", schema))


def ensure_superuser(spec):
    User = get_user_model()
    with schema_context(get_public_schema_name()):
        lookup = {User.USERNAME_FIELD: spec["username"]}
        user = User.objects.filter(**lookup).first()
        if user is not None:
            # A newly generated stored password (secrets.json was lost) replaces the unknown one,
            # so the stored password always authenticates; otherwise the user is kept as it is.
            if spec.get("new_password") and not user.check_password(os.environ["DEVKIT_SUPERUSER_PASSWORD"]):
                user.set_password(os.environ["DEVKIT_SUPERUSER_PASSWORD"])
                user.save(update_fields=["password"])
                print("set a new password for superuser %r" % spec["username"])
                return
            print("kept superuser %r" % spec["username"])
            return
        User.objects.create_superuser(
            email=spec.get("email", ""), password=os.environ["DEVKIT_SUPERUSER_PASSWORD"], **lookup
        )
        print("created superuser %r" % spec["username"])


def main():
    plan = json.loads(os.environ["DEVKIT_TENANTS"])
    for spec in plan.get("tenants", []):
        ensure_tenant(spec)
    if plan.get("superuser"):
        ensure_superuser(plan["superuser"])


main()
