"""`env`: the environment the project's settings need, read from the settings themselves.

One traced load of the settings (project/tracing.py) tells which variables the project's code
reads, which have no default, which reach DATABASES, which env files it opens, where LOGGING
writes. From that, in rounds until nothing changes:

- the env file devkit writes follows the one the settings load (`env_file`, written to the
  configuration);
- `[database.env]` maps devkit's connection onto the variables DATABASES reads (every alias),
  plus PGHOST/PGPORT when DATABASES leaves HOST/PORT empty (libpq reads them); a DATABASES fixed in
  the settings is named with the file, not papered over;
- the env file is seeded once from the project's example file (`.env.example` ...) and given
  development values for whatever the settings still need (secrets generated), said in one note;
- folders LOGGING writes into are created.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from devkit.config import edit
from devkit.context import Context
from devkit.core import envfile
from devkit.core.errors import StepFailed
from devkit.pipeline import Done
from devkit.project import env_seed, probe_failure, tracing
from devkit.project import facts as project_facts

ROUNDS = 5
SEEDED = "env_seeded"  # state: the env files already seeded from an example (once each)


class EnvStep:
    name = "env"
    needs: tuple[str, ...] = ("database", "python-deps")

    def inputs(self, ctx: Context) -> dict[str, str]:
        config = ctx.config
        return {
            **ctx.facts_inputs(),  # the settings' sources, the env file, the packages
            "[database.env]": repr(sorted(config.database.env.items())),
            "env_file": config.env_file,
        }

    def check(self, ctx: Context, record: dict[str, Any]) -> str | None:
        return None  # its inputs are the fingerprint's: unchanged means nothing to do

    def run(self, ctx: Context) -> Done:
        said: list[str] = []
        placeholders: list[str] = []  # the values seeded as placeholders, noted once at the end
        found = tracing.trace(ctx.django(), ctx.config.root)
        for _round in range(ROUNDS):
            ctx.progress("reading the variables the settings need")
            changed = (
                self._follow_env_file(ctx, found, said)
                or self._map_database(ctx, found, said)
                or self._fill(ctx, found, said, placeholders)
            )
            if not changed:
                break
            found = tracing.trace(ctx.django(), ctx.config.root)
        # The facts' key holds the values of these variables only (project/facts.py).
        ctx.state.put(project_facts.READS, sorted(found.reads))
        retired = envfile.retire_seeded(ctx.config.path(ctx.config.env_file), set(ctx.config.database.env))
        if retired:
            said.append(
                f"commented out {', '.join(retired)} devkit had copied from an example (its block sets them)"
            )
        _placeholder_note(ctx, placeholders)
        self._make_log_folders(ctx, found, said)
        if not found.ok:
            raise self._failure(ctx, found)
        self._refuse_fixed_database(ctx, found)
        reads = f"the settings read {len(found.reads)} variable(s)"
        return Done("; ".join([reads, *said]) if said else f"{reads}; nothing to change")

    def verify(self, ctx: Context) -> None:
        return None  # run() traced the settings again after each change and raised if they failed

    # -- the env file -----------------------------------------------------------------------
    def _follow_env_file(self, ctx: Context, found: tracing.Trace, said: list[str]) -> bool:
        """When the settings load an env file other than devkit's, devkit writes to that one."""
        config = ctx.config
        loaded = tracing.project_env_files(found, config.root)
        current = config.path(config.env_file)
        if not loaded or loaded[0] == current:
            return False
        target = loaded[0]  # the file the settings load (or look for) first
        rel = target.relative_to(config.root.resolve()).as_posix()
        envfile.refuse_tracked(config.root, rel)
        write_config(ctx, {"env_file": rel})
        values = {**ctx.config.env, **ctx.connection.environment(ctx.config.database.env)}
        envfile.write(target, values, warn=ctx.notes.append)
        envfile.remove_block(current)
        envfile.ensure_ignored(config.root, [rel])
        said.append(
            f"the settings load {rel}: devkit's env file is now that one (env_file in {ctx.config.source})"
        )
        return True

    # -- DATABASES ----------------------------------------------------------------------------
    def _map_database(self, ctx: Context, found: tracing.Trace, said: list[str]) -> bool:
        mapping = tracing.database_mapping(found)
        wanted = dict(mapping.env)
        if "PORT" in mapping.unset:
            wanted["PGPORT"] = "{port}"  # DATABASES has no PORT: libpq's default applies
        if "HOST" in mapping.unset:
            wanted["PGHOST"] = "{host}"  # no HOST: a Unix socket devkit's server does not have
        current = dict(ctx.config.database.env)
        missing = {k: v for k, v in wanted.items() if current.get(k) != v}
        # Once devkit maps one of the candidates, its connection is in them: later rounds find the
        # same value in each (or an unrelated URL's localhost): not an ambiguity to note.
        unclear = {f: names for f, names in mapping.ambiguous.items() if not set(names) & set(current)}
        if unclear:
            note = ", ".join(f"{field} from {' or '.join(names)}" for field, names in unclear.items())
            if not any(note in n for n in ctx.notes):
                ctx.notes.append(f"DATABASES: cannot tell which variable gives {note}; set [database.env]")
        if not missing:
            return False
        write_config(ctx, {"database.env": {**current, **missing}})
        envfile.write(
            ctx.config.path(ctx.config.env_file),
            {**ctx.config.env, **ctx.connection.environment(ctx.config.database.env)},
            warn=ctx.notes.append,
        )
        names = ", ".join(sorted(missing))
        said.append(f"DATABASES reads {names}: mapped in [database.env] of {ctx.config.source}")
        return True

    def _refuse_fixed_database(self, ctx: Context, found: tracing.Trace) -> None:
        """DATABASES['default'] reads no variable for its name or host: devkit cannot point it at
        its database, and says where it is fixed."""
        mapping = tracing.database_mapping(found)
        fixed = {k: v for k, v in mapping.fixed.items() if k in ("NAME", "HOST")}
        conn = ctx.connection
        if not fixed or (fixed.get("NAME") in (None, conn.name) and fixed.get("HOST") in (None, conn.host)):
            return
        where = found.settings_file or found.settings_module or "the settings"
        shown = ", ".join(f"{k} {v!r}" for k, v in fixed.items())
        raise StepFailed(
            f"DATABASES['default'] is fixed in {ctx.config.relative(where)} ({shown}): it reads no "
            "environment variable, so devkit cannot point it at the database it provides",
            hint="make DATABASES read variables (e.g. NAME = os.environ.get('DB_NAME', 'x')); "
            "devkit up then maps its connection onto them",
        )

    # -- values the settings need -----------------------------------------------------------
    def _fill(self, ctx: Context, found: tracing.Trace, said: list[str], placeholders: list[str]) -> bool:
        config = ctx.config
        path = config.path(config.env_file)
        have = envfile.read_values(path)
        owned = set(config.database.env) | set(config.env)
        needed = [n for n in found.missing() if n not in have]
        needed += [n for n in _named_in_error(found) if n not in have and n not in needed]
        seeded_files = ctx.state.get(SEEDED, []) if isinstance(ctx.state.get(SEEDED), list) else []
        examples: list[Path] = []
        if str(path) not in seeded_files:
            examples = env_seed.examples_for(path, [config.manage_dir, config.root], config.root)
        casts = {r.name: r.cast for r in found.reads.values() if r.cast}
        seeded = env_seed.seed(needed, have, examples, casts, owned)
        if str(path) not in seeded_files:
            ctx.state.put(SEEDED, [*seeded_files, str(path)])
        if not seeded.values:
            return False
        source = (
            ", ".join(ctx.config.relative(str(e)) for e in examples) if examples else "the settings' reads"
        )
        envfile.append(path, env_seed.render(seeded, source))
        if seeded.placeholders:
            guessed = ctx.state.get(env_seed.GUESSES) or []
            ctx.state.put(env_seed.GUESSES, sorted({*guessed, *seeded.placeholders}))
        placeholders += seeded.placeholders
        said.append(_seed_summary(ctx, seeded))
        return True

    def _make_log_folders(self, ctx: Context, found: tracing.Trace, said: list[str]) -> None:
        for folder in tracing.log_folders(found, ctx.config.root):
            folder.mkdir(parents=True, exist_ok=True)
            said.append(
                f"created {ctx.config.relative(folder)}/ (LOGGING writes files there; a fresh clone lacks it)"
            )

    def _failure(self, ctx: Context, found: tracing.Trace) -> StepFailed:
        named = [n for n in _named_in_error(found)]
        message = f"the project's settings do not load: {found.failure()}"
        if named:
            return StepFailed(message, hint=f"set {', '.join(named)} in {ctx.config.env_file}")
        # The cause as devkit names it for any Django process (a missing module, an undefined
        # decouple variable, a log folder, a system library), from the traced load's log.
        log = ctx.logs / "probe-trace-real.log"
        if not log.exists():
            log = ctx.logs / "probe-trace-mark.log"
        output = log.read_text(errors="replace") if log.exists() else ""
        django = ctx.django()
        failure = probe_failure.classify(
            output, ctx.config.manage_dir, django.settings_module(), ctx.config.root
        )
        if failure is not None and failure.hint:
            return StepFailed(message, hint=failure.hint)
        return StepFailed(message, hint=f"the settings failed where it says; see {log}")


def _named_in_error(found: tracing.Trace) -> list[str]:
    """Variables the settings read whose names the settings' error message names ("SECRET_KEY
    not found", "Set the DB_HOST environment variable")."""
    if not found.error:
        return []
    words = set(re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", found.error.get("message", "")))
    return sorted(w for w in words if w in found.reads)


def _seed_summary(ctx: Context, seeded: env_seed.Seeded) -> str:
    parts = []
    if seeded.from_example:
        sources = ", ".join(ctx.config.relative(str(e)) for e in seeded.examples)
        parts.append(f"{len(seeded.from_example)} value(s) from {sources}")
    if seeded.generated:
        parts.append(f"generated {', '.join(seeded.generated)}")
    text = f"{ctx.config.env_file}: " + "; ".join(parts)
    return text


def _placeholder_note(ctx: Context, placeholders: list[str]) -> None:
    """One note for the placeholders seeded in this run, made once every round is done: a variable
    [database.env] maps (in a later round, say) holds devkit's connection, not a placeholder."""
    left = [p for p in placeholders if p not in ctx.config.database.env]
    if left:
        ctx.notes.append(
            f"{ctx.config.env_file} holds development placeholders that real services will refuse: "
            f"{', '.join(left)} (edit them when you use those services)"
        )


def write_config(ctx: Context, values: dict[str, Any]) -> None:
    """Write keys into the project's devkit configuration, keeping every other line; the context
    reads it again."""
    ctx.config = edit.write_keys(ctx.config, values)
