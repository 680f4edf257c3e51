"""SecurityPolicies: who may reach podinfo's pods and whom they may reach (R7.2), and the Pod
Security level of its namespace (R7.3).

NetworkPolicies in each environment namespace (networking.k8s.io/v1; a pod selected by any policy
of a type is isolated for that direction and allows only the union of those policies' rules):

- `default-deny`: every pod of the namespace, ingress and egress, no rules. Nothing is allowed
  that a policy below does not name.
- `allow-dns`: egress from every pod to the cluster DNS pods (`platform.cluster_dns`), port 53 over
  UDP and TCP (TCP for answers too large for UDP). podinfo needs nothing else outside: it runs
  without backends (`--backend-url`), cache (`--cache-server`) or trace exporter, and the
  Rollouts controller, Prometheus and the log collector all connect to it or to the API server,
  never the other way round.
- `podinfo-traffic`: ingress to podinfo's pods, stable and canary alike (the selector has no hash
  or track), on the `http` port from the namespace of the traffic router: ingress-nginx's, or the
  Gateway's for `traffic_router: gatewayapi`.
- `podinfo-metrics`: ingress to podinfo's pods on the `http-metrics` port from Prometheus'
  namespace (kube-prometheus-stack).

Namespaces are matched by `kubernetes.io/metadata.name`, which the API server sets on every
namespace to its name and which nobody can change (Kubernetes 1.21+, NamespaceDefaultLabelName).
The kubelet's probes come from the node, which NetworkPolicy always allows. A canary pod cannot
reach a stable one: podinfo has no reason to call itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdk8s_plus_27 import k8s
from constructs import Construct

from podinfo_canary import waves
from podinfo_canary.config import ClusterDns

# Pod Security Standards: every pod in an environment namespace must meet `restricted`.
POD_SECURITY = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")}
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
DNS_PORT = 53


def _namespaces(names: Sequence[str]) -> k8s.LabelSelector:
    names = sorted(set(names))
    if len(names) == 1:
        return k8s.LabelSelector(match_labels={NAMESPACE_NAME_LABEL: names[0]})
    return k8s.LabelSelector(match_expressions=[k8s.LabelSelectorRequirement(key=NAMESPACE_NAME_LABEL, operator="In", values=names)])


class SecurityPolicies(Construct):
    """The NetworkPolicies of one environment namespace.

    Args:
        namespace: the environment namespace.
        pod_labels: labels that select podinfo's pods (stable and canary).
        http_port: name of podinfo's HTTP container port, which the traffic router reaches.
        metrics_port: name of podinfo's metrics container port, which Prometheus scrapes.
        traffic_namespaces: namespaces the traffic router runs in (ingress-nginx's, or the Gateway's).
        prometheus_namespace: kube-prometheus-stack's namespace.
        cluster_dns: the namespace and labels of the cluster DNS pods.
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
        cluster_dns: ClusterDns,
    ) -> None:
        super().__init__(scope, id)
        if not traffic_namespaces:
            raise ValueError("SecurityPolicies: traffic_namespaces is empty: nothing could reach podinfo")
        self.namespace = namespace
        everyone = k8s.LabelSelector()
        podinfo = k8s.LabelSelector(match_labels=pod_labels)
        self._policy("default-deny", everyone, ["Ingress", "Egress"])
        dns = k8s.NetworkPolicyPeer(
            namespace_selector=_namespaces([cluster_dns.namespace]),
            pod_selector=k8s.LabelSelector(match_labels=cluster_dns.pod_labels),
        )
        dns_ports = [k8s.NetworkPolicyPort(port=k8s.IntOrString.from_number(DNS_PORT), protocol=p) for p in ("UDP", "TCP")]
        self._policy("allow-dns", everyone, ["Egress"], egress=[k8s.NetworkPolicyEgressRule(to=[dns], ports=dns_ports)])
        for name, sources, port in (
            ("podinfo-traffic", traffic_namespaces, http_port),
            ("podinfo-metrics", [prometheus_namespace], metrics_port),
        ):
            rule = k8s.NetworkPolicyIngressRule(
                from_=[k8s.NetworkPolicyPeer(namespace_selector=_namespaces(sources))],
                ports=[k8s.NetworkPolicyPort(port=k8s.IntOrString.from_string(port), protocol="TCP")],
            )
            self._policy(name, podinfo, ["Ingress"], ingress=[rule])

    def _policy(self, name: str, pods: k8s.LabelSelector, types: list[str], **rules) -> k8s.KubeNetworkPolicy:
        return k8s.KubeNetworkPolicy(
            self,
            name,
            metadata=k8s.ObjectMeta(name=name, namespace=self.namespace, annotations=waves.annotation(waves.POLICIES)),
            spec=k8s.NetworkPolicySpec(pod_selector=pods, policy_types=types, **rules),
        )
