"""AnalysisSuite: the AnalysisTemplates of one environment, deciding from the canary's cumulative evidence.

Each request SLO is a sequential test over the canary's counters since its pods started
(`promql.Evidence`) that fails on its first crossing; CPU and memory are judged on windows;
`podinfo-request-rate` is the evidence gate, Inconclusive while the canary has answered too few
requests. The background run `podinfo-complete-analysis` holds every metric that can never be
Inconclusive, plus canary restarts. The controller rules these templates rely on are encoded in
podinfo_canary/model/controller.py and pinned by tests/model/test_model.py.

docs/explanation/analysis.md "How the analysis decides"; measured detection times and false aborts: docs/explanation/analysis.md "Decision quality".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from constructs import Construct

from imports.rollouts.io import argoproj as ro
from podinfo_canary.config import ANALYSIS_TEMPLATES, BACKGROUND_TEMPLATE, P95_SHARE, P99_SHARE, Decision, Slo, duration_seconds
from podinfo_canary.core import waves
from podinfo_canary.core.promql import VERSUS_STABLE, Evidence, Selector, SequentialTest, Slis, StableShares, VersusStable, versus_stable
from podinfo_canary.core.workload import CANARY_HASH_ARG, CANARY_HASH_PLACEHOLDER, STABLE_HASH_ARG, STABLE_HASH_PLACEHOLDER

COMPLETE = BACKGROUND_TEMPLATE
MESH_SERVER_ERRORS = "mesh-server-errors"  # the server-error test on the sidecars' counts (Istio)
# The relative judge's tests run at half the false-abort bound: stable's share is an estimate read
# anew at each look, which Ville's bound does not cover (measured: about 1% at the full bound).
RELATIVE_SHARE_OF_BOUND = 0.5
# The arguments every template declares and every analysis reference passes: the canary's hash
# (the latest ReplicaSet) and the stable one's, each as a podTemplateHashValue.
HASH_ARGS = ((CANARY_HASH_ARG, "Latest"), (STABLE_HASH_ARG, "Stable"))
EVIDENCE_GATE = "podinfo-request-rate"  # the one template that may say "not enough evidence yet"

# Windowed saturation checks (CPU, memory). In the background run a second failed measurement
# aborts (a lone spike does not). A step check measures once (count 1), so it must fail on that
# measurement: a metric fails only when Failed > failureLimit (upstream: argo-rollouts v1.9.1
# analysis/analysis.go assessMetricFailureInconclusiveOrError), and one measurement never exceeds 1.
SATURATION_FAILURE_LIMIT = 1
# analysis/analysis.go DefaultErrorRetryInterval (also in model/controller.py, which synthesis must not
# import: it pulls numpy; tests/charts/environment/test_rollout.py checks the two agree).
ERROR_RETRY_SECONDS = 10


def sequential_tests(slo: Slo, decision: Decision) -> dict[str, SequentialTest]:
    """One sequential test per request SLO (metric name -> test), each from its bad-request share."""
    shares = {
        "server-errors": slo.error_rate_max,
        "unsuccessful": 1 - slo.success_rate_min,
        "slower-than-p95": P95_SHARE,
        "slower-than-p99": P99_SHARE,
    }
    return {
        name: SequentialTest(healthy=share, bad=share * decision.bad_factor, false_abort=decision.false_abort_max)
        for name, share in shares.items()
    }


def _guarded(op: str, threshold: float) -> str:
    """Pass on no data (empty or NaN); otherwise compare."""
    return f"len(result) == 0 || isNaN(result[0]) || result[0] {op} {threshold:g}"


@dataclass(frozen=True)
class MetricCheck:
    """One metric of an AnalysisTemplate.

    interval_seconds: how often it measures.
    evidence: a cumulative-evidence metric (sequential test, restarts): one measurement per step
        check, failing on the first bad one (`failureLimit: 0`).
    gate_measurements: for the evidence gate, how many measurements it may take waiting for
        enough requests (consecutiveSuccessLimit 1; all Inconclusive pauses the rollout).
    """

    name: str
    query: str
    success_condition: str
    interval_seconds: int
    evidence: bool = True
    failure_condition: str | None = None
    gate_measurements: int | None = None


class AnalysisSuite(Construct):
    """The AnalysisTemplates of one environment, one per name in config `ANALYSIS_TEMPLATES`.

    Args:
        namespace: the environment namespace; the templates live there and every query filters on it.
        slo: the thresholds: every bad-request share, the saturation limits, the minimum evidence.
        decision: the false-abort bound, the SLO tests' bad_factor, the relative judge's settings
            (versus_stable), the evidence wait and the Prometheus outage tolerance.
        prometheus_address: Prometheus' base URL as the Rollouts controller reaches it (http or https).
        slis: windowed PromQL builders for CPU and memory. Default: a 1m rate window.
        mesh: the pods have Istio sidecars (`traffic_router: istio`): `podinfo-error-rate` also
            runs the server-error test on the sidecars' counts (`mesh-server-errors`), which see the
            5xx of a canary that crashes or refuses connections, answers podinfo never counts.
            Default: False.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        namespace: str,
        slo: Slo,
        decision: Decision,
        prometheus_address: str,
        slis: Slis | None = None,
        mesh: bool = False,
    ) -> None:
        super().__init__(scope, id)
        if not prometheus_address.startswith(("http://", "https://")):
            raise ValueError(f"AnalysisSuite: prometheus_address must be an http(s) URL, got {prometheus_address!r}")
        self.slo, self.decision = slo, decision
        self.prometheus_address = prometheus_address
        slis, evidence = slis or Slis(), Evidence()
        canary = Selector(namespace=namespace, pod_hash=CANARY_HASH_PLACEHOLDER)
        look = duration_seconds(decision.look_interval)
        saturation = duration_seconds(slo.saturation_interval)
        self.tests = sequential_tests(slo, decision)

        def sprt(name: str, bad: str) -> MetricCheck:
            test = self.tests[name]
            query = evidence.log_likelihood_ratio(bad, canary, test)
            # No traffic yields an empty result, which passes: no evidence either way.
            return MetricCheck(name, query, f"len(result) == 0 || result[0] < {test.threshold:.4f}", look)

        def mesh_sprt() -> MetricCheck:
            test = self.tests["server-errors"]
            query = evidence.log_likelihood_ratio(evidence.mesh_server_errors(canary), canary, test, evidence.mesh_requests(canary))
            return MetricCheck(MESH_SERVER_ERRORS, query, f"len(result) == 0 || result[0] < {test.threshold:.4f}", look)

        # The relative judge: the same canary counts against what the stable pods served over the window.
        # The stable ReplicaSet's pods by their hash (not "every hash but the canary's", which would
        # count an earlier, aborted canary still inside the window).
        stable = Selector(namespace=namespace, pod_hash=STABLE_HASH_PLACEHOLDER)
        shares = StableShares(decision.versus_stable.window)
        self.versus = VersusStable(
            decision.versus_stable.factor,
            decision.versus_stable.margin,
            decision.versus_stable.window,
            decision.false_abort_max * RELATIVE_SHARE_OF_BOUND,
        )

        def relative(name: str, bad: str, stable_share: str) -> MetricCheck:
            query = versus_stable(bad, evidence.requests(canary), stable_share, self.versus)
            # NaN: stable served nothing in the window (0/0): no reference, no verdict.
            return MetricCheck(
                f"{name}{VERSUS_STABLE}", query, f"len(result) == 0 || isNaN(result[0]) || result[0] < {self.versus.threshold:.4f}", look
            )

        p95, p99 = slo.latency_p95_max_ms / 1000, slo.latency_p99_max_ms / 1000

        wait = duration_seconds(decision.evidence_wait)
        restarts = MetricCheck("canary-restarts", evidence.restarts(canary), f"result[0] <= {slo.canary_restarts_max}", look)
        checks = {
            "podinfo-success-rate": [
                sprt("unsuccessful", evidence.not_successful(canary)),
                relative("unsuccessful", evidence.not_successful(canary), shares.not_successful(stable)),
            ],
            "podinfo-latency": [
                sprt("slower-than-p95", evidence.slower_than(canary, p95)),
                sprt("slower-than-p99", evidence.slower_than(canary, p99)),
                relative("slower-than-p95", evidence.slower_than(canary, p95), shares.slower_than(stable, p95)),
                relative("slower-than-p99", evidence.slower_than(canary, p99), shares.slower_than(stable, p99)),
            ],
            "podinfo-error-rate": [
                sprt("server-errors", evidence.server_errors(canary)),
                relative("server-errors", evidence.server_errors(canary), shares.server_errors(stable)),
                # In a mesh the called pod's sidecar counts every request, with the 503 it answers
                # itself while podinfo is down: the same SLO test on those counts.
                *([mesh_sprt()] if mesh else []),
                # Restarts are errors too: a crashing canary's 5xx come from the router, never from
                # podinfo's counters, which a restart also resets.
                restarts,
            ],
            EVIDENCE_GATE: [
                MetricCheck(
                    "canary-requests",
                    f"{evidence.requests(canary)} or vector(0)",
                    f"len(result) > 0 && result[0] >= {slo.min_canary_requests}",
                    look,
                    # Too little traffic is not evidence against the canary: Inconclusive (the
                    # rollout pauses for a human) instead of promoting blind or aborting.
                    failure_condition="false",
                    gate_measurements=wait // look + 1,
                )
            ],
            "podinfo-cpu-usage": [
                MetricCheck("cpu-usage", slis.cpu_usage(canary), _guarded("<=", slo.cpu_usage_max), saturation, evidence=False)
            ],
            "podinfo-memory-usage": [
                MetricCheck("memory-usage", slis.memory_usage(canary), _guarded("<=", slo.memory_usage_max), saturation, evidence=False)
            ],
        }
        # The background run: every metric that is never Inconclusive (one Inconclusive measurement
        # ends a run: upstream: argo-rollouts v1.9.1 utils/analysis/helpers.go IsTerminating),
        # restarts last.
        checks[COMPLETE] = [
            check for name, group in checks.items() if name != EVIDENCE_GATE for check in group if check is not restarts
        ] + [restarts]
        if sorted(checks) != sorted(ANALYSIS_TEMPLATES):
            raise ValueError(f"AnalysisSuite builds {sorted(checks)}, configuration allows {sorted(ANALYSIS_TEMPLATES)}")
        self.checks: dict[str, list[MetricCheck]] = checks
        # consecutiveErrorLimit: errors are retried every 10 s; tolerate the configured outage
        # (upstream: argo-rollouts v1.9.1 analysis/analysis.go generateMetricTasks).
        self.consecutive_error_limit = -(-duration_seconds(decision.prometheus_outage_tolerance) // ERROR_RETRY_SECONDS)
        # Int-or-string wrappers are Node objects: build each once.
        self._one = ro.AnalysisTemplateSpecMetricsCount.from_number(1)
        self._no_failure = ro.AnalysisTemplateSpecMetricsFailureLimit.from_number(0)  # every step check
        self._saturation_failures = ro.AnalysisTemplateSpecMetricsFailureLimit.from_number(SATURATION_FAILURE_LIMIT)
        self._error_limit = ro.AnalysisTemplateSpecMetricsConsecutiveErrorLimit.from_number(self.consecutive_error_limit)
        self.templates: dict[str, ro.AnalysisTemplate] = {
            name: self._template(name, namespace, metrics) for name, metrics in checks.items()
        }

    def _metric(self, check: MetricCheck, *, background: bool) -> ro.AnalysisTemplateSpecMetrics:
        # Background (podinfo-complete-analysis): no `count`, it measures until promotion. A step
        # check takes one fresh measurement; the evidence gate may take several, ending at the
        # first success. No `initialDelay` (it counts from the run's start): a pause starts only
        # once the canary pods are available (upstream: argo-rollouts v1.9.1
        # rollout/trafficrouting.go reconcileTrafficRouting), so a slow start delays the stage.
        extra: dict = {}
        if check.gate_measurements is not None:
            extra = {
                "count": ro.AnalysisTemplateSpecMetricsCount.from_number(check.gate_measurements),
                "consecutive_success_limit": ro.AnalysisTemplateSpecMetricsConsecutiveSuccessLimit.from_number(1),
                "inconclusive_limit": ro.AnalysisTemplateSpecMetricsInconclusiveLimit.from_number(check.gate_measurements - 1),
            }
        elif not background:
            extra = {"count": self._one}
        return ro.AnalysisTemplateSpecMetrics(
            name=check.name,
            interval=f"{check.interval_seconds}s",
            failure_limit=self._saturation_failures if background and not check.evidence else self._no_failure,
            consecutive_error_limit=self._error_limit,
            success_condition=check.success_condition,
            failure_condition=check.failure_condition,
            provider=ro.AnalysisTemplateSpecMetricsProvider(
                prometheus=ro.AnalysisTemplateSpecMetricsProviderPrometheus(address=self.prometheus_address, query=check.query, timeout=10)
            ),
            **extra,
        )

    def _template(self, name: str, namespace: str, checks: Sequence[MetricCheck]) -> ro.AnalysisTemplate:
        return ro.AnalysisTemplate(
            self,
            name,
            metadata={"name": name, "namespace": namespace, "annotations": waves.annotation(waves.ANALYSIS)},
            spec=ro.AnalysisTemplateSpec(
                args=[ro.AnalysisTemplateSpecArgs(name=arg) for arg, _ in HASH_ARGS],
                metrics=[self._metric(check, background=name == COMPLETE) for check in checks],
            ),
        )

    def template(self, name: str) -> ro.AnalysisTemplate:
        if name not in self.templates:
            raise ValueError(f"AnalysisSuite: unknown template {name!r}; known: {', '.join(self.templates)}")
        return self.templates[name]
