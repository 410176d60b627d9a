"""The command line: app.py holds the typer app, its global options and the error handling; one
module per command group registers its commands on it. Registration only: the bodies are in
devkit/commands. Importing this package registers every command.

Layer: the top. May import anything below (commands, doctor, init, steps, config, core).
"""

# The import order is the order `devkit --help` lists the commands in.
# isort: off
from devkit.cli import environment  # noqa: F401  up, down, status, config
from devkit.cli import ci  # noqa: F401  migrate, health, check-workflows
from devkit.cli import db  # noqa: F401  db url, db shell, db snapshot
from devkit.cli import tenants  # noqa: F401
from devkit.cli import docs  # noqa: F401
from devkit.cli import doctor  # noqa: F401
from devkit.cli import init  # noqa: F401
from devkit.cli import run  # noqa: F401  run, shell
# isort: on
