"""The API calls of promote, abort, retry, pause and resume, as the Argo Rollouts kubectl plugin
v1.9.1 makes them: which object or subresource each one patches, with which body.

Every patch is a JSON merge patch (`types.MergePatchType`). Read in the plugin's source:
- promote: pkg/kubectl-argo-rollouts/cmd/promote/promote.go `PromoteRollout` GETs the Rollout,
  builds the bodies in `getPatches`, patches the `status` subresource first and then the Rollout
  itself (spec); a 404 on the status subresource (Rollouts before v0.10) falls back to one
  "unified" patch of the Rollout. It is not a resume: it clears the controller's pause (the rest
  of a timed pause, the manual gate) or, when the controller has not paused, moves one step on
  (rollout/canary.go `completedCurrentCanaryStep`, rollout/pause.go `CompletedCanaryPauseStep`);
- abort: cmd/abort/abort.go `AbortRollout`, `{"status":{"abort":true}}` on `status`;
- retry: cmd/retry/retry.go `RetryRollout`, `{"status":{"abort":false}}` on `status`;
- pause: cmd/pause/pause.go, `{"spec":{"paused":true}}` on the Rollout;
- resume: no plugin release has one (a `resume` that also cleared the pause conditions became
  `promote` before the plugin's first release, v0.6.0: argo-rollouts #277); canaryctl's clears
  only what `pause` set: promote.go's `unpausePatch`, `{"spec":{"paused":false}}` on the Rollout.
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


def canary_strategy(rollout: dict) -> dict | None:
    """spec.strategy.canary, None for a Rollout of another strategy (`Spec.Strategy.Canary == nil`)."""
    return ((rollout.get("spec") or {}).get("strategy") or {}).get("canary")


def current_step(rollout: dict) -> tuple[dict | None, int | None]:
    """The current canary step and its index; (None, None) without canary steps, (None, index)
    past the last step. The index is the status', 0 when unset."""
    # upstream: argo-rollouts v1.9.1 utils/replicaset/canary.go GetCurrentCanaryStep
    steps = (canary_strategy(rollout) or {}).get("steps") or []
    if not steps:
        return None, None
    index = (rollout.get("status") or {}).get("currentStepIndex")
    index = 0 if index is None else int(index)
    return (steps[index] if index < len(steps) else None), index


def current_step_index(rollout: dict) -> int | None:
    """utils/replicaset/canary.go `GetCurrentCanaryStep`'s index: the status' index, 0 when unset;
    None for a rollout without canary steps."""
    return current_step(rollout)[1]


def _is_inconclusive(rollout: dict) -> bool:
    """promote.go `isInconclusive`."""
    # upstream: argo-rollouts v1.9.1 pkg/kubectl-argo-rollouts/cmd/promote/promote.go isInconclusive
    run = ((rollout.get("status") or {}).get("canary") or {}).get("currentStepAnalysisRunStatus") or {}
    return canary_strategy(rollout) is not None and run.get("status") == "Inconclusive"


def promote(rollout: dict, *, full: bool = False) -> Plan:
    """promote.go `getPatches` without the skip flags (canaryctl does not offer them)."""
    # upstream: argo-rollouts v1.9.1 pkg/kubectl-argo-rollouts/cmd/promote/promote.go getPatches
    spec, status = (rollout.get("spec") or {}), (rollout.get("status") or {})
    canary = canary_strategy(rollout)
    steps = (canary or {}).get("steps") or []
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
        elif canary is not None and index is not None:
            index = index + 1 if index < len(steps) else index
            status_patch = {"status": {"pauseConditions": None, "currentStepIndex": index}}
            unified = {"spec": {"paused": False}, "status": {"pauseConditions": None, "currentStepIndex": index}}
    patches = tuple(
        p for p in (Patch(STATUS, status_patch) if status_patch else None, Patch(None, spec_patch) if spec_patch else None) if p
    )
    return Plan(patches, unified)


def abort() -> Plan:
    # upstream: argo-rollouts v1.9.1 pkg/kubectl-argo-rollouts/cmd/abort/abort.go AbortRollout
    body = {"status": {"abort": True}}
    return Plan((Patch(STATUS, body),), body)


def retry() -> Plan:
    # upstream: argo-rollouts v1.9.1 pkg/kubectl-argo-rollouts/cmd/retry/retry.go RetryRollout
    body = {"status": {"abort": False}}
    return Plan((Patch(STATUS, body),), body)


def pause() -> Plan:
    # upstream: argo-rollouts v1.9.1 pkg/kubectl-argo-rollouts/cmd/pause/pause.go NewCmdPause
    return Plan((Patch(None, {"spec": {"paused": True}}),))


def resume() -> Plan:
    """Clear a human's pause (spec.paused) and nothing else: no step moves, no pause condition
    goes, so a timed pause runs on, and the manual gate or an Inconclusive pause still waits for
    `promote`."""
    # upstream: argo-rollouts v1.9.1 pkg/kubectl-argo-rollouts/cmd/promote/promote.go unpausePatch
    return Plan((Patch(None, {"spec": {"paused": False}}),))
