"""PodinfoEnvironment: the chart for one environment, synthesized to dist/<environment>/.

Argo CD's ApplicationSet syncs that folder into the environment's namespace and cluster.
"""

from __future__ import annotations

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct

from podinfo_canary.charts.environment.analysis import AnalysisSuite
from podinfo_canary.charts.environment.mesh import (
    ENVOY_METRICS_PORT,
    HTTPS_PORT,
    INJECTION_LABELS,
    ISTIOD_LABELS,
    ISTIOD_PORT,
    MeshSecurity,
)
from podinfo_canary.charts.environment.observability import ObservabilityStack
from podinfo_canary.charts.environment.podmonitor import PodinfoPodMonitor
from podinfo_canary.charts.environment.preexposure import PreExposureTests
from podinfo_canary.charts.environment.rollout import HTTP_PORT, HTTP_PORT_NAME, RolloutCanary
from podinfo_canary.charts.environment.security import POD_SECURITY, MeshPeers, SecurityPolicies
from podinfo_canary.charts.external_secrets import ExternalSecrets
from podinfo_canary.charts.platform.argocd import ManagedKind
from podinfo_canary.config import Environment, Platform, RouterAddress
from podinfo_canary.core import waves
from podinfo_canary.core.promql import METRICS_PORT_NAME
from podinfo_canary.core.secrets import environment_secrets

# Kinds without a namespace: the chart's namespace must not be stamped on them.
CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding", "ClusterIssuer", "CustomResourceDefinition"})


# ingress-nginx's controller Service, its pods' labels and HTTPS port: the chart names the Service
# `<fullname>-controller`, its fullname is the release (named after the chart, HelmChart.release),
# labels the controller pods with its selector labels and component `controller`, and the
# controller container listens on 443 for https (chart values controller.containerPort).
NGINX_CONTROLLER_SUFFIX = "-controller"
NGINX_HTTPS_PORT = 443
NGINX_CONTROLLER_LABELS = {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}


def pre_exposure_router(environment: Environment, platform: Platform) -> RouterAddress:
    """Where the pre-exposure tester's requests enter: the environment's own setting, else for
    nginx ingress-nginx's controller Service, for istio the ingress gateway's Service (its port
    443 is its pods' 443: gateway chart values service.ports); config refuses gatewayapi without one."""
    if environment.pre_exposure.router is not None:
        return environment.pre_exposure.router
    if environment.in_mesh:
        istio = platform.istio
        return RouterAddress(
            namespace=istio.ingress_namespace, service=istio.gateway_release, port=HTTPS_PORT, pod_labels=istio.gateway_labels
        )
    if environment.traffic_router != "nginx":
        raise ValueError(f"{environment.name}: pre_exposure.router is required with traffic_router {environment.traffic_router}")
    nginx = platform.charts.ingress_nginx
    return RouterAddress(
        namespace=nginx.namespace,
        service=nginx.release + NGINX_CONTROLLER_SUFFIX,
        port=NGINX_HTTPS_PORT,
        pod_labels=NGINX_CONTROLLER_LABELS | {"app.kubernetes.io/instance": nginx.release},
    )


class PodinfoEnvironment(cdk8s.Chart):
    """Everything podinfo needs in one environment's namespace.

    Args:
        environment: the validated environment configuration.
        platform: platform settings (Prometheus release and address, TLS issuer).
    """

    def __init__(self, scope: Construct, id: str, *, environment: Environment, platform: Platform) -> None:
        # No chart-wide namespace: every object names its own, and cluster-scoped ones none.
        super().__init__(scope, id, labels={"app.kubernetes.io/part-of": "podinfo"})
        self.environment = environment
        mesh = environment.in_mesh
        k8s.KubeNamespace(
            self,
            "namespace",
            metadata=k8s.ObjectMeta(
                name=environment.namespace,
                labels={
                    **POD_SECURITY,
                    # Sidecars injected by istiod; with the CNI node agent they meet `restricted` (config.Istio).
                    **(INJECTION_LABELS if mesh else {}),
                    "podinfo.example.com/environment": environment.name,
                },
                annotations=waves.annotation(waves.NAMESPACE),
            ),
        )
        pre = environment.pre_exposure
        self.pre_exposure = (
            PreExposureTests(
                self,
                "pre-exposure",
                environment=environment,
                router=pre_exposure_router(environment, platform),
                image=platform.tester.reference,
            )
            if pre.enabled
            else None
        )
        self.analysis = AnalysisSuite(
            self,
            "analysis",
            namespace=environment.namespace,
            slo=environment.slo,
            decision=environment.decision,
            prometheus_address=platform.prometheus_address,
            mesh=mesh,
        )
        self.canary = RolloutCanary(
            self,
            "podinfo",
            environment=environment,
            analysis=self.analysis,
            cluster_issuer=platform.tls.cluster_issuer,
            pre_exposure=self.pre_exposure,
            istio=platform.istio if mesh else None,
        )
        if environment.gateway:
            traffic = environment.gateway.namespace
        elif mesh:
            traffic = platform.istio.ingress_namespace
        else:
            traffic = platform.charts.ingress_nginx.namespace
        self.security = SecurityPolicies(
            self,
            "security",
            namespace=environment.namespace,
            pod_labels=self.canary.selector,
            http_port=HTTP_PORT_NAME,
            metrics_port=METRICS_PORT_NAME,
            traffic_namespaces=[traffic],
            traffic_cidrs=environment.gateway.data_plane_cidrs if environment.gateway else (),
            prometheus_namespace=platform.charts.kube_prometheus_stack.namespace,
            cluster_dns=platform.cluster_dns,
            # The Certificate (nginx router) is solved over HTTP-01 through ingress-nginx.
            acme_solver_namespaces=[platform.charts.ingress_nginx.namespace] if self.canary.certificate else [],
            tester=(self.pre_exposure.labels, self.pre_exposure.router) if self.pre_exposure else None,
            viewer_groups=platform.argocd.rbac.viewer_groups,
            operator_groups=platform.argocd.rbac.deployer_groups,
            mesh=MeshPeers(
                istiod_namespace=platform.istio.namespace,
                istiod_labels=ISTIOD_LABELS,
                istiod_port=ISTIOD_PORT,
                envoy_metrics_port=ENVOY_METRICS_PORT,
            )
            if mesh
            else None,
        )
        self.mesh_security = (
            MeshSecurity(
                self,
                "mesh-security",
                namespace=environment.namespace,
                pod_labels=self.canary.selector,
                http_port=HTTP_PORT,
                gateway_principal=platform.istio.gateway_principal,
            )
            if mesh
            else None
        )
        self.pod_monitor = PodinfoPodMonitor(
            self,
            "pod-monitor",
            namespace=environment.namespace,
            release=platform.prometheus_release,
            pod_labels=self.canary.selector,
            sidecar_metrics=mesh,
        )
        self.observability = ObservabilityStack(
            self,
            "observability",
            namespace=environment.namespace,
            slo=environment.slo,
            alerting=platform.alerting,
            logging=platform.logging,
            release=platform.prometheus_release,
            notifications=environment.notifications,
        )
        # With `secrets.form: external`, the Alertmanager receivers' Secrets come from the store.
        external = [s for s in environment_secrets(environment, platform) if s.external]
        self.external_secrets = (
            ExternalSecrets(self, "external-secrets", secrets=external, wave=lambda _: waves.SECRETS) if external else None
        )

    def managed_kinds(self) -> list[ManagedKind]:
        """The kinds this chart emits, for the AppProject's whitelist.

        Read from the chart's rendered manifests (one jsii call) rather than by walking the
        construct tree, which costs a Node round trip per object and property.
        """
        kinds = {
            ManagedKind(
                group=m["apiVersion"].rpartition("/")[0],
                kind=m["kind"],
                namespaced=m["kind"] not in CLUSTER_SCOPED,
                name=m["metadata"]["name"] if m["kind"] in CLUSTER_SCOPED else None,
            )
            for m in self.to_json()
        }
        return sorted(kinds, key=lambda k: (k.group, k.kind))
