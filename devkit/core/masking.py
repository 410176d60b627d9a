"""The one place that hides secrets: every console line, log file and generated file goes through it.

Rules (issue 11; pinned by the corpus tests/fixtures/masking/corpus.txt):
- A line that contains no secret is printed unchanged.
- A registered secret of 8+ characters that is not a word is masked wherever it occurs.
- A short or dictionary-word secret (`postgres`) is masked only where it stands as a value, never
  inside an identifier, a path or code: URL userinfo (`scheme://user:****@`), env-file syntax
  (`DB_PASSWORD=****`, no spaces around `=`), JSON (`"password": "****"`).
- Those three value positions are masked whatever the value, registered or not, when the key (or
  the URL) says it holds a secret.
"""

from __future__ import annotations

import re
import threading

MASK = "****"
_lock = threading.Lock()
_secrets: set[str] = set()
# Words that make a key name a secret's: DB_PASSWORD, PGPASSWORD, API_TOKEN, DJANGO_SECRET_KEY...
# The short ones (PASS, PWD, PW) only as a whole part of the name: DB_PW, not NPWS; PWD alone is
# the shell's working directory.
_SECRET_WORD = (
    r"(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?"
    r"|(?<![A-Z0-9])(?:PASS|PWD|PW)(?![A-Z0-9]))"
)
# Values that are not secrets but references to one: ${VAR}, $VAR, {password}, <password>, %s, ****.
_REFERENCE = ("$", "%", "{", "<", MASK)
_SECRET_KEY = re.compile(_SECRET_WORD, re.I)
# Each pattern starts at a literal or a small set of characters (fast to search for in a long
# log); the callback decides whether the key names a secret.
# user:password@ in a URL (userinfo); the password is anything up to the @ (not a /: a port).
_URL_PASSWORD = re.compile(r"://[^:/@\s]*:(?P<val>[^@\s/]+)(?=@)")
# KEY=value in env-file syntax: a token that starts a line or follows a space or `;` (`export A=b`,
# `env A=b cmd`, a compose list `- POSTGRES_PASSWORD=x`), an upper-case name, `=` without spaces.
_ENV_ASSIGN = re.compile(
    r"(?<![^\s;])(?P<key>[A-Z][A-Z0-9_]*)=(?P<q>[\"']?)(?P<val>[^\s\"']+)(?P=q)(?=$|[\s;])"
)
# "password": "value" in JSON (and the same shape in a Python dict literal).
_JSON_ASSIGN = re.compile(r"\"(?P<key>[A-Za-z0-9_.-]+)\"\s*:\s*\"(?P<val>[^\"]+)\"")
# The words of the configuration and of common passwords: as secrets they are weak (doctor warns),
# and a registered one of them is masked only as a value, never inside paths or identifiers.
_COMMON_WORDS = """
    postgres postgresql password passw0rd secret admin administrator root toor django tenant tenants
    changeme letmein welcome qwerty qwertyuiop abc123 123456 12345678 123456789 1234567890 default
    master guest test testing example development devpass dbpass database public sqlite mysql
    mariadb docker devkit user username pass superuser iloveyou dragon monkey sunshine football
    baseball princess trustno1 whatever starwars
"""
COMMON_WORDS = frozenset(_COMMON_WORDS.split())


def is_word(secret: str) -> bool:
    """True for a dictionary-like word: letters in one case (`postgres`, `Welcome`, `ADMIN`), or a
    common password with a few digits. A generated token may be all letters, but in mixed case."""
    lowered = secret.lower()
    stem = lowered.rstrip("0123456789")
    one_case = secret.islower() or secret.isupper() or secret.istitle()
    return (
        (secret.isalpha() and one_case)
        or lowered in COMMON_WORDS
        or (stem in COMMON_WORDS and len(lowered) - len(stem) <= 4)
    )


def is_weak(secret: str, minimum: int = 12) -> bool:
    """A password masking cannot protect well (doctor warns): shorter than `minimum`, or a word."""
    return len(secret) < minimum or is_word(secret)


def _masked_everywhere(secret: str) -> bool:
    return len(secret) >= 8 and not is_word(secret)


def register(secret: str | None) -> None:
    """Remember a secret value so that mask() hides it (everywhere when long, as a value when weak)."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)


def mask(text: str) -> str:
    """Hide long registered secrets everywhere, and any value standing in a secret's position."""
    with _lock:
        known = sorted((s for s in _secrets if _masked_everywhere(s)), key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    if "://" in text:
        text = _URL_PASSWORD.sub(_hide_url, text)
    if "=" in text:
        text = _ENV_ASSIGN.sub(_hide_assignment, text)
    if '"' in text:
        text = _JSON_ASSIGN.sub(_hide_assignment, text)
    return text


def _hide_url(match: re.Match[str]) -> str:
    return _replace_value(match) if not match.group("val").startswith(_REFERENCE) else match.group(0)


def _hide_assignment(match: re.Match[str]) -> str:
    key, value = match.group("key"), match.group("val")
    if key in ("PWD", "OLDPWD") or value.startswith(_REFERENCE) or not _SECRET_KEY.search(key):
        return match.group(0)
    return _replace_value(match)


def _replace_value(match: re.Match[str]) -> str:
    start, end = match.span("val")
    offset = match.start()
    whole = match.group(0)
    return whole[: start - offset] + MASK + whole[end - offset :]
