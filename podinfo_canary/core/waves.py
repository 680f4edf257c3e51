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

README "How it flows".
"""

ARGOCD = -50  # Argo CD itself: its argocd-cm carries the Application health check the waves rely on
MONITORING_CRDS = -40  # kube-prometheus-stack: ServiceMonitor/PodMonitor CRDs the other charts render
CRD_PLATFORM = -30  # cert-manager, Argo CD itself: install CRDs others need
CONTROLLERS = -20  # argo-rollouts, ingress-nginx
CRD_INSTANCES = -10  # ClusterIssuer (needs cert-manager's CRDs)
ENVIRONMENTS = 0  # the podinfo ApplicationSet

NAMESPACE = -10
ANALYSIS = -5
POLICIES = -5  # NetworkPolicies: in force before the first podinfo pod starts
WORKLOAD = 0


def annotation(wave: int) -> dict[str, str]:
    return {"argocd.argoproj.io/sync-wave": str(wave)}
