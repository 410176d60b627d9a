from ._tenant_base import EnsureTenantCommand


class Command(EnsureTenantCommand):
    help = "Create the public (super) tenant and its domain. Idempotent."

    default_schema = "public"
    default_name = "Public"
    default_domain = "localhost"
