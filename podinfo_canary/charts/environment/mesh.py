"""The Istio router and the mesh's security of one environment: IstioRouting and MeshSecurity.

IstioRouting holds what `traffic_router: istio` needs and nothing the other routers use: the
`Gateway` `podinfo` (networking.istio.io) on the shared ingress gateway's pods, its TLS
`Certificate` (in the ingress gateway's namespace, where a Gateway's credentialName is read),
the `VirtualService` `podinfo` whose `primary` route Argo Rollouts weighs, and a
`DestinationRule` per Service that requires the mesh's mutual TLS to it. MeshSecurity holds the
`PeerAuthentication` and the `AuthorizationPolicy` that mirror the NetworkPolicies' intent.

Host-level splitting, not subset-level: the `primary` route names the stable and the canary
Service, whose selectors the controller already points at each ReplicaSet's hash (the same
Services the other routers use). Subset-level splitting would have the controller rewrite the
subsets' labels of a DestinationRule at every rollout (upstream: argo-rollouts v1.9.1
rollout/trafficrouting/istio/istio.go UpdateHash), a second object Argo CD must be told to ignore,
and delay weight changes until the new subset's rules have reached the proxies
(shouldDelayDestinationRuleUpdate); with hosts the controller touches only the VirtualService's
weights (reconcileVirtualService patches the routes named in `virtualService.routes`) and the
managed routes it adds on top (orderRoutes).

docs/explanation/routing.md "Routing" and docs/security.md "Security".
"""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from imports.istio.io.istio import networking as net
from imports.istio.io.istio import security as sec
from podinfo_canary.charts.environment.security import host_certificate
from podinfo_canary.config import Istio
from podinfo_canary.core.workload import WORKLOAD

PRIMARY_ROUTE = "primary"  # the VirtualService route whose weights the controller sets
GATEWAY_NAME = VIRTUAL_SERVICE_NAME = WORKLOAD
HTTPS_PORT = 443
# The sidecar's Envoy serves its own metrics (istio_requests_total among them) on this port, which
# inbound redirection leaves alone (istio 1.30.3 injection-template.yaml: container port 15090
# `http-envoy-prom`, and `-d 15090,15021,...` excludes it from interception).
ENVOY_METRICS_PORT = 15090
ENVOY_METRICS_PORT_NAME = "http-envoy-prom"
ENVOY_METRICS_PATH = "/stats/prometheus"
# istiod's xDS and certificate service (CA_ADDR istiod.<istio namespace>.svc:15012 in the injection
# template), which every sidecar must reach; its pods carry `app: istiod` (istiod chart).
ISTIOD_PORT = 15012
ISTIOD_LABELS = {"app": "istiod"}
# Sidecar injection by namespace label (istiod's injector webhook namespaceSelector).
INJECTION_LABELS = {"istio-injection": "enabled"}
# Inbound ports the sidecar leaves alone (istio 1.30.3 injection-template.yaml: the
# istio-validation/istio-iptables `-d` list takes this annotation): podinfo's metrics port, which
# Prometheus scrapes without a sidecar, so the scrapes are neither mTLS nor counted as requests.
EXCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/excludeInboundPorts"
# Pods without a sidecar: Istio's injector skips a pod with this label set to "false".
NO_SIDECAR_LABELS = {"sidecar.istio.io/inject": "false"}


def tls_secret(namespace: str) -> str:
    """The TLS Secret of one environment's hosts, in the ingress gateway's namespace (shared by
    every Istio environment, so the name carries the environment's namespace)."""
    return f"podinfo-{namespace}-tls"


class IstioRouting(Construct):
    """The Gateway, Certificate, VirtualService and DestinationRules of one Istio environment.

    Args:
        namespace: the environment namespace (Gateway, VirtualService, DestinationRules).
        hosts: the environment's host names.
        stable_service: the stable Service's name.
        canary_service: the canary Service's name.
        service_port: the Services' port.
        istio: the mesh's settings (ingress gateway namespace and pod labels).
        cluster_issuer: the cert-manager ClusterIssuer of the hosts' certificate.
        path_routes: extra non-managed VirtualService routes placed before `primary` (for instance
            a canary path prefix). Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        namespace: str,
        hosts: Sequence[str],
        stable_service: str,
        canary_service: str,
        service_port: int,
        istio: Istio,
        cluster_issuer: str,
        path_routes: Sequence[net.VirtualServiceSpecHttp] = (),
    ) -> None:
        super().__init__(scope, id)
        self.namespace = namespace
        self.secret = tls_secret(namespace)
        self.certificate = host_certificate(
            self, "certificate", name=self.secret, namespace=istio.ingress_namespace, secret=self.secret, hosts=hosts, issuer=cluster_issuer
        )
        # HTTPS only: port 80 of these hosts is left to the Ingress cert-manager creates for the
        # HTTP-01 challenge (istiod serves Ingresses of class `istio`, PlatformApps), which a
        # redirecting HTTP server for the same hosts would shadow.
        self.gateway = net.Gateway(
            self,
            "gateway",
            metadata={"name": GATEWAY_NAME, "namespace": namespace},
            spec=net.GatewaySpec(
                selector=istio.gateway_labels,
                servers=[
                    net.GatewaySpecServers(
                        name="https",
                        port=net.GatewaySpecServersPort(number=HTTPS_PORT, name="https", protocol="HTTPS"),
                        hosts=list(hosts),
                        tls=net.GatewaySpecServersTls(mode=net.GatewaySpecServersTlsMode.SIMPLE, credential_name=self.secret),
                    )
                ],
            ),
        )
        self.virtual_service = net.VirtualService(
            self,
            "virtual-service",
            metadata={"name": VIRTUAL_SERVICE_NAME, "namespace": namespace},
            spec=net.VirtualServiceSpec(
                hosts=list(hosts),
                gateways=[GATEWAY_NAME],
                http=[
                    *path_routes,
                    net.VirtualServiceSpecHttp(
                        name=PRIMARY_ROUTE,
                        route=[
                            net.VirtualServiceSpecHttpRoute(
                                destination=net.VirtualServiceSpecHttpRouteDestination(
                                    host=service, port=net.VirtualServiceSpecHttpRouteDestinationPort(number=service_port)
                                ),
                                weight=weight,
                            )
                            for service, weight in ((stable_service, 100), (canary_service, 0))
                        ],
                    ),
                ],
            ),
        )
        # Mutual TLS to both Services, whatever a mesh-wide default says.
        self.destination_rules = [
            net.DestinationRule(
                self,
                f"destination-rule-{service}",
                metadata={"name": service, "namespace": namespace},
                spec=net.DestinationRuleSpec(
                    host=service,
                    traffic_policy=net.DestinationRuleSpecTrafficPolicy(
                        tls=net.DestinationRuleSpecTrafficPolicyTls(
                            mode=net.DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL
                        )
                    ),
                ),
            )
            for service in (stable_service, canary_service)
        ]


class MeshSecurity(Construct):
    """Mutual TLS required in the namespace, and who may call podinfo, by mesh identity.

    `PeerAuthentication` `default` makes mutual TLS STRICT for every workload of the namespace.
    podinfo's metrics port is left out of the sidecar's interception (EXCLUDE_INBOUND_PORTS on the
    pod template): Prometheus has no sidecar and scrapes it in plain text; the NetworkPolicy
    `podinfo-metrics` keeps that port to Prometheus' namespace. `AuthorizationPolicy` `podinfo`
    allows podinfo's HTTP port to the ingress gateway's identity only; an ALLOW policy denies what no rule matches.

    Args:
        namespace: the environment namespace.
        pod_labels: the labels that select podinfo's pods.
        http_port: podinfo's HTTP container port (a number: policies see the pod's port).
        gateway_principal: the ingress gateway's identity (`cluster.local/ns/<ns>/sa/<sa>`).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        namespace: str,
        pod_labels: dict[str, str],
        http_port: int,
        gateway_principal: str,
    ) -> None:
        super().__init__(scope, id)
        sec.PeerAuthentication(
            self,
            "namespace-strict",
            metadata={"name": "default", "namespace": namespace},
            spec=sec.PeerAuthenticationSpec(mtls=sec.PeerAuthenticationSpecMtls(mode=sec.PeerAuthenticationSpecMtlsMode.STRICT)),
        )
        sec.AuthorizationPolicy(
            self,
            "podinfo",
            metadata={"name": "podinfo", "namespace": namespace},
            spec=sec.AuthorizationPolicySpec(
                selector=sec.AuthorizationPolicySpecSelector(match_labels=pod_labels),
                action=sec.AuthorizationPolicySpecAction.ALLOW,
                rules=[
                    sec.AuthorizationPolicySpecRules(
                        from_=[
                            sec.AuthorizationPolicySpecRulesFrom(
                                source=sec.AuthorizationPolicySpecRulesFromSource(principals=[gateway_principal])
                            )
                        ],
                        to=[
                            sec.AuthorizationPolicySpecRulesTo(
                                operation=sec.AuthorizationPolicySpecRulesToOperation(ports=[str(http_port)])
                            )
                        ],
                    ),
                ],
            ),
        )
