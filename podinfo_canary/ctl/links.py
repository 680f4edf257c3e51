"""Where an operator looks at a rollout: Argo CD, the Argo Rollouts dashboard and Grafana, from
config/ and the pinned charts' names (`canaryctl dashboard`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from podinfo_canary import config as config_module
from podinfo_canary.core.workload import DASHBOARD_UID, WORKLOAD

# argo-helm argo-rollouts 2.41: Service `<fullname>-dashboard` (HelmChart.release) on port 3100
# (templates/dashboard/service.yaml, values dashboard.service.port); the dashboard serves under
# its root path, default `rollouts` (Argo Rollouts v1.9.1 cmd/dashboard/dashboard.go `--root-path`),
# a rollout at `/rollout/<namespace>/<name>` (ui/src/app/App.tsx).
ROLLOUTS_DASHBOARD_PORT = 3100
# kube-prometheus-stack's Grafana (grafana chart 12.11.1): Service `<release>-grafana`, port 80 to 3000.
GRAFANA_PORT = (3000, 80)


@dataclass(frozen=True)
class Link:
    name: str
    url: str
    port_forward: str | None  # the command that makes the URL reachable, when no ingress does


def links(platform: config_module.Platform, environment: config_module.Environment) -> list[Link]:
    ns = environment.namespace
    argocd = platform.argocd
    app_path = f"/applications/{argocd.namespace}/{WORKLOAD}-{environment.name}"
    if argocd.expose == "ingress":
        argocd_link = Link("Argo CD", f"https://{argocd.host}{app_path}", None)
    else:
        argocd_link = Link(
            "Argo CD",
            f"https://<external address>{app_path}",
            f"kubectl -n {argocd.namespace} get service argocd-server  # its LoadBalancer address",
        )
    service, port = f"{platform.charts.argo_rollouts.release}-dashboard", ROLLOUTS_DASHBOARD_PORT
    rollouts_ns = platform.charts.argo_rollouts.namespace
    local, remote = GRAFANA_PORT
    monitoring = platform.charts.kube_prometheus_stack.namespace
    return [
        argocd_link,
        Link(
            "Argo Rollouts dashboard (read-only)",
            f"http://localhost:{port}/rollouts/rollout/{ns}/{WORKLOAD}",
            f"kubectl -n {rollouts_ns} port-forward service/{service} {port}:{port}",
        ),
        Link(
            "Grafana",
            f"http://localhost:{local}/d/{DASHBOARD_UID}?var-namespace={ns}",
            f"kubectl -n {monitoring} port-forward service/{platform.prometheus_release}-grafana {local}:{remote}",
        ),
    ]


def as_json(found: list[Link]) -> list[dict]:
    return [asdict(link) for link in found]
