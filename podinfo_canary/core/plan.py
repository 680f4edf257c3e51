"""The rollout plan, read back from synthesized YAML: what a reviewer wants to know about a canary.

`python -m podinfo_canary.core.plan dist/prod` prints the stage timeline (weight, pause, gate,
analyses) and the minimum time to full promotion when every check passes (manual gates and pod
start-up excluded). How fast a bad canary is aborted depends on its traffic: that is measured by
`make bench` with the controller model and tabled in docs/explanation/analysis.md, not computed here.

It reads dist/ (the Rollout, its AnalysisTemplates and the PodMonitor), not the configuration,
so it describes exactly what Argo CD will apply.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from podinfo_canary.config import duration_seconds
from podinfo_canary.core import tester, yamltext


@dataclass(frozen=True)
class PlannedStage:
    weight: int
    pause_seconds: int | None  # None: no timed pause
    manual_gate: bool
    analyses: tuple[str, ...]
    analysis_seconds: int  # how long the blocking analysis step takes when it passes
    steps: tuple[int, int] = (0, 0)  # first and last index into the Rollout's steps (what Argo shows)


@dataclass(frozen=True)
class PlannedPhase:
    """The pre-exposure phase: the steps before the first weight, at 0% of user traffic."""

    canary_pods: int
    analyses: tuple[tuple[str, ...], ...]  # each step's templates, in order: acceptance, load, the verdict
    generated_requests: int
    seconds: int  # when every check passes (the testers' pod starts included, canary pod start-up excluded)
    steps: tuple[int, int]
    judged_pods_replaced: bool  # scaled away before the first weight (users get fresh pods)


@dataclass(frozen=True)
class RolloutPlan:
    stages: tuple[PlannedStage, ...]
    background_analyses: tuple[str, ...]
    promotion_seconds: int  # healthy canary, manual gates and pod start-up excluded
    scale_ups: int | None  # steps that wait for new canary pods to become ready (None: replicas from an HPA)
    pre_exposure: PlannedPhase | None = None

    def describe(self) -> str:
        lines = []
        phase = self.pre_exposure
        if phase is not None:
            replaced = "; then scaled away, users get fresh pods" if phase.judged_pods_replaced else "; they serve on"
            lines.append(
                f"pre-exposure (steps {phase.steps[0]}-{phase.steps[1]}):   0%  {phase.canary_pods} canary pod(s), "
                f"{' -> '.join('+'.join(step) for step in phase.analyses)}; {phase.generated_requests} generated requests "
                f"({phase.seconds}s){replaced}"
            )
        for index, stage in enumerate(self.stages):
            wait = "manual approval" if stage.manual_gate else (f"pause {stage.pause_seconds}s" if stage.pause_seconds else "no pause")
            checks = f", analysis {'+'.join(stage.analyses)} ({stage.analysis_seconds}s)" if stage.analyses else ""
            first, last = stage.steps
            steps = f"step {first}" if first == last else f"steps {first}-{last}"
            lines.append(f"canary.stages[{index}] ({steps}): {stage.weight:>3}%  {wait}{checks}")
        lines.append(f"background analysis: {', '.join(self.background_analyses) or 'none'}")
        starts = f" + {self.scale_ups} pod start-ups" if self.scale_ups else ""
        lines.append(
            f"healthy promotion (manual gates excluded): {self.promotion_seconds}s ({self.promotion_seconds / 60:.1f} min){starts}"
        )
        return "\n".join(lines)


def _seconds(value: str | int | None) -> int:
    if value in (None, ""):
        return 0
    return value if isinstance(value, int) else duration_seconds(str(value))


def _metric_seconds(metric: dict) -> int:
    """A passing metric's duration: initialDelay, then (n - 1) intervals for its n-th and last
    measurement, where n is `consecutiveSuccessLimit` when set (it ends at that many successes,
    analysis/analysis.go `assessMetricStatus`) and `count` otherwise."""
    needed = int(metric.get("consecutiveSuccessLimit") or metric.get("count", 1))
    return _seconds(metric.get("initialDelay")) + (needed - 1) * _seconds(metric.get("interval"))


def _pre_exposure(steps: list[dict], templates: dict[str, dict], analysis_seconds) -> PlannedPhase | None:
    first_weight = next((i for i, s in enumerate(steps) if "setWeight" in s), len(steps))
    phase = steps[:first_weight]
    scale = next((s["setCanaryScale"] for s in phase if "replicas" in s.get("setCanaryScale", {})), None)
    if scale is None:
        return None
    groups = tuple(tuple(t["templateName"] for t in s["analysis"]["templates"]) for s in phase if "analysis" in s)
    names = [name for group in groups for name in group]
    generated = sum(
        int(tester.job_env(m)["REQUESTS"])
        for n in names
        for m in templates[n]["spec"]["metrics"]
        if "job" in m["provider"] and tester.job_env(m)["MODE"] == tester.LOAD
    )
    seconds = sum(_seconds(s["pause"].get("duration")) for s in phase if "pause" in s) + sum(
        analysis_seconds([t["templateName"] for t in s["analysis"]["templates"]]) for s in phase if "analysis" in s
    )
    replaced = any(s.get("setCanaryScale", {}).get("matchTrafficWeight") for s in phase)
    return PlannedPhase(int(scale["replicas"]), groups, generated, seconds, (0, first_weight - 1), replaced)


def build_plan(rollout: dict, templates: dict[str, dict]) -> RolloutPlan:
    canary = rollout["spec"]["strategy"]["canary"]

    def metric_seconds(metric: dict) -> int:
        return tester.passing_seconds(tester.job_env(metric)) if "job" in metric["provider"] else _metric_seconds(metric)

    def analysis_seconds(names: list[str]) -> int:
        return max((metric_seconds(m) for n in names for m in templates[n]["spec"]["metrics"]), default=0)

    stages: list[dict] = []
    for index, step in enumerate(canary["steps"]):
        if "setWeight" in step:
            stages.append({"weight": step["setWeight"], "pause": None, "gate": False, "analyses": [], "steps": [index, index]})
            continue
        if not stages:
            continue  # steps before the first weight (the pre-exposure phase, setHeaderRoute)
        stages[-1]["steps"][1] = index
        if "pause" in step:
            duration = step["pause"].get("duration")
            stages[-1]["gate" if duration is None else "pause"] = True if duration is None else _seconds(duration)
        elif "analysis" in step:
            stages[-1]["analyses"] += [t["templateName"] for t in step["analysis"]["templates"]]
    planned = tuple(
        PlannedStage(s["weight"], s["pause"], s["gate"], tuple(s["analyses"]), analysis_seconds(s["analyses"]), tuple(s["steps"]))
        for s in stages
    )
    background = tuple(t["templateName"] for t in canary.get("analysis", {}).get("templates", []))
    if any("count" in m for n in background for m in templates[n]["spec"]["metrics"]):
        raise ValueError("the background analysis has a `count`: it would stop measuring before promotion")
    phase = _pre_exposure(canary["steps"], templates, analysis_seconds)
    return RolloutPlan(
        stages=planned,
        background_analyses=background,
        promotion_seconds=sum((s.pause_seconds or 0) + s.analysis_seconds for s in planned) + (phase.seconds if phase else 0),
        scale_ups=_scale_ups(rollout),
        pre_exposure=phase,
    )


def canary_replicas(weight: int, replicas: int, max_weight: int = 100) -> int:
    """The canary pods of a traffic-routed canary at `weight`: ceil(weight x replicas / max_weight),
    in float64 as upstream computes it (max_weight: trafficRouting.maxTrafficWeight, default 100)."""
    # upstream: argo-rollouts v1.9.1 utils/replicaset/canary.go trafficWeightToReplicas
    return math.ceil(float(weight) * float(replicas) / float(max_weight))


def _scale_ups(rollout: dict) -> int | None:
    """Steps that need more canary pods than are running: the step completes (and a weight moves)
    only once they are available (rollout/trafficrouting.go `reconcileTrafficRouting`,
    rollout/canary.go completedCurrentCanaryStep), and a new pod needs its start-up. Canary pods
    per step: utils/replicaset/canary.go `trafficWeightToReplicas` of the weight, or the replicas of
    a setCanaryScale in force (UseSetCanaryScale) until one with matchTrafficWeight."""
    replicas = rollout["spec"].get("replicas")
    if replicas is None:
        return None
    pods, weight, override, ups = 0, 0, None, 0
    for step in rollout["spec"]["strategy"]["canary"]["steps"]:
        if "setCanaryScale" in step:
            override = step["setCanaryScale"].get("replicas")
        elif "setWeight" in step:
            weight = step["setWeight"]
        else:
            continue
        wanted = override if override is not None else canary_replicas(weight, replicas)
        ups += wanted > pods
        pods = wanted
    return ups


def plan_from_folder(folder: Path) -> RolloutPlan:
    """The plan of one synthesized environment folder (dist/<environment>)."""
    docs = [d for p in sorted(folder.glob("*.yaml")) for d in yamltext.read_documents(p)]
    rollout = next(d for d in docs if d["kind"] == "Rollout")
    templates = {d["metadata"]["name"]: d for d in docs if d["kind"] == "AnalysisTemplate"}
    return build_plan(rollout, templates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m podinfo_canary.core.plan",
        description="The canary plan of synthesized environments: stages with their config index and the "
        "Rollout step range Argo shows (`Step: 4/13`), pauses, gates, checks, and the healthy promotion time.",
    )
    parser.add_argument("folders", nargs="*", default=["dist/prod"], help="synthesized environment folders (default: dist/prod)")
    args = parser.parse_args(argv)
    for name in args.folders:
        folder = Path(name)
        if not any(folder.glob("Rollout.*.yaml")):
            print(
                f"error: {name}: no Rollout here; give a synthesized environment folder such as dist/prod (run `make synth` first)",
                file=sys.stderr,
            )
            return 2
        print(f"# {name}")
        print(plan_from_folder(folder).describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
