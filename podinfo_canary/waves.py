"""Argo CD sync waves, lowest first. One table so the ordering can be read (and reviewed) at once.

Within the bootstrap app: CRD-bearing platform charts first, then the controllers that use those
CRDs, then objects that are instances of them, then the podinfo environments. Within an
environment: the namespace first, then analysis templates (the Rollout references them), then
everything else.
"""

CRD_PLATFORM = -30  # cert-manager, kube-prometheus-stack: install CRDs others need
CONTROLLERS = -20  # argo-rollouts, ingress-nginx
CRD_INSTANCES = -10  # ClusterIssuer (needs cert-manager's CRDs)
ENVIRONMENTS = 0  # the podinfo ApplicationSet

NAMESPACE = -10
ANALYSIS = -5
WORKLOAD = 0


def annotation(wave: int) -> dict[str, str]:
    return {"argocd.argoproj.io/sync-wave": str(wave)}
