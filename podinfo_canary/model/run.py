"""Simulate one rollout of a synthesized environment: controller model + world + query engine.

The weight schedule the world needs depends on the controller's decisions and vice versa, so a
run iterates to a fixed point: start from the schedule a healthy canary follows (every
measurement passing), render the series, simulate, and render again with the schedule the
controller really produced until both agree up to the run's outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from podinfo_canary.config import duration_seconds
from podinfo_canary.core import yamltext
from podinfo_canary.core.workload import CANARY_HASH_PLACEHOLDER, STABLE_HASH_PLACEHOLDER
from podinfo_canary.model.controller import Outcome, PrometheusDown, RolloutSpec, Timeline, optimistic, simulate
from podinfo_canary.model.promql import Evaluator, Series
from podinfo_canary.model.world import CANARY_HASH, STABLE_HASH, World

HASH_ARG = CANARY_HASH_PLACEHOLDER


def concrete(query: str) -> str:
    """The query as the AnalysisRun resolves it for our synthetic canary and stable pods."""
    return query.replace(HASH_ARG, CANARY_HASH).replace(STABLE_HASH_PLACEHOLDER, STABLE_HASH)


class PythonEngine:
    """Answers measurements from `promql.Evaluator`; errors while the world says Prometheus is down."""

    def __init__(self, series: list[Series], world: World, end: int):
        self.world = world
        self.evaluator = Evaluator(series, np.arange(end + 1))
        self.end = end

    def result(self, query: str, t: int) -> list[float]:
        if not self.world.prometheus_up(t):
            raise PrometheusDown(t)
        if t > self.end:
            raise IndexError(f"series rendered up to {self.end}s, asked for {t}s")
        return self.evaluator.query(concrete(query)).at(t)


@dataclass(frozen=True)
class Environment:
    """A synthesized environment folder: its Rollout model and the PodMonitor's scrape interval."""

    spec: RolloutSpec
    scrape_seconds: int
    namespace: str

    @classmethod
    def load(cls, folder: Path) -> Environment:
        docs = [d for p in sorted(folder.glob("*.yaml")) for d in yamltext.read_documents(p)]
        rollout = next(d for d in docs if d["kind"] == "Rollout")
        templates = {d["metadata"]["name"]: d for d in docs if d["kind"] == "AnalysisTemplate"}
        monitor = next(d for d in docs if d["kind"] == "PodMonitor")
        scrape = max(duration_seconds(e.get("interval", "30s")) for e in monitor["spec"]["podMetricsEndpoints"])
        return cls(RolloutSpec.from_objects(rollout, templates), scrape, rollout["metadata"]["namespace"])


def _extend(timeline: Timeline, end: int) -> Timeline:
    return Timeline(
        [(c, d if d <= timeline.end else end + 1) for c, d in timeline.canary_pods],
        timeline.weights,
        end,
        timeline.generated,
        timeline.mirrored,
    )


def rollout(
    env: Environment,
    world: World,
    *,
    seed: int,
    gate_wait: int | None = 300,
    horizon: int = 4 * 3600,
    margin: int = 900,
    healthy: Timeline | None = None,
    watch_paused: int = 0,
    ledger: dict | None = None,
) -> tuple[Outcome, list[Series]]:
    """The outcome of one rollout and the series it was judged on.

    healthy: the schedule of `optimistic` for this environment and world, when the caller has it.
    watch_paused: after a pause for evidence, how long to follow the background run that the
        rollout no longer acts on (controller.simulate; Outcome.masked_failure).
    ledger: filled with each canary pod's users' requests per second in the world judged
        (World.render), to tell users' requests from generated ones.
    """
    schedule = healthy or optimistic(env.spec, world, gate_wait=gate_wait, horizon=horizon).timeline
    # A schedule that never ends (a flapping canary makes progress forever and never times out)
    # starts from a shorter world; the loop below extends it while the rollout is still running.
    end = min(schedule.end + margin, horizon) if schedule.end < horizon - 1 else min(3 * margin, horizon)
    for _ in range(8):
        pods_users: dict = {}
        series = world.render(_extend(schedule, end), seed, pods_users)
        outcome = simulate(
            env.spec, world, PythonEngine(series, world, end), gate_wait=gate_wait, horizon=end + 1, watch_paused=watch_paused
        )
        watched = outcome.result == "paused" and watch_paused > 0
        if (outcome.result == "running" or (watched and outcome.timeline.end < outcome.at + watch_paused)) and end < horizon:
            end = min(end + margin, horizon)
            schedule = _extend(outcome.timeline, end)
            continue
        # A watched pause was judged on the world after the pause too: the weights must agree up to its end.
        until = outcome.timeline.end if watched else outcome.at
        if outcome.timeline.prefix(until) == _extend(schedule, end).prefix(until):
            if ledger is not None:
                ledger.update(pods_users)
            return outcome, series
        schedule = _extend(outcome.timeline, end)
    raise RuntimeError("the weight schedule did not settle: the world and the controller disagree")
