"""Where a request under the canary path prefix goes during whole rollouts: the routes read from the
synthesized fixture environments (podinfo_canary/model/routing.py), the canary Service's selector
as the controller model moves it (controller.simulate, Outcome.routes), on the world and the
Python PromQL engine (model/run.py). One parameter per traffic router: the Istio router's fixture
environment is one more entry in ROUTERS."""

from __future__ import annotations

import pytest

from podinfo_canary import config as config_module
from podinfo_canary.model import run
from podinfo_canary.model.controller import RolloutSpec
from podinfo_canary.model.routing import CANARY, STABLE, WEIGHTED, Answer, Routes
from podinfo_canary.model.world import Version, World
from tests.behaviour import FIXTURE, env_objects

# traffic router -> the fixture environment that uses it (tests/fixtures/config/environments)
ROUTERS = {"nginx": "edge", "gatewayapi": "canary-gw", "istio": "mesh-path"}
HEALTHY, BAD = Version(), Version(statuses={"200": 0.7, "500": 0.3})


@pytest.fixture(scope="module")
def fixture_envs() -> dict[str, tuple]:
    """router -> (environment config, its synthesized objects)."""
    cfg = config_module.load(FIXTURE)
    by_name = {e.name: e for e in cfg.environments}
    return {router: (by_name[name], env_objects(by_name[name], cfg.platform)) for router, name in ROUTERS.items()}


def _rollout(env, objects, canary: Version):
    rollout = next(o for o in objects if o["kind"] == "Rollout")
    templates = {o["metadata"]["name"]: o for o in objects if o["kind"] == "AnalysisTemplate"}
    model = run.Environment(RolloutSpec.from_objects(rollout, templates), 15, env.namespace)
    world = World(namespace=env.namespace, total_rps=20, canary=canary, stable_pods=2)
    outcome, _ = run.rollout(model, world, seed=7)
    return outcome


@pytest.mark.parametrize("canary", [HEALTHY, BAD], ids=["promoted", "aborted"])
@pytest.mark.parametrize("router", ROUTERS)
def test_a_request_under_the_prefix_reaches_a_canary_pod_whenever_the_canary_service_selects_them(fixture_envs, router, canary):
    env, objects = fixture_envs[router]
    prefix = env.routing.canary_path_prefix
    routes = Routes.from_objects(objects)
    outcome = _rollout(env, objects, canary)
    assert outcome.result == ("promoted" if canary is HEALTHY else "aborted"), outcome.reason
    reached = set()
    for t in range(outcome.at + 1):
        state = outcome.route_state(t)
        answer = routes.answer(prefix + "api/info", state)
        assert answer.path == "/api/info"
        if state.canary_service == CANARY:
            # No canary pod available (the judged pods scaled away): no endpoint, the router's 503.
            assert answer.pods == (CANARY if state.canary_available else None), (t, state)
        else:
            assert answer.pods == STABLE, (t, state)
        reached.add(answer.pods)
        # Users' requests and the stable rule keep their meaning: the weight decides.
        assert routes.answer("/api/info", state).pods == WEIGHTED
        assert routes.answer(prefix[:-1] + "x/api/info", state).pods == WEIGHTED
    assert {CANARY, STABLE} <= reached, reached


@pytest.mark.parametrize("router", ROUTERS)
def test_outside_a_rollout_and_after_an_abort_the_prefix_reaches_the_stable_pods(fixture_envs, router):
    """upstream: argo-rollouts v1.9.1. Before the canary's pods are available the canary Service
    still selects the stable ReplicaSet, where the last promotion left it (rollout/service.go
    reconcileStableAndCanaryService: ensureSVCTargets(canaryService, newRS) once newRS is the stable
    ReplicaSet, and a switch only to a ReplicaSet with available pods). After an abort
    rollout/trafficrouting.go reconcileTrafficRouting points it back at the stable ReplicaSet
    (IsAborted: ensureSVCTargets(canaryService, stableRS, false))."""
    env, objects = fixture_envs[router]
    prefix = env.routing.canary_path_prefix
    routes = Routes.from_objects(objects)
    for canary in (HEALTHY, BAD):
        outcome = _rollout(env, objects, canary)
        first, last = outcome.route_state(0), outcome.route_state(outcome.at)
        assert first.canary_service == STABLE and routes.answer(prefix, first).pods == STABLE
        assert last.canary_service == STABLE and routes.answer(prefix, last) == routes.answer(prefix, first)
    # The aborted canary's pods are still there (abortScaleDownDelaySeconds), unreached by the prefix.
    assert last.canary_available > 0


def test_with_gateway_api_the_prefix_reaches_the_canary_before_its_header_route_exists(fixture_envs):
    """The plugin's header route is a rule it adds at the setHeaderRoute step (and removes whenever
    the canary has no available pod); the prefix's HTTPRoute is there all along, so it reaches the
    canary pods from the moment the canary Service selects them."""
    env, objects = fixture_envs["gatewayapi"]
    routes = Routes.from_objects(objects)
    outcome = _rollout(env, objects, HEALTHY)
    ahead = [
        t
        for t in range(outcome.at)
        if routes.answer(env.routing.canary_path_prefix, s := outcome.route_state(t)).pods == CANARY
        and routes.answer("/", s, header="always").pods == WEIGHTED
    ]
    assert ahead, outcome.routes


# --- what the analysis makes of requests under the prefix ---------------------------------------
# podinfo records them under the stripped path (tests/core/test_routing.py), so in the world they
# are extra requests to the canary's pods (World.error_bursts), counted as users' are. The
# analysis reads podinfo's series only, whatever the router: the nginx fixture environment (its
# phase's generated requests do not count for the gate, so only users and testers are judged).


def _with_tests(fixture_envs, users_rps: float, bursts: tuple) -> tuple:
    env, objects = fixture_envs["nginx"]
    rollout = next(o for o in objects if o["kind"] == "Rollout")
    templates = {o["metadata"]["name"]: o for o in objects if o["kind"] == "AnalysisTemplate"}
    model = run.Environment(RolloutSpec.from_objects(rollout, templates), 15, env.namespace)
    world = World(namespace=env.namespace, total_rps=users_rps, stable_pods=2, error_bursts=bursts)
    outcome, _ = run.rollout(model, world, seed=3)
    return env, Routes.from_objects(objects), outcome


def _first_weight(fixture_envs) -> int:
    env, objects = fixture_envs["nginx"]
    return _rollout(env, objects, HEALTHY).first_traffic


def test_deliberate_failures_under_the_prefix_count_against_the_canary(fixture_envs):
    """Ten `/canary/status/500` in one second, beside users at 2 requests per second, abort a
    healthy canary; five do not: the sequential tests weigh them as users' 5xx."""
    at = _first_weight(fixture_envs) + 20
    env, routes, outcome = _with_tests(fixture_envs, 2.0, ((at, "500", 10),))
    assert routes.answer(env.routing.canary_path_prefix + "status/500", outcome.route_state(at)) == Answer(CANARY, "/status/500")
    assert outcome.result == "aborted" and outcome.at < at + 60, outcome.reason
    _, _, fewer = _with_tests(fixture_envs, 2.0, ((at, "500", 5),))
    assert fewer.result == "promoted", fewer.reason


def test_test_requests_under_the_prefix_pass_the_evidence_gate_without_users(fixture_envs):
    """Without users a stage's gate pauses the rollout for a human (too little evidence); requests
    under the prefix count as the canary's users, and the same rollout promotes."""
    start = _first_weight(fixture_envs) + 20
    _, _, no_users = _with_tests(fixture_envs, 0.0, ())
    assert no_users.result == "paused" and "canary-requests" in no_users.reason, no_users.reason
    tests = tuple((start + 200 * k, "200", 50) for k in range(40))
    _, _, tested = _with_tests(fixture_envs, 0.0, tests)
    assert tested.result == "promoted", tested.reason
