"""The Istio router (charts/environment/mesh.py and its wiring): the fixture environment `mesh` of
tests/fixtures/config, built in-process. Routing as Argo Rollouts v1.9.1's Istio router reads it,
the injected pod against Pod Security `restricted`, the NetworkPolicies and the mesh's own
policies evaluated (tests/netpol.py, tests/meshauth.py), and each evaluation shown to catch a
deliberate break."""

from __future__ import annotations

import copy
import json
import math
import subprocess

import pytest
import yaml

from podinfo_canary.charts.environment.analysis import MESH_SERVER_ERRORS
from podinfo_canary.charts.environment.mesh import (
    ENVOY_METRICS_PORT,
    ENVOY_METRICS_PORT_NAME,
    EXCLUDE_INBOUND_PORTS,
    INJECTION_LABELS,
    ISTIOD_LABELS,
    ISTIOD_PORT,
    NO_SIDECAR_LABELS,
    PRIMARY_ROUTE,
)
from podinfo_canary.charts.environment.preexposure import LOAD_TEMPLATE
from podinfo_canary.charts.platform.apps import ISTIO_INGRESS_CLASS, ISTIO_INGRESS_CONTROLLER
from podinfo_canary.config import ConfigError, load
from podinfo_canary.core.workload import HEADER_ROUTE, MIRROR_ROUTE
from podinfo_canary.model.run import Environment as ModelEnvironment
from podinfo_canary.model.run import rollout as model_rollout
from podinfo_canary.model.world import Version, World
from tests.conftest import ROOT, rollout_pod_labels
from tests.meshauth import Request
from tests.meshauth import allowed as mesh_allowed
from tests.netpol import Pod
from tests.netpol import allowed as net_allowed

ENV = "mesh"


@pytest.fixture(scope="module")
def fixture(configs):
    cfg = configs["fixture"]
    return cfg, next(e for e in cfg.environments if e.name == ENV)


@pytest.fixture(scope="module")
def objs(built) -> list[dict]:
    return built["fixture"][ENV]


def _the(objs, kind, name=None) -> dict:
    (only,) = [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    return only


def _canary(objs) -> dict:
    return _the(objs, "Rollout")["spec"]["strategy"]["canary"]


# --- routing ---------------------------------------------------------------------------------


def _host(destination: dict) -> str:
    # The controller compares a destination's host up to its first dot with the Services' names
    # (upstream: argo-rollouts v1.9.1 rollout/trafficrouting/istio/istio.go getHost,
    # validateVirtualServiceRouteDestinations).
    return destination["host"].split(".")[0]


def test_primary_route_names_exactly_the_stable_and_canary_services(objs):
    canary = _canary(objs)
    service = _the(objs, "VirtualService")
    assert canary["trafficRouting"]["istio"]["virtualService"] == {"name": service["metadata"]["name"], "routes": [PRIMARY_ROUTE]}
    (primary,) = [r for r in service["spec"]["http"] if r.get("name") == PRIMARY_ROUTE]
    weights = {_host(r["destination"]): r["weight"] for r in primary["route"]}
    assert weights == {canary["stableService"]: 100, canary["canaryService"]: 0}
    # Host-level splitting: no DestinationRule subsets for the controller to rewrite (UpdateHash).
    assert "destinationRule" not in canary["trafficRouting"]["istio"]
    for rule in [o for o in objs if o["kind"] == "DestinationRule"]:
        assert "subsets" not in rule["spec"] and rule["spec"]["trafficPolicy"]["tls"]["mode"] == "ISTIO_MUTUAL"
    # Every destination's port is a port of its Service.
    ports = {o["metadata"]["name"]: {p["port"] for p in o["spec"]["ports"]} for o in objs if o["kind"] == "Service"}
    assert all(r["destination"]["port"]["number"] in ports[_host(r["destination"])] for r in primary["route"])


def test_gateway_serves_the_hosts_with_the_certificate_on_the_ingress_gateway_pods(objs, fixture):
    cfg, env = fixture
    istio = cfg.platform.istio
    gateway, service, certificate = _the(objs, "Gateway"), _the(objs, "VirtualService"), _the(objs, "Certificate")
    assert service["spec"]["gateways"] == [gateway["metadata"]["name"]] and gateway["metadata"]["namespace"] == env.namespace
    assert service["spec"]["hosts"] == env.hosts
    # The gateway chart labels its pods app=<release>, istio=<release without istio-> (gateway.selectorLabels).
    assert gateway["spec"]["selector"] == {"app": "istio-ingressgateway", "istio": "ingressgateway"}
    (server,) = gateway["spec"]["servers"]
    assert server["hosts"] == env.hosts and server["port"]["protocol"] == "HTTPS" and server["tls"]["mode"] == "SIMPLE"
    # credentialName is read in the gateway pods' namespace: the Certificate's Secret is made there.
    assert certificate["metadata"]["namespace"] == istio.ingress_namespace
    assert server["tls"]["credentialName"] == certificate["spec"]["secretName"]
    assert certificate["spec"]["dnsNames"] == env.hosts


def _steps(objs) -> list[dict]:
    return _canary(objs)["steps"]


def test_managed_routes_are_set_only_while_canary_pods_are_available_and_the_mirror_goes_before_any_weight(objs):
    """While the canary has no available pod the controller removes every managed route at each
    reconcile (upstream: argo-rollouts v1.9.1 rollout/trafficrouting.go reconcileTrafficRouting,
    RemoveManagedRoutes), so each setHeaderRoute/setMirrorRoute follows a step that makes canary
    pods available; the mirror route is removed before the first weight, from which users' own
    requests reach the canary (a copy would count them twice)."""
    steps = _steps(objs)
    kinds = [next(iter(s)) for s in steps]
    first_weight = kinds.index("setWeight")
    scale = kinds.index("setCanaryScale")
    assert steps[scale]["setCanaryScale"] == {"replicas": 1}
    assert kinds[scale + 1 : scale + 3] == ["setHeaderRoute", "setMirrorRoute"]
    mirror_steps = [i for i, k in enumerate(kinds) if k == "setMirrorRoute"]
    assert len(mirror_steps) == 2 and steps[mirror_steps[1]] == {"setMirrorRoute": {"name": MIRROR_ROUTE}}
    assert mirror_steps[1] < first_weight
    # The judged pods go (matchTrafficWeight at weight 0): the header route is set again after the first weight.
    assert {"setCanaryScale": {"matchTrafficWeight": True}} in steps[:first_weight]
    assert kinds[first_weight + 1] == "setHeaderRoute"
    mirror = steps[mirror_steps[0]]["setMirrorRoute"]
    assert mirror["percentage"] == 20 and mirror["match"] == [{"method": {"exact": "GET"}}, {"method": {"exact": "HEAD"}}]
    # Managed routes go on top, in this order (orderRoutes): the header route before the mirror.
    assert [r["name"] for r in _canary(objs)["trafficRouting"]["managedRoutes"]] == [HEADER_ROUTE, MIRROR_ROUTE]
    names = {s[k]["name"] for s, k in zip(steps, kinds, strict=True) if k in ("setHeaderRoute", "setMirrorRoute")}
    assert names <= {r["name"] for r in _canary(objs)["trafficRouting"]["managedRoutes"]}


def _argocd_normalize(live: dict, expressions: list[str]) -> dict:
    """The object as Argo CD v3.5.1 compares it: each jqPathExpression deleted by gojq, the engine
    Argo CD runs (util/argo/normalizers/diff_normalizer.go `del(<expression>)`)."""
    program = " | ".join(f"del({expression})" for expression in expressions)
    result = subprocess.run(["gojq", "-c", program], input=json.dumps(live), capture_output=True, text=True, timeout=30, check=True)
    return json.loads(result.stdout)


def test_argocd_ignores_only_what_the_controller_writes_in_the_virtual_service(built, objs):
    (appset,) = [o for o in built["fixture"]["argocd"] if o["kind"] == "ApplicationSet"]
    spec = appset["spec"]["template"]["spec"]
    (ignore,) = [i for i in spec["ignoreDifferences"] if i["kind"] == "VirtualService"]
    # Not RespectIgnoreDifferences: it would apply the live `spec.http` list whole (argocd.py PLUGIN_RULE_PATHS).
    assert ignore["group"] == "networking.istio.io" and ignore["name"] == "podinfo"
    assert "ApplyOutOfSyncOnly=true" in spec["syncPolicy"]["syncOptions"]
    assert "RespectIgnoreDifferences=true" not in spec["syncPolicy"]["syncOptions"]
    desired = _the(objs, "VirtualService")
    # Mid-rollout: weights moved, header and mirror routes on top (orderRoutes).
    live = copy.deepcopy(desired)
    primary = next(r for r in live["spec"]["http"] if r["name"] == PRIMARY_ROUTE)
    primary["route"][0]["weight"], primary["route"][1]["weight"] = 90, 10
    live["spec"]["http"][:0] = [
        {"name": HEADER_ROUTE, "match": [{"headers": {"X-Canary": {"exact": "always"}}}], "route": [primary["route"][1]]},
        {"name": MIRROR_ROUTE, "match": [{"method": {"exact": "GET"}}], "route": primary["route"], "mirror": {"host": "podinfo-canary"}},
    ]
    normalize = lambda o: _argocd_normalize(o, ignore["jqPathExpressions"])  # noqa: E731
    assert normalize(live) == normalize(desired)
    # A Git edit the controller does not make is still a difference Argo CD applies.
    edited = copy.deepcopy(desired)
    edited["spec"]["http"][-1]["timeout"] = "10s"
    assert normalize(live) != normalize(edited)


# --- Pod Security ----------------------------------------------------------------------------


def _injected(pod: dict, cni: bool) -> dict:
    """The pod as istiod 1.30.3's sidecar injector makes it (injection-template.yaml, values
    `global.proxy.privileged: false`, native sidecars): the redirection init container (istio-init
    without the CNI node agent, istio-validation with it) and istio-proxy as a restartable init
    container, with the security contexts the template writes."""
    init = (
        {
            "name": "istio-validation",
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "privileged": False,
                "capabilities": {"drop": ["ALL"]},
                "readOnlyRootFilesystem": True,
                "runAsGroup": 1337,
                "runAsUser": 1337,
                "runAsNonRoot": True,
            },
        }
        if cni
        else {
            "name": "istio-init",
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "privileged": False,
                "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]},
                "readOnlyRootFilesystem": False,
                "runAsGroup": 0,
                "runAsNonRoot": False,
                "runAsUser": 0,
            },
        }
    )
    proxy = {
        "name": "istio-proxy",
        "restartPolicy": "Always",
        "ports": [{"containerPort": ENVOY_METRICS_PORT, "name": ENVOY_METRICS_PORT_NAME, "protocol": "TCP"}],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 1337,
            "runAsGroup": 1337,
        },
    }
    out = copy.deepcopy(pod)
    out["initContainers"] = [*out.get("initContainers", []), init, proxy]
    return out


def restricted_violations(pod: dict) -> list[str]:
    """Pod Security Standards `restricted` (Kubernetes 1.30+ pod-security-admission policy checks:
    privileged, allowPrivilegeEscalation, capabilities_restricted, runAsNonRoot, runAsUser,
    seccompProfile_restricted), for every container and init container."""
    problems = []
    psc = pod.get("securityContext", {})
    for c in [*pod.get("initContainers", []), *pod["containers"]]:
        sc = c.get("securityContext", {})
        name = c["name"]
        if sc.get("privileged"):
            problems.append(f"{name}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation must be false")
        caps = sc.get("capabilities", {})
        if "ALL" not in caps.get("drop", []):
            problems.append(f"{name}: must drop ALL capabilities")
        if set(caps.get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: adds {sorted(set(caps['add']) - {'NET_BIND_SERVICE'})}")
        if not sc.get("runAsNonRoot", psc.get("runAsNonRoot")):
            problems.append(f"{name}: runAsNonRoot")
        if sc.get("runAsUser", psc.get("runAsUser")) == 0:
            problems.append(f"{name}: runAsUser 0")
        seccomp = sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile {seccomp}")
    return problems


def test_every_pod_template_meets_restricted_once_istio_injects_it_with_the_cni_node_agent(objs, fixture):
    cfg, _ = fixture
    namespace = _the(objs, "Namespace")
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted" and all(labels[k] == v for k, v in INJECTION_LABELS.items())
    podinfo = _the(objs, "Rollout")["spec"]["template"]["spec"]
    assert restricted_violations(podinfo) == []
    assert restricted_violations(_injected(podinfo, cni=True)) == []
    # The break the CNI node agent avoids: istio-init's NET_ADMIN/NET_RAW as root.
    assert set(restricted_violations(_injected(podinfo, cni=False))) == {
        "istio-init: adds ['NET_ADMIN', 'NET_RAW']",
        "istio-init: runAsNonRoot",
        "istio-init: runAsUser 0",
    }
    # The platform installs istiod with the CNI node agent on.
    (istiod,) = [o for o in built_argocd(cfg) if o["kind"] == "Application" and o["metadata"]["name"] == "istiod"]
    assert istiod["spec"]["source"]["helm"]["valuesObject"]["pilot"]["cni"]["enabled"] is True
    # The tester's Job pods get no sidecar (they enter by the ingress gateway) and meet restricted as they are.
    for template in [o for o in objs if o["kind"] == "AnalysisTemplate" and "job" in o["spec"]["metrics"][0]["provider"]]:
        pod = template["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]
        assert all(pod["metadata"]["labels"][k] == v for k, v in NO_SIDECAR_LABELS.items())
        assert restricted_violations(pod["spec"]) == []


_ARGOCD: dict = {}


def built_argocd(cfg) -> list[dict]:
    from tests.behaviour import app_objects

    if "objs" not in _ARGOCD:
        _ARGOCD["objs"] = app_objects(cfg)["argocd"]
    return _ARGOCD["objs"]


def test_platform_installs_the_mesh_only_when_an_environment_uses_it(built):
    fixture_apps = {o["metadata"]["name"] for o in built["fixture"]["argocd"] if o["kind"] == "Application"}
    committed_apps = {o["metadata"]["name"] for o in built["committed"]["argocd"] if o["kind"] == "Application"}
    mesh = {"istio-base", "istiod", "istio-cni", "istio-ingressgateway"}
    assert mesh <= fixture_apps and not mesh & committed_apps
    waves = {
        o["metadata"]["name"]: int(o["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
        for o in built["fixture"]["argocd"]
        if o["kind"] == "Application" and o["metadata"]["name"] in mesh
    }
    assert waves["istio-base"] < waves["istiod"] == waves["istio-cni"] < waves["istio-ingressgateway"]
    (ingress_class,) = [o for o in built["fixture"]["argocd"] if o["kind"] == "IngressClass"]
    assert ingress_class["metadata"]["name"] == ISTIO_INGRESS_CLASS and ingress_class["spec"]["controller"] == ISTIO_INGRESS_CONTROLLER
    (issuer,) = [o for o in built["fixture"]["argocd"] if o["kind"] == "ClusterIssuer"]
    first, rest = issuer["spec"]["acme"]["solvers"][0], issuer["spec"]["acme"]["solvers"][1:]
    assert first["selector"]["dnsNames"] == ["mesh.fixture.example.test", "mesh-path.fixture.example.test"]
    assert first["http01"]["ingress"]["ingressClassName"] == ISTIO_INGRESS_CLASS
    assert all("selector" not in s for s in rest)


# --- network policies and the mesh's policies -------------------------------------------------


def _world(objs, cfg, env) -> dict[str, Pod]:
    istio = cfg.platform.istio
    rollout = _the(objs, "Rollout")
    (container,) = rollout["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: (p["containerPort"], p["protocol"]) for p in container["ports"]}
    ports[ENVOY_METRICS_PORT_NAME] = (ENVOY_METRICS_PORT, "TCP")
    load = _the(objs, "AnalysisTemplate", LOAD_TEMPLATE)["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]
    return {
        "stable": Pod(env.namespace, rollout_pod_labels(rollout, "stable", "5d4c7b8a9"), ports, name="stable"),
        "canary": Pod(env.namespace, rollout_pod_labels(rollout, "canary", "7c9f8d6b5"), ports, name="canary"),
        "gateway": Pod(istio.ingress_namespace, istio.gateway_labels, {"https": (443, "TCP")}, name="gateway"),
        "istiod": Pod(istio.namespace, ISTIOD_LABELS, {"grpc-xds": (ISTIOD_PORT, "TCP")}, name="istiod"),
        "istio-other": Pod(istio.namespace, {"app": "istio-cni-node"}, name="istio-other"),
        "prometheus": Pod(cfg.platform.charts.kube_prometheus_stack.namespace, {"app.kubernetes.io/name": "prometheus"}, name="prometheus"),
        "ingress-nginx": Pod(cfg.platform.charts.ingress_nginx.namespace, {"app.kubernetes.io/name": "ingress-nginx"}, name="nginx"),
        "tester": Pod(env.namespace, load["metadata"]["labels"], name="tester"),
    }


NET_CASES = [
    ("gateway", "stable", 9898, True),
    ("gateway", "canary", 9898, True),
    ("ingress-nginx", "canary", 9898, False),
    ("prometheus", "canary", 9797, True),
    ("prometheus", "canary", ENVOY_METRICS_PORT, True),
    ("gateway", "canary", ENVOY_METRICS_PORT, False),
    ("stable", "istiod", ISTIOD_PORT, True),
    ("canary", "istiod", ISTIOD_PORT, True),
    ("canary", "istiod", 15017, False),
    ("canary", "istio-other", ISTIOD_PORT, False),
    ("tester", "istiod", ISTIOD_PORT, False),
    ("tester", "gateway", 443, True),
    ("tester", "canary", 9898, False),
]


def _net_wrong(policies, world) -> list[str]:
    return [f"{s}->{d}:{p} expected {want}" for s, d, p, want in NET_CASES if net_allowed(policies, world[s], world[d], p) != want]


def test_network_policies_let_the_sidecars_reach_istiod_and_prometheus_their_metrics(objs, fixture):
    cfg, env = fixture
    policies = [o for o in objs if o["kind"] == "NetworkPolicy"]
    world = _world(objs, cfg, env)
    assert _net_wrong(policies, world) == []
    # Caught when broken: without podinfo-sidecar, no sidecar gets its configuration or certificate.
    broken = [p for p in policies if p["metadata"]["name"] != "podinfo-sidecar"]
    assert _net_wrong(broken, world) == ["stable->istiod:15012 expected True", "canary->istiod:15012 expected True"]


def _gateway(cfg) -> str:
    return cfg.platform.istio.gateway_principal


MESH_CASES = [
    # (principal: "gateway" | "other" | None for plain text, port, allowed?)
    ("gateway", 9898, True),
    ("other", 9898, False),  # another workload of the mesh (another environment's pod, a debug pod)
    (None, 9898, False),  # plain text: STRICT
    (None, 9797, True),  # Prometheus has no sidecar: the metrics port bypasses the sidecar
    ("other", 9797, True),  # who may reach the metrics port is the NetworkPolicy's to say
    ("gateway", 8080, False),  # no other port
]


def _excluded(rollout: dict) -> frozenset[int]:
    """The inbound ports the pod template leaves out of the sidecar's interception."""
    notes = rollout["spec"]["template"]["metadata"].get("annotations") or {}
    return frozenset(int(p) for p in notes.get(EXCLUDE_INBOUND_PORTS, "").split(",") if p)


def _mesh_wrong(policies, cfg, env, labels, excluded) -> list[str]:
    principals = {"gateway": _gateway(cfg), "other": "cluster.local/ns/podinfo-edge/sa/podinfo", None: None}
    return [
        f"{who}:{port} expected {want}"
        for who, port, want in MESH_CASES
        if mesh_allowed(policies, env.namespace, labels, Request(principals[who], port), excluded) != want
    ]


def test_mesh_policies_let_only_the_ingress_gateway_call_podinfo(objs, fixture):
    cfg, env = fixture
    policies = [o for o in objs if o["kind"] in ("PeerAuthentication", "AuthorizationPolicy")]
    rollout = _the(objs, "Rollout")
    excluded = _excluded(rollout)
    assert excluded == {9797}  # podinfo's metrics port, which Prometheus scrapes without a sidecar
    for track in ("stable", "canary"):
        assert _mesh_wrong(policies, cfg, env, rollout_pod_labels(rollout, track, "abc"), excluded) == [], track
    labels = rollout_pod_labels(rollout, "canary", "abc")
    # Caught when broken: without the AuthorizationPolicy any mesh workload calls podinfo; without it
    # and the PeerAuthentication, plain text too (the mesh's default is PERMISSIVE); without the
    # metrics port left to bypass the sidecar, STRICT cuts Prometheus off and the policy the others.
    assert _mesh_wrong([p for p in policies if p["kind"] != "AuthorizationPolicy"], cfg, env, labels, excluded) == [
        "other:9898 expected False",
        "gateway:8080 expected False",
    ]
    assert _mesh_wrong([], cfg, env, labels, excluded) == [
        "other:9898 expected False",
        "None:9898 expected False",
        "gateway:8080 expected False",
    ]
    assert _mesh_wrong(policies, cfg, env, labels, frozenset()) == ["None:9797 expected True", "other:9797 expected True"]
    # The AuthorizationPolicy names the gateway's identity as the gateway chart makes it (its
    # ServiceAccount is the release's name, in the ingress namespace).
    (authz,) = [p for p in policies if p["kind"] == "AuthorizationPolicy"]
    assert authz["spec"]["rules"][0]["from"][0]["source"]["principals"] == ["cluster.local/ns/istio-ingress/sa/istio-ingressgateway"]


def test_sidecar_metrics_are_scraped_with_the_track_and_hash_labels(objs):
    monitor = _the(objs, "PodMonitor")
    endpoints = {e["port"]: e for e in monitor["spec"]["podMetricsEndpoints"]}
    assert endpoints[ENVOY_METRICS_PORT_NAME]["path"] == "/stats/prometheus"
    # podTargetLabels hold for every endpoint: istio_requests_total carries the exact canary hash.
    assert "rollouts-pod-template-hash" in monitor["spec"]["podTargetLabels"]


# --- config ------------------------------------------------------------------------------------


def _copy_config(tmp_path, env_text: str):
    import shutil

    target = tmp_path / "config"
    shutil.copytree(ROOT / "tests" / "fixtures" / "config", target)
    (target / "environments" / "mesh.yaml").write_text(env_text)
    return target


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.replace("traffic_router: istio", "traffic_router: nginx"),
            "pre_exposure.mirror = {percent: 20, methods: [GET, HEAD]}: only with traffic_router: istio",
        ),
        (lambda t: t.replace("  enabled: true\n", "  enabled: false\n"), "mirrored requests are judged in the pre-exposure phase"),
        (lambda t: t.replace("mirror: {percent: 20}", "mirror: {methods: [POST]}"), "pre_exposure.mirror.methods[0] = 'POST'"),
        (lambda t: t.replace("traffic_router: istio", "traffic_router: linkerd"), "traffic_router = 'linkerd'"),
    ],
)
def test_router_choices_are_refused_with_the_file_and_field(tmp_path, change, message):
    text = (ROOT / "tests" / "fixtures" / "config" / "environments" / "mesh.yaml").read_text()
    with pytest.raises(ConfigError) as caught:
        load(_copy_config(tmp_path, change(text)))
    assert "environments/mesh.yaml" in str(caught.value) and message in str(caught.value), str(caught.value)


# --- the sidecars' server-error test on the Prometheus engine ---------------------------------

CANARY, STABLE = "c4n4ry", "st4bl3"
STEP, EVAL_STEPS = 15, 20  # scraped every 15 s, evaluated at 5m: each counter holds 300 s


def _counter(per_second: float) -> str:
    return f"0+{per_second * STEP:g}x40"


def _mesh_series(namespace: str, sidecar: dict[str, float], podinfo: dict[str, float]) -> list[dict]:
    """The canary's sidecar counts (reporter=destination, scraped from the canary pod with its hash),
    what podinfo itself counted, a stable pod beside, and the ingress gateway's own count of the
    same requests (reporter=source, scraped in the gateway's namespace), which must not count."""
    out = []
    for code, rps in sidecar.items():
        labels = f'namespace="{namespace}", rollouts_pod_template_hash="{CANARY}", reporter="destination", response_code="{code}"'
        out.append({"series": f"istio_requests_total{{{labels}}}", "values": _counter(rps)})
        # The gateway's own count, scraped from the gateway pod: its namespace, no podinfo hash.
        gateway = f'namespace="istio-ingress", reporter="source", destination_service_namespace="{namespace}", response_code="{code}"'
        out.append({"series": f"istio_requests_total{{{gateway}}}", "values": _counter(rps)})
    stable = f'namespace="{namespace}", rollouts_pod_template_hash="{STABLE}", reporter="destination", response_code="500"'
    out.append({"series": f"istio_requests_total{{{stable}}}", "values": _counter(5.0)})
    for status, rps in podinfo.items():
        labels = f'namespace="{namespace}", rollouts_pod_template_hash="{CANARY}", path="api_info", method="GET", status="{status}"'
        out.append({"series": f"http_request_duration_seconds_count{{{labels}}}", "values": _counter(rps)})
    return out


def _promtool_values(tmp_path, series: list[dict], exprs: list[str]) -> subprocess.CompletedProcess:
    spec = tmp_path / "mesh.test.yaml"
    tests = [
        {
            "interval": f"{STEP}s",
            "input_series": series,
            "promql_expr_test": [
                {"expr": e, "eval_time": f"{EVAL_STEPS * STEP}s", "exp_samples": [{"labels": "{}", "value": 1}]} for e in exprs
            ],
        }
    ]
    spec.write_text(yaml.safe_dump({"rule_files": [], "evaluation_interval": "15s", "tests": tests}, sort_keys=False))
    return subprocess.run(["promtool", "test", "rules", str(spec)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("scenario", "sidecar", "podinfo", "mesh_fails", "podinfo_fails"),
    [
        # Crash-looping: podinfo answers what reaches it (200), the sidecar answers 503 while it is down.
        ("crash-looping canary", {"200": 0.7, "503": 0.3}, {"200": 0.7}, True, False),
        ("healthy canary", {"200": 1.0}, {"200": 1.0}, False, False),
        ("canary answering 500 itself", {"200": 0.8, "500": 0.2}, {"200": 0.8, "500": 0.2}, True, True),
    ],
)
def test_the_sidecars_server_error_test_sees_what_podinfo_never_counts(
    tmp_path, objs, fixture, scenario, sidecar, podinfo, mesh_fails, podinfo_fails
):
    """promtool evaluates the error-rate template's two server-error tests (from the synthesized
    template) on one scenario: each statistic equals the sequential test's, computed here from the
    counts and the SLO, and each test fails exactly when it should."""
    _, env = fixture
    template = _the(objs, "AnalysisTemplate", "podinfo-error-rate")
    metrics = {m["name"]: m for m in template["spec"]["metrics"]}
    assert list(metrics) == ["server-errors", "server-errors-vs-stable", MESH_SERVER_ERRORS, "canary-restarts"]
    # The background run carries it too (every metric that is never Inconclusive).
    background = _the(objs, "AnalysisTemplate", "podinfo-complete-analysis")
    assert MESH_SERVER_ERRORS in [m["name"] for m in background["spec"]["metrics"]]

    def concrete(q: str) -> str:
        return q.replace("{{args.canary-hash}}", CANARY).replace("{{args.stable-hash}}", STABLE)

    share, factor = env.slo.error_rate_max, env.decision.bad_factor
    bad_share = share * factor
    per_bad = round(math.log(bad_share / share) - math.log((1 - bad_share) / (1 - share)), 6)
    per_request = round(math.log((1 - bad_share) / (1 - share)), 6)
    seconds = EVAL_STEPS * STEP
    threshold = math.log(1 / env.decision.false_abort_max)
    exprs, expected = [], {}
    for name, counts in ((MESH_SERVER_ERRORS, sidecar), ("server-errors", podinfo)):
        n = sum(counts.values()) * seconds
        bad = sum(v for c, v in counts.items() if c.startswith("5")) * seconds
        value = bad * per_bad + n * per_request
        expected[name] = value >= threshold
        query = concrete(metrics[name]["provider"]["prometheus"]["query"])
        exprs.append(f"abs(({query}) - {value!r}) < bool 1e-6")
    assert expected == {MESH_SERVER_ERRORS: mesh_fails, "server-errors": podinfo_fails}, scenario
    result = _promtool_values(tmp_path, _mesh_series(env.namespace, sidecar, podinfo), exprs)
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr
    # The template's own condition says the same as the test above.
    for name in (MESH_SERVER_ERRORS, "server-errors"):
        condition = metrics[name]["successCondition"]
        assert condition.endswith(f"result[0] < {threshold:.4f}"), condition


# --- the controller model: header and mirror routes at run level ------------------------------


def _model_env(objs, tmp_path, *, drop_mirror: bool = False) -> ModelEnvironment:
    folder = tmp_path / ENV
    folder.mkdir(exist_ok=True)
    docs = copy.deepcopy(objs)
    if drop_mirror:
        rollout = next(d for d in docs if d["kind"] == "Rollout")
        canary = rollout["spec"]["strategy"]["canary"]
        canary["steps"] = [s for s in canary["steps"] if "setMirrorRoute" not in s]
        canary["analysis"]["startingStep"] = next(i for i, s in enumerate(canary["steps"]) if "setWeight" in s)
    (folder / "all.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return ModelEnvironment.load(folder)


def _bad_where_the_load_does_not_go(env: ModelEnvironment) -> World:
    """Half of users' requests on paths the load does not exercise, at 20% 5xx there: the load sees
    1%, users 10%."""
    canary = Version(statuses={"200": 0.99, "500": 0.01}, unexercised=(0.5, {"200": 0.8, "500": 0.2}))
    stable = Version(statuses={"200": 0.99, "500": 0.01})
    return World(
        namespace=env.namespace,
        total_rps=30,
        canary=canary,
        stable=stable,
        stable_pods=2,
        stable_history=600,
        scrape_seconds=env.scrape_seconds,
    )


def test_mirrored_users_requests_judge_the_canary_before_any_user_reaches_it(objs, tmp_path):
    """On the controller model: with the mirror route, the verdict sees copies of users' requests
    (their paths, not only the load's) and aborts before the first weight; without it the same
    canary passes the phase and is caught only once users reach it. The copies stop before the
    first weight (the second setMirrorRoute: the healthy run below goes past it)."""
    env = _model_env(objs, tmp_path)
    world = _bad_where_the_load_does_not_go(env)
    outcome, _ = model_rollout(env, world, seed=5)
    assert outcome.result == "aborted" and outcome.first_traffic is None, outcome.reason
    assert outcome.timeline.weights == [(0, 0)]
    # Copies of 20% of users' requests reached the canary from its first available pod on.
    assert [share for _, share in outcome.timeline.mirrored][-1] == 0.2, outcome.timeline.mirrored
    assert any(name in outcome.reason for name in ("server-errors", "unsuccessful")), outcome.reason
    (tmp_path / "without").mkdir()
    unmirrored, _ = model_rollout(_model_env(objs, tmp_path / "without", drop_mirror=True), world, seed=5)
    assert unmirrored.first_traffic is not None and not unmirrored.timeline.mirrored[1:], unmirrored.reason


def test_the_header_route_reaches_a_canary_pod_in_the_phase_on_istio(objs, tmp_path):
    """A healthy canary on the Istio router passes the acceptance test (its requests with the
    header reached a canary pod: the route set after setCanaryScale made a pod available) and is
    promoted; the mirror's copies of a healthy canary's answers fail nothing."""
    env = _model_env(objs, tmp_path)
    healthy = World(namespace=env.namespace, total_rps=30, stable_pods=2, stable_history=600, scrape_seconds=env.scrape_seconds)
    outcome, _ = model_rollout(env, healthy, seed=3, gate_wait=0)
    assert outcome.result == "promoted", outcome.reason
    assert outcome.timeline.generated and [s for _, s in outcome.timeline.mirrored] == [0.0, 0.2, 0.0]
    (off,) = [t for t, s in outcome.timeline.mirrored[1:] if s == 0.0]
    assert off < next(t for t, w in outcome.timeline.weights if w > 0)


def test_the_mesh_namespaces_say_their_pod_security_and_the_gateway_pod_meets_restricted(built):
    """istio-system runs the privileged CNI node agent: labelled `privileged`, whatever the
    cluster's default. The ingress gateway's pod, as the gateway chart (templates/deployment.yaml:
    pod securityContext from values, container securityContext by default) and istiod's gateway
    injection template (uid and gid 1337) make it, meets `restricted`."""
    apps = {o["metadata"]["name"]: o for o in built["fixture"]["argocd"] if o["kind"] == "Application"}
    levels = {
        name: apps[name]["spec"]["syncPolicy"]["managedNamespaceMetadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        for name in ("istio-base", "istiod", "istio-cni", "istio-ingressgateway")
    }
    assert levels == {"istio-base": "privileged", "istiod": "privileged", "istio-cni": "privileged", "istio-ingressgateway": "restricted"}
    values = apps["istio-ingressgateway"]["spec"]["source"]["helm"]["valuesObject"]
    container = {
        "name": "istio-proxy",
        "securityContext": {
            "capabilities": {"drop": ["ALL"]},
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 1337,
            "runAsGroup": 1337,
        },
    }
    pod = {"securityContext": values["securityContext"], "containers": [container]}
    assert restricted_violations(pod) == []
    # The chart's default pod securityContext alone (the sysctl, no seccomp profile) would not.
    assert restricted_violations({"securityContext": {"sysctls": values["securityContext"]["sysctls"]}, "containers": [container]}) == [
        "istio-proxy: seccompProfile None"
    ]
