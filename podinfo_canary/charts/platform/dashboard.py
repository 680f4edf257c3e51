"""PodinfoDashboard: the Grafana dashboard of podinfo's canary delivery, one for all environments.

Built with grafana-foundation-sdk builders (no hand-written dashboard JSON) and shipped as a
ConfigMap that kube-prometheus-stack's Grafana sidecar loads, in the folder its `grafana_folder`
annotation names (PlatformApps configures the sidecar). Request panels read the series
ObservabilityStack records (`core.recorded.RecordedSlis`), so the dashboard, the alerts and the
analysis measure the same thing; rollout panels read the Argo Rollouts v1.9.1 controller's metrics
(controller/metrics/prommetrics.go), which have no canary weight, so the canary share shown is
measured; the Logs row reads the recorded error-log rate and, from Loki, podinfo's warnings and errors.

docs/operations/monitoring.md "Dashboard".
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from cdk8s_plus_27 import k8s
from constructs import Construct
from grafana_foundation_sdk.builders import common as common_b
from grafana_foundation_sdk.builders import dashboard as dash_b
from grafana_foundation_sdk.builders import gauge, logs, loki, prometheus, stat, statetimeline, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as dash

from podinfo_canary.charts.environment.observability import QUANTILES, ROLLOUT, RecordedSlis
from podinfo_canary.charts.platform.logs import DATASOURCE_UID as LOKI_UID
from podinfo_canary.config import Alerting, Environment
from podinfo_canary.core import waves
from podinfo_canary.core.promql import ERROR_LEVELS, Selector
from podinfo_canary.core.workload import DASHBOARD_UID, HASH_SERIES_LABEL, TRACK_SERIES_LABEL, WORKLOAD

CONFIG_MAP = "podinfo-canary-dashboard"
FILE_NAME = "podinfo-canary.json"
UID = DASHBOARD_UID
TITLE = "podinfo canary delivery"
FOLDER = "Podinfo"
# Grafana chart 12.11.1 (kube-prometheus-stack 88.5.3), charts/grafana/values.yaml:
# `sidecar.dashboards.label` (kube-prometheus-stack sets `grafana_dashboard`, value "1") and
# `sidecar.dashboards.folderAnnotation` (PlatformApps sets `grafana_folder`).
DASHBOARD_LABEL = {"grafana_dashboard": "1"}
FOLDER_ANNOTATION = "grafana_folder"
# kube-prometheus-stack provisions its Prometheus datasource with this uid.
DATASOURCE = common.DataSourceRef(type_val="prometheus", uid="prometheus")
LOKI = common.DataSourceRef(type_val="loki", uid=LOKI_UID)  # PlatformApps provisions it (logs.py)
# zap levels shown in the log panel: warnings and everything worse.
SHOWN_LEVELS = ("warn", *ERROR_LEVELS)
VARIABLE = "namespace"

# rollout_info's `phase` (controller/metrics/rollouts.go `calculatePhase`) and the colour it shows.
ROLLOUT_PHASES = {
    "Completed": "green",
    "Progressing": "blue",
    "Paused": "yellow",
    "Abort": "red",
    "Error": "red",
    "Timeout": "red",
    "InvalidSpec": "red",
}
# analysis_run_info's `phase` (pkg/apis/rollouts/v1alpha1/analysis_types.go AnalysisPhase), coded 1..6 so that a
# state timeline can show one row per AnalysisRun.
ANALYSIS_PHASES = {
    "Pending": "blue",
    "Running": "yellow",
    "Successful": "green",
    "Failed": "red",
    "Error": "red",
    "Inconclusive": "orange",
}
# Rollout event reasons (utils/conditions/conditions.go): a new revision starts (rollout/sync.go
# on a revision update), the canary becomes stable, the rollout is aborted.
ROLLOUT_EVENTS = ("RolloutUpdated", "RolloutCompleted", "RolloutAborted")
ROLLING_PHASES = ("Progressing", "Paused")


def _query(expr: str, legend: str = "__auto", *, ref: str = "A", instant: bool = False) -> prometheus.Dataquery:
    query = prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref).datasource(DATASOURCE)
    return query.instant() if instant else query.range()


def _thresholds(base: str, *steps: tuple[float, str]) -> dash_b.ThresholdsConfig:
    return (
        dash_b.ThresholdsConfig()
        .mode(dash.ThresholdsMode.ABSOLUTE)
        .steps([dash.Threshold(value=None, color=base), *(dash.Threshold(value=v, color=c) for v, c in steps)])
    )


def _line(style: common.GraphThresholdsStyleMode = common.GraphThresholdsStyleMode.DASHED) -> common_b.GraphThresholdsStyleConfig:
    return common_b.GraphThresholdsStyleConfig().mode(style)


def _legend() -> common_b.VizLegendOptions:
    return (
        common_b.VizLegendOptions().display_mode(common.LegendDisplayMode.LIST).placement(common.LegendPlacement.BOTTOM).show_legend(True)
    )


def _last() -> common_b.ReduceDataOptions:
    return common_b.ReduceDataOptions().calcs(["lastNotNull"]).values(False)


def _range_stat(title: str, description: str, unit: str) -> stat.Panel:
    """A whole-number stat over the dashboard's time range, each value with its name."""
    return (
        stat.Panel()
        .title(title)
        .description(description)
        .unit(unit)
        .decimals(0)
        .text_mode(common.BigValueTextMode.VALUE_AND_NAME)
        .graph_mode(common.BigValueGraphMode.NONE)
        .reduce_options(_last())
    )


def shared_slo(environments: Sequence[Environment], field: str) -> float | None:
    """The SLO value every environment sets for `field`, or None when they differ.

    One dashboard serves every namespace; a threshold line from one environment's SLO drawn over
    another's data would mislead, so a panel shows an SLO line only when all environments agree.
    """
    values = {getattr(e.slo, field) for e in environments}
    return values.pop() if len(values) == 1 else None


class PodinfoDashboard(Construct):
    """ConfigMap `podinfo-canary-dashboard` in kube-prometheus-stack's namespace, holding the dashboard.

    Args:
        namespace: the namespace of the ConfigMap: kube-prometheus-stack's (the sidecar searches
            all namespaces; this keeps platform objects together).
        alerting: the alerting policy; its `rate_window` names the recorded series the panels read.
        environments: every environment; their namespaces are the choices of the `namespace`
            variable, and SLO lines are drawn where they all share a value (see `shared_slo`).
        folder: the Grafana folder, as the `grafana_folder` annotation. Default: "Podinfo".

    Attributes:
        builder: the grafana-foundation-sdk dashboard builder; `model` is what it builds and
            `json` what the ConfigMap holds.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        namespace: str,
        alerting: Alerting,
        environments: Sequence[Environment],
        folder: str = FOLDER,
    ) -> None:
        super().__init__(scope, id)
        if not environments:
            raise ValueError("PodinfoDashboard: environments must not be empty")
        self.builder = dashboard_builder(alerting=alerting, environments=environments)
        self.model = self.builder.build()
        self.json = render(self.model)
        self.config_map = k8s.KubeConfigMap(
            self,
            "config-map",
            metadata=k8s.ObjectMeta(
                name=CONFIG_MAP,
                namespace=namespace,
                labels=DASHBOARD_LABEL,
                # The namespace is kube-prometheus-stack's, which its Application creates: apply
                # after that wave.
                annotations={FOLDER_ANNOTATION: folder, **waves.annotation(waves.CRD_INSTANCES)},
            ),
            data={FILE_NAME: self.json},
        )


def render(model: dash.Dashboard) -> str:
    """The dashboard as the SDK serialises it, with sorted keys so that dist/ is stable."""
    return json.dumps(model, cls=JSONEncoder, sort_keys=True, indent=2) + "\n"


def dashboard_builder(*, alerting: Alerting, environments: Sequence[Environment]) -> dash_b.Dashboard:
    """The whole dashboard as a grafana-foundation-sdk builder (tests build it again to compare)."""
    names = RecordedSlis(alerting.rate_window)
    ns = f'namespace="${VARIABLE}"'
    track = f"{{{{{TRACK_SERIES_LABEL}}}}}"
    per_track = "namespace_track"
    rollout = f'{ns}, name="{ROLLOUT}"'
    success_min = shared_slo(environments, "success_rate_min")
    error_max = shared_slo(environments, "error_rate_max")
    p95_max = shared_slo(environments, "latency_p95_max_ms")
    p99_max = shared_slo(environments, "latency_p99_max_ms")
    slo_note = "SLO lines come from `slo:` and are drawn only where every environment sets the same value."

    # A query variable over the Rollouts controller's own metric, narrowed to the configured
    # namespaces: it offers only environments this Prometheus has data for (environments may sit
    # on other clusters, each with its own Prometheus), never another team's rollout `podinfo`.
    namespaces = "|".join(e.namespace for e in environments)
    variable = (
        dash_b.QueryVariable(VARIABLE)
        .label("Environment")
        .datasource(DATASOURCE)
        .query(f'label_values(rollout_info{{name="{ROLLOUT}", namespace=~"{namespaces}"}}, namespace)')
        .refresh(dash.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dash.VariableSort.ALPHABETICAL_ASC)
        .current(dash.VariableOption(text=environments[0].namespace, value=environments[0].namespace, selected=True))
    )

    requests = (
        timeseries.Panel()
        .title("Request rate: stable vs canary")
        .description(f"Requests per second per track (probes excluded), recorded over {alerting.rate_window}.")
        .unit("reqps")
        .min(0)
        .legend(_legend())
        .with_target(_query(f"{names.requests(per_track)}{{{ns}}}", track))
        .span(12)
        .height(8)
    )

    success = (
        gauge.Panel()
        .title("Success rate by track")
        .description(f"Share of requests answered 2xx per track over {alerting.rate_window}. {slo_note}")
        .unit("percentunit")
        .min(0)
        .max(1)
        .decimals(2)
        .reduce_options(_last())
        .with_target(_query(f"{names.success_ratio(per_track)}{{{ns}}}", track))
        .span(6)
        .height(8)
    )
    if success_min is not None:
        success = success.thresholds(_thresholds("red", (success_min, "green"))).show_threshold_markers(True)

    errors = (
        timeseries.Panel()
        .title("Error rate: stable vs canary")
        .description(f"Share of requests answered 5xx per track over {alerting.rate_window}. {slo_note}")
        .unit("percentunit")
        .min(0)
        .legend(_legend())
        .with_target(_query(f"{names.error_ratio(per_track)}{{{ns}}}", track))
        .span(6)
        .height(8)
    )
    if error_max is not None:
        errors = errors.thresholds(_thresholds("green", (error_max, "red"))).thresholds_style(_line())

    latency = (
        timeseries.Panel()
        .title("Latency P50 / P95 / P99")
        .description(
            f"Latency quantiles per track over {alerting.rate_window}, from podinfo's request histogram. "
            f"Lines: the P95 bound (orange) and the P99 bound (red). {slo_note}"
        )
        .unit("s")
        .min(0)
        .legend(_legend())
        .targets([_query(f"{names.latency(per_track, label)}{{{ns}}}", f"{track} {label}", ref=label.upper()) for label in QUANTILES])
        .span(12)
        .height(8)
    )
    bounds = [(ms / 1000, color) for ms, color in ((p95_max, "orange"), (p99_max, "red")) if ms is not None]
    if bounds:
        latency = latency.thresholds(_thresholds("green", *bounds)).thresholds_style(_line())

    canary_requests = f'{names.requests(per_track)}{{{ns}, {TRACK_SERIES_LABEL}="canary"}}'
    share = (
        timeseries.Panel()
        .title("Canary share of traffic")
        .description(
            "Measured, not configured: canary requests over all requests of the namespace, from the "
            f"recorded rates over {alerting.rate_window} (so it trails a weight change by up to that window). "
            "The Argo Rollouts controller exports no metric for the canary weight it sets."
        )
        .unit("percentunit")
        .min(0)
        .max(1)
        .legend(_legend())
        .with_target(_query(f"(sum({canary_requests}) or vector(0)) / sum({names.requests('namespace')}{{{ns}}})", "canary share"))
        .span(12)
        .height(8)
    )

    status = (
        stat.Panel()
        .title("Rollout status")
        .description("Phase of the Rollout `podinfo` (rollout_info, Argo Rollouts controller).")
        .text_mode(common.BigValueTextMode.NAME)
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .graph_mode(common.BigValueGraphMode.NONE)
        .reduce_options(_last())
        .with_target(_query(f"rollout_info{{{rollout}}}", "{{phase}}", instant=True))
        .overrides(
            [
                dash_b.DashboardFieldConfigSourceOverrides()
                .matcher(dash.MatcherConfig(id_val="byName", options=phase))
                .properties([dash.DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": color})])
                for phase, color in ROLLOUT_PHASES.items()
            ]
        )
        .span(6)
        .height(6)
    )

    replicas = (
        timeseries.Panel()
        .title("Replicas")
        .description("Replica counts of the Rollout `podinfo` (rollout_info_replicas_*, Argo Rollouts controller).")
        .unit("short")
        .min(0)
        .decimals(0)
        .legend(_legend())
        .targets(
            [
                _query(f"rollout_info_replicas_{kind}{{{rollout}}}", kind, ref=kind[0].upper() + kind[1:3])
                for kind in ("desired", "available", "updated", "unavailable")
            ]
        )
        .span(18)
        .height(6)
    )

    coded = " or ".join(
        f'(analysis_run_info{{{ns}, name=~"{ROLLOUT}-.*", phase="{phase}"}} * {code})'
        for code, phase in enumerate(ANALYSIS_PHASES, start=1)
    )
    analysis = (
        statetimeline.Panel()
        .title("Analysis runs")
        .description(
            "Phase of each AnalysisRun of the Rollout `podinfo` over time, one row per run "
            "(analysis_run_info, Argo Rollouts controller; a run drops out when it is garbage-collected)."
        )
        .mappings(
            [
                dash.ValueMap(options={str(code): dash.ValueMappingResult(text=phase, color=color, index=code - 1)})
                for code, (phase, color) in enumerate(ANALYSIS_PHASES.items(), start=1)
            ]
        )
        .show_value(common.VisibilityMode.AUTO)
        .merge_values(True)
        .with_target(_query(f"max by (name) ({coded})", "{{name}}"))
        .span(24)
        .height(8)
    )

    events = "|".join(ROLLOUT_EVENTS)
    outcomes = (
        _range_stat(
            "Rollout outcomes",
            "Rollouts started (RolloutUpdated), completed (RolloutCompleted: the canary became stable) and "
            "aborted (RolloutAborted) in the dashboard's time range, from the controller's event counter "
            "rollout_events_total. The counter starts at a reason's first event, so that very first event "
            "after a controller restart is not counted.",
            "short",
        )
        .with_target(
            _query(
                f'sum by (reason) (round(increase(rollout_events_total{{{rollout}, reason=~"{events}"}}[$__range])))',
                "{{reason}}",
                instant=True,
            )
        )
        .span(12)
        .height(6)
    )

    rolling = f'max(rollout_info{{{rollout}, phase=~"{"|".join(ROLLING_PHASES)}"}})'
    ended = f'sum(round(increase(rollout_events_total{{{rollout}, reason=~"RolloutCompleted|RolloutAborted"}}[$__range])))'
    durations = (
        _range_stat(
            "Time rolling out",
            "Total: time in the range the Rollout spent in phase Progressing or Paused (sampled every minute). "
            "Mean per rollout: that total over the rollouts that completed or aborted in the range; an "
            "approximation (a rollout that spans the range's start or end counts only partly). The controller "
            "exports no per-rollout duration.",
            "s",
        )
        .targets(
            [
                _query(f"sum_over_time({rolling}[$__range:1m]) * 60", "total", instant=True),
                _query(f"(sum_over_time({rolling}[$__range:1m]) * 60) / ({ended} > 0)", "mean per rollout", ref="B", instant=True),
            ]
        )
        .span(12)
        .height(6)
    )

    error_logs = (
        timeseries.Panel()
        .title("Error log lines: stable vs canary")
        .description(
            f"Lines podinfo logged at level error or above, per minute and track, over {alerting.rate_window} "
            "(Grafana Alloy counts them as it ships them to Loki; PodinfoCanaryErrorLogs reads the same series). "
            "podinfo's logger samples floods, so a flood reads as a floor."
        )
        .unit("short")
        .min(0)
        .legend(_legend())
        .with_target(_query(f"{names.error_logs(per_track)}{{{ns}}} * 60", track))
        .span(24)
        .height(8)
    )

    levels = "|".join(SHOWN_LEVELS)
    log_lines = (
        logs.Panel()
        .title("podinfo warnings and errors")
        .description(
            f"podinfo's log lines at level warn and above from Loki. Each stream carries its pod's `{HASH_SERIES_LABEL}`: "
            "the panel beside this one tells which hash is the canary and which the stable version."
        )
        .datasource(LOKI)
        .with_target(
            loki.Dataquery().expr(f'{{{ns}, container="{WORKLOAD}", level=~"{levels}"}}').ref_id("A").max_lines(500).datasource(LOKI)
        )
        .show_time(True)
        .wrap_log_message(True)
        .sort_order(common.LogsSortOrder.DESCENDING)
        .span(18)
        .height(10)
    )

    # The hash of each track now: log streams carry the hash only (logs.py says why).
    hashes = (
        stat.Panel()
        .title("Pod-template hash by track")
        .description(f"Which `{HASH_SERIES_LABEL}` the canary and the stable pods run now, from Prometheus' scrape targets.")
        .text_mode(common.BigValueTextMode.NAME)
        .graph_mode(common.BigValueGraphMode.NONE)
        .reduce_options(_last())
        .with_target(
            _query(
                f"count by ({TRACK_SERIES_LABEL}, {HASH_SERIES_LABEL}) ({Selector('$namespace').scrape_targets()})",
                f"{{{{{TRACK_SERIES_LABEL}}}}}: {{{{{HASH_SERIES_LABEL}}}}}",
                instant=True,
            )
        )
        .span(6)
        .height(10)
    )

    board = (
        dash_b.Dashboard(TITLE)
        .uid(UID)
        .description("podinfo's canary delivery: traffic per track, SLIs against the SLO, rollout and analysis state, history.")
        .tags(["podinfo", "argo-rollouts", "canary"])
        .time("now-6h", "now")
        .refresh("30s")
        .timezone("browser")
        .tooltip(dash.DashboardCursorSync.CROSSHAIR)
        .with_variable(variable)
    )
    sections = {
        "Traffic and SLIs": (requests, success, errors, latency, share),
        "Rollout": (status, replicas, analysis),
        "History (dashboard time range)": (outcomes, durations),
        "Logs": (error_logs, log_lines, hashes),
    }
    # Explicit, stable panel ids: Grafana keys panel links and state by them.
    ids = iter(range(1, 100))
    for row, panels in sections.items():
        board = board.with_row(dash_b.Row(row).id(next(ids)))
        for panel in panels:
            board = board.with_panel(panel.id(next(ids)))
    return board
