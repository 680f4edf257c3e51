"""The log stack: Loki keeps every pod's log lines, Grafana Alloy collects them, and one log-based signal reaches Prometheus.

Two platform Applications (PlatformApps), pinned in config/platform.yaml: Loki, one monolithic
replica on a persistent volume, deleting lines older than `logging.retention`; Alloy, one
StatefulSet replica that tails every pod through the Kubernetes API and keeps its read positions
on a volume. Alloy's pipeline (`alloy_config`) discovers pods, keeps the labels of `STREAM_LABELS`
(the pod-template hash, never the track), tails them, makes podinfo's JSON `level` a stream label,
counts lines by level (`promql.LOG_LINES_METRIC`, which ObservabilityStack records per track) and
pushes to Loki. Grafana gets Loki as a datasource (`grafana_datasource`).

docs/operations/monitoring.md "Logs".
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from podinfo_canary.config import HelmChart, Logging
from podinfo_canary.core.promql import LOG_LINES_COUNTER, LOG_LINES_MAX_IDLE
from podinfo_canary.core.workload import HASH_LABEL, WORKLOAD, sanitize

LOKI_PORT = 3100  # loki.server.http_listen_port, chart default
DATASOURCE_UID = "loki"
# The first day of the TSDB index schema v13. A schema entry applies from its date on; later
# schema changes add an entry with a later date, never edit this one.
SCHEMA_FROM = "2026-01-01"
# The JSON key podinfo's zap logger writes the level under, in lowercase (upstream: podinfo 6.14.1
# cmd/podinfo/main.go initZap).
LEVEL_KEY = "level"
# Alloy's data directory, on its own volume, so a restart does not read every log again (read
# positions: upstream: alloy v1.18.1 internal/component/loki/source/kubernetes/kubernetes.go New).
# The image's alloy user (uid 473, its Dockerfile); the chart's default is root.
ALLOY_DATA = "/var/lib/alloy"
ALLOY_UID = 473
ALLOY_VOLUME = "1Gi"  # positions files are a few kilobytes


# Stream label: the pod field or label it comes from (Prometheus' Kubernetes discovery exposes pod
# label `l` as `__meta_kubernetes_pod_label_<l sanitized>`, discovery/kubernetes addObjectMetaLabels).
# Canary and stable pods differ by hash; Deployments' `pod_template_hash` serves the platform's pods.
# No track label: Argo Rollouts relabels running pods at promotion, and a target whose labels change
# is a new target without a read position, whose whole log is read again (upstream: alloy v1.18.1
# internal/component/loki/source/kubernetes/kubetail/target.go hashes the public labels). Queries
# take the track from Prometheus (`Slis.pods`).
STREAM_LABELS = {
    "namespace": "__meta_kubernetes_namespace",
    "pod": "__meta_kubernetes_pod_name",
    "container": "__meta_kubernetes_pod_container_name",
    sanitize(HASH_LABEL): f"__meta_kubernetes_pod_label_{sanitize(HASH_LABEL)}",
    "pod_template_hash": "__meta_kubernetes_pod_label_pod_template_hash",
}


def loki_url(chart: HelmChart) -> str:
    """Loki's HTTP address inside the cluster (chart helper `loki.host`, gateway disabled)."""
    return f"http://{chart.release}.{chart.namespace}.svc.cluster.local.:{LOKI_PORT}"


# --- Alloy configuration syntax -------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """An expression naming another component's export, written bare (not quoted)."""

    path: str


@dataclass(frozen=True)
class Block:
    """A block of Alloy's configuration syntax: `name "label" { attributes and blocks }`."""

    name: str
    label: str | None = None
    body: Sequence[tuple[str, object] | Block] = field(default_factory=tuple)

    def render(self, indent: int = 0) -> str:
        pad = "  " * indent
        head = f'{self.name} "{self.label}"' if self.label else self.name
        lines = [f"{pad}{head} {{"]
        for item in self.body:
            if isinstance(item, Block):
                lines.append(item.render(indent + 1))
            else:
                key, value = item
                lines.append(f"{pad}  {key} = {_value(value, indent + 1)}")
        lines.append(f"{pad}}}")
        return "\n".join(lines)


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _value(value: object, indent: int) -> str:
    if isinstance(value, Ref):
        return value.path
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a double-quoted string with Go-compatible escapes
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v, indent) for v in value) + "]"
    if isinstance(value, dict):
        pad = "  " * indent
        keys = [(k if _IDENTIFIER.match(k) else json.dumps(k)) for k in value]
        items = [f"{pad}  {k} = {_value(v, indent + 1)}," for k, v in zip(keys, value.values(), strict=True)]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    raise TypeError(f"no Alloy syntax for {value!r}")


def alloy_components(loki: HelmChart) -> list[Block]:
    """The collector's pipeline: discover pods, keep the labels that matter, tail, count, push.

    The counter is exported on Alloy's /metrics with the prefix `loki_process_custom_`, labelled with
    each entry's stream labels (upstream: alloy v1.18.1 internal/component/loki/process/stages/metric.go
    defaultMetricsPrefix, recordCounter), so it carries namespace, pod, hash and level.
    """
    relabel = [Block("rule", body=(("source_labels", [meta]), ("target_label", label))) for label, meta in STREAM_LABELS.items()]
    counter = Block(
        "metric.counter",
        body=(
            ("name", LOG_LINES_COUNTER),
            ("description", f"Log lines of the {WORKLOAD} container by stream labels and level"),
            ("match_all", True),
            ("action", "inc"),
            # Default 5m: a level idle that long would vanish and come back at 1, losing a line
            # to rate() each time (stages/metric.go `MaxIdle`).
            ("max_idle_duration", LOG_LINES_MAX_IDLE),
        ),
    )
    podinfo_lines = Block(
        "stage.match",
        body=(
            ("selector", f'{{container="{WORKLOAD}"}}'),
            Block("stage.json", body=(("expressions", {LEVEL_KEY: ""}),)),
            Block("stage.labels", body=(("values", {LEVEL_KEY: ""}),)),
            Block("stage.metrics", body=(counter,)),
        ),
    )
    return [
        Block("discovery.kubernetes", "pods", (("role", "pod"),)),
        Block("discovery.relabel", "pods", (("targets", Ref("discovery.kubernetes.pods.targets")), *relabel)),
        # Tailing adds `job` and `instance` and drops every label starting `__` (upstream: alloy v1.18.1
        # internal/component/loki/source/kubernetes/kubetail/target.go PrepareLabelsWithMetaPreservation, publicLabels).
        Block(
            "loki.source.kubernetes",
            "pods",
            (("targets", Ref("discovery.relabel.pods.output")), ("forward_to", [Ref("loki.process.levels.receiver")])),
        ),
        Block("loki.process", "levels", (("forward_to", [Ref("loki.write.loki.receiver")]), podinfo_lines)),
        Block("loki.write", "loki", (Block("endpoint", body=(("url", f"{loki_url(loki)}/loki/api/v1/push"),)),)),
    ]


def alloy_config(loki: HelmChart) -> str:
    """Alloy's configuration file (the chart's `alloy.configMap.content`)."""
    return "\n\n".join(block.render() for block in alloy_components(loki)) + "\n"


# --- Helm values ---------------------------------------------------------------------------


def loki_values(logging: Logging, release_label: dict[str, str]) -> dict:
    """Values of the grafana-community `loki` chart 18.11.0 (keys read in its values.yaml)."""
    persistence: dict = {"enabled": True, "size": logging.storage.size}
    if logging.storage.storage_class:
        persistence["storageClass"] = logging.storage.storage_class
    return {
        # One replica on filesystem storage: the chart allows no more without object storage
        # (upstream: loki chart 18.11.0 templates/validate.yaml).
        "deploymentMode": "Monolithic",
        "loki": {
            "auth_enabled": False,  # one tenant; access is guarded by Kubernetes, not by Loki
            "commonConfig": {"replication_factor": 1},
            "storage": {"type": "filesystem"},
            "schemaConfig": {
                "configs": [
                    {
                        "from": SCHEMA_FROM,
                        "store": "tsdb",
                        "object_store": "filesystem",
                        "schema": "v13",
                        "index": {"prefix": "loki_index_", "period": "24h"},
                    }
                ]
            },
            "limits_config": {"retention_period": logging.retention},
            # With retention on, Loki 3 needs a delete request store (upstream: loki 3.7.6
            # docs/sources/operations/storage/logs-deletion.md).
            "compactor": {"retention_enabled": True, "delete_request_store": "filesystem"},
            "analytics": {"reporting_enabled": False},
        },
        "singleBinary": {"replicas": 1, "persistence": persistence},
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "backend": {"replicas": 0},
        "gateway": {"enabled": False},
        # The memcached caches pay off for many queriers; one replica reads its own disk.
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},  # the chart refuses a Helm test without the canary
        "monitoring": {"serviceMonitor": {"enabled": True, "labels": release_label}},
    }


def alloy_values(loki: HelmChart, logging: Logging, release_label: dict[str, str]) -> dict:
    """Values of the grafana `alloy` chart 1.11.1 (keys read in its values.yaml and templates).

    `global.podSecurityContext` is the pod's, `alloy.securityContext` the container's, and
    `controller.volumeClaimTemplates` apply to a StatefulSet."""
    claim: dict = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": ALLOY_VOLUME}}}
    if logging.storage.storage_class:
        claim["storageClassName"] = logging.storage.storage_class
    return {
        "global": {
            "podSecurityContext": {
                "runAsNonRoot": True,
                "runAsUser": ALLOY_UID,
                "runAsGroup": ALLOY_UID,
                "fsGroup": ALLOY_UID,
                "seccompProfile": {"type": "RuntimeDefault"},
            }
        },
        "crds": {"create": False},  # the PodLogs CRD: not used here
        "alloy": {
            "configMap": {"create": True, "content": alloy_config(loki)},
            "enableReporting": False,
            "storagePath": ALLOY_DATA,
            "mounts": {"extra": [{"name": "data", "mountPath": ALLOY_DATA}]},
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        },
        "controller": {
            "type": "statefulset",
            "replicas": 1,
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": claim}],
        },
        # The chart's ServiceMonitor sets honorLabels: true (templates/servicemonitor.yaml), so the
        # log counter keeps podinfo's namespace and pod; no relabelings may rewrite them.
        "serviceMonitor": {"enabled": True, "additionalLabels": release_label},
    }


def grafana_datasource(loki: HelmChart) -> dict:
    """Loki as a Grafana datasource (kube-prometheus-stack `grafana.additionalDataSources`)."""
    return {"name": "Loki", "type": "loki", "uid": DATASOURCE_UID, "access": "proxy", "url": loki_url(loki)}
