"""AnalysisSuite: the seven AnalysisTemplates of R4.2, with thresholds from the environment's SLO.

Each metric compares the canary, selected by its pod-template hash, with an SLO threshold.
Stable traffic can therefore never mask a bad canary: at 10% weight a canary answering 10% 5xx
would be 1% of all traffic and pass a service-wide 5% error budget, but it is 10% of its own.

`podinfo-complete-analysis` (every metric below) is the background analysis: it has no `count`, so
it measures from the first step until promotion. The six others are blocking step analyses of
MEASUREMENTS measurements each (a step may not name the background template; config checks it).

Guards (see REFERENCE "Condition language"): a vector query yields `[]float64`, so an empty
result makes `result[0]` an error, and 0/0 (a canary with no requests) is NaN, which fails an
unguarded comparison. Every ratio and quantile condition therefore passes on "no data"
(`len(result) == 0 || isNaN(result[0]) || ...`), and exactly one metric, request-rate, says
"no traffic": its query ends in `or vector(0)` so it never errors, and below
`slo.min_request_rate` it is Inconclusive (the rollout pauses for a human). No traffic thus
stops only the request-rate check, and no condition ever raises an error, so
`consecutiveErrorLimit` only trips on a real Prometheus outage. Ratios put `or vector(0)` on
their numerator, so a canary answering only 500s (or only 404s) reads 0% success, not "no data".

Detection time (a canary answering 10% 5xx, background analysis running from step 0):
- Prometheus scrapes every 15 s; `rate(...[1m])` needs two samples, so the canary's errors are
  visible at most 2 x 15 s = 30 s after its first request.
- Measurements run every 30 s (`interval`) at an arbitrary phase: the first one that sees the
  errors comes at most 30 s later, and `failureLimit: 1` aborts on the second failure, 30 s
  after that.
- Worst case: 30 + 30 + 30 = 90 s from first canary request to abort.
`podinfo_canary.plan` recomputes this from dist/ and the tests pin it to <= 90 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from constructs import Construct

from imports.rollouts.io import argoproj as ro
from podinfo_canary import waves
from podinfo_canary.config import ANALYSIS_TEMPLATES, BACKGROUND_TEMPLATE, Slo, duration_seconds
from podinfo_canary.metrics import Selector, Slis

CANARY_HASH_ARG = "canary-hash"
COMPLETE = BACKGROUND_TEMPLATE

# Measurements per blocking analysis step: with a 30 s interval, 4 measurements span 90 s.
MEASUREMENTS = 4
FAILURE_LIMIT = 1
CONSECUTIVE_ERROR_LIMIT = 4
# The request-rate check waits two intervals so a canary still warming up is not "no traffic".
REQUEST_RATE_DELAY_INTERVALS = 2


def _guarded(op: str, threshold: float) -> str:
    """Pass on no data (empty or NaN); otherwise compare."""
    return f"len(result) == 0 || isNaN(result[0]) || result[0] {op} {threshold:g}"


@dataclass(frozen=True)
class MetricCheck:
    """One measured SLI: a metric of an AnalysisTemplate.

    failure_condition: when set, a value matching neither condition is Inconclusive (the
    rollout pauses for a human); when None, anything not successful is a failure.
    """

    name: str
    query: str
    success_condition: str
    initial_delay: str | None = None
    failure_condition: str | None = None


class AnalysisSuite(Construct):
    """The seven AnalysisTemplates for one environment.

    Args:
        namespace: the environment namespace (templates live there; queries filter on it).
        slo: thresholds and the analysis interval.
        prometheus_address: Prometheus base URL reachable from the Rollouts controller.
        slis: PromQL builders (default: 1m rate window).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        namespace: str,
        slo: Slo,
        prometheus_address: str,
        slis: Slis | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not prometheus_address.startswith(("http://", "https://")):
            raise ValueError(f"AnalysisSuite: prometheus_address must be an http(s) URL, got {prometheus_address!r}")
        self.slo = slo
        self.interval = slo.analysis_interval
        self.prometheus_address = prometheus_address
        slis = slis or Slis()
        canary = Selector(namespace=namespace, pod_hash=f"{{{{args.{CANARY_HASH_ARG}}}}}")
        delay = f"{duration_seconds(self.interval) * REQUEST_RATE_DELAY_INTERVALS}s"
        checks = {
            "podinfo-success-rate": [MetricCheck("success-rate", slis.success_rate(canary), _guarded(">=", slo.success_rate_min))],
            "podinfo-latency": [
                MetricCheck("latency-p95", slis.latency(canary, 0.95), _guarded("<=", slo.latency_p95_max_ms / 1000)),
                MetricCheck("latency-p99", slis.latency(canary, 0.99), _guarded("<=", slo.latency_p99_max_ms / 1000)),
            ],
            "podinfo-error-rate": [MetricCheck("error-rate", slis.error_rate(canary), _guarded("<=", slo.error_rate_max))],
            "podinfo-request-rate": [
                MetricCheck(
                    "request-rate",
                    slis.request_rate(canary),
                    f"len(result) > 0 && result[0] >= {slo.min_request_rate:g}",
                    initial_delay=delay,
                    # Too little traffic is not evidence against the canary: Inconclusive, so the
                    # rollout pauses for a human instead of promoting blind or aborting.
                    failure_condition="false",
                )
            ],
            "podinfo-cpu-usage": [MetricCheck("cpu-usage", slis.cpu_usage(canary), _guarded("<=", slo.cpu_usage_max))],
            "podinfo-memory-usage": [MetricCheck("memory-usage", slis.memory_usage(canary), _guarded("<=", slo.memory_usage_max))],
        }
        checks[COMPLETE] = [check for group in checks.values() for check in group]
        if sorted(checks) != sorted(ANALYSIS_TEMPLATES):
            raise ValueError(f"AnalysisSuite builds {sorted(checks)}, configuration allows {sorted(ANALYSIS_TEMPLATES)}")
        self.checks: dict[str, list[MetricCheck]] = checks
        # Int-or-string wrappers are Node objects: build each once (126 round trips saved).
        self._count = ro.AnalysisTemplateSpecMetricsCount.from_number(MEASUREMENTS)
        self._failure_limit = ro.AnalysisTemplateSpecMetricsFailureLimit.from_number(FAILURE_LIMIT)
        self._error_limit = ro.AnalysisTemplateSpecMetricsConsecutiveErrorLimit.from_number(CONSECUTIVE_ERROR_LIMIT)
        self.templates: dict[str, ro.AnalysisTemplate] = {
            name: self._template(name, namespace, metrics) for name, metrics in checks.items()
        }

    def _template(self, name: str, namespace: str, checks: Sequence[MetricCheck]) -> ro.AnalysisTemplate:
        # podinfo-complete-analysis is the background guard: without `count` it measures until the
        # rollout is promoted. The others are blocking step checks of MEASUREMENTS measurements.
        count = None if name == COMPLETE else self._count
        return ro.AnalysisTemplate(
            self,
            name,
            metadata={"name": name, "namespace": namespace, "annotations": waves.annotation(waves.ANALYSIS)},
            spec=ro.AnalysisTemplateSpec(
                args=[ro.AnalysisTemplateSpecArgs(name=CANARY_HASH_ARG)],
                metrics=[
                    ro.AnalysisTemplateSpecMetrics(
                        name=check.name,
                        interval=self.interval,
                        initial_delay=check.initial_delay,
                        count=count,
                        failure_limit=self._failure_limit,
                        consecutive_error_limit=self._error_limit,
                        success_condition=check.success_condition,
                        failure_condition=check.failure_condition,
                        provider=ro.AnalysisTemplateSpecMetricsProvider(
                            prometheus=ro.AnalysisTemplateSpecMetricsProviderPrometheus(
                                address=self.prometheus_address, query=check.query, timeout=10
                            )
                        ),
                    )
                    for check in checks
                ],
            ),
        )

    def template(self, name: str) -> ro.AnalysisTemplate:
        if name not in self.templates:
            raise ValueError(f"AnalysisSuite: unknown template {name!r}; known: {', '.join(self.templates)}")
        return self.templates[name]
