"""ObservabilityStack: the recorded SLIs, the alerts and their routing, for one environment.

One PrometheusRule `podinfo`: group `podinfo-slis` records request rate, 2xx and 5xx shares,
P50/P95/P99 latency and error log lines, per track and for the whole service, from the same
`promql.Slis` builders as the analysis; group `podinfo-alerts` takes its thresholds from `slo:`
and `for:` and severity from `alerting.rules`, each alert with a runbook link. One
AlertmanagerConfig `podinfo`: every alert to Slack, critical ones also by e-mail, critical
inhibiting warning within the namespace. The canary is judged by its analysis, so the request and
instance alerts read the stable track only; PodinfoCanaryErrorLogs is the one alert on the canary,
because no analysis reads logs.

docs/operations/monitoring.md "Monitoring and alerting"; each alert's meaning and response: its page
in docs/operations/runbooks/, where its `runbook_url` points.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from imports.monitoring.com.coreos import monitoring as mon
from podinfo_canary.config import Alerting, AlertPolicy, EnvNotifications, Logging, Slo, alert_name
from podinfo_canary.core.promql import Selector, Slis
from podinfo_canary.core.recorded import LEVELS, RecordedSlis
from podinfo_canary.core.secrets import SLACK_SECRET, SMTP_SECRET
from podinfo_canary.core.workload import HASH_SERIES_LABEL, TRACK_SERIES_LABEL, WORKLOAD

RULE_NAME = WORKLOAD
# The Rollout, and the PodMonitor whose job label is <namespace>/<name> (upstream:
# prometheus-operator v0.93.0 pkg/prometheus/promcfg.go generatePodMonitorConfig).
ROLLOUT = WORKLOAD
# `rollout_info` is always 1, labelled with the phase (upstream: argo-rollouts v1.9.1
# controller/metrics/prommetrics.go, controller/metrics/rollouts.go calculatePhase).
ROLLOUT_FAILED_PHASES = ("Abort", "Error", "Timeout", "InvalidSpec")
# The Rollout event of an analysis without a verdict, counted in `rollout_events_total` (upstream:
# argo-rollouts v1.9.1 rollout/analysis.go, utils/record/record.go).
ANALYSIS_EVENT = "AnalysisRunInconclusive"
# The background AnalysisRun's name, capturing the canary's pod-template hash: `<rollout>-<hash>-
# <revision>`, `.<n>` after a name collision; a step's run adds `-<step index>` (upstream:
# argo-rollouts v1.9.1 rollout/analysis.go newAnalysisRunFromRollout, utils/analysis/helpers.go
# CreateWithCollisionCounter). PromQL matches regular expressions whole.
BACKGROUND_RUN_NAME = rf"{WORKLOAD}-([^-.]+)-[0-9]+(\\.[0-9]+)?"
QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
ROUTING_NAME = WORKLOAD
SLACK_RECEIVER, CRITICAL_RECEIVER = "slack", "critical"


@dataclass(frozen=True)
class Alert:
    """One alerting rule: its key (config/alerts.py), PromQL, policy and what it tells the person paged."""

    key: str
    expr: str
    policy: AlertPolicy
    summary: str
    condition: str  # the condition in words, for the docs' alert tables

    @property
    def name(self) -> str:
        return alert_name(self.key)


class ObservabilityStack(Construct):
    """The recorded SLIs, the alerts and their routing, for one environment.

    Args:
        namespace: the environment namespace; every query filters on it.
        slo: the thresholds of the request alerts (the analysis reads the same fields).
        alerting: the rate window, minimum traffic, per-alert `for:` and severity, runbook page and routing.
        logging: the error-log thresholds of PodinfoCanaryErrorLogs (lines per minute, factor over stable).
        release: kube-prometheus-stack's release label, which its Prometheus selects rules by.
        notifications: the environment's Slack channel and the e-mail recipients of critical alerts.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        namespace: str,
        slo: Slo,
        alerting: Alerting,
        logging: Logging,
        release: str,
        notifications: EnvNotifications,
    ) -> None:
        super().__init__(scope, id)
        self.namespace = namespace
        window = alerting.rate_window
        slis = Slis(window=window)
        service = Selector(namespace=namespace)
        names = RecordedSlis(window)
        self.records: dict[str, str] = {}
        for level, by in LEVELS.items():
            self.records[names.requests(level)] = slis.request_rate(service, by)
            self.records[names.success_ratio(level)] = slis.success_rate(service, by)
            self.records[names.error_ratio(level)] = slis.error_rate(service, by)
            for label, quantile in QUANTILES.items():
                self.records[names.latency(level, label)] = slis.latency(service, quantile, by)
            self.records[names.error_logs(level)] = slis.error_log_lines(service, by)
            self.records[names.pods(level)] = slis.pod_count(service, by)
        self.alerts = self._alerts(slo, alerting, logging)
        self.routing = self._routing(alerting, notifications)
        self.rule = mon.PrometheusRule(
            self,
            "rules",
            # kube-prometheus-stack's Prometheus selects rules by `release` (upstream:
            # kube-prometheus-stack 88.5.3 templates/prometheus/prometheus.yaml, ruleSelectorNilUsesHelmValues).
            metadata={"name": RULE_NAME, "namespace": namespace, "labels": {"release": release}},
            spec=mon.PrometheusRuleSpec(
                groups=[
                    mon.PrometheusRuleSpecGroups(
                        name="podinfo-slis",
                        rules=[
                            mon.PrometheusRuleSpecGroupsRules(record=name, expr=mon.PrometheusRuleSpecGroupsRulesExpr.from_string(expr))
                            for name, expr in self.records.items()
                        ],
                    ),
                    mon.PrometheusRuleSpecGroups(
                        name="podinfo-alerts",
                        rules=[
                            mon.PrometheusRuleSpecGroupsRules(
                                alert=alert.name,
                                expr=mon.PrometheusRuleSpecGroupsRulesExpr.from_string(alert.expr),
                                for_=alert.policy.for_,
                                labels={"severity": alert.policy.severity},
                                annotations={
                                    "summary": alert.summary,
                                    "description": f"Fires when {alert.condition} for {alert.policy.for_}.",
                                    "runbook_url": alerting.runbook(alert.name),
                                },
                            )
                            for alert in self.alerts
                        ],
                    ),
                ]
            ),
        )

    def _routing(self, alerting: Alerting, notifications: EnvNotifications) -> mon.AlertmanagerConfig:
        routing = alerting.routing
        slack = mon.AlertmanagerConfigSpecReceiversSlackConfigs(
            api_url=mon.AlertmanagerConfigSpecReceiversSlackConfigsApiUrl(name=SLACK_SECRET[0], key=SLACK_SECRET[1]),
            channel=f"#{notifications.slack_channel}",
            send_resolved=True,
        )
        email = [
            mon.AlertmanagerConfigSpecReceiversEmailConfigs(
                to=address,
                from_=routing.smtp_from,
                smarthost=routing.smtp_smarthost,
                auth_username=routing.smtp_username,
                auth_password=mon.AlertmanagerConfigSpecReceiversEmailConfigsAuthPassword(name=SMTP_SECRET[0], key=SMTP_SECRET[1]),
                send_resolved=True,
            )
            for address in notifications.email
        ]
        # Equality matchers leave matchType out (an empty matchType with regex false becomes "=",
        # prometheus-operator v0.93.0 pkg/alertmanager/amcfg.go `convertMatchersV2`): a plain `=`
        # would read as YAML 1.1's value tag to PyYAML-based tools.
        severity = {"name": "severity"}
        # kube-prometheus-stack 88.5.3 selects every AlertmanagerConfig (`alertmanagerConfigSelector: {}`),
        # and the operator confines its route and inhibition to its namespace (upstream:
        # prometheus-operator v0.93.0 pkg/alertmanager/amcfg.go namespaceEnforcer, strategy OnNamespace).
        return mon.AlertmanagerConfig(
            self,
            "routing",
            metadata={"name": ROUTING_NAME, "namespace": self.namespace},
            spec=mon.AlertmanagerConfigSpec(
                route=mon.AlertmanagerConfigSpecRoute(
                    receiver=SLACK_RECEIVER,
                    group_by=["alertname", "namespace"],
                    group_wait=routing.group_wait,
                    group_interval=routing.group_interval,
                    repeat_interval=routing.repeat_interval,
                    routes=[
                        {"receiver": CRITICAL_RECEIVER, "matchers": [{**severity, "value": "critical"}]},
                        {"receiver": SLACK_RECEIVER, "matchers": [{**severity, "value": "warning"}]},
                    ],
                ),
                receivers=[
                    mon.AlertmanagerConfigSpecReceivers(name=SLACK_RECEIVER, slack_configs=[slack]),
                    mon.AlertmanagerConfigSpecReceivers(name=CRITICAL_RECEIVER, slack_configs=[slack], email_configs=email or None),
                ],
                # Critical inhibits warning (PodinfoInstanceDown silences PodinfoHighLatency; an abort,
                # PodinfoRolloutFailed, silences PodinfoCanaryErrorLogs).
                inhibit_rules=[
                    mon.AlertmanagerConfigSpecInhibitRules(
                        source_match=[
                            mon.AlertmanagerConfigSpecInhibitRulesSourceMatch(
                                name="severity",
                                value="critical",
                            )
                        ],
                        target_match=[
                            mon.AlertmanagerConfigSpecInhibitRulesTargetMatch(
                                name="severity",
                                value="warning",
                            )
                        ],
                        equal=["namespace"],
                    )
                ],
            ),
        )

    def _alerts(self, slo: Slo, alerting: Alerting, logging: Logging) -> list[Alert]:
        ns, window, rules = self.namespace, alerting.rate_window, alerting.rules
        # Stable is "not canary": pods not yet labelled count as stable. The canary is judged by its
        # analysis, which aborts it; an alert on it would page for what Argo Rollouts is undoing.
        stable = f'{{namespace="{ns}", {TRACK_SERIES_LABEL}!="canary"}}'
        # Only while the stable pods serve `alerting.min_request_rate`: no traffic pages nobody.
        traffic = f"and on (namespace, {TRACK_SERIES_LABEL}) namespace_track:podinfo_requests:rate{window}{stable} >= {alerting.min_request_rate:g}"
        p95 = slo.latency_p95_max_ms / 1000
        paused = f'rollout_info{{namespace="{ns}", name="{ROLLOUT}", phase="Paused"}}'
        # The counter is created at its first event (upstream: argo-rollouts v1.9.1 utils/record/record.go
        # `WithLabelValues(...).Inc()`), so a series absent a window ago counts as an event too:
        # `increase` alone would miss the first one after each controller start.
        events = f'rollout_events_total{{namespace="{ns}", name="{ROLLOUT}", reason="{ANALYSIS_EVENT}"}}'
        # The current canary's background run: its name carries the hash of the pods the PodMonitor
        # scrapes as the canary track, so a failed run of an earlier revision is not counted. Paused
        # for evidence, the controller ignores it (upstream: argo-rollouts v1.9.1 rollout/analysis.go
        # reconcileBackgroundAnalysisRun returns early): a human must abort.
        runs = f'analysis_run_info{{namespace="{ns}", name=~"{BACKGROUND_RUN_NAME}", phase=~"Failed|Error"}}'
        background_failed = f'label_replace({runs}, "{HASH_SERIES_LABEL}", "$1", "name", "{BACKGROUND_RUN_NAME}")'
        canary_up = f'up{{namespace="{ns}", job="{ns}/{ROLLOUT}", {TRACK_SERIES_LABEL}="canary"}}'
        lines, pods = RecordedSlis(window).error_logs("namespace_track"), RecordedSlis(window).pods("namespace_track")
        canary, others = f'{{namespace="{ns}", {TRACK_SERIES_LABEL}="canary"}}', f'{{namespace="{ns}", {TRACK_SERIES_LABEL}!="canary"}}'
        canary_per_pod = f"sum by (namespace) ({lines}{canary}) / sum by (namespace) ({pods}{canary})"
        stable_pods = f"sum by (namespace) ({pods}{others})"
        stable_per_pod = f"(sum by (namespace) ({lines}{others}) or {stable_pods} * 0) / {stable_pods}"
        # Per pod, as the tracks run different numbers of pods. The factor keeps quiet when both
        # tracks log errors alike: that points at something they share (a backend, the cache),
        # which the request alerts judge by its effect on users.
        per_minute, factor = logging.canary_error_lines_per_minute, logging.canary_error_factor
        return [
            Alert(
                "high_error_rate",
                f"namespace_track:podinfo_errors:ratio_rate{window}{stable} > {slo.error_rate_max:g} {traffic}",
                rules["high_error_rate"],
                f"{ns}: more than {slo.error_rate_max:.1%} of the stable pods' requests fail with 5xx",
                f"stable 5xx share over {window} > slo.error_rate_max ({slo.error_rate_max:g})",
            ),
            Alert(
                "low_success_rate",
                f"namespace_track:podinfo_success:ratio_rate{window}{stable} < {slo.success_rate_min:g} {traffic}",
                rules["low_success_rate"],
                f"{ns}: less than {slo.success_rate_min:.1%} of the stable pods' requests succeed (2xx)",
                f"stable 2xx share over {window} < slo.success_rate_min ({slo.success_rate_min:g})",
            ),
            Alert(
                "high_latency",
                f"namespace_track:podinfo_latency_seconds:p95_rate{window}{stable} > {p95:g} {traffic}",
                rules["high_latency"],
                f"{ns}: the stable pods' P95 latency is above {slo.latency_p95_max_ms} ms",
                f"stable P95 over {window} > slo.latency_p95_max_ms ({slo.latency_p95_max_ms} ms)",
            ),
            Alert(
                "instance_down",
                f'up{{namespace="{ns}", job="{ns}/{ROLLOUT}", {TRACK_SERIES_LABEL}!="canary"}} == 0',
                rules["instance_down"],
                f"{ns}: a stable podinfo pod does not answer its metrics scrape",
                "a stable pod's scrape fails (up == 0)",
            ),
            Alert(
                "rollout_failed",
                f'rollout_info{{namespace="{ns}", name="{ROLLOUT}", phase=~"{"|".join(ROLLOUT_FAILED_PHASES)}"}} == 1',
                rules["rollout_failed"],
                f"{ns}: the podinfo rollout is aborted or stuck; traffic is back on the stable version (`canaryctl status` says whether the canary was worse than stable or broke the SLO with it)",
                f"rollout phase {', '.join(ROLLOUT_FAILED_PHASES)}",
            ),
            Alert(
                "canary_analysis_failed",
                f"sum by (namespace) ((increase({events}[{window}]) > 0) or ({events} unless {events} offset {window}))"
                f" and on (namespace) {paused}",
                rules["canary_analysis_failed"],
                f"{ns}: a canary analysis ended without a verdict; the rollout is paused and waits for a human",
                f"an AnalysisRun ended Inconclusive in the last {window} and the rollout is paused",
            ),
            Alert(
                "canary_failed_while_paused",
                f"max by (namespace, name) ({background_failed} and on (namespace, {HASH_SERIES_LABEL}) group by (namespace, {HASH_SERIES_LABEL}) ({canary_up}))"
                f" and on (namespace) {paused}",
                rules["canary_failed_while_paused"],
                f"{ns}: the canary's background analysis failed while the rollout is paused for evidence; the controller will not abort it",
                "the background AnalysisRun of the current canary is Failed or Error and the rollout is paused",
            ),
            Alert(
                "canary_error_logs",
                f"{canary_per_pod} * 60 > {per_minute:g} and {canary_per_pod} > {factor:g} * {stable_per_pod}",
                rules["canary_error_logs"],
                f"{ns}: each canary pod logs more errors than the stable pods do",
                f"a canary pod logs more than {per_minute:g} error lines/min over {window} "
                f"(logging.canary_error_lines_per_minute) and more than {factor:g} times a stable pod "
                "(logging.canary_error_factor)",
            ),
        ]
