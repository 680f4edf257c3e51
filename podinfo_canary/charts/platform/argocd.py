"""ArgoCdStack: Argo CD managing itself, the podinfo AppProject and ApplicationSet, RBAC, notifications.

After the hand-applied bootstrap (core/bootstrap.py HAND_APPLIED), Git is the only writer: the
`argocd` Application keeps Argo CD at the pinned tag, the `bootstrap` Application syncs
dist/argocd/ (this chart), and the ApplicationSet syncs dist/<environment>/. Our settings reach
Argo CD's own ConfigMaps as kustomize patches rendered inside the `argocd` Application, so each
ConfigMap has exactly one owner and no two Applications fight over it.

docs/architecture.md "How it flows" and docs/operations/bootstrap.md "Bootstrap a cluster".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cdk8s_plus_27 import k8s
from constructs import Construct

from imports.argocd.io import argoproj as argo
from podinfo_canary.charts.environment.mesh import PRIMARY_ROUTE, VIRTUAL_SERVICE_NAME
from podinfo_canary.charts.environment.rollout import PLUGIN_HTTP_ROUTE
from podinfo_canary.charts.environment.security import RolloutRoles
from podinfo_canary.charts.external_secrets import ExternalSecrets
from podinfo_canary.charts.platform.apps import (
    IN_CLUSTER,
    INGRESS_CLASS,
    RETRY_BACKOFF,
    RETRY_LIMIT,
    PlatformApps,
    platform_application,
)
from podinfo_canary.charts.platform.dashboard import PodinfoDashboard
from podinfo_canary.config import BOOTSTRAP_FOLDER, Environment, Platform
from podinfo_canary.core import waves, yamltext
from podinfo_canary.core.access import argocd_rbac
from podinfo_canary.core.bootstrap import ARGOCD_REPO
from podinfo_canary.core.secrets import REPOSITORY_LABELS, REPOSITORY_SECRET, SLACK_SECRET_KEY, platform_secrets, repository_fields
from podinfo_canary.core.workload import CANARY_SERVICE, HEADER_ROUTE, MIRROR_ROUTE, STABLE_SERVICE

# What an operator applies by hand after Argo CD's install.yaml: podinfo_canary/core/bootstrap.py.

# Pod-template annotation on argocd-server carrying the digest of our argocd-cmd-params-cm patch.
CMD_PARAMS_DIGEST = "podinfo.example.com/argocd-cmd-params-sha256"


# What the Argo Rollouts Gateway API plugin (v0.15.0) writes into the `podinfo` HTTPRoute during a
# rollout, and nothing more, so Argo CD neither reports it as drift nor reverts it, and still sees
# (and applies) a Git edit of the route's paths, ports, filters or hostnames:
# - the weights of the stable and canary backendRefs (pkg/plugin/httproute.go setHTTPRouteWeight:
#   every rule but its own header rules, backendRefs named by the Rollout's Services);
# - the header rules that setHeaderRoute appends, named after the managed route, `-<n>` for a
#   route's further rules (setHTTPHeaderRoute, plugin.go isManagedRuleName), which
#   RemoveManagedRoutes takes out again;
# - the label it sets while the weight is above 0 (pkg/plugin/labels.go ensureInProgressLabel,
#   internal/defaults InProgressLabelKey).
# Argo CD deletes each expression's paths from both the live and the Git object before comparing
# (v3.5.1 util/argo/normalizers/diff_normalizer.go: `del(<expression>)`, gojq).
# The sync option `RespectIgnoreDifferences=true` must stay off here: it copies the ignored fields'
# live values into what it applies as a JSON merge patch (controller/sync.go
# normalizeTargetResources, getMergePatch), and `spec.rules` is a list, which a merge patch
# replaces whole (restoreNonIgnoredFields recurses only into maps), so every sync would apply the
# live rules and a Git edit of them never (the fault `/spec/rules` ignored whole had as well).
# `ApplyOutOfSyncOnly=true` instead: a sync applies only what differs beyond these paths, so a
# rollout's weights and header rule survive every sync that does not touch the route's rules; one
# that does (a Git edit of them) applies Git's rules whole, and the plugin moves the weights back at
# its next reconcile but the header rule only at a setHeaderRoute step (docs/explanation/routing.md "Routing").
PLUGIN_RULE_PATHS = (
    f'.spec.rules[]?.backendRefs[]? | select(.name == "{STABLE_SERVICE}" or .name == "{CANARY_SERVICE}") | .weight',
    f'.spec.rules[]? | select((.name // "") | test("^{HEADER_ROUTE}(-[0-9]+)?$"))',
)
PLUGIN_LABEL_POINTER = "/metadata/labels/rollouts.argoproj.io~1gatewayapi-canary"
# What Argo Rollouts' Istio router writes in the VirtualService (charts/environment/mesh.py): the
# weights of the routes named in `virtualService.routes`, and the managed routes it adds on top.
VIRTUAL_SERVICE_PATHS = (
    f'.spec.http[]? | select(.name == "{PRIMARY_ROUTE}") | .route[]?.weight',
    f'.spec.http[]? | select(.name == "{HEADER_ROUTE}" or .name == "{MIRROR_ROUTE}")',
)


@dataclass(frozen=True)
class ManagedKind:
    """A Kubernetes kind an environment creates: what the AppProject whitelists."""

    group: str
    kind: str
    namespaced: bool
    name: str | None = None  # cluster-scoped kinds are whitelisted by name, not wholesale


class ArgoCdStack(Construct):
    """Argo CD, self-managed from the pinned upstream manifests, with the podinfo delivery setup.

    Args:
        platform: the platform configuration: repo, Argo CD host and exposure, RBAC groups, charts.
        environments: every environment, in promotion order, one Application each; never empty.
        environment_kinds: the kinds the environment charts create. The `podinfo` AppProject
            whitelists exactly these, so a construct that starts emitting a new kind fails its
            sync loudly instead of the project silently allowing everything.

    Also holds the podinfo Grafana dashboard (PodinfoDashboard), one for all environments, in
    kube-prometheus-stack's namespace, and with `secrets.form: external` the ExternalSecrets of
    the platform's out-of-band Secrets (ExternalSecrets), the repository declaration among them.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        platform: Platform,
        environments: Sequence[Environment],
        environment_kinds: Sequence[ManagedKind],
    ) -> None:
        super().__init__(scope, id)
        if not environments:
            raise ValueError("ArgoCdStack: environments must not be empty")
        self.platform = platform
        self.namespace = platform.argocd.namespace
        ns = self.namespace
        self.mesh = any(e.in_mesh for e in environments)

        k8s.KubeNamespace(self, "namespace", metadata=k8s.ObjectMeta(name=ns))
        self._self_managed()
        self._bootstrap()
        self._server_exposure()
        self._repository()
        external = [s for s in platform_secrets(platform) if s.external]
        self.external_secrets = (
            ExternalSecrets(
                self,
                "external-secrets",
                secrets=external,
                # Argo CD's namespace exists before the sync; argo-rollouts' once its Application ran.
                wave=lambda s: waves.ARGOCD_SECRETS if s.namespace == ns else waves.CONTROLLER_SECRETS,
            )
            if external
            else None
        )
        gateway_api = any(e.traffic_router == "gatewayapi" for e in environments)
        self.platform_apps = PlatformApps(
            self, "platform", platform=platform, argocd_namespace=ns, gateway_api=gateway_api, istio_hosts=self._istio_hosts(environments)
        )
        self.project = self._podinfo_project(environments, environment_kinds)
        self.application_set = self._application_set(environments)
        # Who may view and operate rollouts in Kubernetes; each environment binds them to its groups.
        self.rollout_roles = RolloutRoles(self, "rollout-roles")
        # One dashboard for every environment (its `namespace` variable picks one), next to the
        # Grafana that loads it; synced by `bootstrap` with the rest of this chart.
        self.dashboard = PodinfoDashboard(
            self,
            "dashboard",
            namespace=platform.charts.kube_prometheus_stack.namespace,
            alerting=platform.alerting,
            environments=environments,
        )

    # --- Argo CD itself ------------------------------------------------------------------

    def _self_managed(self) -> None:
        """The `argocd` Application: upstream manifests at the pinned tag plus our patches."""
        argocd = self.platform.argocd
        cmd_params = _config_map_patch("argocd-cmd-params-cm", self._cmd_params())
        patches = [
            _config_map_patch("argocd-cm", self._argocd_cm()),
            cmd_params,
            # argocd-server reads `server.insecure` once, at start, from an env var filled from
            # argocd-cmd-params-cm (v3.5.1 manifests/base/server/argocd-server-deployment.yaml,
            # ARGOCD_SERVER_INSECURE; cmd/argocd-server/commands/argocd_server.go). A pod-template
            # annotation with the ConfigMap patch's digest rolls the server whenever it changes,
            # including the first sync after the plain install.yaml started it in TLS mode.
            _patch(
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": {"name": "argocd-server"},
                    "spec": {"template": {"metadata": {"annotations": {CMD_PARAMS_DIGEST: _digest(cmd_params)}}}},
                }
            ),
            _config_map_patch("argocd-rbac-cm", self._rbac()),
            _config_map_patch("argocd-notifications-cm", self._notifications()),
        ]
        if argocd.expose == "loadbalancer":
            patches.append(
                _patch({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "argocd-server"}, "spec": {"type": "LoadBalancer"}})
            )
        platform_application(
            self,
            "argocd",
            namespace=self.namespace,
            destination_namespace=self.namespace,
            wave=waves.ARGOCD,
            # Never prune Argo CD's own objects automatically: a bad commit must not be able to
            # delete the controller that would revert it. Self-heal still undoes manual edits.
            prune=False,
            server_side=True,
            source=argo.ApplicationSpecSource(
                repo_url=ARGOCD_REPO,
                target_revision=argocd.version,
                path="manifests/cluster-install",
                kustomize=argo.ApplicationSpecSourceKustomize(
                    patches=[argo.ApplicationSpecSourceKustomizePatches(patch=p) for p in patches]
                ),
            ),
        )

    def _argocd_cm(self) -> dict[str, str]:
        sso = self.platform.argocd.sso
        oidc = {}
        if sso is not None:
            # docs/operator-manual/user-management (v3.5.1) "Existing OIDC Provider"; `$secret:key`
            # resolves from that Secret; the groups claim is what argocd-rbac-cm's `g,` lines match.
            oidc["oidc.config"] = yamltext.dump(
                {
                    "name": sso.name,
                    "issuer": sso.issuer,
                    "clientID": sso.client_id,
                    "clientSecret": sso.client_secret,
                    "requestedScopes": list(sso.requested_scopes),
                    "requestedIDTokenClaims": {"groups": {"essential": True}},
                }
            )
        return {
            **oidc,
            "url": f"https://{self.platform.argocd.host}",
            "application.resourceTrackingMethod": "annotation",
            # Since Argo CD 1.8 an Application's health is not assessed inside its parent; the
            # sync waves of the bootstrap app only wait for a healthy platform with this check.
            "resource.customizations.health.argoproj.io_Application": _APPLICATION_HEALTH_LUA,
        }

    def _cmd_params(self) -> dict[str, str]:
        # TLS terminates at ingress-nginx (certificate from cert-manager); the server speaks
        # plain HTTP behind it. With a LoadBalancer the server keeps its own TLS.
        return {"server.insecure": "true" if self.platform.argocd.expose == "ingress" else "false"}

    def _rbac(self) -> dict[str, str]:
        return argocd_rbac(self.platform.argocd.rbac)

    def _notifications(self) -> dict[str, str]:
        """Slack notifications for sync failures and degraded health, token from a Secret."""
        channel = self.platform.argocd.slack_channel
        return {
            "service.slack": f"token: ${SLACK_SECRET_KEY}\n",
            "template.app-sync-failed": yamltext.dump(
                {
                    "message": ":x: {{.app.metadata.name}} failed to sync revision {{.app.status.operationState.syncResult.revision}}: {{.app.status.operationState.message}}"
                }
            ),
            "template.app-health-degraded": yamltext.dump(
                {"message": ":warning: {{.app.metadata.name}} is Degraded: {{.app.status.health.message}}"}
            ),
            "trigger.on-sync-failed": yamltext.dump(
                [
                    {
                        "when": "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
                        "send": ["app-sync-failed"],
                        # `?.`: syncResult is absent when a sync fails before it starts; the v3.5.1
                        # catalog (notifications_catalog/triggers/on-deployed.yaml) guards it the same way.
                        "oncePer": "app.status.operationState?.syncResult?.revision",
                    }
                ]
            ),
            "trigger.on-health-degraded": yamltext.dump(
                [{"when": "app.status.health.status == 'Degraded'", "send": ["app-health-degraded"], "oncePer": "app.status.sync.revision"}]
            ),
            "subscriptions": yamltext.dump([{"recipients": [f"slack:{channel}"], "triggers": ["on-sync-failed", "on-health-degraded"]}]),
        }

    def _bootstrap(self) -> None:
        """The root Application: Git's dist/argocd/ (this chart) applied by Argo CD itself."""
        git = self.platform.git
        platform_application(
            self,
            "bootstrap",
            namespace=self.namespace,
            destination_namespace=self.namespace,
            source=argo.ApplicationSpecSource(
                repo_url=git.repo_url, target_revision=git.target_revision, path=f"{git.dist_path}/{BOOTSTRAP_FOLDER}"
            ),
        )
        argo.AppProject(
            self,
            "platform-project",
            metadata={"name": "platform", "namespace": self.namespace},
            spec=argo.AppProjectSpec(
                description="Cluster platform: Argo CD itself and the controllers podinfo relies on",
                source_repos=[
                    git.repo_url,
                    ARGOCD_REPO,
                    *(c.repo_url for c in self.platform.charts.all()),
                    *([self.platform.istio.repo_url] if self.mesh else []),
                ],
                destinations=[argo.AppProjectSpecDestinations(server=IN_CLUSTER, namespace=n) for n in self._platform_namespaces()],
                cluster_resource_whitelist=[argo.AppProjectSpecClusterResourceWhitelist(group="*", kind="*")],
            ),
        )

    def _platform_namespaces(self) -> list[str]:
        charts = [c.namespace for c in self.platform.charts.all()]
        istio = self.platform.istio
        mesh = [istio.namespace, istio.ingress_namespace] if self.mesh else []
        # cert-manager and ingress-nginx keep leader-election leases in kube-system.
        return sorted({self.namespace, "kube-system", *charts, *mesh})

    @staticmethod
    def _istio_hosts(environments: Sequence[Environment]) -> list[str]:
        return [host for e in environments if e.in_mesh for host in e.hosts]

    def _server_exposure(self) -> None:
        argocd = self.platform.argocd
        if argocd.expose != "ingress":
            return
        k8s.KubeIngress(
            self,
            "server-ingress",
            metadata=k8s.ObjectMeta(
                name="argocd-server",
                namespace=self.namespace,
                annotations={"cert-manager.io/cluster-issuer": self.platform.tls.cluster_issuer},
            ),
            spec=k8s.IngressSpec(
                ingress_class_name=INGRESS_CLASS,
                tls=[k8s.IngressTls(hosts=[argocd.host], secret_name="argocd-server-tls")],
                rules=[
                    k8s.IngressRule(
                        host=argocd.host,
                        http=k8s.HttpIngressRuleValue(
                            paths=[
                                k8s.HttpIngressPath(
                                    path="/",
                                    path_type="Prefix",
                                    backend=k8s.IngressBackend(
                                        service=k8s.IngressServiceBackend(name="argocd-server", port=k8s.ServiceBackendPort(name="http"))
                                    ),
                                )
                            ]
                        ),
                    )
                ],
            ),
        )

    def _repository(self) -> None:
        """Declarative repository: URL only. Credentials live in a `repo-creds` Secret created out of band.

        Argo CD matches a repository to credential templates (Secrets labelled
        `argocd.argoproj.io/secret-type: repo-creds`) by URL prefix, so nothing secret is in Git.
        With `secrets.form: external` an ExternalSecret writes this Secret instead, its
        credentials from the store (ExternalSecrets), and it is not committed.
        """
        if self.platform.secrets.form == "external":
            return
        k8s.KubeSecret(
            self,
            "repository",
            metadata=k8s.ObjectMeta(name=REPOSITORY_SECRET, namespace=self.namespace, labels=dict(REPOSITORY_LABELS)),
            string_data=repository_fields(self.platform),
        )

    # --- podinfo -------------------------------------------------------------------------

    def _podinfo_project(self, environments: Sequence[Environment], kinds: Sequence[ManagedKind]) -> argo.AppProject:
        git = self.platform.git
        # A cluster-scoped kind is allowed only under the exact names the charts use: whitelisting
        # `Namespace` wholesale would let the project create or relabel any namespace.
        cluster_kinds = sorted({(k.group, k.kind, k.name or "*") for k in kinds if not k.namespaced})
        namespaced_kinds = sorted({(k.group, k.kind) for k in kinds if k.namespaced})
        return argo.AppProject(
            self,
            "podinfo-project",
            metadata={"name": "podinfo", "namespace": self.namespace},
            spec=argo.AppProjectSpec(
                description="podinfo: only its own repo, its environment namespaces and the kinds its charts emit",
                source_repos=[git.repo_url],
                # An Istio environment's TLS Certificate lives in the ingress gateway's namespace (mesh.py).
                destinations=[
                    argo.AppProjectSpecDestinations(server=server, namespace=namespace)
                    for server, namespace in dict.fromkeys(
                        (e.cluster.server, namespace)
                        for e in environments
                        for namespace in [e.namespace, *([self.platform.istio.ingress_namespace] if e.in_mesh else [])]
                    )
                ],
                cluster_resource_whitelist=[
                    argo.AppProjectSpecClusterResourceWhitelist(group=g, kind=k, name=n) for g, k, n in cluster_kinds
                ],
                namespace_resource_whitelist=[argo.AppProjectSpecNamespaceResourceWhitelist(group=g, kind=k) for g, k in namespaced_kinds],
                orphaned_resources=argo.AppProjectSpecOrphanedResources(warn=True),
            ),
        )

    def _application_set(self, environments: Sequence[Environment]) -> argo.ApplicationSet:
        """One Application per environment; each syncs dist/<environment>/ to its cluster and namespace."""
        git = self.platform.git
        elements = [
            {
                "environment": e.name,
                "cluster": e.cluster.name,
                "server": e.cluster.server,
                "namespace": e.namespace,
                "slackChannel": e.notifications.slack_channel,
            }
            for e in environments
        ]
        routers = {e.traffic_router for e in environments}
        ignore = []
        if "gatewayapi" in routers:
            ignore.append(
                argo.ApplicationSetSpecTemplateSpecIgnoreDifferences(
                    group="gateway.networking.k8s.io",
                    kind="HTTPRoute",
                    name=PLUGIN_HTTP_ROUTE,
                    jq_path_expressions=list(PLUGIN_RULE_PATHS),
                    json_pointers=[PLUGIN_LABEL_POINTER],
                )
            )
        if "istio" in routers:
            # Argo Rollouts' Istio router sets the weights of the `primary` route and adds the managed
            # routes on top (upstream: argo-rollouts v1.9.1 rollout/trafficrouting/istio/istio.go
            # reconcileVirtualService, SetHeaderRoute, SetMirrorRoute, orderRoutes): only those are
            # ignored, so a Git edit to any other route or field still applies.
            ignore.append(
                argo.ApplicationSetSpecTemplateSpecIgnoreDifferences(
                    group="networking.istio.io",
                    kind="VirtualService",
                    name=VIRTUAL_SERVICE_NAME,
                    jq_path_expressions=list(VIRTUAL_SERVICE_PATHS),
                )
            )

        return argo.ApplicationSet(
            self,
            "podinfo-appset",
            metadata={"name": "podinfo", "namespace": self.namespace, "annotations": waves.annotation(waves.ENVIRONMENTS)},
            spec=argo.ApplicationSetSpec(
                go_template=True,
                go_template_options=["missingkey=error"],
                generators=[argo.ApplicationSetSpecGenerators(list=argo.ApplicationSetSpecGeneratorsList(elements=elements))],
                # Deleting the ApplicationSet (or dropping an environment) must not delete live workloads.
                sync_policy=argo.ApplicationSetSpecSyncPolicy(preserve_resources_on_deletion=True),
                template=argo.ApplicationSetSpecTemplate(
                    metadata=argo.ApplicationSetSpecTemplateMetadata(
                        name="podinfo-{{.environment}}",
                        labels={
                            "app.kubernetes.io/part-of": "podinfo",
                            "podinfo.example.com/environment": "{{.environment}}",
                            "podinfo.example.com/cluster": "{{.cluster}}",
                        },
                        annotations={
                            "notifications.argoproj.io/subscribe.on-sync-failed.slack": "{{.slackChannel}}",
                            "notifications.argoproj.io/subscribe.on-health-degraded.slack": "{{.slackChannel}}",
                        },
                    ),
                    spec=argo.ApplicationSetSpecTemplateSpec(
                        project="podinfo",
                        source=argo.ApplicationSetSpecTemplateSpecSource(
                            repo_url=git.repo_url, target_revision=git.target_revision, path=f"{git.dist_path}/{{{{.environment}}}}"
                        ),
                        destination=argo.ApplicationSetSpecTemplateSpecDestination(server="{{.server}}", namespace="{{.namespace}}"),
                        ignore_differences=ignore or None,
                        sync_policy=argo.ApplicationSetSpecTemplateSpecSyncPolicy(
                            automated=argo.ApplicationSetSpecTemplateSpecSyncPolicyAutomated(prune=True, self_heal=True),
                            # Not RespectIgnoreDifferences: see PLUGIN_RULE_PATHS (the same holds for the
                            # VirtualService's `spec.http`, a list too).
                            sync_options=["PruneLast=true", *(["ApplyOutOfSyncOnly=true"] if ignore else [])],
                            retry=argo.ApplicationSetSpecTemplateSpecSyncPolicyRetry(
                                limit=RETRY_LIMIT, backoff=argo.ApplicationSetSpecTemplateSpecSyncPolicyRetryBackoff(**RETRY_BACKOFF)
                            ),
                        ),
                    ),
                ),
            ),
        )


_APPLICATION_HEALTH_LUA = """\
hs = {status = "Progressing", message = ""}
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
end
return hs
"""


def _patch(manifest: dict) -> str:
    return yamltext.dump(manifest)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _config_map_patch(name: str, data: dict[str, str]) -> str:
    return _patch({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
