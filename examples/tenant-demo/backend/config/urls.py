from django.contrib import admin
from django.urls import path

from customers.views import tenant_home

urlpatterns = [
    path("", tenant_home, name="tenant-home"),
    path("admin/", admin.site.urls),
]
