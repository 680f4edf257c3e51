"""PlatformApps: the controllers podinfo's delivery relies on, each an Argo CD Application of a pinned Helm chart.

- cert-manager: certificates for every Ingress (ClusterIssuer below, ACME HTTP-01 via nginx).
- kube-prometheus-stack: Prometheus (analysis and alerts), Grafana (dashboards from ConfigMaps).
- argo-rollouts: the Rollout controller, its dashboard, metrics and notifications.
- ingress-nginx: the traffic router, with metrics on.
- loki and alloy: log storage and the collector that feeds it (logs.py).

Every ServiceMonitor these charts create carries the `release` label kube-prometheus-stack's
Prometheus selects on, so the controllers are scraped without widening Prometheus' selectors.

docs/architecture.md "How it flows" (sync waves) and "Bootstrap a cluster".
"""

from __future__ import annotations

from collections.abc import Sequence

from cdk8s_plus_27 import k8s
from constructs import Construct

from imports.argocd.io import argoproj as argo
from imports.certmanager.io import cert_manager as cm
from podinfo_canary.charts.environment.security import POD_SECURITY, pod_security
from podinfo_canary.charts.platform import logs
from podinfo_canary.config import HelmChart, Istio, Platform
from podinfo_canary.core import waves, yamltext
from podinfo_canary.core.notifications import EMAILED_EVENTS, ROLLOUT_MESSAGES
from podinfo_canary.core.secrets import EMAIL_SECRET_KEY, SLACK_SECRET_KEY

IN_CLUSTER = "https://kubernetes.default.svc"

# Argo Rollouts Gateway API traffic-router plugin, registered in the controller's
# argo-rollouts-config ConfigMap only when an environment chooses `traffic_router: gatewayapi`
# (version and digest: config.GatewayApiPlugin).
GATEWAY_API_PLUGIN = "argoproj-labs/gatewayAPI"

INGRESS_CLASS = "nginx"  # the IngressClass of ingress-nginx that every Ingress here uses
# The IngressClass istiod serves (meshConfig.ingressClass; an Ingress of a class whose controller is
# this one: istio 1.30.3 pilot/pkg/config/kube/ingress/virtualservices.go IstioIngressController).
ISTIO_INGRESS_CLASS = "istio"
ISTIO_INGRESS_CONTROLLER = "istio.io/ingress-controller"
GATEWAY_POD_SECURITY = {
    "sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}],
    "seccompProfile": {"type": "RuntimeDefault"},
    "runAsNonRoot": True,
}


# The Rollouts controller labels its rollout metrics with the Rollout's namespace; scraped from the
# controller's namespace without honorLabels, Prometheus renames that label `exported_namespace`
# (upstream: prometheus-operator v0.93.0 pkg/prometheus/promcfg.go AddHonorLabels). Restore it, so
# the alerts, their routing and the dashboard select the environment's namespace (argo-helm
# argo-rollouts chart: controller.metrics.serviceMonitor.metricRelabelings).
ROLLOUTS_METRIC_RELABELINGS = [
    {"sourceLabels": ["exported_namespace"], "regex": "(.+)", "targetLabel": "namespace", "action": "replace"},
    {"regex": "exported_namespace", "action": "labeldrop"},
]

# Sync retries for every Application (platform and environments): 5 tries, 10 s doubling to 3 min.
RETRY_LIMIT = 5
RETRY_BACKOFF = {"duration": "10s", "factor": 2, "max_duration": "3m"}


def sync_policy(
    *, prune: bool, server_side: bool = False, skip_missing_crds: bool = False, namespace_labels: dict[str, str] | None = None
) -> argo.ApplicationSpecSyncPolicy:
    """Automated sync with self-heal and bounded exponential retries (10 s doubling to 3 min, 5 tries).

    server_side: use server-side apply, required where a CRD is larger than the 256 KiB
    last-applied annotation (kube-prometheus-stack, Argo CD's ApplicationSet).
    skip_missing_crds: `SkipDryRunOnMissingResource`, for charts that render instances of a CRD
        another Application installs (ServiceMonitors before kube-prometheus-stack is healthy).
    namespace_labels: labels of the namespace Argo CD creates (`managedNamespaceMetadata`), such
        as its Pod Security level.
    """
    options = ["CreateNamespace=true", *(["ServerSideApply=true"] if server_side else [])]
    options += ["SkipDryRunOnMissingResource=true"] if skip_missing_crds else []
    return argo.ApplicationSpecSyncPolicy(
        automated=argo.ApplicationSpecSyncPolicyAutomated(prune=prune, self_heal=True),
        sync_options=options,
        retry=argo.ApplicationSpecSyncPolicyRetry(limit=RETRY_LIMIT, backoff=argo.ApplicationSpecSyncPolicyRetryBackoff(**RETRY_BACKOFF)),
        managed_namespace_metadata=argo.ApplicationSpecSyncPolicyManagedNamespaceMetadata(labels=namespace_labels)
        if namespace_labels
        else None,
    )


def platform_application(
    scope: Construct,
    id: str,
    *,
    namespace: str,
    destination_namespace: str,
    source: argo.ApplicationSpecSource,
    wave: int | None = None,
    prune: bool = True,
    server_side: bool = False,
    skip_missing_crds: bool = False,
    namespace_labels: dict[str, str] | None = None,
) -> argo.Application:
    """An Application of the `platform` project, deployed in-cluster, named after its construct id."""
    metadata: dict = {"name": id, "namespace": namespace}
    if wave is not None:
        metadata["annotations"] = waves.annotation(wave)
    return argo.Application(
        scope,
        id,
        metadata=metadata,
        spec=argo.ApplicationSpec(
            project="platform",
            destination=argo.ApplicationSpecDestination(server=IN_CLUSTER, namespace=destination_namespace),
            source=source,
            sync_policy=sync_policy(
                prune=prune, server_side=server_side, skip_missing_crds=skip_missing_crds, namespace_labels=namespace_labels
            ),
        ),
    )


class PlatformApps(Construct):
    """The platform Applications, one per chart of `platform.charts`, and the ClusterIssuer.

    Args:
        platform: the chart pins, the TLS issuer settings and the Prometheus release label.
        argocd_namespace: the namespace the Application objects live in.
        gateway_api: whether to register the Gateway API plugin (needs
            `gateway_api_plugin.sha256`). Default: False. The controller downloads registered
            plugins at start and exits when it cannot (upstream: argo-rollouts v1.9.1
            controller/controller.go DownloadPlugins, then log.Fatalf), so an unused plugin only
            adds a way to fail.
        istio_hosts: the host names of the environments on `traffic_router: istio`. When there are
            some, the mesh is installed (`istio-base`, `istiod`, `istio-cni`, the ingress gateway,
            the IngressClass `istio`) and the ClusterIssuer solves those hosts' HTTP-01 challenges
            through the Istio ingress gateway. Default: none (no mesh).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        platform: Platform,
        argocd_namespace: str,
        gateway_api: bool = False,
        istio_hosts: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        if gateway_api and platform.gateway_api_plugin.sha256 is None:
            raise ValueError("PlatformApps: gateway_api needs platform.gateway_api_plugin.sha256 (the controller downloads the plugin)")
        self._gateway_api = gateway_api
        self._namespace = argocd_namespace
        self._platform = platform
        self._release = {"release": platform.prometheus_release}
        charts = platform.charts
        self._app(
            "kube-prometheus-stack",
            charts.kube_prometheus_stack,
            waves.MONITORING_CRDS,
            self._prometheus_values(),
            server_side=True,
            release_name=platform.prometheus_release,
        )
        # cert-manager, argo-rollouts and ingress-nginx render ServiceMonitors (CRD from
        # kube-prometheus-stack, an earlier wave).
        self._app(charts.cert_manager.release, charts.cert_manager, waves.CRD_PLATFORM, self._cert_manager_values(), skip_missing_crds=True)
        self._app(charts.argo_rollouts.release, charts.argo_rollouts, waves.CONTROLLERS, self._rollouts_values(), skip_missing_crds=True)
        self._app(
            charts.ingress_nginx.release, charts.ingress_nginx, waves.CONTROLLERS, self._ingress_nginx_values(), skip_missing_crds=True
        )
        self._app(
            charts.loki.release,
            charts.loki,
            waves.CONTROLLERS,
            logs.loki_values(platform.logging, self._release),
            skip_missing_crds=True,
        )
        self._app(
            charts.alloy.release,
            charts.alloy,
            waves.CONTROLLERS,
            logs.alloy_values(charts.loki, platform.logging, self._release),
            skip_missing_crds=True,
        )
        self._istio_hosts = list(istio_hosts)
        if self._istio_hosts:
            self._mesh(platform.istio)
        self._cluster_issuer(platform)

    def _app(
        self,
        name: str,
        chart: HelmChart,
        wave: int,
        values: dict,
        *,
        server_side: bool = False,
        release_name: str | None = None,
        skip_missing_crds: bool = False,
        namespace_labels: dict[str, str] | None = None,
    ) -> argo.Application:
        return platform_application(
            self,
            name,
            namespace=self._namespace,
            destination_namespace=chart.namespace,
            wave=wave,
            server_side=server_side,
            skip_missing_crds=skip_missing_crds,
            namespace_labels=namespace_labels,
            source=argo.ApplicationSpecSource(
                repo_url=chart.repo_url,
                chart=chart.chart,
                target_revision=chart.version,
                helm=argo.ApplicationSpecSourceHelm(release_name=release_name or name, values_object=values),
            ),
        )

    def _mesh(self, istio: Istio) -> None:
        """Istio's charts in install order: its CRDs (base), istiod, the CNI node agent (it must
        run on a node before an injected pod starts there: with `pilot.cni.enabled` the injected
        pod has no istio-init to set up its redirection), then the ingress gateway, whose pods
        istiod injects with the gateway template."""
        # The CNI node agent is privileged (it writes the nodes' CNI configuration): its namespace says
        # so, whatever a cluster-wide default level is; the gateway's meets `restricted`.
        system = pod_security("privileged")
        self._app("istio-base", istio.chart("base"), waves.CRD_PLATFORM, {}, namespace_labels=system)
        self._app(
            "istiod",
            istio.chart("istiod"),
            waves.CONTROLLERS,
            namespace_labels=system,
            values={
                # Injected pods get istio-validation instead of istio-init: no NET_ADMIN or NET_RAW
                # (istio 1.30.3 injection-template.yaml, `pilot.cni.enabled`).
                "pilot": {"cni": {"enabled": True}},
                # cert-manager's HTTP-01 solver Ingresses of class `istio` are served by the ingress
                # gateway (pilot/pkg/config/kube/ingress: shouldProcessIngressWithClass).
                "meshConfig": {
                    "ingressControllerMode": "STRICT",
                    "ingressClass": ISTIO_INGRESS_CLASS,
                    "ingressService": istio.gateway_release,
                    "ingressSelector": istio.gateway_labels["istio"],
                },
            },
        )
        self._app("istio-cni", istio.chart("cni"), waves.CONTROLLERS, {}, namespace_labels=system)
        self._app(
            istio.gateway_release,
            istio.chart("gateway", istio.ingress_namespace),
            waves.CRD_INSTANCES,
            # The chart's default pod securityContext (the sysctl that lets it bind 80 and 443
            # without a capability) plus what `restricted` asks of a pod: a seccomp profile and a
            # non-root user (istio 1.30.3 charts/gateway/templates/deployment.yaml; its container
            # drops ALL capabilities and escalation already, the injector sets uid 1337).
            {"securityContext": {**GATEWAY_POD_SECURITY}},
            release_name=istio.gateway_release,
            namespace_labels=POD_SECURITY,
        )
        k8s.KubeIngressClass(
            self,
            "istio-ingress-class",
            metadata=k8s.ObjectMeta(name=ISTIO_INGRESS_CLASS, annotations=waves.annotation(waves.CRD_INSTANCES)),
            spec=k8s.IngressClassSpec(controller=ISTIO_INGRESS_CONTROLLER),
        )

    def _cert_manager_values(self) -> dict:
        return {
            "crds": {"enabled": True, "keep": True},
            "prometheus": {"enabled": True, "servicemonitor": {"enabled": True, "labels": self._release}},
        }

    def _prometheus_values(self) -> dict:
        return {
            "prometheus": {
                "prometheusSpec": {
                    # Select monitors and rules by the release label only (the chart default, stated).
                    "serviceMonitorSelectorNilUsesHelmValues": True,
                    "podMonitorSelectorNilUsesHelmValues": True,
                    "ruleSelectorNilUsesHelmValues": True,
                    "retention": self._platform.prometheus_retention,
                    "retentionSize": self._platform.prometheus_retention_size,
                    # A PersistentVolumeClaim per replica (prometheus-operator volumeClaimTemplate):
                    # without it the TSDB sits on an emptyDir, lost on every restart.
                    "storageSpec": {"volumeClaimTemplate": {"spec": self._prometheus_volume()}},
                }
            },
            # Grafana chart 12.11.1 (subchart of kube-prometheus-stack 88.5.3), charts/grafana/values.yaml
            # at tag grafana-12.11.1: `sidecar.dashboards.folderAnnotation` (default null) names the
            # ConfigMap annotation holding a dashboard's folder, and `provider.foldersFromFilesStructure`
            # (default false) makes Grafana turn the sidecar's subfolders into folders
            # (PodinfoDashboard sets `grafana_folder: Podinfo`).
            "grafana": {
                "additionalDataSources": [logs.grafana_datasource(self._platform.charts.loki)],
                "sidecar": {
                    "dashboards": {
                        "enabled": True,
                        "label": "grafana_dashboard",
                        "labelValue": "1",
                        "searchNamespace": "ALL",
                        "folderAnnotation": "grafana_folder",
                        "provider": {"foldersFromFilesStructure": True},
                    }
                },
            },
        }

    def _prometheus_volume(self) -> dict:
        storage = self._platform.prometheus_storage
        spec: dict = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage.size}}}
        if storage.storage_class:
            spec["storageClassName"] = storage.storage_class
        return spec

    def _rollouts_values(self) -> dict:
        return {
            "installCRDs": True,
            "keepCRDs": True,
            # Read-only: the dashboard has no login of its own, so a writable one would let anyone
            # who reaches it promote or abort outside the rollout roles and the audit trail
            # (argo-helm argo-rollouts 2.41 templates/dashboard/clusterrole.yaml: update/patch on
            # rollouts unless `dashboard.readonly`).
            "dashboard": {"enabled": True, "readonly": True},
            "controller": {
                "metrics": {
                    "enabled": True,
                    "serviceMonitor": {
                        "enabled": True,
                        "additionalLabels": self._release,
                        "metricRelabelings": ROLLOUTS_METRIC_RELABELINGS,
                    },
                },
                **({"trafficRouterPlugins": [self._gateway_plugin()]} if self._gateway_api else {}),
            },
            "notifications": {
                "configmap": {"create": True},
                # The Slack token is created out of band (docs/operations/bootstrap.md "Bootstrap a cluster"), never committed.
                "secret": {"create": False},
                "notifiers": {"service.slack": f"token: ${SLACK_SECRET_KEY}\n", "service.email": yamltext.dump(self._email_service())},
                "templates": {f"template.{name}": yamltext.dump(_rollout_template(name)) for name in ROLLOUT_MESSAGES},
                # Argo Rollouts fires these triggers on the controller event of the same name
                # (RolloutAborted -> on-rollout-aborted), so they need no `when` condition.
                "triggers": {f"trigger.on-{name}": yamltext.dump([{"send": [name]}]) for name in ROLLOUT_MESSAGES},
            },
        }

    def _email_service(self) -> dict:
        """notifications-engine's email service: the SMTP relay of `alerting.routing`.

        Its password is the key `email-password` of argo-rollouts-notification-secret, created out
        of band (upstream: argo-rollouts v1.9.1 docs/generated/notification-services/email.md)."""
        routing = self._platform.alerting.routing
        host, port = routing.smtp_smarthost.rsplit(":", 1)
        return {
            "host": host,
            "port": int(port),
            "from": routing.smtp_from,
            "username": routing.smtp_username,
            "password": f"${EMAIL_SECRET_KEY}",
        }

    def _gateway_plugin(self) -> dict:
        # utils/plugin/types `PluginItem`: `sha256` is checked after the download
        # (utils/plugin/downloader.go `checkShaOfPlugin`).
        plugin = self._platform.gateway_api_plugin
        return {"name": GATEWAY_API_PLUGIN, "location": plugin.url, "sha256": plugin.sha256}

    def _ingress_nginx_values(self) -> dict:
        return {
            "controller": {
                "metrics": {"enabled": True, "serviceMonitor": {"enabled": True, "additionalLabels": self._release}},
                # Snippet annotations allow arbitrary NGINX config from any namespace: keep them off.
                "allowSnippetAnnotations": False,
            }
        }

    def _cluster_issuer(self, platform: Platform) -> None:
        tls = platform.tls
        cm.ClusterIssuer(
            self,
            "cluster-issuer",
            metadata={
                "name": tls.cluster_issuer,
                "annotations": {
                    **waves.annotation(waves.CRD_INSTANCES),
                    # Its CRD arrives with cert-manager in an earlier wave of the same sync.
                    "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true",
                },
            },
            spec=cm.ClusterIssuerSpec(
                acme=cm.ClusterIssuerSpecAcme(
                    server=tls.acme_server,
                    email=tls.acme_email,
                    private_key_secret_ref=cm.ClusterIssuerSpecAcmePrivateKeySecretRef(name=f"{tls.cluster_issuer}-account-key"),
                    solvers=[
                        # The Istio environments' hosts first: a solver with a dnsNames selector wins
                        # over one without for those names.
                        *(
                            [
                                cm.ClusterIssuerSpecAcmeSolvers(
                                    selector=cm.ClusterIssuerSpecAcmeSolversSelector(dns_names=self._istio_hosts),
                                    http01=cm.ClusterIssuerSpecAcmeSolversHttp01(
                                        ingress=cm.ClusterIssuerSpecAcmeSolversHttp01Ingress(ingress_class_name=ISTIO_INGRESS_CLASS)
                                    ),
                                )
                            ]
                            if self._istio_hosts
                            else []
                        ),
                        cm.ClusterIssuerSpecAcmeSolvers(
                            http01=cm.ClusterIssuerSpecAcmeSolversHttp01(
                                ingress=cm.ClusterIssuerSpecAcmeSolversHttp01Ingress(ingress_class_name=INGRESS_CLASS)
                            )
                        ),
                    ],
                )
            ),
        )


def _rollout_template(name: str) -> dict:
    """A notification template: the message, and for the events also e-mailed, a subject."""
    template: dict = {"message": ROLLOUT_MESSAGES[name]}
    if name in EMAILED_EVENTS:
        template["email"] = {"subject": EMAILED_EVENTS[name]}
    return template
