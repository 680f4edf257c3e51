"""Security of the environments, in one place: SecurityPolicies, RolloutRoles, and what the other constructs take from here.

SecurityPolicies holds the NetworkPolicies and rollout RoleBindings of one namespace: `default-deny`,
then `allow-dns`, `podinfo-traffic` (from the traffic router's namespace, and the Gateway data
plane's addresses when configured), `podinfo-metrics` (from
Prometheus'), with a Certificate `acme-http01-solver`, and with a pre-exposure phase
`pre-exposure-tester` (the tester's egress to the router). RolloutRoles holds the ClusterRoles
`rollout-viewer` and `rollout-operator` (rules in core/access.py), one copy in the Argo CD chart
for every environment, bound per namespace to the groups of `argocd.rbac`. The other constructs
take the Pod Security labels of the namespace (chart.py), podinfo's pod and container
security contexts (rollout.py) and the checkov skips on the Rollout from here.

docs/security.md "Security", "Network policies" and "Who may do what".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdk8s_plus_27 import k8s
from constructs import Construct

from imports.rollouts.io import argoproj as ro
from podinfo_canary.config import ClusterDns, Environment, RouterAddress
from podinfo_canary.core import waves
from podinfo_canary.core.access import OPERATOR_ROLE, OPERATOR_RULES, VIEWER_ROLE, VIEWER_RULES

# podinfo's image runs as its user `app` (uid 100, group 101: its Dockerfile's `adduser -S`);
# that name is not numeric, and runAsNonRoot needs numeric ids to be checked.
POD_USER, POD_GROUP = 100, 101


def pod_security_context(cls=ro.RolloutSpecTemplateSpecSecurityContext, seccomp=ro.RolloutSpecTemplateSpecSecurityContextSeccompProfile):
    """A pod (podinfo's, or the pre-exposure tester's: podinfo's image too): non-root with the image's
    ids, the runtime's seccomp profile (`restricted`). `cls` and `seccomp`: the generated classes of
    the object the pod template is in (the Rollout's by default)."""
    return cls(
        run_as_non_root=True,
        run_as_user=POD_USER,
        run_as_group=POD_GROUP,
        fs_group=POD_GROUP,
        seccomp_profile=seccomp(type="RuntimeDefault"),
    )


def container_security_context(
    cls=ro.RolloutSpecTemplateSpecContainersSecurityContext,
    capabilities=ro.RolloutSpecTemplateSpecContainersSecurityContextCapabilities,
    seccomp=ro.RolloutSpecTemplateSpecContainersSecurityContextSeccompProfile,
):
    """A container: no privilege, no escalation, no capability, a read-only root (the generated
    classes as in `pod_security_context`)."""
    return cls(
        allow_privilege_escalation=False,
        privileged=False,
        read_only_root_filesystem=True,
        run_as_non_root=True,
        run_as_user=POD_USER,
        run_as_group=POD_GROUP,
        capabilities=capabilities(drop=["ALL"]),
        seccomp_profile=seccomp(type="RuntimeDefault"),
    )


def pod_security(level: str) -> dict[str, str]:
    """The Pod Security Admission labels of a namespace at one level (enforced, audited, warned)."""
    return {f"pod-security.kubernetes.io/{mode}": level for mode in ("enforce", "audit", "warn")}


def host_certificate(scope: Construct, id: str, *, name: str, namespace: str, secret: str, hosts: Sequence[str], issuer: str):
    """The cert-manager Certificate of an environment's hosts (every router's): from the
    ClusterIssuer, an ECDSA P-256 key rotated at each renewal, written to `secret`."""
    from imports.certmanager.io import cert_manager as cm

    return cm.Certificate(
        scope,
        id,
        metadata={"name": name, "namespace": namespace},
        spec=cm.CertificateSpec(
            secret_name=secret,
            dns_names=list(hosts),
            issuer_ref=cm.CertificateSpecIssuerRef(kind="ClusterIssuer", name=issuer, group="cert-manager.io"),
            private_key=cm.CertificateSpecPrivateKey(
                algorithm=cm.CertificateSpecPrivateKeyAlgorithm.ECDSA,
                size=256,
                rotation_policy=cm.CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
            ),
        ),
    )


# Pod Security Standards: every pod in an environment namespace must meet `restricted`.
POD_SECURITY = pod_security("restricted")
# Set by the API server on every namespace to its name, and nobody can change it (Kubernetes 1.21+,
# NamespaceDefaultLabelName).
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
DNS_PORT = 53  # over UDP, and TCP for answers too large for UDP
# cert-manager starts its HTTP-01 solver pods in the Certificate's namespace with this label and
# port (upstream: cert-manager v1.21.1 pkg/issuer/acme/http/pod.go podLabels, http.go
# acmeSolverListenPort); ingress-nginx routes the ACME server's request and cert-manager's
# self-check to them.
ACME_SOLVER_LABELS = {"acme.cert-manager.io/http01-solver": "true"}
ACME_SOLVER_PORT = 8089


@dataclass(frozen=True)
class MeshPeers:
    """What podinfo's sidecars must reach, and be reached on, in an Istio environment.

    istiod_namespace: where istiod runs; its pods carry `istiod_labels` and serve xDS and
        certificates on `istiod_port`.
    envoy_metrics_port: the sidecar's metrics port, which Prometheus scrapes.
    """

    istiod_namespace: str
    istiod_labels: dict[str, str]
    istiod_port: int
    envoy_metrics_port: int


@dataclass(frozen=True)
class ScannerSkip:
    """A checkov check the Rollout does not meet, on purpose: its id, title and why."""

    check: str
    title: str
    reason: str


def scanner_skips(environment: Environment) -> list[ScannerSkip]:
    """The checkov checks podinfo's Rollout skips, as `checkov.io/skip<N>` annotations.

    Every other check of checkov's Kubernetes framework must pass. docs/security.md "Scanner and image pinning"."""
    skips = [
        ScannerSkip(
            "CKV_K8S_15",
            "Image Pull Policy should be Always",
            "IfNotPresent on purpose: tags never move by policy ('latest' is refused) and image.digest pins one when set; "
            "Always adds a registry round trip to every pod start and lets a registry outage block scaling",
        ),
        ScannerSkip(
            "CKV_K8S_40",
            "Containers should run as a high UID to avoid host conflict",
            "podinfo's image is built to run as its user app (uid 100: its Dockerfile's adduser and USER app); a uid of "
            "10000 or more has not been tried against the image here. runAsNonRoot and Pod Security restricted hold",
        ),
    ]
    if environment.image.digest is None:
        skips.append(
            ScannerSkip(
                "CKV_K8S_43",
                "Image should use digest",
                "no digest has been verified for this tag: set image.digest (and require_digest) in the environment file to pin it",
            )
        )
    return skips


def skip_annotations(skips: Sequence[ScannerSkip]) -> dict[str, str]:
    """The skips as annotations `checkov.io/skip<N>: <check>=<reason>`; a reason may hold no `=`.

    checkov reads them from metadata.annotations and splits the value at `=` (upstream: checkov
    3.3.30 checkov/kubernetes/kubernetes_utils.py get_skipped_checks)."""
    for skip in skips:
        if "=" in skip.reason:
            raise ValueError(f"a checkov skip reason cannot contain '=': {skip.reason!r}")
    return {f"checkov.io/skip{number}": f"{skip.check}={skip.reason}" for number, skip in enumerate(skips, start=1)}


def _namespaces(names: Sequence[str]) -> k8s.LabelSelector:
    names = sorted(set(names))
    if len(names) == 1:
        return k8s.LabelSelector(match_labels={NAMESPACE_NAME_LABEL: names[0]})
    return k8s.LabelSelector(match_expressions=[k8s.LabelSelectorRequirement(key=NAMESPACE_NAME_LABEL, operator="In", values=names)])


def _rules(rules) -> list[k8s.PolicyRule]:
    return [k8s.PolicyRule(api_groups=[group], resources=list(resources), verbs=list(verbs)) for group, resources, verbs in rules]


class RolloutRoles(Construct):
    """ClusterRoles `rollout-viewer` and `rollout-operator`, bound per namespace by SecurityPolicies."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        for name, rules in ((VIEWER_ROLE, VIEWER_RULES), (OPERATOR_ROLE, VIEWER_RULES + OPERATOR_RULES)):
            k8s.KubeClusterRole(self, name, metadata=k8s.ObjectMeta(name=name), rules=_rules(rules))


class SecurityPolicies(Construct):
    """The NetworkPolicies and rollout RoleBindings of one environment namespace.

    Args:
        namespace: the environment namespace.
        pod_labels: the labels that select podinfo's pods, stable and canary.
        http_port: the name of podinfo's HTTP container port, which the traffic router reaches.
        metrics_port: the name of podinfo's metrics container port, which Prometheus scrapes.
        traffic_namespaces: the namespaces the traffic router runs in (ingress-nginx's, or the Gateway's); never empty.
        traffic_cidrs: the addresses a data plane that is no pod of those namespaces reaches podinfo
            from (`gateway.data_plane_cidrs`): `ipBlock` peers of `podinfo-traffic` beside the
            namespaces, on the HTTP port only. Default: none.
        prometheus_namespace: kube-prometheus-stack's namespace.
        cluster_dns: the namespace and labels of the cluster DNS pods.
        acme_solver_namespaces: the namespaces that reach cert-manager's HTTP-01 solver pods here.
            Default: none, for a namespace without a Certificate (no `acme-http01-solver` policy).
        tester: the pre-exposure tester's pod labels and the router it enters by; its pods may
            reach that router's pods (by their labels, when given) on their port and nothing else
            (`pre-exposure-tester`), so they reach the canary only the way a user does; which host
            they ask for is beyond a NetworkPolicy (layer 4). Default: none (no pre-exposure phase).
        viewer_groups: the SSO groups bound to `rollout-viewer` here. Default: none (no RoleBinding).
        operator_groups: the SSO groups bound to `rollout-operator` here. Default: none (no RoleBinding).
        mesh: in an Istio environment, podinfo's sidecars reach istiod (`podinfo-sidecar`) and
            Prometheus reaches their metrics port (`podinfo-sidecar-metrics`). Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        namespace: str,
        pod_labels: dict[str, str],
        http_port: str,
        metrics_port: str,
        traffic_namespaces: Sequence[str],
        prometheus_namespace: str,
        traffic_cidrs: Sequence[str] = (),
        cluster_dns: ClusterDns,
        acme_solver_namespaces: Sequence[str] = (),
        tester: tuple[dict[str, str], RouterAddress] | None = None,
        viewer_groups: Sequence[str] = (),
        operator_groups: Sequence[str] = (),
        mesh: MeshPeers | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not traffic_namespaces:
            raise ValueError("SecurityPolicies: traffic_namespaces is empty: nothing could reach podinfo")
        self.namespace = namespace
        everyone = k8s.LabelSelector()
        podinfo = k8s.LabelSelector(match_labels=pod_labels)
        # A pod selected by any policy of a type is isolated for that direction and allows only the
        # union of those policies' rules: nothing is allowed that a policy below does not name.
        self._policy("default-deny", everyone, ["Ingress", "Egress"])
        dns = k8s.NetworkPolicyPeer(
            namespace_selector=_namespaces([cluster_dns.namespace]),
            pod_selector=k8s.LabelSelector(match_labels=cluster_dns.pod_labels),
        )
        dns_ports = [k8s.NetworkPolicyPort(port=k8s.IntOrString.from_number(DNS_PORT), protocol=p) for p in ("UDP", "TCP")]
        self._policy("allow-dns", everyone, ["Egress"], egress=[k8s.NetworkPolicyEgressRule(to=[dns], ports=dns_ports)])
        # Stable and canary alike (pod_labels has no hash or track); a canary cannot reach a stable
        # pod, as podinfo has no reason to call itself.
        for name, sources, cidrs, port in (
            ("podinfo-traffic", traffic_namespaces, traffic_cidrs, http_port),
            ("podinfo-metrics", [prometheus_namespace], (), metrics_port),
        ):
            rule = k8s.NetworkPolicyIngressRule(
                from_=[
                    k8s.NetworkPolicyPeer(namespace_selector=_namespaces(sources)),
                    *(k8s.NetworkPolicyPeer(ip_block=k8s.IpBlock(cidr=cidr)) for cidr in cidrs),
                ],
                ports=[k8s.NetworkPolicyPort(port=k8s.IntOrString.from_string(port), protocol="TCP")],
            )
            self._policy(name, podinfo, ["Ingress"], ingress=[rule])
        if acme_solver_namespaces:
            solver = k8s.NetworkPolicyIngressRule(
                from_=[k8s.NetworkPolicyPeer(namespace_selector=_namespaces(acme_solver_namespaces))],
                ports=[k8s.NetworkPolicyPort(port=k8s.IntOrString.from_number(ACME_SOLVER_PORT), protocol="TCP")],
            )
            self._policy("acme-http01-solver", k8s.LabelSelector(match_labels=ACME_SOLVER_LABELS), ["Ingress"], ingress=[solver])
        if tester is not None:
            labels, router = tester
            pods = k8s.LabelSelector(match_labels=dict(router.pod_labels)) if router.pod_labels else None
            to_router = k8s.NetworkPolicyEgressRule(
                to=[k8s.NetworkPolicyPeer(namespace_selector=_namespaces([router.namespace]), pod_selector=pods)],
                ports=[k8s.NetworkPolicyPort(port=k8s.IntOrString.from_number(router.pod_port), protocol="TCP")],
            )
            self._policy("pre-exposure-tester", k8s.LabelSelector(match_labels=labels), ["Egress"], egress=[to_router])
        if mesh is not None:
            istiod = k8s.NetworkPolicyPeer(
                namespace_selector=_namespaces([mesh.istiod_namespace]), pod_selector=k8s.LabelSelector(match_labels=mesh.istiod_labels)
            )
            xds = k8s.NetworkPolicyPort(port=k8s.IntOrString.from_number(mesh.istiod_port), protocol="TCP")
            self._policy("podinfo-sidecar", podinfo, ["Egress"], egress=[k8s.NetworkPolicyEgressRule(to=[istiod], ports=[xds])])
            scrape = k8s.NetworkPolicyIngressRule(
                from_=[k8s.NetworkPolicyPeer(namespace_selector=_namespaces([prometheus_namespace]))],
                ports=[k8s.NetworkPolicyPort(port=k8s.IntOrString.from_number(mesh.envoy_metrics_port), protocol="TCP")],
            )
            self._policy("podinfo-sidecar-metrics", podinfo, ["Ingress"], ingress=[scrape])
        for role, groups in ((VIEWER_ROLE, viewer_groups), (OPERATOR_ROLE, operator_groups)):
            if groups:
                k8s.KubeRoleBinding(
                    self,
                    role,
                    metadata=k8s.ObjectMeta(name=role, namespace=namespace),
                    role_ref=k8s.RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=role),
                    subjects=[k8s.Subject(kind="Group", name=g, api_group="rbac.authorization.k8s.io") for g in groups],
                )

    def _policy(self, name: str, pods: k8s.LabelSelector, types: list[str], **rules) -> k8s.KubeNetworkPolicy:
        return k8s.KubeNetworkPolicy(
            self,
            name,
            metadata=k8s.ObjectMeta(name=name, namespace=self.namespace, annotations=waves.annotation(waves.POLICIES)),
            spec=k8s.NetworkPolicySpec(pod_selector=pods, policy_types=types, **rules),
        )
