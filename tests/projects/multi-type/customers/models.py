from django.db import models
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_tenant_type_choices


class Client(TenantMixin):
    name = models.CharField(max_length=100)
    # HAS_MULTI_TYPE_TENANTS: the type names the apps (TENANT_TYPES) a tenant's schema gets.
    type = models.CharField(max_length=100, choices=get_tenant_type_choices())
    created_on = models.DateField(auto_now_add=True)
    auto_create_schema = True


class Domain(DomainMixin):
    pass
