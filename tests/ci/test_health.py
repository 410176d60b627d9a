"""`devkit health` against real local HTTP servers (127.0.0.1, port 0), and the composite action.

The unresolvable host uses the reserved .invalid TLD (RFC 2606): resolvers answer NXDOMAIN
without asking the internet.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from tests.support.postgres import free_port
from tests.support.project import REPO, devkit

FAST = ("--delay", "0.05")


class Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}
    hosts: ClassVar[dict[str, str]] = {}

    def do_GET(self) -> None:
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        Handler.hosts[self.path] = self.headers.get("Host", "")
        if self.path == "/ok":
            self._send(200, json.dumps({"status": "healthy", "db": {"ok": True}}))
        elif self.path == "/degraded":
            self._send(200, json.dumps({"status": "degraded", "db": {"ok": False}}))
        elif self.path == "/down":
            self._send(503, "<h1>Service Unavailable</h1>" + "x" * 500)
        elif self.path == "/redirect":
            self._send(302, "", {"Location": "/login/?next=/health"})
        elif self.path == "/slow":
            time.sleep(1.0)
            self._send(200, "late")
        elif self.path == "/flaky":  # 503 twice, then healthy
            self._send(503 if Handler.hits[self.path] <= 2 else 200, "warming up")
        elif self.path == "/auth":
            ok = self.headers.get("Authorization") == "Bearer s3cr3t-token"
            self._send(200 if ok else 401, "auth")
        else:
            self._send(404, "not found")

    def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed when the block ends: nothing listens


def health(*args: str) -> tuple[int, dict, str]:
    ran = devkit("health", "--json", *args)
    return ran.code, json.loads(ran.out), ran.err


def test_healthy(server: str) -> None:
    code, payload, err = health(f"{server}/ok", *FAST)
    assert code == 0
    assert (payload["outcome"], payload["status_code"], payload["attempts"]) == ("healthy", 200, 1)
    assert "attempt 1/20" in err


def test_unexpected_status_shows_the_body(server: str) -> None:
    code, payload, err = health(f"{server}/down", "--max-attempts", "2", *FAST)
    assert code == 1
    assert (payload["outcome"], payload["status_code"], payload["attempts"]) == ("status", 503, 2)
    assert payload["body"].startswith("<h1>Service Unavailable</h1>")
    assert len(payload["body"]) == 200
    assert "HTTP 503, expected 200" in err


def test_expected_status_can_be_another(server: str) -> None:
    code, payload, _ = health(f"{server}/down", "--expect-status", "200", "--expect-status", "503")
    assert code == 0 and payload["status_code"] == 503


def test_degraded_200_with_expect_json(server: str) -> None:
    code, payload, err = health(
        f"{server}/degraded", "--expect-json", "status=healthy", "--max-attempts", "2", *FAST
    )
    assert code == 1
    assert (payload["outcome"], payload["status_code"]) == ("degraded", 200)
    assert "status is 'degraded', expected 'healthy'" in err
    code, payload, _ = health(
        f"{server}/ok", "--expect-json", "status=healthy", "--expect-json", "db.ok=true"
    )
    assert code == 0


def test_refused(closed_port: int) -> None:
    code, payload, err = health(f"http://127.0.0.1:{closed_port}/", "--max-attempts", "3", *FAST)
    assert code == 1
    assert (payload["outcome"], payload["status_code"], payload["attempts"]) == ("refused", None, 3)
    assert "connection refused" in err
    assert "HTTP 000" not in err  # the script this replaces reported "HTTP 000000"


def test_timeout(server: str) -> None:
    started = time.monotonic()
    code, payload, err = health(f"{server}/slow", "--timeout", "0.2", "--max-attempts", "1")
    assert code == 1
    assert payload["outcome"] == "timeout"
    assert "within 0.2s" in err
    assert time.monotonic() - started < 5


def test_redirect_is_reported_not_followed(server: str) -> None:
    before = Handler.hits.get("/login/?next=/health", 0)
    code, payload, _err = health(f"{server}/redirect", "--max-attempts", "1")
    assert code == 1
    assert payload["outcome"] == "redirect"
    assert payload["status_code"] == 302
    assert payload["location"] == "/login/?next=/health"
    assert Handler.hits.get("/login/?next=/health", 0) == before
    code, payload, _ = health(f"{server}/redirect", "--expect-status", "302")
    assert code == 0


def test_unresolvable_host() -> None:
    code, payload, err = health("http://devkit-health-test.invalid/health", "--max-attempts", "1")
    assert code == 1
    assert payload["outcome"] == "dns"
    assert "DNS lookup of devkit-health-test.invalid failed" in err


def test_tls_error(server: str) -> None:
    """https:// to a plain-HTTP server: the TLS handshake fails (no certificate needed)."""
    code, payload, err = health(server.replace("http://", "https://") + "/ok", "--max-attempts", "1")
    assert code == 1
    assert payload["outcome"] == "tls"
    assert "TLS error with 127.0.0.1" in err


def test_untrusted_certificate_is_a_tls_error(tmp_path: Path) -> None:
    """A real HTTPS server with a self-signed certificate: verification must fail, not pass."""
    import ssl
    import subprocess

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        code, payload, err = health(f"https://127.0.0.1:{httpd.server_address[1]}/ok", "--max-attempts", "1")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert code == 1 and payload["outcome"] == "tls"
    assert "certificate" in err.lower()


def test_retries_until_healthy(server: str) -> None:
    code, payload, _err = health(f"{server}/flaky", *FAST)
    assert code == 0
    assert payload["attempts"] == 3
    assert [a["outcome"] for a in payload["history"]] == ["status", "status", "healthy"]


def test_the_same_404_by_address_is_not_retried_to_the_end(server: str) -> None:
    """With DEBUG off, django-tenants' "no tenant" 404 looks like any 404: called by address with no
    --host, the same 404 three times in a row ends the retries (issue 26 #7); with --host it does not."""
    code, payload, err = health(f"{server}/missing", "--max-attempts", "6", *FAST)
    assert code == 1 and (payload["status_code"], payload["attempts"]) == (404, 3), err
    assert "the same 404 3 times in a row: not retried further" in err and "stopped before 6" in err
    code, payload, err = health(f"{server}/missing", "--max-attempts", "4", "--host", "x.localhost", *FAST)
    assert code == 1 and payload["attempts"] == 4, err


def test_header_is_sent_and_masked(server: str) -> None:
    ran = devkit(
        "health",
        f"{server}/auth",
        "--header",
        "Authorization: Bearer s3cr3t-token",
        "--max-attempts",
        "1",
        "-v",
    )
    assert ran.code == 0, ran.text
    assert "s3cr3t-token" not in ran.text


@pytest.mark.parametrize(
    "args",
    [
        ("ftp://example.invalid/",),
        ("http://127.0.0.1/", "--max-attempts", "0"),
        ("http://127.0.0.1/", "--expect-json", "status"),
        ("http://127.0.0.1/", "--expect-status", "42"),
        ("http://127.0.0.1/", "--header", "no-colon"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    ran = devkit("health", *args)
    assert ran.code == 2, ran.text


def test_needs_no_project(tmp_path: Path, server: str) -> None:
    ran = subprocess.run(
        [str(REPO / ".venv" / "bin" / "devkit"), "health", f"{server}/ok"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr + ran.stdout


# -- the composite action ------------------------------------------------------------------
ACTION = REPO / ".github" / "actions" / "health-check" / "action.yml"


def run_action_step(tmp_path: Path, inputs: dict[str, str]) -> tuple[int, dict[str, str]]:
    """Run the action's `devkit health` step with bash as the runner would (devkit on PATH)."""
    action = yaml.safe_load(ACTION.read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "health")
    defaults = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    values = {**defaults, **inputs}
    env = {key: values[ref.split("inputs.", 1)[1].rstrip(" }")] for key, ref in step["env"].items()}
    output = tmp_path / "github_output"
    output.touch()
    env.update(
        RUNNER_TEMP=str(tmp_path),
        GITHUB_OUTPUT=str(output),
        PATH=f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    )
    ran = subprocess.run(
        ["bash", "-c", step["run"]], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return ran.returncode, outputs


def test_action_declares_the_interface() -> None:
    action = yaml.safe_load(ACTION.read_text())
    assert {"health-url", "max-attempts", "delay-seconds", "initial-wait", "expected-status"} <= set(
        action["inputs"]
    )
    assert {"status-code", "attempts"} <= set(action["outputs"])
    assert action["runs"]["using"] == "composite"
    install = action["runs"]["steps"][0]["run"]
    assert "$ACTION_PATH/../../.." in install  # devkit from the action's own repository


def test_action_passes_the_host_input(tmp_path: Path, server: str) -> None:
    inputs = {"health-url": f"{server}/ok-host", "host": "acme.localhost", "max-attempts": "1"}
    code, outputs = run_action_step(tmp_path, inputs)
    assert (code, outputs["status-code"]) == (1, "404")
    assert Handler.hosts["/ok-host"] == "acme.localhost"


def test_action_outputs_real_values(tmp_path: Path, server: str, closed_port: int) -> None:
    code, outputs = run_action_step(
        tmp_path,
        {
            "health-url": f"{server}/flaky-action",
            "max-attempts": "2",
            "delay-seconds": "0.05",
            "expected-status": "404, 200",
        },
    )
    assert code == 0
    assert outputs == {"status-code": "404", "attempts": "1", "outcome": "healthy"}
    code, outputs = run_action_step(
        tmp_path,
        {"health-url": f"http://127.0.0.1:{closed_port}/", "max-attempts": "2", "delay-seconds": "0.05"},
    )
    assert code == 1
    assert outputs == {"status-code": "", "attempts": "2", "outcome": "refused"}


# -- behind django-tenants' routing (issue 26 #7): the example's real middleware -----------------
DEVKIT_RUN = (str(REPO / ".venv" / "bin" / "devkit"), "--project")
RUNSERVER = ("python", "manage.py", "runserver")


@contextmanager
def runserver(project: Path, debug: bool) -> Iterator[str]:
    """The example's Django dev server (through `devkit run`) on a free port; stopped by its pid."""
    port = free_port()
    server = subprocess.Popen(
        [*DEVKIT_RUN, str(project), "run", "--", *RUNSERVER, f"127.0.0.1:{port}", "--noreload"],
        env={**os.environ, "DJANGO_DEBUG": "1" if debug else "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        up = devkit("health", f"{url}/api/v1/health/", "--delay", "0.2", "--max-attempts", "150")
        assert up.code == 0, up.text
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.mark.e2e
def test_a_tenant_404_is_named_not_retried_and_host_selects_the_tenant(example: Path) -> None:
    ran = devkit("up", "--no-input", "--skip", "node-deps", project=example)
    assert ran.code == 0, ran.text
    with runserver(example, debug=True) as url:
        started = time.monotonic()
        code, payload, err = health(f"{url}/")  # the default 20 x 5 s
        assert time.monotonic() - started < 10
        assert code == 1 and (payload["outcome"], payload["attempts"]) == ("no-tenant", 1), err
        assert "no tenant domain matches Host 127.0.0.1" in err and "--host" in err
        assert "stopped before 20" in err
        code, payload, err = health(f"{url}/", "--host", "guest.localhost", "--max-attempts", "1")
        assert code == 0, err
        assert payload["host"] == "guest.localhost"
        assert "guest" in payload["history"][0]["message"] or payload["status_code"] == 200
    with runserver(example, debug=False) as url:
        code, payload, err = health(f"{url}/", "--max-attempts", "5", *FAST)
        assert code == 1 and (payload["outcome"], payload["status_code"]) == ("status", 404), err
        assert "called by address 127.0.0.1" in err and "--host" in err
        assert payload["attempts"] == 3 and "not retried further" in err


def test_host_option_is_sent_and_checked(server: str) -> None:
    ran = devkit("health", f"{server}/ok", "--host", "guest.localhost:8000", "--json")
    assert ran.code == 0, ran.text
    assert json.loads(ran.out)["host"] == "guest.localhost:8000"
    assert Handler.hosts["/ok"] == "guest.localhost:8000"
    bad = devkit("health", f"{server}/ok", "--host", "a b")
    assert bad.code == 2 and "--host" in bad.text
