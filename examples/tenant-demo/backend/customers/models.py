from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Client(TenantMixin):
    """A tenant. Each client gets its own PostgreSQL schema."""

    name = models.CharField(max_length=100)
    created_on = models.DateField(auto_now_add=True)

    # Create (and migrate) the schema automatically when a Client is saved.
    auto_create_schema = True

    def __str__(self):
        return f"{self.name} ({self.schema_name})"


class Domain(DomainMixin):
    """A hostname that routes requests to a Client."""
