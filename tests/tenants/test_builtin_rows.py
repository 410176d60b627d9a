"""devkit's own tenant rows on real model shapes (issue 29 #3 #4, and auto_create_schema = False):
the rows it made follow the configuration, rows the project's receivers make are named when they
conflict, and a model that creates no schema itself gets one from devkit as from doctor --fix.
The example project on a real cluster, the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.project import devkit, set_config, sql

pytestmark = pytest.mark.e2e


def builtin(example: Path) -> None:
    path = example / "devkit.toml"
    text = path.read_text()
    text = text.replace('create_super = "create_super_tenant --no-input"', 'create_super = "builtin"')
    text = text.replace('create_guest = "create_guest_tenant --no-input"', 'create_guest = "builtin"')
    path.write_text(text)


PUBLIC_DOMAINS = (
    "SELECT d.domain FROM customers_domain d JOIN customers_client c ON c.id = d.tenant_id "
    "WHERE c.schema_name = 'public'"
)


def test_a_changed_domain_renames_the_one_devkit_gave(example: Path) -> None:
    builtin(example)
    assert devkit("up", "--no-input", project=example).code == 0
    set_config(example, '[tenants.super]\nschema = "public"\nname = "Public"\ndomain = "public.localhost"\n')
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    assert "tenants.super.domain changed: renamed domain 'localhost' to 'public.localhost'" in ran.text, (
        ran.text
    )
    domains = sql(example, PUBLIC_DOMAINS)
    assert domains == [("public.localhost",)], domains


def test_a_domain_devkit_did_not_give_is_never_changed(example: Path) -> None:
    """The project's own create_super_tenant made 'localhost': a new configured domain is added
    beside it, the project's row is left as it is."""
    assert devkit("up", "--no-input", project=example).code == 0
    builtin(example)
    set_config(example, '[tenants.super]\nschema = "public"\nname = "Public"\ndomain = "public.localhost"\n')
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    domains = sorted(sql(example, PUBLIC_DOMAINS))
    assert domains == [("localhost",), ("public.localhost",)], domains


RECEIVER = '''from django.apps import AppConfig


def add_main_tenant(sender, instance, created, **kwargs):
    """A project that gives every new superuser a tenant of its own, on localhost."""
    from customers.models import Client, Domain

    if created and instance.is_superuser:
        tenant = Client.objects.create(schema_name="main", name="Main")
        Domain.objects.create(domain="localhost", tenant=tenant, is_primary=True)


class CrmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "crm"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        post_save.connect(add_main_tenant, sender=get_user_model())
'''


def test_a_project_receiver_that_takes_devkits_default_domain_gets_it(example: Path) -> None:
    """devkit's default public domain yields to the project's own code: its tenant takes another
    one, written to the configuration and said; the run is green, nothing of the project's moved."""
    builtin(example)
    (example / "backend" / "crm" / "apps.py").write_text(RECEIVER)
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    assert "gives domain 'localhost' to a tenant of its own; devkit's tenant 'public' takes" in ran.text
    assert 'domain = "public.localhost"' in (example / "devkit.toml").read_text()
    assert sql(example, PUBLIC_DOMAINS) == [("public.localhost",)]
    owner = "SELECT c.schema_name FROM customers_domain d JOIN customers_client c ON c.id = d.tenant_id"
    assert sql(example, owner + " WHERE d.domain = 'localhost'") == [("main",)]
    again = devkit("up", "--no-input", project=example)
    assert again.code == 0 and "gives domain" not in again.text, again.text


def test_a_project_receiver_that_takes_a_configured_domain_is_named(example: Path) -> None:
    set_config(example, '[tenants.super]\nschema = "public"\nname = "Public"\ndomain = "localhost"\n')
    (example / "backend" / "crm" / "apps.py").write_text(RECEIVER)
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 1, ran.text
    assert "crm/apps.py:" in ran.text and "domain 'localhost'" in ran.text, ran.text
    assert "tenants.super.domain" in ran.text and "has the new password" not in ran.text, ran.text
    # the cause is the failure's own line, not "see its log" under the output's tail
    assert "✗ devkit's own creation for tenants.superuser stopped: saving devkit's row ran" in ran.text
    assert "see its log" not in ran.text


def test_a_model_that_creates_no_schema_gets_one_from_devkit(example: Path) -> None:
    models = example / "backend" / "customers" / "models.py"
    models.write_text(models.read_text().replace("auto_create_schema = True", "auto_create_schema = False"))
    builtin(example)
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    schemas = sql(example, "SELECT nspname FROM pg_namespace WHERE nspname = 'guest'")
    assert schemas == [("guest",)]
    assert sql(example, "SELECT count(*) FROM guest.django_migrations")[0][0] > 0


def test_a_changed_name_follows_on_the_tenant_devkit_created(example: Path) -> None:
    builtin(example)
    assert devkit("up", "--no-input", project=example).code == 0
    set_config(example, '[tenants.guest]\nschema = "guest"\nname = "Guest Co"\ndomain = "guest.localhost"\n')
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    assert "tenants.guest.name changed: renamed tenant 'guest' from 'Guest' to 'Guest Co'" in ran.text, (
        ran.text
    )
    assert sql(example, "SELECT name FROM customers_client WHERE schema_name = 'guest'") == [("Guest Co",)]


def test_a_changed_superuser_renames_the_one_devkit_created(example: Path) -> None:
    assert devkit("up", "--no-input", project=example).code == 0
    path = example / "devkit.toml"
    text = path.read_text()
    assert 'superuser = "admin"' in text
    path.write_text(text.replace('superuser = "admin"', 'superuser = "root"', 1))
    ran = devkit("up", "--no-input", project=example)
    assert ran.code == 0, ran.text
    assert "tenants.superuser changed: renamed superuser 'admin' to 'root' in schema 'public'" in ran.text
    users = sql(example, "SELECT username, is_superuser FROM auth_user ORDER BY id")
    assert users == [("root", True)], users
