"""The analysis queries on the real Prometheus engine (promtool), read from dist/, not copied.

Each scenario is a set of synthetic podinfo series (canary and stable pod-template hashes,
probes, cAdvisor and kube-state-metrics series). promtool evaluates every query of the prod
AnalysisTemplates against it and checks the value we expect: the sequential test's statistic
computed here from the scenario's request counts and the configured SLO, so a query that sums
the wrong series or weighs them wrongly fails. The metric's own conditions (also from dist/) are
then applied to that value, the way Argo Rollouts would (podinfo_canary.model.controller).
"""

from __future__ import annotations

import math
import re
import subprocess
from dataclasses import dataclass, field

import promql_parser
import pytest
import yaml

from podinfo_canary.charts.environment.analysis import VERSUS_STABLE
from podinfo_canary.config import P95_SHARE, P99_SHARE
from podinfo_canary.core.promql import SequentialTest, VersusStable
from podinfo_canary.model.controller import measurement_phase
from tests.conftest import find, measured_by_prometheus, wald_weights

CANARY, STABLE = "c4n4ry", "st4bl3"
STEP = 15  # seconds between samples, the PodMonitor's scrape interval
EVAL_STEPS = 20  # evaluated at 20 x 15 s = 5m: every counter then holds 300 s of requests
EVAL = f"{EVAL_STEPS * STEP}s"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

FAST = {0.05: 1.0}  # every request in (0.025, 0.05]
SLOW = {0.05: 0.875, 1: 0.125}  # 12.5% slower than 500 ms (P95 = 0.8 s), none slower than 1 s


@dataclass
class Pod:
    """Traffic of one pod-template hash: requests/s per status and the latency distribution."""

    hash: str
    rps: dict[str, float] = field(default_factory=lambda: {"200": 1.0})
    latency: dict[float, float] = field(default_factory=lambda: FAST)
    cpu_cores: float = 0.1
    memory_bytes: int = 100 * 2**20
    restarts: int = 0

    def requests(self, status: str = ".") -> float:
        """Requests counted by the eval time whose status matches the regex."""
        return sum(rps for s, rps in self.rps.items() if re.fullmatch(status + ".*", s)) * EVAL_STEPS * STEP

    def within(self, seconds: float) -> float:
        return self.requests() * sum(share for bound, share in self.latency.items() if bound <= seconds)


def _counter(per_second: float) -> str:
    return f"0+{per_second * STEP:g}x40"


def series(namespace: str, pods: list[Pod]) -> list[dict]:
    out = []
    for pod in pods:
        base = f'namespace="{namespace}", rollouts_pod_template_hash="{pod.hash}", pod="podinfo-{pod.hash}-x1"'
        # kubelet probes: always there, never counted as traffic
        out.append(
            {
                "series": f'http_request_duration_seconds_count{{{base}, path="healthz", method="GET", status="200"}}',
                "values": _counter(0.2),
            }
        )
        for status, rps in pod.rps.items():
            labels = f'{base}, path="api_info", method="GET", status="{status}"'
            out.append({"series": f"http_request_duration_seconds_count{{{labels}}}", "values": _counter(rps)})
            for le in (*BUCKETS, "+Inf"):
                share = 1.0 if le == "+Inf" else sum(v for b, v in pod.latency.items() if b <= le)
                out.append({"series": f'http_request_duration_seconds_bucket{{{labels}, le="{le}"}}', "values": _counter(rps * share)})
        cadvisor = f'namespace="{namespace}", pod="podinfo-{pod.hash}-x1", container="podinfo"'
        out.append({"series": f"container_cpu_usage_seconds_total{{{cadvisor}}}", "values": _counter(pod.cpu_cores)})
        out.append({"series": f"container_memory_working_set_bytes{{{cadvisor}}}", "values": f"{pod.memory_bytes}x40"})
        out.append({"series": f"kube_pod_container_status_restarts_total{{{cadvisor}}}", "values": f"{pod.restarts}x40"})
        out.append({"series": f'kube_pod_container_resource_limits{{{cadvisor}, resource="cpu", unit="core"}}', "values": "0.5x40"})
        out.append(
            {"series": f'kube_pod_container_resource_limits{{{cadvisor}, resource="memory", unit="byte"}}', "values": f"{256 * 2**20}x40"}
        )
    return out


BG = "podinfo-complete-analysis"
GATE = "podinfo-request-rate"

# name: (pods, templates that fail, templates inconclusive)
SCENARIOS = {
    "healthy_canary": ([Pod(CANARY), Pod(STABLE)], set(), set()),
    "canary_with_10pct_5xx": (
        [Pod(CANARY, rps={"200": 0.9, "500": 0.1}), Pod(STABLE)],
        {"podinfo-success-rate", "podinfo-error-rate", BG},
        set(),
    ),
    "canary_answering_only_500": ([Pod(CANARY, rps={"500": 1.0}), Pod(STABLE)], {"podinfo-success-rate", "podinfo-error-rate", BG}, set()),
    "canary_answering_only_404": ([Pod(CANARY, rps={"404": 1.0}), Pod(STABLE)], {"podinfo-success-rate", BG}, set()),
    "canary_with_p95_800ms": ([Pod(CANARY, latency=SLOW), Pod(STABLE)], {"podinfo-latency", BG}, set()),
    "canary_without_traffic": ([Pod(CANARY, rps={}), Pod(STABLE)], set(), {GATE}),
    "canary_with_too_few_requests": ([Pod(CANARY, rps={"200": 0.1}), Pod(STABLE)], set(), {GATE}),
    "stable_only_errors": ([Pod(CANARY), Pod(STABLE, rps={"200": 0.5, "500": 0.5}, latency=SLOW, restarts=3)], set(), set()),
    "canary_cpu_at_90pct_of_limit": ([Pod(CANARY, cpu_cores=0.45), Pod(STABLE)], {"podinfo-cpu-usage", BG}, set()),
    # A restart is an error: podinfo-error-rate counts it too (a crashing canary's 5xx come from the router).
    "canary_container_restarted": ([Pod(CANARY, restarts=1), Pod(STABLE)], {BG, "podinfo-error-rate"}, set()),
    # Both at 3% 5xx: inside the SLO and no worse than stable, so neither judge fails.
    "canary_like_stable_at_3pct": (
        [Pod(CANARY, rps={"200": 0.97, "500": 0.03}), Pod(STABLE, rps={"200": 9.7, "500": 0.3})],
        set(),
        set(),
    ),
    # Stable at 0.5%, canary at 1.5%: inside the SLO, three times stable's: the relative judge fails it.
    "canary_tripling_stables_errors": (
        [Pod(CANARY, rps={"200": 9.85, "500": 0.15}), Pod(STABLE, rps={"200": 19.9, "500": 0.1})],
        {"podinfo-success-rate", "podinfo-error-rate", BG},
        set(),
    ),
    # Stable idle in the window (its counters flat: 0/0 is NaN): no reference, no verdict.
    "stable_idle_in_the_window": ([Pod(CANARY), Pod(STABLE, rps={"200": 0.0})], set(), set()),
    # Stable failing every request: no reference (its share is taken as at most 50%), the canary passes.
    "stable_failing_every_request": ([Pod(CANARY), Pod(STABLE, rps={"500": 10.0})], set(), set()),
    # An earlier, aborted canary's pods (another hash) beside: not part of the reference.
    "an_earlier_canarys_errors_beside": (
        [Pod(CANARY, rps={"200": 9.85, "500": 0.15}), Pod(STABLE, rps={"200": 19.9, "500": 0.1}), Pod("0ldc4n", rps={"500": 50.0})],
        {"podinfo-success-rate", "podinfo-error-rate", BG},
        set(),
    ),
    # An incident on both tracks (10% 5xx each): the SLO's test fails, the relative judge does not.
    "incident_on_both_tracks": (
        [Pod(CANARY, rps={"200": 0.9, "500": 0.1}), Pod(STABLE, rps={"200": 9, "500": 1})],
        {"podinfo-success-rate", "podinfo-error-rate", BG},
        set(),
    ),
}


def expected_values(pod: Pod, env, stable: Pod | None = None) -> dict[str, float | None]:
    """Each metric's value for the canary pod, from its counts, the stable pod's and the
    environment's SLO and decision settings (None: empty)."""
    slo, decision = env.slo, env.decision

    def llr(share: float, bad: float, n: float) -> float:
        """The textbook log-likelihood ratio, its weights rounded to the 6 decimals written into the
        queries (metrics.WEIGHT_DECIMALS)."""
        per_bad, per_request = (round(w, 6) for w in wald_weights(share, decision.bad_factor))
        return bad * per_bad + n * per_request

    def versus(bad: float, n: float, stable_bad: float, stable_n: float) -> float | None:
        """Against stable: "bad share = stable's (at least the margin)" against "factor x that +
        margin", stable's share (at least the margin, at most a half) the exact increase over the
        window (its counters start at 0 inside it)."""
        if not n or not stable_n:
            return None
        v = decision.versus_stable
        p0 = min(max(stable_bad / stable_n, v.margin), VersusStable.reference_max)  # at least the margin, at most half
        p1 = min(p0 * v.factor + v.margin, VersusStable.ceiling)
        return bad * math.log(p1 / p0) + (n - bad) * math.log((1 - p1) / (1 - p0))

    n, sn = pod.requests(), stable.requests() if stable else 0.0
    p95, p99 = slo.latency_p95_max_ms / 1000, slo.latency_p99_max_ms / 1000
    bad = {
        "server-errors": (pod.requests("5"), stable.requests("5") if stable else 0.0),
        "unsuccessful": (n - pod.requests("2"), sn - (stable.requests("2") if stable else 0.0)),
        "slower-than-p95": (n - pod.within(p95), sn - (stable.within(p95) if stable else 0.0)),
        "slower-than-p99": (n - pod.within(p99), sn - (stable.within(p99) if stable else 0.0)),
    }
    shares = {
        "server-errors": slo.error_rate_max,
        "unsuccessful": 1 - slo.success_rate_min,
        "slower-than-p95": P95_SHARE,
        "slower-than-p99": P99_SHARE,
    }
    sprt = {name: llr(shares[name], canary_bad, n) for name, (canary_bad, _) in bad.items()}
    relative = {f"{name}{VERSUS_STABLE}": versus(canary_bad, n, stable_bad, sn) for name, (canary_bad, stable_bad) in bad.items()}
    return {
        **{name: (value if n else None) for name, value in sprt.items()},
        **relative,
        "canary-requests": n,
        "canary-restarts": float(pod.restarts),
        "cpu-usage": pod.cpu_cores / 0.5,
        "memory-usage": pod.memory_bytes / (256 * 2**20),
    }


def _concrete(query: str) -> str:
    return query.replace("{{args.canary-hash}}", CANARY).replace("{{args.stable-hash}}", STABLE)


@pytest.fixture(scope="module")
def templates(objects) -> dict[str, dict]:
    return {t["metadata"]["name"]: t for t in find(objects, "AnalysisTemplate", folder="prod") if measured_by_prometheus(t)}


@pytest.fixture(scope="module")
def prod(config):
    return next(e for e in config.environments if e.name == "prod")


def _metrics(templates) -> dict[str, dict]:
    """metric name -> metric spec, across every template (canary-restarts is in podinfo-error-rate and the background one)."""
    return {m["name"]: m for t in templates.values() for m in t["spec"]["metrics"]}


def test_every_query_parses(templates):
    queries = [m["provider"]["prometheus"]["query"] for t in templates.values() for m in t["spec"]["metrics"]]
    assert len(queries) >= 14
    for query in queries:
        promql_parser.parse(_concrete(query))


def test_every_query_selects_the_canary_hash(templates):
    for metric in _metrics(templates).values():
        query = metric["provider"]["prometheus"]["query"]
        assert "{{args.canary-hash}}" in query, metric["name"]


def test_queries_on_the_prometheus_engine(templates, prod, tmp_path):
    metrics = _metrics(templates)
    groups = []
    for scenario, (pods, _, _) in SCENARIOS.items():
        tests = []
        expected = expected_values(pods[0], prod, pods[1] if len(pods) > 1 else None)
        for name, metric in metrics.items():
            value = expected[name]
            samples = [] if value is None else [{"labels": "{}", "value": value}]
            tests.append({"expr": _concrete(metric["provider"]["prometheus"]["query"]), "eval_time": EVAL, "exp_samples": samples})
        groups.append({"name": scenario, "interval": f"{STEP}s", "input_series": series(prod.namespace, pods), "promql_expr_test": tests})
    spec = tmp_path / "analysis_test.yaml"
    result = _promtool(spec, groups)
    if result.returncode != 0:
        # promtool 2.42 compares floats exactly and reports a group's first failure only; accept
        # float rounding (relative 1e-9) and nothing else: group by group (one query's rounding
        # differs between scenarios), re-run with the engine's own value where it is that close to
        # ours, until no such difference is left.
        for group in groups:
            alone = _promtool(spec, [group])
            for _ in range(len(group["promql_expr_test"])):
                rounded = _rounding_differences(alone.stdout + alone.stderr) if alone.returncode else {}
                if not rounded:
                    break
                for test in group["promql_expr_test"]:
                    for sample in test["exp_samples"]:
                        # promtool prints 16 significant digits: match ours to what it printed that closely.
                        sample["value"] = next(
                            (
                                got
                                for (q, exp), got in rounded.items()
                                if q == test["expr"] and math.isclose(exp, sample["value"], rel_tol=1e-14)
                            ),
                            sample["value"],
                        )
                alone = _promtool(spec, [group])
        result = _promtool(spec, groups)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def _promtool(spec, groups) -> subprocess.CompletedProcess:
    spec.write_text(yaml.safe_dump({"rule_files": [], "evaluation_interval": "15s", "tests": groups}, sort_keys=False))
    return subprocess.run(["promtool", "test", "rules", str(spec)], capture_output=True, text=True, timeout=120)


def _rounding_differences(output: str) -> dict[tuple[str, float], float]:
    found = {}
    pattern = r'expr: "(.*?)", time: .*?\n\s+exp: \{\} (\S+)\n\s+got: \{\} (\S+)'
    for query, exp, got in re.findall(pattern, output):
        expected, actual = float(exp), float(got)
        if math.isclose(expected, actual, rel_tol=1e-9):
            found[(query.replace('\\"', '"').replace("\\\\", "\\"), expected)] = actual
    return found


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_templates_pass_fail_or_pause_as_expected(templates, prod, scenario):
    """Apply each template's conditions to the values promtool proved above (EvaluateResult)."""
    pods, failing, inconclusive = SCENARIOS[scenario]
    expected = expected_values(pods[0], prod, pods[1] if len(pods) > 1 else None)
    outcome = {}
    for name, template in templates.items():
        verdicts = {measurement_phase(m, [] if expected[m["name"]] is None else [expected[m["name"]]]) for m in template["spec"]["metrics"]}
        assert "Error" not in verdicts, (name, verdicts)
        outcome[name] = "Failed" if "Failed" in verdicts else ("Inconclusive" if "Inconclusive" in verdicts else "Successful")
    assert {n for n, o in outcome.items() if o == "Failed"} == failing
    assert {n for n, o in outcome.items() if o == "Inconclusive"} == inconclusive


def test_no_data_is_decided_by_a_guard(templates):
    """An empty result (no canary requests yet) passes every request and saturation check, and a
    NaN passes the saturation checks (a zero limit series) and the relative judge's (stable served
    nothing in its window: 0/0): no data is no evidence either way. The SLO's sequential tests are
    sums of counters times constants, never NaN; their conditions guard only the empty result. The
    evidence gate and the restart count end in `or vector(0)` and are never empty."""
    metrics = _metrics(templates)
    for name, metric in metrics.items():
        if name in ("canary-requests", "canary-restarts"):
            assert metric["provider"]["prometheus"]["query"].endswith(" or vector(0)"), name
            continue
        assert measurement_phase(metric, []) == "Successful", name
    relative = [name for name in metrics if name.endswith(VERSUS_STABLE)]
    assert len(relative) == 4, relative
    for name in ("cpu-usage", "memory-usage", *relative):
        assert measurement_phase(metrics[name], [math.nan]) == "Successful", name
    # Zero requests, the evidence gate's "no data": not enough evidence, the stage pauses for a human.
    assert measurement_phase(metrics["canary-requests"], [0.0]) == "Inconclusive"


def test_background_template_runs_until_promotion_and_is_never_inconclusive(templates):
    """A background run that ends Inconclusive pauses the rollout with no new run until a human
    resumes (rollout/analysis.go `reconcileBackgroundAnalysisRun`): its metrics have no
    failureCondition (anything not successful fails) and no `count`."""
    for metric in templates[BG]["spec"]["metrics"]:
        assert "count" not in metric and "failureCondition" not in metric, metric["name"]
    assert "canary-requests" not in {m["name"] for m in templates[BG]["spec"]["metrics"]}
    for name, template in templates.items():
        if name != BG:
            assert all(m["count"] >= 1 for m in template["spec"]["metrics"]), name


def test_the_sequential_test_weights_are_walds():
    """Pinned by hand for a 5% SLO, healthy at 2%, false aborts at most 0.5%:
    ln(0.05 x 0.98 / (0.02 x 0.95)), ln(0.95 / 0.98) and ln(1 / 0.005)."""
    test = SequentialTest(healthy=0.02, bad=0.05, false_abort=0.005)
    assert (test.bad_weight, test.total_weight, round(test.threshold, 4)) == (0.947381, -0.031091, 5.2983)
    assert test.llr(bad_requests=10, requests=100) == pytest.approx(10 * 0.947381 - 100 * 0.031091)
