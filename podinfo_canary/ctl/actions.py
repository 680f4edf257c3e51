"""The API calls of promote, abort, retry and pause, as the Argo Rollouts kubectl plugin v1.9.1
makes them: which object or subresource each one patches, with which body.

Every patch is a JSON merge patch (`types.MergePatchType`). Read in the plugin's source:
- promote: pkg/kubectl-argo-rollouts/cmd/promote/promote.go `PromoteRollout` GETs the Rollout,
  builds the bodies in `getPatches`, patches the `status` subresource first and then the Rollout
  itself (spec); a 404 on the status subresource (Rollouts before v0.10) falls back to one
  "unified" patch of the Rollout;
- abort: cmd/abort/abort.go `AbortRollout`, `{"status":{"abort":true}}` on `status`;
- retry: cmd/retry/retry.go `RetryRollout`, `{"status":{"abort":false}}` on `status`;
- pause: cmd/pause/pause.go, `{"spec":{"paused":true}}` on the Rollout.
The status subresource calls fall back the same way on 404.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUS = "status"


@dataclass(frozen=True)
class Patch:
    """One merge patch: of the Rollout (`subresource` None) or of its status subresource."""

    subresource: str | None
    body: dict


@dataclass(frozen=True)
class Plan:
    """The patches of one command, in order, and the single patch used when the status
    subresource answers 404."""

    patches: tuple[Patch, ...]
    unified: dict | None = None


def current_step_index(rollout: dict) -> int | None:
    """utils/replicaset/canary.go `GetCurrentCanaryStep`: the status' index, 0 when unset; None
    for a rollout without canary steps."""
    steps = (rollout.get("spec") or {}).get("strategy", {}).get("canary", {}).get("steps") or []
    if not steps:
        return None
    index = (rollout.get("status") or {}).get("currentStepIndex")
    return 0 if index is None else index


def _is_inconclusive(rollout: dict) -> bool:
    """promote.go `isInconclusive`."""
    run = ((rollout.get("status") or {}).get("canary") or {}).get("currentStepAnalysisRunStatus") or {}
    return "canary" in (rollout.get("spec") or {}).get("strategy", {}) and run.get("status") == "Inconclusive"


def promote(rollout: dict, *, full: bool = False) -> Plan:
    """promote.go `getPatches` without the skip flags (canaryctl does not offer them)."""
    spec, status = (rollout.get("spec") or {}), (rollout.get("status") or {})
    steps = spec.get("strategy", {}).get("canary", {}).get("steps") or []
    paused = bool(spec.get("paused"))
    spec_patch: dict | None = None
    status_patch: dict | None = None
    if full:
        if paused:
            spec_patch = {"spec": {"paused": False}}
        if status.get("currentPodHash") != status.get("stableRS"):
            status_patch = {"status": {"promoteFull": True}}
        unified = {"spec": {"paused": False}, "status": {"promoteFull": True}}
    else:
        unified = {"spec": {"paused": False}, "status": {"pauseConditions": None}}
        if paused:
            spec_patch = {"spec": {"paused": False}}
        conditions = status.get("pauseConditions") or []
        index = current_step_index(rollout)
        if _is_inconclusive(rollout) and conditions and status.get("controllerPause"):
            if index is not None:
                index = index + 1 if index < len(steps) else index
                status_patch = {"status": {"pauseConditions": None, "controllerPause": False, "currentStepIndex": index}}
        elif conditions:
            status_patch = {"status": {"pauseConditions": None}}
        elif "canary" in spec.get("strategy", {}) and index is not None:
            index = index + 1 if index < len(steps) else index
            status_patch = {"status": {"pauseConditions": None, "currentStepIndex": index}}
            unified = {"spec": {"paused": False}, "status": {"pauseConditions": None, "currentStepIndex": index}}
    patches = tuple(
        p for p in (Patch(STATUS, status_patch) if status_patch else None, Patch(None, spec_patch) if spec_patch else None) if p
    )
    return Plan(patches, unified)


def abort() -> Plan:
    body = {"status": {"abort": True}}
    return Plan((Patch(STATUS, body),), body)


def retry() -> Plan:
    body = {"status": {"abort": False}}
    return Plan((Patch(STATUS, body),), body)


def pause() -> Plan:
    return Plan((Patch(None, {"spec": {"paused": True}}),))
