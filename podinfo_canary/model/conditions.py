"""The Rollout's Progressing clock, as Argo Rollouts v1.9.1 keeps it (pure Python, no numpy).

A setWeight step times out `progressDeadlineSeconds` after the Progressing condition's
`lastUpdateTime`, and that time moves whenever the controller sees progress: a step index that
changes, more ready or available replicas, a changed updated count, fewer old replicas. So a
canary whose pods keep becoming ready (a crash loop) never times out, and every pod that becomes
available starts a fresh deadline. tests/conformance runs upstream's unit-test tables against it.
"""

from __future__ import annotations

from dataclasses import dataclass

# upstream: argo-rollouts v1.9.1 utils/conditions/conditions.go (reason constants)
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
ABORTED_REASON = "RolloutAborted"
PAUSED_REASON = "RolloutPaused"


@dataclass(frozen=True)
class ReplicaStatus:
    """The parts of a canary Rollout's status that `RolloutProgressing` compares."""

    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    current_step_index: int | None = None
    stable_rs: str = ""
    current_step_hash: str = ""


def rollout_progressing(old: ReplicaStatus, new: ReplicaStatus) -> bool:
    """upstream: argo-rollouts v1.9.1 utils/conditions/conditions.go RolloutProgressing (canary)."""
    step_changed = (
        old.current_step_index is not None and new.current_step_index is not None and old.current_step_index != new.current_step_index
    )
    strategy_progress = new.stable_rs != old.stable_rs or step_changed or new.current_step_hash != old.current_step_hash
    return (
        new.updated_replicas != old.updated_replicas
        or (new.replicas - new.updated_replicas) < (old.replicas - old.updated_replicas)
        or new.ready_replicas > old.ready_replicas
        or new.available_replicas > old.available_replicas
        or strategy_progress
    )


@dataclass(frozen=True)
class Progressing:
    """The Progressing condition: its reason and `lastUpdateTime` (seconds)."""

    reason: str
    last_update: float


def rollout_timed_out(condition: Progressing | None, deadline_seconds: int, now: float) -> bool:
    """upstream: argo-rollouts v1.9.1 utils/conditions/conditions.go RolloutTimedOut.

    No condition, or one left by an abort or a pause: no base, not timed out. Already timed out
    stays timed out. Else `lastUpdateTime + progressDeadlineSeconds` is before now (strictly).
    """
    if condition is None or condition.reason in (ABORTED_REASON, PAUSED_REASON):
        return False
    if condition.reason == TIMED_OUT_REASON:
        return True
    return condition.last_update + deadline_seconds < now
