"""What a project's devkit configuration holds: frozen dataclasses, one per table, with the
built-in defaults. Reading the files and detecting defaults is config/loading.py's job."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

PROVIDER_ENV = "DEVKIT_DATABASE_PROVIDER"  # overrides database.provider (wins over the files)
# What tenants.create_super / create_guest = "auto" run when the project has them.
AUTO_COMMANDS = {
    "create_super": "create_super_tenant --no-input",
    "create_guest": "create_guest_tenant --no-input",
}


@dataclass(frozen=True)
class PythonConfig:
    version: str = ""  # "" = whatever interpreter is found
    requirements: str = ""  # requirements*.txt/.in, pyproject.toml or a lockfile (uv/poetry/pdm/Pipfile)
    venv: str = ".venv"
    interpreter: str = ""  # the python that creates the venv; "" = detected from version
    installer: str = "auto"  # auto (uv unless it cannot serve) | pip | uv
    extras: str = ""  # optional-dependency extras to install, comma-separated
    groups: str = ""  # dependency groups (PEP 735; poetry/pdm/pipenv groups), comma-separated


@dataclass(frozen=True)
class NodeConfig:
    dir: str = ""  # folder holding package.json; "" = no frontend
    package_manager: str = "auto"  # auto | npm | pnpm | yarn
    version: str = ""  # required Node version (".nvmrc" or engines.node)


@dataclass(frozen=True)
class DatabaseConfig:
    provider: str = "auto"  # auto | docker | native | external
    name: str = "app"
    user: str = "app"
    host: str = "127.0.0.1"
    port: int = 0  # 0 = choose a free port once, then keep it
    url_from: str = "DATABASE_URL"  # environment variable read by the external provider
    bin_dir: str = ""  # native: folder with initdb/postgres; "" = PATH, /usr/lib/postgresql/*/bin
    image: str = "postgres:15"  # docker
    wait_timeout: float = 60.0
    env: dict[str, str] = field(default_factory=lambda: {"DATABASE_URL": "{url}"})


@dataclass(frozen=True)
class TenantConfig:
    schema: str = ""
    name: str = ""
    domain: str = ""


@dataclass(frozen=True)
class TenantsConfig:
    migrate_shared: str = "migrate_schemas --shared --fake-initial --noinput"
    create_super: str = "auto"  # a manage.py command line, "builtin", or "auto"
    migrate_tenants: str = "migrate_schemas --tenant --noinput"
    create_guest: str = "auto"
    super: TenantConfig = TenantConfig("public", "Public", "localhost")
    guest: TenantConfig = TenantConfig("guest", "Guest", "guest.localhost")
    superuser: str = "admin"  # development superuser's username; "" = none
    superuser_email: str = "admin@example.com"
    # Development tenants beyond super and guest: [[tenants.dev]] entries and/or a numbered set.
    dev: tuple[TenantConfig, ...] = ()
    dev_count: int = 0
    dev_schema: str = "tenant{n}"
    dev_name: str = "Tenant {n}"
    dev_domain: str = "tenant{n}.localhost"
    # The sequence's commands in one Django process (booted once); false: a manage.py process each.
    one_process: bool = True
    # Values for the tenant model's fields on every tenant devkit creates itself (they win over
    # the values devkit derives); text may use {schema}, {name}, {domain} and {n}.
    fields: dict[str, str | int | float | bool] = field(default_factory=dict)
    # Values for the development superuser's required fields (a custom user model).
    superuser_fields: dict[str, str | int | float | bool] = field(default_factory=dict)

    def sequence_lines(self, profile: str) -> list[tuple[str, str]]:
        """(config key, command line) of the tenant sequence for a profile ("dev": devkit up,
        "deploy": devkit migrate, without the guest tenant); 'auto' is resolved later."""
        keys = ["migrate_shared", "create_super", "migrate_tenants"]
        if profile == "dev":
            keys.append("create_guest")
        return [(key, getattr(self, key)) for key in keys if getattr(self, key)]

    def probe_commands(self, profile: str) -> list[list[str]]:
        """Every manage.py command line the pre-flight checks: configured ones and auto candidates."""
        lines = [AUTO_COMMANDS[key] if line == "auto" else line for key, line in self.sequence_lines(profile)]
        return [shlex.split(line) for line in lines if line != "builtin"]

    def dev_tenants(self) -> list[TenantConfig]:
        """Every configured development tenant: the [[tenants.dev]] entries, then tenant1..N."""
        numbered = [
            TenantConfig(self.dev_schema.format(n=n), self.dev_name.format(n=n), self.dev_domain.format(n=n))
            for n in range(1, self.dev_count + 1)
        ]
        return [*self.dev, *numbered]


@dataclass(frozen=True)
class DocsConfig:
    copilot_instructions: str = ".github/copilot-instructions.md"  # "" = not generated
    roadmap: str = "docs/ROADMAP.md"  # "" = not generated
    roadmap_source: str = "docs/roadmap.toml"
    agents_md: str = ""  # e.g. "AGENTS.md": the same blocks in a second file
    templates: str = ""  # project folder whose templates replace the packaged ones by name
    workflows: str = ".github/workflows"


@dataclass(frozen=True)
class Config:
    root: Path
    source: str  # the file the configuration came from, or "(none)"
    manage_py: str = "manage.py"
    env_file: str = ".env"
    lock_timeout: float = 300.0
    python: PythonConfig = PythonConfig()
    node: NodeConfig = NodeConfig()
    database: DatabaseConfig = DatabaseConfig()
    tenants: TenantsConfig = TenantsConfig()
    docs: DocsConfig = DocsConfig()
    provenance: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    warnings: tuple[str, ...] = ()

    def path(self, relative: str) -> Path:
        return (self.root / relative).resolve()

    @property
    def manage_dir(self) -> Path:
        return self.path(self.manage_py).parent

    @property
    def state_dir(self) -> Path:
        return self.root / ".devkit"
