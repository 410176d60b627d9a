# Run inside the project's Django (manage.py shell -c). Idempotently creates tenants (through
# TENANT_MODEL / TENANT_DOMAIN_MODEL) and the development superuser, as $DEVKIT_TENANTS says.
# Standard library + Django + django_tenants only.
import json
import os
import re
import sys

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import (
    get_public_schema_name,
    get_tenant_domain_model,
    get_tenant_model,
    schema_context,
    schema_exists,
)

SCHEMA = re.compile(r"^(?!pg_)[a-z_][a-z0-9_]{0,62}$")


def ensure_tenant(spec):
    Tenant, Domain = get_tenant_model(), get_tenant_domain_model()
    schema = spec["schema"]
    if not SCHEMA.match(schema):
        sys.exit("invalid schema name %r: lowercase letters, digits, _; at most 63; not pg_" % schema)
    tenant = Tenant.objects.filter(schema_name=schema).first()
    created = tenant is None
    if created:
        tenant = Tenant(schema_name=schema)
        if "name" in {f.name for f in Tenant._meta.get_fields()}:
            tenant.name = spec["name"]
        tenant.save()  # auto_create_schema creates and migrates the schema
    elif not schema_exists(schema):
        tenant.create_schema(check_if_exists=True, verbosity=0)  # row kept, schema was dropped
        print("re-created the missing schema %r" % schema)
    with transaction.atomic():
        domain = Domain.objects.filter(domain=spec["domain"]).first()
        if domain is None:
            Domain.objects.create(domain=spec["domain"], tenant=tenant, is_primary=True)
            print("created domain %r" % spec["domain"])
        elif domain.tenant_id != tenant.pk:
            sys.exit("domain %r belongs to another tenant" % spec["domain"])
        else:
            print("kept domain %r" % spec["domain"])
    print("%s tenant %r" % ("created" if created else "kept", schema))


def _has_table(schema, table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", ['"%s"."%s"' % (schema, table)])
        return cursor.fetchone()[0] is not None


def _superuser_in(schema, spec):
    """Get or create: another process (a project's create_super_tenant) may create the same user
    at the same time; its unique violation means the user exists, so re-read it."""
    User = get_user_model()
    lookup = {User.USERNAME_FIELD: spec["username"]}
    with schema_context(schema):
        user = User.objects.filter(**lookup).first()
        if user is not None:
            # A newly generated stored password (secrets.json was lost) replaces the unknown one,
            # so the stored password always authenticates; otherwise the user is kept as it is.
            password = os.environ["DEVKIT_SUPERUSER_PASSWORD"]
            if spec.get("new_password") and not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
                return "set a new password for", ""
            return "kept", ""
        try:
            with transaction.atomic():
                User.objects.create_superuser(
                    email=spec.get("email", ""), password=os.environ["DEVKIT_SUPERUSER_PASSWORD"], **lookup
                )
        except IntegrityError:
            if not User.objects.filter(**lookup).exists():
                raise
            return "kept", " (created concurrently by another process)"
    return "created", ""


def ensure_superuser(spec):
    """In every schema of the plan that holds the user table (users are per tenant when
    django.contrib.auth is a tenant app); public always when it holds it."""
    table = get_user_model()._meta.db_table
    public = get_public_schema_name()
    schemas = [public] + [s for s in spec.get("schemas", []) if s != public]
    done = 0
    for schema in schemas:
        if not schema_exists(schema) or not _has_table(schema, table):
            continue
        did, note = _superuser_in(schema, spec)
        print("%s superuser %r in schema %r%s" % (did, spec["username"], schema, note))
        done += 1
    if not done:
        sys.exit("no schema holds the user table %r: have the migrations run?" % table)


def _code_migrations():
    """Tenant-app migrations that run code (RunPython/RunSQL): their effect may depend on the
    tenant, so a clone of the template is not provably what migrating would give."""
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython, RunSQL

    tenant_apps = set(a.rsplit(".", 1)[-1] for a in getattr(settings, "TENANT_APPS", []))
    shared = set(a.rsplit(".", 1)[-1] for a in getattr(settings, "SHARED_APPS", []))
    found = []
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in tenant_apps or app in shared:
            continue  # shared apps' migrations run once in public; their data is not per tenant
        if any(isinstance(op, (RunPython, RunSQL)) for op in migration.operations):
            found.append("%s.%s" % (app, name))
    return found


def _mark(schema, marker):
    with connection.cursor() as cursor:
        cursor.execute('COMMENT ON SCHEMA "%s" IS %%s' % schema, [marker])


def _new_tenant(Tenant, spec):
    tenant = Tenant(schema_name=spec["schema"])
    if "name" in {f.name for f in Tenant._meta.get_fields()}:
        tenant.name = spec["name"]
    tenant.auto_create_schema = False  # devkit creates the schema: cloned or migrated below
    tenant.save()
    return tenant


def _clone_one(template, schema, marker):
    """In a worker thread: its own database session (Django's connections are per thread)."""
    from django.db import connections

    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SET client_min_messages TO warning")  # clone_schema's NOTICE lines
            cursor.execute("SELECT clone_schema(%s, %s, 'DATA')", [template, schema])
            cursor.execute('COMMENT ON SCHEMA "%s" IS %%s' % schema, [marker])
    finally:
        connections.close_all()
    return schema


# clone_schema's catalog queries get bad plans when the statistics of the system catalogs lag
# behind their growth (measured: 1.1 s per clone became 8-10 s after 20 new schemas); ANALYZE
# them (0.4 s) before cloning and every CHUNK clones.
CATALOGS = [
    "pg_class",
    "pg_attribute",
    "pg_attrdef",
    "pg_constraint",
    "pg_depend",
    "pg_description",
    "pg_index",
    "pg_namespace",
    "pg_sequence",
    "pg_type",
]
CHUNK = 10


def _analyze_catalogs():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join("pg_catalog." + name for name in CATALOGS))


def _clone_all(template, schemas, marker, workers):
    """Clone the template into each schema, `workers` at a time (the copy runs in the server)."""
    from concurrent.futures import ThreadPoolExecutor

    done = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for start in range(0, len(schemas), CHUNK):
            _analyze_catalogs()
            for schema in pool.map(lambda s: _clone_one(template, s, marker), schemas[start : start + CHUNK]):
                done += 1
                print("created tenant %r (%d/%d) by cloning %s" % (schema, done, len(schemas), template))
                sys.stdout.flush()


def _dump(template, pg_dump):
    """The template schema as SQL (definitions and rows, no owners or grants), read with the
    project's own connection settings."""
    import subprocess

    db = connection.settings_dict
    argv = [pg_dump, "--dbname", db["NAME"], "--schema", template]
    argv += ["--no-owner", "--no-privileges", "--no-comments", "--inserts"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            argv += [option, str(db[key])]
    env = dict(os.environ, PGPASSWORD=str(db.get("PASSWORD") or ""))  # never in argv
    done = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        sys.exit("pg_dump of the template schema %s failed: %s" % (template, done.stderr.strip()))
    # psql meta-commands (`\restrict`, written by pg_dump since 15.14): this is run as SQL
    return "\n".join(line for line in done.stdout.splitlines() if not line.startswith("\\"))


def _replay_some(dump, template, schemas, marker, report):
    """In a worker thread (its own database session, opened once): for each schema, the dump with
    the template's name replaced by the schema's (a whole identifier only), in one transaction."""
    from django.db import connections

    try:
        for schema in schemas:
            text = re.sub(r"(?<![\w$])%s(?![\w$])" % re.escape(template), schema, dump)
            with transaction.atomic(), connections["default"].cursor() as cursor:
                cursor.execute(text)
                cursor.execute('COMMENT ON SCHEMA "%s" IS %%s' % schema, [marker])
            report(schema)
    finally:
        connections.close_all()


def _replay_all(dump, template, schemas, marker, workers):
    """Every schema from the dump, `workers` sessions at a time (the work is in the server)."""
    import threading

    lock, done = threading.Lock(), []

    def report(schema):
        with lock:
            done.append(schema)
            print("created tenant %r (%d/%d) by cloning %s" % (schema, len(done), len(schemas), template))
            sys.stdout.flush()

    count = max(1, min(workers, len(schemas)))
    threads = [
        threading.Thread(target=_replay_some, args=(dump, template, schemas[n::count], marker, report))
        for n in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(done) != len(schemas):
        sys.exit("cloning stopped after %d of %d schemas (see the errors above)" % (len(done), len(schemas)))


def ensure_dev_tenants(plan):
    """Create the missing development tenants: clone a migrated template schema when that is
    provably equivalent to migrating (no tenant migration runs code), else migrate them with
    django-tenants' multiprocessing executor. Never deletes anything."""
    from django.core.management import call_command
    from django.test.utils import override_settings
    from django_tenants.clone import CloneSchema

    Tenant, Domain = get_tenant_model(), get_tenant_domain_model()
    specs = plan["tenants"]
    existing = set(
        Tenant.objects.filter(schema_name__in=[s["schema"] for s in specs]).values_list(
            "schema_name", flat=True
        )
    )
    missing = [s for s in specs if s["schema"] not in existing]
    for spec in specs:
        if not SCHEMA.match(spec["schema"]):
            sys.exit("invalid schema name %r" % spec["schema"])
    if not missing and all(schema_exists(s["schema"]) for s in specs):
        print("dev tenants: kept %d" % len(specs))
        return
    code = _code_migrations()
    template = plan["template"]
    total = len(missing)
    if not code:
        if not schema_exists(template):
            with connection.cursor() as cursor:
                cursor.execute('CREATE SCHEMA "%s"' % template)
        if not plan.get("template_current"):  # devkit found a migration the template lacks
            call_command("migrate_schemas", schema_name=template, interactive=False, verbosity=0)
            connection.set_schema_to_public()
            _mark(template, plan["marker"] + " (template)")
        with transaction.atomic():  # the rows and domains: one commit
            for spec in missing:
                tenant = _new_tenant(Tenant, spec)
                Domain.objects.create(domain=spec["domain"], tenant=tenant, is_primary=True)
        todo = [s["schema"] for s in specs if not schema_exists(s["schema"])]
        how = "cloned from %s (no tenant migration runs code)" % template
        if plan.get("pg_dump"):  # one pg_dump of the template, replayed: much faster than clone_schema
            _replay_all(
                _dump(template, plan["pg_dump"]), template, todo, plan["marker"], plan.get("workers", 1)
            )
            how += ", by replaying a pg_dump of it"
        else:
            CloneSchema()._create_clone_schema_function()  # once, not once per tenant
            _clone_all(template, todo, plan["marker"], plan.get("workers", 1))
    else:
        for number, spec in enumerate(missing, 1):
            tenant = _new_tenant(Tenant, spec)
            Domain.objects.create(domain=spec["domain"], tenant=tenant, is_primary=True)
            print("created tenant row %r (%d/%d)" % (spec["schema"], number, total))
        for spec in specs:
            if not schema_exists(spec["schema"]):
                with connection.cursor() as cursor:
                    cursor.execute('CREATE SCHEMA "%s"' % spec["schema"])
                _mark(spec["schema"], plan["marker"])
        workers = plan.get("workers", 1)
        with override_settings(TENANT_MULTIPROCESSING_MAX_PROCESSES=workers):
            call_command(
                "migrate_schemas", tenant=True, executor="multiprocessing", interactive=False, verbosity=0
            )
        how = "migrated with the multiprocessing executor, %d workers (%s runs code)" % (workers, code[0])
    connection.set_schema_to_public()
    print("dev tenants: created %d, kept %d, %s" % (total, len(specs) - total, how))


def remove_tenants(plan):
    """Delete tenants devkit created (their schema carries its marker), with domains and schema."""
    Tenant = get_tenant_model()
    for schema in plan["schemas"]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(obj_description(oid, 'pg_namespace'), '') "
                "FROM pg_namespace WHERE nspname = %s",
                [schema],
            )
            row = cursor.fetchone()
        if row is None or not row[0].startswith("devkit dev tenant"):
            sys.exit("tenant %r was not created by devkit: not deleted" % schema)
        tenant = Tenant.objects.get(schema_name=schema)
        connection.set_schema_to_public()
        tenant.delete(force_drop=True)
        print("deleted tenant %r, its domains and its schema" % schema)


def run_plan(plan):
    """Everything the plan asks for (probe/sequence.py calls this for builtin actions)."""
    if plan.get("remove"):
        remove_tenants(plan["remove"])
        return
    for spec in plan.get("tenants", []):
        ensure_tenant(spec)
    if plan.get("dev_tenants"):
        ensure_dev_tenants(plan["dev_tenants"])
    if plan.get("superuser"):
        ensure_superuser(plan["superuser"])


if __name__ == "__main__":
    run_plan(json.loads(os.environ["DEVKIT_TENANTS"]))
