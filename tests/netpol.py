"""A small evaluator of Kubernetes NetworkPolicy (networking.k8s.io/v1), for the tests.

Semantics as the API defines them in its field documentation (k8s.io/api networking/v1 types.go:
NetworkPolicySpec, NetworkPolicyPeer, NetworkPolicyPort):
- a pod is isolated for a direction when some policy of its namespace selects it
  (`podSelector`) and lists that direction in `policyTypes`; an isolated pod accepts only what
  the union of those policies' rules allows, a pod no policy selects accepts everything;
- `policyTypes` left out means Ingress, plus Egress when the policy has egress rules (a non-empty
  list: apis/networking/v1 defaults.go `SetDefaults_NetworkPolicy`);
- a rule with no `from`/`to` matches every peer, with no `ports` every port;
- within one peer, `namespaceSelector` and `podSelector` must both match (AND); separate peers
  are alternatives (OR); a `podSelector` alone selects pods of the policy's own namespace, a
  `namespaceSelector` alone every pod of the selected namespaces; `ipBlock` matches addresses
  in its CIDR and not in `except`: addresses outside the cluster, and pod IPs too (what most CNIs
  do; the API leaves ipBlock for pod IPs to the implementation, so matching is the cautious side);
- a port is a number (up to `endPort` when given) or a container port name, resolved on the pod
  being reached; protocol defaults to TCP;
- a connection is allowed when the source's egress allows it and the destination's ingress does
  (a source outside the cluster has no egress of ours: the destination's ingress alone);
Traffic from the node (kubelet probes) is always allowed and is not modelled.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: dict[str, str]
    ports: dict[str, tuple[int, str]] = field(default_factory=dict)  # container port name -> (number, protocol)
    name: str = "pod"
    ip: str | None = None


@dataclass(frozen=True)
class External:
    """An address outside the cluster."""

    ip: str
    name: str = "external"


def selects(selector: dict, labels: dict[str, str]) -> bool:
    """A LabelSelector: matchLabels and every matchExpression (In, NotIn, Exists, DoesNotExist)."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, op, values = expression["key"], expression["operator"], expression.get("values") or []
        present = key in labels
        ok = {
            "In": present and labels.get(key) in values,
            "NotIn": not present or labels.get(key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }[op]
        if not ok:
            return False
    return True


def _namespace_labels(name: str) -> dict[str, str]:
    return {NAMESPACE_NAME_LABEL: name}


def _peer_matches(peer: dict, policy_namespace: str, other: Pod | External, namespace_labels) -> bool:
    if "ipBlock" in peer:
        if other.ip is None:
            return False
        block = peer["ipBlock"]
        address = ipaddress.ip_address(other.ip)
        inside = address in ipaddress.ip_network(block["cidr"])
        return inside and not any(address in ipaddress.ip_network(c) for c in block.get("except") or [])
    if isinstance(other, External):
        return False
    ns_selector, pod_selector = peer.get("namespaceSelector"), peer.get("podSelector")
    if ns_selector is None and pod_selector is None:
        raise ValueError(f"a peer must name a selector or an ipBlock: {peer}")
    in_namespace = (
        selects(ns_selector, namespace_labels(other.namespace)) if ns_selector is not None else other.namespace == policy_namespace
    )
    return in_namespace and (pod_selector is None or selects(pod_selector, other.labels))


def _port_matches(ports: list[dict] | None, number: int, protocol: str, target: Pod | External) -> bool:
    if not ports:
        return True
    for port in ports:
        if port.get("protocol", "TCP") != protocol:
            continue
        if "port" not in port:
            return True
        value = port["port"]
        if isinstance(value, str):
            if isinstance(target, Pod) and target.ports.get(value) == (number, protocol):
                return True
        elif value <= number <= port.get("endPort", value):
            return True
    return False


def _types(spec: dict) -> list[str]:
    return spec.get("policyTypes") or ["Ingress", *(["Egress"] if spec.get("egress") else [])]


def _direction_allows(policies, pod: Pod, direction: str, peer, number, protocol, target, namespace_labels) -> bool:
    selecting = [
        p
        for p in policies
        if p["metadata"]["namespace"] == pod.namespace and selects(p["spec"]["podSelector"], pod.labels) and direction in _types(p["spec"])
    ]
    if not selecting:
        return True  # not isolated in this direction
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in selecting:
        for rule in policy["spec"].get(key) or []:
            peers = rule.get(peers_key)
            if peers and not any(_peer_matches(p, pod.namespace, peer, namespace_labels) for p in peers):
                continue
            if _port_matches(rule.get("ports"), number, protocol, target):
                return True
    return False


def allowed(
    policies: list[dict],
    source: Pod | External,
    destination: Pod | External,
    port: int,
    protocol: str = "TCP",
    namespace_labels=_namespace_labels,
) -> bool:
    """Whether `source` may open a connection to `destination` on port/protocol. A source outside
    the cluster (External: a load balancer's address) has no egress policy of ours: only the
    destination's ingress decides."""
    if isinstance(source, External):
        return isinstance(destination, Pod) and _direction_allows(
            policies, destination, "Ingress", source, port, protocol, destination, namespace_labels
        )
    egress = _direction_allows(policies, source, "Egress", destination, port, protocol, destination, namespace_labels)
    if isinstance(destination, External):
        return egress
    ingress = _direction_allows(policies, destination, "Ingress", source, port, protocol, destination, namespace_labels)
    return egress and ingress
