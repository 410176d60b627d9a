"""The `devkit init` flow: discover, ask, show, confirm, write. Returns (exit code, JSON payload)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devkit.core import envfile
from devkit.core.ui import UI
from devkit.init import configure, devcontainer
from devkit.init.discover import Discovery, discover
from devkit.init.files import FilePlan
from devkit.init.install_spec import InstallSpec
from devkit.init.questions import DefaultsPrompter, Prompter, QuestionaryPrompter, ask


def run_init(
    root: Path,
    ui: UI,
    no_input: bool,
    *,
    with_devcontainer: bool,
    install_spec: str | None,
    write_to: str | None,
    yes: bool,
) -> tuple[int, dict[str, Any]]:
    prompt: Prompter = DefaultsPrompter() if no_input else QuestionaryPrompter()
    disc = discover(root)
    if with_devcontainer:
        return _devcontainer(disc, ui, prompt, install_spec, yes)
    _show_detected(ui, disc)
    target = _target(disc, prompt, write_to)
    config_plan = configure.plan(disc, ask(disc, prompt), target)
    written = apply(ui, prompt, [config_plan.file], yes)
    return 0, {
        "config_file": str(config_plan.file.path),
        "changed": config_plan.file.changed,
        "written": [str(p) for p in written],
        "values": config_plan.values,
    }


def _devcontainer(
    disc: Discovery, ui: UI, prompt: Prompter, install_spec: str | None, yes: bool
) -> tuple[int, dict[str, Any]]:
    from devkit.init import install_spec as spec_of

    install: InstallSpec = spec_of.given(install_spec) if install_spec else spec_of.detect(disc.root)
    ui.info(f"the devcontainer installs devkit with `{install.command}` (from {install.source})")
    if disc.config_file is None:
        ui.warn(
            "no devkit configuration yet: the devcontainer uses the detected values; "
            "run `devkit init` first to choose them"
        )
    database_env = disc.value("database.env")
    if disc.effective["database.env"][1] == "default" and disc.db_env:
        database_env = disc.db_env
    dc_plan = devcontainer.plan(disc, database_env, install)
    for line in dc_plan.warnings:
        ui.warn(line)
    for line in dc_plan.conflicts:
        ui.warn(f"devcontainer.json {line}")
    written = apply(ui, prompt, list(dc_plan.files), yes)
    ignored = []
    if any(p.name == ".env" for p in written):
        ignored = envfile.ensure_ignored(disc.root, [devcontainer.ENV_FILE])
        for rel in ignored:
            ui.info(f"added {rel} to .gitignore")
    return 0, {
        "files": [str(f.path) for f in dc_plan.files],
        "written": [str(p) for p in written],
        "conflicts": list(dc_plan.conflicts),
        "warnings": list(dc_plan.warnings),
        "password_created": dc_plan.password_created and bool(written),
        "install": {"spec": install.spec, "source": install.source},
        "gitignore_added": ignored,
    }


def apply(ui: UI, prompt: Prompter, plans: list[FilePlan], yes: bool) -> list[Path]:
    """Show each change; write new files after one confirmation, changed files only when agreed.

    Without a person (--no-input, no TTY, CI) new files are written, but a file that exists is
    changed only with --yes: a re-run shows the diff instead of overwriting.
    """
    pending = [p for p in plans if p.changed]
    for unchanged in (p for p in plans if not p.changed):
        ui.info(f"[green]✓[/] {_rel(unchanged.path)} is up to date")
    if not pending:
        return []
    for file_plan in pending:
        _show(ui, file_plan)
    overwrites = [p for p in pending if not p.is_first_write]
    if prompt.asks and not yes:
        verb = "Apply these changes" if overwrites else "Write"
        names = ", ".join(_rel(p.path) for p in pending)
        if not prompt.confirm(f"{verb} ({names})?", True):
            ui.info("nothing written")
            return []
    elif overwrites and not yes:
        ui.warn(
            "not written: these files exist and would change; re-run with --yes to apply, "
            "or without --no-input to be asked"
        )
        return []
    for file_plan in pending:
        file_plan.write()
        ui.info(f"[green]✓[/] wrote {_rel(file_plan.path)}")
    return [p.path for p in pending]


def _show(ui: UI, file_plan: FilePlan) -> None:
    from rich.markup import escape

    if file_plan.secret:
        what = "new" if file_plan.is_new else "updated"
        ui.info(
            f"[bold]{_rel(file_plan.path)}[/] ({what}; holds the password, mode 0600, git-ignored: not shown)"
        )
    elif file_plan.is_new:
        ui.info(f"[bold]{_rel(file_plan.path)}[/] (new):")
        ui.info(escape(file_plan.after.rstrip("\n")))
    else:
        ui.info(f"[bold]{_rel(file_plan.path)}[/] changes:")
        ui.info(escape(file_plan.diff().rstrip("\n")))


def _show_detected(ui: UI, disc: Discovery) -> None:
    ui.info(f"[bold]devkit init[/] in {disc.root}")
    if disc.config_file:
        ui.info(f"configuration: {_rel(disc.config_file)} (only the keys it lacks are asked)")
    for key, value, why in disc.detected():
        ui.info(f"  detected {key} = {value!r} ({why})")
    if disc.db_env:
        ui.info(f"  detected the database variables {', '.join(disc.db_env)} ({disc.db_env_source})")
    if disc.tenant_commands:
        ui.info(f"  detected tenant commands: {', '.join(disc.tenant_commands)}")


def _target(disc: Discovery, prompt: Prompter, write_to: str | None) -> str:
    if disc.config_file is not None or write_to:
        return write_to or disc.config_file.name  # type: ignore[union-attr]
    pyproject = disc.root / "pyproject.toml"
    if pyproject.is_file() and "[project]" in pyproject.read_text():
        return prompt.select(
            "Where should devkit keep its configuration?",
            [("devkit.toml", "devkit.toml"), ("pyproject.toml", "pyproject.toml, as [tool.devkit]")],
            "devkit.toml",
        )
    return "devkit.toml"


def _rel(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)
