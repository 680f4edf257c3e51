"""RolloutCanary and AnalysisSuite properties: stages, gate, routing wiring, both routers valid."""

from __future__ import annotations

import cdk8s
import pytest
import yaml

from podinfo_canary.charts.environment import analysis as analysis_module
from podinfo_canary.charts.environment.analysis import AnalysisSuite
from podinfo_canary.charts.environment.chart import PodinfoEnvironment
from podinfo_canary.charts.environment.preexposure import ACCEPTANCE_TEMPLATE, LOAD_TEMPLATE
from podinfo_canary.config import ANALYSIS_TEMPLATES, Decision, Environment, GatewayApiPlugin, GatewayRef, RouterAddress, Slo
from podinfo_canary.core import yamltext
from podinfo_canary.core.plan import plan_from_folder
from podinfo_canary.model.controller import optimistic
from podinfo_canary.model.run import Environment as ModelEnvironment
from podinfo_canary.model.world import PodBehaviour, Version, World
from tests.conftest import find, one
from tools.validate import validate


def _steps(objects, env):
    return one(objects, "Rollout", "podinfo", env)["spec"]["strategy"]["canary"]["steps"]


def test_prod_has_the_five_stages_with_the_manual_gate_at_50(objects):
    steps = _steps(objects, "prod")
    assert [s["setWeight"] for s in steps if "setWeight" in s] == [10, 30, 50, 75, 100]
    gate = steps.index({"pause": {}})
    assert steps[gate - 1] == {"setWeight": 50}
    first = steps.index({"setWeight": 10})
    assert [s["pause"]["duration"] for s in steps[first:] if s.get("pause")] == ["2m", "5m", "5m"]
    # Before the first weight, the pre-exposure phase: a settle after the load (a scrape and 5 s), one
    # after its pods go (their shutdown, Prometheus' two scrapes and a tenth before marking them stale, 5 s).
    assert [s["pause"]["duration"] for s in steps[:first] if s.get("pause")] == ["20s", "42s"]


def test_dev_has_no_manual_gate(objects):
    assert {"pause": {}} not in _steps(objects, "dev")


def test_background_analysis_starts_at_the_first_weight_with_the_latest_and_stable_hashes(objects, config):
    """From the first stage's weight: before it, the pre-exposure phase's verdict is one look."""
    for env in config.environments:
        canary = one(objects, "Rollout", "podinfo", env.name)["spec"]["strategy"]["canary"]
        analysis = canary["analysis"]
        assert analysis["startingStep"] == next(i for i, s in enumerate(canary["steps"]) if "setWeight" in s), env.name
        assert analysis["args"] == [
            {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
            {"name": "stable-hash", "valueFrom": {"podTemplateHashValue": "Stable"}},
        ], env.name


def test_seven_analysis_templates(objects, config):
    """The seven of R4.2 in every environment, and the pre-exposure Jobs' two where it is on."""
    for env in config.environments:
        templates = find(objects, "AnalysisTemplate", folder=env.name)
        jobs = [ACCEPTANCE_TEMPLATE, LOAD_TEMPLATE] if env.pre_exposure.enabled else []
        assert sorted(t["metadata"]["name"] for t in templates) == sorted([*ANALYSIS_TEMPLATES, *jobs]), env.name


def _analysis(slo: Slo, decision: Decision) -> dict[str, dict]:
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "analysis")
    AnalysisSuite(chart, "suite", namespace="ns", slo=slo, decision=decision, prometheus_address="http://prometheus:9090")
    return {o["metadata"]["name"]: {m["name"]: m for m in o["spec"]["metrics"]} for o in chart.to_json()}


def test_the_outage_tolerance_counts_retries_at_the_controllers_interval():
    """consecutiveErrorLimit = prometheus_outage_tolerance / the controller's error retry interval
    (analysis/analysis.go DefaultErrorRetryInterval, 10 s). analysis.py restates that upstream
    value for synthesis (it must not import the model, which pulls numpy); the controller model
    carries it too, and the two must agree. That every configured value reaches its objects is
    tests/charts/environment/test_value_flow.py's `flow_problems`."""
    from podinfo_canary.model.controller import ERROR_RETRY_SECONDS

    assert analysis_module.ERROR_RETRY_SECONDS == ERROR_RETRY_SECONDS == 10
    decision = Decision(prometheus_outage_tolerance="4m")
    templates = _analysis(Slo(), decision)
    assert {m["consecutiveErrorLimit"] for t in templates.values() for m in t.values()} == {24}


def test_tls_certificate_covers_the_ingress_hosts(objects, config):
    routed = [e for e in config.environments if e.traffic_router == "nginx"]
    assert routed, "no environment in config/ has an Ingress"
    for env in routed:
        ingress = one(objects, "Ingress", "podinfo", env.name)
        certificate = one(objects, "Certificate", "podinfo", env.name)
        assert certificate["spec"]["secretName"] == ingress["spec"]["tls"][0]["secretName"], env.name
        assert sorted(certificate["spec"]["dnsNames"]) == sorted(ingress["spec"]["tls"][0]["hosts"]) == sorted(env.hosts), env.name


def test_rollback_settings_are_deliberate(objects, config):
    """Stated explicitly (not left to upstream defaults) and dynamicStableScale off (issue 1820)."""
    for env in config.environments:
        spec = one(objects, "Rollout", "podinfo", env.name)["spec"]
        # A rollout stuck for 10 minutes (outside pauses and analysis) aborts rather than hanging.
        assert (spec["progressDeadlineAbort"], spec["progressDeadlineSeconds"]) == (True, 600), env.name
        # 30 s: an aborted canary's pods stay for inspection; the old stable pods stay while
        # ingress-nginx drains their connections after promotion.
        assert spec["strategy"]["canary"]["abortScaleDownDelaySeconds"] == 30, env.name
        assert spec["strategy"]["canary"]["scaleDownDelaySeconds"] == 30, env.name
        assert spec["strategy"]["canary"]["dynamicStableScale"] is False, env.name
        assert (spec["minReadySeconds"], spec["revisionHistoryLimit"]) == (0, 5), env.name
        # Every AnalysisRun of one rollout is kept (the pre-exposure Jobs and their logs with them):
        # the controller deletes finished runs beyond these limits (utils/analysis FilterAnalysisRunsToDelete).
        runs = 1 + sum(1 for s in spec["strategy"]["canary"]["steps"] if "analysis" in s)
        limits = spec["analysis"]
        assert limits["successfulRunHistoryLimit"] >= runs and limits["unsuccessfulRunHistoryLimit"] >= runs, env.name


def test_rollout_events_reach_the_environment_channel(objects, config):
    for env in config.environments:
        annotations = one(objects, "Rollout", "podinfo", env.name)["metadata"]["annotations"]
        assert annotations["notifications.argoproj.io/subscribe.on-rollout-aborted.slack"] == env.notifications.slack_channel
        assert annotations["notifications.argoproj.io/subscribe.on-analysis-run-failed.slack"] == env.notifications.slack_channel


def test_pod_meets_restricted_pod_security(objects, config):
    for env in config.environments:
        pod = one(objects, "Rollout", "podinfo", env.name)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] == 100, env.name
        for container in pod["containers"]:
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True, env.name
            assert sc["capabilities"]["drop"] == ["ALL"] and sc["seccompProfile"]["type"] == "RuntimeDefault", env.name
        assert {"name": "data", "emptyDir": {"sizeLimit": "64Mi"}} in pod["volumes"], env.name
        namespace = one(objects, "Namespace", env.namespace)
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted", env.name


def test_prod_plan_agrees_with_the_controller_model_and_promotes_within_12_5_minutes(fresh_dist):
    """The plan's arithmetic and the controller model compute the healthy promotion independently;
    the stages take 12.5 minutes at most and the pre-exposure phase 2 minutes more (issue 21)."""
    plan = plan_from_folder(fresh_dist / "prod")
    assert [s.weight for s in plan.stages] == [10, 30, 50, 75, 100]
    assert [s.manual_gate for s in plan.stages] == [False, False, True, False, False]
    env = ModelEnvironment.load(fresh_dist / "prod")
    for startup in (0, 7):
        world = World(namespace=env.namespace, total_rps=100, canary=Version(pods=PodBehaviour(startup_seconds=startup)))
        healthy = optimistic(env.spec, world, gate_wait=0)
        assert (healthy.result, healthy.at) == ("promoted", plan.promotion_seconds + plan.scale_ups * startup)
    # 12.5 minutes excluding the gate while a podinfo pod starts within 6 s (five scale-ups), plus
    # the phase: its checks and its own pod's start (the first stage's pod starts anew after it).
    phase = plan.pre_exposure
    assert phase is not None and phase.judged_pods_replaced and phase.generated_requests == 1500
    assert plan.scale_ups == 6 and plan.promotion_seconds - phase.seconds + 5 * 6 <= 12.5 * 60
    assert phase.seconds + 6 <= 120


def _synth_env(tmp_path, env: Environment, config) -> list[dict]:
    app = cdk8s.App(outdir=str(tmp_path), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_CHART)
    PodinfoEnvironment(app, env.name, environment=env, platform=config.platform)
    app.synth()
    return [d for p in tmp_path.glob("*.yaml") for d in yamltext.read_documents(p)]


@pytest.fixture(scope="module")
def gateway_objects(tmp_path_factory, config):
    prod = next(e for e in config.environments if e.name == "prod")
    pre = prod.pre_exposure.model_copy(update={"router": RouterAddress(namespace="gateway-system", service="public-envoy")})
    env = prod.model_copy(
        update={"traffic_router": "gatewayapi", "gateway": GatewayRef(name="public", namespace="gateway-system"), "pre_exposure": pre}
    )
    return _synth_env(tmp_path_factory.mktemp("gw"), env, config)


def test_gateway_api_router_is_schema_valid_and_routes_by_header(gateway_objects):
    problems = {f"{o['kind']}/{o['metadata']['name']}": validate(o) for o in gateway_objects}
    assert {k: v for k, v in problems.items() if v} == {}
    route = next(o for o in gateway_objects if o["kind"] == "HTTPRoute")
    refs = {r["name"]: r["weight"] for r in route["spec"]["rules"][0]["backendRefs"]}
    assert refs == {"podinfo-stable": 100, "podinfo-canary": 0}
    rollout = next(o for o in gateway_objects if o["kind"] == "Rollout")
    canary = rollout["spec"]["strategy"]["canary"]
    assert canary["trafficRouting"]["managedRoutes"] == [{"name": "canary-header"}]
    # Set once canary pods are available, each time they are new: after the phase's setCanaryScale
    # and after the first weight (the judged pods were scaled away, which removed the route).
    steps = canary["steps"]
    at = [i for i, s in enumerate(steps) if "setHeaderRoute" in s]
    assert [next(iter(steps[i - 1])) for i in at] == ["setCanaryScale", "setWeight"]
    for i in at:
        header = steps[i]["setHeaderRoute"]
        assert header["name"] == "canary-header" and header["match"] == [{"headerName": "X-Canary", "headerValue": {"exact": "always"}}]
    assert canary["trafficRouting"]["plugins"]["argoproj-labs/gatewayAPI"]["httpRoutes"][0]["name"] == route["metadata"]["name"]
    assert not [o for o in gateway_objects if o["kind"] == "Ingress"]


def test_gateway_api_environments_let_the_plugin_own_the_route_rules(tmp_path, config):
    from podinfo_canary import app as app_module

    envs = tuple(
        e.model_copy(
            update={
                "traffic_router": "gatewayapi",
                "gateway": GatewayRef(name="public", namespace="gw"),
                "pre_exposure": e.pre_exposure.model_copy(update={"router": RouterAddress(namespace="gw", service="public-envoy")}),
            }
        )
        if e.name == "prod"
        else e
        for e in config.environments
    )
    # A digest for the test only: no upstream checksum exists, and config/ carries none.
    plugin = GatewayApiPlugin(sha256="0" * 64)
    platform = config.platform.model_copy(update={"gateway_api_plugin": plugin})
    app_module.build(config.model_copy(update={"environments": envs, "platform": platform}), tmp_path).synth()
    appset = yaml.safe_load((tmp_path / "argocd" / "ApplicationSet.podinfo.k8s.yaml").read_text())["spec"]["template"]["spec"]
    # The plugin's HTTPRoute alone: the canary path prefix's route is diffed and synced as Git has it.
    assert appset["ignoreDifferences"] == [
        {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "podinfo", "jsonPointers": ["/spec/rules"]}
    ]
    assert "RespectIgnoreDifferences=true" in appset["syncPolicy"]["syncOptions"]
    # The plugin is registered now, pinned by its digest (utils/plugin/downloader.go `checkShaOfPlugin`).
    rollouts = yaml.safe_load((tmp_path / "argocd" / "Application.argo-rollouts.k8s.yaml").read_text())
    assert rollouts["spec"]["source"]["helm"]["valuesObject"]["controller"]["trafficRouterPlugins"] == [
        {"name": "argoproj-labs/gatewayAPI", "location": plugin.url, "sha256": "0" * 64}
    ]
    with pytest.raises(ValueError, match="sha256"):
        app_module.build(config.model_copy(update={"environments": envs}), tmp_path / "refused")


def test_autoscaling_moves_replicas_from_git_to_the_hpa(tmp_path, config):
    from podinfo_canary.config import Autoscaling

    prod = next(e for e in config.environments if e.name == "prod")
    env = prod.model_copy(update={"autoscaling": Autoscaling(min_replicas=3, max_replicas=9, cpu_utilization=55)})
    objs = _synth_env(tmp_path, env, config)
    assert [validate(o) for o in objs] == [[] for _ in objs]
    rollout = next(o for o in objs if o["kind"] == "Rollout")
    assert "replicas" not in rollout["spec"]
    hpa = next(o for o in objs if o["kind"] == "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "podinfo"}
    target = hpa["spec"]["metrics"][0]["resource"]
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"], target["name"], target["target"]["averageUtilization"]) == (
        3,
        9,
        "cpu",
        55,
    )


# --- the canary path prefix (routing.canary_path_prefix) --------------------------------------------


@pytest.fixture(scope="module")
def fixture_objects() -> dict[str, list[dict]]:
    """The fixture environments, which set a canary path prefix on both routers: name -> objects."""
    from podinfo_canary.config import load
    from tests.behaviour import FIXTURE, env_objects

    cfg = load(FIXTURE)
    return {e.name: env_objects(e, cfg.platform) for e in cfg.environments}


def _by_name(objs: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def test_nginx_serves_the_prefix_from_an_ingress_beside_the_stable_one(fixture_objects):
    objs = fixture_objects["edge"]
    ingresses = _by_name(objs, "Ingress")
    assert sorted(ingresses) == ["podinfo", "podinfo-canary-path"]
    stable, path = ingresses["podinfo"], ingresses["podinfo-canary-path"]
    # The stable Ingress, which the controller derives the canary Ingress from, is as without a prefix.
    assert [(p["path"], p["pathType"], p["backend"]["service"]["name"]) for r in stable["spec"]["rules"] for p in r["http"]["paths"]] == [
        ("/", "Prefix", "podinfo-stable")
    ] * 2
    rollout = next(o for o in objs if o["kind"] == "Rollout")
    assert rollout["spec"]["strategy"]["canary"]["trafficRouting"]["nginx"]["stableIngress"] == "podinfo"
    assert path["spec"]["tls"] == stable["spec"]["tls"] and path["spec"]["ingressClassName"] == stable["spec"]["ingressClassName"]
    assert [r["host"] for r in path["spec"]["rules"]] == [r["host"] for r in stable["spec"]["rules"]]
    assert {(p["path"], p["pathType"], p["backend"]["service"]["name"]) for r in path["spec"]["rules"] for p in r["http"]["paths"]} == {
        ("/(?-i:edge/canary)(/|$)(.*)", "ImplementationSpecific", "podinfo-canary")
    }
    assert path["metadata"]["annotations"] == {
        "nginx.ingress.kubernetes.io/ssl-redirect": "true",
        "nginx.ingress.kubernetes.io/use-regex": "true",
        "nginx.ingress.kubernetes.io/rewrite-target": "/$2",
    }
    assert [validate(o) for o in (stable, path)] == [[], []]


def _cel_replace_prefix_match_rule(rule: dict) -> bool:
    """The HTTPRoute CRD's rule (Gateway API v1.6.1), which tools/validate.py does not run: with a
    URLRewrite ReplacePrefixMatch, exactly one match, a PathPrefix one."""
    rewrites = [f for f in rule.get("filters", []) if f.get("urlRewrite", {}).get("path", {}).get("type") == "ReplacePrefixMatch"]
    if len(rewrites) != 1:
        return True
    return len(rule.get("matches", [])) == 1 and rule["matches"][0].get("path", {}).get("type") == "PathPrefix"


def test_gateway_api_serves_the_prefix_from_an_httproute_the_plugin_never_touches(fixture_objects):
    objs = fixture_objects["canary-gw"]
    routes = _by_name(objs, "HTTPRoute")
    assert sorted(routes) == ["podinfo", "podinfo-canary-path"]
    plugin, path = routes["podinfo"], routes["podinfo-canary-path"]
    rollout = next(o for o in objs if o["kind"] == "Rollout")
    config = rollout["spec"]["strategy"]["canary"]["trafficRouting"]["plugins"]["argoproj-labs/gatewayAPI"]
    # The plugin reads and writes only the routes named here (v0.15.0 pkg/plugin/plugin.go
    # forEachGatewayAPIRoute over httpRoutes; no httpRouteSelector discovers others).
    assert [r["name"] for r in config["httpRoutes"]] == ["podinfo"] and "httpRouteSelector" not in config
    assert [[(b["name"], b["weight"]) for b in r["backendRefs"]] for r in plugin["spec"]["rules"]] == [
        [("podinfo-stable", 100), ("podinfo-canary", 0)]
    ]
    assert path["spec"]["parentRefs"] == plugin["spec"]["parentRefs"] and path["spec"]["hostnames"] == plugin["spec"]["hostnames"]
    (rule,) = path["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/canary"}}]
    assert rule["filters"] == [{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}]
    assert rule["backendRefs"] == [{"name": "podinfo-canary", "port": 80}]
    assert all(_cel_replace_prefix_match_rule(r) for route in routes.values() for r in route["spec"]["rules"])
    assert not _cel_replace_prefix_match_rule({**rule, "matches": [*rule["matches"], {"path": {"type": "Exact", "value": "/x"}}]})
    assert [validate(o) for o in (plugin, path)] == [[], []]


def test_without_a_prefix_no_route_of_its_own_is_built(objects, gateway_objects, config):
    prod = next(e for e in config.environments if e.name == "prod")
    assert prod.routing.canary_path_prefix is None
    assert [o["metadata"]["name"] for o in find(objects, "Ingress", folder="prod")] == ["podinfo"]
    assert [o["metadata"]["name"] for o in gateway_objects if o["kind"] == "HTTPRoute"] == ["podinfo"]
