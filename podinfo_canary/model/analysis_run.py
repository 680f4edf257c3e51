"""The analysis half of the Argo Rollouts v1.9.1 model: measurements, metrics and AnalysisRuns.

Pure Python (no numpy, no jsii), so canaryctl can judge a measurement as the controller does.
Each rule names the upstream function it encodes (argoproj/argo-rollouts at tag v1.9.1);
tests/conformance runs upstream's own unit-test tables against it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
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


class InvalidSpec(ValueError):
    """The templates cannot make one AnalysisRun: no run is created (upstream the Rollout reports
    InvalidSpec and is Degraded: pkg/apis/rollouts/validation/validation_references.go
    `ValidateAnalysisTemplatesWithType`)."""


class Engine(Protocol):
    def result(self, query: str, t: int) -> list[float] | float:
        """The query's value at second t as the provider passes it to conditions (a vector's list
        of floats, a scalar's float); PrometheusDown if unreachable."""


class Jobs(Protocol):
    """The cluster's side of the Job metric provider: it creates a Job, reports its condition,
    deletes it (upstream: argo-rollouts v1.9.1 metricproviders/job/job.go Run, Resume, Terminate)."""

    def start(self, metric: dict, t: int) -> object:
        """Create the metric's Job at second t; a handle for `phase` and `terminate`."""

    def phase(self, job: object, t: int) -> str | None:
        """Successful (JobComplete), Failed (JobFailed) or None (neither condition yet)."""

    def terminate(self, job: object, t: int) -> None:
        """Delete the Job (its pod stops)."""


def _seconds(value) -> int:
    if value in (None, ""):
        return 0
    return int(value) if isinstance(value, int) else duration_seconds(str(value))


def _int(value, default: int) -> int:
    return default if value is None else int(value)


# --- measurements and analysis runs ------------------------------------------------------------


def measurement_phase(metric: dict, result: list[float] | float) -> str:
    """utils/evaluate/evaluate.go `EvaluateResult`: the phase of one measurement.

    `result` is what metricproviders/prometheus/prometheus.go `processResponse` hands the
    conditions: a list of floats for a vector, a float for a scalar.
    No failureCondition: anything not successful fails. Both set: neither true is Inconclusive.
    A condition that errors (an index into an empty vector or into a scalar) is an Error measurement.
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


Judge = Callable[[dict, list[float] | float], str]


def unique_templates(templates: Iterable[dict]) -> list[dict]:
    """The templates without repeats of a name, first kept (a template without a name is kept)."""
    # upstream: argo-rollouts v1.9.1 utils/analysis/helpers.go FilterUniqueTemplates (rollout/analysis.go getAnalysisTemplatesFromRefs)
    seen, unique = set(), []
    for template in templates:
        key = (template.get("kind") == "ClusterAnalysisTemplate", (template.get("metadata") or {}).get("name"))
        if key[1] is None or key not in seen:
            seen.add(key)
            unique.append(template)
    return unique


def _unique_rules(rules: list[dict], what: str) -> list[dict]:
    # upstream: argo-rollouts v1.9.1 utils/analysis/helpers.go validateDryRunMetrics / validateMeasurementRetentionMetrics
    names: set[str] = set()
    for rule in rules:
        if rule["metricName"] in names:
            raise InvalidSpec(f"two {what} metric rules have the same name '{rule['metricName']}'")
        names.add(rule["metricName"])
    return rules


def flatten_templates(templates: Iterable[dict], cluster_templates: Iterable[dict] = ()) -> dict:
    """One AnalysisTemplate spec from several: metrics, dryRun, measurementRetention and args in
    order (cluster templates after the others); InvalidSpec on a repeated metric name or rule, or an
    argument given two different values."""
    # upstream: argo-rollouts v1.9.1 utils/analysis/helpers.go FlattenTemplates
    specs = [t.get("spec") or {} for t in [*templates, *cluster_templates]]
    metrics = [m for spec in specs for m in spec.get("metrics") or []]
    names: set[str] = set()
    # upstream: argo-rollouts v1.9.1 utils/analysis/helpers.go flattenMetrics
    for metric in metrics:
        if metric.get("name", "") in names:
            raise InvalidSpec(f"two metrics have the same name '{metric.get('name', '')}'")
        names.add(metric.get("name", ""))
    dry_run = _unique_rules([r for spec in specs for r in spec.get("dryRun") or []], "Dry-Run")
    retention = _unique_rules([r for spec in specs for r in spec.get("measurementRetention") or []], "Measurement Retention")
    args: list[dict] = []
    # upstream: argo-rollouts v1.9.1 utils/analysis/helpers.go flattenArgs
    for arg in (a for spec in specs for a in spec.get("args") or []):
        index = next((i for i, previous in enumerate(args) if previous["name"] == arg["name"]), None)
        if index is None:
            args.append(arg)
            continue
        previous = args[index]
        if previous.get("value") is not None and arg.get("value") is not None and previous["value"] != arg["value"]:
            raise InvalidSpec(
                f"Argument `{arg['name']}` specified multiple times with different values: '{previous['value']}', '{arg['value']}'"
            )
        if previous.get("value") is None:
            args[index] = arg
    return {"metrics": metrics, "dryRun": dry_run, "measurementRetention": retention, "args": args}


def _matches(pattern: str, name: str) -> bool:
    # upstream: argo-rollouts v1.9.1 utils/analysis/helpers.go GetDryRunMetrics (regexp.MatchString: unanchored; an invalid pattern matches nothing)
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False


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
    measurements: list[tuple[int, list[float] | float | None, str]] = field(default_factory=list)
    job: object | None = None  # the Job of an in-flight measurement (Job provider)

    def __post_init__(self) -> None:
        spec = self.spec
        self.provider = "job" if "job" in spec["provider"] else "prometheus"
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

    def record(self, t: int, value: list[float] | float | None, phase: str) -> None:
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
        if self.job is not None:
            return -math.inf  # in flight: resumed at every reconcile
        if self.last_finished is None:
            return started + self.initial_delay
        if self.limit_count is not None and self.count >= self.limit_count:
            return math.inf
        return self.last_finished + (ERROR_RETRY_SECONDS if self.last_phase == "Error" else self.interval)


class AnalysisRun:
    """One AnalysisRun: the templates' metrics with `{{args.canary-hash}}` resolved by the engine.

    InvalidSpec if the templates cannot make one run (a metric name or a rule given twice).
    """

    def __init__(self, kind: str, templates: list[dict], started: int, *, dry_run: Iterable[dict] = ()):
        """dry_run: the Rollout's (or step's) own `analysis.dryRun` rules, added to the templates'."""
        self.kind, self.started, self.phase = kind, started, "Running"
        # upstream: argo-rollouts v1.9.1 utils/analysis/helpers.go NewAnalysisRunFromTemplates (rollout/analysis.go newAnalysisRunFromRollout)
        templates = unique_templates(templates)
        flat = flatten_templates(
            [t for t in templates if t.get("kind") != "ClusterAnalysisTemplate"],
            [t for t in templates if t.get("kind") == "ClusterAnalysisTemplate"],
        )
        # upstream: argo-rollouts v1.9.1 utils/analysis/helpers.go mergeDryRunMetrics (the Rollout's rules first, then the templates')
        dry_run_rules = _unique_rules([*dry_run, *flat["dryRun"]], "Dry-Run")
        self.metrics = [MetricState(spec=m, query=(m["provider"].get("prometheus") or {}).get("query", "")) for m in flat["metrics"]]
        for metric in self.metrics:
            for key in ("successCondition", "failureCondition"):
                if metric.spec.get(key):
                    expr.check(metric.spec[key])
        self.decided_by: str | None = None
        self.wake: float = started
        # utils/analysis/helpers.go `GetDryRunMetrics`: each `dryRun[].metricName` is a regular
        # expression (regexp.MatchString, unanchored); the first rule that matches no metric errors
        # the run (analysis/analysis.go `reconcileAnalysisRun`, "Analysis spec invalid: ...").
        for index, rule in enumerate(dry_run_rules):
            matched = [m for m in self.metrics if _matches(rule["metricName"], m.spec["name"])]
            if not matched:
                self.phase, self.decided_by = "Error", f"Analysis spec invalid: dryRun[{index}]: Rule didn't match any metric name(s)"
                break
            for metric in matched:
                metric.dry_run = True
        # upstream: argo-rollouts v1.9.1 utils/analysis/helpers.go GetMeasurementRetentionMetrics (after dryRun; the limits
        # themselves are not modelled: the model keeps every measurement)
        for index, rule in enumerate(flat["measurementRetention"] if self.phase != "Error" else []):
            if not any(_matches(rule["metricName"], m.spec["name"]) for m in self.metrics):
                self.phase = "Error"
                self.decided_by = f"Analysis spec invalid: measurementRetention[{index}]: Rule didn't match any metric name(s)"
                break

    def terminating(self) -> bool:
        """utils/analysis/helpers.go `IsTerminating`: any non-dryRun metric Failed, Error or Inconclusive."""
        return any(m.phase in ("Failed", "Error", "Inconclusive") and not m.dry_run for m in self.metrics)

    def reconcile(self, t: int, engine: Engine, judge: Judge = measurement_phase, jobs: Jobs | None = None) -> str:
        """analysis/analysis.go `reconcileAnalysisRun`: measure what is due, then `assessRunStatus`.

        A Job metric's measurement stays in flight (Running, no FinishedAt) from the Job's creation
        until its condition says Complete or Failed (`generateMetricTasks` resumes it at each
        reconcile); when the run terminates, an in-flight Job is deleted and its measurement
        Successful (job.go `Terminate`)."""
        if self.phase in COMPLETED or t < self.wake:
            return self.phase
        for metric in self.metrics:
            if metric.job is not None and jobs is not None:
                phase = jobs.phase(metric.job, t)
                if phase is not None:
                    metric.job = None
                    metric.record(t, None, phase)
        if not self.terminating():
            for metric in self.metrics:
                if metric.provider == "job":
                    if metric.job is None and t >= metric.next_due(self.started):
                        if jobs is None:
                            raise InvalidSpec(f"metric {metric.spec['name']} needs the Job provider: no Jobs given")
                        metric.job = jobs.start(metric.spec, t)
                    continue
                if t >= metric.next_due(self.started):
                    try:
                        value = engine.result(metric.query, t)
                        phase = judge(metric.spec, value)
                    except PrometheusDown:
                        value, phase = None, "Error"
                    metric.record(t, value, phase)
        if self.terminating() and jobs is not None:
            self.terminate(t, jobs)
        self.phase = self._assess()
        # Nothing changes before the next measurement is due (calculateNextReconcileTime); a
        # terminating run settles on the next reconcile.
        self.wake = t + 1 if self.terminating() else min((m.next_due(self.started) for m in self.metrics), default=math.inf)
        return self.phase

    def terminate(self, t: int, jobs: Jobs) -> None:
        """Delete every in-flight Job; its measurement is Successful (job.go `Terminate`)."""
        for metric in self.metrics:
            if metric.job is not None:
                jobs.terminate(metric.job, t)
                metric.job = None
                metric.record(t, None, "Successful")

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
