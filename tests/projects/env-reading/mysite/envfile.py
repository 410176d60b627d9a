"""The project's own env-file loader (no python-dotenv): mysite/.env.local, if it is there."""

import os
from pathlib import Path

ENV_FILE = Path(__file__).resolve().parent / ".env.local"


def load():
    if not os.path.exists(ENV_FILE):
        return
    with open(ENV_FILE) as handle:
        for line in handle:
            key, sep, value = line.strip().partition("=")
            if sep and not key.startswith("#"):
                os.environ.setdefault(key.strip(), value.strip().strip("'\""))
