"""Every blocking check can change its run's outcome: judged per *run*, not per condition.

For every metric of every AnalysisTemplate in every synthesized environment, the controller
model (podinfo_canary/model/analysis_run.py) runs the template on series rendered from a world in
which that metric's signal is clearly bad, and on a healthy world:
- a step template's run ends Failed (the evidence gate: Inconclusive) when its bad world holds,
  and Successful when the canary is healthy, within `STEP_DEADLINE` of the run's start;
- the background template's run ends Failed within `BACKGROUND_DEADLINE` of the canary's start,
  and is still Running (never Failed) after `HEALTHY_HORIZON` of a healthy canary.
Each metric is also run alone, so a metric that cannot fail (count 1 with failureLimit 1, a
condition that is always true) is named with its template and limits even when another metric of
its template would have failed the run for it. Deliberate breakages prove the check catches both.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from podinfo_canary.charts.environment.analysis import COMPLETE, EVIDENCE_GATE, MESH_SERVER_ERRORS, VERSUS_STABLE
from podinfo_canary.config import Slo
from podinfo_canary.core.plan import canary_replicas
from podinfo_canary.model.analysis_run import AnalysisRun
from podinfo_canary.model.controller import Timeline
from podinfo_canary.model.run import Environment, PythonEngine
from podinfo_canary.model.world import BUCKETS, FAST, PodBehaviour, PreExposureJobs, Version, World

STEP_START = 300  # a stage's check starts after its pause: here, 5 minutes of evidence
STEP_DEADLINE = 180  # seconds from the step run's start to its decision (the gate waits up to evidence_wait)
BACKGROUND_DEADLINE = 420  # seconds from the canary's start to the background run's abort
HEALTHY_HORIZON = 900
CANARY_WEIGHT = 30  # percent of TOTAL_RPS reaching the canary's pods
TOTAL_RPS = 10.0
STABLE_PODS = 2  # healthy stable pods beside the canary, with 10 minutes of history: the relative judge's reference


def _slower_than(bound_ms: int, share: float) -> dict[float, float]:
    """A latency profile with `share` of requests in the first bucket above `bound_ms`."""
    above = next(b for b in BUCKETS if b * 1000 > bound_ms)
    return {next(iter(FAST)): 1 - share, above: share}


def bad_versions(slo: Slo) -> dict[str, Version]:
    """metric name -> a canary whose signal for that metric is clearly bad (far past the SLO)."""
    cpu_limit, memory_limit = World.cpu_limit, World.memory_limit
    requests = {
        "server-errors": Version(statuses={"200": 0.7, "500": 0.3}),
        "unsuccessful": Version(statuses={"200": 0.7, "404": 0.3}),
        "slower-than-p95": Version(latency=_slower_than(slo.latency_p95_max_ms, 0.3)),
        "slower-than-p99": Version(latency=_slower_than(slo.latency_p99_max_ms, 0.3)),
    }
    return {
        **requests,
        # The relative judge: the same canaries beside healthy stable pods (STABLE_PODS below).
        **{f"{name}{VERSUS_STABLE}": version for name, version in requests.items()},
        "cpu-usage": Version(cpu_cores=cpu_limit * (1 + slo.cpu_usage_max) / 2),
        "memory-usage": Version(memory_bytes=memory_limit * (1 + slo.memory_usage_max) / 2),
        "canary-restarts": Version(pods=PodBehaviour(crash_after=60)),
        # Istio environments: the sidecars' counts of a canary answering 30% 5xx.
        MESH_SERVER_ERRORS: (Version(statuses={"200": 0.7, "500": 0.3}), {"mesh": True}),
        # The evidence gate's bad signal is no traffic at all (World.total_rps = 0 below).
        "canary-requests": Version(),
        # The pre-exposure Jobs: the header route reaches stable only (the load's route check at its end).
        "acceptance": (Version(), {"header_route_works": False}),
        "generated-load": (Version(), {"header_route_works": False}),
    }


NO_TRAFFIC = {"canary-requests"}


@dataclass(frozen=True)
class Verdict:
    phase: str
    at: int | None  # seconds from the run's start to its decision
    decided_by: str | None


def _series(env: Environment, version, *, rps: float, end: int) -> tuple[World, list]:
    version, extra = version if isinstance(version, tuple) else (version, {})
    world = World(
        namespace=env.namespace,
        total_rps=rps,
        canary=version,
        scrape_seconds=env.scrape_seconds,
        stable_pods=STABLE_PODS,
        stable_history=600,
        **extra,
    )
    pods = canary_replicas(CANARY_WEIGHT, env.spec.replicas)
    timeline = Timeline([(0, end + 1)] * pods, [(0, CANARY_WEIGHT)], end)
    return world, world.render(timeline, seed=7)


def judge(env: Environment, templates: list[dict], version: Version, *, rps: float, start: int, horizon: int) -> Verdict:
    """One AnalysisRun of `templates`, started at `start`, reconciled each second until it decides."""
    end = start + horizon
    world, series = _series(env, version, rps=rps, end=end)
    engine = PythonEngine(series, world, end)
    run = AnalysisRun("check", templates, start)
    jobs = PreExposureJobs(world)  # the Job provider's Jobs, here with canary pods serving (the header reaches them)
    for t in range(start, end + 1):
        jobs.advance(t, True)
        phase = run.reconcile(t, engine, jobs=jobs)
        if phase != "Running":
            return Verdict(phase, t - start, run.decided_by)
    return Verdict("Running", None, None)


def _alone(template: dict, metric: dict) -> dict:
    return {**template, "spec": {**template["spec"], "metrics": [metric]}}


def _limits(metric: dict) -> str:
    keys = ("count", "failureLimit", "inconclusiveLimit", "consecutiveSuccessLimit")
    return ", ".join(f"{k} {metric[k]}" for k in keys if k in metric) or "no limits"


def run_level_problems(env: Environment, slo: Slo) -> list[str]:
    """Every metric of every template whose bad world does not change its run's outcome, and every
    template a healthy canary does not pass, named with its template and limits."""
    problems: list[str] = []
    bad = bad_versions(slo)
    for name, template in sorted(env.spec.templates.items()):
        background = name == COMPLETE
        start, horizon = (0, BACKGROUND_DEADLINE) if background else (STEP_START, STEP_DEADLINE)
        healthy = judge(env, [template], Version(), rps=TOTAL_RPS, start=start, horizon=HEALTHY_HORIZON if background else horizon)
        wanted_healthy = "Running" if background else "Successful"
        if healthy.phase != wanted_healthy:
            problems.append(
                f"{env.namespace} {name}: a healthy canary ends {healthy.phase} (by {healthy.decided_by}), wanted {wanted_healthy}"
            )
        for metric in template["spec"]["metrics"]:
            where = f"{env.namespace} {name}/{metric['name']} ({_limits(metric)})"
            if metric["name"] not in bad:
                problems.append(f"{where}: no bad world for this metric; add one to bad_versions")
                continue
            rps = 0.0 if metric["name"] in NO_TRAFFIC else TOTAL_RPS
            wanted = "Inconclusive" if name == EVIDENCE_GATE else "Failed"
            for label, run_templates in (("alone", [_alone(template, metric)]), ("in its template", [template])):
                verdict = judge(env, run_templates, bad[metric["name"]], rps=rps, start=start, horizon=horizon)
                if verdict.phase != wanted:
                    problems.append(f"{where}, {label}: a clearly bad signal ends {verdict.phase} within {horizon}s, wanted {wanted}")
    return problems


def _environments(fresh_dist: Path) -> list[Path]:
    return sorted(p.parent for p in fresh_dist.glob("*/Rollout.*.yaml"))


@pytest.fixture(scope="module")
def environments(fresh_dist, config) -> list[tuple[Environment, Slo]]:
    slos = {e.namespace: e.slo for e in config.environments}
    loaded = [Environment.load(folder) for folder in _environments(fresh_dist)]
    assert loaded, "no synthesized environment"
    return [(env, slos[env.namespace]) for env in loaded]


@pytest.fixture(scope="module")
def mesh_environments(tmp_path_factory, configs) -> list[tuple[Environment, Slo]]:
    """The fixture configuration's Istio environments, synthesized: their templates carry the
    sidecars' server-error test, which no environment of config/ has."""
    from tests.conftest import ROOT, run_main

    dist = tmp_path_factory.mktemp("run-level-mesh") / "dist"
    assert run_main(config_dir=ROOT / "tests" / "fixtures" / "config", dist=dist).returncode == 0
    meshed = [e for e in configs["fixture"].environments if e.in_mesh]
    assert meshed, "the fixture configuration has no Istio environment"
    return [(Environment.load(dist / e.name), e.slo) for e in meshed]


def test_every_metric_of_the_istio_environments_can_decide_its_run(mesh_environments):
    """mesh-server-errors among them, on the model's sidecar series (World.mesh)."""
    problems = [p for env, slo in mesh_environments for p in run_level_problems(env, slo)]
    assert problems == []
    assert all(
        MESH_SERVER_ERRORS in {m["name"] for t in env.spec.templates.values() for m in t["spec"]["metrics"]} for env, _ in mesh_environments
    )


def test_every_metric_of_every_template_can_decide_its_run(environments):
    problems = [p for env, slo in environments for p in run_level_problems(env, slo)]
    assert problems == []


def test_a_bad_canary_is_decided_within_the_stated_times(environments):
    """The figures the docstring states, for prod's most common signal (5xx) and the gate."""
    env, slo = next((e, s) for e, s in environments if e.namespace.endswith("prod"))
    templates = env.spec.templates
    step = judge(
        env, [templates["podinfo-error-rate"]], bad_versions(slo)["server-errors"], rps=TOTAL_RPS, start=STEP_START, horizon=STEP_DEADLINE
    )
    assert (step.phase, step.at) == ("Failed", 0)
    background = judge(env, [templates[COMPLETE]], bad_versions(slo)["server-errors"], rps=TOTAL_RPS, start=0, horizon=BACKGROUND_DEADLINE)
    assert background.phase == "Failed" and background.at <= 120, background
    gate = judge(env, [templates[EVIDENCE_GATE]], Version(), rps=0.0, start=STEP_START, horizon=STEP_DEADLINE)
    assert gate.phase == "Inconclusive" and gate.at <= STEP_DEADLINE, gate


def _break(env: Environment, template: str, metric: str, **fields) -> Environment:
    templates = copy.deepcopy(env.spec.templates)
    target = next(m for m in templates[template]["spec"]["metrics"] if m["name"] == metric)
    for key, value in fields.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return replace(env, spec=replace(env.spec, templates=templates))


BREAKAGES = {
    # The defect this check was written for: one measurement can never exceed a limit of one.
    "saturation count 1, failureLimit 1": (
        "podinfo-cpu-usage",
        "cpu-usage",
        {"failureLimit": 1},
        "podinfo-cpu-usage/cpu-usage (count 1, failureLimit 1), alone",
    ),
    "memory count 1, failureLimit 1": (
        "podinfo-memory-usage",
        "memory-usage",
        {"failureLimit": 1},
        "podinfo-memory-usage/memory-usage (count 1, failureLimit 1), alone",
    ),
    "a condition that is always true": (
        "podinfo-error-rate",
        "server-errors",
        {"successCondition": "len(result) >= 0"},
        "podinfo-error-rate/server-errors",
    ),
    "a guard that swallows every value": (
        "podinfo-latency",
        "slower-than-p99",
        {"successCondition": "len(result) == 0 || result[0] < 1000000"},
        "podinfo-latency/slower-than-p99 (count 1, failureLimit 0), alone",
    ),
    "background failure limit past the horizon": (COMPLETE, "canary-restarts", {"failureLimit": 1000}, f"{COMPLETE}/canary-restarts"),
    "a gate that fails instead of waiting": (EVIDENCE_GATE, "canary-requests", {"failureCondition": None}, "ends Failed within"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_the_check_names_a_metric_that_cannot_decide(environments, breakage):
    template, metric, fields, expected = BREAKAGES[breakage]
    env, slo = next((e, s) for e, s in environments if e.namespace.endswith("prod"))
    problems = run_level_problems(_break(env, template, metric, **fields), slo)
    assert any(expected in p for p in problems), problems
