"""`tenants`: the django-tenants sequence, after one pre-flight Django process, verified with psycopg.

dev profile (devkit up): migrate shared, super tenant, migrate tenants, guest tenant, superuser.
deploy profile (devkit migrate): the same without the guest tenant and the superuser.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
from pathlib import Path
from typing import Any

from devkit.config import edit
from devkit.config.checks import BUILTIN_KEYS
from devkit.config.model import AUTO_COMMANDS
from devkit.context import Context
from devkit.core import activity
from devkit.core.errors import DevkitError, StepFailed
from devkit.pipeline import Done, fingerprint_of
from devkit.project import env_seed
from devkit.project.env_seed import GUESSES
from devkit.project.facts import site_listing
from devkit.tenants import dev_tenants, one_process, verify
from devkit.tenants.actions import Action, describe
from devkit.tenants.fields import fill_note, row_of, superuser_login, superuser_values, tenant_values
from devkit.tenants.preflight import preflight, refuse_failing_checks

# The rows devkit made itself (state): {"super": {"schema", "domain"}, "guest": {...}}.
OWNED = "devkit_rows"
# How the probe says it gave the superuser the stored password (and checked it against the row).
GAVE_PASSWORD = ("created superuser", "set a new password for superuser")


class TenantSequence:
    name = "tenants"
    needs: tuple[str, ...] = ("database", "python-deps", "env")

    def inputs(self, ctx: Context) -> dict[str, str]:
        conn = ctx.connection
        return {
            **ctx.facts_inputs(),
            "the installed packages": site_listing(ctx.venv),
            "the profile": ctx.profile,
            # Development tenants are checked in the database (check()): a new one makes the
            # step run, a removed one is left alone, so they are not inputs of the fingerprint.
            "[tenants]": repr(dataclasses.replace(ctx.config.tenants, dev=(), dev_count=0)),
            "the database": f"{conn.host}:{conn.port}/{conn.name}",
        }

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        problems = self._problems(ctx, ctx.facts())
        return problems[0] if problems else None

    def run(self, ctx: Context) -> Done:
        env_file = ctx.config.path(ctx.config.env_file)
        guesses = ctx.state.get(GUESSES) or []
        try:
            return self._run(ctx)
        except DevkitError as exc:
            said, corrected = _correct(ctx, exc, env_file, guesses)
            if said is None:
                env_seed.name_guesses(exc, env_file, guesses)  # a guessed value may be the cause
                raise
        # A value devkit chose itself (an env guess, a default domain) was refused by the project,
        # which said what it takes: devkit changed its choice (said in a note) and runs once more.
        ctx.notes.append(said)
        ctx.inputs_changed()
        try:
            done = self._run(ctx)
        except DevkitError as exc:
            env_seed.name_guesses(exc, env_file, guesses)
            raise
        if corrected:
            ctx.state.put(GUESSES, [g for g in guesses if g != corrected])  # no longer a guess
        return done

    def _run(self, ctx: Context) -> Done:
        tenants = ctx.config.tenants
        ctx.progress("pre-flight: reading the project's settings and commands")
        facts = ctx.facts()
        if self._only_dev_tenants_missing(ctx, facts):
            # Inputs unchanged and public/guest verified: make the new development tenants
            # (and their superusers) without running the whole sequence again.
            preflight(ctx.config.source, ctx.connection, facts)
            plan = [Action("dev_tenants")] + ([Action("superuser")] if tenants.superuser else [])
            outcomes = self._run_plan(ctx, plan)
            return Done("; ".join(self.describe(a, o) for a, o in zip(plan, outcomes, strict=True)))
        plan = self.plan(ctx, facts)
        expected = {tenants.super.schema: "super", tenants.guest.schema: "guest"}
        # A tenant row whose schema was dropped: re-create the schema first (never deletes).
        lost = verify.rows_without_schema(ctx.connection, facts, self._expected(ctx))
        repairs = [Action(f"repair_{expected[s]}", (), expected[s]) for s in lost if s in expected]
        if any(s not in expected for s in lost):  # development tenants: cloned again, before
            repairs.append(Action("dev_tenants"))  # migrate_schemas --tenant trips over them
        plan = plan[:1] + repairs + plan[1:]
        outcomes = self._run_plan(ctx, plan)
        return Done("; ".join(self.describe(a, o) for a, o in zip(plan, outcomes, strict=True)))

    def _run_plan(self, ctx: Context, plan: list[Action]) -> list[str]:
        """Strictly in the documented order, the superuser last: a project's create_super_tenant
        may create the same user itself (the builtin creation also tolerates that)."""
        outcomes: list[str] = []
        together: list[tuple[int, Action]] = []  # consecutive actions for one Django process
        for number, action in enumerate(plan, 1):
            if ctx.config.tenants.one_process:
                together.append((number, action))
                continue
            outcomes += self._run_together(ctx, together, len(plan))
            together = []
            ctx.progress(f"{self.describe(action)} ({number}/{len(plan)})", step=self.name)
            outcomes.append(self.run_action(ctx, number, action))
        return outcomes + self._run_together(ctx, together, len(plan))

    def _run_together(self, ctx: Context, numbered: list[tuple[int, Action]], total: int) -> list[str]:
        """Consecutive actions in one Django process; their outcomes as run_action's."""
        plans: dict[int, dict[str, Any]] = {}
        env: dict[str, str] = {}
        for number, action in numbered:
            if not action.argv:
                plans[number], extra = self.builtin_plan(ctx, action)
                env.update(extra)
        return one_process.run(
            ctx.django(),
            numbered,
            plans,
            env,
            ctx.progress_callback(),
            total,
            finish=lambda n, output: self.builtin_done(ctx, plans[n], output) if n in plans else "",
        )

    def verify(self, ctx: Context) -> None:
        problems = self._problems(ctx, ctx.facts())
        if problems:
            raise StepFailed(
                "the tenant sequence finished but the outcome is wrong: " + "; ".join(problems),
                hint="read .devkit/logs/latest/tenants-*.log; `devkit doctor` explains each problem",
            )

    # -- pre-flight ------------------------------------------------------------------------
    def plan(self, ctx: Context, facts: dict[str, Any]) -> list[Action]:
        """Check settings and every command/flag in the one probe's results; return the actions."""
        preflight(ctx.config.source, ctx.connection, facts)
        verdicts = {tuple(e["argv"]): e for e in facts["preflight"]}
        actions: list[Action] = []
        for key, line in ctx.config.tenants.sequence_lines(ctx.profile):
            tenant = {"create_super": "super", "create_guest": "guest"}.get(key, "")
            if line == "builtin":
                actions.append(Action(key, (), tenant))
                continue
            argv = tuple(shlex.split(AUTO_COMMANDS[key] if line == "auto" else line))
            verdict = verdicts[argv]
            if line == "auto" and not verdict["ok"]:
                actions.append(Action(key, (), tenant))  # the project has no usable command
            elif not verdict["ok"]:
                builtin = ' (or to "builtin")' if f"tenants.{key}" in BUILTIN_KEYS else ""
                raise StepFailed(
                    f"tenants.{key} = {line!r} cannot run: {verdict['error']}",
                    hint=f"change tenants.{key} in {ctx.config.source}{builtin}; "
                    "`manage.py help` lists the commands",
                )
            else:
                actions.append(Action(key, argv, tenant))
        if ctx.profile == "dev" and ctx.config.tenants.dev_tenants():
            actions.append(Action("dev_tenants"))
        if ctx.profile == "dev" and ctx.config.tenants.superuser:
            actions.append(Action("superuser"))
        refuse_failing_checks(facts, actions, verdicts, ctx.config.python.requirements)
        self._refuse_unfillable(ctx, facts, actions)
        return actions

    def _refuse_unfillable(self, ctx: Context, facts: dict[str, Any], actions: list[Action]) -> None:
        """Derive every field value devkit's own creation needs now: a field it cannot fill stops
        the run before anything runs (one message for all of them), and the note says how the
        others were filled."""
        tenants = ctx.config.tenants
        builtin = [a for a in actions if not a.argv]
        rows = [row_of(ctx.config.tenants, getattr(tenants, a.tenant)) for a in builtin if a.tenant]
        if any(a.key == "dev_tenants" for a in builtin):
            rows += [row_of(ctx.config.tenants, spec) for spec in tenants.dev_tenants()]
        model = facts.get("tenant_model") or {}
        for row in rows:
            tenant_values(model, tenants.fields, row)
        if any(a.key == "superuser" for a in builtin):
            user = facts.get("user_model") or {}
            superuser_values(user, tenants.superuser, tenants.superuser_email, tenants.superuser_fields)
        note = fill_note(model, tenants.fields, rows)
        if note and note not in ctx.notes:
            ctx.notes.append(note)

    # -- running ---------------------------------------------------------------------------
    def run_action(self, ctx: Context, number: int, action: Action) -> str:
        """Run one action of the plan (doctor --fix runs single ones); output to its log.
        Returns what a builtin action did ("created", "kept"), "" for a project command."""
        log = ctx.logs / f"tenants-{number:02d}-{action.key}.log"
        django, on_line = ctx.django(), activity.reporter(self.describe(action), ctx.progress_callback())
        if action.argv:
            hint = f"the command configured as tenants.{action.key} failed: see its log"
            django.manage(action.argv, log=log, hint=hint, on_line=on_line)
            return ""
        plan, env = self.builtin_plan(ctx, action)
        done = django.run(
            "tenants.py",
            {**env, "DEVKIT_TENANTS": json.dumps(plan)},
            log=log,
            hint=f"devkit's own creation for tenants.{action.key} failed: see its log",
            on_line=on_line,
        )
        return self.builtin_done(ctx, plan, done.stdout)

    def builtin_plan(self, ctx: Context, action: Action) -> tuple[dict[str, Any], dict[str, str]]:
        """What probe/tenants.py is to do for a builtin action, and the variables it needs."""
        plan: dict[str, Any] = {"tenants": [], "superuser": None}
        env: dict[str, str] = {}
        facts = ctx.facts()
        if action.key == "dev_tenants":
            plan["dev_tenants"] = dev_tenants.plan_for(ctx, ctx.config.tenants.dev_tenants())
        elif action.key == "superuser":
            password, created = ctx.secrets.get_or_create("superuser.password")
            if created:  # until the probe set it, even across a kill: "superuser_password_unset"
                ctx.state.put("superuser_password_unset", True)
            tenants = ctx.config.tenants
            user = facts.get("user_model") or {}
            plan["superuser"] = {
                "username": superuser_login(
                    user, tenants.superuser, tenants.superuser_email, tenants.superuser_fields
                )[1],
                "values": superuser_values(
                    user, tenants.superuser, tenants.superuser_email, tenants.superuser_fields
                ),
                "schemas": self._expected(ctx),
                "new_password": bool(ctx.state.get("superuser_password_unset")),
                # the login of the superuser devkit created under an earlier configuration: renamed
                "previous_username": (ctx.state.get(OWNED) or {}).get("superuser"),
                # a project receiver that writes one of these is named with the key to change
                "devkit_domains": {
                    tenants.super.domain: "tenants.super.domain",
                    tenants.guest.domain: "tenants.guest.domain",
                },
            }
            env["DEVKIT_SUPERUSER_PASSWORD"] = password
        else:
            spec = getattr(ctx.config.tenants, action.tenant)
            values, _how = tenant_values(
                facts.get("tenant_model") or {}, ctx.config.tenants.fields, row_of(ctx.config.tenants, spec)
            )
            owned = (ctx.state.get(OWNED) or {}).get(action.tenant, {})
            plan["tenants"].append(
                {
                    "schema": spec.schema,
                    "name": spec.name,
                    "domain": spec.domain,
                    "fields": values,
                    "key": f"tenants.{action.tenant}.domain",
                    # devkit's own domain for this tenant, from an earlier configuration: renamed
                    "previous_domain": owned.get("domain") if owned.get("schema") == spec.schema else None,
                    # a tenant row devkit created follows a changed name
                    "owned_tenant": bool(owned.get("tenant")) and owned.get("schema") == spec.schema,
                }
            )
        return plan, env

    def builtin_done(self, ctx: Context, plan: dict[str, Any], output: str) -> str:
        """After a builtin action succeeded: record it; "created", "kept" or "" from its output."""
        superuser = plan["superuser"]
        if superuser and any(line.startswith(GAVE_PASSWORD) for line in output.splitlines()):
            # The row exists and the probe checked this password against it: show it, once.
            password = ctx.secrets.get("superuser.password")
            ctx.secret_notes.append(
                f"the development superuser {superuser['username']!r} has the new password {password} "
                "(shown once; kept in .devkit/secrets.json)"
            )
        if superuser and superuser["new_password"]:
            ctx.state.put("superuser_password_unset", False)
        if superuser:
            self._record_superuser(ctx, superuser["username"], output)
        ctx.notes.extend(dev_tenants.notes(output))
        if plan.get("dev_tenants"):
            return dev_tenants.summary(output)
        self._record_owned(ctx, plan, output)
        said = [
            line.split(" ", 1)[0] for line in output.splitlines() if line.startswith(("created ", "kept "))
        ]
        return "created" if "created" in said else "kept" if said else ""

    def _record_owned(self, ctx: Context, plan: dict[str, Any], output: str) -> None:
        """Remember the domain devkit gave a tenant (created or renamed: devkit's own), so that a
        changed configuration renames it instead of adding a second one; say what changed."""
        for spec in plan["tenants"]:
            role = spec["key"].split(".")[1]
            owned = dict(ctx.state.get(OWNED) or {})
            entry = dict(owned.get(role) or {})
            if entry.get("schema") != spec["schema"]:
                entry = {"schema": spec["schema"]}
            for line in output.splitlines():
                gave = line.startswith((f"created domain {spec['domain']!r}", "renamed domain "))
                if gave and spec["domain"] in line:
                    entry["domain"] = spec["domain"]
                if line == f"created tenant {spec['schema']!r}":
                    entry["tenant"] = True
                if line.startswith("renamed domain "):
                    ctx.notes.append(f"{spec['key']} changed: {line.split(' (')[0]}")
                if line.startswith(f"renamed tenant {spec['schema']!r}"):
                    ctx.notes.append(f"tenants.{role}.name changed: {line.split(' (')[0]}")
            if entry != (owned.get(role) or {}) and len(entry) > 1:
                owned[role] = entry
                ctx.state.put(OWNED, owned)

    def _record_superuser(self, ctx: Context, login: str, output: str) -> None:
        """Remember the superuser devkit created (or renamed), so a changed tenants.superuser
        renames it; say what changed."""
        lines = output.splitlines()
        if any(line.startswith((f"created superuser {login!r}", "renamed superuser ")) for line in lines):
            owned = dict(ctx.state.get(OWNED) or {})
            if owned.get("superuser") != login:
                ctx.state.put(OWNED, {**owned, "superuser": login})
        renamed = next((line for line in lines if line.startswith("renamed superuser ")), None)
        if renamed:
            ctx.notes.append(f"tenants.superuser changed: {renamed.split(' (')[0]}")

    def describe(self, action: Action, outcome: str = "") -> str:
        return describe(action, outcome)

    def _expected(self, ctx: Context) -> list[str]:
        tenants = ctx.config.tenants
        if ctx.profile != "dev":
            return [tenants.super.schema]
        return [tenants.super.schema, tenants.guest.schema, *(t.schema for t in tenants.dev_tenants())]

    def _only_dev_tenants_missing(self, ctx: Context, facts: dict[str, Any]) -> bool:
        if ctx.profile != "dev" or not ctx.config.tenants.dev_tenants():
            return False
        if ctx.state.step(self.name).get("fingerprint") != fingerprint_of(self, ctx):
            return False
        tenants = ctx.config.tenants
        base = [tenants.super.schema, tenants.guest.schema]
        return not verify.inspect(ctx.connection, facts, base, self._superuser(ctx, facts))

    def _problems(self, ctx: Context, facts: dict[str, Any]) -> list[str]:
        superuser = self._superuser(ctx, facts) if ctx.profile == "dev" else None
        return verify.inspect(ctx.connection, facts, self._expected(ctx), superuser)

    @staticmethod
    def _superuser(ctx: Context, facts: dict[str, Any]) -> str | None:
        """The development superuser's login as the user table holds it (an email when the model
        logs in by email), or None when there is none."""
        tenants = ctx.config.tenants
        if not tenants.superuser:
            return None
        user = facts.get("user_model") or {}
        return superuser_login(user, tenants.superuser, tenants.superuser_email, tenants.superuser_fields)[1]


# devkit's own sentence (project/probe/tenants.py) when a project receiver writes a domain devkit
# gives to its own tenant.
_RECEIVER_DOMAIN = re.compile(
    r"set (tenants\.(?:super|guest)\.domain) to another host name in the devkit configuration "
    r"\(the project's receiver creates '([^']+)' itself\)"
)


def _correct(
    ctx: Context, exc: DevkitError, env_file: Path, guesses: list[str]
) -> tuple[str | None, str | None]:
    """When the project refused a value devkit chose itself and said what it takes, change that
    choice: (the note that says so, the env variable corrected if it was one); (None, None) when
    there is nothing devkit may change."""
    corrected = env_seed.correct_guess(exc, env_file, guesses)
    if corrected is not None:
        name, old, new = corrected
        return (
            f"{name}: the project refused devkit's guess {old!r} and named the values it accepts; "
            f"devkit set {name}={new} in {ctx.config.relative(str(env_file))} (edit it if another fits)"
        ), name
    found = _RECEIVER_DOMAIN.search(exc.message)
    if found is None:
        return None, None
    key, taken = found.groups()
    if not ctx.config.provenance.get(key, "default").startswith(("default", "detected")):
        return None, None  # the person set that domain: the message tells them what to change
    schema = getattr(ctx.config.tenants, key.split(".")[1]).schema
    new = f"{schema.replace('_', '-')}.{taken}"
    ctx.config = edit.write_keys(ctx.config, {key: new})
    return (
        f"the project's own code gives domain {taken!r} to a tenant of its own; devkit's tenant "
        f"{schema!r} takes {new!r} instead ({key} in {ctx.config.source})"
    ), None
