"""The docs site: `mkdocs build --strict` passes (every page in the nav, no broken link or anchor:
mkdocs.yml `validation:`), and each page with a Mermaid diagram renders it as SVG in headless
Chromium, served from loopback, with no console error and no request leaving loopback (Mermaid is
the pinned copy the build vendors, not mkdocs-material's CDN fallback: tools/mkdocs_hooks.py).

mkdocs-material 9.8.2 (its bundle's `Zn`) replaces each `pre.mermaid` by a `div.mermaid` whose
closed shadow root holds `mermaid.render`'s SVG; a diagram that fails to parse leaves its
`pre.mermaid` and rejects a promise. The DevTools protocol sees into closed shadow roots
(`DOM.getDocument` with `pierce`), so each diagram is counted where it rendered.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import websocket

from tests.conftest import ROOT

CHROMIUM = "chromium"
FENCE = re.compile(r"^\s*```mermaid\s*$", re.M)


def build(config: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = build(ROOT / "mkdocs.yml", out)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


class Served:
    def __init__(self, folder: Path):
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Browser:
    """Headless Chromium driven over the DevTools protocol (websocket-client)."""

    def __init__(self, profile: Path):
        if shutil.which(CHROMIUM) is None:
            pytest.fail("chromium is missing: install the Debian package `chromium` (.ci/run does)")
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                "--no-first-run",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        url = None
        while url is None and time.monotonic() < deadline:
            line = self.process.stderr.readline()
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            url = match.group(1) if match else None
            if not line and self.process.poll() is not None:
                break
        assert url, "chromium did not start its DevTools endpoint"
        threading.Thread(target=self.process.stderr.read, daemon=True).start()  # drain
        self.ws = websocket.create_connection(url, timeout=30)
        self.next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network", "DOM"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                assert "error" not in reply, (method, reply["error"])
                return reply.get("result", {})
            self.events.append(reply)

    def pump(self, seconds: float) -> None:
        self.ws.settimeout(0.2)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            with contextlib.suppress(websocket.WebSocketTimeoutException):
                self.events.append(json.loads(self.ws.recv()))
        self.ws.settimeout(30)

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(timeout=30)


def render(browser: Browser, url: str, settle: float = 30) -> dict:
    """Load `url` and wait until its diagrams settle: the rendered SVGs, the `pre.mermaid` left,
    console errors and exceptions, and requests to anywhere but loopback."""
    browser.events.clear()
    browser.call("Page.navigate", session=True, url=url)
    deadline, result = time.monotonic() + settle, {}
    while time.monotonic() < deadline:
        browser.pump(1)
        result = _diagrams(browser.call("DOM.getDocument", session=True, depth=-1, pierce=True)["root"])
        loaded = any(e.get("method") == "Page.loadEventFired" for e in browser.events)
        if loaded and result["pending"] == 0 and result["svgs"] + result["left"] > 0:
            browser.pump(1)  # a failed render's rejection arrives after the DOM settles
            break
    errors = []
    for e in browser.events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.exceptionThrown":
            errors.append(params["exceptionDetails"].get("exception", {}).get("description") or params["exceptionDetails"]["text"])
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            errors.append(params["entry"]["text"])
    offsite = [
        e["params"]["request"]["url"]
        for e in browser.events
        if e.get("method") == "Network.requestWillBeSent"
        and not e["params"]["request"]["url"].startswith(("http://127.0.0.1:", "data:", "blob:"))
    ]
    return {**_diagrams(browser.call("DOM.getDocument", session=True, depth=-1, pierce=True)["root"]), "errors": errors, "offsite": offsite}


def _diagrams(root: dict) -> dict:
    """SVGs inside `div.mermaid` hosts (their shadow roots), `pre.mermaid` not rendered (a failure
    leaves it; before Material's turn it is `pre.mermaid` too, so `pending` counts those without
    a sibling host yet: the caller waits for the load event and a quiet DOM)."""
    counts = {"svgs": 0, "left": 0, "pending": 0}

    def classes(node):
        attrs = node.get("attributes", [])
        return dict(zip(attrs[::2], attrs[1::2], strict=False)).get("class", "").split()

    def has_svg(node):
        return node.get("nodeName") == "svg" or any(has_svg(c) for c in (*node.get("children", []), *node.get("shadowRoots", [])))

    def walk(node):
        name = node.get("nodeName")
        if name == "DIV" and "mermaid" in classes(node) and node.get("shadowRoots"):
            counts["svgs"] += has_svg(node)
        elif name == "PRE" and "mermaid" in classes(node):
            counts["left"] += 1
        for child in (
            *node.get("children", []),
            *node.get("shadowRoots", []),
            *([node["contentDocument"]] if "contentDocument" in node else []),
        ):
            walk(child)

    walk(root)
    return counts


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


def pages_with_diagrams() -> dict[str, int]:
    """docs/ page (as its URL path) -> how many Mermaid fences it holds."""
    out = {}
    for page in sorted((ROOT / "docs").rglob("*.md")):
        count = len(FENCE.findall(page.read_text()))
        if count:
            rel = page.relative_to(ROOT / "docs").with_suffix("")
            out[
                ("" if rel.name == "index" else str(rel) + "/")
                if rel.parent == Path(".")
                else (str(rel.parent) + "/" if rel.name == "index" else str(rel) + "/")
            ] = count
    return out


def test_site_builds_strictly_with_every_page_in_the_nav_and_no_broken_link(site):
    assert (site / "index.html").is_file() and (site / "assets/vendor/mermaid.min.js").is_file()
    config = (ROOT / "mkdocs.yml").read_text()
    for check in ("omitted_files: warn", "not_found: warn", "anchors: warn", "unrecognized_links: warn"):
        assert check in config, check


def _one_page_site(folder):
    """A site in `folder` with the project's mkdocs.yml (theme, validation, hook) and a nav of
    index.md alone; returns its docs folder."""
    docs = folder / "docs"
    docs.mkdir()
    config = (ROOT / "mkdocs.yml").read_text()
    config = config[: config.index("nav:")] + "nav:\n  - Home: index.md\n"
    config = config.replace("hooks:\n  - tools/mkdocs_hooks.py", f"hooks:\n  - {ROOT / 'tools/mkdocs_hooks.py'}")
    (folder / "mkdocs.yml").write_text(config)
    return docs


def test_strict_build_fails_on_a_broken_link_an_unknown_anchor_and_a_page_left_out(tmp_path):
    docs = _one_page_site(tmp_path)
    for body, words in (
        ("[x](missing.md)", "missing.md"),
        ("[x](other.md#nowhere)", "nowhere"),
        ("fine", "other.md"),  # other.md is not in the nav
    ):
        (docs / "index.md").write_text(f"# Home\n\n{body}\n")
        (docs / "other.md").write_text("# Other\n\n## Here\n")
        result = build(tmp_path / "mkdocs.yml", tmp_path / "site")
        assert result.returncode != 0 and words in result.stderr, (body, result.stderr[-2000:])


def test_every_diagram_renders_as_svg_offline_without_console_errors(site, browser):
    pages = pages_with_diagrams()
    assert "architecture/" in pages and pages["architecture/"] >= 5, pages
    served = Served(site)
    try:
        for path, expected in pages.items():
            result = render(browser, served.url + path)
            assert result["svgs"] == expected and result["left"] == 0, (path, result)
            assert result["errors"] == [], (path, result["errors"])
            assert result["offsite"] == [], (path, result["offsite"])
    finally:
        served.close()


def test_a_broken_diagram_fails_the_check(tmp_path, browser):
    """The check above on a site holding one good and one broken diagram: the broken one is left
    unrendered and its error reaches the console, so the assertions above would fail."""
    docs = _one_page_site(tmp_path)
    (docs / "index.md").write_text("# Home\n\n```mermaid\nflowchart LR\n  a --> b\n```\n\n```mermaid\nflowchart LR\n  a -->> [[[ b\n```\n")
    result = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr[-2000:]
    served = Served(tmp_path / "site")
    try:
        outcome = render(browser, served.url)
    finally:
        served.close()
    assert outcome["svgs"] == 1, outcome
    assert outcome["left"] == 1 and outcome["errors"], outcome
