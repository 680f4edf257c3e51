"""Argo CD sync waves, lowest first. One table so the ordering can be read (and reviewed) at once.

Within the bootstrap app: Argo CD itself, kube-prometheus-stack (it installs the ServiceMonitor CRD
that cert-manager, ingress-nginx and argo-rollouts render), the other CRD-bearing charts, the
controllers that use those CRDs, the instances of them, then the podinfo environments. A wave waits
for the previous one to be healthy only because argocd-cm carries a health check for Applications
(ArgoCdStack). On the very first sync that check is not in place yet, so the waves run back to back
once: charts skip the dry run of kinds whose CRD is missing, and the Applications' retries
(apps.py RETRY_LIMIT) let the first pass converge. Within an environment: the namespace, then
analysis templates (the Rollout references them) and network policies (in force before any pod
starts), then everything else.

With `secrets.form: external`, each ExternalSecret comes before the objects that read its Secret:
those in Argo CD's namespace before Argo CD's own settings, the Rollouts notification Secret as
soon as its namespace exists (the argo-rollouts Application creates it) and before the
environments whose events it sends, an environment's before its AlertmanagerConfig. Argo CD's
built-in health check for ExternalSecret (Healthy once ESO reports it Ready) makes the next wave
wait for the Secret.

docs/architecture.md "How it flows".
"""

ARGOCD_SECRETS = -60  # ExternalSecrets in Argo CD's namespace (notifications, SSO, repository): the namespace predates the sync
ARGOCD = -50  # Argo CD itself: its argocd-cm carries the Application health check the waves rely on
MONITORING_CRDS = -40  # kube-prometheus-stack: ServiceMonitor/PodMonitor CRDs the other charts render
CRD_PLATFORM = -30  # cert-manager, Argo CD itself: install CRDs others need
CONTROLLERS = -20  # argo-rollouts, ingress-nginx
CONTROLLER_SECRETS = -15  # ExternalSecrets in a controller's namespace (argo-rollouts'), which its Application creates
CRD_INSTANCES = -10  # ClusterIssuer (needs cert-manager's CRDs)
ENVIRONMENTS = 0  # the podinfo ApplicationSet

NAMESPACE = -10
SECRETS = -5  # ExternalSecrets of the Alertmanager receivers: before the AlertmanagerConfig (WORKLOAD)
ANALYSIS = -5
POLICIES = -5  # NetworkPolicies: in force before the first podinfo pod starts
WORKLOAD = 0


def annotation(wave: int) -> dict[str, str]:
    return {"argocd.argoproj.io/sync-wave": str(wave)}
