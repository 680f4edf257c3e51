"""Names of the series the PrometheusRule of ObservabilityStack records, in a module without jsii.

canaryctl reads them without starting Node."""

from __future__ import annotations

from dataclasses import dataclass

from podinfo_canary.core.workload import TRACK_SERIES_LABEL

# The two aggregation levels of the recorded SLIs and the labels each keeps.
LEVELS = {"namespace_track": ("namespace", TRACK_SERIES_LABEL), "namespace": ("namespace",)}


@dataclass(frozen=True)
class RecordedSlis:
    """Names of the series the `podinfo-slis` group records over `window`, for one level of LEVELS.

    `namespace_track`: per namespace and track; `namespace`: the whole service.

    One place for the names: the rules below record them, alerts and the dashboard read them.
    """

    window: str

    def requests(self, level: str) -> str:
        return f"{level}:podinfo_requests:rate{self.window}"

    def success_ratio(self, level: str) -> str:
        return f"{level}:podinfo_success:ratio_rate{self.window}"

    def error_ratio(self, level: str) -> str:
        return f"{level}:podinfo_errors:ratio_rate{self.window}"

    def latency(self, level: str, quantile: str) -> str:
        """quantile: a key of QUANTILES (p50, p95, p99)."""
        return f"{level}:podinfo_latency_seconds:{quantile}_rate{self.window}"

    def error_logs(self, level: str) -> str:
        """Log lines per second at level error and above."""
        return f"{level}:podinfo_error_log_lines:rate{self.window}"

    def pods(self, level: str) -> str:
        """podinfo pods Prometheus scrapes (no window: a count now)."""
        return f"{level}:podinfo_pods:count"
