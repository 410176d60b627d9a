"""The one place that hides secrets: every console line, log file and generated file goes through it."""

from __future__ import annotations

import re
import threading

MASK = "****"
_lock = threading.Lock()
_secrets: set[str] = set()
# user:password@ in any URL, and KEY=value / "key": "value" where the key looks secret.
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]+)(?=@)", re.I)
_SECRET_ASSIGN = re.compile(
    # A key (not part of a longer word like "wrong-password") then = or :, then a value that is
    # not a {placeholder} of a template.
    r"(?P<head>(?<![\w-])[A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN|API_KEY|PASSWD)[A-Z0-9_]*[\"']?\s*[=:]\s*[\"']?)"
    r"(?P<val>(?!\{)[^\s\"',]+)",
    re.I,
)


def register(secret: str | None) -> None:
    """Remember a secret value so that mask() hides it wherever it appears."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)


def mask(text: str) -> str:
    """Hide registered secrets, URL passwords and secret-looking assignments."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    return _SECRET_ASSIGN.sub(lambda m: m.group("head") + MASK, text)
