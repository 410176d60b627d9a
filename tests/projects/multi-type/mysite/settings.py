from decouple import config

SECRET_KEY = config("SECRET_KEY", default="dev-only-insecure-key")

# django-tenants' multi-type tenants: each tenant's type (Client.type) names the apps its schema
# gets; the public schema gets the apps of the type named like it.
HAS_MULTI_TYPE_TENANTS = True
MULTI_TYPE_DATABASE_FIELD = "type"
TENANT_TYPES = {
    "public": {
        "APPS": [
            "customers",
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.admin",
        ],
        "URLCONF": "mysite.urls",
    },
    "shop": {
        "APPS": ["django.contrib.contenttypes", "django.contrib.auth", "shop"],
        "URLCONF": "mysite.urls",
    },
}
# django_tenants (no models) installed beside the types, as django-tenants' tenant_multi_types does.
INSTALLED_APPS = ["django_tenants"]
for _type in TENANT_TYPES.values():
    INSTALLED_APPS += [app for app in _type["APPS"] if app not in INSTALLED_APPS]
DATABASES = {
    "default": {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": config("DB_NAME", default="db.sqlite3"),
        "USER": config("DB_USER", default=""),
        "PASSWORD": config("DB_PASSWORD", default=""),
        "HOST": config("DB_HOST", default=""),
        "PORT": config("DB_PORT", default=""),
    }
}

DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
TENANT_MODEL = "customers.Client"
TENANT_DOMAIN_MODEL = "customers.Domain"
MIDDLEWARE = [
    "django_tenants.middleware.main.TenantMainMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
ROOT_URLCONF = "mysite.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
