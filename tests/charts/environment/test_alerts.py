"""The alerts of ObservabilityStack, proven on the Prometheus engine (promtool 2.42).

The rules are read from the synthesized PrometheusRule of each environment; the scenarios are
built from that environment's configuration (its SLO thresholds, the alert policies' `for:` and
the minimum request rate), so a changed threshold or duration changes the test. For every alert:
a series set where it fires (not before its `for:` has passed, and then with the configured
labels and annotations), and series sets where it must stay silent: healthy traffic, no traffic,
traffic below the minimum, trouble on the canary only (the analysis' job), an abort already
reported by PodinfoRolloutFailed.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess

import promql_parser
import pytest
import yaml

from podinfo_canary import config as config_module
from podinfo_canary.charts.platform.dashboard import CONFIG_MAP as DASHBOARD_CONFIG_MAP
from podinfo_canary.config import DEFAULT_POLICIES, alert_name, duration_seconds
from podinfo_canary.core.promql import EXPORTED_METRICS, LOG_LINES_METRIC
from podinfo_canary.core.workload import HASH_SERIES_LABEL, TRACK_SERIES_LABEL
from tests.conftest import ROOT, dashboard_queries, metric_names, one

# Every alert config/alerts.py names, in its order: each must be in every environment's rules and
# have scenarios below (`_promtool_tests`).
ALERTS = tuple(alert_name(key) for key in DEFAULT_POLICIES)
HORIZON = 40  # minutes of series per scenario


def _minutes(duration: str) -> int:
    seconds = duration_seconds(duration)
    assert seconds % 60 == 0, f"the scenarios step by minutes: {duration}"
    return seconds // 60


def _rules(objects, env: str) -> dict:
    return {"groups": one(objects, "PrometheusRule", "podinfo", env)["spec"]["groups"]}


def _alert_rules(rules: dict) -> dict[str, dict]:
    return {r["alert"]: r for g in rules["groups"] for r in g["rules"] if "alert" in r}


class Pods:
    """Input series as podinfo, the PodMonitor and the Argo Rollouts controller label them."""

    def __init__(self, namespace: str):
        self.namespace = namespace
        self.series: list[dict] = []

    def _labels(self, pod: str, track: str | None) -> str:
        labels = {
            "namespace": self.namespace,
            "pod": pod,
            "job": f"{self.namespace}/podinfo",
            "instance": f"{pod}:9797",
            "container": "podinfo",
        }
        if track:
            labels[TRACK_SERIES_LABEL] = track
        return ", ".join(f'{k}="{v}"' for k, v in labels.items())

    def http(self, pod: str, track: str | None, rps: dict[str, float], slow: float = 0.0) -> Pods:
        """Requests per second by status, a share `slow` of them taking 0.5-1 s, the rest < 0.1 s."""
        base = self._labels(pod, track)
        for status, rate in rps.items():
            per_minute = rate * 60
            labels = f'{base}, method="GET", path="/", status="{status}"'
            self.series.append({"series": f"http_request_duration_seconds_count{{{labels}}}", "values": f"0+{per_minute:g}x{HORIZON}"})
            for le, share in (("0.1", 1 - slow), ("0.5", 1 - slow), ("1", 1.0), ("+Inf", 1.0)):
                self.series.append(
                    {
                        "series": f'http_request_duration_seconds_bucket{{{labels}, le="{le}"}}',
                        "values": f"0+{per_minute * share:g}x{HORIZON}",
                    }
                )
        # kubelet probes, which every query leaves out
        self.series.append(
            {
                "series": f'http_request_duration_seconds_count{{{base}, method="GET", path="healthz", status="200"}}',
                "values": f"0+6x{HORIZON}",
            }
        )
        return self

    def up(self, pod: str, track: str | None, values: str) -> Pods:
        self.series.append({"series": f"up{{{self._labels(pod, track)}}}", "values": values})
        return self

    def log_lines(self, pod: str, track: str | None, per_minute: dict[str, float]) -> Pods:
        """A podinfo pod's log lines as Alloy counts them (the stream labels of logs.py plus Alloy's
        job and instance; a level's series appears at 1, with its first line), and the pod's
        scrape target, which carries its track."""
        labels = {"namespace": self.namespace, "pod": pod, "container": "podinfo", "job": "loki.source.kubernetes.pods"}
        labels |= {"instance": f"{self.namespace}/{pod}:podinfo", HASH_SERIES_LABEL: "h-" + (track or "none")}
        text = ", ".join(f'{k}="{v}"' for k, v in labels.items())
        for level, rate in per_minute.items():
            self.series.append({"series": f'{LOG_LINES_METRIC}{{{text}, level="{level}"}}', "values": f"1+{rate:g}x{HORIZON}"})
        return self.up(pod, track, f"1x{HORIZON}")

    def raw(self, series: str, values: str) -> Pods:
        self.series.append({"series": series, "values": values})
        return self


def _scenarios(namespace: str, env, alerting, platform_logging) -> list[tuple[str, str, Pods, list[tuple[int, bool, dict]]]]:
    """(alert, scenario, series, [(minute, fires, labels)]) for every alert."""
    slo, rules = env.slo, alerting.rules
    quiet = alerting.min_request_rate / 2  # below the minimum request rate
    busy = max(2.0, alerting.min_request_rate * 20)
    stable = {"namespace": namespace, TRACK_SERIES_LABEL: "stable"}
    error_share = min(0.9, slo.error_rate_max * 2)
    fail_share = min(0.9, (1 - slo.success_rate_min) * 2)
    out = []

    def timed(alert: str, policy, labels: dict) -> list[tuple[int, bool, dict]]:
        """Bad from minute 0: the rate exists from minute 1, so the alert fires `for` later."""
        wait = _minutes(policy.for_)
        return [(wait, False, labels), (wait + 2, True, labels)]

    # Request alerts: fire on the stable pods; silent when healthy, without traffic, below the
    # minimum request rate, and when only the canary misbehaves.
    request_alerts = {
        "PodinfoHighErrorRate": (rules["high_error_rate"], {"200": 1 - error_share, "500": error_share}, 0.0),
        "PodinfoLowSuccessRate": (rules["low_success_rate"], {"200": 1 - fail_share, "404": fail_share}, 0.0),
        "PodinfoHighLatency": (rules["high_latency"], {"200": 1.0}, 1.0),
    }
    for alert, (policy, bad_mix, slow) in request_alerts.items():
        mix = {status: busy * share for status, share in bad_mix.items()}
        out.append((alert, "stable pods misbehave", Pods(namespace).http("podinfo-s1", "stable", mix, slow), timed(alert, policy, stable)))
        out.append(
            (
                alert,
                "not yet labelled pods count as stable",
                Pods(namespace).http("podinfo-s1", None, mix, slow),
                timed(alert, policy, {"namespace": namespace}),
            )
        )
        silent = [(HORIZON - 5, False, {})]
        out.append((alert, "healthy", Pods(namespace).http("podinfo-s1", "stable", {"200": busy}), silent))
        out.append((alert, "no traffic", Pods(namespace).up("podinfo-s1", "stable", f"1x{HORIZON}"), silent))
        low = {status: quiet * share for status, share in bad_mix.items()}
        out.append((alert, "below the minimum request rate", Pods(namespace).http("podinfo-s1", "stable", low, slow), silent))
        canary_only = Pods(namespace).http("podinfo-s1", "stable", {"200": busy}).http("podinfo-c1", "canary", mix, slow)
        out.append((alert, "only the canary misbehaves", canary_only, silent))

    # Instance down: a stable pod's scrape fails; a crashing canary is the analysis' to abort.
    down = {"namespace": namespace, "pod": "podinfo-s2", "job": f"{namespace}/podinfo", "instance": "podinfo-s2:9797"}
    down |= {"container": "podinfo", TRACK_SERIES_LABEL: "stable"}
    wait = _minutes(rules["instance_down"].for_)
    failing = Pods(namespace).up("podinfo-s1", "stable", f"1x{HORIZON}").up("podinfo-s2", "stable", f"0x{HORIZON}")
    out.append(("PodinfoInstanceDown", "a stable pod is down", failing, [(wait - 1, False, down), (wait + 1, True, down)]))
    out.append(
        ("PodinfoInstanceDown", "every pod up", Pods(namespace).up("podinfo-s1", "stable", f"1x{HORIZON}"), [(HORIZON - 5, False, {})])
    )
    crash = Pods(namespace).up("podinfo-s1", "stable", f"1x{HORIZON}").up("podinfo-c1", "canary", f"0x{wait + 5}")
    out.append(("PodinfoInstanceDown", "only a canary pod is down", crash, [(wait + 3, False, {})]))

    # The rollout: aborted (or stuck) fires; progressing, paused and completed stay silent.
    rollout = f'namespace="{namespace}", name="podinfo", strategy="Canary", traffic_router="Nginx"'
    wait = _minutes(rules["rollout_failed"].for_)
    failed = {"namespace": namespace, "name": "podinfo", "strategy": "Canary", "traffic_router": "Nginx", "phase": "Abort"}
    aborted = Pods(namespace).raw(f'rollout_info{{{rollout}, phase="Abort"}}', f"1x{HORIZON}")
    out.append(("PodinfoRolloutFailed", "aborted", aborted, [(wait - 1, False, failed), (wait + 1, True, failed)]))
    for phase in ("Progressing", "Paused", "Completed"):
        fine = Pods(namespace).raw(f'rollout_info{{{rollout}, phase="{phase}"}}', f"1x{HORIZON}")
        out.append(("PodinfoRolloutFailed", phase.lower(), fine, [(HORIZON - 5, False, {})]))

    # An analysis that ended without a verdict (Inconclusive) while the rollout is paused for a human
    # fires, also for the counter's very first event (a series that appears at 1, as the controller
    # creates it); an abort (PodinfoRolloutFailed's) and an Inconclusive run the rollout has since
    # moved past stay silent. The series carry the rollout's namespace as the relabeled
    # ServiceMonitor stores it (test_rollout_metrics_keep_the_rollouts_namespace).
    wait = _minutes(rules["canary_analysis_failed"].for_)
    window = _minutes(alerting.rate_window)
    events = f'namespace="{namespace}", name="podinfo", type="Warning"'
    label = {"namespace": namespace}
    first = (
        Pods(namespace)
        .raw(f'rollout_events_total{{{events}, reason="AnalysisRunInconclusive"}}', f"_ _ _ 1x{HORIZON}")
        .raw(f'rollout_info{{{rollout}, phase="Paused"}}', f"1x{HORIZON}")
    )
    checks = [(3 + wait - 1, False, label), (3 + wait, True, label), (3 + window + wait + 2, False, {})]
    out.append(("PodinfoCanaryAnalysisFailed", "first inconclusive run, paused", first, checks))
    # A counter that has existed for longer than the window (one event before), and a second event.
    start = window + 3
    later = (
        Pods(namespace)
        .raw(f'rollout_events_total{{{events}, reason="AnalysisRunInconclusive"}}', f"1x{start - 1} 2x{HORIZON}")
        .raw(f'rollout_info{{{rollout}, phase="Paused"}}', f"1x{HORIZON}")
    )
    later_checks = [(start + wait - 1, False, label), (start + wait, True, label)]
    out.append(("PodinfoCanaryAnalysisFailed", "a later inconclusive run, paused", later, later_checks))
    moved_on = (
        Pods(namespace)
        .raw(f'rollout_events_total{{{events}, reason="AnalysisRunInconclusive"}}', f"_ _ _ 1x{HORIZON}")
        .raw(f'rollout_info{{{rollout}, phase="Progressing"}}', f"1x{HORIZON}")
    )
    out.append(("PodinfoCanaryAnalysisFailed", "inconclusive, then resumed", moved_on, [(3 + wait, False, {}), (3 + wait + 2, False, {})]))
    aborting = (
        Pods(namespace)
        .raw(f'rollout_events_total{{{events}, reason="AnalysisRunFailed"}}', f"_ _ _ 1x{HORIZON}")
        .raw(f'rollout_info{{{rollout}, phase="Abort"}}', f"1x{HORIZON}")
    )
    out.append(("PodinfoCanaryAnalysisFailed", "failed and aborted", aborting, [(3 + wait, False, {}), (3 + wait + 2, False, {})]))

    # The current canary's background run Failed (or Error) while the rollout is paused for
    # evidence: fires. Silent: the run still Running; a failed run of an earlier revision (its hash
    # is no longer the canary's); a failed step run; the rollout aborting as it should.
    wait = _minutes(rules["canary_failed_while_paused"].for_)
    canary, old = "c4n4ry7f", "0ldh4sh9"

    def failed_while(run: str, phase: str, rollout_phase: str, canary_hash: str = canary) -> Pods:
        up = f'up{{namespace="{namespace}", job="{namespace}/podinfo", pod="podinfo-{canary_hash}-x1", {TRACK_SERIES_LABEL}="canary", {HASH_SERIES_LABEL}="{canary_hash}"}}'
        return (
            Pods(namespace)
            .raw(f'analysis_run_info{{namespace="{namespace}", name="{run}", phase="{phase}"}}', f"_ _ _ 1x{HORIZON}")
            .raw(up, f"1x{HORIZON}")
            .raw(f'rollout_info{{{rollout}, phase="{rollout_phase}"}}', f"1x{HORIZON}")
        )

    label = {"namespace": namespace, "name": f"podinfo-{canary}-7"}
    fires = [(3 + wait - 1, False, label), (3 + wait + 1, True, label)]
    silent = [(3 + wait + 2, False, {}), (HORIZON - 5, False, {})]
    for scenario, pods, checks in (
        ("background failed while paused", failed_while(f"podinfo-{canary}-7", "Failed", "Paused"), fires),
        (
            "background errored after a name collision",
            failed_while(f"podinfo-{canary}-7.1", "Error", "Paused"),
            [(3 + wait + 1, True, {**label, "name": f"podinfo-{canary}-7.1"})],
        ),
        ("background still running", failed_while(f"podinfo-{canary}-7", "Running", "Paused"), silent),
        ("an earlier revision's failed run", failed_while(f"podinfo-{old}-6", "Failed", "Paused"), silent),
        ("a failed step run", failed_while(f"podinfo-{canary}-7-1", "Failed", "Paused"), silent),
        ("failed and aborted", failed_while(f"podinfo-{canary}-7", "Failed", "Abort"), silent),
    ):
        out.append(("PodinfoCanaryFailedWhilePaused", scenario, pods, checks))

    # Error logs, per pod: a canary pod logging errors fires, also when the stable pods log a few
    # and when the stable pods' total is larger than the canary's; no errors, errors below the
    # threshold, on the stable pods only, or on both tracks alike (a shared dependency) stay silent.
    n, factor = platform_logging.canary_error_lines_per_minute, platform_logging.canary_error_factor
    # rate() divides by the whole window, so a counter one minute old reads as a fifth of its rate:
    # ten times the threshold clears it from the first minute on.
    bad = n * 10
    info = {"info": 30.0}

    def logs(canary: float, stable: float, stable_pods: int = 2) -> Pods:
        pods = Pods(namespace).log_lines("podinfo-c1", "canary", {"info": 30.0, "error": canary, "warn": n} if canary else info)
        for i in range(stable_pods):
            pods.log_lines(f"podinfo-s{i}", "stable", {"info": 30.0, "error": stable} if stable else info)
        return pods

    fires = timed("PodinfoCanaryErrorLogs", rules["canary_error_logs"], {"namespace": namespace})
    silent = [(HORIZON - 5, False, {})]
    crowd = int(1.5 * factor) + 1  # stable pods whose total outweighs the canary's lines
    for scenario, pods, checks in (
        ("a canary pod logs errors", logs(bad, 0), fires),
        ("the stable pods log a few errors too", logs(bad, bad / factor / 4), fires),
        ("per pod: more stable pods log more in total", logs(bad, bad / factor / 1.5, crowd), fires),
        ("no errors", logs(0, 0), silent),
        ("canary errors below the threshold", logs(n / 2, 0), silent),
        ("only the stable pods log errors", logs(0, bad), silent),
        ("both tracks log errors alike", logs(bad, bad), silent),
        ("the canary within the factor of a stable pod", logs(bad, bad / factor * 1.25), silent),
    ):
        out.append(("PodinfoCanaryErrorLogs", scenario, pods, checks))
    return out


def _promtool_tests(namespace, env, platform, alert_rules) -> list[dict]:
    tests = []
    for alert, scenario, pods, checks in _scenarios(namespace, env, platform.alerting, platform.logging):
        rule = alert_rules[alert]
        cases = []
        for minute, fires, labels in checks:
            expected = []
            if fires:
                expected = [{"exp_labels": {**labels, **rule["labels"]}, "exp_annotations": rule["annotations"]}]
            cases.append({"eval_time": f"{minute}m", "alertname": alert, "exp_alerts": expected})
        tests.append({"name": f"{alert}: {scenario}", "interval": "1m", "input_series": pods.series, "alert_rule_test": cases})
    return tests


def write_rules_files(objects, config, folder) -> dict[str, object]:
    """Each environment's PrometheusRule spec as a promtool rules file in `folder`, by environment."""
    files = {}
    for env in config.environments:
        path = folder / f"{env.name}.rules.yaml"
        path.write_text(yaml.safe_dump(_rules(objects, env.name), sort_keys=False))
        files[env.name] = path
    return files


@pytest.fixture(scope="module")
def rules_files(objects, config, tmp_path_factory) -> dict[str, object]:
    return write_rules_files(objects, config, tmp_path_factory.mktemp("rules"))


def test_every_environment_has_every_alert_and_valid_rules(objects, config, rules_files):
    for env in config.environments:
        assert tuple(_alert_rules(_rules(objects, env.name))) == ALERTS, env.name
    result = subprocess.run(["promtool", "check", "rules", *map(str, rules_files.values())], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def _run(rules_file, tests, tmp_path) -> subprocess.CompletedProcess:
    spec = tmp_path / "alerts_test.yaml"
    spec.write_text(yaml.safe_dump({"rule_files": [str(rules_file)], "evaluation_interval": "1m", "tests": tests}, sort_keys=False))
    return subprocess.run(["promtool", "test", "rules", str(spec)], capture_output=True, text=True, timeout=120)


def test_alerts_fire_and_stay_silent_on_the_prometheus_engine(objects, config, rules_files, tmp_path):
    env = next(e for e in config.environments if e.name == "prod")
    tests = _promtool_tests(env.namespace, env, config.platform, _alert_rules(_rules(objects, "prod")))
    assert {t["name"].split(":")[0] for t in tests} == set(ALERTS)
    result = _run(rules_files["prod"], tests, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "SUCCESS" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("breakage", "alert"),
    [
        ("no for", "PodinfoHighErrorRate"),
        ("no traffic guard", "PodinfoLowSuccessRate"),
        ("canary included", "PodinfoHighLatency"),
        ("pause not required", "PodinfoCanaryAnalysisFailed"),
        ("first event missed", "PodinfoCanaryAnalysisFailed"),
        ("earlier revisions counted", "PodinfoCanaryFailedWhilePaused"),
        ("step runs counted", "PodinfoCanaryFailedWhilePaused"),
        ("stable errors ignored", "PodinfoCanaryErrorLogs"),
    ],
)
def test_a_careless_rule_fails_its_scenarios(objects, config, tmp_path, breakage, alert):
    """The scenarios catch a rule that fires too early, on too little traffic, on the canary, for an
    analysis the rollout has moved past, not at all for a counter's first event, or on canary
    error logs that the stable pods share."""
    rules = copy.deepcopy(_rules(objects, "prod"))  # the session's objects stay intact
    rule = _alert_rules(rules)[alert]
    if breakage == "no for":
        del rule["for"]
    elif breakage == "no traffic guard":
        rule["expr"] = rule["expr"].split(" and on ")[0]
    elif breakage == "canary included":
        rule["expr"] = rule["expr"].replace(f', {TRACK_SERIES_LABEL}!="canary"', "")
    elif breakage == "stable errors ignored":
        rule["expr"] = rule["expr"].split(" and ")[0]
    elif breakage == "earlier revisions counted":
        rule["expr"] = re.sub(r" and on \(namespace, \w+\) group by \(namespace, \w+\) \(up\{.*?\}\)", "", rule["expr"])
        promql_parser.parse(rule["expr"])
        assert "up{" not in rule["expr"]
    elif breakage == "step runs counted":
        rule["expr"] = rule["expr"].replace('[0-9]+(\\\\.[0-9]+)?"', '.*"')
        assert "-[0-9]+(" not in rule["expr"]
    elif breakage == "pause not required":
        rule["expr"] = rule["expr"].split(" and on (namespace) ")[0]
    else:
        rule["expr"] = re.sub(r"\(\(increase\((.*?)\) > 0\) or \(.*?\)\)", r"(increase(\1) > 0)", rule["expr"])
        promql_parser.parse(rule["expr"])
        assert " offset " not in rule["expr"]
    path = tmp_path / "broken.rules.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    env = next(e for e in config.environments if e.name == "prod")
    tests = [t for t in _promtool_tests(env.namespace, env, config.platform, _alert_rules(rules)) if t["name"].startswith(alert)]
    assert _run(path, tests, tmp_path).returncode != 0


def test_every_query_reads_only_metrics_their_exporters_define(objects):
    """Analysis queries, rules and the Grafana dashboard read metrics from metrics.EXPORTED_METRICS
    (each with its exporter's source) or series the rules themselves record: those of dist/ and of
    the fixture configuration (which alone has an Istio environment)."""
    queries, recorded = [], set()
    from tests.behaviour import app_objects

    fixture = [
        (name, obj) for name, objs in app_objects(config_module.load(ROOT / "tests" / "fixtures" / "config")).items() for obj in objs
    ]
    for _, obj in [*objects, *fixture]:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == DASHBOARD_CONFIG_MAP:
            dashboards = [json.loads(text) for text in obj["data"].values()]
            queries += [q for d in dashboards for q in dashboard_queries(d)]
        elif obj["kind"] == "AnalysisTemplate":
            queries += [m["provider"]["prometheus"]["query"] for m in obj["spec"]["metrics"] if "prometheus" in m["provider"]]
        elif obj["kind"] == "PrometheusRule":
            for group in obj["spec"]["groups"]:
                queries += [r["expr"] for r in group["rules"]]
                recorded |= {r["record"] for r in group["rules"] if "record" in r}
    assert any("analysis_run_info" in q for q in queries), "the dashboard's queries are not included"
    used = set().union(*(metric_names(q) for q in queries))
    assert len(used) >= 10
    assert sorted(used - recorded - EXPORTED_METRICS.keys()) == []
    assert sorted(EXPORTED_METRICS.keys() - used) == [], "an allow-listed metric nothing reads: drop it"
    # a query reading a name outside the list is caught
    assert metric_names('sum(rate(http_requests_total{namespace="x"}[1m]))') - EXPORTED_METRICS.keys()


def test_every_alert_links_to_its_runbook_page_in_docs(objects, config):
    """Each alert's runbook_url is its page of docs/operations/runbooks/ in the repository Argo CD
    reads (git.repo_url at git.target_revision), and that page exists with the alert as its title."""
    git = config.platform.git
    prefix = f"{git.repo_url.removesuffix('.git')}/blob/{git.target_revision}/"
    alerts = [r for _, obj in objects if obj["kind"] == "PrometheusRule" for g in obj["spec"]["groups"] for r in g["rules"] if "alert" in r]
    assert alerts, "no alert synthesized"
    for rule in alerts:
        url = rule["annotations"]["runbook_url"]
        assert url.startswith(prefix), (rule["alert"], url)
        page = ROOT / url.removeprefix(prefix)
        assert page.is_file(), f"{rule['alert']}: {page.relative_to(ROOT)} does not exist"
        assert page.read_text().splitlines()[0] == f"# {rule['alert']}", f"{page.relative_to(ROOT)} is not {rule['alert']}'s runbook"


def test_a_configured_runbook_url_names_each_alert(tmp_path):
    """alerting.runbook_url set (the fixture: a docs site) replaces the repository default, per alert."""
    from podinfo_canary.config import load

    platform = load(ROOT / "tests/fixtures/config").platform
    assert platform.alerting.runbook("PodinfoHighLatency") == "https://docs.fixture.example.test/runbooks/PodinfoHighLatency/"


def _relabel(labels: dict[str, str], configs: list[dict]) -> dict[str, str]:
    """Prometheus metric relabeling, for the `replace` (default separator, replacement $1) and
    `labeldrop` actions."""
    labels = dict(labels)
    for c in configs:
        if c["action"] == "replace":
            value = ";".join(labels.get(s, "") for s in c["sourceLabels"])
            match = re.fullmatch(c.get("regex", "(.*)"), value)
            if match:
                labels[c["targetLabel"]] = match.expand(c.get("replacement", r"\1").replace("$1", r"\1"))
        elif c["action"] == "labeldrop":
            labels = {k: v for k, v in labels.items() if not re.fullmatch(c["regex"], k)}
    return labels


def test_rollout_metrics_keep_the_rollouts_namespace(objects, config):
    """The controller's series arrive with the target's namespace (argo-rollouts) and the exported
    one renamed `exported_namespace` (honor_labels false); the ServiceMonitor's metric relabeling
    restores the Rollout's namespace, which the rules, the routing and the dashboard select on.
    Series without an exported namespace (the controller's own) keep theirs."""
    values = one(objects, "Application", "argo-rollouts")["spec"]["source"]["helm"]["valuesObject"]
    monitor = values["controller"]["metrics"]["serviceMonitor"]
    assert monitor["enabled"] and "honorLabels" not in monitor
    controller_ns = config.platform.charts.argo_rollouts.namespace
    scraped = {"__name__": "rollout_info", "namespace": controller_ns, "exported_namespace": "podinfo-prod", "name": "podinfo"}
    assert _relabel(scraped, monitor["metricRelabelings"]) == {"__name__": "rollout_info", "namespace": "podinfo-prod", "name": "podinfo"}
    own = {"__name__": "controller_info", "namespace": controller_ns}
    assert _relabel(own, monitor["metricRelabelings"]) == own
