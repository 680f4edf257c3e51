"""`canaryctl metrics`: the environment's analysis queries, read from dist/ (never re-typed), run
against Prometheus' HTTP API and judged by their own conditions the way the controller judges a
measurement; and the recorded SLIs per track against the environment's SLO."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from podinfo_canary import config as config_module
from podinfo_canary.core import yamltext
from podinfo_canary.core.recorded import RecordedSlis
from podinfo_canary.core.workload import CANARY_HASH_ARG, CANARY_HASH_PLACEHOLDER, STABLE_HASH_PLACEHOLDER, TRACK_SERIES_LABEL  # noqa: F401
from podinfo_canary.ctl.kube import PROMETHEUS, USAGE, CtlError
from podinfo_canary.ctl.words import describe, one_line
from podinfo_canary.model.analysis_run import measurement_phase


@dataclass(frozen=True)
class Prometheus:
    url: str
    time: float | None = None  # evaluation time (unix seconds); None: now

    def query(self, expr: str) -> list[dict]:
        params = {"query": expr, **({"time": repr(self.time)} if self.time is not None else {})}
        address = f"{self.url.rstrip('/')}/api/v1/query?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(address, timeout=30) as answer:
                body = json.load(answer)
            if not isinstance(body, dict):
                raise ValueError("not a Prometheus API answer")
        except urllib.error.HTTPError as exc:
            detail = one_line(exc.read().decode(errors="replace")[:300])
            raise CtlError(f"Prometheus at {self.url} refused a query ({exc.code}): {detail}", PROMETHEUS) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise CtlError(
                f"Prometheus unreachable at {self.url}: {describe(exc)}; from a laptop, port-forward it and pass --prometheus", PROMETHEUS
            ) from exc
        except ValueError as exc:
            raise CtlError(
                f"{self.url} does not answer like Prometheus' HTTP API ({one_line(exc)}): check --prometheus", PROMETHEUS
            ) from exc
        if body.get("status") != "success":
            said = one_line(body.get("error") or f"status {body.get('status') or 'missing'}, no error message")
            raise CtlError(f"Prometheus at {self.url} refused a query: {said}", PROMETHEUS)
        return body["data"]["result"]


def _values(result: list[dict]) -> list[float]:
    """The Prometheus provider's view of a vector: one float per series (empty: no data)."""
    return [float(r["value"][1]) for r in result]


def analysis_checks(folder, canary_hash: str, prometheus: Prometheus, *, stable_hash: str = "") -> list[dict]:
    """Every Prometheus metric of every AnalysisTemplate in dist/<env>, with its value and phase;
    the stable hash is the relative judge's reference (`-vs-stable` metrics). The pre-exposure
    Jobs' metrics are left out: they run a Job, not a query (`canaryctl analysis` shows their runs)."""
    checks = []
    for path in sorted(folder.glob("AnalysisTemplate.*.yaml")):
        (template,) = yamltext.read_documents(path)
        for metric in template["spec"]["metrics"]:
            if "prometheus" not in metric["provider"]:
                continue
            query = metric["provider"]["prometheus"]["query"].replace(CANARY_HASH_PLACEHOLDER, canary_hash)
            query = query.replace(STABLE_HASH_PLACEHOLDER, stable_hash)
            if "{{" in query:
                raise CtlError(f"{path.name}: {metric['name']} needs arguments canaryctl does not know: {query}", USAGE)
            values = _values(prometheus.query(query))
            try:
                phase = measurement_phase(metric, values)
            except (IndexError, TypeError):
                phase = "Error"  # the controller records an Error measurement (no data to index)
            checks.append(
                {
                    "template": template["metadata"]["name"],
                    "metric": metric["name"],
                    "value": values,
                    "success_condition": metric.get("successCondition"),
                    "failure_condition": metric.get("failureCondition"),
                    "phase": phase,
                }
            )
    return checks


def track_slis(environment: config_module.Environment, window: str, prometheus: Prometheus) -> dict[str, dict]:
    """The recorded SLIs of each track (ObservabilityStack's rules) and whether each meets the SLO."""
    names, slo = RecordedSlis(window), environment.slo
    level = "namespace_track"
    bounds = {
        "requests_per_second": (names.requests(level), None, None),
        "success_ratio": (names.success_ratio(level), slo.success_rate_min, ">="),
        "error_ratio": (names.error_ratio(level), slo.error_rate_max, "<="),
        "latency_p95_seconds": (names.latency(level, "p95"), slo.latency_p95_max_ms / 1000, "<="),
        "latency_p99_seconds": (names.latency(level, "p99"), slo.latency_p99_max_ms / 1000, "<="),
    }
    tracks: dict[str, dict] = {}
    for key, (record, bound, op) in bounds.items():
        for series in prometheus.query(f'{record}{{namespace="{environment.namespace}"}}'):
            track = series["metric"].get(TRACK_SERIES_LABEL) or "unlabelled"
            value = float(series["value"][1])
            meets = None if bound is None or math.isnan(value) else (value >= bound if op == ">=" else value <= bound)
            tracks.setdefault(track, {})[key] = {"value": value, "bound": bound, "op": op, "meets": meets}
    return tracks
