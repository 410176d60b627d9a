import pkg_resources  # old code: the installed version, the setuptools way
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

TENANTS_VERSION = pkg_resources.get_distribution("django-tenants").version


class Client(TenantMixin):
    name = models.CharField(max_length=100)
    created_on = models.DateField(auto_now_add=True)
    auto_create_schema = True


class Domain(DomainMixin):
    pass
