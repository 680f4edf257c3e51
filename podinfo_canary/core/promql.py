"""podinfo's metrics and every PromQL expression of the project, each built here once.

Analysis templates, recording and alerting rules and the dashboard call these builders with their
own selector, so the canary check and the alert can never measure different things. Requests are
counted from the histogram's `_count`, which carries `path`, so kubelet probes are left out. The
PodMonitor (podmonitor.py) copies the pod labels `rollouts-pod-template-hash` and
`podinfo.example.com/track` onto every series, sanitized: the hash tells the canary's series from
the stable ones. EXPORTED_METRICS lists every metric a query reads, with its exporter's source.

docs/explanation/analysis.md "How the analysis decides" and docs/operations/monitoring.md "Monitoring and alerting".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from podinfo_canary.core.workload import HASH_SERIES_LABEL, TRACK_SERIES_LABEL, WORKLOAD

METRICS_PORT = 9797  # podinfo 6.14.1's metrics-only port, which its fault injection does not touch
METRICS_PORT_NAME = "http-metrics"
SCRAPE_INTERVAL_SECONDS = 15
# kubelet probes, left out by `path`: `http_requests_total` has no `path` and would count them as successes.
PROBE_PATHS = "healthz|readyz"
WEIGHT_DECIMALS = 6  # the sequential test's weights as written into queries
# Alloy's count of podinfo's log lines (logs.py): `stage.metrics` names the counter, Alloy prefixes
# `loki_process_custom_` (v1.18.1 internal/component/loki/process/stages/metric.go
# `defaultMetricsPrefix`) and labels it with the line's stream labels.
MESH_REQUESTS = "istio_requests_total"  # Istio's request counter, from the sidecars (Istio environments)
LOG_LINES_COUNTER = "podinfo_log_lines_total"
LOG_LINES_METRIC = f"loki_process_custom_{LOG_LINES_COUNTER}"
LOG_LINES_MAX_IDLE = "1h"  # how long a label set of that counter outlives its last line
# zap's levels at or above error, as podinfo writes them (LowercaseLevelEncoder).
ERROR_LEVELS = ("error", "dpanic", "panic", "fatal")


# Every metric any query of the project reads (analysis templates, recording and alerting rules,
# the Grafana dashboard), with where its exporter defines it at the pinned version. tests/charts/environment/test_alerts.py fails on a name
# outside this list, so a query cannot silently read a metric nobody exports.
EXPORTED_METRICS = {
    "http_request_duration_seconds_bucket": "podinfo 6.14.1 pkg/api/http/metrics.go (histogram http/request_duration_seconds)",
    "http_request_duration_seconds_count": "podinfo 6.14.1 pkg/api/http/metrics.go (histogram http/request_duration_seconds)",
    "container_cpu_usage_seconds_total": "cAdvisor in the kubelet (/metrics/cadvisor), scraped by kube-prometheus-stack 88.5.3",
    "container_memory_working_set_bytes": "cAdvisor in the kubelet (/metrics/cadvisor), scraped by kube-prometheus-stack 88.5.3",
    "kube_pod_container_resource_limits": "kube-state-metrics v2.20.0 internal/store/pod.go (chart 8.4.0 in kube-prometheus-stack 88.5.3)",
    "kube_pod_container_status_restarts_total": "kube-state-metrics v2.20.0 internal/store/pod.go",
    "rollout_info": "Argo Rollouts v1.9.1 controller/metrics/prommetrics.go",
    "rollout_events_total": "Argo Rollouts v1.9.1 controller/metrics/prommetrics.go",
    "rollout_info_replicas_desired": "Argo Rollouts v1.9.1 controller/metrics/prommetrics.go",
    "rollout_info_replicas_available": "Argo Rollouts v1.9.1 controller/metrics/prommetrics.go",
    "rollout_info_replicas_updated": "Argo Rollouts v1.9.1 controller/metrics/prommetrics.go",
    "rollout_info_replicas_unavailable": "Argo Rollouts v1.9.1 controller/metrics/prommetrics.go",
    "analysis_run_info": "Argo Rollouts v1.9.1 controller/metrics/prommetrics.go",
    "up": "Prometheus: one per scrape target, 1 when the scrape succeeded",
    MESH_REQUESTS: "Istio 1.30.3 proxy stats (the sidecar's istio.stats filter); reporter=destination: counted by the called pod's sidecar",
    LOG_LINES_METRIC: "Grafana Alloy v1.18.1 internal/component/loki/process/stages/metric.go (the stage.metrics counter of logs.py)",
}


@dataclass(frozen=True)
class Selector:
    """Which podinfo series to measure: a namespace and, optionally, one pod-template hash.

    `pod_hash` may be an Argo Rollouts placeholder such as `{{args.canary-hash}}`; it is
    substituted when the AnalysisRun is created.
    """

    namespace: str
    pod_hash: str | None = None
    container: str = WORKLOAD
    workload: str = WORKLOAD

    def http(self, extra: str = "") -> str:
        parts = [f'namespace="{self.namespace}"']
        if self.pod_hash:
            parts.append(f'{HASH_SERIES_LABEL}="{self.pod_hash}"')
        parts.append(f'path!~"{PROBE_PATHS}"')
        if extra:
            parts.append(extra)
        return "{" + ", ".join(parts) + "}"

    def mesh(self, extra: str = "") -> str:
        """The sidecar's request counter as the called pod's own sidecar reports it: the PodMonitor
        scrapes it from that pod, with the pod's hash label (PodinfoPodMonitor sidecar_metrics)."""
        parts = [f'namespace="{self.namespace}"']
        if self.pod_hash:
            parts.append(f'{HASH_SERIES_LABEL}="{self.pod_hash}"')
        parts.append('reporter="destination"')
        if extra:
            parts.append(extra)
        return "{" + ", ".join(parts) + "}"

    def scrape_targets(self) -> str:
        """podinfo's scrape targets: one per pod, labelled by the PodMonitor with pod and track.

        The job is `<namespace>/<name>` (upstream: prometheus-operator v0.93.0
        pkg/prometheus/promcfg.go generatePodMonitorConfig)."""
        return f'up{{namespace="{self.namespace}", job="{self.namespace}/{self.workload}"}}'

    def logs(self, extra: str = "") -> str:
        """Alloy's log-line counter: its labels are the stream labels of logs.STREAM_LABELS."""
        parts = [f'namespace="{self.namespace}"', f'container="{self.container}"']
        if self.pod_hash:
            parts.append(f'{HASH_SERIES_LABEL}="{self.pod_hash}"')
        if extra:
            parts.append(extra)
        return "{" + ", ".join(parts) + "}"

    def pods(self, extra: str = "") -> str:
        """cAdvisor/kube-state-metrics have no hash label: Rollouts name pods <workload>-<hash>-<suffix>."""
        pod = f"{self.workload}-{self.pod_hash}-.*" if self.pod_hash else f"{self.workload}-.*"
        parts = [f'namespace="{self.namespace}"', f'pod=~"{pod}"', f'container="{self.container}"']
        if extra:
            parts.append(extra)
        return "{" + ", ".join(parts) + "}"


@dataclass(frozen=True)
class Slis:
    """PromQL for podinfo's service-level indicators over a rate window (default 1m: four scrapes).

    `by`: labels to keep (e.g. namespace and track), one result per group; none: one result.
    """

    window: str = "1m"

    def _sum(self, s: Selector, by: tuple[str, ...], extra: str = "") -> str:
        grouping = f" by ({', '.join(by)})" if by else ""
        return f"sum{grouping} (rate(http_request_duration_seconds_count{s.http(extra)}[{self.window}]))"

    def request_rate(self, s: Selector, by: tuple[str, ...] = ()) -> str:
        """Requests per second (probes excluded). No traffic at all gives an empty result."""
        return self._sum(s, by)

    def _status_share(self, s: Selector, status_regex: str, by: tuple[str, ...]) -> str:
        total = self._sum(s, by)
        # `or <total> * 0` on the numerator: a group with traffic but no matching status (only
        # 500s for the success rate) gives 0, not a missing result that reads as "no data".
        # Without any traffic the denominator is empty, and so is the ratio.
        matching = self._sum(s, by, f'status=~"{status_regex}"')
        return f"({matching} or {total} * 0) / {total}"

    def success_rate(self, s: Selector, by: tuple[str, ...] = ()) -> str:
        """Share of requests answered 2xx (0 when none is). No traffic gives an empty result."""
        return self._status_share(s, "2..", by)

    def error_rate(self, s: Selector, by: tuple[str, ...] = ()) -> str:
        """Share of requests answered 5xx (0 when none is). No traffic gives an empty result."""
        return self._status_share(s, "5..", by)

    def latency(self, s: Selector, quantile: float, by: tuple[str, ...] = ()) -> str:
        """Latency quantile in seconds across all pods of each group."""
        grouping = ", ".join(("le", *by))
        return f"histogram_quantile({quantile}, sum by ({grouping}) (rate(http_request_duration_seconds_bucket{s.http()}[{self.window}])))"

    def pods(self, s: Selector) -> str:
        """One series (value 1) per podinfo pod Prometheus scrapes, with its current track.

        The track is read here, not from the log streams: Argo Rollouts relabels running pods when it
        promotes (rollout/ephemeralmetadata.go `reconcileEphemeralMetadata`), and a stream label
        that changes would make the collector read the pod's whole log again as a new stream
        (Alloy kubetail: a target is its label set). `topk` keeps one target per pod while a
        relabelled pod's old target has not gone stale yet."""
        one_per_pod = f"topk by (namespace, pod) (1, {s.scrape_targets()})"
        return f"group by (namespace, pod, {TRACK_SERIES_LABEL}) ({one_per_pod})"

    def pod_count(self, s: Selector, by: tuple[str, ...] = ()) -> str:
        """How many podinfo pods Prometheus scrapes, per group."""
        grouping = f" by ({', '.join(by)})" if by else ""
        return f"count{grouping} ({self.pods(s)})"

    def error_log_lines(self, s: Selector, by: tuple[str, ...] = ()) -> str:
        """Log lines per second at ERROR_LEVELS, each pod's lines under its current track.

        Empty until a pod has logged one."""
        grouping = f" by ({', '.join(by)})" if by else ""
        selector = s.logs('level=~"' + "|".join(ERROR_LEVELS) + '"')
        lines = f"rate({LOG_LINES_METRIC}{selector}[{self.window}])"
        return f"sum{grouping} ({lines} * on (namespace, pod) group_left ({TRACK_SERIES_LABEL}) {self.pods(s)})"

    def cpu_usage(self, s: Selector) -> str:
        """CPU used as a share of the CPU limit."""
        limits = s.pods('resource="cpu"')
        return f"sum(rate(container_cpu_usage_seconds_total{s.pods()}[{self.window}])) / sum(kube_pod_container_resource_limits{limits})"

    def memory_usage(self, s: Selector) -> str:
        """Working-set memory as a share of the memory limit."""
        limits = s.pods('resource="memory"')
        return f"sum(container_memory_working_set_bytes{s.pods()}) / sum(kube_pod_container_resource_limits{limits})"


def le_pattern(seconds: float) -> str:
    """A matcher for a bucket bound however it is stored.

    client_golang writes `1`; Prometheus 3 (kube-prometheus-stack 88) normalises classic-histogram
    `le` values on ingestion to `1.0`."""
    forms = sorted({f"{seconds:g}", repr(float(seconds))})
    return '"' + "|".join(f.replace(".", "\\\\.") for f in forms) + '"'


@dataclass(frozen=True)
class SequentialTest:
    """Wald's sequential probability ratio test of a bad-request share: `healthy` against `bad`.

    Each request adds to the log-likelihood ratio ln(bad/healthy) if it was bad and
    ln((1-bad)/(1-healthy)) if not; the test rejects "healthy" when the sum reaches
    ln(1/false_abort). Under the healthy share the likelihood ratio is a non-negative martingale,
    so (Ville's inequality) it ever reaches 1/false_abort with probability at most false_abort,
    whenever and however often it is looked at.
    """

    healthy: float
    bad: float
    false_abort: float

    def __post_init__(self) -> None:
        if not 0 < self.healthy < self.bad < 1 or not 0 < self.false_abort < 1:
            raise ValueError(f"SequentialTest needs 0 < healthy < bad < 1 and 0 < false_abort < 1, got {self}")

    # The weights are rounded to WEIGHT_DECIMALS as they are written into the query, so the
    # statistic computed here is exactly the one Prometheus computes.

    @property
    def bad_weight(self) -> float:
        """Added per bad request, on top of total_weight: ln(bad (1-healthy) / (healthy (1-bad)))."""
        return round(math.log(self.bad * (1 - self.healthy) / (self.healthy * (1 - self.bad))), WEIGHT_DECIMALS)

    @property
    def total_weight(self) -> float:
        """Added per request (negative): ln((1-bad) / (1-healthy))."""
        return round(math.log((1 - self.bad) / (1 - self.healthy)), WEIGHT_DECIMALS)

    @property
    def threshold(self) -> float:
        return math.log(1 / self.false_abort)

    def llr(self, bad_requests: float, requests: float) -> float:
        return bad_requests * self.bad_weight + requests * self.total_weight

    @property
    def break_even(self) -> float:
        """The bad share above which the statistic drifts up, between healthy and bad.

        A canary steadily above it is aborted in the long run, one below it almost never."""
        return -self.total_weight / self.bad_weight


@dataclass(frozen=True)
class Evidence:
    """PromQL over the canary's cumulative counters since its pods started (no window, no rate).

    Counters are read as scraped, so nothing is extrapolated and no evidence is thrown away;
    a restarted container starts from zero, which is why the restart count is checked beside them.
    """

    def requests(self, s: Selector) -> str:
        """Requests answered (probes excluded). Empty when the canary has answered none."""
        return f"sum(http_request_duration_seconds_count{s.http()})"

    def _counted(self, series: str, s: Selector, extra: str) -> str:
        return f"(sum(http_request_duration_seconds_{series}{s.http(extra)}) or vector(0))"

    def server_errors(self, s: Selector) -> str:
        return self._counted("count", s, 'status=~"5.."')

    def not_successful(self, s: Selector) -> str:
        success = self._counted("count", s, 'status=~"2.."')
        return f"{self.requests(s)} - {success}"

    def slower_than(self, s: Selector, seconds: float) -> str:
        """Requests slower than a bucket bound.

        The bucket series exists whenever the request counter does (one histogram child), so no `or vector(0)`: a bucket that matches nothing
        leaves the result empty rather than counting every request as slow."""
        within = f"sum(http_request_duration_seconds_bucket{s.http(f'le=~{le_pattern(seconds)}')})"
        return f"{self.requests(s)} - {within}"

    def log_likelihood_ratio(self, bad: str, s: Selector, test: SequentialTest, requests: str | None = None) -> str:
        """The SPRT statistic: bad x bad_weight + requests x total_weight; empty without traffic.
        `requests`: the count the bad ones are among; default podinfo's (`requests(s)`)."""
        total = requests or self.requests(s)
        return f"({bad}) * {test.bad_weight:.{WEIGHT_DECIMALS}f} + {total} * {test.total_weight:.{WEIGHT_DECIMALS}f}"

    def mesh_requests(self, s: Selector) -> str:
        """Requests the selected pods' sidecars received, answered by podinfo or not. Empty when none."""
        return f"sum({MESH_REQUESTS}{s.mesh()})"

    def mesh_server_errors(self, s: Selector) -> str:
        """5xx the sidecars answered, podinfo's own and those podinfo never saw (the sidecar's 503
        while the container is down or refuses connections)."""
        errors = s.mesh('response_code=~"5.."')
        return f"(sum({MESH_REQUESTS}{errors}) or vector(0))"

    def restarts(self, s: Selector) -> str:
        """Container restarts of the selected pods (kube-state-metrics); 0 when there are none yet."""
        return f"sum(kube_pod_container_status_restarts_total{s.pods()}) or vector(0)"


VERSUS_STABLE = "-vs-stable"  # the relative judge's metric: `server-errors-vs-stable` beside `server-errors`


@dataclass(frozen=True)
class VersusStable:
    """The relative judge's sequential test, per request: "the canary's bad share is stable's, p0"
    against "it is factor x p0 + margin, p1", with p0 read from what the stable pods served over
    `window` (at least `margin`). Each canary request adds ln(p1/p0) if bad, ln((1-p1)/(1-p0)) if
    not; it fails at ln(1/false_abort). With p0 the true shared share, the likelihood ratio is a
    martingale and Ville's inequality bounds false aborts by false_abort; p0 is an estimate read
    anew at each look, so the bound holds only approximately (`make bench` measures it)."""

    factor: float
    margin: float
    window: str
    false_abort: float
    ceiling: float = 0.99  # p1 stays a share even when stable's is already high
    reference_max: float = 0.5  # stable's share is taken as at most this: p1 > p0 always

    @property
    def threshold(self) -> float:
        return math.log(1 / self.false_abort)


@dataclass(frozen=True)
class StableShares:
    """Bad-request shares of the stable pods over a window (increase of their counters): the
    relative judge's reference. Empty when the stable pods served nothing in the window."""

    window: str

    def _increase(self, series: str, s: Selector, extra: str = "") -> str:
        return f"sum(increase(http_request_duration_seconds_{series}{s.http(extra)}[{self.window}]))"

    def _bad_share(self, good_or_bad: str, s: Selector, *, bad: bool) -> str:
        total = self._increase("count", s)
        counted = f"({good_or_bad} or {total} * 0)"
        # Over `total > 0`: stable idle in the window gives an empty result (no reference), not 0/0.
        return f"{counted} / ({total} > 0)" if bad else f"({total} - {counted}) / ({total} > 0)"

    def server_errors(self, s: Selector) -> str:
        return self._bad_share(self._increase("count", s, 'status=~"5.."'), s, bad=True)

    def not_successful(self, s: Selector) -> str:
        return self._bad_share(self._increase("count", s, 'status=~"2.."'), s, bad=False)

    def slower_than(self, s: Selector, seconds: float) -> str:
        within = self._increase("bucket", s, f"le=~{le_pattern(seconds)}")
        return self._bad_share(within, s, bad=False)


def versus_stable(bad: str, requests: str, stable_share: str, test: VersusStable) -> str:
    """The relative judge's statistic over the canary's cumulative `bad` of `requests`; empty
    without canary traffic or without stable traffic in the window (no reference: no verdict)."""
    # p0 stays below p1 whatever stable does: at most reference_max (a stable version failing half
    # its requests is no reference; the SLO's test judges then).
    p0 = f"clamp({stable_share}, {test.margin:g}, {test.reference_max:g})"
    p1 = f"clamp_max({p0} * {test.factor:g} + {test.margin:g}, {test.ceiling:g})"
    return f"({bad}) * ln({p1} / {p0}) + ({requests} - ({bad})) * ln((1 - {p1}) / (1 - {p0}))"
