"""`devkit health URL`: GET a URL until it answers as expected, naming every failure precisely.

Standard library only (urllib), no project configuration. Redirects are never followed: a 3xx is
reported with its Location unless the status is one of the expected ones.
"""

from __future__ import annotations

import dataclasses
import http.client
import ipaddress
import json
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from devkit.core.errors import UsageError
from devkit.core.masking import register

BODY_PREVIEW = 200
SETTLED = 3  # the same 404 by address this many times: retrying will not change it
_SECRET_HEADERS = ("authorization", "cookie", "token", "key", "secret")
# django-tenants' TenantMainMiddleware.no_tenant_found raises Http404('No tenant for hostname "H"');
# Django's DEBUG 404 page shows that text (HTML-escaped quotes).
_NO_TENANT = re.compile(r"No tenant for hostname (?:&quot;|\"|&#34;)([^\"&<]*)")
_HOST = re.compile(r"[A-Za-z0-9._-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


@dataclass(frozen=True)
class Expectation:
    """What counts as healthy: one of the statuses, and every KEY=VALUE in the JSON body."""

    statuses: tuple[int, ...] = (200,)
    json_fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Attempt:
    number: int
    outcome: str  # healthy | dns | refused | tls | timeout | redirect | no-tenant | status | degraded | error
    message: str
    seconds: float
    status_code: int | None = None
    location: str | None = None
    body: str = ""
    settled: bool = False  # the same answer SETTLED times in a row where time does not change it

    @property
    def healthy(self) -> bool:
        return self.outcome == "healthy"

    @property
    def final(self) -> bool:
        """An answer that retrying cannot change: django-tenants found no tenant for the Host
        header, which depends on the request (the Host sent), not on time; or the same 404 to a
        call by address several times in a row (behind tenant routing, the DEBUG=False form)."""
        return self.outcome == "no-tenant" or self.settled

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt": self.number,
            "outcome": self.outcome,
            "message": self.message,
            "seconds": round(self.seconds, 3),
            "status_code": self.status_code,
            "location": self.location,
        }


@dataclass(frozen=True)
class Plan:
    url: str
    expect: Expectation = Expectation()
    max_attempts: int = 20
    delay: float = 5.0
    initial_wait: float = 0.0
    timeout: float = 15.0
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        """The Host header the request carries: --host (or a Host --header), else the URL's."""
        given = next((v for k, v in self.headers.items() if k.lower() == "host"), "")
        return given or (urlsplit(self.url).netloc.rpartition("@")[2])

    @property
    def host_given(self) -> bool:
        return any(k.lower() == "host" for k in self.headers)


def parse_plan(
    url: str,
    *,
    statuses: Sequence[int],
    expect_json: Sequence[str],
    headers: Sequence[str],
    max_attempts: int,
    delay: float,
    initial_wait: float,
    timeout: float,
    host: str | None = None,
) -> Plan:
    """Validate the command line into a Plan; UsageError (exit 2) names the bad value."""
    example = "for example https://app.example.com/health/"
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError for a port that is not a number in 0..65535
    except ValueError as exc:
        raise UsageError(f"not a valid URL: {url!r} ({exc})", hint=example) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"not an http(s) URL: {url!r}", hint=example)
    if port == 0:
        raise UsageError(f"not a valid URL: {url!r} (port 0)", hint=example)
    if max_attempts < 1:
        raise UsageError("--max-attempts must be at least 1")
    if min(delay, initial_wait) < 0 or timeout <= 0:
        raise UsageError("--delay and --initial-wait must be >= 0 and --timeout > 0")
    bad = [s for s in statuses if not 100 <= s <= 599]
    if bad:
        raise UsageError(f"--expect-status {bad[0]}: not an HTTP status (100-599)")
    fields = []
    for item in expect_json:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(
                f"--expect-json {item!r}: expected KEY=VALUE",
                hint="for example --expect-json status=healthy (a.b=c for nesting)",
            )
        fields.append((key, value))
    parsed_headers = {}
    for item in headers:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header {item!r}: expected 'Name: value'")
        if any(ch in item for ch in "\r\n\0"):  # would split the request into two
            raise UsageError(
                f"--header {name.strip()!r}: the value holds a line break or NUL (a header cannot)",
                hint="pass the value on one line (strip the trailing newline of a file or command output)",
            )
        if any(word in name.lower() for word in _SECRET_HEADERS):
            register(value.strip())
        parsed_headers[name.strip()] = value.strip()
    if host is not None:
        if not _HOST.fullmatch(host):
            raise UsageError(
                f"--host {host!r}: expected a host name, optionally with :PORT",
                hint="for example --host guest.localhost (a domain of one of the project's tenants)",
            )
        parsed_headers = {k: v for k, v in parsed_headers.items() if k.lower() != "host"}
        parsed_headers["Host"] = host
    return Plan(
        url,
        Expectation(tuple(statuses) or (200,), tuple(fields)),
        max_attempts,
        delay,
        initial_wait,
        timeout,
        parsed_headers,
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Turn every 3xx into an HTTPError so that it is reported, never silently followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def attempt(plan: Plan, number: int) -> Attempt:
    """One GET, classified. Never raises for network problems: they are outcomes."""
    request = urllib.request.Request(plan.url, headers={"User-Agent": "devkit-health", **plan.headers})
    started = time.monotonic()

    def done(outcome: str, message: str, **extra: Any) -> Attempt:
        return Attempt(number, outcome, message, time.monotonic() - started, **extra)

    try:
        with _OPENER.open(request, timeout=plan.timeout) as response:
            return judge(plan.expect, response.status, _read(response), response.headers, done, plan)
    except urllib.error.HTTPError as exc:
        return judge(plan.expect, exc.code, _read(exc), exc.headers, done, plan)
    except urllib.error.URLError as exc:
        return _network(exc.reason, plan, done)
    except OSError as exc:  # timeouts and resets after the connection was made
        return _network(exc, plan, done)
    except http.client.HTTPException as exc:  # a server that does not speak HTTP
        return done("error", f"not an HTTP answer: {type(exc).__name__}: {exc}")


def _read(response: Any) -> str:
    try:
        return response.read(64 * 1024).decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


def _network(reason: object, plan: Plan, done: Callable[..., Attempt]) -> Attempt:
    host = urlsplit(plan.url).hostname
    port = urlsplit(plan.url).port or (443 if plan.url.startswith("https") else 80)
    if isinstance(reason, socket.gaierror):
        return done("dns", f"DNS lookup of {host} failed ({reason.strerror or reason})")
    if isinstance(reason, ConnectionRefusedError):
        return done("refused", f"connection refused by {host}:{port} (nothing listens there)")
    if isinstance(reason, ssl.SSLError):
        return done("tls", f"TLS error with {host}:{port}: {getattr(reason, 'reason', None) or reason}")
    if isinstance(reason, TimeoutError | socket.timeout):
        return done("timeout", f"no answer from {host}:{port} within {plan.timeout:g}s")
    return done("error", f"{type(reason).__name__}: {reason}")


def judge(
    expect: Expectation,
    status: int,
    body: str,
    headers: Any,
    done: Callable[..., Attempt],
    plan: Plan | None = None,
) -> Attempt:
    """Classify an HTTP answer against the expectation."""
    preview = body[:BODY_PREVIEW]
    if status not in expect.statuses and status == 404:
        no_tenant = _NO_TENANT.search(body)
        if no_tenant:
            return done(
                "no-tenant",
                f"HTTP 404 from django-tenants' middleware: no tenant domain matches Host "
                f"{no_tenant.group(1) or '(empty)'}; pass `--host` with a tenant's domain (e.g. "
                "`--host guest.localhost`, a domain devkit created) or call the URL by that "
                "domain; not retried: the answer depends on the Host header, not on time",
                status_code=status,
                body=preview,
            )
        if plan is not None and not plan.host_given and _is_address(plan.host):
            return done(
                "status",
                f"HTTP 404, expected {' or '.join(map(str, expect.statuses))}: {preview!r} (called "
                f"by address {plan.host}: behind django-tenants' routing a Host that matches no "
                "tenant domain gets a 404; pass `--host` with a tenant's domain)",
                status_code=status,
                body=preview,
            )
    if status not in expect.statuses:
        if 300 <= status < 400:
            location = headers.get("Location") if headers else None
            return done(
                "redirect",
                f"HTTP {status} redirect to {location or '(no Location)'}",
                status_code=status,
                location=location,
            )
        wanted = " or ".join(map(str, expect.statuses))
        return done(
            "status", f"HTTP {status}, expected {wanted}: {preview!r}", status_code=status, body=preview
        )
    problem = _json_mismatch(expect.json_fields, body)
    if problem:
        return done("degraded", f"HTTP {status} but {problem}", status_code=status, body=preview)
    return done("healthy", f"HTTP {status}", status_code=status)


def _is_address(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _json_mismatch(fields: tuple[tuple[str, str], ...], body: str) -> str | None:
    if not fields:
        return None
    try:
        document: Any = json.loads(body)
    except ValueError:
        return f"the body is not JSON: {body[:BODY_PREVIEW]!r}"
    for key, wanted in fields:
        value: Any = document
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                return f"the JSON has no {key!r}"
            value = value[part]
        shown = value if isinstance(value, str) else json.dumps(value)
        if shown != wanted:
            return f"{key} is {shown!r}, expected {wanted!r}"
    return None


def _settled_404(plan: Plan, attempts: list[Attempt]) -> bool:
    """The last SETTLED attempts are the same 404 to a URL called by address without `--host`: with
    DEBUG off, django-tenants' "no tenant" 404 looks like any other, and it will not change."""
    last = attempts[-SETTLED:]
    if len(last) < SETTLED or plan.host_given or not _is_address(plan.host):
        return False
    return all(a.status_code == 404 and a.body == last[0].body for a in last)


def check(
    plan: Plan,
    on_attempt: Callable[[Attempt], None] = lambda a: None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Attempt]:
    """Attempt until healthy, an answer retrying cannot change, or max_attempts; every attempt is
    returned (the last one decides)."""
    if plan.initial_wait:
        sleep(plan.initial_wait)
    attempts: list[Attempt] = []
    for number in range(1, plan.max_attempts + 1):
        result = attempt(plan, number)
        attempts.append(result)
        on_attempt(result)
        if _settled_404(plan, attempts):
            result = attempts[-1] = dataclasses.replace(
                result,
                settled=True,
                message=f"{result.message}; the same 404 {SETTLED} times in a row: not retried further "
                "(a tenant's route does not appear with time; pass `--host`)",
            )
        if result.healthy or result.final:
            break
        if number < plan.max_attempts:
            sleep(plan.delay)
    return attempts
