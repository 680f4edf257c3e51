"""The stage plan read back from dist/ and the controller model agree on when every stage starts."""

from __future__ import annotations

from podinfo_canary.core import plan
from podinfo_canary.model.controller import RolloutSpec, optimistic
from podinfo_canary.model.world import PodBehaviour, Version, World
from tests.behaviour import _named, _seconds, _the


def plan_model_problems(objs: list[dict], startup: int = 0) -> list[str]:
    """The plan's arithmetic (podinfo_canary/core/plan.py) against the controller model's simulation of a
    healthy canary (podinfo_canary/model/controller.py): when each stage starts, when promotion ends."""
    rollout, templates = _the(objs, "Rollout"), _named(objs, "AnalysisTemplate")
    planned = plan.build_plan(rollout, templates)
    world = World(namespace=rollout["metadata"]["namespace"], total_rps=100, canary=Version(pods=PodBehaviour(startup_seconds=startup)))
    healthy = optimistic(RolloutSpec.from_objects(rollout, templates), world, gate_wait=0)
    problems = []
    if (healthy.result, healthy.at) != ("promoted", planned.promotion_seconds + (planned.scale_ups or 0) * startup):
        problems.append(f"the model {healthy.result} at {healthy.at}s, the plan promotes at {planned.promotion_seconds}s")
    phase = planned.pre_exposure
    # The phase's canary pod starts before its checks, and the first stage's pods anew after it.
    elapsed = phase.seconds if phase else 0
    if phase is not None and startup == 0 and healthy.step_started.get(phase.steps[1] + 1) != elapsed:
        problems.append(f"the model ends the phase at {healthy.step_started.get(phase.steps[1] + 1)}s, the plan at {elapsed}s")
    for index, stage in enumerate(planned.stages):
        started = healthy.step_started.get(stage.steps[0])
        if startup == 0 and started != elapsed:
            problems.append(f"stage {index} (step {stage.steps[0]}): the model starts it at {started}s, the plan at {elapsed}s")
        elapsed += (stage.pause_seconds or 0) + stage.analysis_seconds
    return problems


def test_the_plan_and_the_controller_model_agree_on_every_environment(built, configs):
    for name, cfg in configs.items():
        for env in cfg.environments:
            objs = built[name][env.name]
            assert plan_model_problems(objs) == [], (name, env.name)
            if not env.autoscaling:  # with an HPA the plan cannot know how many pods start
                assert plan_model_problems(objs, startup=7) == [], (name, env.name)


def test_a_plan_that_reads_count_instead_of_consecutive_successes_disagrees(built, monkeypatch):
    """The evidence gate ends at its first success (consecutiveSuccessLimit 1), not after `count`."""
    monkeypatch.setattr(plan, "_metric_seconds", lambda m: (int(m.get("count", 1)) - 1) * _seconds(m.get("interval", 0)))
    problems = plan_model_problems(built["fixture"]["edge"])
    assert any("the plan promotes at" in p for p in problems), problems
