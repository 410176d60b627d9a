"""Does a Django password hash match a password? Without Django, for the hashers Django makes by
default (`pbkdf2_sha256$<iterations>$<salt>$<base64 digest>`, and pbkdf2_sha1).

A branch takes the source's stored superuser password with the source's rows; before it calls
the copy ready it checks that the stored password opens the copied row. Any other hasher
(argon2, bcrypt, scrypt) is not checked here: the caller then sets the password through Django.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

ALGORITHMS = {"pbkdf2_sha256": "sha256", "pbkdf2_sha1": "sha1"}


def matches(password: str, encoded: str) -> bool | None:
    """True/False for a pbkdf2 hash; None for a format this module does not check."""
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] not in ALGORITHMS or not parts[1].isdigit():
        return None
    algorithm, iterations, salt, expected = parts
    digest = hashlib.pbkdf2_hmac(ALGORITHMS[algorithm], password.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii").strip(), expected)
