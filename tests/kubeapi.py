"""A Kubernetes API server on loopback answering the few paths canaryctl uses, recording every
request (method, path, query, content type, body), with a kubeconfig that points the real client
at it. Objects are plain dicts; `fail` makes a path answer an error status instead."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import yaml

ROLLOUTS = "/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts"
ANALYSIS_RUNS = "/apis/argoproj.io/v1alpha1/namespaces/{ns}/analysisruns"
REPLICA_SETS = "/apis/apps/v1/namespaces/{ns}/replicasets"


def selected(item: dict, selector: str) -> bool:
    """Whether an object's labels match a label selector of `key=value`, `key!=value` and
    `key in (a,b)` terms, as the API server reads them (apimachinery pkg/labels/selector.go);
    an item without labels at all is listed whatever the selector (the tests that do not care)."""
    labels = (item.get("metadata") or {}).get("labels")
    if not selector or labels is None:
        return True
    for term in re.split(r",(?![^()]*\))", selector):
        term = term.strip()
        if match := re.fullmatch(r"(\S+)\s+in\s+\((.*)\)", term):
            if labels.get(match[1]) not in {v.strip() for v in match[2].split(",")}:
                return False
        elif "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.split("==" if "==" in term else "=", 1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif labels.get(term) is None:
            return False
    return True


class FakeApiServer:
    def __init__(self) -> None:
        self.objects: dict[str, dict] = {}  # path -> object
        self.lists: dict[str, list[dict]] = {}  # collection path -> items (filtered by labelSelector: `selected`)
        self.failures: dict[tuple[str, str], int] = {}  # (method, path) -> status
        self.sequences: dict[str, list[dict]] = {}  # path -> successive answers to GET (the last repeats)
        self.requests: list[dict] = []
        # `kubectl version`'s request, which canaryctl deploy sends before kubectl runs (kube.reach).
        self.objects["/version"] = {"major": "1", "minor": "37", "gitVersion": "v1.37.0", "platform": "linux/amd64"}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                server.requests.append(
                    {
                        "method": method,
                        "path": url.path,
                        "query": parse_qs(url.query),
                        "content_type": self.headers.get("Content-Type"),
                        "body": json.loads(raw) if raw else None,
                    }
                )
                status = server.failures.get((method, url.path))
                if status:
                    reason = {403: "Forbidden", 404: "NotFound"}.get(status, "Error")
                    self._answer(
                        status, {"kind": "Status", "status": "Failure", "reason": reason, "code": status, "message": f"{reason.lower()}"}
                    )
                    return
                if method == "GET" and url.path in server.lists:
                    items = [i for i in server.lists[url.path] if selected(i, parse_qs(url.query).get("labelSelector", [""])[0])]
                    self._answer(200, {"kind": "List", "apiVersion": "v1", "metadata": {}, "items": items})
                    return
                target = url.path.removesuffix("/status")
                sequence = server.sequences.get(target)
                if method == "GET" and sequence:
                    self._answer(200, sequence.pop(0) if len(sequence) > 1 else sequence[0])
                    return
                if target not in server.objects:
                    self._answer(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"})
                    return
                self._answer(200, server.objects[target])

            def do_GET(self) -> None:
                self._handle("GET")

            def do_PATCH(self) -> None:
                self._handle("PATCH")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # A short poll: shutdown() waits for it, and every cluster test stops a server (0.5 s by default).
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> FakeApiServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def kubeconfig(self, folder: Path) -> Path:
        path = folder / "kubeconfig"
        path.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "loopback", "cluster": {"server": self.url}}],
                    "users": [{"name": "tester", "user": {"token": "test-token"}}],
                    "contexts": [{"name": "loopback", "context": {"cluster": "loopback", "user": "tester"}}],
                    "current-context": "loopback",
                }
            )
        )
        return path

    def writes(self) -> list[tuple[str, str, str, dict]]:
        return [(r["method"], r["path"], r["content_type"], r["body"]) for r in self.requests if r["method"] != "GET"]
