"""canaryctl against a Kubernetes API server on loopback (tests/kubeapi.py), through the real
`kubernetes` client and a kubeconfig pointing at it: each command sends exactly the requests of
the Argo Rollouts kubectl plugin v1.9.1, and each failure gives its line and exit code."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from podinfo_canary.ctl import kube
from podinfo_canary.ctl.app import app
from tests.conftest import one
from tests.kubeapi import ANALYSIS_RUNS, REPLICA_SETS, ROLLOUTS, FakeApiServer

MERGE = "application/merge-patch+json"
# The plugin's patch bodies, as its source writes them (v1.9.1): cmd/promote/promote.go `const`
# (unpausePatch, clearPauseConditionsPatch, clearPauseConditionsAndControllerPausePatch,
# promoteFullPatch, clearPauseConditionsPatchWithStep, unpauseAndClearPauseConditionsPatchWithStep),
# cmd/abort/abort.go abortPatch, cmd/retry/retry.go retryRolloutPatch, cmd/pause/pause.go.
PLUGIN = {
    "unpause": '{"spec":{"paused":false}}',
    "clear_pause_conditions": '{"status":{"pauseConditions":null}}',
    "clear_and_controller_pause": '{"status":{"pauseConditions":null, "controllerPause":false, "currentStepIndex":%d}}',
    "promote_full": '{"status":{"promoteFull":true}}',
    "clear_with_step": '{"status":{"pauseConditions":null, "currentStepIndex":%d}}',
    "unpause_and_clear_with_step": '{"spec":{"paused":false},"status":{"pauseConditions":null, "currentStepIndex":%d}}',
    "abort": '{"status":{"abort":true}}',
    "retry": '{"status":{"abort":false}}',
    "pause": '{"spec":{"paused":true}}',
}


def body(name: str, *args) -> dict:
    return json.loads(PLUGIN[name] % args if args else PLUGIN[name])


@pytest.fixture
def rollout(objects) -> dict:
    """prod's synthesized Rollout, paused at the manual gate with a canary running."""
    obj = copy.deepcopy(one(objects, "Rollout", "podinfo", "prod"))
    gate = obj["spec"]["strategy"]["canary"]["steps"].index({"pause": {}})  # the manual gate
    obj["status"] = {
        "phase": "Paused",
        "message": "CanaryPauseStep",
        "currentPodHash": "7c9f8d6b5",
        "stableRS": "5d4c7b8a9",
        "currentStepIndex": gate,
        "controllerPause": True,
        "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2026-11-27T10:00:00Z"}],
        "canary": {
            "weights": {"canary": {"weight": 50, "podTemplateHash": "7c9f8d6b5"}, "stable": {"weight": 50, "podTemplateHash": "5d4c7b8a9"}}
        },
    }
    return obj


@pytest.fixture
def api(rollout, tmp_path, monkeypatch):
    with FakeApiServer() as server:
        server.objects[ROLLOUTS.format(ns="podinfo-prod") + "/podinfo"] = rollout
        monkeypatch.setenv("KUBECONFIG", str(server.kubeconfig(tmp_path)))
        yield server


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


PATH = ROLLOUTS.format(ns="podinfo-prod") + "/podinfo"


def test_promote_at_the_gate_clears_the_pause_conditions(api):
    result = run("promote", "--env", "prod")
    assert result.exit_code == 0, result.output
    assert (api.requests[0]["method"], api.requests[0]["path"]) == ("GET", PATH)
    assert api.writes() == [("PATCH", PATH + "/status", MERGE, body("clear_pause_conditions"))]


def test_promote_of_a_spec_paused_rollout_moves_a_step_then_unpauses(api, rollout):
    rollout["spec"]["paused"] = True
    rollout["status"].pop("pauseConditions")
    assert run("promote", "--env", "prod").exit_code == 0
    assert api.writes() == [
        ("PATCH", PATH + "/status", MERGE, body("clear_with_step", rollout["status"]["currentStepIndex"] + 1)),
        ("PATCH", PATH, MERGE, body("unpause")),
    ]


def test_promote_past_an_inconclusive_analysis_moves_on_a_step(api, rollout):
    rollout["status"]["canary"]["currentStepAnalysisRunStatus"] = {"name": "podinfo-abc-4", "status": "Inconclusive"}
    assert run("promote", "--env", "prod").exit_code == 0
    assert api.writes() == [
        ("PATCH", PATH + "/status", MERGE, body("clear_and_controller_pause", rollout["status"]["currentStepIndex"] + 1))
    ]


def test_promote_refuses_a_running_or_failed_analysis_unless_forced(api, rollout):
    for phase in ("Running", "Failed"):
        rollout["status"]["canary"]["currentStepAnalysisRunStatus"] = {"name": "podinfo-abc-4", "status": phase}
        refused = run("promote", "--env", "prod")
        assert refused.exit_code == kube.REFUSED and "podinfo-abc-4" in refused.output and "--force" in refused.output
    assert api.writes() == []
    assert run("promote", "--env", "prod", "--force").exit_code == 0
    assert api.writes() == [("PATCH", PATH + "/status", MERGE, body("clear_pause_conditions"))]


def test_full_promotion_in_a_protected_environment_needs_yes(api):
    refused = run("promote", "--env", "prod", "--full")
    assert refused.exit_code == kube.REFUSED and "prod is protected" in refused.output and "--yes" in refused.output
    assert api.writes() == []
    assert run("promote", "--env", "prod", "--full", "--yes").exit_code == 0
    assert api.writes() == [("PATCH", PATH + "/status", MERGE, body("promote_full"))]


def test_abort_retry_and_pause_send_the_plugins_patches(api, rollout):
    assert run("abort", "--env", "prod").exit_code == kube.REFUSED  # protected: needs --yes
    assert run("abort", "--env", "prod", "--yes").exit_code == 0
    rollout["status"]["abort"] = True
    assert run("retry", "--env", "prod").exit_code == 0
    assert run("pause", "--env", "prod").exit_code == 0
    assert api.writes() == [
        ("PATCH", PATH + "/status", MERGE, body("abort")),
        ("PATCH", PATH + "/status", MERGE, body("retry")),
        ("PATCH", PATH, MERGE, body("pause")),
    ]


def test_without_a_status_subresource_the_unified_patch_goes_to_the_rollout(api):
    """Rollouts before v0.10 had no status subresource: the plugin retries on the Rollout itself."""
    api.failures[("PATCH", PATH + "/status")] = 404
    assert run("abort", "--env", "prod", "--yes").exit_code == 0
    assert api.writes() == [("PATCH", PATH + "/status", MERGE, body("abort")), ("PATCH", PATH, MERGE, body("abort"))]


def test_failures_are_one_line_with_their_exit_code(api, rollout, tmp_path, monkeypatch):
    api.failures[("PATCH", PATH + "/status")] = 403
    forbidden = run("abort", "--env", "prod", "--yes")
    assert forbidden.exit_code == kube.FORBIDDEN
    assert "you may not patch rollouts/status in namespace podinfo-prod" in forbidden.output
    assert "rollout-operator" in forbidden.output and "deployer_groups" in forbidden.output
    api.failures[("GET", PATH)] = 403
    assert "the ClusterRole rollout-viewer grants it" in run("status", "--env", "prod").output
    missing = run("status", "--env", "staging")
    assert missing.exit_code == kube.NOT_FOUND and "Rollout podinfo not found in namespace podinfo-staging" in missing.output
    assert run("promote", "--env", "qa").exit_code == kube.USAGE
    assert "unknown environment 'qa'; known: dev, staging, prod" in run("status", "--env", "qa").output
    done = copy.deepcopy(rollout)
    done["status"].update(currentPodHash="5d4c7b8a9", pauseConditions=[])
    api.objects[PATH] = done
    api.failures.clear()
    nothing = run("abort", "--env", "prod", "--yes")
    assert nothing.exit_code == kube.NO_CANARY and "no canary in progress" in nothing.output
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    assert run("status", "--env", "prod").exit_code == kube.NO_KUBECONFIG
    for line in (forbidden.output, missing.output, nothing.output):
        assert line.count("\n") == 1 and line.startswith("canaryctl: ")


def test_an_unreachable_cluster_is_named(tmp_path, monkeypatch):
    with FakeApiServer() as server:
        kubeconfig = server.kubeconfig(tmp_path)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))  # its server has stopped
    result = run("status", "--env", "prod")
    assert result.exit_code == kube.UNREACHABLE and f"cluster unreachable at {server.url}" in result.output


def test_status_reports_step_weight_versions_and_analysis(api, rollout):
    rollout["status"]["canary"]["currentStepAnalysisRunStatus"] = {"name": "podinfo-7c9f8d6b5-4", "status": "Running"}
    api.lists[REPLICA_SETS.format(ns="podinfo-prod")] = [
        {
            "metadata": {"name": f"podinfo-{h}", "labels": {"rollouts-pod-template-hash": h}},
            "spec": {
                "selector": {},
                "template": {"spec": {"containers": [{"name": "podinfo", "image": f"ghcr.io/stefanprodan/podinfo:{tag}"}]}},
            },
            "status": {"replicas": n, "readyReplicas": n},
        }
        for h, tag, n in (("5d4c7b8a9", "6.14.0", 3), ("7c9f8d6b5", "6.14.1", 2))
    ]
    api.objects[ANALYSIS_RUNS.format(ns="podinfo-prod") + "/podinfo-7c9f8d6b5-4"] = {
        "metadata": {"name": "podinfo-7c9f8d6b5-4"},
        "spec": {"metrics": [{"name": "error-evidence", "failureCondition": "result[0] >= 5.3"}]},
        "status": {
            "phase": "Running",
            "metricResults": [{"name": "error-evidence", "phase": "Running", "count": 3, "measurements": [{"value": "[-1.2]"}]}],
        },
    }
    result = run("status", "--env", "prod", "--output", "json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert (status["step"], status["steps"], status["weight"], status["paused"]) == (
        rollout["status"]["currentStepIndex"],
        len(rollout["spec"]["strategy"]["canary"]["steps"]),
        50,
        True,
    )
    assert status["pause_reasons"] == ["CanaryPauseStep"]
    assert status["stable"] == {"hash": "5d4c7b8a9", "image": "ghcr.io/stefanprodan/podinfo:6.14.0", "ready": 3, "replicas": 3}
    assert status["canary"]["image"].endswith(":6.14.1") and status["canary"]["ready"] == 2
    (metric,) = status["analysis"]["metrics"]
    assert (metric["name"], metric["phase"], metric["value"], metric["failure_condition"]) == (
        "error-evidence",
        "Running",
        "[-1.2]",
        "result[0] >= 5.3",
    )
    selector = next(r for r in api.requests if r["path"] == REPLICA_SETS.format(ns="podinfo-prod"))["query"]["labelSelector"]
    assert selector == ["rollouts-pod-template-hash in (5d4c7b8a9,7c9f8d6b5)"]
    text = run("status", "--env", "prod")
    gate = rollout["status"]["currentStepIndex"]
    assert (
        text.exit_code == 0
        and f"step {gate + 1}/" in text.output
        and "canary weight 50%" in text.output
        and "error-evidence" in text.output
    )
    assert all(r["method"] == "GET" for r in api.requests)


def test_plan_reads_dist():
    result = run("plan", "--env", "prod")
    assert result.exit_code == 0 and "50%" in result.output
    as_json = json.loads(run("plan", "--env", "prod", "--output", "json").output)
    assert [s["weight"] for s in as_json["stages"]] == [10, 30, 50, 75, 100]


def test_every_command_explains_itself():
    for command in ("status", "promote", "abort", "retry", "pause", "plan"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "--env" in result.output, command
