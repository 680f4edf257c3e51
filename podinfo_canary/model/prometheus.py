"""A real Prometheus server on loopback, holding synthetic series, as the model's query engine.

Series are written as OpenMetrics, turned into TSDB blocks by `promtool tsdb create-blocks-from
openmetrics`, and served by the `prometheus` binary (Debian package `prometheus`, 2.42) bound to
127.0.0.1 on a free port with an empty scrape configuration: it scrapes nothing and reaches
nothing. Several worlds share one server, each shifted to its own epoch, so one start serves a
whole test session. Queries are batched: one `query_range` per query and world, at one-second
steps, from which `RecordedEngine` answers the controller model's measurements.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from podinfo_canary.model.controller import PrometheusDown
from podinfo_canary.model.promql import Result, Series
from podinfo_canary.model.world import World

EPOCH = 1_700_006_400  # a fixed, block-aligned origin: results never depend on the wall clock
WORLD_SPACING = 4 * 3600  # seconds between two worlds' origins (no lookback can reach across)
HISTORY_MAX = 3600  # seconds a world's series may start before its origin (World.stable_history)
MAX_BLOCK = "168h"  # one TSDB block for up to 42 worlds: promtool writes few blocks, fast


class MissingEngine(RuntimeError):
    """promtool or prometheus is not installed (Debian package `prometheus`)."""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrometheusServer:
    """`with PrometheusServer(worlds) as server:` serves every world; `server.query(i, q, end)`."""

    def __init__(self, worlds: list[list[Series]]):
        for tool in ("promtool", "prometheus"):
            if not shutil.which(tool):
                raise MissingEngine(f"{tool} not found: install the Debian package `prometheus` (.ci/run does)")
        self.worlds = worlds
        self._dir = tempfile.TemporaryDirectory(prefix="podinfo-prometheus-")
        self._process: subprocess.Popen | None = None
        self.port = 0

    def origin(self, world: int) -> int:
        return EPOCH + HISTORY_MAX + world * WORLD_SPACING

    def _openmetrics(self) -> str:
        families: dict[str, list[str]] = {}
        for index, series in enumerate(self.worlds):
            origin = self.origin(index)
            longest = max((int(s.ts[-1]) for s in series if len(s.ts)), default=0)
            earliest = min((int(s.ts[0]) for s in series if len(s.ts)), default=0)
            if longest + 300 + HISTORY_MAX >= WORLD_SPACING or earliest < -HISTORY_MAX:
                raise ValueError(f"world {index} spans {earliest} to {longest} s: more than WORLD_SPACING allows")
            for s in series:
                labels = ",".join(f'{k}="{_escape(v)}"' for k, v in s.labels if k != "__name__")
                lines = families.setdefault(s.name, [])
                lines.extend(f"{s.name}{{{labels}}} {float(v)!r} {origin + int(t)}" for t, v in zip(s.ts, s.values, strict=True))
        out = []
        for name, lines in families.items():
            out.append(f"# TYPE {name} unknown")
            out.extend(lines)
        out.append("# EOF")
        return "\n".join(out) + "\n"

    def __enter__(self) -> PrometheusServer:
        root = Path(self._dir.name)
        (root / "series.om").write_text(self._openmetrics())
        (root / "prometheus.yml").write_text("global: {}\n")
        subprocess.run(
            [
                "promtool",
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                f"--max-block-duration={MAX_BLOCK}",
                str(root / "series.om"),
                str(root / "data"),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        self.port = _free_port()
        self._process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={root / 'prometheus.yml'}",
                f"--storage.tsdb.path={root / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=3650d",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(root / "prometheus.log").open("w"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError(f"prometheus did not become ready: {(root / 'prometheus.log').read_text()[-2000:]}")

    def __exit__(self, *exc) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._dir.cleanup()

    def query(self, world: int, query: str, end: int) -> Result:
        """The query at every second 0..end of a world, as the one series it returns (or absent)."""
        origin = self.origin(world)
        params = urllib.parse.urlencode({"query": query, "start": origin, "end": origin + end, "step": "1"})
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/query_range?{params}", timeout=60) as answer:
            body = json.load(answer)
        if body["status"] != "success":
            raise RuntimeError(f"prometheus refused {query!r}: {body}")
        series = body["data"]["result"]
        if len(series) > 1:
            raise ValueError(f"{query!r} returned {len(series)} series; the analysis expects one")
        values, present = np.full(end + 1, np.nan), np.zeros(end + 1, bool)
        for t, v in series[0]["values"] if series else []:
            i = int(t) - origin
            values[i], present[i] = float(v), True
        return Result(values, present)

    def query_many(self, world: int, queries: list[str], end: int) -> dict[str, Result]:
        """Several queries of one world at once (the server answers them in parallel)."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            return dict(zip(queries, pool.map(lambda q: self.query(world, q, end), queries), strict=True))


class RecordedEngine:
    """Answers measurements from a Prometheus server's range results (one query_range per query)."""

    def __init__(self, server: PrometheusServer, world_index: int, world: World, end: int, resolve, queries: list[str] = ()):
        self.server, self.index, self.world, self.end, self.resolve = server, world_index, world, end, resolve
        self.results: dict[str, Result] = server.query_many(world_index, sorted({resolve(q) for q in queries}), end) if queries else {}

    def result(self, query: str, t: int) -> list[float]:
        if not self.world.prometheus_up(t):
            raise PrometheusDown(t)
        concrete = self.resolve(query)
        if concrete not in self.results:
            self.results[concrete] = self.server.query(self.index, concrete, self.end)
        return self.results[concrete].at(t)
