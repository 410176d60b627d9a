from django.core.management.base import BaseCommand
from django_tenants.utils import get_tenant_domain_model, get_tenant_model


class Command(BaseCommand):
    help = "Create the public tenant (no --no-input: it never asks anyway)."

    def handle(self, *args, **options):
        tenant, _ = get_tenant_model().objects.get_or_create(
            schema_name="public", defaults={"name": "Public"}
        )
        get_tenant_domain_model().objects.get_or_create(
            domain="localhost", defaults={"tenant": tenant, "is_primary": True}
        )
