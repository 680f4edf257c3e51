"""What `canaryctl status` reports, computed from the Rollout, its ReplicaSets and its current
AnalysisRun (plain data, so `--output json` and the terminal view say the same thing)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from podinfo_canary.core.promql import VERSUS_STABLE
from podinfo_canary.core.workload import HASH_LABEL
from podinfo_canary.ctl.actions import canary_strategy, current_step, current_step_index
from podinfo_canary.model.conditions import ABORTED_REASON, TIMED_OUT_REASON

FAILED_PHASES = ("Failed", "Error")
# A run's phase the controller copies into the Rollout (rollout/context.go): "" right after the
# run is created, then Pending, Running, and one of Successful, Failed, Error, Inconclusive.
PASSED_PHASES = ("Successful", "Inconclusive")
# upstream: argo-rollouts v1.9.1 pkg/apis/rollouts/v1alpha1/types.go PauseReasonInconclusiveAnalysis, PauseReasonCanaryPauseStep
INCONCLUSIVE_PAUSE = "InconclusiveAnalysisRun"
CANARY_PAUSE = "CanaryPauseStep"
# upstream: argo-rollouts v1.9.1 utils/defaults/defaults.go DefaultReplicas
DEFAULT_REPLICAS = 1
_INT64 = 2**63


def _status(rollout: dict) -> dict:
    return rollout.get("status") or {}


def _atoi(text: Any) -> int | None:
    """Go's strconv.Atoi: an optionally signed decimal int64, else None (its error)."""
    if not re.fullmatch(r"[+-]?[0-9]+", str(text)):
        return None
    value = int(str(text))
    return value if -_INT64 <= value < _INT64 else None


def generation_observed(rollout: dict) -> bool:
    """Whether the controller has seen the current spec: status.observedGeneration (a string) is
    metadata.generation. Not a number (a v0.9 hash): yes; a number above the generation (an
    all-digit v0.9 hash): yes."""
    # upstream: argo-rollouts v1.9.1 utils/rollout/rolloututil.go isGenerationObserved
    observed = _atoi(_status(rollout).get("observedGeneration", ""))
    if observed is None:
        return True
    generation = int((rollout.get("metadata") or {}).get("generation") or 0)
    return observed >= generation


def is_unpausing(rollout: dict) -> bool:
    """A human cleared the pause conditions and the controller has not reacted yet."""
    # upstream: argo-rollouts v1.9.1 utils/rollout/rolloututil.go IsUnpausing
    status = _status(rollout)
    return bool(status.get("controllerPause")) and not status.get("pauseConditions")


def is_fully_promoted(rollout: dict) -> bool:
    # upstream: argo-rollouts v1.9.1 utils/rollout/rolloututil.go IsFullyPromoted
    status = _status(rollout)
    return (status.get("stableRS") or "") == (status.get("currentPodHash") or "")


def _same_time(a: Any, b: Any) -> bool:
    """metav1.Time's Equal on two RFC 3339 timestamps (the same instant, whatever the zone)."""
    try:
        return datetime.fromisoformat(str(a).replace("Z", "+00:00")) == datetime.fromisoformat(str(b).replace("Z", "+00:00"))
    except ValueError:
        return a == b


def calculate_phase(rollout: dict) -> tuple[str, str]:
    """The phase and message computed from spec and status, for a Rollout whose controller left
    status.phase empty (before v1.0). The blue-green branch is not ported: canaryctl operates
    canary Rollouts (tests/model/conformance/test_rollouts_upstream.py NOT_COVERED)."""
    # upstream: argo-rollouts v1.9.1 utils/rollout/rolloututil.go CalculateRolloutPhase
    spec, status = rollout.get("spec") or {}, _status(rollout)
    for condition in status.get("conditions") or []:
        if condition.get("type") == "InvalidSpec":
            return "Degraded", f"InvalidSpec: {condition.get('message', '')}"
        if condition.get("reason") in (ABORTED_REASON, TIMED_OUT_REASON):
            return "Degraded", f"{condition['reason']}: {condition.get('message', '')}"
    if spec.get("paused"):
        return "Paused", "manually paused"
    for pause_condition in status.get("pauseConditions") or []:
        return "Paused", pause_condition.get("reason", "")
    restart_at = spec.get("restartAt")
    if restart_at is not None and (status.get("restartedAt") is None or not _same_time(restart_at, status["restartedAt"])):
        return "Progressing", "rollout is restarting"
    replicas = DEFAULT_REPLICAS if spec.get("replicas") is None else int(spec["replicas"])
    updated, available = int(status.get("updatedReplicas") or 0), int(status.get("availableReplicas") or 0)
    if updated < replicas:
        return "Progressing", "more replicas need to be updated"
    if available < updated:
        return "Progressing", "updated replicas are still becoming available"
    canary = canary_strategy(rollout)
    if canary is not None:
        if canary.get("trafficRouting") is None and int(status.get("replicas") or 0) > updated:
            return "Progressing", "old replicas are pending termination"
        if not status.get("stableRS") or not is_fully_promoted(rollout):
            return "Progressing", "waiting for all steps to complete"
    return "Healthy", ""


def phase(rollout: dict) -> tuple[str, str]:
    """The phase and message the plugin shows: Progressing until the controller has observed the
    spec and while it is unpausing; then status.phase and status.message, or `calculate_phase`
    when the controller left them empty. (Its workload-reference check reads a flag that is never
    on the wire, `TemplateResolvedFromRef`, json:"-", so it never applies to a client.)"""
    # upstream: argo-rollouts v1.9.1 utils/rollout/rolloututil.go GetRolloutPhase
    status = _status(rollout)
    if not generation_observed(rollout):
        return "Progressing", "waiting for rollout spec update to be observed"
    if is_unpausing(rollout):
        return "Progressing", "waiting for rollout to unpause"
    if status.get("phase"):
        return status["phase"], status.get("message") or ""
    return calculate_phase(rollout)


def max_traffic_weight(rollout: dict) -> int:
    # upstream: argo-rollouts v1.9.1 utils/weightutil/weight.go MaxTrafficWeight
    routing = (canary_strategy(rollout) or {}).get("trafficRouting") or {}
    return 100 if routing.get("maxTrafficWeight") is None else int(routing["maxTrafficWeight"])


def weight(rollout: dict) -> int:
    """The canary's traffic weight: 0 once aborted; the maximum weight (100 unless
    trafficRouting.maxTrafficWeight) past the last step or without steps; for a traffic-routed
    rollout the weight the controller reports it set (status.canary.weights, which the plugin's
    `get` shows as the actual weight); else the last setWeight at or before the current step, 0
    before the first."""
    # upstream: argo-rollouts v1.9.1 utils/replicaset/canary.go GetCurrentSetWeight
    if _status(rollout).get("abort"):
        return 0
    step, index = current_step(rollout)
    if step is None:
        return max_traffic_weight(rollout)
    # upstream: argo-rollouts v1.9.1 pkg/kubectl-argo-rollouts/info/rollout_info.go NewRolloutInfo (ActualWeight)
    weights = (_status(rollout).get("canary") or {}).get("weights") or {}
    if (canary_strategy(rollout) or {}).get("trafficRouting") is not None and "canary" in weights:
        return int(weights["canary"].get("weight") or 0)
    steps = canary_strategy(rollout)["steps"]
    for i in range(index, -1, -1):
        if steps[i].get("setWeight") is not None:
            return int(steps[i]["setWeight"])
    return 0


def failed_background_while_paused(rollout: dict) -> dict | None:
    """The background AnalysisRun's entry in the status when it failed (or errored) while the
    rollout is paused for evidence (an Inconclusive run), else None. The controller skips the
    background run while that pause condition exists, so it never aborts the rollout itself."""
    # upstream: argo-rollouts v1.9.1 rollout/analysis.go reconcileBackgroundAnalysisRun
    reasons = [c.get("reason") for c in _status(rollout).get("pauseConditions") or []]
    run = background_analysis(rollout)
    return run if INCONCLUSIVE_PAUSE in reasons and run.get("status") in FAILED_PHASES else None


def failed_background(rollout: dict) -> dict | None:
    """The background run's status when it failed or errored (paused or not), else None."""
    background = background_analysis(rollout)
    return background if background.get("status") in FAILED_PHASES else None


def background_warning(rollout: dict, env: str | None = None, background_run: dict | None = None) -> str | None:
    """The one-line warning of `failed_background_while_paused`, naming the failed metrics when the
    AnalysisRun itself is at hand, and the abort a human must run."""
    run = failed_background_while_paused(rollout)
    if run is None:
        return None
    failed = [r["name"] for r in ((background_run or {}).get("status") or {}).get("metricResults") or [] if r.get("phase") in FAILED_PHASES]
    where = f"--env {env}" if env else f"--namespace {(rollout.get('metadata') or {}).get('namespace')}"
    return (
        f"background analysis {run.get('name')} {'failed' if run['status'] == 'Failed' else 'errored'}"
        + (f" ({', '.join(failed)})" if failed else "")
        + f" while the rollout is paused for evidence ({INCONCLUSIVE_PAUSE}); the controller will not abort it by itself: "
        + (
            f"run `canaryctl rollback --env {env}` (the abort, and Git back on the stable version)"
            if env
            else f"run `canaryctl abort {where}`"
        )
    )


def canary_in_progress(rollout: dict) -> bool:
    status = _status(rollout)
    return bool(status.get("currentPodHash")) and status.get("currentPodHash") != status.get("stableRS")


def step_analysis(rollout: dict) -> dict:
    """The blocking AnalysisRun of the current step, as the Rollout's status names it."""
    return (_status(rollout).get("canary") or {}).get("currentStepAnalysisRunStatus") or {}


def background_analysis(rollout: dict) -> dict:
    """The AnalysisRun that runs beside the steps (prod's podinfo-complete-analysis)."""
    return (_status(rollout).get("canary") or {}).get("currentBackgroundAnalysisRunStatus") or {}


def _versions(replica_sets: list[dict]) -> dict[str, dict]:
    out = {}
    for rs in replica_sets:
        pod_hash = rs["metadata"].get("labels", {}).get(HASH_LABEL)
        containers = rs.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or [{}]
        out[pod_hash] = {
            "image": containers[0].get("image"),
            "ready": (rs.get("status") or {}).get("readyReplicas") or 0,
            "replicas": (rs.get("status") or {}).get("replicas") or 0,
        }
    return out


def metric_results(run: dict) -> list[dict]:
    """Each metric of an AnalysisRun: phase, counts, last value and the conditions it is judged by."""
    conditions = {m["name"]: m for m in (run.get("spec") or {}).get("metrics") or []}
    results = []
    for result in (run.get("status") or {}).get("metricResults") or []:
        measurements = result.get("measurements") or []
        metric = conditions.get(result["name"], {})
        results.append(
            {
                "name": result["name"],
                "phase": result.get("phase"),
                "value": measurements[-1].get("value") if measurements else None,
                "measurements": result.get("count", len(measurements)),
                "failed": result.get("failed", 0),
                "inconclusive": result.get("inconclusive", 0),
                "success_condition": metric.get("successCondition"),
                "failure_condition": metric.get("failureCondition"),
            }
        )
    return results


def run_summary(run: dict) -> dict[str, Any]:
    """One AnalysisRun: phase, message, and each metric's measurements with their values."""
    measurements = {
        r["name"]: [{"phase": m.get("phase"), "value": m.get("value"), "at": m.get("finishedAt")} for m in r.get("measurements") or []]
        for r in (run.get("status") or {}).get("metricResults") or []
    }
    return {
        "name": run["metadata"]["name"],
        "phase": (run.get("status") or {}).get("phase"),
        "message": (run.get("status") or {}).get("message"),
        "metrics": [{**m, "history": measurements.get(m["name"], [])} for m in metric_results(run)],
    }


# The pre-exposure Jobs' metrics (charts/environment/preexposure.py) and what their failure means.
PRE_EXPOSURE_JOBS = {
    "acceptance": "the acceptance test failed (no canary pod answered through the header route, or not the version Git says)",
    "generated-load": "the generated load failed (its pod did not start in time, or its requests were not answered)",
}


def _job_of(run: dict, metric: str) -> tuple[str, str] | None:
    """The Job of a Job-provider measurement: metadata job-name and job-namespace (upstream:
    argo-rollouts v1.9.1 metricproviders/job/job.go JobNameKey, JobNamespaceKey)."""
    for result in (run.get("status") or {}).get("metricResults") or []:
        if result.get("name") == metric and result.get("measurements"):
            meta = result["measurements"][-1].get("metadata") or {}
            if meta.get("job-name"):
                return meta["job-name"], meta.get("job-namespace", run.get("metadata", {}).get("namespace", ""))
    return None


def which_judge(runs: list[dict]) -> str | None:
    """For a failed analysis, whether the canary was judged worse than stable (a regression of the
    new version) or only past the SLO while no worse than stable (a cause both tracks share, such
    as a failing dependency: the stable pods' alerts fire too), or which pre-exposure Job failed.
    None when no run failed on a request SLO or a pre-exposure Job."""
    for run in runs:
        if (run.get("status") or {}).get("phase") not in FAILED_PHASES:
            continue
        results = {m["name"]: m for m in metric_results(run)}
        failed = [name for name, m in results.items() if m["phase"] in FAILED_PHASES]
        tester = next((name for name in failed if name in PRE_EXPOSURE_JOBS), None)
        if tester is not None:
            job = _job_of(run, tester)
            logs = f"`kubectl -n {job[1]} logs job/{job[0]}` says what it got" if job else "its Job's log says what it got"
            return f"{PRE_EXPOSURE_JOBS[tester]}, before any user reached the canary: {logs}"
        relative = [name for name in failed if name.endswith(VERSUS_STABLE)]
        if relative:
            return (
                f"the canary is worse than stable ({', '.join(relative)}): a regression of the new version, unless the stable "
                "pods' alerts fire too (an incident that began during the rollout shows in stable's window only as it fills)"
            )
        alike = [name for name in failed if f"{name}{VERSUS_STABLE}" in results]
        if alike:
            return (
                f"the canary broke the SLO ({', '.join(alike)}) but was no worse than stable: a cause both tracks share "
                "(a dependency?) is likely; the stable pods' alerts say more. The rollout aborts all the same: a bad "
                "canary can also harm what stable depends on"
            )
    return None


def summarize(
    rollout: dict, replica_sets: list[dict], run: dict | None, env: str | None = None, background_run: dict | None = None
) -> dict[str, Any]:
    """What `status` and `watch` show: `run` is the step's AnalysisRun, `background_run` the
    background one (read only for the warning), `env` the environment named in the advice."""
    spec, status = rollout.get("spec") or {}, _status(rollout)
    steps = (canary_strategy(rollout) or {}).get("steps") or []
    versions = _versions(replica_sets)
    stable_hash, canary_hash = status.get("stableRS"), status.get("currentPodHash")
    canary = canary_in_progress(rollout)
    analysis = step_analysis(rollout)
    background = background_analysis(rollout)
    current_phase, message = phase(rollout)
    return {
        "rollout": rollout["metadata"]["name"],
        "namespace": rollout["metadata"]["namespace"],
        "phase": current_phase,
        "message": message,
        "step": current_step_index(rollout),
        "steps": len(steps),
        "weight": weight(rollout) if canary else 0,
        "paused": bool(spec.get("paused")) or bool(status.get("pauseConditions")),
        "paused_by_human": bool(spec.get("paused")),  # `canaryctl pause`; `canaryctl resume` clears it
        "pause_reasons": [c.get("reason") for c in status.get("pauseConditions") or []],
        "aborted": bool(status.get("abort")),
        "stable": {"hash": stable_hash, **versions.get(stable_hash, {})},
        "canary": {"hash": canary_hash, **versions.get(canary_hash, {})} if canary else None,
        "analysis": {
            "name": analysis.get("name"),
            "phase": analysis.get("status"),
            "message": analysis.get("message"),
            "metrics": metric_results(run) if run else [],
        }
        if analysis
        else None,
        "background_analysis": {"name": background.get("name"), "phase": background.get("status"), "message": background.get("message")}
        if background
        else None,
        "warning": background_warning(rollout, env, background_run),
        "judged": which_judge([r for r in (run, background_run) if r]),
    }
