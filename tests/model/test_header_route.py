"""Where a request with `X-Canary: always` lands, at every step of a rollout, for every router:
the controller model's run (podinfo_canary/model/controller.py `header_target`) of the Rollout
each router's environment synthesizes, with and without the pre-exposure phase, must say what
docs/explanation/routing.md "Routing" says in its table, row by row, and every row must happen in some run.

A router is one entry of ROUTERS (how its environment is configured) and one column of the
README's table: a third router is one more of each.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import cdk8s
import pytest

from podinfo_canary.charts.environment.chart import PodinfoEnvironment
from podinfo_canary.config import Environment, GatewayRef, RouterAddress
from podinfo_canary.model.controller import HEADER_TARGETS, RolloutSpec, optimistic, simulate
from podinfo_canary.model.world import Version, World
from tests.conftest import ROOT


def _nginx(env: Environment) -> Environment:
    return env.model_copy(update={"traffic_router": "nginx", "gateway": None})


def _gatewayapi(env: Environment) -> Environment:
    router = RouterAddress(namespace="gateway-system", service="public-envoy")
    return env.model_copy(
        update={
            "traffic_router": "gatewayapi",
            "gateway": GatewayRef(name="public", namespace="gateway-system"),
            "pre_exposure": env.pre_exposure.model_copy(update={"router": router}),
        }
    )


def _istio(env: Environment) -> Environment:
    return env.model_copy(update={"traffic_router": "istio", "gateway": None})


ROUTERS: dict[str, Callable[[Environment], Environment]] = {"nginx": _nginx, "gatewayapi": _gatewayapi, "istio": _istio}
# pre_exposure.enabled, generated_counts_for_gate
CONFIGURATIONS = [(False, False), (False, True), (True, False), (True, True)]

# The rows of docs/explanation/routing.md "Routing"'s table, in its order.
PHASE_START, PHASE_CHECKS, SCALED_AWAY, FIRST_WEIGHT, LATER, PROMOTED, ABORTED = range(7)
ROW_TITLES = (
    "the phase's `setCanaryScale: {replicas}`, until its pods are available",
    "the phase's checks: acceptance, load, settle, verdict",
    "`setCanaryScale: {matchTrafficWeight: true}` at weight 0, and the settle after it",
    "the first stage's `setWeight`, until its pods are available",
    "every later step: pauses, gates, stage checks, later weights",
    "promoted",
    "aborted, also once the aborted pods are gone",
)


def documented() -> dict[str, dict[int, str]]:
    """docs/explanation/routing.md "Routing"'s table: router -> row -> target (the first word of its cell)."""
    text = (ROOT / "docs/explanation/routing.md").read_text()
    start = text.index("| while the rollout is at |")
    lines = text[start:].splitlines()
    lines = lines[: next(i for i, line in enumerate(lines) if not line.startswith("|"))]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    assert [r[0] for r in rows] == list(ROW_TITLES), "the routing page's table rows changed: update ROW_TITLES and the row rules"
    table = {}
    for column, router in enumerate(header[1:], start=1):
        table[router] = {row: re.match(r"\w+", cells[column]).group(0) for row, cells in enumerate(rows)}
        assert set(table[router].values()) <= set(HEADER_TARGETS), table[router]
    return table


def _spec(config, router: str, pre: bool, counts: bool) -> RolloutSpec:
    prod = next(e for e in config.environments if e.name == "prod")
    env = ROUTERS[router](
        prod.model_copy(update={"pre_exposure": prod.pre_exposure.model_copy(update={"enabled": pre, "generated_counts_for_gate": counts})})
    )
    platform = config.platform
    if router == "gatewayapi":
        from podinfo_canary.config import GatewayApiPlugin

        platform = platform.model_copy(update={"gateway_api_plugin": GatewayApiPlugin(sha256="0" * 64)})
    chart = PodinfoEnvironment(cdk8s.App(), env.name, environment=env, platform=platform)
    objects = chart.to_json()
    rollout = next(o for o in objects if o["kind"] == "Rollout")
    templates = {o["metadata"]["name"]: o for o in objects if o["kind"] == "AnalysisTemplate"}
    return RolloutSpec.from_objects(rollout, templates)


def row_of(steps: list[dict], index: int) -> int:
    """The routing page's row a step belongs to, from the step list's shape."""
    first_weight = next(i for i, s in enumerate(steps) if "setWeight" in s)
    if index > first_weight:
        return LATER
    if index == first_weight:
        return FIRST_WEIGHT
    if index == 0 and "replicas" in steps[0].get("setCanaryScale", {}):
        return PHASE_START
    scaled_away = next((i for i, s in enumerate(steps[:first_weight]) if s.get("setCanaryScale", {}).get("matchTrafficWeight")), None)
    return SCALED_AWAY if scaled_away is not None and index >= scaled_away else PHASE_CHECKS


def observed(spec: RolloutSpec, outcome) -> dict[int, set[str]]:
    """Row -> where header requests landed while a step of that row was current (a step that
    completes within its second is never current), and after the outcome."""
    rows: dict[int, set[str]] = {}
    for _, index, target in outcome.header:
        rows.setdefault(row_of(spec.steps, index), set()).add(target)
    rows.setdefault({"promoted": PROMOTED, "aborted": ABORTED}[outcome.result], set()).add(outcome.header_after)
    return rows


WORLD = World(namespace="podinfo-prod", total_rps=10, canary=Version())


class FailsAfter:
    """Every query answers a healthy value until second `at`, then a failing one: the background
    run (which starts with the first weight) aborts the rollout once a stage serves."""

    def __init__(self, at: int):
        self.at = at

    def result(self, query: str, t: int) -> list[float]:
        return [0.0] if t < self.at else [1e9]


def _judge(metric: dict, result: list[float]) -> str:
    return "Failed" if result and result[0] > 1e8 else "Successful"


@pytest.fixture(scope="module")
def runs(config) -> dict[tuple[str, bool, bool], list]:
    """Each router and configuration: a healthy rollout to promotion, and one aborted by the
    background run while its first stage serves."""
    found = {}
    for router in ROUTERS:
        for pre, counts in CONFIGURATIONS:
            spec = _spec(config, router, pre, counts)
            healthy = optimistic(spec, WORLD, gate_wait=60)
            assert healthy.result == "promoted", (router, pre, counts, healthy.reason)
            first_weight = next(t for t, w in healthy.timeline.weights if w > 0)
            aborted = simulate(spec, WORLD, FailsAfter(first_weight + 30), gate_wait=60, judge=_judge)
            assert aborted.result == "aborted", (router, pre, counts, aborted.reason)
            found[router, pre, counts] = [(spec, healthy), (spec, aborted)]
    return found


@pytest.mark.parametrize("router", list(ROUTERS))
def test_the_header_lands_where_the_readme_says_at_every_step(router, runs):
    table = documented()
    assert router in table, f'docs/explanation/routing.md "Routing"\'s table has no column {router!r}'
    seen: dict[int, set[str]] = {}
    wrong = []
    for (name, pre, counts), outcomes in runs.items():
        if name != router:
            continue
        for spec, outcome in outcomes:
            for row, targets in observed(spec, outcome).items():
                seen.setdefault(row, set()).update(targets)
                if targets != {table[router][row]}:
                    wrong.append(
                        f"pre_exposure {pre}, generated_counts_for_gate {counts}, {outcome.result}: {ROW_TITLES[row]}: {sorted(targets)}"
                    )
    assert wrong == [], f"docs/explanation/routing.md says {table[router]}"
    assert sorted(seen) == list(range(len(ROW_TITLES))), "a row of the table of docs/explanation/routing.md happens in no run"


def test_the_readme_table_has_a_column_for_every_router_and_no_other():
    assert sorted(documented()) == sorted(ROUTERS)


@pytest.mark.parametrize("router", list(ROUTERS))
def test_after_an_abort_the_canary_service_selects_stable_and_header_requests_reach_stable_pods(router, runs):
    """upstream: argo-rollouts v1.9.1 rollout/trafficrouting.go reconcileTrafficRouting, abort
    branch: ensureSVCTargets(canaryService, stableRS, false) and RemoveManagedRoutes; rollout/service.go
    reconcileStableAndCanaryService keeps the aborted hash only when `TrafficRouting == nil`, and
    both routers route traffic (the nginx reconciler, the Gateway API plugin)."""
    for (name, pre, counts), outcomes in runs.items():
        if name != router:
            continue
        for _, outcome in outcomes:
            if outcome.result == "aborted":
                # While the stage served, the header reached the canary; after the abort, stable.
                assert outcome.header[-1][2] == "canary", (pre, counts, outcome.header)
                assert (outcome.canary_service, outcome.header_after) == ("stable", "stable"), (pre, counts)
            else:
                assert outcome.canary_service == "canary"  # promoted: the canary's hash is stable's now
