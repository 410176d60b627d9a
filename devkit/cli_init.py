"""CLI commands for 'init' (registered on devkit.cli.app by importing this module)."""
