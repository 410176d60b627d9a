"""Shared implementation for the idempotent create_*_tenant commands."""
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from django_tenants.utils import get_tenant_domain_model, get_tenant_model, schema_exists


# django-tenants 4.x accepts any quotable identifier (e.g. "bad-name!"); this
# demo insists on plain, unquoted PostgreSQL identifiers.
SCHEMA_NAME_RE = re.compile(r"^(?!pg_)[a-z_][a-z0-9_]{0,62}$")


class EnsureTenantCommand(BaseCommand):
    """Create a tenant + primary domain if missing; otherwise ensure the domain."""

    default_schema = None
    default_name = None
    default_domain = None

    def add_arguments(self, parser):
        parser.add_argument("--schema", default=self.default_schema,
                            help=f"Schema name (default: {self.default_schema}).")
        parser.add_argument("--name", default=self.default_name,
                            help=f"Tenant display name (default: {self.default_name}).")
        parser.add_argument("--domain", default=self.default_domain,
                            help=f"Primary domain (default: {self.default_domain}).")
        # Custom commands do not get --no-input/--noinput for free.
        parser.add_argument("--no-input", "--noinput", action="store_false",
                            dest="interactive",
                            help="Do not prompt; this command never prompts anyway.")

    def handle(self, *args, **options):
        schema = (options["schema"] or "").strip()
        name = (options["name"] or "").strip()
        domain = (options["domain"] or "").strip().lower()
        if not schema or not name or not domain:
            raise CommandError("--schema, --name and --domain must be non-empty.")
        if not SCHEMA_NAME_RE.match(schema):
            raise CommandError(
                f"Invalid schema name '{schema}': use lowercase letters, digits and '_' "
                "(max 63 chars, not starting with a digit or 'pg_')."
            )

        Client = get_tenant_model()
        Domain = get_tenant_domain_model()

        try:
            tenant = Client.objects.filter(schema_name=schema).first()
            if tenant is not None:
                created_domain = self._ensure_domain(Domain, tenant, domain)
                msg = f"Tenant '{schema}' already exists."
                # A row whose schema was dropped (by hand, or a restored dump): re-create
                # and migrate the schema so the tenant works again.
                if not schema_exists(schema):
                    tenant.create_schema(check_if_exists=True, verbosity=0)
                    msg += f" Re-created its missing schema '{schema}'."
                if created_domain:
                    msg += f" Added missing domain '{domain}'."
                self.stdout.write(msg)
                return

            taken = Domain.objects.filter(domain=domain).select_related("tenant").first()
            if taken is not None:
                raise CommandError(
                    f"Domain '{domain}' already belongs to tenant "
                    f"'{taken.tenant.schema_name}'."
                )

            # Saving a Client with auto_create_schema=True creates the schema
            # and runs the tenant migrations in it (no-op for 'public').
            tenant = Client(schema_name=schema, name=name)
            tenant.save()
            with transaction.atomic():
                self._ensure_domain(Domain, tenant, domain)
        except CommandError:
            raise
        except (DatabaseError, ValueError) as exc:
            raise CommandError(
                f"Could not create tenant '{schema}': {exc.__class__.__name__}: {exc}"
            ) from exc

        self.stdout.write(self.style.SUCCESS(
            f"Created tenant '{schema}' ({name}) with domain '{domain}'."
        ))

    @staticmethod
    def _ensure_domain(Domain, tenant, domain):
        existing = Domain.objects.filter(domain=domain).first()
        if existing is not None:
            if existing.tenant_id != tenant.pk:
                raise CommandError(
                    f"Domain '{domain}' already belongs to tenant "
                    f"'{existing.tenant.schema_name}'."
                )
            if not existing.is_primary:
                existing.is_primary = True
                existing.save(update_fields=["is_primary"])
            return False
        Domain.objects.create(domain=domain, tenant=tenant, is_primary=True)
        return True
