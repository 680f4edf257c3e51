"""SecurityPolicies (podinfo_canary/charts/environment/security.py): the NetworkPolicies of every environment, proven
by evaluating them (tests/netpol.py) on pods built from the synthesized Rollout, and caught when
deliberately broken."""

from __future__ import annotations

import copy

import cdk8s
import pytest
import yaml

from podinfo_canary.charts.environment.chart import NGINX_CONTROLLER_LABELS
from podinfo_canary.charts.environment.preexposure import ACCEPTANCE_TEMPLATE, LOAD_TEMPLATE
from podinfo_canary.charts.environment.security import ACME_SOLVER_LABELS, ACME_SOLVER_PORT, SecurityPolicies
from podinfo_canary.config import ClusterDns
from podinfo_canary.core import tester
from podinfo_canary.core.access import ACTION_REQUESTS
from tests.conftest import find, one, rollout_pod_labels
from tests.netpol import External, Pod, allowed

INTERNET = External("93.184.216.34")


def _podinfo_pods(rollout: dict) -> dict[str, Pod]:
    """A stable and a canary pod as the Rollouts controller runs them: template labels, the hash,
    the track from canaryMetadata/stableMetadata, the container's named ports."""
    (container,) = rollout["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: (p["containerPort"], p.get("protocol", "TCP")) for p in container["ports"]}
    pods = {}
    for number, (track, pod_hash) in enumerate((("stable", "5d4c7b8a9"), ("canary", "7c9f8d6b5")), start=1):
        labels = rollout_pod_labels(rollout, track, pod_hash)
        pods[track] = Pod(rollout["metadata"]["namespace"], labels, ports, name=track, ip=f"10.0.1.{number}")
    return pods


def _tester_labels(objects, env) -> dict[str, str]:
    """The pre-exposure tester's pod labels as dist/ gives its Job (the load's), or, without the
    phase, those a tester pod would carry: default deny must then leave it no way out."""
    found = [t for t in find(objects, "AnalysisTemplate", LOAD_TEMPLATE, folder=env.name)]
    if not found:
        return {"app.kubernetes.io/name": tester.TESTER_NAME, tester.MODE_LABEL: tester.LOAD}
    (metric,) = found[0]["spec"]["metrics"]
    return metric["provider"]["job"]["spec"]["template"]["metadata"]["labels"]


def _world(config, env, rollout: dict, objects=None) -> dict[str, Pod]:
    charts = config.platform.charts
    dns = config.platform.cluster_dns
    pods = _podinfo_pods(rollout)
    testers = {"tester": Pod(env.namespace, _tester_labels(objects, env), name="tester", ip="10.0.1.7")} if objects is not None else {}
    other_env = next(e for e in config.environments if e.name != env.name)
    return (
        pods
        | testers
        | {
            # The controller's pods as the chart labels them, and another pod of that namespace.
            "ingress-nginx": Pod(
                charts.ingress_nginx.namespace,
                NGINX_CONTROLLER_LABELS | {"app.kubernetes.io/instance": charts.ingress_nginx.release},
                name="ingress-nginx",
                ip="10.0.2.1",
            ),
            "ingress-nginx-other": Pod(
                charts.ingress_nginx.namespace,
                {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "admission-webhook"},
                name="ingress-nginx-other",
                ip="10.0.2.2",
            ),
            "prometheus": Pod(
                charts.kube_prometheus_stack.namespace, {"app.kubernetes.io/name": "prometheus"}, name="prometheus", ip="10.0.3.1"
            ),
            "default": Pod("default", {"app": "curl"}, {"http": (80, "TCP")}, name="default", ip="10.0.4.1"),
            "other-env": Pod(other_env.namespace, pods["stable"].labels, pods["stable"].ports, name="other-env", ip="10.0.5.1"),
            "kube-dns": Pod(
                dns.namespace, dict(dns.pod_labels), {"dns": (53, "UDP"), "dns-tcp": (53, "TCP")}, name="kube-dns", ip="10.0.6.1"
            ),
            "kube-system-other": Pod(
                dns.namespace, {"k8s-app": "metrics-server"}, {"https": (443, "TCP")}, name="kube-system-other", ip="10.0.6.2"
            ),
            # Any other pod someone starts in the namespace (a debug shell, a job): default deny covers it.
            "stray": Pod(env.namespace, {"app": "debug"}, {"http": (8080, "TCP")}, name="stray", ip="10.0.1.9"),
            # cert-manager's HTTP-01 solver for the environment's Certificate (pkg/issuer/acme/http/pod.go).
            "acme-solver": Pod(
                env.namespace,
                {**ACME_SOLVER_LABELS, "acme.cert-manager.io/http-domain": "1"},
                {"http": (ACME_SOLVER_PORT, "TCP")},
                name="acme-solver",
                ip="10.0.1.8",
            ),
        }
    )


# (source, destination, port, protocol, allowed?)
CASES = [
    ("ingress-nginx", "stable", 9898, "TCP", True),
    ("ingress-nginx", "canary", 9898, "TCP", True),
    ("prometheus", "stable", 9797, "TCP", True),
    ("prometheus", "canary", 9797, "TCP", True),
    ("prometheus", "stable", 9898, "TCP", False),
    ("ingress-nginx", "stable", 9797, "TCP", False),
    ("default", "stable", 9898, "TCP", False),
    ("default", "canary", 9797, "TCP", False),
    ("other-env", "stable", 9898, "TCP", False),
    ("canary", "stable", 9898, "TCP", False),
    ("stable", "canary", 9898, "TCP", False),
    ("stable", "kube-dns", 53, "UDP", True),
    ("stable", "kube-dns", 53, "TCP", True),
    ("canary", "kube-dns", 53, "UDP", True),
    ("stable", "kube-dns", 443, "TCP", False),
    ("stable", "kube-system-other", 53, "UDP", False),
    ("stable", "internet", 443, "TCP", False),
    ("canary", "internet", 53, "UDP", False),
    ("stable", "default", 80, "TCP", False),
    ("default", "stray", 8080, "TCP", False),
    ("stray", "stable", 9898, "TCP", False),
    ("stray", "internet", 443, "TCP", False),
    ("internet", "stable", 9898, "TCP", False),
    ("internet", "canary", 9898, "TCP", False),
    ("ingress-nginx", "acme-solver", 8089, "TCP", True),
    ("default", "acme-solver", 8089, "TCP", False),
    ("stable", "default", 53, "UDP", False),
    # The pre-exposure tester reaches the canary only the way a user does: through the router's
    # HTTPS port (PHASE: allowed exactly where the phase is on); nothing else, podinfo not directly.
    ("tester", "ingress-nginx", 443, "TCP", "PHASE"),
    ("tester", "ingress-nginx", 80, "TCP", False),
    ("tester", "ingress-nginx-other", 443, "TCP", False),
    ("tester", "ingress-nginx", 10254, "TCP", False),
    ("tester", "canary", 9898, "TCP", False),
    ("tester", "stable", 9898, "TCP", False),
    ("tester", "canary", 9797, "TCP", False),
    ("tester", "prometheus", 9090, "TCP", False),
    ("tester", "internet", 443, "TCP", False),
    ("tester", "kube-dns", 53, "UDP", True),
    ("stray", "ingress-nginx", 443, "TCP", False),
    ("canary", "ingress-nginx", 443, "TCP", False),
]


def wrong_cases(policies: list[dict], world: dict, phase: bool = False) -> list[str]:
    world = world | {"internet": INTERNET}
    wrong = []
    for source, destination, port, protocol, expected in CASES:
        if source not in world or destination not in world:
            continue
        expected = phase if expected == "PHASE" else expected
        if allowed(policies, world[source], world[destination], port, protocol) != expected:
            wrong.append(f"{source} -> {destination} {port}/{protocol}: expected {'allowed' if expected else 'denied'}")
    return wrong


def _policies(objects, env: str) -> list[dict]:
    return find(objects, "NetworkPolicy", folder=env)


def test_every_environment_allows_exactly_the_table(objects, config):
    for env in config.environments:
        rollout = one(objects, "Rollout", "podinfo", env.name)
        policies = _policies(objects, env.name)
        names = ["acme-http01-solver", "allow-dns", "default-deny", "podinfo-metrics", "podinfo-traffic"]
        names += ["pre-exposure-tester"] if env.pre_exposure.enabled else []
        assert sorted(p["metadata"]["name"] for p in policies) == sorted(names)
        world = _world(config, env, rollout, objects)
        assert wrong_cases(policies, world, env.pre_exposure.enabled) == [], env.name


def test_the_canary_path_prefix_needs_no_policy_of_its_own(objects, config):
    """The prefix's route (routing.canary_path_prefix) adds a path, not a backend: its Service is
    the canary Service, which selects canary or stable pods, whichever the controller points it
    at; the router reaches both on the Service's target port under `podinfo-traffic` as it is."""
    envs = [e for e in config.environments if e.routing.canary_path_prefix]
    assert envs, "no environment in config/ has a canary path prefix"
    for env in envs:
        rollout = one(objects, "Rollout", "podinfo", env.name)
        ingress = one(objects, "Ingress", "podinfo-canary-path", env.name)
        (name,) = {p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
        assert name == rollout["spec"]["strategy"]["canary"]["canaryService"]
        service = one(objects, "Service", name, env.name)
        world, policies = _world(config, env, rollout, objects), _policies(objects, env.name)
        for track in ("canary", "stable"):
            pod = world[track]
            assert service["spec"]["selector"].items() <= pod.labels.items(), track
            for port in service["spec"]["ports"]:
                number, protocol = pod.ports[port["targetPort"]]
                assert allowed(policies, world["ingress-nginx"], pod, number, protocol), (env.name, track)


def _drop_default_deny(policies):
    return [p for p in policies if p["metadata"]["name"] != "default-deny"]


def _split_dns_peer(policies):
    for p in policies:
        if p["metadata"]["name"] == "allow-dns":
            (peer,) = p["spec"]["egress"][0]["to"]
            p["spec"]["egress"][0]["to"] = [{"namespaceSelector": peer["namespaceSelector"]}, {"podSelector": peer["podSelector"]}]
    return policies


def _any_port_for_traffic(policies):
    for p in policies:
        if p["metadata"]["name"] == "podinfo-traffic":
            del p["spec"]["ingress"][0]["ports"]
    return policies


def _traffic_from_every_namespace(policies):
    for p in policies:
        if p["metadata"]["name"] == "podinfo-traffic":
            p["spec"]["ingress"][0]["from"] = [{"namespaceSelector": {}}]
    return policies


def _dns_to_every_address(policies):
    for p in policies:
        if p["metadata"]["name"] == "allow-dns":
            p["spec"]["egress"][0]["to"] = [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
    return policies


def _dns_rule_to_anywhere(policies):
    for p in policies:
        if p["metadata"]["name"] == "allow-dns":
            del p["spec"]["egress"][0]["to"]
    return policies


def _tester_to_anywhere(policies):
    for p in policies:
        if p["metadata"]["name"] == "pre-exposure-tester":
            del p["spec"]["egress"][0]["to"]
    return policies


def _tester_to_the_namespace(policies):
    for p in policies:
        if p["metadata"]["name"] == "pre-exposure-tester":
            del p["spec"]["egress"][0]["to"][0]["podSelector"]
    return policies


def _tester_any_port(policies):
    for p in policies:
        if p["metadata"]["name"] == "pre-exposure-tester":
            del p["spec"]["egress"][0]["ports"]
    return policies


BREAKAGES = {
    "tester egress to any destination": (_tester_to_anywhere, "tester -> internet 443/TCP: expected denied"),
    "tester egress on any port": (_tester_any_port, "tester -> ingress-nginx 80/TCP: expected denied"),
    "tester egress to every pod of the router's namespace": (
        _tester_to_the_namespace,
        "tester -> ingress-nginx-other 443/TCP: expected denied",
    ),
    "no default deny": (_drop_default_deny, "default -> stray 8080/TCP: expected denied"),
    "DNS peer split in two (OR instead of AND)": (_split_dns_peer, "stable -> kube-system-other 53/UDP: expected denied"),
    "traffic rule without ports": (_any_port_for_traffic, "ingress-nginx -> stable 9797/TCP: expected denied"),
    "traffic from every namespace": (_traffic_from_every_namespace, "default -> stable 9898/TCP: expected denied"),
    "DNS port open to any destination": (_dns_rule_to_anywhere, "canary -> internet 53/UDP: expected denied"),
    "DNS to every address (ipBlock 0.0.0.0/0)": (_dns_to_every_address, "stable -> default 53/UDP: expected denied"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_broken_policy_fails_the_table(breakage, objects, config):
    env = next(e for e in config.environments if e.pre_exposure.enabled)
    breaker, expected = BREAKAGES[breakage]
    policies = breaker(copy.deepcopy(_policies(objects, env.name)))
    world = _world(config, env, one(objects, "Rollout", "podinfo", env.name), objects)
    assert expected in wrong_cases(policies, world, True)


def test_a_gateway_environment_admits_the_gateways_namespace_not_nginx(objects, config):
    """traffic_router gatewayapi: the Gateway's namespace replaces ingress-nginx's."""
    env = config.environments[-1]
    chart = cdk8s.Chart(cdk8s.App(), "gw")
    SecurityPolicies(
        chart,
        "security",
        namespace=env.namespace,
        pod_labels={"app.kubernetes.io/name": "podinfo"},
        http_port="http",
        metrics_port="http-metrics",
        traffic_namespaces=["gateway-system"],
        prometheus_namespace=config.platform.charts.kube_prometheus_stack.namespace,
        cluster_dns=ClusterDns(),
    )
    policies = chart.to_json()
    world = _world(config, env, one(objects, "Rollout", "podinfo", env.name))
    gateway = Pod("gateway-system", {"app": "envoy"})
    assert allowed(policies, gateway, world["stable"], 9898) and allowed(policies, gateway, world["canary"], 9898)
    assert not allowed(policies, world["ingress-nginx"], world["stable"], 9898)


def test_a_gateways_data_plane_addresses_reach_podinfo_on_its_http_port_only(configs):
    """gateway.data_plane_cidrs (the fixture's canary-gw: 172.20.0.0/16 and fd00:20::/64): ipBlock
    peers of podinfo-traffic beside the Gateway's namespace, for a data plane that is no pod there
    (a managed load balancer's proxies); without the field those addresses are denied."""
    from tests.behaviour import _env, env_objects

    env, platform = _env(configs, "canary-gw")
    assert env.gateway.data_plane_cidrs == ["172.20.0.0/16", "fd00:20::/64"]

    def world(objs):
        policies = [o for o in objs if o["kind"] == "NetworkPolicy"]
        return policies, _podinfo_pods(next(o for o in objs if o["kind"] == "Rollout"))

    policies, pods = world(env_objects(env, platform))
    envoy = Pod(env.gateway.namespace, {"app.kubernetes.io/name": "envoy"}, name="envoy", ip="10.0.7.1")
    proxy, proxy6, beside = External("172.20.8.9", "proxy"), External("fd00:20::7", "proxy6"), External("172.21.0.1", "beside")
    for track in ("stable", "canary"):
        assert allowed(policies, envoy, pods[track], 9898)
        assert allowed(policies, proxy, pods[track], 9898) and allowed(policies, proxy6, pods[track], 9898)
        assert not allowed(policies, proxy, pods[track], 9797)  # not the metrics port
        assert not allowed(policies, beside, pods[track], 9898) and not allowed(policies, INTERNET, pods[track], 9898)
    # The field is what admits them: the same environment without it denies the proxies.
    plain = env.model_copy(update={"gateway": env.gateway.model_copy(update={"data_plane_cidrs": []})})
    policies, pods = world(env_objects(plain, platform))
    assert allowed(policies, envoy, pods["stable"], 9898) and not allowed(policies, proxy, pods["stable"], 9898)


def test_podinfo_pods_get_no_api_token(objects, config):
    for env in config.environments:
        account = one(objects, "ServiceAccount", "podinfo", env.name)
        pod = one(objects, "Rollout", "podinfo", env.name)["spec"]["template"]["spec"]
        assert account.get("automountServiceAccountToken") is False and pod["automountServiceAccountToken"] is False
        assert pod["serviceAccountName"] == "podinfo"
        bindings = [
            b
            for b in find(objects, "RoleBinding") + find(objects, "ClusterRoleBinding")
            for s in b.get("subjects", [])
            if s["kind"] == "ServiceAccount" and s["name"] == "podinfo"
        ]
        assert bindings == []


def test_evaluator_semantics():
    """The evaluator itself, on the rules its docstring states."""
    web = Pod("a", {"app": "web"}, {"http": (8080, "TCP")})
    client_b = Pod("b", {"app": "client"})
    other_b = Pod("b", {"app": "other"})
    client_a = Pod("a", {"app": "client"})

    def policy(spec, ns="a"):
        return {"metadata": {"namespace": ns, "name": "p"}, "spec": spec}

    anded = policy(
        {
            "podSelector": {},
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "b"}},
                            "podSelector": {"matchLabels": {"app": "client"}},
                        }
                    ]
                }
            ],
        }
    )
    assert allowed([anded], client_b, web, 8080) and not allowed([anded], other_b, web, 8080) and not allowed([anded], client_a, web, 8080)
    ored = policy(
        {
            "podSelector": {},
            "ingress": [
                {
                    "from": [
                        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "b"}}},
                        {"podSelector": {"matchLabels": {"app": "client"}}},
                    ]
                }
            ],
        }
    )
    assert allowed([ored], other_b, web, 8080) and allowed([ored], client_a, web, 8080)
    named = policy({"podSelector": {}, "ingress": [{"ports": [{"port": "http"}]}]})
    assert allowed([named], client_b, web, 8080) and not allowed([named], client_b, web, 9090)
    assert not allowed([named], client_b, web, 8080, "UDP")
    no_egress_rules = policy({"podSelector": {}, "egress": []}, ns="b")  # policyTypes left out: Ingress only
    assert allowed([no_egress_rules], client_b, web, 8080) and not allowed([no_egress_rules], client_a, client_b, 1)
    egress_rules = policy({"podSelector": {}, "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}, ns="b")
    assert not allowed([egress_rules], client_b, web, 8080) and allowed([egress_rules], client_b, web, 53, "UDP")
    unselected = policy({"podSelector": {"matchLabels": {"app": "nothing"}}, "policyTypes": ["Ingress"]})
    assert allowed([unselected], client_b, web, 8080)
    blocks = policy(
        {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}]}
    )
    assert allowed([blocks], web, External("10.2.3.4"), 443) and not allowed([blocks], web, External("10.1.2.3"), 443)
    assert not allowed([blocks], web, External("8.8.8.8"), 53, "UDP")


# --- RBAC -----------------------------------------------------------------------------------


def _resource_matches(resources: list[str], resource: str) -> bool:
    """RBAC's `ResourceMatches`: `*`, the exact `resource[/subresource]`, or `*/subresource`."""
    subresource = resource.partition("/")[2]
    return "*" in resources or resource in resources or bool(subresource and f"*/{subresource}" in resources)


def _groups(kind: str, name: str, namespace: str | None) -> set[str]:
    """The groups the API server gives a request's user: its own, and the implicit ones."""
    if kind == "ServiceAccount":
        return {"system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"}
    return {name, "system:authenticated"} if kind == "Group" else {"system:authenticated"}


def can(objects, subject: tuple[str, str, str | None], verb: str, api_group: str, resource: str, namespace: str) -> bool:
    """Kubernetes' RBAC authorizer on our objects as data: a request is allowed when a
    ClusterRoleBinding, or a RoleBinding in the request's namespace, binds the user (a group with
    `system:authenticated`, or a ServiceAccount with `system:serviceaccounts[:<namespace>]`) to a
    role with a rule matching its API group, resource (`pods/log`, `*/log`, `*`) and verb
    (kubernetes pkg/apis/rbac/v1/evaluation_helpers.go `VerbMatches`, `APIGroupMatches`,
    `ResourceMatches`; pkg/registry/rbac/validation/rule.go `VisitRulesFor`, `appliesTo`).
    Subject: (kind, name, namespace of a ServiceAccount)."""
    kind, name, subject_ns = subject
    groups = _groups(kind, name, subject_ns)

    def binds(s: dict) -> bool:
        if s["kind"] == "Group":
            return s["name"] in groups
        return s["kind"] == kind and s["name"] == name and (kind != "ServiceAccount" or s.get("namespace") == subject_ns)

    roles = {
        (r["kind"], r["metadata"].get("namespace"), r["metadata"]["name"]): r.get("rules") or []
        for r in find(objects, "ClusterRole") + find(objects, "Role")
    }
    bindings = find(objects, "ClusterRoleBinding") + [b for b in find(objects, "RoleBinding") if b["metadata"]["namespace"] == namespace]
    for binding in bindings:
        if not any(binds(s) for s in binding.get("subjects") or []):
            continue
        ref = binding["roleRef"]
        rules = roles.get((ref["kind"], None if ref["kind"] == "ClusterRole" else binding["metadata"]["namespace"], ref["name"]), [])
        for rule in rules:
            groups_ok = "*" in rule.get("apiGroups", []) or api_group in rule.get("apiGroups", [])
            verbs_ok = "*" in rule["verbs"] or verb in rule["verbs"]
            if groups_ok and verbs_ok and _resource_matches(rule.get("resources", []), resource):
                return True
    return False


ARGO = "argoproj.io"
# (verb, API group, resource, viewer may?, operator may?)
PERMISSIONS = [
    ("get", ARGO, "rollouts", True, True),
    ("watch", ARGO, "rollouts", True, True),
    ("list", ARGO, "analysisruns", True, True),
    ("get", ARGO, "analysistemplates", True, True),
    ("list", ARGO, "experiments", True, True),
    ("list", "apps", "replicasets", True, True),
    ("get", "", "pods", True, True),
    ("get", "", "pods/log", True, True),
    ("list", "", "events", True, True),
    ("patch", ARGO, "rollouts", False, True),
    ("patch", ARGO, "rollouts/status", False, True),
    ("update", ARGO, "rollouts", False, False),
    ("delete", ARGO, "rollouts", False, False),
    ("create", ARGO, "rollouts", False, False),
    ("patch", ARGO, "analysistemplates", False, False),
    ("delete", ARGO, "analysisruns", False, False),
    ("delete", "", "pods", False, False),
    ("create", "", "pods/exec", False, False),
    ("get", "", "secrets", False, False),
    ("list", "", "secrets", False, False),
    ("patch", "", "services", False, False),
]


def rbac_problems(objects, config) -> list[str]:
    rbac = config.platform.argocd.rbac
    problems = []
    for env in config.environments:
        for groups, column in ((rbac.viewer_groups, 3), (rbac.deployer_groups, 4)):
            for group in groups:
                for row in PERMISSIONS:
                    verb, api_group, resource, expected = *row[:3], row[column]
                    if can(objects, ("Group", group, None), verb, api_group, resource, env.namespace) != expected:
                        problems.append(f"{group} {'may not' if expected else 'may'} {verb} {resource} in {env.namespace}")
        nobody = [
            ("Group", "someone-else", None),
            ("ServiceAccount", "podinfo", env.namespace),
            ("ServiceAccount", "default", env.namespace),
        ]
        for subject in nobody:
            for verb, api_group, resource, *_ in PERMISSIONS:
                if can(objects, subject, verb, api_group, resource, env.namespace):
                    problems.append(f"{subject[1]} may {verb} {resource} in {env.namespace}")
    for group in rbac.deployer_groups:
        if can(objects, ("Group", group, None), "patch", ARGO, "rollouts", "default"):
            problems.append(f"{group} may patch rollouts outside the environments")
    for role in find(objects, "ClusterRole") + find(objects, "Role"):
        for rule in role.get("rules") or []:
            if any("*" in value for value in rule.get("apiGroups", []) + rule.get("resources", []) + rule["verbs"]):
                problems.append(f"{role['kind']} {role['metadata']['name']} has a wildcard: {rule}")
    return problems


def test_rollout_roles_grant_exactly_the_table(objects, config):
    rbac = config.platform.argocd.rbac
    assert rbac.viewer_groups and rbac.deployer_groups, "the table needs both kinds of group in config/"
    assert rbac_problems(objects, config) == []


def _operator_everything(objects):
    for _, obj in objects:
        if obj["kind"] == "ClusterRole" and obj["metadata"]["name"] == "rollout-operator":
            obj["rules"][-1]["verbs"] = ["*"]
    return objects


def _viewers_operate(objects):
    for _, obj in objects:
        if obj["kind"] == "RoleBinding" and obj["metadata"]["name"] == "rollout-viewer":
            obj["roleRef"]["name"] = "rollout-operator"
    return objects


def _viewers_everyone(objects):
    for _, obj in objects:
        if obj["kind"] == "RoleBinding" and obj["metadata"]["name"] == "rollout-viewer":
            obj["subjects"].append({"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"})
    return objects


def _secrets_readable(objects):
    for _, obj in objects:
        if obj["kind"] == "ClusterRole" and obj["metadata"]["name"] == "rollout-viewer":
            obj["rules"][2]["resources"].append("secrets")
    return objects


@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        (_operator_everything, "may delete rollouts"),
        (_viewers_operate, " may patch rollouts in "),
        (_secrets_readable, "may get secrets"),
        (_viewers_everyone, "someone-else may get rollouts"),
    ],
)
def test_a_broken_role_is_caught(breaker, expected, objects, config):
    problems = rbac_problems(breaker(copy.deepcopy(objects)), config)
    assert any(expected in p for p in problems), problems


def test_argo_cd_and_kubernetes_give_the_same_groups_the_same_rollout_actions(objects, config):
    """argocd-rbac-cm's deployers are the rollout-operator subjects of every environment, and each
    Rollout action Argo CD lets them run is a set of requests the operator role allows and the
    viewer role refuses (security.ACTION_REQUESTS)."""
    app = one(objects, "Application", "argocd")
    patches = [yaml.safe_load(p["patch"]) for p in app["spec"]["source"]["kustomize"]["patches"]]
    policy = next(p for p in patches if p["metadata"]["name"] == "argocd-rbac-cm")["data"]["policy.csv"].splitlines()
    deployers = {line.split(", ")[1] for line in policy if line.startswith("g, ") and line.endswith(", role:deployer")}
    actions = {line.split(", ")[3].rpartition("/")[2] for line in policy if "action/argoproj.io/Rollout/" in line}
    assert actions == set(ACTION_REQUESTS)
    rbac = config.platform.argocd.rbac
    for env in config.environments:
        binding = one(objects, "RoleBinding", "rollout-operator", env.name)
        assert {s["name"] for s in binding["subjects"]} == deployers == set(rbac.deployer_groups)
        for action, requests in ACTION_REQUESTS.items():
            for verb, resource in requests:
                assert all(can(objects, ("Group", g, None), verb, ARGO, resource, env.namespace) for g in deployers), (
                    action,
                    verb,
                    resource,
                )
                if verb != "get":
                    assert not any(can(objects, ("Group", g, None), verb, ARGO, resource, env.namespace) for g in rbac.viewer_groups)


# --- Supply chain ------------------------------------------------------------------------------


def test_a_digest_pins_the_image_and_require_digest_refuses_a_tag_alone(config):
    from podinfo_canary.charts.environment.chart import PodinfoEnvironment

    env = config.environments[-1]
    digest = "sha256:" + "0123456789abcdef" * 4
    pinned = env.model_copy(update={"image": env.image.model_copy(update={"digest": digest}), "require_digest": True})
    objects = PodinfoEnvironment(cdk8s.App(), env.name, environment=pinned, platform=config.platform).to_json()
    (rollout,) = [o for o in objects if o["kind"] == "Rollout"]
    (container,) = rollout["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"{env.image.repository}:{env.image.tag}@{digest}"
    data = pinned.model_dump(exclude={"name"}, by_alias=True)
    data["image"].pop("digest")
    with pytest.raises(ValueError, match="require_digest"):
        type(env).model_validate({**data, "name": env.name})


def test_the_pre_exposure_tester_has_no_api_access(objects, config):
    """The tester's pods run as a ServiceAccount that no (Cluster)RoleBinding names and that gets
    no token: with the NetworkPolicy table above, the router's port is all they can reach."""
    phased = [e for e in config.environments if e.pre_exposure.enabled]
    assert phased, "no environment in config/ runs the pre-exposure phase"
    for env in phased:
        account = one(objects, "ServiceAccount", tester.TESTER_NAME, env.name)
        assert account["automountServiceAccountToken"] is False, env.name
        subject = ("ServiceAccount", tester.TESTER_NAME, env.namespace)
        for verb, group, resource in (
            ("get", "", "pods"),
            ("list", "", "secrets"),
            ("create", "batch", "jobs"),
            ("patch", "argoproj.io", "rollouts"),
            ("get", "argoproj.io", "analysisruns"),
        ):
            assert not can(objects, subject, verb, group, resource, env.namespace), (env.name, verb, resource)
        for template in (ACCEPTANCE_TEMPLATE, LOAD_TEMPLATE):
            (metric,) = one(objects, "AnalysisTemplate", template, env.name)["spec"]["metrics"]
            pod = metric["provider"]["job"]["spec"]["template"]["spec"]
            assert (pod["serviceAccountName"], pod["automountServiceAccountToken"]) == (tester.TESTER_NAME, False), env.name
            (container,) = pod["containers"]
            assert "@sha256:" in container["image"], env.name
            sc = container["securityContext"]
            assert (sc["runAsNonRoot"], sc["allowPrivilegeEscalation"], sc["readOnlyRootFilesystem"]) == (True, False, True)
            assert sc["capabilities"]["drop"] == ["ALL"] and sc["seccompProfile"]["type"] == "RuntimeDefault"
