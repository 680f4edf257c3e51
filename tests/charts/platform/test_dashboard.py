"""The Grafana dashboard (PodinfoDashboard): what ships is what the SDK builds, Grafana's sidecar
finds it, every query parses and reads only metrics that exist.

The construct is synthesized in-process (one small chart with the dashboard and an environment's
PrometheusRule, whose recorded series the panels read), so this file needs no full synth.
"""

from __future__ import annotations

import json

import cdk8s
import promql_parser
import pytest

from podinfo_canary import config as config_module
from podinfo_canary.charts.environment.observability import RecordedSlis
from podinfo_canary.charts.platform import dashboard, logs
from podinfo_canary.charts.platform.dashboard import PodinfoDashboard, dashboard_builder, render
from podinfo_canary.core import yamltext
from podinfo_canary.core.promql import ERROR_LEVELS, EXPORTED_METRICS
from tests.conftest import DIST, ROOT, dashboard_queries, find, metric_names

FIXTURE = ROOT / "tests" / "fixtures" / "config"

# The panels R5.1 asks for.
REQUIRED_PANELS = {
    "Request rate: stable vs canary",
    "Success rate by track",
    "Latency P50 / P95 / P99",
    "Error rate: stable vs canary",
    "Canary share of traffic",
    "Rollout status",
    "Replicas",
    "Analysis runs",
    "Rollout outcomes",
    "Time rolling out",
    # R5.4
    "Error log lines: stable vs canary",
    "podinfo warnings and errors",
}


def build_dashboard(config, objects) -> tuple[dict, set[str]]:
    """The dashboard's ConfigMap as the construct synthesizes it for `config`, and the series the
    PrometheusRules of `objects` record."""
    platform = config.platform
    chart = cdk8s.Chart(cdk8s.App(), "test")
    PodinfoDashboard(
        chart,
        "dashboard",
        namespace=platform.charts.kube_prometheus_stack.namespace,
        alerting=platform.alerting,
        environments=config.environments,
    )
    recorded = {
        r["record"] for rule in find(objects, "PrometheusRule") for g in rule["spec"]["groups"] for r in g["rules"] if "record" in r
    }
    (config_map,) = [o for o in chart.to_json() if o["kind"] == "ConfigMap"]
    return config_map, recorded


def dashboard_model(config_map: dict) -> dict:
    return json.loads(config_map["data"][dashboard.FILE_NAME])


@pytest.fixture(scope="module")
def synthesized(config, objects) -> tuple[dict, set[str]]:
    return build_dashboard(config, objects)


@pytest.fixture(scope="module")
def model(synthesized) -> dict:
    return dashboard_model(synthesized[0])


def _panels(model: dict) -> list[dict]:
    return [p for p in model["panels"] if p["type"] != "row"]


def _unknown_metrics(model: dict, recorded: set[str]) -> list[str]:
    used = set().union(*(metric_names(q) for q in dashboard_queries(model)))
    return sorted(used - recorded - EXPORTED_METRICS.keys())


def test_config_map_holds_what_the_sdk_builder_builds_where_the_grafana_sidecar_looks(synthesized, config):
    config_map, _ = synthesized
    rebuilt = render(dashboard_builder(alerting=config.platform.alerting, environments=config.environments).build())
    assert config_map["data"] == {"podinfo-canary.json": rebuilt}
    meta = config_map["metadata"]
    assert (meta["name"], meta["namespace"]) == ("podinfo-canary-dashboard", config.platform.charts.kube_prometheus_stack.namespace)
    assert meta["labels"]["grafana_dashboard"] == "1"
    assert meta["annotations"]["grafana_folder"] == "Podinfo"
    # What ships in dist/argocd/ is the same object (test_drift pins dist/ to a fresh synth).
    (shipped,) = yamltext.read_documents(DIST / "argocd" / "ConfigMap.podinfo-canary-dashboard.k8s.yaml")
    assert shipped["data"] == config_map["data"] and shipped["metadata"]["labels"]["grafana_dashboard"] == "1"


def test_sidecar_is_told_to_read_the_folder_annotation():
    """kube-prometheus-stack's values as shipped (dist/ is pinned to a fresh synth by test_drift)."""
    (app,) = yamltext.read_documents(DIST / "argocd" / "Application.kube-prometheus-stack.k8s.yaml")
    sidecar = app["spec"]["source"]["helm"]["valuesObject"]["grafana"]["sidecar"]["dashboards"]
    assert (sidecar["label"], sidecar["labelValue"], sidecar["searchNamespace"]) == ("grafana_dashboard", "1", "ALL")
    assert sidecar["folderAnnotation"] == "grafana_folder"
    assert sidecar["provider"]["foldersFromFilesStructure"] is True


def test_every_panel_has_a_target_and_every_query_parses(model):
    panels = _panels(model)
    assert panels and all(p.get("targets") for p in panels), [p["title"] for p in panels if not p.get("targets")]
    sources = {json.dumps(t["datasource"], sort_keys=True) for p in panels for t in p["targets"]}
    assert sources == {'{"type": "prometheus", "uid": "prometheus"}', '{"type": "loki", "uid": "loki"}'}
    queries = dashboard_queries(model)
    assert len(queries) > len(panels)
    for query in queries:
        assert "$" not in query, query
        promql_parser.parse(query)


def test_panels_cover_traffic_slis_rollout_and_history(model):
    assert {p["title"] for p in _panels(model)} >= REQUIRED_PANELS


def test_namespace_variable_offers_the_configured_environments(model, config):
    (variable,) = model["templating"]["list"]
    assert variable["name"] == "namespace"
    assert all(e.namespace in variable["query"] for e in config.environments)
    assert all('namespace="$namespace"' in t["expr"] for p in _panels(model) for t in p["targets"])


def _slo_lines(model: dict) -> dict[str, list]:
    """The threshold steps of each SLO panel ([] for a panel without thresholds)."""
    steps = {
        p["title"]: [s["value"] for s in p["fieldConfig"]["defaults"].get("thresholds", {}).get("steps", [])]
        for p in _panels(model)
        if "fieldConfig" in p
    }
    return {title: steps[title] for title in ("Success rate by track", "Error rate: stable vs canary", "Latency P50 / P95 / P99")}


def _expected_lines(environments) -> dict[str, list]:
    """One dashboard shows every environment, so a panel draws an SLO line only for a value all
    environments share (a line from one environment's SLO over another's data would mislead)."""

    def shared(field: str) -> list:
        values = {getattr(e.slo, field) for e in environments}
        return list(values) if len(values) == 1 else []

    latency = [ms / 1000 for ms in shared("latency_p95_max_ms") + shared("latency_p99_max_ms")]
    return {
        "Success rate by track": [None, *shared("success_rate_min")] if shared("success_rate_min") else [],
        "Error rate: stable vs canary": [None, *shared("error_rate_max")] if shared("error_rate_max") else [],
        "Latency P50 / P95 / P99": [None, *latency] if latency else [],
    }


def test_slo_lines_come_from_the_environments_slo(model, config):
    """Whatever SLOs config/ sets, alike or not."""
    assert _slo_lines(model) == _expected_lines(config.environments)


def test_a_shared_slo_draws_its_own_values():
    """The fixture's edge SLO (no value a default) given to every fixture environment: each line is
    drawn at its value, so a bound typed into the dashboard is caught whatever config/ holds."""
    fixture = config_module.load(FIXTURE)
    slo = next(e.slo for e in fixture.environments if e.name == "edge")
    assert all(getattr(slo, f) != getattr(config_module.Slo(), f) for f in ("success_rate_min", "error_rate_max", "latency_p95_max_ms"))
    environments = [e.model_copy(update={"slo": slo}) for e in fixture.environments]
    built = json.loads(render(dashboard_builder(alerting=fixture.platform.alerting, environments=environments).build()))
    assert _slo_lines(built) == {
        "Success rate by track": [None, slo.success_rate_min],
        "Error rate: stable vs canary": [None, slo.error_rate_max],
        "Latency P50 / P95 / P99": [None, slo.latency_p95_max_ms / 1000, slo.latency_p99_max_ms / 1000],
    }


def test_differing_slos_draw_no_line(config):
    """An environment with another error bound: the error panel loses its line, the others keep
    theirs where the environments agree."""
    first, *rest = config.environments
    other = first.model_copy(update={"slo": first.slo.model_copy(update={"error_rate_max": first.slo.error_rate_max / 2})})
    environments = [first, other, *rest]
    built = json.loads(render(dashboard_builder(alerting=config.platform.alerting, environments=environments).build()))
    errors = next(p for p in built["panels"] if p["title"] == "Error rate: stable vs canary")
    assert "thresholds" not in errors["fieldConfig"]["defaults"]
    assert _slo_lines(built) == _expected_lines(environments)


def test_every_metric_read_is_exported_or_recorded(model, synthesized):
    _, recorded = synthesized
    assert _unknown_metrics(model, recorded) == []


def test_a_misspelt_recorded_series_is_caught(monkeypatch, synthesized, config):
    _, recorded = synthesized

    class Misspelt(RecordedSlis):
        def error_ratio(self, level: str) -> str:
            return super().error_ratio(level).replace("errors", "error")

    monkeypatch.setattr(dashboard, "RecordedSlis", Misspelt)
    broken = json.loads(render(dashboard_builder(alerting=config.platform.alerting, environments=config.environments).build()))
    assert _unknown_metrics(broken, recorded) == [f"namespace_track:podinfo_error:ratio_rate{config.platform.alerting.rate_window}"]


def test_log_panel_selects_streams_the_collector_labels(model):
    """LogQL's stream selector has PromQL's matcher grammar, so the PromQL parser reads it. Every
    label it matches is one the Alloy pipeline puts on podinfo's streams, its levels are zap's, and
    its datasource is the Loki that kube-prometheus-stack's Grafana is given."""
    (query,) = dashboard_queries(model, "loki")
    selector = promql_parser.parse(query)
    assert isinstance(selector, promql_parser.VectorSelector) and selector.name is None, query
    matchers = {m.name: m.value for m in selector.matchers.matchers}
    stream_labels = set(logs.STREAM_LABELS) | {logs.LEVEL_KEY}
    assert set(matchers) <= stream_labels, set(matchers) - stream_labels
    assert set(matchers[logs.LEVEL_KEY].split("|")) == {"warn", *ERROR_LEVELS}
    assert matchers["container"] == "podinfo"
    (app,) = yamltext.read_documents(DIST / "argocd" / "Application.kube-prometheus-stack.k8s.yaml")
    (datasource,) = app["spec"]["source"]["helm"]["valuesObject"]["grafana"]["additionalDataSources"]
    logs_panel = next(p for p in _panels(model) if p["type"] == "logs")
    assert logs_panel["datasource"] == {"type": datasource["type"], "uid": datasource["uid"]}
