"""CLI commands for 'ci' (registered on devkit.cli.app by importing this module)."""
