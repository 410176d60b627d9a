from ._tenant_base import EnsureTenantCommand


class Command(EnsureTenantCommand):
    help = "Create the guest tenant (own schema, migrated) and its domain. Idempotent."

    default_schema = "guest"
    default_name = "Guest"
    default_domain = "guest.localhost"
