"""`canaryctl watch`: a live view of a rollout until it completes, aborts, pauses for a human (on
request) or runs out of time; the exit code says which (kube.COMPLETED ... TIMED_OUT)."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text

from podinfo_canary.config import duration_seconds
from podinfo_canary.ctl import kube
from podinfo_canary.ctl.actions import current_step
from podinfo_canary.ctl.status import CANARY_PAUSE, INCONCLUSIVE_PAUSE, canary_in_progress, phase

# Pause reasons the controller sets: a step's own pause (without a duration: the manual gate), or
# an analysis that ended Inconclusive.
HUMAN_PAUSES = (CANARY_PAUSE, INCONCLUSIVE_PAUSE)


def outcome(rollout: dict) -> int | None:
    """How the rollout stands for `watch`: a final exit code, PAUSED when a human must act, or None.

    The phase is read as the plugin reads it (status.phase once the controller has observed the
    spec: `GetRolloutPhase`), and like the plugin's `status --watch` (cmd/status/status.go) a
    Degraded rollout ends the watch, aborted or not."""
    status = rollout.get("status") or {}
    current, _ = phase(rollout)
    if status.get("abort") or current == "Degraded":
        return kube.ABORTED
    if not canary_in_progress(rollout) and current == "Healthy":
        return kube.COMPLETED
    if _waiting_for_human(rollout):
        return kube.PAUSED
    return None


def _current_step(rollout: dict) -> dict | None:
    """The step the controller is at (`GetCurrentCanaryStep`), None past the last one."""
    return current_step(rollout)[0]


def _waiting_for_human(rollout: dict) -> bool:
    reasons = [c.get("reason") for c in (rollout.get("status") or {}).get("pauseConditions") or []]
    step = _current_step(rollout) or {}
    gate = "pause" in step and not (step["pause"] or {}).get("duration")
    paused_by_hand = bool((rollout.get("spec") or {}).get("paused"))  # `canaryctl pause`; `canaryctl resume` clears it
    return paused_by_hand or INCONCLUSIVE_PAUSE in reasons or (CANARY_PAUSE in reasons and gate)


def countdown(rollout: dict, now: datetime) -> int | None:
    """Seconds left of a timed pause step, from its pause condition's start."""
    step = _current_step(rollout) or {}
    duration = step.get("pause", {}).get("duration") if "pause" in step else None
    starts = [c.get("startTime") for c in (rollout.get("status") or {}).get("pauseConditions") or [] if c.get("reason") == CANARY_PAUSE]
    if not duration or not starts or not starts[0]:
        return None
    seconds = duration if isinstance(duration, int) else duration_seconds(str(duration))
    started = datetime.fromisoformat(starts[0].replace("Z", "+00:00"))
    return max(0, int(seconds - (now - started).total_seconds()))


def render(summary: dict, rollout: dict, now: datetime | None = None) -> Group:
    """The screen: one line per step (the current one marked), the state, the analysis."""
    now = now or datetime.now(UTC)
    steps = (rollout.get("spec") or {}).get("strategy", {}).get("canary", {}).get("steps") or []
    index = summary["step"] if summary["step"] is not None else 0
    table = Table("", "step", "what", box=None, pad_edge=False)
    for number, step in enumerate(steps):
        kind, value = next(iter(step.items()))
        what = (
            f"{kind} {value}"
            if kind != "pause"
            else ("pause " + str(value.get("duration")) if value.get("duration") else "pause until promoted")
        )
        if kind == "analysis":
            what = "analysis " + ", ".join(t["templateName"] for t in value.get("templates", []))
        marker = "▶" if number == index and canary_in_progress(rollout) else ("✓" if number < index else " ")
        table.add_row(marker, str(number + 1), what)
    state = Text(f"{summary['namespace']}/{summary['rollout']}  {summary['phase']}  canary weight {summary['weight']}%")
    if summary["aborted"]:
        state.append("  aborted", style="red")
    elif summary["paused"]:
        left = countdown(rollout, now)
        by_hand = ["spec.paused"] if summary.get("paused_by_human") else []
        state.append(f"  paused: {', '.join([r for r in summary['pause_reasons'] if r] + by_hand) or 'spec.paused'}", style="yellow")
        if left is not None:
            state.append(f" ({left}s left)")
    lines = [state]
    if summary.get("warning"):
        lines.append(Text(f"warning: {summary['warning']}", style="bold red"))
    lines.append(table)
    analysis = summary.get("analysis")
    if analysis:
        lines.append(Text(f"analysis {analysis['name']}: {analysis['phase'] or 'starting'}"))
        for m in analysis["metrics"]:
            last = f"last {m['value']}" if m["value"] is not None else "no value yet"
            lines.append(Text(f"  {m['name']}: {m['phase'] or 'starting'} ({last}, {m['measurements']} measurements)"))
    return Group(*lines)
