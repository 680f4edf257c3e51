"""Upstream conformance of the analysis model: Argo Rollouts' own unit-test tables, run against it.

Ported from argoproj/argo-rollouts at tag v1.9.1 (commit b6bd3bcf8f60): utils/evaluate/evaluate_test.go
(upstream/evaluate.yaml), utils/analysis/helpers_test.go (upstream/analysis_helpers.yaml),
analysis/analysis_test.go (upstream/analysis.yaml) and the value handling of
metricproviders/prometheus/prometheus_test.go (upstream/prometheus.yaml), against
podinfo_canary/model/analysis_run.py and podinfo_canary/model/expr.py. Each case is an upstream
assertion (or a pair, where upstream asserts both `terminating` values) named
`file:TestName/subtest`, with upstream's fixture translated into the model's terms and upstream's
expected result; a case named after a `.go` file rather than a `_test.go` one pins a rule read
from upstream's source. Upstream's status.message text, runSummary counts and timestamps are not
modelled: where a message names the deciding metric, the case checks `AnalysisRun.decided_by`.
Upstream tests the model does not cover are in NOT_COVERED, with the reason.

To add a case, append it to the YAML of its upstream test file: `name`, `op` (a key of OPS; the
YAML's header says which inputs each op reads) and `expect`, the upstream result. A new upstream
test function goes into the file's `functions` list too, so the completeness check sees it.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from podinfo_canary.model import expr
from podinfo_canary.model.analysis_run import (
    AnalysisRun,
    InvalidSpec,
    MetricState,
    PrometheusDown,
    flatten_templates,
    measurement_phase,
    unique_templates,
)

HERE = Path(__file__).resolve().parent / "upstream"
FILES = ("evaluate.yaml", "analysis_helpers.yaml", "analysis.yaml", "prometheus.yaml")
# Upstream source functions whose rules the derived cases (`file.go:Function/...`) pin.
DERIVED = {
    "utils/evaluate/evaluate.go": {"EvalCondition"},
    "utils/analysis/helpers.go": {"NewAnalysisRunFromTemplates", "GetDryRunMetrics"},
}
NOW = 1000  # the reconcile's "now", in model seconds
PHASES = ("Successful", "Running", "Pending", "Inconclusive", "Error", "Failed")
COUNTERS = {
    "count": "count",
    "successful": "successful",
    "failed": "failed",
    "inconclusive": "inconclusive",
    "error": "error",
    "consecutiveError": "consecutive_error",
    "consecutiveSuccess": "consecutive_success",
}

_IN_FLIGHT = "an in-flight measurement (Job/Web provider, Resume, ResumeAt): a Prometheus measurement completes when taken"
_TERMINATE = "spec.terminate is not modelled: the model stops reconciling a run (full promotion) instead of terminating it"
_TTL = "TTL garbage collection of completed AnalysisRuns: not part of any decision"
_SECRET = "secret-valued arguments: the project's templates take only canary-hash, substituted by the engine"
_AS_NUMBER = "asInt/asFloat (strconv parsing of strings): outside the modelled subset; no Prometheus result is a string"
_NIL = "default/isNil and nil pointers: the Prometheus provider never passes nil (an empty vector is an empty []float64)"
_OBJECTS = "AnalysisRun objects against the API server (names, labels, collisions, patches): not modelled"

NOT_COVERED = {
    "utils/evaluate/evaluate_test.go:TestEvaluateArray": "a map result and a closure (all(..., {# > 1})): Prometheus results are floats",
    "utils/evaluate/evaluate_test.go:TestEvaluateAsIntPanic": _AS_NUMBER,
    "utils/evaluate/evaluate_test.go:TestEvaluateAsInt": _AS_NUMBER,
    "utils/evaluate/evaluate_test.go:TestEvaluateAsFloatError": _AS_NUMBER,
    "utils/evaluate/evaluate_test.go:TestEvaluateAsFloat": _AS_NUMBER,
    "utils/evaluate/evaluate_test.go:TestAsInt": _AS_NUMBER,
    "utils/evaluate/evaluate_test.go:TestAsFloat": _AS_NUMBER,
    "utils/evaluate/evaluate_test.go:TestEqual": "Equal compares string slices; no condition reaches it",
    "utils/evaluate/evaluate_test.go:TestDefaultFunc": _NIL,
    "utils/evaluate/evaluate_test.go:TestIsNilFunc": _NIL,
    "utils/evaluate/evaluate_test.go:TestIsNil": _NIL,
    "utils/evaluate/evaluate_test.go:TestValueFromPointer": _NIL,
    "utils/evaluate/evaluate_test.go:TestEvalTimeWithSuccessExpr": "EvalTime serves range-query start/end; the project's queries are instant",
    "utils/evaluate/evaluate_test.go:TestEvalTimeWithNotTimeResult": "EvalTime: as TestEvalTimeWithSuccessExpr",
    "utils/evaluate/evaluate_test.go:TestEvalTimeWithInvalidExpression": "EvalTime: as TestEvalTimeWithSuccessExpr",
    "utils/analysis/helpers_test.go:TestGetResult": "bookkeeping over status.metricResults; the model keeps each result on its MetricState",
    "utils/analysis/helpers_test.go:TestSetResult": "bookkeeping over status.metricResults, as TestGetResult",
    "utils/analysis/helpers_test.go:TestLastMeasurement": "bookkeeping over status.metricResults, as TestGetResult",
    "utils/analysis/helpers_test.go:TestArrayMeasurement": "bookkeeping over status.metricResults, as TestGetResult",
    "utils/analysis/helpers_test.go:TestMetricCompleted/non-existent": "a run's metrics are fixed when it is built: no unknown metric to ask about",
    "utils/analysis/helpers_test.go:TestIsTerminating/terminate": _TERMINATE,
    "utils/analysis/helpers_test.go:TestTerminateRun": _OBJECTS,
    "utils/analysis/helpers_test.go:TestIsSemanticallyEqual": _OBJECTS,
    "utils/analysis/helpers_test.go:TestCreateWithCollisionCounterNoController": _OBJECTS,
    "utils/analysis/helpers_test.go:TestCreateWithCollisionCounterError": _OBJECTS,
    "utils/analysis/helpers_test.go:TestCreateWithCollisionCounterStillRunning": _OBJECTS,
    "utils/analysis/helpers_test.go:TestCreateWithCollisionCounter": _OBJECTS,
    "utils/analysis/helpers_test.go:TestNewAnalysisRunFromTemplates/args-labels-annotations": _OBJECTS,
    "utils/analysis/helpers_test.go:TestNewAnalysisRunFromTemplates/fail-merge-args": "MergeArgs (unresolved arguments) is not modelled",
    "utils/analysis/helpers_test.go:TestMergeArgs": "MergeArgs: argument values are the engine's ({{args.canary-hash}})",
    "utils/analysis/helpers_test.go:TestNewAnalysisRunFromUnstructured": _OBJECTS,
    "utils/analysis/helpers_test.go:TestCompatibilityNewAnalysisRunFromTemplate": _OBJECTS,
    "utils/analysis/helpers_test.go:TestCompatibilityNewAnalysisRunFromClusterTemplate": _OBJECTS,
    "utils/analysis/helpers_test.go:TestGetInstanceID": "controller instance-id labels: not modelled",
    "utils/analysis/helpers_test.go:TestGetMeasurementRetentionMetrics/GetMeasurementRetentionMetrics_returns_the_metric_names_map": (
        "retention limits are not modelled (every measurement is kept); only a rule matching nothing is"
    ),
    "utils/analysis/helpers_test.go:TestGetMeasurementRetentionMetrics/GetMeasurementRetentionMetrics_handles_the_RegEx_rules": (
        "retention limits are not modelled, as the subtest above"
    ),
    "analysis/analysis_test.go:TestGenerateMetricTasksIncomplete": _IN_FLIGHT,
    "analysis/analysis_test.go:TestGenerateMetricTasksHonorResumeAt": _IN_FLIGHT,
    "analysis/analysis_test.go:TestAssessMetricStatusInFlightMeasurement": _IN_FLIGHT,
    "analysis/analysis_test.go:TestCalculateNextReconcileHonorResumeAt": _IN_FLIGHT,
    "analysis/analysis_test.go:TestReconcileAnalysisRunResumeInProgress": _IN_FLIGHT,
    "analysis/analysis_test.go:TestCalculateNextReconcileTimeInterval/in-flight": _IN_FLIGHT,
    "analysis/analysis_test.go:TestGenerateMetricTasksHonorInitialDelay/no-started-at": (
        "startedAt is set by upstream's first reconcile, the model's run has it when built: the first measurement is due at the same second"
    ),
    "analysis/analysis_test.go:TestGenerateMetricTasksHonorInitialDelay/invalid-start-delay": (
        "an unparsable duration: the model refuses the metric when it builds it (config.duration_seconds raises)"
    ),
    "analysis/analysis_test.go:TestCalculateNextReconcileTimeInitialDelay/invalid-start-delay": "an unparsable duration, as above",
    "analysis/analysis_test.go:TestReconcileAnalysisRunInvalid": "a metric without a provider: the model's metrics are Prometheus queries",
    "analysis/analysis_test.go:TestTrimMeasurementHistory": "measurement history trimming: the model keeps every measurement",
    "analysis/analysis_test.go:TestGarbageCollectArgResolution": "measurement history trimming, as TestTrimMeasurementHistory",
    "analysis/analysis_test.go:TestResolveMetricArgsUnableToSubstitute": "argument resolution: the engine substitutes {{args.canary-hash}}",
    "analysis/analysis_test.go:TestSecretContentReferenceSuccess": _SECRET,
    "analysis/analysis_test.go:TestSecretContentReferenceProviderError": _SECRET,
    "analysis/analysis_test.go:TestSecretContentReferenceAndMultipleArgResolutionSuccess": _SECRET,
    "analysis/analysis_test.go:TestSecretNotFound": _SECRET,
    "analysis/analysis_test.go:TestKeyNotInSecret": _SECRET,
    "analysis/analysis_test.go:TestSecretResolution": _SECRET,
    "analysis/analysis_test.go:TestTerminateAnalysisRun": _TERMINATE,
    "analysis/analysis_test.go:TestTerminateAnalysisRunInDryRunMode": _TERMINATE,
    "analysis/analysis_test.go:TestExceededTtlChecked": _TTL,
    "analysis/analysis_test.go:TestTtlNotGCInProgressAnalysisRun": _TTL,
    "analysis/analysis_test.go:TestReconcileAnalysisRunOnRunNotFound": _TTL,
    "analysis/analysis_test.go:TestReconcileAnalysisRunOnOtherRunErrors": _TTL,
    "analysis/analysis_test.go:TestMaybeGarbageCollectAnalysisRunNoGCIfNotCompleted": _TTL,
    "analysis/analysis_test.go:TestMaybeGarbageCollectAnalysisRunNoGCIfNoTTLStrategy": _TTL,
    "analysis/analysis_test.go:TestMaybeGarbageCollectAnalysisRunNoGCIfWithDeletionTimestamp": _TTL,
    "analysis/analysis_test.go:TestMaybeGarbageCollectAnalysisRunNoGCIfNoCompletedAt": _TTL,
    "metricproviders/prometheus/prometheus_test.go:TestProcessInvalidResponse": "a response neither scalar nor vector: the model's engines answer only those",
    "metricproviders/prometheus/prometheus_test.go:TestRunWithEvaluationError": "a nil response (type not supported), as TestProcessInvalidResponse",
    "metricproviders/prometheus/prometheus_test.go:TestRunSuccessfullyWithRangeQuery": "range queries (a matrix): the project's queries are instant",
    "metricproviders/prometheus/prometheus_test.go:TestRunSuccessfullyWithEnv": "the address from ARGO_ROLLOUTS_PROMETHEUS_ADDRESS: not modelled",
    "metricproviders/prometheus/prometheus_test.go:TestRunSuccessfullyWithWarning": "Prometheus warnings in the measurement's metadata: not modelled",
    "metricproviders/prometheus/prometheus_test.go:TestRunSuccessfullyWithWarningWithEnv": "warnings metadata and the address from the environment",
}


def _load() -> tuple[list[dict], list[dict]]:
    files, cases = [], []
    for name in FILES:
        document = yaml.safe_load((HERE / name).read_text())
        files.append(document)
        cases += [{**case, "_file": document["upstream"]} for case in document["cases"]]
    return files, cases


UPSTREAM_FILES, CASES = _load()


# --- translating upstream's fixtures into the model ----------------------------------------------


def _floats(value):
    """YAML numbers as the float64 the Prometheus provider passes (booleans stay booleans)."""
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _metric(spec: dict) -> dict:
    """A metric of the case with a Prometheus query (named after it) when it has no provider."""
    return {"provider": {"prometheus": {"query": spec.get("name", "query")}}, **spec}


def _apply(state: MetricState, result: dict) -> None:
    """Set a MetricState from an upstream MetricResult; measurements finished `ago` seconds before NOW."""
    state.phase = result.get("phase") or "Pending"
    for key, attribute in COUNTERS.items():
        setattr(state, attribute, int(result.get(key, 0)))
    for measurement in result.get("measurements", []):
        measurement = {"phase": measurement} if isinstance(measurement, str) else measurement
        state.measurements.append((NOW - measurement.get("ago", 60), None, measurement["phase"]))
    if state.measurements:
        state.last_finished, _, state.last_phase = state.measurements[-1]


def _state(case: dict) -> MetricState:
    metric = _metric(case["metric"])
    state = MetricState(spec=metric, query=metric["provider"]["prometheus"]["query"])
    _apply(state, case["result"])
    return state


def _run(case: dict) -> AnalysisRun:
    """The case's AnalysisRun, started `started_ago` before NOW, its metrics set from `results`."""
    spec = {"metrics": [_metric(m) for m in case["metrics"]]}
    spec.update({key: case[key] for key in ("dryRun", "measurementRetention") if key in case})
    run = AnalysisRun("conformance", [{"spec": spec}], started=NOW - case.get("started_ago", 0), dry_run=case.get("dry_run", ()))
    for metric in run.metrics:
        _apply(metric, (case.get("results") or {}).get(metric.spec["name"], {}))
    return run


class _Engine:
    """Answers every query with `answer` (None: Prometheus is down) and records what was asked."""

    def __init__(self, answer):
        self.answer, self.asked = answer, []

    def result(self, query: str, t: int):
        self.asked.append(query)
        if self.answer is None:
            raise PrometheusDown(t)
        return self.answer


def _reconciled(case: dict, phase: str = "Successful") -> tuple[AnalysisRun, _Engine]:
    """The case's run after one reconcile at NOW, its provider mocked to measure `phase`."""
    run, engine = _run(case), _Engine([0.0])
    run.reconcile(NOW, engine, judge=lambda metric, value: phase)
    return run, engine


def _run_status(run: AnalysisRun) -> dict:
    return {
        "phase": run.phase,
        "metrics": {m.spec["name"]: m.phase for m in run.metrics},
        "measurements": {m.spec["name"]: [p for _, _, p in m.measurements] for m in run.metrics},
        "counters": {m.spec["name"]: {key: getattr(m, attribute) for key, attribute in COUNTERS.items()} for m in run.metrics},
        "decided_by": run.decided_by,
        "message": run.decided_by,
    }


# --- one observation per op: what the model says, in the keys `expect` uses ----------------------


def _evaluate_result(case: dict) -> dict:
    try:
        return {"phase": measurement_phase(case["metric"], _floats(case["result"]))}
    except ValueError:
        if not case.get("compile_error"):
            return {"phase": "refused at load, though upstream compiles it"}
    # expr.Compile fails whatever the result, so upstream errors every measurement; the model
    # refuses such a template when it builds the run.
    try:
        AnalysisRun("conformance", [{"spec": {"metrics": [_metric({"name": "m", **case["metric"]})]}}], 0)
    except ValueError:
        return {"phase": "Error"}
    return {"phase": "neither measured nor refused"}


def _eval_condition(case: dict) -> dict:
    try:
        return {"value": expr.evaluate(case["condition"], _floats(case["result"])), "error": False}
    except (TypeError, IndexError):
        return {"error": True}
    except ValueError:  # refused by expr.check: agrees only with a compile-time error upstream
        return {"error": True} if case.get("compile_error") else {"error": "refused, though upstream compiles it"}


def _provider_run(case: dict) -> dict:
    run = AnalysisRun("conformance", [{"spec": {"metrics": [_metric(case["metric"])]}}], NOW)
    run.reconcile(NOW, _Engine(None if case.get("down") else _floats(case["answer"])))
    return {"phase": run.metrics[0].measurements[-1][2]}


def _worst(first: str, second: str) -> str:
    """assessRunStatus over two completed metrics: the worse phase by analysisStatusOrder."""
    return _run(
        {"metrics": [{"name": "first"}, {"name": "second"}], "results": {"first": {"phase": first}, "second": {"phase": second}}}
    )._assess()


def _is_worse(case: dict) -> dict:
    worst = _worst(case["current"], case["new"])
    return {"is_worse": worst == case["new"] and case["new"] != case["current"]}


def _is_terminating(case: dict) -> dict:
    metrics = case["metrics"]
    dry_run = [{"metricName": f"^{m['name']}$"} for m in metrics if m.get("dryRun")]  # MetricResult.DryRun
    run = _run({"metrics": [{"name": m["name"]} for m in metrics], "dryRun": dry_run, "results": {m["name"]: m for m in metrics}})
    return {"terminating": run.terminating()}


def _metric_completed(case: dict) -> dict:
    state = _state(
        {"metric": {"name": "m", "interval": "10s"}, "result": {"phase": case["phase"], "count": 1, "measurements": ["Successful"]}}
    )
    return {"completed": state.next_due(0) == math.inf}


def _flatten(case: dict) -> dict:
    try:
        return flatten_templates([{"spec": t} for t in case["templates"]], [{"spec": t} for t in case.get("cluster_templates", [])])
    except InvalidSpec as exc:
        return {"error": str(exc)}


def _new_run(case: dict) -> dict:
    templates = [{"spec": {**t, "metrics": [_metric(m) for m in t.get("metrics", [])]}} for t in case["templates"]]
    try:
        run = AnalysisRun("conformance", templates, NOW, dry_run=case.get("dry_run", ()))
    except InvalidSpec as exc:
        return {"error": str(exc)}
    return {"phase": run.phase, "message": run.decided_by, "dry_run": sorted(m.spec["name"] for m in run.metrics if m.dry_run)}


def _unique_templates(case: dict) -> dict:
    templates = [{"kind": "AnalysisTemplate", "metadata": {"name": n}} for n in case["templates"]]
    templates += [{"kind": "ClusterAnalysisTemplate", "metadata": {"name": n}} for n in case["cluster_templates"]]
    kept = [t["kind"] for t in unique_templates(templates)]
    return {"templates": kept.count("AnalysisTemplate"), "cluster_templates": kept.count("ClusterAnalysisTemplate")}


def _assess_metric(case: dict) -> dict:
    state = _state(case)
    return {"running": state.assess(False), "terminating": state.assess(True)}


def _failure_inconclusive_or_error(case: dict) -> dict:
    return {"phase": _state(case).failure_inconclusive_or_error() or ""}


def _generate_tasks(case: dict) -> dict:
    return {"tasks": _reconciled(case)[1].asked}


def _next_reconcile(case: dict) -> dict:
    run, engine = _reconciled(case)
    return {"after": None if run.wake == math.inf else run.wake - NOW, "tasks": engine.asked}


def _assess_run(case: dict) -> dict:
    run = _run(case)
    run.phase = run._assess()
    return _run_status(run)


def _reconcile(case: dict) -> dict:
    return _run_status(_reconciled(case, case["provider"]["phase"])[0])


OPS = {
    "evaluate_result": _evaluate_result,
    "eval_condition": _eval_condition,
    "provider_run": _provider_run,
    "is_worse": _is_worse,
    "worst": lambda case: {"phase": _worst(case["left"], case["right"])},
    "is_terminating": _is_terminating,
    "metric_completed": _metric_completed,
    "flatten": _flatten,
    "new_run": _new_run,
    "unique_templates": _unique_templates,
    "assess_metric": _assess_metric,
    "failure_inconclusive_or_error": _failure_inconclusive_or_error,
    "generate_tasks": _generate_tasks,
    "next_reconcile": _next_reconcile,
    "assess_run": _assess_run,
    "reconcile": _reconcile,
}
_MISSING = "<not observed>"


def _agrees(expected, observed) -> bool:
    """Equality; a mapping expectation names only the entries it checks."""
    if isinstance(expected, dict):
        return isinstance(observed, dict) and all(key in observed and _agrees(value, observed[key]) for key, value in expected.items())
    return expected == observed


def disagreements(case: dict) -> list[str]:
    """Each expected key on which the model does not say what upstream says."""
    observed = OPS[case["op"]](case)
    return [
        f"{key}: upstream {expected!r}, model {observed.get(key, _MISSING)!r}"
        for key, expected in case["expect"].items()
        if not _agrees(expected, observed.get(key, _MISSING))
    ]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_model_agrees_with_upstream(case):
    assert not disagreements(case), f"{case['name']}: {disagreements(case)}"


# --- the suite itself --------------------------------------------------------------------------


def _wrong(value):
    """A different expectation of the same shape: every leaf changed."""
    if isinstance(value, dict):
        return {key: _wrong(v) for key, v in value.items()}
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, list):
        return [*value, "wrong"]
    if value in PHASES:
        return PHASES[(PHASES.index(value) + 1) % len(PHASES)]
    return "wrong" if value is None else f"{value} (wrong)"


def test_a_wrong_expectation_in_any_case_is_caught():
    """No case passes whatever upstream said: each expected key, changed, is a disagreement."""
    uncaught = []
    for case in CASES:
        for key, value in case["expect"].items():
            if not disagreements({**case, "expect": {key: _wrong(value)}}):
                uncaught.append(f"{case['name']} {key}")
    assert not uncaught
    flipped = {**CASES[0], "expect": {"phase": "Failed"}}  # TestEvaluateResultWithSuccess, told Failed
    assert disagreements(flipped) == ["phase: upstream 'Failed', model 'Successful'"]


def _test_function(name: str) -> tuple[str, str]:
    path, _, test = name.partition(":")
    return path, test.split("/")[0]


def test_case_names_are_unique_and_name_upstream_tests():
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))
    functions = {f["upstream"]: set(f["functions"]) for f in UPSTREAM_FILES}
    for case in CASES:
        path, function = _test_function(case["name"])
        assert case["op"] in OPS, case["name"]
        if path == case["_file"]:
            assert function in functions[path], case["name"]
        else:
            assert function in DERIVED.get(path, ()), case["name"]
    assert not set(names) & set(NOT_COVERED)


def test_not_covered_names_upstream_tests_and_every_upstream_test_is_accounted_for():
    """NOT_COVERED names tests of the ported files (as recorded in each YAML's `functions`, from
    `grep '^func Test'` at v1.9.1), and every such test is ported, or listed, or both (in part)."""
    functions = {f["upstream"]: set(f["functions"]) for f in UPSTREAM_FILES}
    for name, reason in NOT_COVERED.items():
        path, function = _test_function(name)
        assert function in functions.get(path, ()), name
        assert reason.strip(), name
    accounted = {_test_function(name) for name in [*NOT_COVERED, *(case["name"] for case in CASES)]}
    missing = [(path, f) for path, names in functions.items() for f in sorted(names) if (path, f) not in accounted]
    assert not missing


def test_enough_upstream_cases():
    ported = [case for case in CASES if _test_function(case["name"])[0].endswith("_test.go")]
    assert len(ported) >= 90, len(ported)
