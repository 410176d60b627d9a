"""Values for the variables a project's settings need that a fresh clone does not have: first what
the project's own example file says (`.env.example`, `.env.sample` ...; Rails' bin/setup copies
its example the same way; then the committed env files a development compose file hands its
services), then development values devkit generates, secrets random.

Secret-looking names (SECRET_KEY, *_SECRET, JWT_*, *_TOKEN, *_KEY, *PASSWORD*) get a random value:
64 url-safe characters (Django's deployment check wants 50 or more), or a Fernet key (32 bytes in
url-safe base64) for an encryption key. An example value that is a placeholder (`your-api-key`, `changeme`,
`<...>`, an empty value) is not copied for a secret, and named in the note otherwise.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path

from devkit.core import envfile
from devkit.core.errors import DevkitError

# Names of example env files, most specific first; `{name}` is the env file's own name.
EXAMPLE_NAMES = (
    "{name}.example", "{name}.sample", "{name}.dist", "{name}.template", "{name}.tmpl",
    ".env.example", ".env.sample", ".env.dist", ".env.template", ".env.local.example",
    ".env.local.sample", ".env.dev.example", ".env.development.example", ".env-example", "env.example",
    "example.env", "sample.env", ".env.default", ".env.defaults",
)  # fmt: skip
SECRET = re.compile(
    r"SECRET|TOKEN|PASSWORD|PASSWD|SALT|PRIVATE|SIGNING|(^|_)JWT|(^|_)KEY$|_KEY_|API_?KEY|HASH", re.I
)
# Variables that name a database connection: devkit's block gives them (never an example's value).
DATABASE_VARIABLE = re.compile(
    r"^(DB|DATABASE|POSTGRES|POSTGRESQL|PG|PSQL)_?(HOST|PORT|NAME|DB|DATABASE|USER|USERNAME|PASSWORD|PASS|URL)$"
    r"|^DATABASE_URL$|^PG(HOST|PORT|DATABASE|USER|PASSWORD)$"
)
PLACEHOLDER = re.compile(
    r"^$|^(your|change|changeme|replace|todo|fixme|example|dummy|placeholder|secret|password|insert|put|enter)"
    r"([-_ ].*)?$|^x{3,}$|^\*{3,}$|^<.*>$|^\$\{.*\}$|your[-_]|change[-_]?me|_here$|-here$",
    re.I,
)


@dataclass(frozen=True)
class Seeded:
    """Lines for the env file, and what to tell the person about them."""

    values: dict[str, str]
    from_example: list[str]
    generated: list[str]
    placeholders: list[str]
    example: Path | None
    examples: tuple[Path, ...] = ()


def examples_for(env_file: Path, folders: list[Path], root: Path | None = None) -> list[Path]:
    """The example files for the env file: the one beside it, then one in each of `folders`
    (manage.py's folder, the root), each folder's most specific name; then, with `root`, the
    committed env files a development compose file gives its services (compose_env_files)."""
    found: list[Path] = []

    def new(path: Path) -> bool:
        return path.resolve() not in [f.resolve() for f in found]

    for folder in [env_file.parent, *folders]:
        for pattern in EXAMPLE_NAMES:
            path = folder / pattern.format(name=env_file.name)
            if path.is_file() and path != env_file and new(path):
                found.append(path)
                break
    if root is not None:
        found += [p for p in compose_env_files(root, folders) if p.resolve() != env_file.resolve() and new(p)]
    return found


# Compose files for development: every `*compose*.y(a)ml` (and `local.yml`, as cookiecutter-django
# names its own), but not one whose name says it deploys (production, staging ...).
_COMPOSE = re.compile(r"(compose.*|^local)\.ya?ml$")
_NOT_DEVELOPMENT = re.compile(r"prod|stag|deploy|release|live|remote", re.I)


def compose_env_files(root: Path, folders: list[Path]) -> list[Path]:
    """The env files the project's development compose files hand their services (`env_file:`),
    when git tracks them: the development values the team shares (cookiecutter-django's
    `.envs/.local/.django`). A file git does not track is someone's own (often devkit's env file
    itself) and is not read."""
    from devkit.core import git

    found: list[Path] = []
    for folder in dict.fromkeys([root, *folders]):
        if not folder.is_dir():
            continue
        for compose in sorted(folder.iterdir()):
            if not _COMPOSE.search(compose.name) or _NOT_DEVELOPMENT.search(compose.name):
                continue
            for named in _env_files_named(compose):
                path = (compose.parent / named).resolve()
                if path in found or not path.is_file() or not path.is_relative_to(root.resolve()):
                    continue
                if git.tracked(root, path.relative_to(root.resolve()).as_posix()):
                    found.append(path)
    return found


def _env_files_named(compose: Path) -> list[str]:
    """`env_file:` of every service in a compose file (a string, a list of strings, or a list of
    `{path: ...}`); [] when the file is not a compose file devkit can read."""
    import yaml

    try:
        data = yaml.safe_load(compose.read_text(encoding="utf-8", errors="replace"))
    except (OSError, yaml.YAMLError):
        return []
    services = data.get("services") if isinstance(data, dict) else None
    names: list[str] = []
    for service in (services or {}).values() if isinstance(services, dict) else ():
        given = service.get("env_file") if isinstance(service, dict) else None
        for entry in [given] if isinstance(given, str) else given if isinstance(given, list) else []:
            name = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(name, str) and name and "$" not in name and name not in names:
                names.append(name)
    return names


def secret_value(name: str = "") -> str:
    """A random secret: a Fernet key (32 bytes, url-safe base64) for encryption keys, else 64
    url-safe characters (Django's check wants a SECRET_KEY of 50 or more)."""
    if re.search(r"FERNET|ENCRYPT|CRYPT|CIPHER", name, re.I):
        return base64.urlsafe_b64encode(os.urandom(32)).decode()
    return base64.urlsafe_b64encode(os.urandom(48)).decode()


def is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.search(value.strip()))


def dev_value(name: str, cast: str = "") -> tuple[str, bool]:
    """A development value for a variable the settings need and nothing gives: (value, whether it
    is a guess that may not work: a placeholder to name in the note)."""
    upper = name.upper()
    if SECRET.search(upper):
        return secret_value(upper), False
    if cast == "bool" or upper == "DEBUG" or upper.endswith("_DEBUG"):
        return ("True" if "DEBUG" in upper else "False"), False
    if upper.endswith("HOSTS"):
        return "localhost,127.0.0.1,.localhost", False
    if upper.endswith("ORIGINS"):
        return "http://localhost:3000,http://localhost:8000", False
    if re.search(r"(REDIS|CELERY|BROKER|CACHE).*(URL|BACKEND)$", upper):
        return "redis://127.0.0.1:6379/0", True
    if re.search(r"(URL|URI)$", upper):
        return "http://localhost:8000", True
    if re.search(r"EMAIL$|_FROM$|EMAIL_USER$|HOST_USER$", upper):
        return "dev@example.com", False
    if upper.endswith("PORT") or cast in ("int", "float"):
        return ("1025" if "EMAIL" in upper else "0"), "EMAIL" not in upper
    if upper.endswith(("HOST", "DOMAIN")):
        return "localhost", False
    if upper == "TIME_ZONE":
        return "UTC", False
    return f"dev-{name.lower().replace('_', '-')}", True


def seed(
    needed: list[str], have: dict[str, str], examples: list[Path], casts: dict[str, str], owned: set[str]
) -> Seeded:
    """Values for the `needed` variables that the env file (`have`) lacks and devkit does not own:
    the examples' (the first that has a variable wins), else generated. Every other variable an
    example lists is copied too (the switches a project reads, such as DJANGO_ENV), unless it is a
    placeholder secret."""
    from_example: dict[str, str] = {}
    for example in examples:
        for key, value in envfile.parse_values(example.read_text(encoding="utf-8", errors="replace")).items():
            from_example.setdefault(key, value)
    values: dict[str, str] = {}
    copied, generated, placeholders = [], [], []
    for key, value in from_example.items():
        if key in have or key in owned or DATABASE_VARIABLE.match(key):
            continue  # the database's variables are devkit's to give (its block)
        if SECRET.search(key) and is_placeholder(value):
            values[key] = secret_value(key)
            generated.append(key)
            continue
        values[key] = value
        copied.append(key)
        if is_placeholder(value) and value:
            placeholders.append(key)
    for key in needed:
        if key in have or key in owned or key in values:
            continue
        values[key], guess = dev_value(key, casts.get(key, ""))
        generated.append(key)
        if guess:
            placeholders.append(key)
    return Seeded(values, copied, generated, placeholders, examples[0] if examples else None, tuple(examples))


def render(seeded: Seeded, source: str) -> str:
    """The lines appended to the env file (the person's own lines from now on: devkit does not
    rewrite them)."""
    lines = [f"{envfile.SEEDED_HEADER} from {source} and generated for development; yours to edit"]
    for key, value in seeded.values.items():
        quoted = value if re.fullmatch(r"[\w.,:/@+-]*", value) else "'" + value.replace("'", "\\'") + "'"
        lines.append(f"{key}={quoted}")
    return "\n".join(lines) + "\n"


GUESSES = "env_guesses"  # state: the variables devkit gave a guessed value (names only)


def name_guesses(exc: DevkitError, env_file: Path, names: list[str]) -> None:
    """When a failure shows a value devkit guessed for the env file (`PAYMENT_MODE=dev-payment-mode`
    rejected by the project's own check), the hint says so first: the fix is that value."""
    values = envfile.read_values(env_file)
    text = f"{exc.message}\n{exc.details or ''}"
    shown = [
        f"{name}={values[name]}" for name in names if len(values.get(name, "")) >= 4 and values[name] in text
    ]
    if not shown:
        return
    exc.hint = (
        f"{', '.join(shown)} in {env_file.name} is devkit's guess (nothing said what to use), and the "
        f"failure names it: set the value the project accepts in {env_file}, then devkit up"
        + (f"; {exc.hint}" if exc.hint else "")
    )


# A message that lists what it accepts: "Required: live or sandbox", "must be one of: a, b",
# "expected 'a' or 'b'", "choices are [a, b]", "valid values: a|b".
_ACCEPTS = re.compile(
    r"(?:required|must be(?: one of)?|one of|expected|choices(?: are)?|valid(?: values| options)?|"
    r"allowed(?: values)?|accepted(?: values)?|options(?: are)?)\s*[:=]?\s*([^\n;()]{1,120})",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"\s*(?:,|\bor\b|\||/)\s*")
_WORD = re.compile(r"[A-Za-z0-9_.-]{1,40}")
# Among accepted values, the development ones first; production ones never chosen.
_DEVELOPMENT = ("sandbox", "development", "dev", "local", "test", "testing", "debug", "demo", "staging")
_PRODUCTION = ("live", "prod", "production")


def accepted_value(message: str, rejected: str) -> str | None:
    """The value a failure message says it accepts in place of `rejected` (a development one
    first; never a production one), or None when the message lists none."""
    for found in _ACCEPTS.finditer(message):
        words = []
        for part in _SEPARATORS.split(found.group(1)):
            word = part.strip(" \t'\"`[]{}.")
            if _WORD.fullmatch(word) and word != rejected and word.lower() not in _PRODUCTION:
                words.append(word)
        if len(words) < 1 or len(found.group(1).split()) > 12:
            continue
        for wanted in _DEVELOPMENT:
            for word in words:
                if word.lower() == wanted:
                    return word
        return words[0] if len(words) == 1 or _SEPARATORS.search(found.group(1)) else None
    return None


def correct_guess(exc: DevkitError, env_file: Path, names: list[str]) -> tuple[str, str, str] | None:
    """When a failure shows a value devkit guessed and lists the values the project accepts, the
    guess is replaced in the env file by an accepted one: (name, old, new); else None."""
    values = envfile.read_values(env_file)
    text = f"{exc.message}\n{exc.details or ''}"
    for name in names:
        old = values.get(name, "")
        if len(old) < 4 or old not in text:
            continue
        new = accepted_value(text, old)
        if new and envfile.replace_value(env_file, name, old, new):
            return name, old, new
    return None
