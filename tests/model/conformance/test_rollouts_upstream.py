"""Conformance, rollout side: Argo Rollouts' own unit tests at tag v1.9.1, run against this project.

Ported as data (tests/model/conformance/upstream/rollouts_*.yaml, cmd_*.yaml), one case per table row or
assertion: utils/replicaset/canary_test.go (GetCurrentCanaryStep, GetCurrentSetWeight,
trafficWeightToReplicas), utils/rollout/rolloututil_test.go (GetRolloutPhase with
CalculateRolloutPhase, IsFullyPromoted, IsUnpausing, isGenerationObserved),
utils/conditions/rollouts_test.go (RolloutProgressing, RolloutTimedOut), and the kubectl plugin's
promote, abort, retry and pause tests (each patch's target and body, the 404 fallback, failures).
UPSTREAM_TESTS lists every test function of those files at the tag; each is a case or in
NOT_COVERED with its reason. Nothing here reads the upstream source: the data is the port.

Add a case: read the Go test at the tag (`git show v1.9.1:PATH` in a clone of
argoproj/argo-rollouts), copy its input into the YAML file of its source file, name it
`file:TestName/subtest` (the subtest's name as the Go table writes it, else a short suffix), give
`function` (a key of FUNCTIONS), `input` (its keyword arguments) and `expect` (what the Go test
asserts); a plugin case gives `command`, `rollout` and `patches` (see cmd_plugin.yaml's header).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from podinfo_canary.core.plan import canary_replicas
from podinfo_canary.ctl import actions, kube, status
from podinfo_canary.model import conditions

DATA = Path(__file__).parent / "upstream"
TAG = "v1.9.1"

# Every test function of the ported files at v1.9.1 (`grep '^func Test'`).
UPSTREAM_TESTS = {
    "utils/replicaset/canary_test.go": """TestCalculateReplicaCountsForCanary TestApproximateWeightedNewStableReplicaCounts
        TestCalculateReplicaCountsForNewDeployment TestCalculateReplicaCountsForCanaryTrafficRouting
        TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale TestCalculateReplicaCountsForCanaryStableRSdEdgeCases
        TestTrafficWeightToReplicas TestGetOtherRSs TestGetStableRS TestBeforeStartingStep TestGetCurrentCanaryStep
        TestGetCurrentSetWeight TestAtDesiredReplicaCountsForCanary TestGetCurrentExperiment TestSyncReplicaSetEphemeralPodMetadata
        TestSyncEphemeralPodMetadata TestGetReplicasForScaleDown TestGetCanaryReplicasOrWeight TestParseExistingPodMetadata
        TestAllDesiredAreAvailable TestAllReplicaProgressThresholdMet""",
    "utils/rollout/rolloututil_test.go": """TestIsFullyPromoted TestRolloutStatusDegraded TestRolloutStatusPaused
        TestRolloutStatusProgressing TestRolloutStatusHealthy TestCanaryStepString TestIsUnpausing TestShouldVerifyWeight
        Test_isGenerationObserved""",
    "utils/conditions/rollouts_test.go": """TestGetCondition TestSetCondition TestRemoveCondition TestRolloutProgressing
        TestRolloutHealthy TestRolloutComplete TestRolloutTimedOut TestComputeStepHash""",
    "pkg/kubectl-argo-rollouts/cmd/promote/promote_test.go": """TestPromoteCmdUsage TestPromoteUseBothSkipFlagError
        TestPromoteSkipFlagOnBlueGreenError TestPromoteSkipFlagOnNoStepCanaryError TestPromoteNoStepCanary
        TestPromoteCmdSuccesSkipAllSteps TestPromoteCmdSuccesFirstStepWithSkipFirstStep TestPromoteCmdSuccesFirstStep
        TestPromoteCmdSuccessDoNotGoPastLastStep TestPromoteCmdSuccessUnpause TestPromoteCmdPatchError TestPromoteCmdNotFoundError
        TestPromoteCmdFull TestPromoteCmdAlreadyFullyPromoted TestPromoteCmdFullWithSpecPaused TestPromoteInconclusiveStep""",
    "pkg/kubectl-argo-rollouts/cmd/abort/abort_test.go": "TestAbortCmdUsage TestAbortCmd TestAbortCmdError",
    "pkg/kubectl-argo-rollouts/cmd/retry/retry_test.go": """TestRetryCmdUsage TestRetryRolloutCmdUsage TestRetryExperimentCmdUsage
        TestRetryRolloutCmd TestRetryRolloutCmdError TestRetryExperimentCmd TestRetryExperimentCmdError""",
    "pkg/kubectl-argo-rollouts/cmd/pause/pause_test.go": "TestPauseCmdUsage TestPauseCmd TestPauseCmdError",
}

_CANARY = "utils/replicaset/canary_test.go:"
_UTIL = "utils/rollout/rolloututil_test.go:"
_COND = "utils/conditions/rollouts_test.go:"
_CMD = "pkg/kubectl-argo-rollouts/cmd/"
NOT_COVERED = {
    _CANARY + "TestCalculateReplicaCountsForCanary": "basic (untrafficked) canary scaling: every environment routes traffic (nginx)",
    _CANARY + "TestApproximateWeightedNewStableReplicaCounts": "basic canary scaling: every environment routes traffic",
    _CANARY + "TestCalculateReplicaCountsForNewDeployment": "basic canary scaling: every environment routes traffic",
    _CANARY + "TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale": "dynamicStableScale is false in every environment",
    _CANARY + "TestCalculateReplicaCountsForCanaryStableRSdEdgeCases": "basic canary scaling: every environment routes traffic",
    _CANARY + "TestGetOtherRSs": "the controller's ReplicaSet bookkeeping; canaryctl reads stableRS from the status",
    _CANARY + "TestGetStableRS": "the controller's ReplicaSet bookkeeping; canaryctl reads stableRS from the status",
    _CANARY + "TestBeforeStartingStep": "encoded inline in model/controller.py `simulate` (startingStep), not a function to call",
    _CANARY + "TestAtDesiredReplicaCountsForCanary": "the controller's availability check; the model counts available pods itself",
    _CANARY + "TestGetCurrentExperiment": "experiments: no step runs one",
    _CANARY + "TestSyncReplicaSetEphemeralPodMetadata": "ephemeral pod metadata is the controller's, canaryctl never writes it",
    _CANARY + "TestSyncEphemeralPodMetadata": "ephemeral pod metadata is the controller's, canaryctl never writes it",
    _CANARY + "TestGetReplicasForScaleDown": "the controller's scale-down arithmetic; not modelled",
    _CANARY + "TestGetCanaryReplicasOrWeight": "setCanaryScale, promoteFull and blue-green scaling: no step or command here uses them",
    _CANARY + "TestParseExistingPodMetadata": "ephemeral pod metadata is the controller's",
    _CANARY + "TestAllDesiredAreAvailable": "the controller's availability check; not modelled",
    _CANARY + "TestAllReplicaProgressThresholdMet": "replicaProgressThreshold is not set in any environment",
    _UTIL + "TestRolloutStatusProgressing/active-service-cutover-pending": "blue-green: canaryctl operates canary Rollouts only",
    _UTIL + "TestRolloutStatusProgressing/waiting-for-analysis-to-complete": "blue-green post-promotion analysis",
    _UTIL + "TestRolloutStatusProgressing/waiting-for-post-promotion-verification": "blue-green post-promotion verification",
    _UTIL + "TestRolloutStatusProgressing/workload-generation-not-observed": 'TemplateResolvedFromRef is json:"-": never set for a client',
    _UTIL + "TestRolloutStatusProgressing/isWorkloadGenerationObserved": "workloadRef: the Rollouts here carry their own template",
    _UTIL + "TestRolloutStatusHealthy/blue-green": "blue-green: canaryctl operates canary Rollouts only",
    _UTIL + "TestCanaryStepString": "`canaryctl watch` words the steps its own way (watch.py render)",
    _UTIL + "TestShouldVerifyWeight": "the controller's weight verification with a cloud load balancer; nginx has none",
    _COND + "TestGetCondition": "condition-list bookkeeping; the model keeps the one Progressing condition",
    _COND + "TestSetCondition": "condition-list bookkeeping; the model keeps the one Progressing condition",
    _COND + "TestRemoveCondition": "condition-list bookkeeping; the model keeps the one Progressing condition",
    _COND + "TestRolloutHealthy": "the Healthy condition: the model stops at promotion and does not compute it",
    _COND + "TestRolloutComplete": "RolloutCompleted is not ported; canaryctl's canary_in_progress reads the hashes itself",
    _COND + "TestComputeStepHash": "an FNV hash of Go's JSON of the steps: the controller's, not compared here",
    _COND + "TestRolloutProgressing/BlueGreen: Active Selector change": "blue-green: ReplicaStatus models a canary",
    _COND + "TestRolloutProgressing/BlueGreen: Preview Selector change": "blue-green: ReplicaStatus models a canary",
    _COND + "TestRolloutProgressing/BlueGreen: No change": "blue-green: ReplicaStatus models a canary",
    _CMD + "promote/promote_test.go:TestPromoteCmdUsage": "cobra's usage text; canaryctl's is typer's (tests/ctl/test_ctl.py)",
    _CMD + "promote/promote_test.go:TestPromoteUseBothSkipFlagError": "--skip-current-step/--skip-all-steps: canaryctl does not offer them",
    _CMD + "promote/promote_test.go:TestPromoteSkipFlagOnBlueGreenError": "skip flags and blue-green: not offered",
    _CMD + "promote/promote_test.go:TestPromoteSkipFlagOnNoStepCanaryError": "skip flags: not offered",
    _CMD + "promote/promote_test.go:TestPromoteCmdSuccesSkipAllSteps": "--skip-all-steps (-a): not offered (--full replaces it)",
    _CMD + "promote/promote_test.go:TestPromoteCmdSuccesFirstStepWithSkipFirstStep": "--skip-current-step (-c): not offered",
    _CMD + "promote/promote_test.go:TestPromoteCmdNotFoundError": "the GET's 404 is kube.py's one-line message (tests/ctl/test_ctl.py)",
    _CMD + "abort/abort_test.go:TestAbortCmdUsage": "cobra's usage text",
    _CMD + "retry/retry_test.go:TestRetryCmdUsage": "cobra's usage text (canaryctl's retry takes no subcommand)",
    _CMD + "retry/retry_test.go:TestRetryRolloutCmdUsage": "cobra's usage text",
    _CMD + "retry/retry_test.go:TestRetryExperimentCmdUsage": "experiments: not offered",
    _CMD + "retry/retry_test.go:TestRetryExperimentCmd": "experiments: not offered",
    _CMD + "retry/retry_test.go:TestRetryExperimentCmdError": "experiments: not offered",
    _CMD + "pause/pause_test.go:TestPauseCmdUsage": "cobra's usage text",
}


# --- the project's functions, as the cases call them ---------------------------------------------


def _traffic_routed_replicas(rollout: dict) -> dict:
    """CalculateReplicaCountsForTrafficRoutedCanary as this project uses it (and the model computes
    it): traffic routing without dynamicStableScale or setCanaryScale, a canary under way. Canary
    pods: canary_replicas at the set weight; the stable ReplicaSet stays at spec.replicas."""
    canary, state = actions.canary_strategy(rollout) or {}, rollout.get("status") or {}
    assert canary.get("trafficRouting") is not None and not canary.get("dynamicStableScale"), "outside this port"
    assert not any("setCanaryScale" in step for step in canary.get("steps") or []), "outside this port"
    assert not state.get("promoteFull") and state.get("stableRS") and state.get("currentPodHash") != state["stableRS"]
    assert "weights" not in (state.get("canary") or {}), "weight() would read the reported weight"
    replicas = (rollout.get("spec") or {}).get("replicas") or 1
    return {"canary": canary_replicas(status.weight(rollout), replicas, status.max_traffic_weight(rollout)), "stable": replicas}


FUNCTIONS = {
    "current_step": lambda rollout: {"step": actions.current_step(rollout)[0], "index": actions.current_step_index(rollout)},
    "weight": status.weight,
    "canary_replicas": canary_replicas,
    "traffic_routed_replicas": _traffic_routed_replicas,
    "is_fully_promoted": status.is_fully_promoted,
    "phase": lambda rollout: list(status.phase(rollout)),
    "generation_observed": status.generation_observed,
    "rollout_progressing": lambda old, new: conditions.rollout_progressing(
        conditions.ReplicaStatus(**old), conditions.ReplicaStatus(**new)
    ),
    "rollout_timed_out": lambda condition, deadline_seconds, now: conditions.rollout_timed_out(
        None if condition is None else conditions.Progressing(**condition), deadline_seconds, now
    ),
}
PARTIAL = {"current_step"}  # upstream asserts some of the result only: compare the keys it gives
PLANS = {
    "promote": lambda rollout, full: actions.promote(rollout, full=full),
    "abort": lambda rollout, full: actions.abort(),
    "retry": lambda rollout, full: actions.retry(),
    "pause": lambda rollout, full: actions.pause(),
}


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch, as the API server applies `types.MergePatchType`."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _rollout(given: dict, bases: dict) -> dict:
    """A case's Rollout: as written, or `base` with `merge` (one patch or a list) applied."""
    if "base" not in given:
        return copy.deepcopy(given)
    rollout = copy.deepcopy(bases[given["base"]])
    merges = given.get("merge") or []
    for patch in merges if isinstance(merges, list) else [merges]:
        rollout = merge_patch(rollout, patch)
    return rollout


def _dig(obj: dict, path: str):
    for key in path.split("."):
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


class _Recorder(kube.Rollouts):
    """kube.Rollouts' own `apply` over a `patch` that records instead of calling an API server, and
    answers every patch with `answer` (None: success)."""

    def __init__(self, answer: str | None) -> None:
        self.answer, self.sent = answer, []

    def patch(self, name: str, body: dict, subresource: str | None = None) -> dict:
        self.sent.append({"target": "status" if subresource == actions.STATUS else "rollout", "body": copy.deepcopy(body)})
        if self.answer == "not-found":
            raise kube.CtlError(f"Rollout {name} not found", kube.NOT_FOUND)
        if self.answer == "error":
            raise kube.CtlError("Intentional Error", 1)
        return {}


def _sends(patches: list[dict]) -> list[dict]:
    return [{"target": p["target"], "body": p["body"]} for p in patches]


def check(case: dict, bases: dict) -> None:
    """Raise AssertionError unless the project does what upstream's test asserts."""
    name = case["name"]
    if "command" not in case:
        inputs = dict(case["input"])
        if "rollout" in inputs:
            inputs["rollout"] = _rollout(inputs["rollout"], bases)
        got = FUNCTIONS[case["function"]](**inputs)
        if case["function"] in PARTIAL:
            got = {key: got[key] for key in case["expect"]}
        assert got == case["expect"], f"{name}: upstream expects {case['expect']!r}, the project gives {got!r}"
        return
    rollout = _rollout(case["rollout"], bases)
    plan = PLANS[case["command"]](copy.deepcopy(rollout), bool(case.get("full")))
    recorder = _Recorder(case.get("answer"))
    try:
        recorder.apply((rollout.get("metadata") or {}).get("name", "doesnotexist"), plan)
    except kube.CtlError as error:
        assert case.get("answer"), f"{name}: the command failed: {error}"
        assert (error.code == kube.NOT_FOUND) == (case["answer"] == "not-found"), f"{name}: exit code {error.code}"
        assert recorder.sent == _sends(case["sent"]), f"{name}: sent {recorder.sent!r} before failing"
        return
    assert not case.get("answer"), f"{name}: every patch fails ({case['answer']}), yet the command succeeded"
    planned = [{"target": "status" if p.subresource == actions.STATUS else "rollout", "body": p.body} for p in plan.patches]
    assert planned == recorder.sent == _sends(case["patches"]), f"{name}: the plan sends {planned!r}"
    if "unified" in case:
        assert plan.unified == case["unified"], f"{name}: the 404 fallback is {plan.unified!r}"
    after = rollout
    for sent in recorder.sent:
        after = merge_patch(after, sent["body"])
    for path, value in (case.get("then") or {}).items():
        assert _dig(after, path) == value, f"{name}: {path} is {_dig(after, path)!r} after the patches, upstream asserts {value!r}"


def _load() -> list[tuple[dict, dict, str]]:
    loaded = []
    for path in sorted([*DATA.glob("rollouts_*.yaml"), *DATA.glob("cmd_*.yaml")]):
        document = yaml.safe_load(path.read_text())
        assert document["tag"] == TAG, path
        loaded += [(case, document.get("bases") or {}, path.name) for case in document["cases"]]
    return loaded


CASES = _load()


@pytest.mark.parametrize(("case", "bases"), [(c, b) for c, b, _ in CASES], ids=[c["name"] for c, _, _ in CASES])
def test_upstream_case(case, bases):
    check(case, bases)


def test_the_suite_accounts_for_every_upstream_test():
    names = [case["name"] for case, _, _ in CASES]
    assert len(names) >= 50 and len(set(names)) == len(names)
    functions = {f"{file}:{test}" for file, tests in UPSTREAM_TESTS.items() for test in tests.split()}
    for name in [*names, *NOT_COVERED]:
        assert re.fullmatch(r"[\w./-]+_test\.go:Test\w+(/.+)?", name), name
        assert re.sub(r"(:Test\w+)/.*", r"\1", name) in functions, f"{name}: not a test of a ported file at {TAG}"
    for case, _, file in CASES:
        source = yaml.safe_load((DATA / file).read_text())["source"]
        assert case["name"].startswith(source), f"{case['name']} is in {file}, whose source is {source}"
    assert not set(names) & set(NOT_COVERED)
    accounted = {re.sub(r"(:Test\w+)/.*", r"\1", n) for n in [*names, *NOT_COVERED]}
    assert sorted(functions - accounted) == []
    assert all(reason.strip() and "\n" not in reason for reason in NOT_COVERED.values())


def _wrong(value):
    """A value no correct port returns where `value` is expected."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + " (wrong)"
    if value is None:
        return "not null"
    if isinstance(value, list):
        return [*value[:-1], _wrong(value[-1])] if value else ["extra"]
    if not value:
        return {"wrong": True}
    key = next(iter(value))
    return {**value, key: _wrong(value[key])}


def _with_a_wrong_expectation(case: dict) -> dict:
    wrong = copy.deepcopy(case)
    if "command" not in case:
        wrong["expect"] = _wrong(case["expect"])
    elif case.get("answer"):
        wrong["sent"] = case["sent"][:-1]
    elif case["patches"]:
        wrong["patches"][0]["body"] = _wrong(case["patches"][0]["body"])
    else:
        wrong["patches"] = [{"target": "rollout", "body": {"spec": {"paused": False}}}]
    return wrong


def test_a_wrong_expectation_is_caught():
    """Each case's check is live: the same case with its expectation changed fails."""
    for case, bases, _ in CASES:
        with pytest.raises(AssertionError):
            check(_with_a_wrong_expectation(case), bases)
