#!/usr/bin/env bash
# Set up devkit's development environment, then a quick self-check that fails loudly.
set -euo pipefail

# PostgreSQL 15 server binaries (bookworm's version): the tests start their own cluster from
# /usr/lib/postgresql/15/bin. Without systemd in the container the packaged service stays down.
sudo apt-get update
sudo apt-get install -y --no-install-recommends postgresql-15 postgresql-client-15

python3 -m venv .venv
.venv/bin/pip install --upgrade pip
.venv/bin/pip install -e '.[test]'

# Self-check: the CLI starts, lint is clean, the fast unit tests pass.
.venv/bin/devkit --version
.venv/bin/ruff check devkit tests
.venv/bin/pytest -q tests/test_jsonc.py
