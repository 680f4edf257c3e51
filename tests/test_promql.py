"""The analysis queries on the real Prometheus engine (promtool), read from dist/, not copied.

Each scenario is a set of synthetic podinfo series (canary and stable pod-template hashes,
probes, cAdvisor and kube-state-metrics series). promtool evaluates every query of the prod
AnalysisTemplates against it and checks the value we expect; the metric's own successCondition
(also from dist/) is then applied to that value, the way Argo Rollouts would.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import dataclass, field

import promql_parser
import pytest
import yaml

from tests.conftest import find

CANARY, STABLE = "c4n4ry", "st4bl3"
STEP = 15  # seconds between samples, the PodMonitor's scrape interval
EVAL = "5m"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

FAST = {0.05: 1.0}  # every request in (0.025, 0.05]
SLOW = {0.05: 0.875, 1: 0.125}  # P95 = 0.5 + 0.5 * (0.95 - 0.875) / 0.125 = 0.8 s, P99 = 0.96 s


@dataclass
class Pod:
    """Traffic of one pod-template hash: requests/s per status and the latency distribution."""

    hash: str
    rps: dict[str, float] = field(default_factory=lambda: {"200": 1.0})
    latency: dict[float, float] = field(default_factory=lambda: FAST)
    cpu_cores: float = 0.1
    memory_bytes: int = 100 * 2**20


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
        out.append({"series": f'kube_pod_container_resource_limits{{{cadvisor}, resource="cpu", unit="core"}}', "values": "0.5x40"})
        out.append(
            {"series": f'kube_pod_container_resource_limits{{{cadvisor}, resource="memory", unit="byte"}}', "values": f"{256 * 2**20}x40"}
        )
    return out


HEALTHY = {
    "request-rate": 1.0,
    "success-rate": 1.0,
    "error-rate": 0.0,
    "latency-p95": 0.04875,
    "latency-p99": 0.04975,
    "cpu-usage": 0.2,
    "memory-usage": 100 / 256,
}

BG = "podinfo-complete-analysis"

# name: (pods, expected value per metric (None = empty result), templates that fail, templates inconclusive)
SCENARIOS = {
    "healthy_canary": ([Pod(CANARY), Pod(STABLE)], HEALTHY, set(), set()),
    "canary_with_10pct_5xx": (
        [Pod(CANARY, rps={"200": 0.9, "500": 0.1}), Pod(STABLE)],
        {**HEALTHY, "success-rate": 0.9, "error-rate": 0.1},
        {"podinfo-success-rate", "podinfo-error-rate", BG},
        set(),
    ),
    "canary_answering_only_500": (
        [Pod(CANARY, rps={"500": 1.0}), Pod(STABLE)],
        {**HEALTHY, "success-rate": 0.0, "error-rate": 1.0},
        {"podinfo-success-rate", "podinfo-error-rate", BG},
        set(),
    ),
    "canary_answering_only_404": (
        [Pod(CANARY, rps={"404": 1.0}), Pod(STABLE)],
        {**HEALTHY, "success-rate": 0.0, "error-rate": 0.0},
        {"podinfo-success-rate", BG},
        set(),
    ),
    "canary_with_p95_800ms": (
        [Pod(CANARY, latency=SLOW), Pod(STABLE)],
        {**HEALTHY, "latency-p95": 0.8, "latency-p99": 0.96},
        {"podinfo-latency", BG},
        set(),
    ),
    "canary_without_traffic": (
        [Pod(CANARY, rps={}), Pod(STABLE)],
        {**HEALTHY, "request-rate": 0.0, "success-rate": None, "error-rate": None, "latency-p95": None, "latency-p99": None},
        set(),
        {"podinfo-request-rate", BG},
    ),
    "stable_only_errors": ([Pod(CANARY), Pod(STABLE, rps={"200": 0.5, "500": 0.5}, latency=SLOW)], HEALTHY, set(), set()),
    "canary_cpu_at_90pct_of_limit": (
        [Pod(CANARY, cpu_cores=0.45), Pod(STABLE)],
        {**HEALTHY, "cpu-usage": 0.9},
        {"podinfo-cpu-usage", BG},
        set(),
    ),
}


def _concrete(query: str) -> str:
    return query.replace("{{args.canary-hash}}", CANARY)


@pytest.fixture(scope="module")
def templates(objects) -> dict[str, dict]:
    return {t["metadata"]["name"]: t for t in find(objects, "AnalysisTemplate", folder="prod")}


@pytest.fixture(scope="module")
def namespace(config) -> str:
    return next(e.namespace for e in config.environments if e.name == "prod")


def _metrics(templates) -> dict[str, dict]:
    """metric name -> metric spec, across the individual templates (complete-analysis repeats them)."""
    return {m["name"]: m for name, t in templates.items() if name != "podinfo-complete-analysis" for m in t["spec"]["metrics"]}


def argo_condition(condition: str, result: list[float]) -> bool:
    """Evaluate an Argo Rollouts (expr) condition of the restricted form our templates use."""
    assert re.fullmatch(r"[\w\s\[\]().|&<>=!]+", condition), condition
    python = condition.replace("||", " or ").replace("&&", " and ").replace("isNaN(", "isnan(")
    return bool(eval(python, {"__builtins__": {}}, {"result": result, "len": len, "isnan": math.isnan, "true": True, "false": False}))


def test_every_query_parses(templates):
    queries = [m["provider"]["prometheus"]["query"] for t in templates.values() for m in t["spec"]["metrics"]]
    assert len(queries) >= 14
    for query in queries:
        promql_parser.parse(_concrete(query))


def test_every_query_selects_the_canary_hash(templates):
    for metric in _metrics(templates).values():
        query = metric["provider"]["prometheus"]["query"]
        assert "{{args.canary-hash}}" in query, metric["name"]


def test_promtool_is_installed():
    assert shutil.which("promtool"), "promtool missing: install the Debian package `prometheus` (.ci/run does)"


def test_queries_on_the_prometheus_engine(templates, namespace, tmp_path):
    metrics = _metrics(templates)
    groups = []
    for scenario, (pods, expected, _, _) in SCENARIOS.items():
        tests = []
        for name, metric in metrics.items():
            value = expected[name]
            samples = [] if value is None else [{"labels": "{}", "value": value}]
            tests.append({"expr": _concrete(metric["provider"]["prometheus"]["query"]), "eval_time": EVAL, "exp_samples": samples})
        groups.append({"name": scenario, "interval": f"{STEP}s", "input_series": series(namespace, pods), "promql_expr_test": tests})
    spec = tmp_path / "analysis_test.yaml"
    result = _promtool(spec, groups)
    if result.returncode != 0:
        # promtool 2.42 compares floats exactly; accept float rounding (relative 1e-9) only, by
        # re-running with the engine's own value where it is that close to ours.
        rounded = _rounding_differences(result.stdout + result.stderr)
        for group in groups:
            for test in group["promql_expr_test"]:
                for sample in test["exp_samples"]:
                    sample["value"] = rounded.get((test["expr"], sample["value"]), sample["value"])
        result = _promtool(spec, groups)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def _promtool(spec, groups) -> subprocess.CompletedProcess:
    spec.write_text(yaml.safe_dump({"rule_files": [], "evaluation_interval": "15s", "tests": groups}, sort_keys=False))
    return subprocess.run(["promtool", "test", "rules", str(spec)], capture_output=True, text=True, timeout=120)


def _rounding_differences(output: str) -> dict[tuple[str, float], float]:
    found = {}
    pattern = r'expr: "(.*?)", time: .*?\n\s+exp: \{\} (\S+)\n\s+got: \{\} (\S+)'
    for expr, exp, got in re.findall(pattern, output):
        expected, actual = float(exp), float(got)
        if math.isclose(expected, actual, rel_tol=1e-9):
            found[(expr.replace('\\"', '"'), expected)] = actual
    return found


def measurement(metric: dict, value: float | None) -> str:
    """Argo Rollouts' verdict on one measurement: Successful, Failed or Inconclusive."""
    result = [] if value is None else [value]
    if argo_condition(metric["successCondition"], result):
        return "Successful"
    if "failureCondition" in metric and not argo_condition(metric["failureCondition"], result):
        return "Inconclusive"
    return "Failed"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_templates_pass_fail_or_pause_as_expected(templates, scenario):
    """Apply each template's conditions to the values promtool proved above."""
    _, expected, failing, inconclusive = SCENARIOS[scenario]
    outcome = {}
    for name, template in templates.items():
        verdicts = {measurement(m, expected[m["name"]]) for m in template["spec"]["metrics"]}
        outcome[name] = "Failed" if "Failed" in verdicts else ("Inconclusive" if "Inconclusive" in verdicts else "Successful")
    assert {n for n, o in outcome.items() if o == "Failed"} == failing
    assert {n for n, o in outcome.items() if o == "Inconclusive"} == inconclusive


def test_no_data_never_errors(templates):
    """Empty and NaN results are decided by a guard, never by indexing an empty result."""
    for metric in _metrics(templates).values():
        for result in ([], [math.nan]):
            argo_condition(metric["successCondition"], result)  # must not raise


def test_background_template_runs_until_promotion_and_step_templates_end(templates):
    assert all("count" not in m for m in templates[BG]["spec"]["metrics"])
    for name, template in templates.items():
        if name != BG:
            assert all(m["count"] >= 1 for m in template["spec"]["metrics"]), name
