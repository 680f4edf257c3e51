"""Logs (R5.4, podinfo_canary/charts/platform/logs.py): Loki as the pinned chart validates it, with retention from
config/platform.yaml; Alloy's pipeline as it ships in dist/: wired end to end, canary and stable
streams apart, and podinfo's lines counted by level under the name the rules read.

There is no Alloy binary on the package registries, so the pipeline is checked by emulating the
two behaviours it relies on, each read in the pinned source:
- Prometheus relabeling, action `replace` with the defaults Alloy's `discovery.relabel` uses
  (regex `(.*)` anchored, replacement `$1`; an empty result leaves the label out): prometheus
  model/relabel/relabel.go `relabel`.
- `loki.source.kubernetes` turning a target into stream labels: Alloy v1.18.1
  internal/component/loki/source/kubernetes/kubetail/target.go `PrepareLabelsWithMetaPreservation`
  (adds `job` and `instance`, drops `__meta_*`) and `publicLabels` (drops the rest of `__*`).
"""

from __future__ import annotations

import re

import pytest

from podinfo_canary.charts.platform import logs
from podinfo_canary.core.promql import ERROR_LEVELS, LOG_LINES_METRIC
from podinfo_canary.core.workload import HASH_SERIES_LABEL, TRACK_SERIES_LABEL
from tests.conftest import one, rollout_pod_labels

ALLOY_PREFIX = "loki_process_custom_"  # stages/metric.go defaultMetricsPrefix
COMPONENT = re.compile(r'^([a-z_.]+) "([a-z_]+)" \{$', re.MULTILINE)
REFERENCE = re.compile(r"\b([a-z_]+(?:\.[a-z_]+)+)\.([a-z_]+)\.(targets|output|receiver)\b")


def _values(objects, name: str) -> dict:
    return one(objects, "Application", name)["spec"]["source"]["helm"]["valuesObject"]


def _alloy_config(objects) -> str:
    return _values(objects, "alloy")["alloy"]["configMap"]["content"]


def _block(text: str, head: str) -> str:
    """The body of the first block whose header line is `head {` (braces balanced)."""
    start = text.index(head + " {")
    depth, index = 0, start
    while True:
        char = text[index]
        depth += char == "{"
        depth -= char == "}"
        if char == "}" and depth == 0:
            return text[start : index + 1]
        index += 1


# --- Loki --------------------------------------------------------------------------------------


def test_loki_values_meet_the_conditions_the_pinned_chart_fails_on(objects):
    """grafana-community loki chart 18.11.0 templates/validate.yaml `fail`s a release when (read
    there; the chart itself is not on the package registries, so the conditions are restated): a
    monolithic install on filesystem storage has more than one replica; scalable or distributed
    targets run beside it; the Helm test is on without the Loki canary; there is no schema_config
    and no test schema; the deprecated bundled MinIO is on."""
    values = _values(objects, "loki")
    loki = values["loki"]
    assert values["deploymentMode"] == "Monolithic"
    assert loki["storage"]["type"] == "filesystem"
    assert values["singleBinary"]["replicas"] == 1
    assert all(values[target]["replicas"] == 0 for target in ("read", "write", "backend"))
    assert not values["test"]["enabled"] and not values["lokiCanary"]["enabled"]
    assert loki["schemaConfig"]["configs"] and not loki.get("useTestSchema")
    assert not values.get("minio", {}).get("enabled")
    (schema,) = loki["schemaConfig"]["configs"]
    assert (schema["store"], schema["object_store"], schema["index"]["period"]) == ("tsdb", "filesystem", "24h")
    assert values["gateway"]["enabled"] is False  # Alloy and Grafana talk to Loki's own Service


def test_loki_keeps_logs_for_the_configured_retention_on_a_persistent_volume(objects, config):
    """The compactor deletes lines older than `limits_config.retention_period` only with
    `retention_enabled`, and Loki 3 wants `delete_request_store` with it (Loki docs,
    operations/storage/logs-deletion.md). Whole days: one index table per day (period 24h)."""
    logging = config.platform.logging
    values = _values(objects, "loki")
    assert values["loki"]["limits_config"] == {"retention_period": logging.retention}
    assert values["loki"]["compactor"] == {"retention_enabled": True, "delete_request_store": "filesystem"}
    assert re.fullmatch(r"[1-9]\d*d", logging.retention)
    persistence = values["singleBinary"]["persistence"]
    assert persistence["enabled"] is True and persistence["size"] == logging.storage.size
    assert persistence.get("storageClass") == logging.storage.storage_class


def test_alloy_and_grafana_reach_the_service_the_loki_chart_creates(objects, config):
    """Chart helper `loki.host`: monolithic without the gateway, Loki is
    `<fullname>.<namespace>.svc.<clusterDomain>.:<http_listen_port>`; fullname is the release name
    when it contains the chart name."""
    chart = config.platform.charts.loki
    app = one(objects, "Application", "loki")["spec"]
    release = app["source"]["helm"]["releaseName"]
    assert chart.chart in release and app["destination"]["namespace"] == chart.namespace
    host = f"http://{release}.{chart.namespace}.svc.cluster.local.:{logs.LOKI_PORT}"
    assert f'url = "{host}/loki/api/v1/push"' in _block(_alloy_config(objects), 'loki.write "loki"')
    (datasource,) = _values(objects, "kube-prometheus-stack")["grafana"]["additionalDataSources"]
    assert (datasource["type"], datasource["url"], datasource["uid"]) == ("loki", host, logs.DATASOURCE_UID)


# --- Alloy -------------------------------------------------------------------------------------


def wiring_problems(text: str) -> list[str]:
    """Lines flow from pod discovery to the Loki writer through every component: each reference
    names a defined component, and each component is downstream of discovery and upstream of the
    writer. A reference to `<c>.targets|output` feeds c's targets in; `forward_to = [<c>.receiver]`
    sends lines on to c."""
    bodies = {f"{kind}.{label}": _block(text, f'{kind} "{label}"') for kind, label in COMPONENT.findall(text)}
    edges: set[tuple[str, str]] = set()
    problems = []
    for name, body in bodies.items():
        for kind, label, export in REFERENCE.findall(body):
            other = f"{kind}.{label}"
            if other not in bodies:
                problems.append(f"{name} refers to undefined {other}")
            edges.add((name, other) if export == "receiver" else (other, name))

    def reach(start: str, forward: bool) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            node = todo.pop()
            for a, b in edges:
                nxt = b if forward else a
                if (a if forward else b) == node and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    sources = [n for n in bodies if n.startswith("discovery.kubernetes.")]
    sinks = [n for n in bodies if n.startswith("loki.write.")]
    if len(sources) != 1 or len(sinks) != 1:
        return [*problems, f"one pod discovery and one Loki writer expected: {sources}, {sinks}"]
    on_path = reach(sources[0], True) & reach(sinks[0], False)
    problems += [f"{name} is not on the way from discovery to Loki" for name in bodies if name not in on_path]
    return problems


def _relabel(text: str, discovered: dict[str, str]) -> dict[str, str]:
    """discovery.relabel's `rule` blocks (action replace) applied to one target, then what
    loki.source.kubernetes keeps as stream labels."""
    labels = dict(discovered)
    for rule in re.findall(r"rule \{(.*?)\}", _block(text, 'discovery.relabel "pods"'), re.DOTALL):
        sources = re.search(r"source_labels = \[(.*?)\]", rule).group(1)
        target = re.search(r'target_label = "(.*?)"', rule).group(1)
        assert "action" not in rule and "regex" not in rule, f"the emulation covers the default replace only: {rule}"
        value = ";".join(labels.get(name.strip().strip('"'), "") for name in sources.split(","))
        if value:
            labels[target] = value
        else:
            labels.pop(target, None)
    stream = {k: v for k, v in labels.items() if not k.startswith("__")}
    stream.setdefault("job", "loki.source.kubernetes.pods")
    stream.setdefault("instance", f"{discovered['__meta_kubernetes_namespace']}/{discovered['__meta_kubernetes_pod_name']}:podinfo")
    return stream


def _discovered(namespace: str, pod: str, pod_labels: dict[str, str]) -> dict[str, str]:
    """A pod target as Prometheus' Kubernetes discovery describes it (discovery/kubernetes
    `addObjectMetaLabels`: `__meta_kubernetes_pod_label_<sanitized name>`), podinfo's container."""
    meta = {f"__meta_kubernetes_pod_label_{logs.sanitize(k)}": v for k, v in pod_labels.items()}
    return meta | {
        "__meta_kubernetes_namespace": namespace,
        "__meta_kubernetes_pod_name": pod,
        "__meta_kubernetes_pod_container_name": "podinfo",
        "__meta_kubernetes_pod_uid": "uid-" + pod,
    }


def stream_problems(text: str, rollout: dict) -> list[str]:
    """A canary pod and a stable pod of the synthesized Rollout (its template labels, the
    controller's hash label, canaryMetadata/stableMetadata) get streams that tell them apart by the
    hash, under the name the metrics use; and a canary pod keeps its stream when the controller
    relabels it stable on promotion (rollout/ephemeralmetadata.go `reconcileEphemeralMetadata`):
    a changed label set is a new target whose whole log Alloy reads again."""
    namespace = rollout["metadata"]["namespace"]
    problems, streams = [], {}
    for track, pod_hash in (("canary", "7c9f8d6b5"), ("stable", "5d4c7b8a9")):
        pod_labels = rollout_pod_labels(rollout, track, pod_hash)
        pod = f"podinfo-{pod_hash}-x1"
        streams[track] = stream = _relabel(text, _discovered(namespace, pod, pod_labels))
        expected = {"namespace": namespace, "pod": pod, "container": "podinfo", HASH_SERIES_LABEL: pod_hash}
        for label, value in expected.items():
            if stream.get(label) != value:
                problems.append(f"{track} stream: {label}={stream.get(label)!r}, expected {value!r}")
        if track == "canary":
            promoted = _relabel(text, _discovered(namespace, pod, rollout_pod_labels(rollout, "stable", pod_hash)))
            if promoted != stream:
                problems.append(f"a promoted canary pod's stream changes: {stream} -> {promoted}")
    if streams["canary"].get(HASH_SERIES_LABEL) == streams["stable"].get(HASH_SERIES_LABEL):
        problems.append("canary and stable streams are not told apart")
    return problems


def counting_problems(text: str) -> list[str]:
    """podinfo's JSON lines get their `level` as a stream label before the counter sees them (the
    counter's labels are the entry's labels at that stage: stages/metric.go `Process`), every
    line counts, and the counter's exported name is the one the rules read."""
    problems = []
    match = _block(text, "stage.match")
    if f'selector = "{{container=\\"{logs.WORKLOAD}\\"}}"' not in match:
        problems.append("the match stage does not select podinfo's container")
    order = [stage for stage in re.findall(r"(stage\.[a-z_]+) \{", match) if stage != "stage.match"]
    if order != ["stage.json", "stage.labels", "stage.metrics"]:
        problems.append(f"stages in order {order}: level must be extracted, then labelled, then counted")
    if f"{logs.LEVEL_KEY} = " not in _block(match, "stage.json") or f"{logs.LEVEL_KEY} = " not in _block(match, "stage.labels"):
        problems.append("level is not extracted and labelled")
    counter = _block(match, "metric.counter")
    name = re.search(r'name = "(.*?)"', counter).group(1)
    if ALLOY_PREFIX + name != LOG_LINES_METRIC:
        problems.append(f"counter exported as {ALLOY_PREFIX + name}, rules read {LOG_LINES_METRIC}")
    if "match_all = true" not in counter or 'action = "inc"' not in counter:
        problems.append("the counter does not count every line")
    return problems


@pytest.fixture(scope="module")
def alloy_text(objects) -> str:
    return _alloy_config(objects)


def test_alloy_pipeline_is_wired_from_discovery_to_loki(alloy_text):
    assert wiring_problems(alloy_text) == []
    assert {f"{k}.{v}" for k, v in COMPONENT.findall(alloy_text)} == {
        "discovery.kubernetes.pods",
        "discovery.relabel.pods",
        "loki.source.kubernetes.pods",
        "loki.process.levels",
        "loki.write.loki",
    }


def test_canary_and_stable_logs_filter_apart_by_the_labels_metrics_use(alloy_text, objects, config):
    for env in config.environments:
        assert stream_problems(alloy_text, one(objects, "Rollout", "podinfo", env.name)) == [], env.name


def test_podinfo_lines_are_counted_by_level_under_the_name_the_rules_read(alloy_text, objects, config):
    assert counting_problems(alloy_text) == []
    rule = one(objects, "PrometheusRule", "podinfo", config.environments[0].name)
    exprs = [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"] if "podinfo_error_log_lines" in r.get("record", "")]
    assert exprs and all(LOG_LINES_METRIC in e and "|".join(ERROR_LEVELS) in e for e in exprs)


BREAKAGES = {
    "track label kept on streams": (
        lambda mp: mp.setattr(
            logs, "STREAM_LABELS", {**logs.STREAM_LABELS, TRACK_SERIES_LABEL: f"__meta_kubernetes_pod_label_{TRACK_SERIES_LABEL}"}
        ),
        stream_problems,
        "a promoted canary pod's stream changes",
    ),
    "hash read from the Deployment label": (
        lambda mp: mp.setattr(
            logs, "STREAM_LABELS", {**logs.STREAM_LABELS, HASH_SERIES_LABEL: "__meta_kubernetes_pod_label_pod_template_hash"}
        ),
        stream_problems,
        "canary stream: rollouts_pod_template_hash=None",
    ),
    "counted before labelled": (
        lambda mp: mp.setattr(logs, "alloy_components", _metrics_first(logs.alloy_components)),
        counting_problems,
        "stages in order",
    ),
    "process stage bypassed": (
        lambda mp: mp.setattr(logs, "alloy_components", _bypass(logs.alloy_components)),
        wiring_problems,
        "loki.process.levels is not on the way from discovery to Loki",
    ),
}


def _metrics_first(build):
    def broken(loki):
        blocks = build(loki)
        process = next(b for b in blocks if b.name == "loki.process")
        match = next(b for b in process.body if isinstance(b, logs.Block))
        body = list(match.body)
        body.insert(1, body.pop())  # stage.metrics straight after the selector
        new_match = logs.Block(match.name, match.label, tuple(body))
        new_process = logs.Block(process.name, process.label, tuple(new_match if b is match else b for b in process.body))
        return [new_process if b is process else b for b in blocks]

    return broken


def _bypass(build):
    def broken(loki):
        blocks = build(loki)
        source = next(b for b in blocks if b.name == "loki.source.kubernetes")
        body = tuple(
            ("forward_to", [logs.Ref("loki.write.loki.receiver")]) if isinstance(i, tuple) and i[0] == "forward_to" else i
            for i in source.body
        )
        return [logs.Block(source.name, source.label, body) if b is source else b for b in blocks]

    return broken


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_broken_pipeline_is_caught(breakage, monkeypatch, objects, config):
    apply, check, expected = BREAKAGES[breakage]
    apply(monkeypatch)
    text = logs.alloy_config(config.platform.charts.loki)
    problems = check(text, one(objects, "Rollout", "podinfo", "prod")) if check is stream_problems else check(text)
    assert any(expected in p for p in problems), problems


# Attributes and blocks each Alloy v1.18.1 component accepts, from the `alloy:"..."` struct tags of
# its Arguments: discovery/kubernetes/kubernetes.go (role, ...), discovery/relabel/relabel.go
# (targets, rule; a rule: internal/component/common/relabel/relabel.go Config),
# loki/source/kubernetes/kubernetes.go (targets, forward_to, ...), loki/process/process.go
# (forward_to, stage.*), stages/match.go, json.go, labels.go, metric.go and metric/counters.go,
# loki/write/write.go (endpoint) and types.go (url, ...). Only what this project uses is listed.
ALLOY_SCHEMA = {
    "discovery.kubernetes": {"role"},
    "discovery.relabel": {"targets", "rule"},
    "rule": {"source_labels", "target_label", "regex", "replacement", "action", "separator"},
    "loki.source.kubernetes": {"targets", "forward_to"},
    "loki.process": {"forward_to", "stage.match", "stage.json", "stage.labels", "stage.metrics"},
    "stage.match": {"selector", "stage.json", "stage.labels", "stage.metrics", "action", "pipeline_name"},
    "stage.json": {"expressions", "source", "drop_malformed"},
    "stage.labels": {"values"},
    "stage.metrics": {"metric.counter"},
    "metric.counter": {"name", "description", "source", "prefix", "max_idle_duration", "value", "action", "match_all", "count_entry_bytes"},
    "loki.write": {"endpoint"},
    "endpoint": {"url"},
}
GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")  # Go's time.ParseDuration


def schema_problems(blocks) -> list[str]:
    problems = []

    def walk(block):
        allowed = ALLOY_SCHEMA.get(block.name)
        if allowed is None:
            problems.append(f"unknown block {block.name}")
            return
        for item in block.body:
            name = item.name if isinstance(item, logs.Block) else item[0]
            if name not in allowed:
                problems.append(f"{block.name} has no {name}")
            if isinstance(item, logs.Block):
                walk(item)
            elif name == "max_idle_duration" and not GO_DURATION.match(item[1]):
                problems.append(f"max_idle_duration {item[1]!r} is not a Go duration")

    for block in blocks:
        walk(block)
    return problems


def test_every_alloy_block_and_attribute_is_one_the_component_accepts(config):
    assert schema_problems(logs.alloy_components(config.platform.charts.loki)) == []
    assert schema_problems([logs.Block("loki.write", "x", (logs.Block("endpoint", body=(("urls", "x"),)),))]) == ["endpoint has no urls"]
    assert schema_problems([logs.Block("metric.counter", body=(("max_idle_duration", "1d"),))]) != []


def test_alloy_runs_unprivileged_keeps_its_positions_and_keeps_podinfos_labels(objects, config):
    """The image's alloy user (uid 473, Dockerfile), not the chart's default root; the read
    positions on a volume at the storage path; the chart's ServiceMonitor (honorLabels: true,
    templates/servicemonitor.yaml) with no relabelings that could rewrite the counter's namespace."""
    values = _values(objects, "alloy")
    pod = values["global"]["podSecurityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == pod["fsGroup"] == logs.ALLOY_UID
    container = values["alloy"]["securityContext"]
    assert container["allowPrivilegeEscalation"] is False and container["capabilities"]["drop"] == ["ALL"]
    assert values["controller"]["type"] == "statefulset"
    (claim,) = values["controller"]["volumeClaimTemplates"]
    (mount,) = values["alloy"]["mounts"]["extra"]
    assert mount == {"name": claim["metadata"]["name"], "mountPath": values["alloy"]["storagePath"]}
    assert claim["spec"].get("storageClassName") == config.platform.logging.storage.storage_class
    monitor = values["serviceMonitor"]
    assert monitor["enabled"] is True and not monitor.get("relabelings") and not monitor.get("metricRelabelings")
