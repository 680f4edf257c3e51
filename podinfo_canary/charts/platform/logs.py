"""Logs (R5.4): Loki keeps every pod's log lines, Grafana Alloy collects them, and one log-based
signal reaches Prometheus.

Two platform Applications (PlatformApps), pinned like the other charts in config/platform.yaml:

- **Loki** (grafana-community `loki` chart 18.11.0, Loki 3.7.6), one monolithic replica on a
  persistent volume (filesystem storage: the chart allows one replica without object storage,
  charts/loki/templates/validate.yaml). Retention is `logging.retention`: the compactor deletes
  older lines (`limits_config.retention_period`, `compactor.retention_enabled`; with retention on,
  Loki 3 needs `compactor.delete_request_store`, docs operations/storage/logs-deletion.md).
- **Alloy** (grafana `alloy` chart 1.11.1, Alloy v1.18.1), one StatefulSet replica that tails pods
  through the Kubernetes API (`loki.source.kubernetes`): no hostPath, at the cost of API-server
  traffic (a large cluster would switch the chart to a DaemonSet reading /var/log/pods). It runs as
  the image's `alloy` user (uid 473, the image's Dockerfile; the chart's default is root) and keeps
  its read positions (`<storage.path>/.../positions.yml`, loki/source/kubernetes/kubernetes.go
  `New`) on a small volume, so a restart does not read every container's log again. Its
  pipeline (rendered by `alloy_config`):
  1. `discovery.kubernetes` lists pods; `discovery.relabel` keeps `namespace`, `pod`,
     `container` and the Argo Rollouts hash `rollouts_pod_template_hash`, the name podinfo's
     metrics use (Prometheus' Kubernetes discovery exposes pod label `l` as
     `__meta_kubernetes_pod_label_<l sanitized>`: discovery/kubernetes `addObjectMetaLabels`).
     Canary and stable pods have different hashes, so their streams filter apart. Deployments'
     `pod_template_hash` is kept too, for the platform's own pods. The track label is not kept:
     Argo Rollouts relabels running pods when it promotes (rollout/ephemeralmetadata.go
     `reconcileEphemeralMetadata`), and a target whose labels change is a new target (kubetail
     target.go hashes the public labels) with no read position, whose whole log is read again.
     Queries get the track from Prometheus instead (`metrics.Slis.pods`).
  2. `loki.source.kubernetes` tails them (kubernetes.go calls kubetail `PrepareLabels`): it adds
     `job` and `instance` and drops every label starting `__` (target.go
     `PrepareLabelsWithMetaPreservation`, `publicLabels`).
  3. `loki.process` reads podinfo's JSON lines (zap, `level` key, lowercase levels: podinfo 6.14.1
     cmd/podinfo/main.go `initZap`), makes `level` a stream label, and counts lines with
     `stage.metrics`. The counter is exported on Alloy's /metrics as
     `loki_process_custom_podinfo_log_lines_total` (stages/metric.go `defaultMetricsPrefix`),
     labelled with the entry's stream labels (`recordCounter(..., labels, ...)`), so it carries
     namespace, pod, hash and level.
  4. `loki.write` pushes to Loki's Service (the chart's `loki.host` helper: without the gateway a
     monolithic install is `<fullname>.<namespace>.svc.<clusterDomain>.:3100`).

The signal. Alloy's ServiceMonitor scrapes the counter with `honorLabels: true` (the chart's
templates/servicemonitor.yaml), so its namespace is podinfo's, not Alloy's. ObservabilityStack
records error lines per track, each pod's under the track Prometheus scrapes it with
(`namespace_track:podinfo_error_log_lines:rate<window>`, levels in `metrics.ERROR_LEVELS`), and
alerts `PodinfoCanaryErrorLogs` when each canary pod logs more than
`logging.canary_error_lines_per_minute` and more than `logging.canary_error_factor` times a
stable pod. Two limits to know: podinfo's
zap logger samples (after 100 identical lines in a second, one in 100), so the count is a floor
in a flood; and a counter appears at its first line, which `rate()` cannot see.

Grafana gets Loki as a datasource (uid `loki`, kube-prometheus-stack `grafana.additionalDataSources`),
and the dashboard a panel of podinfo's warnings and errors per track.
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
# The JSON key podinfo's zap logger writes the level under.
LEVEL_KEY = "level"
# Alloy's data directory (read positions), on its own volume; the image's alloy user (uid 473).
ALLOY_DATA = "/var/lib/alloy"
ALLOY_UID = 473
ALLOY_VOLUME = "1Gi"  # positions files are a few kilobytes


# Stream label: the pod field or label it comes from (Prometheus Kubernetes discovery meta labels).
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
    """The collector's pipeline: discover pods, keep the labels that matter, tail, count, push."""
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
    """Values of the grafana `alloy` chart 1.11.1 (keys read in its values.yaml and templates:
    `global.podSecurityContext` is the pod's, `alloy.securityContext` the container's,
    `controller.volumeClaimTemplates` apply to a StatefulSet)."""
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
