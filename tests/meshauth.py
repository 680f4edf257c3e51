"""A small evaluator of Istio's PeerAuthentication and AuthorizationPolicy (security.istio.io/v1), for the tests.

Semantics as Istio 1.30 documents them (the API reference of security/v1 PeerAuthentication and
AuthorizationPolicy, security/v1beta1/peer_authentication.proto and authorization_policy.proto):
- PeerAuthentication: the workload's policy (a `selector` matching its labels) wins over the
  namespace's (no selector); `portLevelMtls` of a workload policy wins for its port; mode STRICT
  accepts mutual TLS only, PERMISSIVE both, DISABLE plain text; UNSET or no policy inherits
  (mesh default PERMISSIVE here: no mesh-wide policy is synthesized);
- AuthorizationPolicy: DENY policies first (any match denies), then ALLOW: when any ALLOW policy
  selects the workload, a request is allowed only if a rule of one of them matches; with none,
  everything is allowed. A rule matches when each of its `from` entries' sources and each `to`
  entries' operations match (alternatives within a list: OR; fields of one source or operation:
  AND). `principals` and `namespaces` need a peer identity, which a plain-text request has not:
  such a rule never matches it. A rule without `from` matches every source.
Only the fields this project uses are modelled; any other field makes the evaluator refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

MESH_DEFAULT_MTLS = "PERMISSIVE"
_SOURCE_FIELDS = {"principals", "namespaces"}
_OPERATION_FIELDS = {"ports", "methods", "paths"}


@dataclass(frozen=True)
class Request:
    """A request as the destination sidecar sees it: its peer's identity when it came over mutual
    TLS (None for plain text), the port of the destination pod, method and path."""

    principal: str | None
    port: int
    method: str = "GET"
    path: str = "/"

    @property
    def namespace(self) -> str | None:
        # SPIFFE-style principal: <trust domain>/ns/<namespace>/sa/<service account>
        if self.principal is None:
            return None
        parts = self.principal.split("/")
        return parts[parts.index("ns") + 1] if "ns" in parts else None


def _selects(policy: dict, namespace: str, labels: dict[str, str]) -> bool:
    if policy["metadata"]["namespace"] != namespace:
        return False
    selector = (policy.get("spec") or {}).get("selector")
    return selector is None or all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def mtls_mode(policies: list[dict], namespace: str, labels: dict[str, str], port: int) -> str:
    """The mutual-TLS mode the workload applies to `port`."""
    peer = [p for p in policies if p["kind"] == "PeerAuthentication" and _selects(p, namespace, labels)]
    workload = [p for p in peer if p["spec"].get("selector")]
    namespace_wide = [p for p in peer if not p["spec"].get("selector")]
    for policy in workload:
        level = (policy["spec"].get("portLevelMtls") or {}).get(str(port))
        if level and level.get("mode", "UNSET") != "UNSET":
            return level["mode"]
    for group in (workload, namespace_wide):
        for policy in group:
            mode = (policy["spec"].get("mtls") or {}).get("mode", "UNSET")
            if mode != "UNSET":
                return mode
    return MESH_DEFAULT_MTLS


def _source_matches(source: dict, request: Request) -> bool:
    unknown = set(source) - _SOURCE_FIELDS
    if unknown:
        raise ValueError(f"source fields not modelled: {sorted(unknown)}")
    if "principals" in source and (request.principal is None or request.principal not in source["principals"]):
        return False
    return not ("namespaces" in source and (request.namespace is None or request.namespace not in source["namespaces"]))


def _operation_matches(operation: dict, request: Request) -> bool:
    unknown = set(operation) - _OPERATION_FIELDS
    if unknown:
        raise ValueError(f"operation fields not modelled: {sorted(unknown)}")
    if "ports" in operation and str(request.port) not in operation["ports"]:
        return False
    if "methods" in operation and request.method not in operation["methods"]:
        return False
    return not ("paths" in operation and request.path not in operation["paths"])


def _rule_matches(rule: dict, request: Request) -> bool:
    if set(rule) - {"from", "to"}:
        raise ValueError(f"rule fields not modelled: {sorted(set(rule) - {'from', 'to'})}")
    sources = rule.get("from")
    if sources and not any(_source_matches(entry["source"], request) for entry in sources):
        return False
    operations = rule.get("to")
    return not operations or any(_operation_matches(entry["operation"], request) for entry in operations)


def allowed(
    policies: list[dict], namespace: str, labels: dict[str, str], request: Request, excluded_ports: frozenset[int] = frozenset()
) -> bool:
    """Whether the workload (namespace, labels) accepts the request: transport, then authorization.
    A port left out of the sidecar's interception (`traffic.sidecar.istio.io/excludeInboundPorts`)
    never meets the sidecar: neither policy applies to it (only NetworkPolicies do)."""
    if request.port in excluded_ports:
        return True
    mode = mtls_mode(policies, namespace, labels, request.port)
    if mode == "STRICT" and request.principal is None:
        return False
    if mode == "DISABLE" and request.principal is not None:
        return False
    authz = [p for p in policies if p["kind"] == "AuthorizationPolicy" and _selects(p, namespace, labels)]
    for policy in authz:
        if policy["spec"].get("action", "ALLOW") not in ("ALLOW", "DENY"):
            raise ValueError(f"action not modelled: {policy['spec']['action']}")
    if any(_rule_matches(r, request) for p in authz if p["spec"].get("action") == "DENY" for r in p["spec"].get("rules") or []):
        return False
    allow = [p for p in authz if p["spec"].get("action", "ALLOW") == "ALLOW"]
    if not allow:
        return True
    return any(_rule_matches(r, request) for p in allow for r in p["spec"].get("rules") or [])
