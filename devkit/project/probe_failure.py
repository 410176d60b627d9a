"""Why the project's Django did not start: one classified cause and its fix, instead of a traceback.

Used for every process devkit runs in the project's Django (the facts probe, the builtin tenant
creation, the tenant commands). The classes: the settings module is empty or not importable,
ImproperlyConfigured (its message quoted), an import error in the project's code (module and
file:line), Django's system checks, anything else (the exception line and the project's frame).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from devkit.core import system_libraries

_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)')
_EXCEPTION = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Configured|Exit|Warning))(?::\s?(?P<msg>.*))?$"
)
_CHECK_ID = re.compile(r"^\s*(?:\S+: )?\((?P<id>[\w.]+\.[EWC]\d+)\) (?P<msg>.*)$")
_NOT_CONFIGURED = "settings are not configured"
_SKIP = {"venv", "node_modules", "__pycache__", "site-packages"}


@dataclass(frozen=True)
class Failure:
    # settings-empty | settings-missing | improperly-configured | import-error | system-checks |
    # required-field (table: the row's table) | other
    kind: str
    message: str
    hint: str
    table: str = ""


@dataclass(frozen=True)
class Raised:
    type: str  # the exception's class name, without its module
    message: str
    frame: str  # "path:line" of the innermost frame in the project's own code, or ""


_MANAGE_DEFAULT = re.compile(r"""setdefault\(\s*["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")
_LOCAL_ENV = re.compile(r'"DJANGO_SETTINGS_MODULE"\s*:\s*"\$\{localEnv:(\w+)')


def settings_candidates(folder: Path) -> list[str]:
    """Dotted names of the settings modules under the Django project folder, the likeliest first:
    manage.py's default, then development/local ones, base last (for hints)."""
    found = _settings_modules(folder)
    try:
        default = _MANAGE_DEFAULT.search((folder / "manage.py").read_text(errors="replace"))
    except OSError:
        default = None

    def rank(name: str) -> int:
        leaf = name.rsplit(".", 1)[-1]
        if default and name == default[1]:
            return 0
        return 1 if leaf.startswith(("dev", "local")) else 3 if leaf in {"base", "common"} else 2

    return sorted(found, key=rank)


def devcontainer_variable(root: Path) -> str | None:
    """The host variable a devcontainer maps onto DJANGO_SETTINGS_MODULE (`${localEnv:NAME}`)."""
    try:
        text = (root / ".devcontainer" / "devcontainer.json").read_text(errors="replace")
    except OSError:
        return None
    match = _LOCAL_ENV.search(text)
    return match[1] if match else None


def _settings_modules(folder: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP)
        here = Path(dirpath)
        dotted = ".".join(here.relative_to(folder).parts)
        if here.name == "settings" and "__init__.py" in filenames:
            modules = [f[:-3] for f in sorted(filenames) if f.endswith(".py") and f != "__init__.py"]
            found += [f"{dotted}.{m}" for m in modules]
        elif "settings.py" in filenames:
            found.append(f"{dotted}.settings" if dotted else "settings")
    return found[:6]


def empty_settings_module(folder: Path, root: Path | None = None) -> Failure:
    """DJANGO_SETTINGS_MODULE is set to "": name the modules there are and the devcontainer's
    own variable (`${localEnv:DEV_DJANGO_SETTINGS_MODULE}` of a host that does not set it)."""
    candidates = settings_candidates(folder)
    example = candidates[0] if candidates else "yourproject.settings"
    known = f" (found: {', '.join(candidates)})" if candidates else ""
    host_var = devcontainer_variable(root or folder)
    cause = (
        f"the devcontainer maps it from ${{localEnv:{host_var}}}, which is unset on the host"
        if host_var
        else "a devcontainer's `${localEnv:...}` of a variable unset on the host does this"
    )
    container = (
        f"; or give the devcontainer a default: ${{localEnv:{host_var}:{example}}}" if host_var else ""
    )
    return Failure(
        "settings-empty",
        f"DJANGO_SETTINGS_MODULE is set but empty, so Django has no settings ({cause})",
        f"export DJANGO_SETTINGS_MODULE={example}{known}, or unset it so manage.py's default "
        f"applies{container}",
    )


def last_exception(output: str, project: Path) -> Raised | None:
    """The final exception of the last traceback in `output`, with the project frame it came from."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    if not starts:
        return None
    frame = ""
    raised: Raised | None = None
    for i in range(starts[-1] + 1, len(lines)):
        line = lines[i]
        match = _FRAME.match(line)
        if match:
            path = match["path"]
            if _is_project_file(path, project):
                frame = f"{_shown(path, project)}:{match['line']}"
            continue
        exc = _EXCEPTION.match(line)
        if exc and not line.startswith(" "):
            rest = [exc["msg"] or "", *[x for x in lines[i + 1 :] if x.strip()][:3]]
            message = " ".join(part.strip() for part in rest if part.strip())
            raised = Raised(exc["type"].rsplit(".", 1)[-1], message, frame)
            break
    return raised


def root_cause(output: str, project: Path) -> Raised | None:
    """The first exception of a chain (Python prints the cause first, then "The above exception
    was the direct cause of the following exception"), or None when there is no chain."""
    if (
        "The above exception was the direct cause" not in output
        and "During handling of the above" not in output
    ):
        return None
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    if len(starts) < 2:
        return None
    return last_exception("\n".join(lines[starts[-2] : starts[-1]]), project)


def _is_project_file(path: str, project: Path) -> bool:
    parts = Path(path).parts
    if "site-packages" in parts or "dist-packages" in parts or path.startswith("<"):
        return False
    try:
        Path(path).resolve().relative_to(project.resolve())
    except ValueError:
        return False
    return True


def _shown(path: str, project: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(project.resolve()))
    except ValueError:
        return path


def check_errors(output: str) -> list[str]:
    """`id: message` of each system-check error a management command printed (SystemCheckError)."""
    if "SystemCheckError" not in output:
        return []
    return [f"{m['id']}: {m['msg'].strip()}" for m in map(_CHECK_ID.match, output.splitlines()) if m]


def classify(
    output: str, project: Path, settings_module: str | None, root: Path | None = None
) -> Failure | None:
    """The cause of a failed Django process from its output, or None when it is not recognised."""
    checks = check_errors(output)
    if checks:
        return system_checks_failure(checks, [])
    required = _NOT_NULL.search(output)  # also a CommandError, which prints no traceback
    if required:
        column, table = required["column"], required["table"]
        line = next(line for line in output.splitlines() if required[0] in line).strip()
        return Failure(
            "required-field",
            line,
            f"the row in {table} needs a value for {column}: for the tenants devkit creates itself "
            "(every development tenant; super and guest with create_super/create_guest = "
            f'"builtin") set it in devkit.toml, [tenants.fields] {column} = … (docs/configuration.md); '
            "a project command must set it itself",
            table,
        )
    raised = last_exception(output, project)
    if raised is None:
        return None
    where = f" ({raised.frame})" if raised.frame else ""
    library = system_libraries.needed(output)
    if library is not None:  # not a variable or a setting: a library of the system
        return Failure("system-library", f"{raised.type}: {raised.message}{where}", library[1])
    root = root_cause(output, project)
    if root is not None and (root.type, root.message) != (raised.type, raised.message):
        # a chained exception ("Unable to configure handler"): the first one is the cause
        at = f" ({root.frame})" if root.frame else ""
        raised = Raised(
            raised.type, f"{raised.message}; caused by {root.type}: {root.message}{at}", raised.frame
        )
    undefined = re.match(r"([A-Z][A-Z0-9_]+) not found", raised.message)
    if raised.type == "UndefinedValueError" and undefined:
        return Failure(
            "missing-variable",
            f"the settings need the environment variable {undefined[1]}, which nothing sets "
            f"(python-decouple: {raised.message}){where}",
            f"set {undefined[1]} in the env file devkit writes (env_file), or give it a default in "
            "the settings",
        )
    if raised.type == "ImproperlyConfigured" and _NOT_CONFIGURED in raised.message:
        if settings_module is not None and not settings_module.strip():
            return empty_settings_module(project, root)
        return Failure(
            "settings-empty",
            "Django has no settings module (DJANGO_SETTINGS_MODULE is unset and manage.py sets no default)",
            "export DJANGO_SETTINGS_MODULE=<one of: "
            f"{', '.join(settings_candidates(project)) or 'yourproject.settings'}>",
        )
    missing_module = re.search(r"No module named '([\w.]+)'", raised.message)
    if raised.type == "ImproperlyConfigured" and missing_module:
        # Django wraps the import of a backend (the database driver, say) in ImproperlyConfigured:
        # a package nothing installs, not a variable to set.
        return Failure(
            "import-error",
            f"the settings need the module {missing_module[1]!r}, which is not installed: "
            f"{raised.message}{where}",
            _undeclared_hint(missing_module[1]),
        )
    if raised.type == "ImproperlyConfigured":
        return Failure(
            "improperly-configured",
            f"the settings raise ImproperlyConfigured: {raised.message!r}{where}",
            "give the settings what they ask for: set the variable in the environment or in the "
            "env file (env_file in devkit.toml), then run again",
        )
    if raised.type in {"ModuleNotFoundError", "ImportError"}:
        missing = missing_module
        dotted = (settings_module or "").strip()
        if missing and dotted and (dotted == missing[1] or dotted.startswith(missing[1] + ".")):
            return Failure(
                "settings-missing",
                f"the settings module {dotted!r} is not importable: {raised.message}",
                "set DJANGO_SETTINGS_MODULE to a module under manage.py's folder (found: "
                f"{', '.join(settings_candidates(project)) or 'none'})",
            )
        message = f"the project's code does not import: {raised.type}: {raised.message}{where}"
        return Failure("import-error", message, _undeclared_hint(missing[1] if missing else ""))
    return Failure(
        "other",
        f"{raised.type}: {raised.message}{where}",
        "the log has the whole output; `python manage.py check` in the virtualenv checks the settings",
    )


# Modules whose package has another name, as a project declares it.
_PACKAGE_OF = {
    "pkg_resources": "pkg_resources comes from setuptools: add setuptools to the project's requirements",
    "psycopg2": "the PostgreSQL driver is not installed: add psycopg2-binary (or psycopg[binary], "
    "psycopg 3) to the project's requirements (python.requirements)",
    "psycopg": "the PostgreSQL driver is not installed: add psycopg[binary] (or psycopg2-binary) to the "
    "project's requirements (python.requirements)",
}


def _undeclared_hint(module: str) -> str:
    """What to do about a module nothing installs."""
    return _PACKAGE_OF.get(module.split(".")[0]) or (
        "an undeclared dependency: add the package that provides it to the project's requirements "
        "file (python.requirements), or fix the import"
    )


_NOT_NULL = re.compile(
    r'null value in column "(?P<column>[^"]+)" of relation "(?P<table>[^"]+)" violates not-null constraint'
)


_MISSING_VARIABLE = re.compile(
    r"(?:UndefinedValueError: (?P<a>[A-Z][A-Z0-9_]+) not found|KeyError: '(?P<b>[A-Z][A-Z0-9_]+)'|"
    r"(?:[Ss]et|set the|environment variable) (?P<c>[A-Z][A-Z0-9_]{2,}))"
)


_NO_MODULE = re.compile(r"ModuleNotFoundError: No module named '(?P<module>[\w.]+)'(?P<where> \([^)]*\))?")


def system_checks_failure(errors: list[str], lines: list[str], requirements: str = "") -> Failure:
    """Django's system checks fail: every management command that runs them stops. A check that
    crashed on a missing environment variable names the variable, one that crashed on a module
    nothing installs names the module and the requirements file, not --skip-checks."""
    shown = "; ".join(errors[:5]) + (f" and {len(errors) - 5} more" if len(errors) > 5 else "")
    commands = f" ({', '.join(lines)})" if lines else ""
    message = f"Django's system checks fail, so the tenant commands{commands} will fail: {shown}"
    crashed = [e for e in errors if e.startswith("checks.crashed")]
    missing = [m for e in crashed if (m := _MISSING_VARIABLE.search(e))]
    if missing:
        names = sorted({m["a"] or m["b"] or m["c"] for m in missing})
        return Failure(
            "system-checks",
            message,
            f"the checks crashed on the environment variable {', '.join(names)}, which nothing sets: set it "
            "in the env file devkit writes (env_file), or give it a default in the project's code",
        )
    modules = [m for e in crashed if (m := _NO_MODULE.search(e))]
    if modules:
        name = modules[0]["module"].split(".")[0]
        where = (
            f"{modules[0]['where'].strip(' ()')} imports it"
            if modules[0]["where"]
            else "the project imports it"
        )
        target = requirements or "the requirements file"
        return Failure(
            "system-checks",
            message,
            f"{name} is not installed and {where}: an undeclared dependency; add it to {target} "
            "(python.requirements), then devkit up",
        )
    if crashed:
        return Failure("system-checks", message, "the checks crashed where the message says: fix that code")
    return Failure(
        "system-checks",
        message,
        "fix the settings the check ids name (https://docs.djangoproject.com/en/stable/ref/checks/); "
        "as a workaround add --skip-checks to those command lines in devkit.toml "
        '(e.g. migrate_shared = "migrate_schemas --shared --skip-checks")',
    )
