# Run inside the project's Django (manage.py shell -c): the actions of the tenant sequence, in
# order, in this one process, as $DEVKIT_SEQUENCE says. A project command runs through
# call_command (what `manage.py <argv>` runs, minus booting Django again and minus the system
# checks the pre-flight probe already ran); devkit's builtin creation through probe/tenants.py.
# stdout and stderr are one stream; marker lines frame each action, and the caller splits the
# per-action logs by them. Stops at the first action that fails: its exit code is the process's.
# Standard library + Django only.
import json
import os
import runpy
import sys
import time
import traceback

MARK = "@@devkit-action@@"


def fresh_state():
    """Between actions, what a new process would start with: the public schema, no open
    connection, no cached content types (a command may have switched schemas)."""
    from django.apps import apps
    from django.db import connection, connections

    set_public = getattr(connection, "set_schema_to_public", None)
    if set_public is not None:
        set_public()
    connections.close_all()
    if apps.is_installed("django.contrib.contenttypes"):
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()


def run_one(action, builtin):
    """The action's exit code, as `manage.py` (or `python probe/tenants.py`) would have exited."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        if action.get("argv"):
            call_command(*action["argv"])
        else:
            builtin["run_plan"](action["plan"])
    except CommandError as exc:  # manage.py prints these without a traceback
        sys.stderr.write("CommandError: %s\n" % exc)
        return getattr(exc, "returncode", 1)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        # devkit's own creation explains itself (the cause and the change): marked, so the
        # step shows this sentence instead of the output's tail.
        sys.stderr.write("%s%s\n" % ("" if action.get("argv") else "devkit: ", exc.code))
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    return 0


def main():
    os.dup2(1, 2)  # one stream, in order: the markers split it per action
    actions = json.loads(os.environ["DEVKIT_SEQUENCE"])
    builtin = runpy.run_path(os.environ["DEVKIT_TENANTS_SCRIPT"], run_name="devkit_tenants")
    leave = runpy.run_path(os.path.join(os.path.dirname(__file__), "leave.py"))["leave"]
    for action in actions:
        print("%s begin %d" % (MARK, action["number"]), flush=True)
        started = time.monotonic()
        code = run_one(action, builtin)
        sys.stdout.flush()
        sys.stderr.flush()
        print("%s end %d %d %.2f" % (MARK, action["number"], code, time.monotonic() - started), flush=True)
        if code:
            leave(code)
        fresh_state()
    leave(0)


main()
