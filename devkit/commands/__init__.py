"""The bodies of the CLI commands: each takes the configuration and the UI, returns (exit code,
JSON payload) and raises DevkitError; no typer here (devkit/cli registers them).

Layer: below cli. May import doctor, init, steps, tenants, docs, the spine, database, project,
ci, config and core."""
