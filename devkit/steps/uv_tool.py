"""uv, devkit's default installer: its binary (from the `uv` package) and pip's settings for it.

uv does not read pip's environment variables or pip.conf. The PIP_* variables that have a uv
equivalent are passed on as UV_* (an explicit UV_* wins); one without an equivalent that
changes what gets installed is a reason to use pip instead (`pip_only_settings`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# PIP_* -> UV_* with the same meaning and value syntax.
ENV_EQUIVALENTS = {
    "PIP_INDEX_URL": "UV_INDEX_URL",
    "PIP_EXTRA_INDEX_URL": "UV_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS": "UV_FIND_LINKS",
    "PIP_TRUSTED_HOST": "UV_INSECURE_HOST",
    "PIP_REQUIRE_HASHES": "UV_REQUIRE_HASHES",
    "PIP_DEFAULT_TIMEOUT": "UV_HTTP_TIMEOUT",
    "PIP_TIMEOUT": "UV_HTTP_TIMEOUT",
    "PIP_CERT": "SSL_CERT_FILE",
    "PIP_CLIENT_CERT": "SSL_CLIENT_CERT",
    "PIP_NO_CACHE_DIR": "UV_NO_CACHE",
}
# PIP_* variables about pip's own output or behaviour: nothing to carry over.
ENV_IRRELEVANT = {
    "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_NO_INPUT", "PIP_QUIET", "PIP_VERBOSE",
    "PIP_PROGRESS_BAR", "PIP_ROOT_USER_ACTION", "PIP_CACHE_DIR", "PIP_NO_COLOR",
    "PIP_BREAK_SYSTEM_PACKAGES", "PIP_RETRIES", "PIP_LOG", "PIP_CONFIG_FILE",
    "PIP_NO_WARN_SCRIPT_LOCATION", "PIP_USE_DEPRECATED", "PIP_USER_AGENT",
}  # fmt: skip
# PIP_* variables that become command-line options of `uv pip install`.
ENV_AS_OPTIONS = {"PIP_CONSTRAINT": "-c", "PIP_NO_INDEX": "--no-index", "PIP_PRE": "--prerelease=allow"}


class UvUnavailable(Exception):
    """The uv package or its binary is not usable here; the message says why."""


def find_uv() -> str:
    """The uv binary shipped by the `uv` package (its own lookup, not a PATH guess)."""
    try:
        import uv
    except ImportError as exc:
        raise UvUnavailable("the uv package is not installed next to devkit") from exc
    try:
        return uv.find_uv_bin()
    except (FileNotFoundError, OSError) as exc:  # no uv wheel for this platform
        raise UvUnavailable(f"the uv package has no binary for this platform ({exc})") from exc


def pip_only_settings(environ: Mapping[str, str] | None = None) -> str | None:
    """Why pip's environment settings need pip itself, or None when uv can honour them."""
    environ = os.environ if environ is None else environ
    for name in sorted(environ):
        if not name.startswith("PIP_") or name in ENV_IRRELEVANT:
            continue
        if name not in ENV_EQUIVALENTS and name not in ENV_AS_OPTIONS:
            return f"{name} is set and uv has no equivalent"
    return None


def uv_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """UV_* values derived from PIP_* ones (only where no UV_* value is set already)."""
    environ = os.environ if environ is None else environ
    out = {"UV_NO_PROGRESS": "1"}
    # pip byte-compiles what it installs; uv does not by default, and Python never writes the
    # .pyc files itself under PYTHONDONTWRITEBYTECODE (set in many container images), so every
    # Django process would compile Django again (about 1 s each on this machine kind).
    if environ.get("PYTHONDONTWRITEBYTECODE") and "UV_COMPILE_BYTECODE" not in environ:
        out["UV_COMPILE_BYTECODE"] = "1"
    for pip_name, uv_name in ENV_EQUIVALENTS.items():
        value = environ.get(pip_name)
        if value and uv_name not in environ and uv_name not in out:
            if uv_name == "UV_NO_CACHE" or uv_name == "UV_REQUIRE_HASHES":
                value = "1" if value.lower() in ("1", "true", "yes", "on") else "0"
            out[uv_name] = value
    return out


def uv_options(environ: Mapping[str, str] | None = None) -> list[str]:
    """`uv pip install` options derived from PIP_CONSTRAINT / PIP_NO_INDEX / PIP_PRE."""
    environ = os.environ if environ is None else environ
    options: list[str] = []
    for name in environ.get("PIP_CONSTRAINT", "").split():
        options += ["-c", name]
    for name, option in (("PIP_NO_INDEX", "--no-index"), ("PIP_PRE", "--prerelease=allow")):
        if environ.get(name, "").lower() in ("1", "true", "yes", "on"):
            options.append(option)
    return options
