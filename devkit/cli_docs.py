"""CLI commands for 'docs' (registered on devkit.cli.app by importing this module)."""
