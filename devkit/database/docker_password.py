"""A lost database password for devkit's own container, recovered through the container's local
socket (trusted inside the container): `ALTER ROLE ... PASSWORD` with a new generated password.

The data is not touched. The password reaches psql through an exec environment variable and a
pipe, never through argv (argv is visible in `ps`).
"""

from __future__ import annotations

import time
from typing import Any

from devkit.core.errors import DatabaseError
from devkit.core.state import fingerprint

PSQL = 'psql -v ON_ERROR_STOP=1 -q -U "$DEVKIT_ROLE" -d postgres'


def password_mark(password: str) -> str:
    """A one-way mark of the password the server was given (never the password itself)."""
    return fingerprint(["devkit-docker-password", password])[:16]


def set_password(container: Any, user: str, password: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        code, out = container.exec_run(["pg_isready", "-U", user, "-d", "postgres"], user="postgres")
        if code == 0:
            break
        if time.monotonic() >= deadline:
            raise DatabaseError(
                "could not reach PostgreSQL inside the container to set a new password",
                hint="see `docker logs` of the container; or start empty: `devkit down --volumes --yes`",
                details=out.decode(errors="replace")[-500:],
            )
        time.sleep(0.3)
    role = '"' + user.replace('"', '""') + '"'
    code, out = container.exec_run(
        ["sh", "-c", 'printf "$DEVKIT_FMT" "$DEVKIT_SQL" "$DEVKIT_PW" | ' + PSQL],
        user="postgres",
        environment={
            "DEVKIT_FMT": "%s'%s';\\n",
            "DEVKIT_SQL": f"ALTER ROLE {role} PASSWORD ",
            "DEVKIT_PW": password.replace("'", "''"),
            "DEVKIT_ROLE": user,
        },
    )
    if code != 0:
        raise DatabaseError(
            "setting a new password inside the container failed",
            hint="see the message below; or start empty: `devkit down --volumes --yes` (deletes the data)",
            details=out.decode(errors="replace")[-500:],
        )
