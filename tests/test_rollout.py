"""RolloutCanary and AnalysisSuite properties: stages, gate, routing wiring, both routers valid."""

from __future__ import annotations

import cdk8s
import pytest
import yaml

from podinfo_canary.config import ANALYSIS_TEMPLATES, Environment, GatewayRef
from podinfo_canary.environment import PodinfoEnvironment
from podinfo_canary.plan import plan_from_folder
from podinfo_canary.rollout import RolloutTiming
from tests.conftest import find, one
from tools.validate import validate


def _steps(objects, env):
    return one(objects, "Rollout", "podinfo", env)["spec"]["strategy"]["canary"]["steps"]


def test_prod_has_the_five_stages_with_the_manual_gate_at_50(objects):
    steps = _steps(objects, "prod")
    assert [s["setWeight"] for s in steps if "setWeight" in s] == [10, 30, 50, 75, 100]
    gate = steps.index({"pause": {}})
    assert steps[gate - 1] == {"setWeight": 50}
    assert [s["pause"]["duration"] for s in steps if s.get("pause")] == ["2m", "5m", "5m"]


def test_dev_has_no_manual_gate(objects):
    assert {"pause": {}} not in _steps(objects, "dev")


def test_every_environment_follows_its_configured_stages(objects, config):
    for env in config.environments:
        weights = [s["setWeight"] for s in _steps(objects, env.name) if "setWeight" in s]
        assert weights == [stage.weight for stage in env.canary.stages]


def test_background_analysis_starts_at_the_first_step_with_the_latest_hash(objects):
    analysis = one(objects, "Rollout", "podinfo", "prod")["spec"]["strategy"]["canary"]["analysis"]
    assert analysis["startingStep"] == 0
    assert analysis["args"] == [{"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}]


def test_steps_name_only_templates_that_exist(objects):
    names = {t["metadata"]["name"] for t in find(objects, "AnalysisTemplate", folder="prod")}
    used = {t["templateName"] for s in _steps(objects, "prod") if "analysis" in s for t in s["analysis"]["templates"]}
    assert used and used <= names


def test_seven_analysis_templates_with_a_30s_interval(objects):
    templates = find(objects, "AnalysisTemplate", folder="prod")
    assert sorted(t["metadata"]["name"] for t in templates) == sorted(ANALYSIS_TEMPLATES)
    assert {m["interval"] for t in templates for m in t["spec"]["metrics"]} == {"30s"}


def test_thresholds_come_from_the_slo(objects, config):
    prod = next(e for e in config.environments if e.name == "prod")
    latency = one(objects, "AnalysisTemplate", "podinfo-latency", "prod")["spec"]["metrics"]
    assert latency[0]["successCondition"].endswith(f"<= {prod.slo.latency_p95_max_ms / 1000:g}")
    success = one(objects, "AnalysisTemplate", "podinfo-success-rate", "prod")["spec"]["metrics"][0]
    assert success["successCondition"].endswith(f">= {prod.slo.success_rate_min:g}")


def test_services_selectors_and_ingress_are_wired(objects):
    canary = one(objects, "Rollout", "podinfo", "prod")["spec"]
    selector = canary["selector"]["matchLabels"]
    assert canary["template"]["metadata"]["labels"].items() >= selector.items()
    strategy = canary["strategy"]["canary"]
    for name in (strategy["stableService"], strategy["canaryService"]):
        assert one(objects, "Service", name, "prod")["spec"]["selector"] == selector
    ingress = one(objects, "Ingress", strategy["trafficRouting"]["nginx"]["stableIngress"], "prod")
    backends = {p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {strategy["stableService"]}
    assert strategy["trafficRouting"]["nginx"]["additionalIngressAnnotations"] == {"canary-by-header": "X-Canary"}


def test_tls_certificate_covers_the_ingress_hosts(objects):
    ingress = one(objects, "Ingress", "podinfo", "prod")
    certificate = one(objects, "Certificate", "podinfo", "prod")
    assert certificate["spec"]["secretName"] == ingress["spec"]["tls"][0]["secretName"]
    assert sorted(certificate["spec"]["dnsNames"]) == sorted(ingress["spec"]["tls"][0]["hosts"])


def test_rollback_settings_are_deliberate(objects):
    """Stated explicitly (not left to upstream defaults) and dynamicStableScale off (issue 1820)."""
    timing = RolloutTiming()
    spec = one(objects, "Rollout", "podinfo", "prod")["spec"]
    assert spec["progressDeadlineAbort"] is True
    assert spec["progressDeadlineSeconds"] == timing.progress_deadline
    assert spec["strategy"]["canary"]["abortScaleDownDelaySeconds"] == timing.abort_scale_down_delay
    assert spec["strategy"]["canary"]["scaleDownDelaySeconds"] == timing.scale_down_delay
    assert spec["strategy"]["canary"]["dynamicStableScale"] is False


def test_rollout_events_reach_the_environment_channel(objects, config):
    for env in config.environments:
        annotations = one(objects, "Rollout", "podinfo", env.name)["metadata"]["annotations"]
        assert annotations["notifications.argoproj.io/subscribe.on-rollout-aborted.slack"] == env.notifications.slack_channel
        assert annotations["notifications.argoproj.io/subscribe.on-analysis-run-failed.slack"] == env.notifications.slack_channel


def test_pod_meets_restricted_pod_security(objects):
    pod = one(objects, "Rollout", "podinfo", "prod")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] == 100
    for container in pod["containers"]:
        sc = container["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True
        assert sc["capabilities"]["drop"] == ["ALL"] and sc["seccompProfile"]["type"] == "RuntimeDefault"
    assert {"name": "data", "emptyDir": {"sizeLimit": "64Mi"}} in pod["volumes"]
    assert one(objects, "Namespace", "podinfo-prod")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_pod_monitor_copies_the_hash_label_and_has_the_release_label(objects, config):
    monitor = one(objects, "PodMonitor", "podinfo", "prod")
    assert monitor["metadata"]["labels"]["release"] == config.platform.prometheus_release
    assert monitor["spec"]["podTargetLabels"] == ["rollouts-pod-template-hash"]


def test_prod_plan_promotes_within_20_minutes_and_detects_within_90_seconds(fresh_dist):
    plan = plan_from_folder(fresh_dist / "prod")
    assert [s.weight for s in plan.stages] == [10, 30, 50, 75, 100]
    assert [s.manual_gate for s in plan.stages] == [False, False, True, False, False]
    assert plan.detection_seconds <= 90
    assert plan.promotion_seconds == 120 + 300 + 300 + 3 * 150


def _synth_env(tmp_path, env: Environment, config) -> list[dict]:
    app = cdk8s.App(outdir=str(tmp_path), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_CHART)
    PodinfoEnvironment(app, env.name, environment=env, platform=config.platform)
    app.synth()
    return [d for p in tmp_path.glob("*.yaml") for d in yaml.safe_load_all(p.read_text()) if d]


@pytest.fixture(scope="module")
def gateway_objects(tmp_path_factory, config):
    prod = next(e for e in config.environments if e.name == "prod")
    env = prod.model_copy(update={"traffic_router": "gatewayapi", "gateway": GatewayRef(name="public", namespace="gateway-system")})
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
    assert canary["steps"][0]["setHeaderRoute"]["match"][0]["headerName"] == "X-Canary"
    assert canary["trafficRouting"]["plugins"]["argoproj-labs/gatewayAPI"]["httpRoutes"][0]["name"] == route["metadata"]["name"]
    assert not [o for o in gateway_objects if o["kind"] == "Ingress"]


def test_gateway_api_environments_let_the_plugin_own_the_route_rules(tmp_path, config):
    from podinfo_canary import app as app_module

    envs = tuple(
        e.model_copy(update={"traffic_router": "gatewayapi", "gateway": GatewayRef(name="public", namespace="gw")})
        if e.name == "prod"
        else e
        for e in config.environments
    )
    app_module.build(config.model_copy(update={"environments": envs}), tmp_path).synth()
    appset = yaml.safe_load((tmp_path / "argocd" / "ApplicationSet.podinfo.k8s.yaml").read_text())["spec"]["template"]["spec"]
    assert appset["ignoreDifferences"] == [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "jsonPointers": ["/spec/rules"]}]
    assert "RespectIgnoreDifferences=true" in appset["syncPolicy"]["syncOptions"]


def test_autoscaling_moves_replicas_from_git_to_the_hpa(tmp_path, config):
    from podinfo_canary.config import Autoscaling

    prod = next(e for e in config.environments if e.name == "prod")
    env = prod.model_copy(update={"autoscaling": Autoscaling(min_replicas=3, max_replicas=9)})
    objs = _synth_env(tmp_path, env, config)
    assert [validate(o) for o in objs] == [[] for _ in objs]
    rollout = next(o for o in objs if o["kind"] == "Rollout")
    assert "replicas" not in rollout["spec"]
    hpa = next(o for o in objs if o["kind"] == "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "podinfo"}
