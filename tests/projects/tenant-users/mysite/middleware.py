from django_tenants.middleware.main import TenantMainMiddleware


class HostTenantMiddleware(TenantMainMiddleware):
    """The project's own subclass (a real project adds logging and a fallback here)."""

    def hostname_from_request(self, request):
        return super().hostname_from_request(request).lower()
