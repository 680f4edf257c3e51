"""The pre-exposure tester script (podinfo_canary/core/tester.py), run for real: curl against a
stand-in podinfo on loopback that answers as podinfo 6.14.1 does (prettyJSON bodies with
`hostname` and `version`, the page for a browser) and routes `X-Canary: always` to its canary
pod, as the router would; under busybox's ash (the shell of the podinfo image the Jobs run) and
the host's sh, and over TLS with the environment's host name as SNI.

Each check of the acceptance test must pass on a good canary and fail on the fault it is for; the
load must send exactly its count, each request with the header, over its paths."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from podinfo_canary.core.tester import ACCEPTANCE, LOAD, SCRIPT
from podinfo_canary.core.workload import CANARY_HEADER

HOST = "podinfo.test.example.com"
CANARY_POD, STABLE_POD = "podinfo-c4n4ry7f-x2k9q", "podinfo-st4b1e9d-a1b2c"


@dataclass
class StandIn:
    """What the router and podinfo do: who answers, with which version and statuses."""

    canary_version: str = "6.14.1"
    header_reaches_canary: bool = True
    canary_status: int = 200
    # Answers (status) the canary gives before it answers canary_status: a sporadic error, retried.
    first_answers: list[int] = field(default_factory=list)
    router_gone_after: int | None = None  # requests after which the header no longer reaches the canary
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)


SHELLS = (["busybox", "sh", "-c"], ["sh", "-c"])


@pytest.fixture(params=SHELLS, ids=["busybox ash", "sh"], scope="module")
def shell(request) -> list[str]:
    if shutil.which(request.param[0]) is None:
        pytest.fail(f"{request.param[0]} is missing: .ci/run installs it (the tester's image runs busybox's ash)")
    return request.param


def _serve(stand_in: StandIn, tls: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            header = self.headers.get(CANARY_HEADER)
            stand_in.requests.append((self.path, header))
            stand_in.agents.append(self.headers.get("User-Agent", ""))
            if self.headers.get("Host") != HOST:
                return self._answer(404, {"error": "no such host"})
            gone = stand_in.router_gone_after is not None and len(stand_in.requests) > stand_in.router_gone_after
            canary = header == "always" and stand_in.header_reaches_canary and not gone
            pod, version = (CANARY_POD, stand_in.canary_version) if canary else (STABLE_POD, "6.14.0")
            status = (stand_in.first_answers.pop(0) if stand_in.first_answers else stand_in.canary_status) if canary else 200
            if self.path == "/" and self.headers.get("User-Agent", "").startswith("Mozilla"):
                return self._page(status)
            if self.path == "/version":
                return self._answer(status, {"commit": "unknown", "version": version})
            if self.path in ("/", "/api/info"):
                return self._answer(status, {"hostname": pod, "version": version, "message": "podinfo prod"})
            return self._answer(404, {"error": "not found"})

        def _page(self, status: int) -> None:
            data = b"<!DOCTYPE html>\n<html>\n<head>\n  <title>podinfo</title>\n</head>\n</html>\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body, indent=2).encode()  # podinfo's prettyJSON: `"key": "value"`
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _run(stand_in: StandIn, tmp_path, shell=SHELLS[1], tls: ssl.SSLContext | None = None, **env) -> subprocess.CompletedProcess:
    if shutil.which("curl") is None:
        pytest.fail("curl is missing: .ci/run installs it (the tester's script runs on curl)")
    server = _serve(stand_in, tls)
    try:
        base = {
            "PATH": os.environ["PATH"],
            "TMPDIR": str(tmp_path),
            "HOST": HOST,
            "ROUTE": f"127.0.0.1:{server.server_address[1]}",
            "SCHEME": "http",
            "HEADER": CANARY_HEADER,
            "CANARY_POD_PREFIX": "podinfo-c4n4ry7f-",
            "ATTEMPTS": "2",
            "RETRY_SECONDS": "0",
            "EXPECTED_IMAGE": "ghcr.io/stefanprodan/podinfo:6.14.1@sha256:" + "0" * 64,
            "REQUESTS": "25",
            "RATE": "200",
            "PATHS": "/ /api/info /version",
            "CONCURRENCY": "3",
            "ANSWERED_MIN_PERCENT": "90",
        }
        return subprocess.run([*shell, SCRIPT], env={**base, **env}, capture_output=True, text=True, timeout=60)
    finally:
        server.shutdown()


def test_the_version_is_the_tag_of_the_image_with_or_without_a_digest_or_a_registry_port(tmp_path):
    for image in ("registry.example.test:5000/team/podinfo:6.14.1", "ghcr.io/stefanprodan/podinfo:6.14.1"):
        done = _run(StandIn(), tmp_path, MODE=ACCEPTANCE, EXPECTED_IMAGE=image)
        assert done.returncode == 0 and "ok: /version is 6.14.1" in done.stdout, done.stdout


def test_acceptance_passes_on_the_right_canary(tmp_path, shell):
    stand_in = StandIn()
    done = _run(stand_in, tmp_path, shell, MODE=ACCEPTANCE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "canary pod podinfo-c4n4ry7f-x2k9q" in done.stdout
    assert [path for path, _ in stand_in.requests] == ["/", "/version", "/api/info", "/"]
    assert {header for _, header in stand_in.requests} == {"always"}
    assert stand_in.agents[-1].startswith("Mozilla") and not stand_in.agents[0].startswith("Mozilla")


def test_a_sporadic_error_is_retried_not_an_abort(tmp_path):
    """A healthy canary's occasional 5xx is the sequential tests' to weigh: each check retries it."""
    stand_in = StandIn(first_answers=[200, 503, 200, 500, 200])
    done = _run(stand_in, tmp_path, MODE=ACCEPTANCE, ATTEMPTS="3")
    assert done.returncode == 0, done.stdout
    assert [path for path, _ in stand_in.requests] == ["/", "/version", "/version", "/api/info", "/api/info", "/"]


@pytest.mark.parametrize(
    ("stand_in", "expected", "attempts"),
    [
        (StandIn(canary_version="6.14.0"), "/version says '6.14.0', Git says '6.14.1'", 1),
        (StandIn(header_reaches_canary=False), "not from a canary pod (podinfo-c4n4ry7f-*), after 2 attempts", 2),
        (StandIn(canary_status=500), "/ through the header route answered 500", 2),
        (StandIn(first_answers=[200, 200, 200], canary_status=500), "/ answered 500 to a browser, not its page", 3),
    ],
    ids=["wrong version", "header route reaches stable", "canary answers 500", "the UI fails"],
)
def test_acceptance_fails_on_each_fault(stand_in, expected, attempts, tmp_path, shell):
    stand_in = dataclasses.replace(stand_in, requests=[], agents=[], first_answers=list(stand_in.first_answers))
    done = _run(stand_in, tmp_path, shell, MODE=ACCEPTANCE)
    assert done.returncode == 1, done.stdout
    assert expected in done.stdout
    assert sum(1 for path, _ in stand_in.requests if path == "/") == attempts


def test_acceptance_fails_when_nothing_answers(tmp_path):
    done = _run(StandIn(), tmp_path, MODE=ACCEPTANCE, ROUTE="127.0.0.1:9")  # the discard port: refused
    assert done.returncode == 1
    assert "answered 000" in done.stdout


def test_the_version_check_can_be_left_out(tmp_path):
    stand_in = StandIn(canary_version="custom-build")
    done = _run(stand_in, tmp_path, MODE=ACCEPTANCE, EXPECTED_IMAGE="")
    assert done.returncode == 0, done.stdout
    assert [path for path, _ in stand_in.requests] == ["/", "/api/info", "/"]


def test_load_sends_its_count_with_the_header_over_its_paths(tmp_path, shell):
    stand_in = StandIn(canary_status=500)  # podinfo's own 5xx are for the sequential tests, not the Job
    done = _run(stand_in, tmp_path, shell, MODE=LOAD, ATTEMPTS="1")
    assert done.returncode == 1  # ... but its final route check needs a 200 from a canary pod
    stand_in = StandIn(first_answers=[500] * 25)
    done = _run(stand_in, tmp_path, shell, MODE=LOAD)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(stand_in.requests) == 25 + 1  # and the route check at the end
    assert {header for _, header in stand_in.requests} == {"always"}
    paths = [path for path, _ in stand_in.requests[:25]]
    assert (paths.count("/"), paths.count("/api/info"), paths.count("/version")) == (9, 8, 8)
    assert "not answered by podinfo: 0" in done.stdout and "25 500" in done.stdout


def test_load_fails_when_the_router_answers_for_the_canary(tmp_path):
    """502/503/504 are what the router says when no canary pod answers: not podinfo's evidence."""
    done = _run(StandIn(canary_status=503), tmp_path, MODE=LOAD)
    assert done.returncode == 1 and "25 of 25 requests got no answer from podinfo" in done.stdout


def test_load_fails_when_the_header_route_is_gone_by_its_end(tmp_path):
    done = _run(StandIn(router_gone_after=10), tmp_path, MODE=LOAD)
    assert done.returncode == 1 and "not from a canary pod" in done.stdout


def test_load_fails_when_the_route_is_gone(tmp_path):
    done = _run(StandIn(), tmp_path, MODE=LOAD, ROUTE="127.0.0.1:9", REQUESTS="5")
    assert done.returncode == 1
    assert "5 of 5 requests got no answer from podinfo" in done.stdout


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for HOST (openssl), and a server context holding it."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is missing: .ci/run installs it (the TLS check makes its certificate)")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    seen: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: seen.append(name)
    return cert, context, seen


def test_over_tls_the_host_name_is_the_sni_and_the_certificate_is_verified(tmp_path, certificate):
    """As through the router: `--connect-to` keeps the host name for SNI and certificate checks."""
    cert, context, seen = certificate
    done = _run(StandIn(), tmp_path, tls=context, MODE=ACCEPTANCE, SCHEME="https", CURL_CA_BUNDLE=str(cert))
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(seen) == {HOST}
    untrusted = _run(StandIn(), tmp_path, tls=context, MODE=ACCEPTANCE, SCHEME="https", ATTEMPTS="1")
    assert untrusted.returncode == 1 and "answered 000" in untrusted.stdout and "certificate" in untrusted.stdout
