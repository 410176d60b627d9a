"""The questions `devkit init` asks, each only when the configuration does not settle it yet.

A Prompter asks; QuestionaryPrompter asks on the terminal, DefaultsPrompter (--no-input, no TTY)
answers every question with its default and never reads stdin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from devkit.config.model import AUTO_COMMANDS
from devkit.init.discover import Discovery

Validate = Callable[[str], "str | None"]  # None = fine, else the complaint
PROVIDERS = [
    ("auto", "auto: use $DATABASE_URL if set, else Docker, else local PostgreSQL binaries"),
    ("docker", "docker: a PostgreSQL container devkit starts"),
    ("native", "native: a PostgreSQL server devkit runs from the local binaries"),
    ("external", "external: a server you run; devkit reads its URL from the environment"),
]
VERSIONS = ["17", "16", "15", "14", "13"]
CUSTOM = "\0custom"


class Prompter(Protocol):
    asks: bool  # False: answers are defaults, nothing was read from a person

    def select(self, message: str, choices: list[tuple[str, str]], default: str) -> str: ...

    def text(self, message: str, default: str, validate: Validate | None = None) -> str: ...

    def confirm(self, message: str, default: bool) -> bool: ...


class DefaultsPrompter:
    asks = False

    def select(self, message: str, choices: list[tuple[str, str]], default: str) -> str:
        return default

    def text(self, message: str, default: str, validate: Validate | None = None) -> str:
        return default

    def confirm(self, message: str, default: bool) -> bool:
        return default


class QuestionaryPrompter:
    """Terminal prompts. Ctrl-C raises KeyboardInterrupt (exit 130), never a silent None."""

    asks = True

    def select(self, message: str, choices: list[tuple[str, str]], default: str) -> str:
        import questionary

        options = [questionary.Choice(title=label, value=value) for value, label in choices]
        return str(questionary.select(message, choices=options, default=default).unsafe_ask())

    def text(self, message: str, default: str, validate: Validate | None = None) -> str:
        import questionary

        def check(answer: str) -> bool | str:
            complaint = validate(answer) if validate else None
            return True if complaint is None else complaint

        return str(questionary.text(message, default=default, validate=check).unsafe_ask())

    def confirm(self, message: str, default: bool) -> bool:
        import questionary

        return bool(questionary.confirm(message, default=default).unsafe_ask())


@dataclass
class Answers:
    """What the questions settled: dotted key -> value, in the order asked."""

    values: dict[str, Any] = field(default_factory=dict)

    def __contains__(self, key: str) -> bool:
        return key in self.values


def ask(disc: Discovery, prompt: Prompter) -> Answers:
    """Ask every question whose key the configuration file does not set yet."""
    answers = Answers()

    def known(key: str) -> bool:
        return key in disc.written

    def current(key: str) -> Any:
        return answers.values.get(key, disc.written.get(key, disc.value(key)))

    def record(key: str, value: Any) -> None:
        # Without a person, only what differs from the built-in/detected value is worth writing.
        if prompt.asks or value != disc.value(key) or key == "database.provider":
            answers.values[key] = value

    if not known("database.provider"):
        record(
            "database.provider",
            prompt.select(
                "Where should the development database come from?", PROVIDERS, current("database.provider")
            ),
        )
    provider = current("database.provider")
    if provider == "external":
        if not known("database.url_from"):
            record(
                "database.url_from",
                prompt.text(
                    "Which environment variable holds the database URL?",
                    current("database.url_from"),
                    _env_name,
                ),
            )
    else:
        _ask_server(disc, prompt, provider, known, current, record)
    for key, tenant in (("create_super", "super"), ("create_guest", "guest")):
        _ask_tenant(disc, prompt, key, tenant, known, current, record)
    for key, question in DOCS_QUESTIONS.items():
        if not known(key):
            record(key, prompt.text(question, str(current(key))))
    return answers


# The generated documents; the other docs.* keys have defaults nobody needs to be asked about.
DOCS_QUESTIONS = {
    "docs.copilot_instructions": 'Where should devkit generate the AI assistant instructions? ("" = nowhere)',
    "docs.roadmap": 'Where should devkit generate the roadmap? ("" = nowhere)',
}


def _ask_server(
    disc: Discovery,
    prompt: Prompter,
    provider: str,
    known: Callable[[str], bool],
    current: Callable[[str], Any],
    record: Callable[[str, Any], None],
) -> None:
    if not known("database.image"):
        image = str(current("database.image"))
        name, _, tag = image.partition(":")
        versions = list(disc.pg_versions) if provider == "native" and disc.pg_versions else VERSIONS
        major = tag.split(".")[0] if tag.split(".")[0] in versions else versions[0]
        version = prompt.select("Which PostgreSQL major version?", [(v, v) for v in versions], major)
        record("database.image", f"{name or 'postgres'}:{version}")
        if provider == "native" and version in disc.pg_versions and not known("database.bin_dir"):
            record("database.bin_dir", f"/usr/lib/postgresql/{version}/bin")
    if not known("database.port"):
        port = prompt.text(
            "Which port should PostgreSQL listen on? (0 = a free one, kept)",
            str(current("database.port")),
            _port,
        )
        record("database.port", int(port))


def _ask_tenant(
    disc: Discovery,
    prompt: Prompter,
    key: str,
    tenant: str,
    known: Callable[[str], bool],
    current: Callable[[str], Any],
    record: Callable[[str, Any], None],
) -> None:
    auto_name = AUTO_COMMANDS[key].split()[0]
    label = "public (super) tenant" if tenant == "super" else "guest (development) tenant"
    if not known(f"tenants.{key}"):
        auto_says = (
            f"the project's {auto_name}"
            if auto_name in disc.tenant_commands
            else "devkit's built-in creation (no project command found)"
        )
        choices = [("auto", f"auto: {auto_says}")]
        choices += [
            (name, f"the project's command: manage.py {name}")
            for name in disc.tenant_commands
            if name != auto_name
        ]
        choices += [
            ("builtin", "builtin: devkit creates it from the names and domain below"),
            (CUSTOM, "another manage.py command line..."),
        ]
        answer = prompt.select(f"How is the {label} created?", choices, current(f"tenants.{key}"))
        if answer == CUSTOM:
            answer = prompt.text("manage.py command line (without manage.py):", "", _not_empty)
        record(f"tenants.{key}", answer)
    line = current(f"tenants.{key}")
    if line == "builtin" or (line == "auto" and auto_name not in disc.tenant_commands):
        fields = ["name", "domain"] if tenant == "super" else ["schema", "name", "domain"]
        for part in fields:
            full = f"tenants.{tenant}.{part}"
            if not known(full):
                record(full, prompt.text(f"The {label}'s {part}:", str(current(full)), _not_empty))


def _port(answer: str) -> str | None:
    return None if answer.isdigit() and 0 <= int(answer) <= 65535 else "a number from 0 to 65535"


def _env_name(answer: str) -> str | None:
    return None if answer.isidentifier() else "an environment variable name, e.g. DATABASE_URL"


def _not_empty(answer: str) -> str | None:
    return None if answer.strip() else "cannot be empty"
