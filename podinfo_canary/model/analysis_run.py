"""The analysis half of the Argo Rollouts v1.9.1 model: measurements, metrics and AnalysisRuns.

Pure Python (no numpy, no jsii), so canaryctl can judge a measurement as the controller does.
Each rule names the upstream function it encodes (argoproj/argo-rollouts at tag v1.9.1);
tests/conformance runs upstream's own unit-test tables against it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from podinfo_canary.config import duration_seconds
from podinfo_canary.model import expr

# analysis/analysis.go: DefaultErrorRetryInterval.
ERROR_RETRY_SECONDS = 10
# pkg/apis/rollouts/v1alpha1 defaults: DefaultConsecutiveErrorLimit.
DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4
# utils/analysis/helpers.go: analysisStatusOrder, best to worst.
PHASE_ORDER = ("Successful", "Running", "Pending", "Inconclusive", "Error", "Failed")
COMPLETED = {"Successful", "Failed", "Error", "Inconclusive"}


class PrometheusDown(Exception):
    """The provider could not reach Prometheus: the measurement is an Error."""


class Engine(Protocol):
    def result(self, query: str, t: int) -> list[float]:
        """The query's vector at second t as the provider passes it to conditions; PrometheusDown if unreachable."""


def _seconds(value) -> int:
    if value in (None, ""):
        return 0
    return int(value) if isinstance(value, int) else duration_seconds(str(value))


def _int(value, default: int) -> int:
    return default if value is None else int(value)


# --- measurements and analysis runs ------------------------------------------------------------


def measurement_phase(metric: dict, result: list[float]) -> str:
    """utils/evaluate/evaluate.go `EvaluateResult`: the phase of one measurement.

    No failureCondition: anything not successful fails. Both set: neither true is Inconclusive.
    A condition that errors (an index into an empty result) is an Error measurement.
    """
    success_cond, failure_cond = metric.get("successCondition", ""), metric.get("failureCondition", "")
    try:
        success = expr.evaluate(success_cond, result) if success_cond else False
        failure = expr.evaluate(failure_cond, result) if failure_cond else False
    except (IndexError, TypeError):
        return "Error"
    if not success_cond and not failure_cond:
        return "Successful"
    if success_cond and not failure_cond:
        failure = not success
    elif failure_cond and not success_cond:
        success = not failure
    if failure:
        return "Failed"
    if not success:
        return "Inconclusive"
    return "Successful"


Judge = Callable[[dict, list[float]], str]


@dataclass
class MetricState:
    """One metric of a run: its spec and `MetricResult` counters (analysis/analysis.go `runMeasurements`)."""

    spec: dict
    query: str
    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    consecutive_error: int = 0
    consecutive_success: int = 0
    last_finished: int | None = None
    last_phase: str | None = None
    phase: str = "Pending"
    measurements: list[tuple[int, list[float] | None, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        spec = self.spec
        self.interval = _seconds(spec.get("interval")) or ERROR_RETRY_SECONDS
        self.initial_delay = _seconds(spec.get("initialDelay"))
        # pkg/apis/rollouts/v1alpha1 `Metric.EffectiveCount`: no (or zero) count and no interval
        # is one measurement; no count with an interval runs until the run terminates.
        count = int(spec.get("count") or 0)
        self.limit_count = count or (None if spec.get("interval") else 1)
        self.failure_limit = _int(spec.get("failureLimit"), 0)
        self.inconclusive_limit = _int(spec.get("inconclusiveLimit"), 0)
        self.error_limit = _int(spec.get("consecutiveErrorLimit"), DEFAULT_CONSECUTIVE_ERROR_LIMIT)
        self.success_limit = _int(spec.get("consecutiveSuccessLimit"), 0)
        self.dry_run = False  # set by AnalysisRun from the templates' `spec.dryRun` rules

    def record(self, t: int, value: list[float] | None, phase: str) -> None:
        """`runMeasurements`: Count grows with every completed measurement except an Error."""
        self.measurements.append((t, value, phase))
        self.last_finished, self.last_phase = t, phase
        if phase == "Error":
            self.error += 1
            self.consecutive_error += 1
            self.consecutive_success = 0
            return
        self.count += 1
        self.consecutive_error = 0
        if phase == "Successful":
            self.successful += 1
            self.consecutive_success += 1
        else:
            self.consecutive_success = 0
            if phase == "Failed":
                self.failed += 1
            else:
                self.inconclusive += 1

    def failure_inconclusive_or_error(self) -> str | None:
        """analysis/analysis.go `assessMetricFailureInconclusiveOrError`: limits are strict (>), errors win."""
        phase = None
        if self.failure_limit >= 0 and self.failed > self.failure_limit:
            phase = "Failed"
        if self.inconclusive > self.inconclusive_limit:
            phase = "Inconclusive"
        if self.consecutive_error > self.error_limit:
            phase = "Error"
        return phase

    def assess(self, terminating: bool) -> str:
        """analysis/analysis.go `assessMetricStatus`."""
        if self.phase in COMPLETED:
            return self.phase
        if not self.measurements:
            return "Successful" if terminating else "Pending"
        decided = self.failure_inconclusive_or_error()
        if decided:
            return decided
        success_limit = self.success_limit
        if success_limit > 0 and self.consecutive_success >= success_limit:
            return "Successful"
        if self.limit_count is not None and self.count >= self.limit_count:
            failure_applicable = self.failure_limit >= 0
            if failure_applicable and success_limit > 0:
                return "Inconclusive"
            if success_limit > 0:
                return "Failed"
            return "Successful"
        return "Successful" if terminating else "Running"

    def next_due(self, started: int) -> float:
        """analysis/analysis.go `generateMetricTasks`: initialDelay from the run's start; then
        `interval` after the previous measurement finished, or DefaultErrorRetryInterval after an Error."""
        if self.phase in COMPLETED:
            return math.inf
        if self.last_finished is None:
            return started + self.initial_delay
        if self.limit_count is not None and self.count >= self.limit_count:
            return math.inf
        return self.last_finished + (ERROR_RETRY_SECONDS if self.last_phase == "Error" else self.interval)


class AnalysisRun:
    """One AnalysisRun: the templates' metrics with `{{args.canary-hash}}` resolved by the engine."""

    def __init__(self, kind: str, templates: list[dict], started: int, *, dry_run: tuple[dict, ...] | list[dict] = ()):
        """dry_run: the Rollout's (or step's) own `analysis.dryRun` rules, added to the templates'."""
        self.kind, self.started, self.phase = kind, started, "Running"
        self.metrics = [MetricState(spec=m, query=m["provider"]["prometheus"]["query"]) for t in templates for m in t["spec"]["metrics"]]
        for metric in self.metrics:
            for key in ("successCondition", "failureCondition"):
                if metric.spec.get(key):
                    expr.check(metric.spec[key])
        self.decided_by: str | None = None
        self.wake: float = started
        # utils/analysis/helpers.go `GetDryRunMetrics`: each `spec.dryRun[].metricName` is a regular
        # expression (regexp.MatchString, unanchored); a rule that matches no metric errors the run
        # (analysis/analysis.go `reconcileAnalysisRun`).
        for rule in [*(r for t in templates for r in t["spec"].get("dryRun", [])), *dry_run]:
            matched = [m for m in self.metrics if re.search(rule["metricName"], m.spec["name"])]
            if not matched:
                self.phase, self.decided_by = "Error", f"dryRun rule {rule['metricName']!r} matches no metric"
            for metric in matched:
                metric.dry_run = True

    def terminating(self) -> bool:
        """utils/analysis/helpers.go `IsTerminating`: any non-dryRun metric Failed, Error or Inconclusive."""
        return any(m.phase in ("Failed", "Error", "Inconclusive") and not m.dry_run for m in self.metrics)

    def reconcile(self, t: int, engine: Engine, judge: Judge = measurement_phase) -> str:
        """analysis/analysis.go `reconcileAnalysisRun`: measure what is due, then `assessRunStatus`."""
        if self.phase in COMPLETED or t < self.wake:
            return self.phase
        if not self.terminating():
            for metric in self.metrics:
                if t >= metric.next_due(self.started):
                    try:
                        value = engine.result(metric.query, t)
                        phase = judge(metric.spec, value)
                    except PrometheusDown:
                        value, phase = None, "Error"
                    metric.record(t, value, phase)
        self.phase = self._assess()
        # Nothing changes before the next measurement is due (calculateNextReconcileTime); a
        # terminating run settles on the next reconcile.
        self.wake = t + 1 if self.terminating() else min((m.next_due(self.started) for m in self.metrics), default=math.inf)
        return self.phase

    def _assess(self) -> str:
        """analysis/analysis.go `assessRunStatus`: Running until every metric completes (or the run
        terminates); then the worst phase by `analysisStatusOrder`, dryRun metrics ignored."""
        terminating = self.terminating()
        worst, everything_completed = None, True
        for metric in self.metrics:
            metric.phase = metric.assess(terminating)
            if metric.phase not in COMPLETED:
                everything_completed = False
                continue
            if metric.dry_run:
                worst = worst or "Successful"
                continue
            if worst is None or PHASE_ORDER.index(metric.phase) > PHASE_ORDER.index(worst):
                worst = metric.phase
                if metric.phase != "Successful":
                    self.decided_by = metric.spec["name"]
        if terminating:
            return worst or "Successful"
        if not everything_completed or worst is None:
            return "Running"
        return worst
