"""An executable model of Argo Rollouts v1.9.1: canary steps, analysis runs and their measurements.

It reads the Rollout and AnalysisTemplates as synthesized into dist/ (dicts from the YAML), and
asks a query engine for every measurement, so what it decides is what the pinned controller would
decide with those objects. Each rule below names the upstream function it encodes (paths in the
argoproj/argo-rollouts repository at tag v1.9.1); `tests/test_model.py` pins each rule.

Time runs in whole seconds from the moment the new version is applied; the controller is assumed
to reconcile at once (the real one requeues at each deadline it computes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from podinfo_canary.config import duration_seconds
from podinfo_canary.model import expr
from podinfo_canary.model.world import World

# The controller version whose source these rules encode; the argo-rollouts chart pin must ship it.
ARGO_ROLLOUTS_VERSION = "v1.9.1"

# analysis/analysis.go: DefaultErrorRetryInterval.
ERROR_RETRY_SECONDS = 10
# pkg/apis/rollouts/v1alpha1 defaults: DefaultConsecutiveErrorLimit, progressDeadlineSeconds.
DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4
DEFAULT_PROGRESS_DEADLINE = 600
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

    def __init__(self, kind: str, templates: list[dict], started: int):
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
        for rule in (r for t in templates for r in t["spec"].get("dryRun", [])):
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


# --- the rollout ---------------------------------------------------------------------------------


@dataclass
class Timeline:
    """What the controller did to the cluster: canary pods (created, deleted) and traffic weights."""

    canary_pods: list[tuple[int, int]]
    weights: list[tuple[int, int]]  # (second, canary weight in percent), in time order
    end: int

    def weight_per_second(self) -> np.ndarray:
        out = np.zeros(self.end + 1)
        for t, w in self.weights:
            out[t:] = w / 100
        return out

    def prefix(self, until: int) -> tuple:
        """What the world saw before second `until` (a scrape at `until` sees only earlier seconds)."""
        return ([(c, min(d, until)) for c, d in self.canary_pods if c < until], [(t, w) for t, w in self.weights if t < until])


@dataclass
class Outcome:
    """How a rollout ended: promoted, aborted (by what), or paused for a human; and when."""

    result: str  # promoted | aborted | paused | running
    at: int
    reason: str
    first_traffic: int | None
    timeline: Timeline
    runs: list[AnalysisRun]
    step_started: dict[int, int]

    @property
    def since_traffic(self) -> int | None:
        return None if self.first_traffic is None else self.at - self.first_traffic


@dataclass(frozen=True)
class RolloutSpec:
    """The parts of a synthesized Rollout the model needs, and its templates by name."""

    replicas: int
    steps: list[dict]
    background: list[dict]
    starting_step: int
    min_ready: int
    progress_deadline: int
    progress_deadline_abort: bool
    templates: dict[str, dict]

    @classmethod
    def from_objects(cls, rollout: dict, templates: dict[str, dict]) -> RolloutSpec:
        spec, canary = rollout["spec"], rollout["spec"]["strategy"]["canary"]
        background = canary.get("analysis") or {}
        return cls(
            replicas=int(spec.get("replicas", 1)),
            steps=list(canary["steps"]),
            background=[templates[t["templateName"]] for t in background.get("templates", [])],
            starting_step=int(background.get("startingStep", 0)),
            min_ready=int(spec.get("minReadySeconds", 0)),
            progress_deadline=int(spec.get("progressDeadlineSeconds", DEFAULT_PROGRESS_DEADLINE)),
            progress_deadline_abort=bool(spec.get("progressDeadlineAbort", False)),
            templates=templates,
        )


def simulate(
    spec: RolloutSpec,
    world: World,
    engine: Engine,
    *,
    gate_wait: int | None = 300,
    horizon: int = 4 * 3600,
    judge: Judge = measurement_phase,
) -> Outcome:
    """Run the rollout until it is promoted, aborted or paused for a human (or `horizon` passes).

    gate_wait: seconds a human takes to promote at a manual gate (`pause: {}`); None: never.
    An Inconclusive run pauses the rollout for a human; the model stops there ("paused").
    """
    behaviour = world.canary.pods
    pods: list[list[int]] = []  # [created, deleted]
    weights: list[tuple[int, int]] = [(0, 0)]
    runs: list[AnalysisRun] = []
    step_started: dict[int, int] = {}
    index, background, step_run = 0, None, None
    first_traffic: int | None = None
    pauses = {i: _seconds(s["pause"].get("duration")) for i, s in enumerate(spec.steps) if "pause" in s}

    def available(t: int) -> int:
        """Pods ready for minReadySeconds without interruption (ReplicaSet availableReplicas)."""
        count = 0
        for created, deleted in pods:
            for _, ready, stop in behaviour.runs(created, deleted):
                if ready is not None and ready + spec.min_ready <= t < stop:
                    count += 1
                    break
        return count

    def finish(result: str, t: int, reason: str) -> Outcome:
        for pod in pods:
            pod[1] = min(pod[1], t + 1)
        return Outcome(result, t, reason, first_traffic, Timeline([tuple(p) for p in pods], weights, t), runs, step_started)

    def set_weight(t: int, w: int) -> None:
        nonlocal first_traffic
        if weights[-1][1] != w:
            weights.append((t, w))
        if w > 0 and first_traffic is None:
            first_traffic = t

    for t in range(horizon):
        step_started.setdefault(index, t)
        # rollout/analysis.go `reconcileBackgroundAnalysisRun`: created once the current step
        # reaches startingStep (utils/replicaset `BeforeStartingStep`), one run until promotion.
        if spec.background and background is None and index >= spec.starting_step:
            background = AnalysisRun("background", spec.background, t)
            runs.append(background)
        if background is not None:
            phase = background.reconcile(t, engine, judge)
            if phase in ("Failed", "Error"):
                return finish("aborted", t, f"background {phase}: {background.decided_by}")
            if phase == "Inconclusive":
                return finish("paused", t, f"background Inconclusive: {background.decided_by}")
        while index < len(spec.steps):
            step = spec.steps[index]
            step_started.setdefault(index, t)
            if "setWeight" in step:
                # utils/replicaset/canary.go `trafficWeightToReplicas`: ceil(weight x replicas / 100).
                desired = math.ceil(step["setWeight"] * spec.replicas / 100)
                while len(pods) < desired:
                    pods.append([t, horizon + 1])
                # rollout/trafficrouting.go `reconcileTrafficRouting`: the weight moves only once the
                # canary ReplicaSet is at its desired available count; rollout/canary.go
                # `completedCurrentCanaryStep` completes the step then.
                if available(t) >= desired:
                    set_weight(t, step["setWeight"])
                    index += 1
                    continue
                # rollout/sync.go `calculateRolloutConditions` + utils/conditions `RolloutTimedOut`:
                # a setWeight step is not an "indefinite step", so the progress deadline runs.
                if spec.progress_deadline_abort and t - step_started[index] > spec.progress_deadline:
                    return finish("aborted", t, "progress deadline exceeded")
                break
            if "pause" in step:
                duration = step["pause"].get("duration")
                if duration is None:
                    # A manual gate: `pause: {}` waits for a human (rollout/pause.go).
                    if gate_wait is not None and t >= step_started[index] + gate_wait:
                        index += 1
                        continue
                    break
                # rollout/pause.go `CompletedCanaryPauseStep`: StartTime + duration has passed.
                if t >= step_started[index] + pauses[index]:
                    index += 1
                    continue
                break
            if "analysis" in step:
                # rollout/analysis.go `reconcileStepBasedAnalysisRun`: a run per step; Successful
                # completes the step, Failed or Error aborts, Inconclusive pauses for a human.
                if step_run is None:
                    names = [t_["templateName"] for t_ in step["analysis"]["templates"]]
                    step_run = AnalysisRun(f"step {index}", [spec.templates[n] for n in names], t)
                    runs.append(step_run)
                phase = step_run.reconcile(t, engine, judge)
                if phase in ("Failed", "Error"):
                    return finish("aborted", t, f"step {index} {phase}: {step_run.decided_by}")
                if phase == "Inconclusive":
                    return finish("paused", t, f"step {index} Inconclusive: {step_run.decided_by}")
                if phase == "Successful":
                    step_run = None
                    index += 1
                    continue
                break
            index += 1  # setHeaderRoute and other instantaneous steps
        if index >= len(spec.steps):
            # Fully promoted: the background run is terminated (`reconcileBackgroundAnalysisRun`
            # creates none once `IsFullyPromoted`).
            set_weight(t, 100)
            return finish("promoted", t, "all steps completed")
    return finish("running", horizon - 1, "horizon reached")


def optimistic(spec: RolloutSpec, world: World, *, gate_wait: int | None = 300, horizon: int = 4 * 3600) -> Outcome:
    """The rollout when every measurement succeeds: the schedule a healthy canary follows."""
    return simulate(spec, world, _NoData(), gate_wait=gate_wait, horizon=horizon, judge=lambda metric, result: "Successful")


class _NoData:
    def result(self, query: str, t: int) -> list[float]:
        return []
