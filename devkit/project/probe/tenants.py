# Run inside the project's Django (manage.py shell -c). Idempotently creates tenants (through
# TENANT_MODEL / TENANT_DOMAIN_MODEL) and the development superuser, as $DEVKIT_TENANTS says.
# Standard library + Django + django_tenants only.
import contextlib
import json
import os
import re
import runpy
import sys
import time

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
MARKED = "devkit dev tenant"  # how every schema comment devkit writes starts (devkit_marker())


def _fill(tenant, spec, fields=None):
    """The name (when the model has one) and the field values devkit chose for this tenant
    (spec["fields"]: configured in [tenants.fields] or derived from the model), on a tenant devkit
    creates."""
    names = {f.name for f in type(tenant)._meta.concrete_fields}
    names |= {f.attname for f in type(tenant)._meta.concrete_fields}
    if "name" in names:
        tenant.name = spec["name"]
    for key, value in (spec.get("fields") or fields or {}).items():
        if key not in names:
            sys.exit(
                "tenants.fields.%s: the tenant model %s has no field %r (its fields: %s)"
                % (key, type(tenant).__name__, key, ", ".join(sorted(names)))
            )
        setattr(tenant, key, value)


def _domain_model():
    """TENANT_DOMAIN_MODEL, or None: a project that selects its tenants without domain rows (from
    a token or a header) may set none; devkit's tenants then get no domain."""
    from django.conf import settings

    return get_tenant_domain_model() if getattr(settings, "TENANT_DOMAIN_MODEL", None) else None


def _add_domain(Domain, tenant, spec):
    """The primary domain of a tenant devkit creates (none without a domain model)."""
    if Domain is not None:
        Domain.objects.create(domain=spec["domain"], tenant=tenant, is_primary=True)


def ensure_tenant(spec, fields=None):
    Tenant, Domain = get_tenant_model(), _domain_model()
    schema = spec["schema"]
    if not SCHEMA.match(schema):
        sys.exit("invalid schema name %r: lowercase letters, digits, _; at most 63; not pg_" % schema)
    tenant = Tenant.objects.filter(schema_name=schema).first()
    created = tenant is None
    if created:
        tenant = Tenant(schema_name=schema)
        _fill(tenant, spec, fields)
        tenant.save()  # auto_create_schema creates and migrates the schema
    elif spec.get("owned_tenant"):
        _follow_name(tenant, spec)
    if not schema_exists(schema):  # auto_create_schema = False (the project makes schemas later), or dropped
        tenant.create_schema(check_if_exists=True, verbosity=0)
        print("%s schema %r" % ("created the" if created else "re-created the missing", schema))
    if Domain is None:
        if created:
            print("note: the project sets no TENANT_DOMAIN_MODEL: tenant %r has no domain row" % schema)
    else:
        with transaction.atomic():
            _ensure_domain(Domain, tenant, spec)
    print("%s tenant %r" % ("created" if created else "kept", schema))


def _follow_name(tenant, spec):
    """A tenant devkit created follows a changed configured name (rows it did not create never do)."""
    names = {f.name for f in type(tenant)._meta.concrete_fields}
    if "name" not in names or spec.get("name") is None or tenant.name == spec["name"]:
        return
    before, tenant.name = tenant.name, spec["name"]
    tenant.save(update_fields=["name"])
    print("renamed tenant %r from %r to %r (devkit created it; the configuration changed)"
          % (tenant.schema_name, before, spec["name"]))  # fmt: skip


def _ensure_domain(Domain, tenant, spec):
    """The tenant's configured domain: kept, or devkit's own domain of an earlier configuration
    renamed to it, or created. A domain another tenant holds is named with the key to change."""
    wanted, previous = spec["domain"], spec.get("previous_domain")
    found = Domain.objects.filter(domain=wanted).first()
    if found is not None and found.tenant_id == tenant.pk:
        print("kept domain %r" % wanted)
        return
    if found is not None:
        sys.exit(
            "the domain %r belongs to tenant %r (devkit did not give it), so it cannot be tenant %r's: "
            "set %s to another host name in the devkit configuration (e.g. %r)"
            % (wanted, found.tenant.schema_name, tenant.schema_name, spec.get("key", "its domain"),
               "%s.%s" % (tenant.schema_name.replace("_", "-"), wanted))
        )  # fmt: skip
    mine = Domain.objects.filter(domain=previous, tenant=tenant).first() if previous else None
    if mine is not None:
        mine.domain = wanted
        mine.save(update_fields=["domain"])
        print("renamed domain %r to %r (devkit gave it; the configuration changed)" % (previous, wanted))
        return
    primary = not Domain.objects.filter(tenant=tenant, is_primary=True).exists()
    Domain.objects.create(domain=wanted, tenant=tenant, is_primary=primary)
    print("created domain %r" % wanted)


def _receiver_conflict(exc, spec):
    """An IntegrityError raised while saving devkit's row, in a project receiver (post_save ...):
    the receiver's file:line and what it tried to write, with the change to make."""
    import traceback

    here = os.getcwd() + os.sep
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename.startswith(here) and "site-packages" not in f.filename
    ]
    value = re.search(r"\((\w+)\)=\(([^)]*)\)", str(exc))
    where = "%s:%d" % (os.path.relpath(frames[-1].filename), frames[-1].lineno) if frames else ""
    what = "%s %r" % (value.group(1), value.group(2)) if value else "a row"
    key = (spec.get("devkit_domains") or {}).get(value.group(2)) if value else None
    change = (
        "set %s to another host name in the devkit configuration (the project's receiver creates %r "
        "itself)" % (key, value.group(2))
        if key
        else 'change the receiver, or set tenants.superuser = "" and create the user with the '
        "project's own command"
    )
    return "saving devkit's row ran the project's code%s, which wrote %s that already exists: %s" % (
        " (%s)" % where if where else "",
        what,
        change,
    )


def _holding(schemas, table):
    """Which of `schemas` exist and hold `table` (one query: a plan may name hundreds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = %s AND n.nspname = ANY(%s)",
            [table, list(schemas)],
        )
        return {row[0] for row in cursor.fetchall()}


def _superuser_in(schema, spec):
    """Get or create: another process (a project's create_super_tenant) may create the same user
    at the same time; its unique violation means the user exists, so re-read it."""
    User = get_user_model()
    lookup = {User.USERNAME_FIELD: spec["username"]}
    values = dict(spec.get("values") or lookup)
    with schema_context(schema):
        user = User.objects.filter(**lookup).first()
        previous = spec.get("previous_username")
        if user is None and previous and previous != spec["username"]:
            # The superuser devkit created under an earlier tenants.superuser: renamed, not doubled.
            old = User.objects.filter(**{User.USERNAME_FIELD: previous}).first()
            if old is not None:
                setattr(old, User.USERNAME_FIELD, spec["username"])
                old.save(update_fields=[User.USERNAME_FIELD])
                return "renamed", previous
        if user is not None:
            # A newly generated stored password (secrets.json was lost) replaces the unknown one,
            # so the stored password always authenticates; otherwise the user is kept as it is.
            password = os.environ["DEVKIT_SUPERUSER_PASSWORD"]
            if spec.get("new_password") and not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
                _check_password(User, lookup, password)
                return "set a new password for", ""
            return "kept", ""
        try:
            with transaction.atomic():
                # Each field once, as createsuperuser passes them (devkit chose the values from the
                # model: the login field, REQUIRED_FIELDS, the email when the manager takes it).
                User.objects.create_superuser(password=os.environ["DEVKIT_SUPERUSER_PASSWORD"], **values)
                _check_password(User, lookup, os.environ["DEVKIT_SUPERUSER_PASSWORD"])
        except IntegrityError as exc:
            if not User.objects.filter(**lookup).exists():
                sys.exit(_receiver_conflict(exc, spec))
            return "kept", " (created concurrently by another process)"
    return "created", ""


def _check_password(User, lookup, password):
    """The row as saved authenticates with the stored password (a manager may ignore it)."""
    user = User.objects.filter(**lookup).first()
    if user is None or not user.check_password(password) or not user.is_superuser:
        sys.exit(
            "the superuser %r was saved, but it does not authenticate with devkit's password as a "
            "superuser: the user model's create_superuser() did not set them" % next(iter(lookup.values()))
        )


def ensure_superuser(spec):
    """In every schema of the plan that holds the user table (users are per tenant when
    django.contrib.auth is a tenant app); public always when it holds it."""
    table = get_user_model()._meta.db_table
    public = get_public_schema_name()
    schemas = [public] + [s for s in spec.get("schemas", []) if s != public]
    holding = _holding(schemas, table)
    done = 0
    for schema in schemas:
        if schema not in holding:
            continue
        did, note = _superuser_in(schema, spec)
        if did == "renamed":
            print("renamed superuser %r to %r in schema %r (devkit created it; the configuration changed)"
                  % (note, spec["username"], schema))  # fmt: skip
        else:
            print("%s superuser %r in schema %r%s" % (did, spec["username"], schema, note))
        done += 1
    if not done:
        sys.exit("no schema holds the user table %r: have the migrations run?" % table)


def _code_migrations(loader):
    """Tenant-app migrations that run code (RunPython/RunSQL): their effect may depend on the
    tenant, so a clone of the template is not provably what migrating would give."""
    from django.conf import settings
    from django.db.migrations.operations.special import RunPython, RunSQL

    tenant_apps = set(a.rsplit(".", 1)[-1] for a in getattr(settings, "TENANT_APPS", []))
    shared = set(a.rsplit(".", 1)[-1] for a in getattr(settings, "SHARED_APPS", []))
    found = []
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in tenant_apps or app in shared:
            continue  # shared apps' migrations run once in public; their data is not per tenant
        if any(isinstance(op, (RunPython, RunSQL)) for op in migration.operations):
            found.append("%s.%s" % (app, name))
    return found


def _absent(schemas):
    """Those of `schemas` that do not exist, in order (one query)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [list(schemas)])
        present = {row[0] for row in cursor.fetchall()}
    return [s for s in schemas if s not in present]


def _dump_key(plan, loader):
    """What the template's dump depends on: devkit's key of the project's inputs (its sources,
    env, installed packages: settings may shape a migration), and, read here at run time, every
    migration file's content (an editable package outside the project too), the app lists, the
    Django and django-tenants versions, the server's version and the pg_dump command."""
    import hashlib

    import django
    import django_tenants
    from django.conf import settings

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server = cursor.fetchone()[0]
    digest = hashlib.sha256()
    head = [plan.get("inputs_key", ""), plan["template"], list(plan["pg_dump"]), server]
    head += [django.get_version()]
    head += [getattr(django_tenants, "__version__", ""), list(getattr(settings, "SHARED_APPS", []))]
    head += [list(getattr(settings, "TENANT_APPS", []))]
    digest.update(json.dumps(head).encode())
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        path = getattr(sys.modules.get(type(migration).__module__), "__file__", None) or ""
        digest.update(("\0%s.%s\0" % (app, name)).encode())
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()


KEY_LINE = "-- devkit template dump v2 "  # v2: made from a template verified to hold only migrations' rows


def _kept_dump(plan, key):
    """The dump an earlier run kept for these very migrations, or None."""
    try:
        with open(plan["dump_cache"], encoding="utf-8") as handle:
            first, _, rest = handle.read().partition("\n")
    except (KeyError, OSError, ValueError):  # none, unreadable, not text: made anew
        return None
    return rest if first == KEY_LINE + key else None


def _keep_dump(plan, key, dump):
    """Kept for the next creation (a restored snapshot, a rebuilt database): written whole or
    not at all, readable by its owner only."""
    if not plan.get("dump_cache"):
        return
    path = plan["dump_cache"]
    temporary = "%s.%d.tmp" % (path, os.getpid())
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(KEY_LINE + key + "\n" + dump)
        os.replace(temporary, path)
    except OSError as exc:  # a speed-up only: the creation goes on without it
        print("note: the template's dump was not kept (%s)" % exc)
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _mark(schema, marker):
    with connection.cursor() as cursor:
        cursor.execute('COMMENT ON SCHEMA "%s" IS %%s' % schema, [marker])


def _new_tenant(Tenant, spec, fields):
    tenant = Tenant(schema_name=spec["schema"])
    _fill(tenant, spec, fields)
    tenant.auto_create_schema = False  # devkit creates the schema: migrated below
    tenant.save()
    return tenant


def _save_row(Tenant, Domain, spec, fields):
    """The row and domain of a tenant whose schema devkit has made whole, saved as any new tenant
    is: django-tenants' save() finds the schema (create_schema makes nothing) and sends
    post_schema_sync, so the project's receivers (seed data, say) run as on a standard creation.
    One transaction: a receiver's failure leaves no row, and save()'s drop of the schema on that
    failure is rolled back with it (the schema stays; the next run saves the row again)."""
    with transaction.atomic():
        tenant = Tenant(schema_name=spec["schema"])
        _fill(tenant, spec, fields)
        tenant.save()
        _add_domain(Domain, tenant, spec)


def _clone_one(template, schema, marker):
    """In a worker thread: its own database session (Django's connections are per thread)."""
    from django.db import connections

    try:  # the copy and devkit's comment together: a schema without a row is adopted by its comment
        with transaction.atomic(), connections["default"].cursor() as cursor:
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


def _clone_all(template, schemas, marker, workers, on_schema):
    """Clone the template into each schema, `workers` at a time (the copy runs in the server);
    on_schema(schema) in this thread once each is whole."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for start in range(0, len(schemas), CHUNK):
            _analyze_catalogs()
            for schema in pool.map(lambda s: _clone_one(template, s, marker), schemas[start : start + CHUNK]):
                on_schema(schema)


def _start_dump(template, pg_dump):
    """pg_dump of the template schema (definitions and rows, no owners or grants), started with
    the project's own connection settings; _finish_dump reads it. `pg_dump`: its path and the
    options for its version."""
    import subprocess

    db = connection.settings_dict
    argv = [*pg_dump, "--dbname", db["NAME"], "--schema", template]
    argv += ["--no-owner", "--no-privileges", "--no-comments"]  # rows as INSERTs: in pg_dump
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            argv += [option, str(db[key])]
    env = dict(os.environ, PGPASSWORD=str(db.get("PASSWORD") or ""))  # never in argv
    return subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )


def _finish_dump(dumping, template):
    out, err = dumping.communicate()
    if dumping.returncode != 0:
        sys.exit("pg_dump of the template schema %s failed: %s" % (template, err.strip()))
    # psql meta-commands (`\restrict`, written by pg_dump since 15.14): this is run as SQL
    return "\n".join(line for line in out.splitlines() if not line.startswith("\\"))


SETTING = re.compile(r"^SET (\w+) =|set_config\('(\w+)'", re.MULTILINE)


def _replay_one(dump, template, schema, marker, keep_settings=False):
    """The dump with the template's name replaced by the schema's (a whole identifier only), on
    this thread's database session, in the caller's transaction. keep_settings: the settings the
    dump sets (search_path '', row_security off, ...) are put back, for a session that goes on
    with the ORM (a worker's session is closed after its replays)."""
    names = sorted({a or b for a, b in SETTING.findall(dump)}) if keep_settings else []
    with connection.cursor() as cursor:
        if names:
            cursor.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
            before = cursor.fetchone()
        cursor.execute(re.sub(r"(?<![\w$])%s(?![\w$])" % re.escape(template), schema, dump))
        cursor.execute('COMMENT ON SCHEMA "%s" IS %%s' % schema, [marker])
        if names:
            pairs = [value for n, name in enumerate(names) for value in (name, before[n])]
            cursor.execute("SELECT " + ", ".join(["set_config(%s, %s, false)"] * len(names)), pairs)


def _replay_some(dump, template, schemas, marker, finished, stop):
    """In a worker thread (its own database session, opened once): for each schema, the dump with
    the template's name replaced by the schema's, in one transaction; each whole schema is put in
    `finished`, then None when this worker ends (failed or not)."""
    from django.db import connections

    try:
        for schema in schemas:
            if stop.is_set():
                return
            with transaction.atomic():
                _replay_one(dump, template, schema, marker)
            finished.put(schema)
    finally:
        connections.close_all()
        finished.put(None)


def _replay_all(dump, template, schemas, marker, workers, on_schema):
    """Every schema from the dump, `workers` sessions at a time (the work is in the server);
    on_schema(schema) runs in this thread as each one is whole, beside the replays of the others.
    The first failure (a replay's or on_schema's) stops the workers after their current schema."""
    import queue
    import threading

    if not schemas:
        return
    finished, stop = queue.Queue(), threading.Event()
    count = max(1, min(workers, len(schemas)))
    threads = [
        threading.Thread(target=_replay_some, args=(dump, template, part, marker, finished, stop))
        for part in (schemas[n::count] for n in range(count))
    ]
    for thread in threads:
        thread.start()
    running, made = count, 0
    try:
        while running:
            schema = finished.get()
            if schema is None:
                running -= 1
                continue
            made += 1
            on_schema(schema)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    if made != len(schemas):
        sys.exit("cloning stopped after %d of %d schemas (see the errors above)" % (made, len(schemas)))


def _rows_digest(schema):
    """A digest of every row in `schema`'s tables (one query; the template holds a few dozen)."""
    import hashlib

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        if not tables:
            return "empty"
        parts = [
            "SELECT %%s, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
            'FROM "%s"."%s" t' % (schema, table.replace('"', '""'))
            for table in tables
        ]
        cursor.execute(" UNION ALL ".join(parts), tables)
        found = sorted(cursor.fetchall())
    return hashlib.sha256(json.dumps(found).encode()).hexdigest()[:32]


def _comment(schema):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace WHERE nspname = %s",
            [schema],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _refuse_tenant_template(Tenant, template):
    """The template is never a tenant: a tenant row on its schema (made before devkit refused the
    name) would have its rows copied into every new tenant."""
    if Tenant.objects.filter(schema_name=template).exists():
        sys.exit(
            "a tenant uses %r, the schema devkit clones development tenants from, so its rows would "
            "reach every new tenant: devkit stopped before cloning, nothing was changed. Move that "
            "tenant's data to another tenant, then remove it (`devkit tenants rm %s` when devkit "
            "made it)" % (template, template)
        )


def _template(plan, template):
    """The template schema, migrated (unless devkit found it current) and marked with a digest of
    its rows. A template whose rows changed since devkit migrated it (someone wrote into it) is
    renamed aside, never dropped, and made anew: it must hold only what migrations write."""
    from django.core.management import call_command

    marker = plan["marker"] + " (template)"
    _refuse_tenant_template(get_tenant_model(), template)
    current = plan.get("template_current")
    comment = _comment(template)
    if comment is not None and comment != "%s rows %s" % (marker, _rows_digest(template)):
        aside = "%s_aside_%s" % (template, time.strftime("%Y%m%d%H%M%S"))
        with connection.cursor() as cursor:
            cursor.execute('ALTER SCHEMA "%s" RENAME TO "%s"' % (template, aside))
        print(
            "note: the template schema %s held rows devkit did not write there (or predates devkit's "
            "check of them): renamed to %s, nothing deleted; a new template was made" % (template, aside)
        )
        current = False
    if not schema_exists(template):
        with connection.cursor() as cursor:
            cursor.execute('CREATE SCHEMA "%s"' % template)
        current = False
    if not current:  # devkit found a migration the template lacks
        call_command("migrate_schemas", schema_name=template, interactive=False, verbosity=0)
        connection.set_schema_to_public()
        _mark(template, "%s rows %s" % (marker, _rows_digest(template)))


def _post_schema_sync(Tenant, schemas):
    """What django-tenants' save() sends once a new tenant's schema is made, for tenants whose
    rows were saved before their schemas (the migrated path), each in one transaction."""
    from django_tenants.models import TenantMixin
    from django_tenants.signals import post_schema_sync

    if not post_schema_sync.has_listeners(TenantMixin):
        return
    for tenant in Tenant.objects.filter(schema_name__in=list(schemas)):
        with transaction.atomic():
            post_schema_sync.send(sender=TenantMixin, tenant=tenant.serializable_fields())


def _refuse_foreign_schemas(schemas):
    """A schema that exists without a tenant row is given its row only when devkit made it (a run
    stopped between the schema and the row). Any other one (a schema a deleted tenant left, one
    made by hand) holds someone's data that devkit cannot vouch for: refuse to attach a tenant."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname, coalesce(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace "
            "WHERE nspname = ANY(%s) ORDER BY nspname",
            [list(schemas)],
        )
        foreign = [name for name, comment in cursor.fetchall() if not comment.startswith(MARKED)]
    if foreign:
        sys.exit(
            "the schema %s exists without a tenant row and was not made by devkit (it has no devkit "
            "comment), so devkit does not attach a development tenant to it: nothing was changed. "
            "Give the development tenant another schema (tenants.dev_schema or [[tenants.dev]]), or "
            "rename or drop that schema yourself if its data is not needed"
            % ", ".join(repr(name) for name in foreign)
        )


def ensure_dev_tenants(plan):
    """Create the missing development tenants: clone a migrated template schema when that is
    provably equivalent to migrating (no tenant migration runs code, one tenant type), else
    migrate them with django-tenants' multiprocessing executor. Never deletes anything."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db.migrations.loader import MigrationLoader
    from django.test.utils import override_settings
    from django_tenants.clone import CloneSchema

    Tenant, Domain = get_tenant_model(), _domain_model()
    specs = plan["tenants"]
    existing = set(
        Tenant.objects.filter(schema_name__in=[s["schema"] for s in specs]).values_list(
            "schema_name", flat=True
        )
    )
    missing = [s for s in specs if s["schema"] not in existing]
    reserved = (plan["template"], get_public_schema_name(), "information_schema")
    for spec in specs:
        if not SCHEMA.match(spec["schema"]):
            sys.exit("invalid schema name %r" % spec["schema"])
        if spec["schema"] in reserved or spec["schema"].startswith("devkit_"):
            sys.exit("%r is a schema name devkit or PostgreSQL uses itself: not a tenant" % spec["schema"])
    if not missing and not _absent([s["schema"] for s in specs]):
        print("dev tenants: kept %d" % len(specs))
        return
    _refuse_foreign_schemas([s["schema"] for s in missing])
    loader = MigrationLoader(None, ignore_no_migrations=True)
    code = _code_migrations(loader)
    # Why the tenants are migrated rather than cloned from the template ("" = cloned).
    why = "%s runs code" % code[0] if code else ""
    if getattr(settings, "HAS_MULTI_TYPE_TENANTS", False):  # a template has no type: no apps
        why = "HAS_MULTI_TYPE_TENANTS: each tenant's type names the apps its schema gets"
    template = plan["template"]
    total = len(missing)
    if not why:
        # Schemas first, each row once its schema is whole (saved as any new tenant: the project's
        # post_schema_sync receivers run). A kill in between leaves a whole schema without a row:
        # the next run saves the row. pg_dump of the template, replayed per tenant, is much
        # faster than clone_schema; the dump an earlier run kept for the same migrations needs no
        # template in this database.
        key = _dump_key(plan, loader) if plan.get("pg_dump") else ""
        dump = _kept_dump(plan, key) if key else None
        kept = dump is not None
        if not kept:
            _template(plan, template)
        todo = _absent([s["schema"] for s in specs])
        rows = {s["schema"]: s for s in missing}
        done = []

        def on_schema(schema):
            if schema in rows:  # else a row whose schema was dropped: the schema is back
                _save_row(Tenant, Domain, rows.pop(schema), plan.get("fields"))
            done.append(schema)
            print("created tenant %r (%d/%d) by cloning %s" % (schema, len(done), len(todo), template))
            sys.stdout.flush()

        for schema in [s for s in rows if s not in todo]:  # its schema is there already
            _save_row(Tenant, Domain, rows.pop(schema), plan.get("fields"))
        how = "cloned from %s (no tenant migration runs code)" % template
        if key:
            if not kept:
                dump = _finish_dump(_start_dump(template, plan["pg_dump"]), template)
                _keep_dump(plan, key, dump)
            first = [s for s in todo if s in rows][:1]
            if first:  # the schema and its row in one transaction: a row refused leaves nothing
                with transaction.atomic():
                    _replay_one(dump, template, first[0], plan["marker"], keep_settings=True)
                    on_schema(first[0])
            rest = [s for s in todo if s not in first]
            sessions = plan.get("sessions", plan.get("workers", 1))
            _replay_all(dump, template, rest, plan["marker"], sessions, on_schema)
            how += ", by replaying a pg_dump of it"
            how += " (kept from an earlier run: the same migrations)" if kept else ""
        else:
            CloneSchema()._create_clone_schema_function()  # once, not once per tenant
            _clone_all(template, todo, plan["marker"], plan.get("workers", 1), on_schema)
    else:
        for number, spec in enumerate(missing, 1):
            tenant = _new_tenant(Tenant, spec, plan.get("fields"))
            _add_domain(Domain, tenant, spec)
            print("created tenant row %r (%d/%d)" % (spec["schema"], number, total))
        for schema in _absent([s["schema"] for s in specs]):
            with transaction.atomic():  # never a schema without devkit's comment
                with connection.cursor() as cursor:
                    cursor.execute('CREATE SCHEMA "%s"' % schema)
                _mark(schema, plan["marker"])
        workers = plan.get("workers", 1)
        with override_settings(TENANT_MULTIPROCESSING_MAX_PROCESSES=workers):
            call_command(
                "migrate_schemas", tenant=True, executor="multiprocessing", interactive=False, verbosity=0
            )
        connection.set_schema_to_public()
        _post_schema_sync(Tenant, [s["schema"] for s in missing])
        how = "migrated with the multiprocessing executor, %d workers (%s)" % (workers, why)
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
        if row is None or not row[0].startswith(MARKED):
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
        ensure_tenant(spec, plan.get("fields"))
    if plan.get("dev_tenants"):
        ensure_dev_tenants(plan["dev_tenants"])
    if plan.get("superuser"):
        ensure_superuser(plan["superuser"])


if __name__ == "__main__":
    run_plan(json.loads(os.environ["DEVKIT_TENANTS"]))
    runpy.run_path(os.path.join(os.path.dirname(__file__), "leave.py"))["leave"](0)
