"""PodinfoPodMonitor: Prometheus scrapes podinfo's metrics port with the track and hash labels (core/promql.py says what)."""

from __future__ import annotations

from constructs import Construct

from imports.monitoring.com.coreos import monitoring as mon
from podinfo_canary.charts.environment.mesh import ENVOY_METRICS_PATH, ENVOY_METRICS_PORT_NAME
from podinfo_canary.core.promql import METRICS_PORT_NAME, SCRAPE_INTERVAL_SECONDS
from podinfo_canary.core.workload import HASH_LABEL, TRACK_LABEL, WORKLOAD


class PodinfoPodMonitor(Construct):
    """PodMonitor `podinfo`: every podinfo pod, stable and canary, scraped once on its metrics port.

    A PodMonitor rather than a ServiceMonitor: the stable and canary Services select overlapping
    pods, so monitoring through them would scrape pods twice.

    Args:
        namespace: the environment namespace.
        release: kube-prometheus-stack's release label, which its Prometheus selects on.
        pod_labels: labels that select podinfo pods.
        sidecar_metrics: also scrape each pod's Istio sidecar (its Envoy's `istio_requests_total`
            and the rest), with the same track and hash labels. Default: False.
    """

    def __init__(
        self, scope: Construct, id: str, *, namespace: str, release: str, pod_labels: dict[str, str], sidecar_metrics: bool = False
    ) -> None:
        super().__init__(scope, id)
        self.scrape_interval_seconds = SCRAPE_INTERVAL_SECONDS
        self.resource = mon.PodMonitor(
            self,
            "resource",
            metadata={"name": WORKLOAD, "namespace": namespace, "labels": {"release": release}},
            spec=mon.PodMonitorSpec(
                selector=mon.PodMonitorSpecSelector(match_labels=pod_labels),
                pod_target_labels=[HASH_LABEL, TRACK_LABEL],
                pod_metrics_endpoints=[
                    mon.PodMonitorSpecPodMetricsEndpoints(port=METRICS_PORT_NAME, path="/metrics", interval=f"{SCRAPE_INTERVAL_SECONDS}s"),
                    *(
                        [
                            mon.PodMonitorSpecPodMetricsEndpoints(
                                port=ENVOY_METRICS_PORT_NAME, path=ENVOY_METRICS_PATH, interval=f"{SCRAPE_INTERVAL_SECONDS}s"
                            )
                        ]
                        if sidecar_metrics
                        else []
                    ),
                ],
            ),
        )
