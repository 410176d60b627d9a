from django.db import connection
from django.http import JsonResponse


def tenant_home(request):
    """Tiny tenant-aware view: tell the caller which tenant served it."""
    tenant = getattr(request, "tenant", None) or connection.tenant
    return JsonResponse(
        {
            "tenant": getattr(tenant, "name", None),
            "schema": connection.schema_name,
        }
    )
