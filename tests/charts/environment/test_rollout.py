"""RolloutCanary and AnalysisSuite properties: stages, gate, routing wiring, both routers valid."""

from __future__ import annotations

import cdk8s
import pytest
import yaml

from podinfo_canary.charts.environment import analysis as analysis_module
from podinfo_canary.charts.environment.analysis import AnalysisSuite
from podinfo_canary.charts.environment.chart import PodinfoEnvironment
from podinfo_canary.charts.environment.preexposure import ACCEPTANCE_TEMPLATE, LOAD_TEMPLATE
from podinfo_canary.charts.platform.argocd import PLUGIN_LABEL_POINTER, PLUGIN_RULE_PATHS
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
    routes = {o["metadata"]["name"]: o for o in gateway_objects if o["kind"] == "HTTPRoute"}
    route, redirect = routes.pop("podinfo"), routes.pop("podinfo-https-redirect")
    assert routes == {}
    refs = {r["name"]: r["weight"] for r in route["spec"]["rules"][0]["backendRefs"]}
    assert refs == {"podinfo-stable": 100, "podinfo-canary": 0}
    # Users' traffic on the HTTPS listener only; plain HTTP answered with a 301 to https, no backend
    # (the CRD's rule: a RequestRedirect filter never with backendRefs).
    assert route["spec"]["parentRefs"] == [{"name": "public", "namespace": "gateway-system", "sectionName": "https"}]
    assert redirect["spec"]["parentRefs"] == [{"name": "public", "namespace": "gateway-system", "sectionName": "http"}]
    assert redirect["spec"]["hostnames"] == route["spec"]["hostnames"]
    (rule,) = redirect["spec"]["rules"]
    assert "backendRefs" not in rule and rule["matches"] == route["spec"]["rules"][0]["matches"]
    assert rule["filters"] == [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]
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


def header_route_gaps(steps: list[dict]) -> list[str]:
    """Where a Gateway API header route would be missing when the canary is tested or serves.

    upstream: argo-rollouts v1.9.1 rollout/trafficrouting.go reconcileTrafficRouting calls
    RemoveManagedRoutes at every reconcile while the canary ReplicaSet has no available pod
    (`c.newRS == nil || c.newRS.Status.AvailableReplicas == 0`), and SetHeaderRoute only in its
    step's reconcile (rollout/canary.go completedCurrentCanaryStep completes the step at once). So a
    setHeaderRoute must follow a step that completes only with canary pods available
    (setCanaryScale with replicas, or a setWeight above 0: AtDesiredReplicaCountsForCanary), with
    no step between that may leave the canary without a pod (matchTrafficWeight at weight 0), and
    the route must be set again after such a step before anything needs it: an analysis (the
    testers and the stage checks) or any step once users are routed (after the first setWeight)."""
    gaps, weight, pods, route = [], 0, False, False
    for index, step in enumerate(steps):
        if "setCanaryScale" in step:
            scale = step["setCanaryScale"]
            pods = scale.get("replicas", 0) > 0 if "replicas" in scale else weight > 0
            route = route and pods
        elif "setWeight" in step:
            weight = step["setWeight"]
            pods = weight > 0 or pods
        elif "setHeaderRoute" in step:
            if not pods:
                gaps.append(f"step {index}: setHeaderRoute while the canary may have no available pod: removed at the next reconcile")
            route = pods
        elif ("analysis" in step or weight > 0) and not route:
            gaps.append(f"step {index} ({next(iter(step))}) runs without the header route")
    return gaps


@pytest.mark.parametrize(("pre", "counts"), [(False, False), (False, True), (True, False), (True, True)])
def test_every_gateway_configuration_sets_the_header_route_where_the_canary_has_pods(tmp_path, config, pre, counts):
    """The order the review asked for, pinned for pre_exposure on and off and
    generated_counts_for_gate on and off (tests/model/test_header_route.py runs them)."""
    prod = next(e for e in config.environments if e.name == "prod")
    router = RouterAddress(namespace="gateway-system", service="public-envoy")
    env = prod.model_copy(
        update={
            "traffic_router": "gatewayapi",
            "gateway": GatewayRef(name="public", namespace="gateway-system"),
            "pre_exposure": prod.pre_exposure.model_copy(update={"enabled": pre, "generated_counts_for_gate": counts, "router": router}),
        }
    )
    steps = next(o for o in _synth_env(tmp_path, env, config) if o["kind"] == "Rollout")["spec"]["strategy"]["canary"]["steps"]
    assert any("setHeaderRoute" in s for s in steps)
    assert header_route_gaps(steps) == [], steps
    # With NGINX the header rides on the canary Ingress: no setHeaderRoute, and nothing to check.
    nginx = next(
        o
        for o in _synth_env(
            tmp_path / "nginx", prod.model_copy(update={"pre_exposure": env.pre_exposure.model_copy(update={"router": None})}), config
        )
        if o["kind"] == "Rollout"
    )
    assert not any("setHeaderRoute" in s for s in nginx["spec"]["strategy"]["canary"]["steps"])


def test_the_order_check_catches_a_header_route_before_the_pods_or_lost_with_them():
    header = {"setHeaderRoute": {"name": "canary-header"}}
    check, pause = {"analysis": {"templates": []}}, {"pause": {"duration": "20s"}}
    first = [header, {"setCanaryScale": {"replicas": 1}}, check, {"setWeight": 10}, header, pause]
    assert header_route_gaps(first) == [
        "step 0: setHeaderRoute while the canary may have no available pod: removed at the next reconcile",
        "step 2 (analysis) runs without the header route",
    ]
    scaled_away = [
        {"setCanaryScale": {"replicas": 1}},
        header,
        check,
        {"setCanaryScale": {"matchTrafficWeight": True}},
        header,
        {"setWeight": 10},
        pause,
    ]
    assert header_route_gaps(scaled_away)[0].startswith("step 4: setHeaderRoute while the canary may have no available pod")
    assert header_route_gaps([{"setWeight": 10}, pause]) == ["step 1 (pause) runs without the header route"]


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
    (ignore,) = appset["ignoreDifferences"]
    assert (ignore["group"], ignore["kind"], ignore["name"]) == ("gateway.networking.k8s.io", "HTTPRoute", "podinfo")
    assert ignore["jqPathExpressions"] == list(PLUGIN_RULE_PATHS) and ignore["jsonPointers"] == [PLUGIN_LABEL_POINTER]
    # Not RespectIgnoreDifferences: it would apply the live rules whole (test_argo_cd_sees_...).
    assert "ApplyOutOfSyncOnly=true" in appset["syncPolicy"]["syncOptions"]
    assert "RespectIgnoreDifferences=true" not in appset["syncPolicy"]["syncOptions"]
    # The plugin is registered now, pinned by its digest (utils/plugin/downloader.go `checkShaOfPlugin`).
    rollouts = yaml.safe_load((tmp_path / "argocd" / "Application.argo-rollouts.k8s.yaml").read_text())
    assert rollouts["spec"]["source"]["helm"]["valuesObject"]["controller"]["trafficRouterPlugins"] == [
        {"name": "argoproj-labs/gatewayAPI", "location": plugin.url, "sha256": "0" * 64}
    ]
    with pytest.raises(ValueError, match="sha256"):
        app_module.build(config.model_copy(update={"environments": envs}), tmp_path / "refused")


def argo_cd_normalized(obj: dict) -> dict:
    """The object as Argo CD v3.5.1 compares it with the ApplicationSet's ignoreDifferences: each
    jqPathExpression deleted by gojq, the engine Argo CD runs (util/argo/normalizers/diff_normalizer.go
    `del(<expression>)`), then each jsonPointer removed."""
    import json
    import subprocess

    program = " | ".join(f"del({expression})" for expression in PLUGIN_RULE_PATHS)
    result = subprocess.run(["gojq", "-c", program], input=json.dumps(obj), capture_output=True, text=True, timeout=30, check=True)
    out = json.loads(result.stdout)
    *parents, key = [part.replace("~1", "/") for part in PLUGIN_LABEL_POINTER.split("/")[1:]]
    node = out
    for part in parents:
        node = node.get(part, {})
    node.pop(key, None)
    return out


def _during_a_rollout(route: dict) -> dict:
    """The live route as the Gateway API plugin v0.15.0 leaves it at 30%, with the header route set:
    setHTTPRouteWeight's weights, ensureInProgressLabel's label, setHTTPHeaderRoute's rule (named
    after the managed route, the source rule's matches with the header, its filters, the canary
    backend with group, kind and port)."""
    import copy

    live = copy.deepcopy(route)
    live["metadata"]["labels"]["rollouts.argoproj.io/gatewayapi-canary"] = "in-progress"
    source = live["spec"]["rules"][0]
    for ref in source["backendRefs"]:
        ref["weight"] = 30 if ref["name"] == "podinfo-canary" else 70
    header = {"name": "X-Canary", "type": "Exact", "value": "always"}
    live["spec"]["rules"].append(
        {
            "name": "canary-header",
            "matches": [{"path": m["path"], "headers": [header]} for m in source["matches"]],
            "filters": [],
            "backendRefs": [{"group": "", "kind": "Service", "name": "podinfo-canary", "port": 80}],
        }
    )
    return live


def _json_merge_patch(original, modified):
    """RFC 7386 CreateMergePatch (evanphx/json-patch, which Argo CD uses for a custom resource)."""
    if not (isinstance(original, dict) and isinstance(modified, dict)):
        return modified
    patch = {k: None for k in original if k not in modified}
    for k, v in modified.items():
        if k not in original:
            patch[k] = v
        elif original[k] != v:
            patch[k] = _json_merge_patch(original[k], v)
    return patch


def _apply_merge_patch(target, patch):
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = _apply_merge_patch(out.get(k), v)
    return out


def test_argo_cd_ignores_what_the_plugin_writes_and_sees_a_git_edit_of_the_rules(gateway_objects):
    """The ignoreDifferences cover the plugin's weights, header rule and label, and nothing else:
    during a rollout the route is Synced; a Git edit of a path or a port is OutOfSync, so
    ApplyOutOfSyncOnly applies it. RespectIgnoreDifferences would not: controller/sync.go
    normalizeTargetResources merges the live values of the ignored fields into the target with a
    JSON merge patch (normalized live -> live), which replaces the `spec.rules` list whole."""
    import copy

    git = next(o for o in gateway_objects if o["kind"] == "HTTPRoute" and o["metadata"]["name"] == "podinfo")
    live = _during_a_rollout(git)
    assert argo_cd_normalized(live) == argo_cd_normalized(git)
    edited = copy.deepcopy(git)
    edited["spec"]["rules"][0]["matches"][0]["path"]["value"] = "/api"
    assert argo_cd_normalized(edited) != argo_cd_normalized(live)
    ported = copy.deepcopy(git)
    ported["spec"]["rules"][0]["backendRefs"][1]["port"] = 8080
    assert argo_cd_normalized(ported) != argo_cd_normalized(live)
    hosts = copy.deepcopy(git)
    hosts["spec"]["hostnames"].append("new.example.test")
    assert argo_cd_normalized(hosts) != argo_cd_normalized(live)
    # A weight written in Git is the plugin's to move: never a diff.
    weighted = copy.deepcopy(git)
    weighted["spec"]["rules"][0]["backendRefs"][0]["weight"] = 50
    assert argo_cd_normalized(weighted) == argo_cd_normalized(live)
    # What RespectIgnoreDifferences would apply for the path edit, even with the route at rest:
    # the live rules, not Git's.
    for state in (live, git):
        patch = _json_merge_patch(argo_cd_normalized(state), state)
        applied = _apply_merge_patch(argo_cd_normalized(edited), patch)
        assert applied["spec"]["rules"] == state["spec"]["rules"]


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
    assert sorted(routes) == ["podinfo", "podinfo-canary-path", "podinfo-https-redirect"]
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
    assert all(_cel_replace_prefix_match_rule(r) for route in (plugin, path) for r in route["spec"]["rules"])
    assert not _cel_replace_prefix_match_rule({**rule, "matches": [*rule["matches"], {"path": {"type": "Exact", "value": "/x"}}]})
    assert [validate(o) for o in (plugin, path)] == [[], []]


def test_without_a_prefix_no_route_of_its_own_is_built(objects, gateway_objects, config):
    prod = next(e for e in config.environments if e.name == "prod")
    assert prod.routing.canary_path_prefix is None
    assert [o["metadata"]["name"] for o in find(objects, "Ingress", folder="prod")] == ["podinfo"]
    # The plugin's route and the HTTP listener's redirect, no prefix route.
    assert [o["metadata"]["name"] for o in gateway_objects if o["kind"] == "HTTPRoute"] == ["podinfo", "podinfo-https-redirect"]
