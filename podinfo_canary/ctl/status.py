"""What `canaryctl status` reports, computed from the Rollout, its ReplicaSets and its current
AnalysisRun (plain data, so `--output json` and the terminal view say the same thing)."""

from __future__ import annotations

from typing import Any

from podinfo_canary.ctl.actions import current_step_index
from podinfo_canary.workload import HASH_LABEL

FAILED_PHASES = ("Failed", "Error")
# A run's phase the controller copies into the Rollout (rollout/context.go): "" right after the
# run is created, then Pending, Running, and one of Successful, Failed, Error, Inconclusive.
PASSED_PHASES = ("Successful", "Inconclusive")


def _status(rollout: dict) -> dict:
    return rollout.get("status") or {}


def phase(rollout: dict) -> tuple[str, str]:
    """utils/rollout/rolloututil.go `GetRolloutPhase`: Progressing until the controller has
    observed the spec (status.observedGeneration, a number, equals metadata.generation) and while
    it is unpausing (controllerPause without pause conditions); else the controller's phase."""
    status = _status(rollout)
    observed, generation = status.get("observedGeneration"), rollout.get("metadata", {}).get("generation")
    if generation is not None and str(observed).isdigit() and int(observed) < int(generation):
        return "Progressing", "waiting for rollout spec update to be observed"
    if status.get("controllerPause") and not status.get("pauseConditions"):
        return "Progressing", "waiting for rollout to unpause"
    return status.get("phase") or "Progressing", status.get("message") or ""


def weight(rollout: dict) -> int:
    """The canary's traffic weight: what the controller reports for a traffic-routed rollout
    (status.canary.weights), else the last setWeight at or before the current step."""
    weights = (_status(rollout).get("canary") or {}).get("weights") or {}
    if "canary" in weights:
        return int(weights["canary"].get("weight", 0))
    steps = rollout.get("spec", {}).get("strategy", {}).get("canary", {}).get("steps") or []
    index = current_step_index(rollout)
    if index is None or index >= len(steps):
        return 100 if steps else 0
    set_weights = [s["setWeight"] for s in steps[: index + 1] if "setWeight" in s]
    return set_weights[-1] if set_weights else 0


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


def summarize(rollout: dict, replica_sets: list[dict], run: dict | None) -> dict[str, Any]:
    spec, status = rollout.get("spec") or {}, _status(rollout)
    steps = (spec.get("strategy") or {}).get("canary", {}).get("steps") or []
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
    }
