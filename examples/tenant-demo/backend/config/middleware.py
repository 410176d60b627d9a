from django.db import connection
from django.http import JsonResponse

HEALTH_PATH = "/api/v1/health/"


class HealthCheckMiddleware:
    """Answer ``/api/v1/health/`` before any tenant resolution happens.

    Why this sits *before* ``TenantMainMiddleware``: django-tenants resolves the
    tenant from the request's Host header and raises a 404 when no ``Domain``
    row matches. Load balancers, container orchestrators and uptime probes
    usually hit the service by IP (e.g. ``127.0.0.1``), which is not a tenant
    domain, and they must also get an answer on a brand-new database before
    any tenant exists. Handling the health path here, ahead of the tenant
    middleware, keeps the check independent of tenants and domains while still
    verifying that the database answers ``SELECT 1``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == HEALTH_PATH:
            return self.health()
        return self.get_response(request)

    @staticmethod
    def health():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as exc:  # noqa: BLE001 - report any DB failure
            return JsonResponse(
                {"status": "unhealthy", "database": exc.__class__.__name__},
                status=503,
            )
        return JsonResponse({"status": "healthy", "database": "ok"})
