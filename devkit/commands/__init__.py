"""The bodies of the CLI commands: each returns (exit code, JSON payload) and raises DevkitError."""
