"""CLI commands for 'doctor' (registered on devkit.cli.app by importing this module)."""
