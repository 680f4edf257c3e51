"""canaryctl against a Kubernetes API server on loopback (tests/kubeapi.py), through the real
`kubernetes` client and a kubeconfig pointing at it: each command sends exactly the requests of
the Argo Rollouts kubectl plugin v1.9.1, and each failure gives its line and exit code."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from podinfo_canary.core import yamltext
from podinfo_canary.ctl import kube
from podinfo_canary.ctl.app import app
from tests.conftest import find, measured_by_prometheus, one
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


def _exited(result, code: kube.Exit, command: str) -> bool:
    """The command ended with `code`, and the exit-code table documents it for that command."""
    assert result.exit_code == code, result.output
    assert code in kube.exit_codes(command), f"{command} exits {code}, which kube.EXIT_CODES does not list for it"
    return True


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


# --- resume: undo `pause`, nothing else -------------------------------------------------------------


def test_resume_clears_only_a_humans_pause(api, rollout):
    """One merge patch of the Rollout itself, promote.go's `unpausePatch`: no status subresource,
    no pause condition cleared, no step moved."""
    rollout["spec"]["paused"] = True
    rollout["status"].pop("pauseConditions")
    result = run("resume", "--env", "prod")
    assert result.exit_code == 0, result.output
    assert result.output == "rollout 'podinfo' resumed\n"
    assert [(r["method"], r["path"]) for r in api.requests] == [("GET", PATH), ("PATCH", PATH)]
    assert api.writes() == [("PATCH", PATH, MERGE, body("unpause"))]


def test_resume_at_the_gate_says_the_controller_still_holds_it(api, rollout):
    rollout["spec"]["paused"] = True  # paused by hand at the manual gate: both pauses hold it
    result = run("resume", "--env", "prod")
    assert result.exit_code == 0, result.output
    assert "still paused by the controller: CanaryPauseStep; `canaryctl promote` moves it on" in result.output
    assert api.writes() == [("PATCH", PATH, MERGE, body("unpause"))]


def test_resume_refuses_a_rollout_no_human_paused(api, rollout):
    at_gate = run("resume", "--env", "prod")  # the controller's pause: promote's job
    assert at_gate.exit_code == kube.REFUSED
    assert at_gate.output == (
        "canaryctl: rollout podinfo in podinfo-prod is not paused by a human: nothing to resume; "
        "the controller holds it (CanaryPauseStep): `canaryctl promote` moves it on\n"
    )
    rollout["status"].pop("pauseConditions")
    rollout["spec"]["paused"] = False
    running = run("resume", "--env", "prod")
    assert running.exit_code == kube.REFUSED
    assert running.output == "canaryctl: rollout podinfo in podinfo-prod is not paused by a human: nothing to resume\n"
    assert api.writes() == []


def test_resume_failures_are_one_line_with_their_exit_code(api, rollout):
    rollout["spec"]["paused"] = True
    api.failures[("PATCH", PATH)] = 403
    forbidden = run("resume", "--env", "prod")
    assert forbidden.exit_code == kube.FORBIDDEN and "you may not patch rollouts in namespace podinfo-prod" in forbidden.output
    missing = run("resume", "--env", "staging")
    assert missing.exit_code == kube.NOT_FOUND and "Rollout podinfo not found in namespace podinfo-staging" in missing.output
    assert run("resume").exit_code == kube.USAGE
    for line in (forbidden.output, missing.output):
        assert line.count("\n") == 1 and line.startswith("canaryctl: ")


def test_help_tells_promote_from_resume():
    top = run("--help").output
    # typer lists every registered command (no hand-written list to forget one in).
    assert all(f" {c.name} " in top.split("Commands")[1] for c in app.registered_commands if c.name)
    assert "resume" in run("pause", "--help").output
    promote_help = run("promote", "--help").output
    assert "resume" in promote_help and "resumes" not in promote_help
    resume_help = " ".join(run("resume", "--help").output.split())
    assert 'clear spec.paused only (`{"spec":{"paused":false}}`)' in resume_help and "need `promote`" in resume_help


def test_without_a_status_subresource_the_unified_patch_goes_to_the_rollout(api):
    """Rollouts before v0.10 had no status subresource: the plugin retries on the Rollout itself."""
    api.failures[("PATCH", PATH + "/status")] = 404
    assert run("abort", "--env", "prod", "--yes").exit_code == 0
    assert api.writes() == [("PATCH", PATH + "/status", MERGE, body("abort")), ("PATCH", PATH, MERGE, body("abort"))]


def test_failures_are_one_line_with_their_exit_code(api, rollout, tmp_path, monkeypatch, config):
    api.failures[("PATCH", PATH + "/status")] = 403
    forbidden = run("abort", "--env", "prod", "--yes")
    assert forbidden.exit_code == kube.FORBIDDEN
    assert "you may not patch rollouts/status in namespace podinfo-prod" in forbidden.output
    assert "rollout-operator" in forbidden.output and "deployer_groups" in forbidden.output
    api.failures[("GET", PATH)] = 403
    assert "the ClusterRole rollout-viewer grants it" in run("status", "--env", "prod").output
    missing = run("status", "--env", "staging")
    assert missing.exit_code == kube.NOT_FOUND and "Rollout podinfo not found in namespace podinfo-staging" in missing.output
    assert run("promote", "--env", "no-such-env").exit_code == kube.USAGE
    known = ", ".join(e.name for e in config.environments)
    assert f"unknown environment 'no-such-env'; known: {known}" in run("status", "--env", "no-such-env").output
    done = copy.deepcopy(rollout)
    done["status"].update(currentPodHash="5d4c7b8a9", pauseConditions=[])
    api.objects[PATH] = done
    api.failures.clear()
    nothing = run("abort", "--env", "prod", "--yes")
    assert _exited(nothing, kube.NO_CANARY, "abort") and "no canary in progress" in nothing.output
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
    commands = [c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands]
    assert len(commands) == 17
    for command in commands:
        result = run(command, "--help")
        # deploy acts on the whole cluster; promote-env names its target environment as its argument.
        assert result.exit_code == 0 and ("--env" in result.output or command in ("deploy", "promote-env")) and "Usage" in result.output, (
            command
        )


def test_dashboard_links_name_what_dist_deploys(objects, monkeypatch):
    """The Argo CD Application the ApplicationSet names for prod, the Grafana dashboard uid the
    ConfigMap carries, and a port-forward where no ingress exposes the UI."""
    appset = one(objects, "ApplicationSet", "podinfo")["spec"]["template"]["metadata"]["name"]
    (board,) = [json.loads(v) for v in one(objects, "ConfigMap", "podinfo-canary-dashboard")["data"].values()]
    result = run("dashboard", "--env", "prod", "--output", "json")
    assert result.exit_code == 0, result.output
    links = {link["name"]: link for link in json.loads(result.output)}
    assert links["Argo CD"]["url"] == "https://argocd.example.com/applications/argocd/" + appset.replace("{{.environment}}", "prod")
    assert links["Argo CD"]["port_forward"] is None
    assert f"/d/{board['uid']}?var-namespace=podinfo-prod" in links["Grafana"]["url"]
    assert links["Grafana"]["port_forward"] == "kubectl -n monitoring port-forward service/kube-prometheus-stack-grafana 3000:80"
    assert links["Argo Rollouts dashboard (read-only)"]["url"] == "http://localhost:3100/rollouts/rollout/podinfo-prod/podinfo"
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    assert run("dashboard", "--env", "prod", "--open").exit_code == 0
    assert opened == [links["Argo CD"]["url"]]


def test_analysis_lists_the_rollouts_runs_with_their_measurements(api):
    runs = ANALYSIS_RUNS.format(ns="podinfo-prod")
    owned = {"ownerReferences": [{"kind": "Rollout", "name": "podinfo", "apiVersion": "argoproj.io/v1alpha1", "uid": "u"}]}

    def analysis_run(name: str, created: str, phase: str, values: list[str], owner=owned) -> dict:
        return {
            "metadata": {"name": name, "creationTimestamp": created, **owner},
            "spec": {"metrics": [{"name": "error-evidence", "failureCondition": "result[0] >= 5.3"}]},
            "status": {
                "phase": phase,
                "metricResults": [
                    {
                        "name": "error-evidence",
                        "phase": phase,
                        "count": len(values),
                        "measurements": [{"phase": phase, "value": v} for v in values],
                    }
                ],
            },
        }

    api.lists[runs] = [
        analysis_run("podinfo-7c9f8d6b5-4-2", "2026-11-27T10:05:00Z", "Failed", ["[1.1]", "[5.9]"]),
        analysis_run("podinfo-7c9f8d6b5-4-0", "2026-11-27T10:00:00Z", "Successful", ["[-0.4]"]),
        analysis_run("other-1", "2026-11-27T09:00:00Z", "Successful", [], owner={}),
    ]
    result = run("analysis", "--env", "prod", "--output", "json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [r["name"] for r in listed] == ["podinfo-7c9f8d6b5-4-0", "podinfo-7c9f8d6b5-4-2"]  # the rollout's own, oldest first
    (metric,) = listed[1]["metrics"]
    assert [h["value"] for h in metric["history"]] == ["[1.1]", "[5.9]"] and metric["failure_condition"] == "result[0] >= 5.3"
    api.objects[runs + "/podinfo-7c9f8d6b5-4-2"] = api.lists[runs][0]
    one_run = run("analysis", "podinfo-7c9f8d6b5-4-2", "--env", "prod")
    assert one_run.exit_code == 0 and "Failed" in one_run.output and "5.9" in one_run.output
    missing = run("analysis", "nope", "--env", "prod")
    assert missing.exit_code == kube.NOT_FOUND and "AnalysisRun nope not found" in missing.output


# --- metrics: dist/'s queries on a real Prometheus ------------------------------------------------


def _series(labels: dict[str, str], per_second: float, seconds: int = 600, start: float = 0.0):
    import numpy as np

    from podinfo_canary.model.promql import Series

    ts = np.arange(0, seconds + 1, 15, dtype=np.int64)
    return Series(tuple(sorted(labels.items())), ts, start + per_second * ts.astype(float))


def _world(canary_errors_per_second: float, success_ratio: float) -> list:
    """A canary (hash c0ffee) answering 10 req/s, some of them 500s; and the recorded SLIs."""
    base = {"namespace": "podinfo-prod", "rollouts_pod_template_hash": "c0ffee", "path": "/", "method": "GET"}
    series = []
    for status, rate in (("200", 10.0 - canary_errors_per_second), ("500", canary_errors_per_second)):
        series.append(_series({"__name__": "http_request_duration_seconds_count", **base, "status": status}, rate))
        for le in ("0.1", "0.5", "1", "+Inf"):
            series.append(_series({"__name__": "http_request_duration_seconds_bucket", **base, "status": status, "le": le}, rate))
    restarts = {
        "__name__": "kube_pod_container_status_restarts_total",
        "namespace": "podinfo-prod",
        "pod": "podinfo-c0ffee-x1",
        "container": "podinfo",
    }
    series.append(_series(restarts, 0.0))
    for track, ratio in (("stable", 0.999), ("canary", success_ratio)):
        labels = {"namespace": "podinfo-prod", "podinfo_example_com_track": track}
        series.append(_series({"__name__": "namespace_track:podinfo_success:ratio_rate5m", **labels}, 0.0, start=ratio))
        series.append(_series({"__name__": "namespace_track:podinfo_errors:ratio_rate5m", **labels}, 0.0, start=1 - ratio))
    return series


def test_metrics_runs_dists_queries_on_prometheus_and_judges_them(config, objects):
    from podinfo_canary.charts.environment import analysis as analysis_module
    from podinfo_canary.ctl import prometheus as ctl_prometheus
    from podinfo_canary.model.prometheus import PrometheusServer

    assert ctl_prometheus.CANARY_HASH_ARG == analysis_module.CANARY_HASH_ARG
    with PrometheusServer([_world(0.0, 1.0), _world(1.0, 0.9)]) as server:
        url = f"http://127.0.0.1:{server.port}"
        reports = []
        for world in (0, 1):
            args = ["metrics", "--env", "prod", "--prometheus", url, "--canary-hash", "c0ffee", "--time", str(server.origin(world) + 600)]
            result = run(*args, "--output", "json")
            assert result.exit_code == 0, result.output
            reports.append(json.loads(result.output))
            assert run(*args).exit_code == 0
    healthy, bad = ({(c["template"], c["metric"]): c["phase"] for c in r["analysis"]} for r in reports)
    errors = ("podinfo-error-rate", "server-errors")
    assert healthy[errors] == "Successful" and bad[errors] == "Failed"
    assert {k for k, v in healthy.items() if v == "Failed"} == set()
    # Every metric of every synthesized template was run, with its own condition.
    # (The pre-exposure Jobs' templates run Jobs, not queries: canaryctl analysis shows their runs.)
    templates = {t["metadata"]["name"] for t in find(objects, "AnalysisTemplate", folder="prod") if measured_by_prometheus(t)}
    assert {t for t, _ in healthy} == templates
    canary = reports[1]["tracks"]["canary"]
    slo = next(e for e in config.environments if e.name == "prod").slo
    assert canary["success_ratio"]["meets"] is False and canary["success_ratio"]["bound"] == slo.success_rate_min
    assert reports[1]["tracks"]["stable"]["success_ratio"]["meets"] is True


def test_metrics_names_an_unreachable_prometheus():
    result = run("metrics", "--env", "prod", "--prometheus", "http://127.0.0.1:9", "--canary-hash", "c0ffee")
    assert _exited(result, kube.PROMETHEUS, "metrics") and "Prometheus unreachable at http://127.0.0.1:9" in result.output


# --- test-canary: two versions behind a router on loopback ----------------------------------------


def _serve(answer) -> tuple:
    """An HTTP server on loopback whose GET handler is `answer(path, headers) -> (status, body)`."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            status, body = answer(self.path, self.headers)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class _Version:
    """A podinfo stand-in answering /version, failing every `fail_every`-th request it serves."""

    def __init__(self, version: str, fail_every: int = 0):
        self.count = 0

        def answer(path, headers):
            self.count += 1
            failing = fail_every and self.count % fail_every == 0
            return 500 if failing else 200, json.dumps({"version": version, "commit": "abc"}).encode()

        self.server, self.url = _serve(answer)


class _Router:
    """Sends `X-Canary: always` and every tenth other request to the canary, as ingress-nginx does
    for a canary weight of 10%."""

    def __init__(self, stable: _Version, canary: _Version):
        import urllib.error
        import urllib.request

        self.plain = 0

        def answer(path, headers):
            if headers.get("X-Canary") == "always":
                backend = canary
            else:
                self.plain += 1
                backend = canary if self.plain % 10 == 0 else stable
            try:
                with urllib.request.urlopen(backend.url + path) as reply:
                    return reply.status, reply.read()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read()

        self.server, self.url = _serve(answer)


def test_test_canary_reports_each_versions_share_statuses_and_latency():
    stable, canary = _Version("6.14.1"), _Version("6.14.2", fail_every=4)
    router = _Router(stable, canary)
    result = run("test-canary", "--url", router.url, "--requests", "50", "--output", "json")
    assert result.exit_code == 0, result.output
    plain, pinned = json.loads(result.output)["rounds"]
    assert plain["sent"] == pinned["sent"] == 50
    # Every tenth plain request reaches the canary, which fails every fourth request it serves;
    # a failed answer names no version, so shares count the answers that did.
    assert {v: d["count"] for v, d in plain["versions"].items()} == {"6.14.1": 45, "6.14.2": 4}
    assert plain["statuses"] == {"200": 49, "500": 1}
    assert {v: d["count"] for v, d in pinned["versions"].items()} == {"6.14.2": 38} and pinned["statuses"] == {"200": 38, "500": 12}
    assert all(v is not None and v >= 0 for v in pinned["latency_ms"].values())
    text = run("test-canary", "--url", router.url, "--requests", "10")
    assert text.exit_code == 0 and "X-Canary" in text.output and "6.14.2" in text.output
    for server in (stable, canary, router):
        server.server.shutdown()


def test_test_canary_is_bounded():
    assert run("test-canary", "--url", "http://127.0.0.1:9", "--requests", "20000").exit_code == 2  # above the bound
    unreachable = run("test-canary", "--url", "http://127.0.0.1:9", "--requests", "3", "--output", "json")
    assert _exited(unreachable, kube.NO_ANSWER, "test-canary")  # reached nothing: not a success
    rounds = json.loads(unreachable.stdout)["rounds"]  # the report still comes, on stdout
    assert rounds[0]["sent"] == 3 and rounds[0]["versions"] == {} and sum(rounds[0]["errors"].values()) == 3


def test_test_canary_without_a_successful_answer_fails_after_its_report():
    """A round that got no successful answer (connections refused, or only 500s) exits NO_ANSWER
    with one line naming the round; latency percentiles come from successful answers only."""
    broken = _Version("6.14.2", fail_every=1)  # every answer a 500
    only_errors = run("test-canary", "--url", broken.url, "--requests", "3")
    assert _exited(only_errors, kube.NO_ANSWER, "test-canary")
    assert only_errors.stderr == (
        f"canaryctl: no successful answer from {broken.url}/version in 2 of 2 rounds "
        "(users (no header): 500 ×3; X-Canary: always: 500 ×3)\n"
    )
    assert "500 ×3" in only_errors.stdout and "- / - / -" in only_errors.stdout  # no latency of failed requests
    as_json = json.loads(run("test-canary", "--url", broken.url, "--requests", "3", "--output", "json").stdout)
    assert {r["answered"] for r in as_json["rounds"]} == {0} and as_json["rounds"][0]["latency_ms"]["p50"] is None
    refused = run("test-canary", "--url", "http://127.0.0.1:9", "--requests", "2")
    assert _exited(refused, kube.NO_ANSWER, "test-canary")
    assert "(users (no header): failed: ConnectionRefusedError ×2; " in refused.stderr and "{" not in refused.output
    # The canary round alone silent (the header's backend refuses): the report, then NO_ANSWER for it.
    stable = _Version("6.14.1")
    router = _Router(stable, broken)
    half = run("test-canary", "--url", router.url, "--requests", "4")
    assert _exited(half, kube.NO_ANSWER, "test-canary")
    assert half.stderr.endswith("in 1 of 2 rounds (X-Canary: always: 500 ×4)\n") and "6.14.1" in half.stdout
    for server in (broken, stable, router):
        server.server.shutdown()


# --- watch: a live view, and an exit code that says how the rollout ended ------------------------


def _state(rollout: dict, step: int, **status) -> dict:
    obj = copy.deepcopy(rollout)
    obj["status"] = {"currentPodHash": "7c9f8d6b5", "stableRS": "5d4c7b8a9", "currentStepIndex": step, "phase": "Progressing", **status}
    return obj


def test_watch_follows_until_aborted_and_says_so(api, rollout):
    steps = rollout["spec"]["strategy"]["canary"]["steps"]
    first_weight = next(i for i, s in enumerate(steps) if "setWeight" in s)
    timed = next(i for i, s in enumerate(steps) if s.get("pause", {}).get("duration") and i > first_weight)
    paused = {"phase": "Paused", "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2026-11-27T10:00:00Z"}]}
    api.sequences[PATH] = [
        _state(rollout, 0),
        _state(rollout, timed, **paused),
        _state(rollout, timed + 1),
        _state(rollout, timed + 1, abort=True, phase="Degraded", message="RolloutAborted: metric server-errors failed"),
    ]
    result = run("watch", "--env", "prod", "--interval", "0.01")
    assert _exited(result, kube.ABORTED, "watch")
    assert "rollout 'podinfo' aborted" in result.output
    assert sum(1 for r in api.requests if r["path"] == PATH) == 4


def test_watch_exit_codes_for_completed_paused_and_timed_out(api, rollout):
    gate = rollout["status"]["currentStepIndex"]
    api.sequences[PATH] = [
        _state(rollout, gate + 1),
        _state(rollout, len(rollout["spec"]["strategy"]["canary"]["steps"]), currentPodHash="5d4c7b8a9", phase="Healthy"),
    ]
    assert _exited(run("watch", "--env", "prod", "--interval", "0.01"), kube.COMPLETED, "watch")
    at_gate = _state(rollout, gate, phase="Paused", pauseConditions=[{"reason": "CanaryPauseStep", "startTime": "2026-11-27T10:00:00Z"}])
    api.sequences[PATH] = [at_gate]
    assert _exited(run("watch", "--env", "prod", "--interval", "0.01", "--exit-on-pause"), kube.PAUSED, "watch")
    api.sequences[PATH] = [_state(rollout, 0)]
    timed_out = run("watch", "--env", "prod", "--interval", "0.2", "--timeout", "1")
    assert _exited(timed_out, kube.TIMED_OUT, "watch") and "still running at the timeout" in timed_out.output


def test_watch_screen_shows_steps_weight_countdown_and_analysis(rollout):
    from datetime import UTC, datetime

    from rich.console import Console

    from podinfo_canary.ctl.status import summarize
    from podinfo_canary.ctl.watch import render

    steps = rollout["spec"]["strategy"]["canary"]["steps"]
    first_weight = next(i for i, s in enumerate(steps) if "setWeight" in s)
    timed = next(i for i, s in enumerate(steps) if s.get("pause", {}).get("duration") and i > first_weight)
    state = _state(
        rollout,
        timed,
        phase="Paused",
        pauseConditions=[{"reason": "CanaryPauseStep", "startTime": "2026-11-27T10:00:00Z"}],
        canary={"currentStepAnalysisRunStatus": {"name": "podinfo-7c9f8d6b5-4-1", "status": "Running"}},
    )
    run_obj = {
        "metadata": {"name": "podinfo-7c9f8d6b5-4-1"},
        "spec": {"metrics": [{"name": "server-errors"}]},
        "status": {"metricResults": [{"name": "server-errors", "phase": "Running", "count": 2, "measurements": [{"value": "[-0.8]"}]}]},
    }
    console = Console(record=True, width=120)
    console.print(render(summarize(state, [], run_obj), state, now=datetime(2026, 11, 27, 10, 0, 30, tzinfo=UTC)))
    screen = console.export_text()
    duration = steps[timed]["pause"]["duration"]
    left = (int(duration) if str(duration).isdigit() else {"s": 1, "m": 60, "h": 3600}[str(duration)[-1]] * int(str(duration)[:-1])) - 30
    assert f"paused: CanaryPauseStep ({left}s left)" in screen
    assert "canary weight 10%" in screen and "▶" in screen and "✓" in screen
    assert "server-errors: Running (last [-0.8], 2 measurements)" in screen
    assert "pause until promoted" in screen  # the manual gate, further on


# --- deploy: the bootstrap in one command ----------------------------------------------------------


def test_deploy_dry_run_prints_the_ordered_plan(snapshot, tmp_path):
    """Snapshotted on the fixture configuration (tests/fixtures/config), like the chart snapshots:
    a change to the live config/ never touches it."""
    from tests.conftest import ROOT, run_main

    fixture = ROOT / "tests" / "fixtures" / "config"
    dist = tmp_path / "dist"
    assert run_main(config_dir=fixture, dist=dist).returncode == 0
    result = run("deploy", "--dry-run", "--config-dir", str(fixture), "--dist", str(dist), "--context", "fixture-cluster")
    assert result.exit_code == 0, result.output
    assert result.output == snapshot


def _fake_kubectl(folder) -> tuple:
    """A `kubectl` that records its arguments and standard input, one JSON line per call."""
    import os
    import stat
    import sys

    log = folder / "kubectl.log"
    script = folder / "bin" / "kubectl"
    script.parent.mkdir()
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(log)!r}, 'a').write(json.dumps({{'args': sys.argv[1:], 'stdin': sys.stdin.read()}}) + '\\n')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return log, f"{script.parent}{os.pathsep}{os.environ['PATH']}"


def test_deploy_applies_in_order_then_waits_for_every_application(api, tmp_path, monkeypatch, config):
    log, path = _fake_kubectl(tmp_path)
    monkeypatch.setenv("PATH", path)
    apps = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications"
    names = ["alloy", "argo-rollouts", "argocd", "bootstrap", "cert-manager", "ingress-nginx", "kube-prometheus-stack", "loki"]
    names += [f"podinfo-{e.name}" for e in config.environments]

    def listing(health: str) -> dict:
        items = [{"metadata": {"name": n}, "status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}}} for n in names]
        items[-1]["status"]["health"]["status"] = health
        return {"kind": "ApplicationList", "items": items}

    api.sequences[apps] = [listing("Progressing"), listing("Healthy")]
    api.objects["/api/v1/namespaces/argocd/secrets/argocd-notifications-secret"] = {"kind": "Secret", "metadata": {"name": "x"}}
    result = run("deploy", "--interval", "0.01")
    assert result.exit_code == 0, result.output
    assert f"deployed: {len(names)} Applications Synced and Healthy" in result.output
    assert "create these Secrets" in result.output and "argocd/argocd-notifications-secret" not in result.output.split("exist:")[1]
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [c["args"][:2] for c in calls] == [
        ["apply", "--server-side"],
        ["apply", "--server-side"],
        ["wait", "--for=condition=established"],
        ["apply", "--server-side"],
    ]
    assert "kind: Namespace" in calls[0]["stdin"] and "name: argocd" in calls[0]["stdin"]
    assert calls[1]["args"][-1] == "https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.1/manifests/install.yaml"
    assert calls[3]["args"][-4:] == ["-f", "dist/argocd/AppProject.platform.k8s.yaml", "-f", "dist/argocd/Application.bootstrap.k8s.yaml"]
    # The manual form (config/ keeps it): the hand-made Secrets are read, nothing of External Secrets Operator.
    assert any(r["path"] == "/api/v1/namespaces/argocd/secrets/argocd-notifications-secret" for r in api.requests)
    assert not [r for r in api.requests if "external-secrets.io" in r["path"]]
    assert "secrets.form manual: created by hand" in run("deploy", "--dry-run").output
    api.sequences[apps] = [listing("Degraded")]
    stuck = run("deploy", "--interval", "0.01", "--timeout", "1")
    assert _exited(stuck, kube.TIMED_OUT, "deploy") and f"podinfo-{config.environments[-1].name} (Synced/Degraded)" in stuck.output


# --- deploy: the Gateway preflight (traffic_router gatewayapi) ------------------------------------

GATEWAY = "/apis/gateway.networking.k8s.io/v1/namespaces/gateway-system/gateways/public-gw"


def _gateway(*listeners: dict) -> dict:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "public-gw", "namespace": "gateway-system"},
        "spec": {"gatewayClassName": "eg", "listeners": list(listeners)},
    }


def _listener(name: str, protocol: str, **allowed) -> dict:
    port = 443 if protocol == "HTTPS" else 80
    return {"name": name, "protocol": protocol, "port": port, **({"allowedRoutes": allowed} if allowed else {})}


@pytest.fixture(scope="module")
def fixture_deploy(tmp_path_factory):
    """The fixture configuration (canary-gw: gatewayapi, in-cluster; edge on another cluster) and its dist/."""
    from tests.conftest import ROOT, run_main

    fixture = ROOT / "tests" / "fixtures" / "config"
    dist = tmp_path_factory.mktemp("deploy-gw") / "dist"
    assert run_main(config_dir=fixture, dist=dist).returncode == 0
    return fixture, dist


def _deploy_gw(fixture_deploy, *extra):
    fixture, dist = fixture_deploy
    return run("deploy", "--config-dir", str(fixture), "--dist", str(dist), "--interval", "0.01", "--timeout", "1", *extra)


@pytest.mark.parametrize(
    ("gateway", "code", "expected"),
    [
        (None, kube.NOT_FOUND, "canary-gw: Gateway gateway-system/public-gw not found: create it"),
        # The listeners' default: routes of the Gateway's own namespace only.
        (
            _gateway(_listener("websecure", "HTTPS"), _listener("http", "HTTP")),
            kube.REFUSED,
            "listener 'websecure' of Gateway gateway-system/public-gw admits routes only from gateway-system "
            "(allowedRoutes.namespaces.from: Same, the default), so route podinfo in podinfo-gw is never accepted",
        ),
        (
            _gateway(
                _listener("websecure", "HTTPS", namespaces={"from": "Selector", "selector": {"matchLabels": {"gateway-access": "public"}}}),
                _listener("http", "HTTP", namespaces={"from": "All"}),
            ),
            kube.REFUSED,
            'admits routes from namespaces matching {"matchLabels": {"gateway-access": "public"}}, which podinfo-gw',
        ),
        (
            _gateway(_listener("websecure", "HTTPS", namespaces={"from": "All"})),
            kube.REFUSED,
            "has no listener 'http' for route podinfo-https-redirect (its listeners: websecure): set gateway.http_listener, or null",
        ),
        (
            _gateway(_listener("websecure", "HTTP", namespaces={"from": "All"}), _listener("http", "HTTP", namespaces={"from": "All"})),
            kube.REFUSED,
            "listener 'websecure' of Gateway gateway-system/public-gw speaks HTTP, route podinfo needs HTTPS",
        ),
    ],
)
def test_deploy_refuses_a_gateway_that_would_never_accept_the_routes(api, tmp_path, monkeypatch, fixture_deploy, gateway, code, expected):
    """Read before anything is applied: kubectl never runs."""
    log, path = _fake_kubectl(tmp_path)
    monkeypatch.setenv("PATH", path)
    if gateway is not None:
        api.objects[GATEWAY] = gateway
    result = _deploy_gw(fixture_deploy)
    assert _exited(result, code, "deploy") and expected in " ".join(result.output.split()), result.output
    assert not log.exists()
    assert ("GET", GATEWAY) in [(r["method"], r["path"]) for r in api.requests]


@pytest.mark.parametrize(
    "namespaces",
    [
        {"from": "All"},
        # The labels the namespace gets from dist/ (Argo CD syncs them) and from the API server.
        {"from": "Selector", "selector": {"matchLabels": {"podinfo.example.com/environment": "canary-gw"}}},
        {
            "from": "Selector",
            "selector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["podinfo-gw"]}]},
        },
    ],
)
def test_deploy_goes_on_when_the_gateway_admits_the_routes(api, tmp_path, monkeypatch, fixture_deploy, namespaces):
    log, path = _fake_kubectl(tmp_path)
    monkeypatch.setenv("PATH", path)
    api.objects[GATEWAY] = _gateway(
        _listener("websecure", "HTTPS", namespaces=namespaces), _listener("http", "HTTP", namespaces={"from": "All"})
    )
    api.lists["/apis/argoproj.io/v1alpha1/namespaces/argocd/applications"] = []
    result = _deploy_gw(fixture_deploy)
    # Past the preflight: kubectl ran and deploy waited (no Application here: 22 at the timeout).
    assert _exited(result, kube.TIMED_OUT, "deploy") and log.exists(), result.output
    assert "Gateway" not in result.output
    # The namespace was read for its live labels (absent here: dist's and the name label count).
    assert ("GET", "/api/v1/namespaces/podinfo-gw") in [(r["method"], r["path"]) for r in api.requests]


def test_the_listener_check_follows_the_gateway_api(fixture_deploy):
    """gateway-api v1.6.1: allowedRoutes.kinds, a listener hostname (exact, or `*.` one label or more)."""
    from podinfo_canary.ctl.deploy import Attachment, listener_problems

    https = Attachment("podinfo", "https", "HTTPS", "gateway.https_listener")
    everyone = {"namespaces": {"from": "All"}}

    def problems(**listener):
        return listener_problems(
            _gateway({"name": "https", "protocol": "HTTPS", "port": 443, **listener}), https, "podinfo-gw", {}, ["a.example.test"]
        )

    assert problems(allowedRoutes=everyone) == []
    assert problems(allowedRoutes={**everyone, "kinds": [{"kind": "GRPCRoute"}]}) == [
        "listener 'https' of Gateway gateway-system/public-gw admits only GRPCRoute, not HTTPRoute"
    ]
    assert problems(allowedRoutes={**everyone, "kinds": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}]}) == []
    assert problems(allowedRoutes=everyone, hostname="*.example.test") == []
    assert problems(allowedRoutes=everyone, hostname="*.a.example.test") != []
    assert problems(allowedRoutes=everyone, hostname="b.example.test") == [
        "listener 'https' of Gateway gateway-system/public-gw serves only b.example.test, not a.example.test"
    ]
    same = listener_problems(_gateway({"name": "https", "protocol": "HTTPS", "port": 443}), https, "gateway-system", {}, ["a.example.test"])
    assert same == []  # Same admits a route of the Gateway's own namespace


# --- deploy with secrets.form external (the fixture configuration) -----------------------------------

ESO = "/apis/external-secrets.io/v1"


def _ready(status: str, reason: str, message: str) -> dict:
    return {"type": "Ready", "status": status, "reason": reason, "message": message, "lastTransitionTime": "2026-11-27T10:00:00Z"}


def _store(name: str, ready: dict) -> dict:
    """A ClusterSecretStore as External Secrets Operator v2.9.0 reports it (its `fake` provider)."""
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ClusterSecretStore",
        "metadata": {"name": name},
        "spec": {"provider": {"fake": {"data": [{"key": "fixture/argocd/notifications", "value": "placeholder"}]}}},
        "status": {"conditions": [ready], "capabilities": "ReadOnly"},
    }


@pytest.fixture(scope="module")
def external_form(tmp_path_factory):
    """The fixture configuration (secrets.form external) and its dist/, synthesized once."""
    from podinfo_canary import config as config_module
    from tests.conftest import ROOT, run_main

    fixture = ROOT / "tests" / "fixtures" / "config"
    dist = tmp_path_factory.mktemp("external-form") / "dist"
    assert run_main(config_dir=fixture, dist=dist).returncode == 0
    return config_module.load(fixture), fixture, dist


def _external_cluster(
    server: FakeApiServer, cfg, dist, *, store: dict | None, broken: dict[str, dict | None], health: str = "Healthy"
) -> list[str]:
    """Serve the fixture's Applications, its ClusterSecretStore and, from dist/, each ExternalSecret
    deploy checks with a status: synced, unless `broken` gives another Ready condition (None: absent);
    `store` None: no ClusterSecretStore.
    Every served ESO object is schema-valid (the pinned CRDs). Returns the ExternalSecret paths."""
    from podinfo_canary.ctl import deploy as deploying
    from tools.validate import validate

    names = deploying.expected_applications(cfg, dist)
    items = [{"metadata": {"name": n}, "status": {"sync": {"status": "Synced"}, "health": {"status": health}}} for n in names]
    server.sequences["/apis/argoproj.io/v1alpha1/namespaces/argocd/applications"] = [{"kind": "ApplicationList", "items": items}]
    # canary-gw's Gateway, admitting its routes (the Gateway preflight runs first).
    server.objects[GATEWAY] = _gateway(
        _listener("websecure", "HTTPS", namespaces={"from": "All"}), _listener("http", "HTTP", namespaces={"from": "All"})
    )
    (store_name,) = deploying.secret_checks(cfg).stores
    if store is not None:
        server.objects[f"{ESO}/clustersecretstores/{store_name}"] = store
        assert validate(store) == []
    paths = []
    for secret in deploying.secret_checks(cfg).stores[store_name]:
        folder = dist / (secret.environment or "argocd")
        (obj,) = [d for d in yamltext.read_documents(folder / f"ExternalSecret.{secret.name}.k8s.yaml")]
        condition = broken.get(secret.where, _ready("True", "SecretSynced", "secret synced"))
        path = f"{ESO}/namespaces/{secret.namespace}/externalsecrets/{secret.name}"
        paths.append(path)
        if condition is not None:
            obj = {**obj, "status": {"conditions": [condition], "refreshTime": "2026-11-27T10:00:00Z", "syncedResourceVersion": "1-abc"}}
            assert validate(obj) == []
            server.objects[path] = obj
    return paths


def test_deploy_with_external_secrets_checks_the_store_and_each_external_secret(external_form, tmp_path, monkeypatch):
    cfg, fixture, dist = external_form
    log, path = _fake_kubectl(tmp_path)
    monkeypatch.setenv("PATH", path)
    with FakeApiServer() as server:
        monkeypatch.setenv("KUBECONFIG", str(server.kubeconfig(tmp_path)))
        paths = _external_cluster(server, cfg, dist, store=_store("fixture-vault", _ready("True", "Valid", "store validated")), broken={})
        result = run("deploy", "--interval", "0.01", "--config-dir", str(fixture), "--dist", str(dist))
    assert result.exit_code == 0, result.output
    assert "deployed: 16 Applications Synced and Healthy" in result.output
    assert "create these Secrets" not in result.output and "fix these" not in result.output
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls[3]["args"][:2] == ["wait", "--for=condition=established"]
    assert calls[3]["args"][-2:] == ["crd/externalsecrets.external-secrets.io", "crd/clustersecretstores.external-secrets.io"]
    assert [a for a in calls[4]["args"] if a.endswith(".yaml")] == [
        "dist/argocd/AppProject.platform.k8s.yaml",
        "dist/argocd/ExternalSecret.podinfo-gitops-repo.k8s.yaml",
        "dist/argocd/Application.bootstrap.k8s.yaml",
    ]
    read = [r["path"] for r in server.requests if r["method"] == "GET"]
    assert f"{ESO}/clustersecretstores/fixture-vault" in read and set(paths) <= set(read)
    assert "/api/v1/namespaces/podinfo-gw/secrets/alertmanager-slack" not in read  # the Secrets are ESO's to write
    assert not [p for p in read if "podinfo-edge" in p]  # edge is on another cluster: deploy cannot reach it
    dry = run("deploy", "--dry-run", "--config-dir", str(fixture), "--dist", str(dist))
    assert "secrets.form external: ExternalSecrets of ClusterSecretStore fixture-vault" in dry.output


def test_deploy_names_a_store_not_ready_and_external_secrets_not_synced(external_form, tmp_path, monkeypatch):
    """Before the wait: the store, and an ExternalSecret ESO failed to sync (one not created yet is
    Argo CD's to sync, and not said); after it, every one not synced fails the deploy (exit 1);
    at the timeout they are the reason given."""
    cfg, fixture, dist = external_form
    _, path = _fake_kubectl(tmp_path)
    monkeypatch.setenv("PATH", path)
    store = _store("fixture-vault", _ready("False", "InvalidProviderConfig", "unable to validate store:\n  could not get provider client"))
    broken = {
        "argocd/argocd-notifications-secret": _ready("False", "SecretSyncedError", "could not get secret data from provider"),
        "rollouts-system/argo-rollouts-notification-secret": None,
    }
    with FakeApiServer() as server:
        monkeypatch.setenv("KUBECONFIG", str(server.kubeconfig(tmp_path)))
        _external_cluster(server, cfg, dist, store=store, broken=broken)
        result = run("deploy", "--interval", "0.01", "--config-dir", str(fixture), "--dist", str(dist))
        assert _exited(result, kube.FAILED, "deploy")
        preflight = result.output.partition("┏")[0]  # what deploy said before the wait's table
        assert (
            "ClusterSecretStore fixture-vault not Ready (InvalidProviderConfig: unable to validate store: could not get provider client)"
            in preflight
        )
        assert "argocd/argocd-notifications-secret (not synced: SecretSyncedError: could not get secret data from provider)" in preflight
        assert "argo-rollouts-notification-secret" not in preflight
        assert "16 Applications Synced and Healthy, but ExternalSecrets not synced:" in result.output
        assert "rollouts-system/argo-rollouts-notification-secret (ExternalSecret not created yet)" in result.output
        assert "deployed:" not in result.output
        _external_cluster(server, cfg, dist, store=store, broken=broken, health="Progressing")
        stuck = run("deploy", "--interval", "0.01", "--timeout", "1", "--config-dir", str(fixture), "--dist", str(dist))
    assert _exited(stuck, kube.TIMED_OUT, "deploy")
    assert (
        "not Synced and Healthy after 1s" in stuck.output
        and "; ExternalSecrets not synced: ClusterSecretStore fixture-vault not Ready" in stuck.output
    )


def test_deploy_says_when_the_store_is_missing(external_form, tmp_path, monkeypatch):
    cfg, fixture, dist = external_form
    _, path = _fake_kubectl(tmp_path)
    monkeypatch.setenv("PATH", path)
    with FakeApiServer() as server:
        monkeypatch.setenv("KUBECONFIG", str(server.kubeconfig(tmp_path)))
        _external_cluster(server, cfg, dist, store=None, broken={})
        result = run("deploy", "--interval", "0.01", "--config-dir", str(fixture), "--dist", str(dist))
    assert _exited(result, kube.FAILED, "deploy")
    assert "ClusterSecretStore fixture-vault not found (is External Secrets Operator installed and the store created?)" in result.output
    with FakeApiServer() as server:
        monkeypatch.setenv("KUBECONFIG", str(server.kubeconfig(tmp_path)))
        _external_cluster(server, cfg, dist, store=None, broken={})
        server.failures[("GET", f"{ESO}/clustersecretstores/fixture-vault")] = 403
        forbidden = run("deploy", "--interval", "0.01", "--config-dir", str(fixture), "--dist", str(dist))
    assert _exited(forbidden, kube.FORBIDDEN, "deploy")
    assert "forbidden: you may not get clustersecretstores in namespace (cluster-scoped)" in forbidden.output


# --- the scripts of the original plan ----------------------------------------------------------------


def test_the_scripts_are_thin_wrappers_over_canaryctl():
    import os
    import subprocess

    from podinfo_canary.ctl.app import app as ctl_app
    from tests.conftest import ROOT

    manage, deploy_script = ROOT / "scripts" / "manage-rollout.sh", ROOT / "scripts" / "deploy-argocd-canary.sh"
    assert os.access(manage, os.X_OK) and os.access(deploy_script, os.X_OK)

    def sh(*args):
        return subprocess.run([*args], capture_output=True, text=True, timeout=120)

    helped = sh(str(manage), "--help")
    commands = {c.name or c.callback.__name__.replace("_", "-") for c in ctl_app.registered_commands}
    assert helped.returncode == 0 and all(f"  {c} " in helped.stdout for c in commands), helped.stdout
    unknown = sh(str(manage), "nope")
    assert unknown.returncode == 2 and "unknown subcommand 'nope'" in unknown.stderr
    plan = sh(str(manage), "plan", "--env", "prod")
    assert plan.returncode == 0 and plan.stdout == run("plan", "--env", "prod").output
    assert sh(str(manage), "status", "--help").returncode == 0
    dry = sh(str(deploy_script), "--dry-run")
    assert dry.returncode == 0 and dry.stdout == run("deploy", "--dry-run").output
    assert "--dry-run" in sh(str(deploy_script), "--help").stdout


# --- review cases: what must be refused, and what must not crash ----------------------------------


def test_promote_refuses_a_starting_analysis_a_failed_background_run_and_an_aborted_rollout(api, rollout):
    rollout["status"]["canary"]["currentStepAnalysisRunStatus"] = {"name": "podinfo-abc-5", "status": ""}
    starting = run("promote", "--env", "prod")
    assert starting.exit_code == kube.REFUSED and "still starting" in starting.output
    rollout["status"]["canary"].pop("currentStepAnalysisRunStatus")
    rollout["status"]["canary"]["currentBackgroundAnalysisRunStatus"] = {"name": "podinfo-bg", "status": "Running"}
    assert run("promote", "--env", "prod").exit_code == 0  # a background run keeps running while steps pass
    rollout["status"]["canary"]["currentBackgroundAnalysisRunStatus"]["status"] = "Failed"
    failed = run("promote", "--env", "prod", "--full", "--yes")
    assert failed.exit_code == kube.REFUSED and "the background analysis podinfo-bg failed" in failed.output
    rollout["status"]["abort"] = True
    aborted = run("promote", "--env", "prod", "--force", "--full", "--yes")
    assert aborted.exit_code == 0  # --force is the way past every refusal
    rollout["status"]["canary"].pop("currentBackgroundAnalysisRunStatus")
    refused = run("promote", "--env", "prod")
    assert refused.exit_code == kube.REFUSED and "canaryctl retry" in refused.output
    assert api.writes() == [
        ("PATCH", PATH + "/status", MERGE, body("clear_pause_conditions")),
        ("PATCH", PATH + "/status", MERGE, body("promote_full")),
    ]


def test_a_namespace_of_a_protected_environment_is_protected(api):
    refused = run("abort", "--namespace", "podinfo-prod")
    assert refused.exit_code == kube.REFUSED and "prod is protected" in refused.output
    assert api.writes() == []


def test_status_survives_missing_and_empty_objects(api, rollout, tmp_path, monkeypatch):
    api.lists[REPLICA_SETS.format(ns="podinfo-prod")] = []
    rollout["status"]["canary"]["currentStepAnalysisRunStatus"] = {"name": "gone", "status": "Running"}
    rollout["status"]["canary"]["currentBackgroundAnalysisRunStatus"] = {"name": "podinfo-bg", "status": "Running"}
    shown = run("status", "--env", "prod", "--output", "json")
    assert shown.exit_code == 0, shown.output
    summary = json.loads(shown.output)
    assert summary["analysis"]["metrics"] == [] and summary["background_analysis"]["name"] == "podinfo-bg"
    rollout["status"] = None
    assert run("status", "--env", "prod").exit_code == 0
    bad = tmp_path / "bad-kubeconfig"
    bad.write_text("clusters: [unclosed\n")
    monkeypatch.setenv("KUBECONFIG", str(bad))
    broken = run("status", "--env", "prod")
    assert broken.exit_code == kube.NO_KUBECONFIG and "Traceback" not in broken.output


def test_metrics_refuses_a_server_that_is_not_prometheus(api):
    result = run("metrics", "--env", "prod", "--prometheus", api.url, "--canary-hash", "c0ffee")
    assert result.exit_code == kube.PROMETHEUS and "Traceback" not in result.output


def test_watch_reads_the_phase_as_the_plugin_does(api, rollout):
    done = _state(rollout, len(rollout["spec"]["strategy"]["canary"]["steps"]), currentPodHash="5d4c7b8a9", phase="Healthy")
    stale = copy.deepcopy(done)
    stale["metadata"]["generation"], stale["status"]["observedGeneration"] = 8, "7"  # the new spec not seen yet
    fresh = copy.deepcopy(done)
    fresh["metadata"]["generation"], fresh["status"]["observedGeneration"] = 8, "8"
    api.sequences[PATH] = [stale, stale, fresh]
    assert run("watch", "--env", "prod", "--interval", "0.01").exit_code == kube.COMPLETED
    assert sum(1 for r in api.requests if r["path"] == PATH) == 3
    api.sequences[PATH] = [_state(rollout, 1, phase="Degraded", message="ProgressDeadlineExceeded")]
    assert run("watch", "--env", "prod", "--interval", "0.01").exit_code == kube.ABORTED
    held = _state(rollout, 1)
    held["spec"]["paused"] = True
    api.sequences[PATH] = [held]
    assert run("watch", "--env", "prod", "--interval", "0.01", "--exit-on-pause").exit_code == kube.PAUSED


def test_a_protected_environment_asks_at_a_terminal(api, monkeypatch):
    """At a terminal `abort` asks; "n" changes nothing, "y" aborts."""
    monkeypatch.setattr("podinfo_canary.ctl.app._interactive", lambda: True)
    declined = CliRunner().invoke(app, ["abort", "--env", "prod"], input="n\n")
    assert declined.exit_code == kube.REFUSED and "prod is protected. abort podinfo?" in declined.output
    assert api.writes() == []
    accepted = CliRunner().invoke(app, ["abort", "--env", "prod"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert api.writes() == [("PATCH", PATH + "/status", MERGE, body("abort"))]


# --- status: weight and phase as upstream computes them; the failed-background warning -----------


@pytest.fixture
def no_replica_sets(api):
    api.lists[REPLICA_SETS.format(ns="podinfo-prod")] = []


@pytest.mark.usefixtures("no_replica_sets")
def test_status_of_an_aborted_rollout_reports_weight_zero(api, rollout):
    """GetCurrentSetWeight: 0 once aborted, even while status.canary.weights still says 50."""
    rollout["status"].update(abort=True, phase="Degraded", message="RolloutAborted: metric server-errors failed")
    status = json.loads(run("status", "--env", "prod", "--output", "json").output)
    assert (status["weight"], status["aborted"], status["phase"]) == (0, True, "Degraded")


@pytest.mark.usefixtures("no_replica_sets")
def test_status_without_a_phase_calculates_it(api, rollout):
    """A controller that leaves status.phase empty: CalculateRolloutPhase, not a constant."""
    rollout["status"].update(phase="", message="")
    assert json.loads(run("status", "--env", "prod", "--output", "json").output)["phase"] == "Paused"  # its pause condition
    rollout["status"].update(pauseConditions=[], controllerPause=False, replicas=5, updatedReplicas=5, availableReplicas=5)
    shown = json.loads(run("status", "--env", "prod", "--output", "json").output)
    assert (shown["phase"], shown["message"]) == ("Progressing", "waiting for all steps to complete")
    rollout["status"]["conditions"] = [{"type": "Progressing", "reason": "ProgressDeadlineExceeded", "message": "timed out"}]
    shown = json.loads(run("status", "--env", "prod", "--output", "json").output)
    assert (shown["phase"], shown["message"]) == ("Degraded", "ProgressDeadlineExceeded: timed out")


WARNING = (
    "background analysis podinfo-bg failed while the rollout is paused for evidence (InconclusiveAnalysisRun); "
    "the controller will not abort it by itself: run `canaryctl rollback --env prod` (the abort, and Git back on the stable version)"
)


def _failed_background_while_inconclusive(rollout: dict, background: str = "Failed") -> dict:
    """The step's run ended Inconclusive (the rollout is paused for evidence), then the background
    run failed: rollout/analysis.go `reconcileBackgroundAnalysisRun` returns before it would abort."""
    rollout["status"].update(phase="Paused", message="InconclusiveAnalysisRun")
    rollout["status"]["pauseConditions"] = [{"reason": "InconclusiveAnalysisRun", "startTime": "2026-11-27T10:00:00Z"}]
    rollout["status"]["canary"]["currentStepAnalysisRunStatus"] = {"name": "podinfo-7c9f8d6b5-4", "status": "Inconclusive"}
    rollout["status"]["canary"]["currentBackgroundAnalysisRunStatus"] = {"name": "podinfo-bg", "status": background}
    return rollout


@pytest.mark.usefixtures("no_replica_sets")
def test_status_warns_of_a_failed_background_run_the_controller_will_not_act_on(api, rollout):
    _failed_background_while_inconclusive(rollout)
    shown = run("status", "--env", "prod", "--output", "json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["warning"] == WARNING
    text = run("status", "--env", "prod")
    assert text.exit_code == 0 and f"  warning: {WARNING}\n" in text.output
    by_namespace = json.loads(run("status", "--namespace", "podinfo-prod", "--output", "json").output)
    assert by_namespace["warning"] == WARNING  # the namespace of a configured environment is that environment
    rollout["status"]["canary"]["currentBackgroundAnalysisRunStatus"]["status"] = "Error"
    errored = json.loads(run("status", "--env", "prod", "--output", "json").output)["warning"]
    assert errored == WARNING.replace("podinfo-bg failed", "podinfo-bg errored")
    # With the AnalysisRun at hand (not garbage-collected), the warning names the failed metrics.
    rollout["status"]["canary"]["currentBackgroundAnalysisRunStatus"]["status"] = "Failed"
    api.objects[ANALYSIS_RUNS.format(ns="podinfo-prod") + "/podinfo-bg"] = {
        "metadata": {"name": "podinfo-bg"},
        "status": {
            "phase": "Failed",
            "metricResults": [
                {"name": "podinfo-error-rate", "phase": "Failed"},
                {"name": "podinfo-latency", "phase": "Successful"},
                {"name": "podinfo-cpu-usage", "phase": "Error"},
            ],
        },
    }
    named = json.loads(run("status", "--env", "prod", "--output", "json").output)["warning"]
    assert named == WARNING.replace("podinfo-bg failed", "podinfo-bg failed (podinfo-error-rate, podinfo-cpu-usage)")


@pytest.mark.usefixtures("no_replica_sets")
def test_no_warning_while_the_controller_still_acts(api, rollout):
    """Failed background run without the Inconclusive pause: the controller aborts by itself; an
    Inconclusive pause with a running background run: nothing failed."""
    rollout["status"]["canary"]["currentBackgroundAnalysisRunStatus"] = {"name": "podinfo-bg", "status": "Failed"}
    assert json.loads(run("status", "--env", "prod", "--output", "json").output)["warning"] is None
    _failed_background_while_inconclusive(rollout, background="Running")
    assert json.loads(run("status", "--env", "prod", "--output", "json").output)["warning"] is None
    assert "warning" not in run("status", "--env", "prod").output
    # The background run is read only when it failed (for the warning or the judgement), not while it runs.
    assert [r["path"] for r in api.requests if r["path"].endswith("/podinfo-bg")] == [
        ANALYSIS_RUNS.format(ns="podinfo-prod") + "/podinfo-bg"
    ]


@pytest.mark.usefixtures("no_replica_sets")
@pytest.mark.parametrize(
    ("failed", "passed", "words"),
    [
        (["server-errors-vs-stable"], ["server-errors"], "the canary is worse than stable (server-errors-vs-stable): a regression"),
        (["server-errors"], ["server-errors-vs-stable"], "the canary broke the SLO (server-errors) but was no worse than stable"),
    ],
)
def test_status_says_whether_the_canary_was_worse_than_stable_or_failed_with_it(api, rollout, failed, passed, words):
    """An aborted rollout's failed background run, read from the cluster: which judge failed it. A
    regression of the canary, or an incident both tracks share (the stable alerts fire too)."""
    rollout["status"]["abort"] = True
    rollout["status"]["canary"]["currentBackgroundAnalysisRunStatus"] = {"name": "podinfo-bg", "status": "Failed"}
    api.objects[ANALYSIS_RUNS.format(ns="podinfo-prod") + "/podinfo-bg"] = {
        "metadata": {"name": "podinfo-bg"},
        "status": {
            "phase": "Failed",
            "metricResults": [{"name": n, "phase": "Failed"} for n in failed] + [{"name": n, "phase": "Successful"} for n in passed],
        },
    }
    shown = json.loads(run("status", "--env", "prod", "--output", "json").output)
    assert shown["judged"].startswith(words), shown["judged"]
    text = run("status", "--env", "prod")
    assert text.exit_code == 0 and "  judged: " + words in " ".join(text.output.split("\n")), text.output


def test_watch_shows_the_failed_background_warning(api, rollout):
    from rich.console import Console

    from podinfo_canary.ctl.status import summarize
    from podinfo_canary.ctl.watch import render

    state = _failed_background_while_inconclusive(copy.deepcopy(rollout))
    console = Console(record=True, width=400)
    console.print(render(summarize(state, [], None, "prod"), state))
    lines = console.export_text().splitlines()
    assert f"warning: {WARNING}" in [line.rstrip() for line in lines]
    api.sequences[PATH] = [state]
    watched = run("watch", "--env", "prod", "--interval", "0.01", "--exit-on-pause")
    assert watched.exit_code == kube.PAUSED
    assert WARNING in " ".join(watched.output.split())
    assert ("GET", ANALYSIS_RUNS.format(ns="podinfo-prod") + "/podinfo-bg") in [(r["method"], r["path"]) for r in api.requests]


# --- one exit-code table, kubeconfig and context checks, messages for people ---------------------


def _commands() -> dict:
    return {c.name or c.callback.__name__.replace("_", "-"): c.callback for c in app.registered_commands}


def _bind_imports(tree, scope: dict) -> None:
    """The names a function imports in its own body (`from podinfo_canary.ctl import deploy as deploying`)."""
    import ast
    import importlib

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = importlib.import_module(node.module)
            for alias in node.names:
                found = getattr(module, alias.name, None)
                scope[alias.asname or alias.name] = found if found is not None else importlib.import_module(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                scope[alias.asname or alias.name.partition(".")[0]] = importlib.import_module(alias.name.partition(".")[0])


def _resolve(node, scope: dict):
    import ast
    import inspect

    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, scope)
        if inspect.ismodule(base) or inspect.isclass(base):
            return getattr(base, node.attr, None)
    return None


def _ours(obj) -> bool:
    import inspect

    return (inspect.isfunction(obj) or inspect.isclass(obj)) and (obj.__module__ or "").startswith("podinfo_canary.ctl")


def _exits_of(fn, seen: set) -> set:
    """The exit codes a canaryctl function can give: every kube.Exit it names (in a CtlError, a
    typer.Exit, a code it compares or returns) and those of every canaryctl function, class or
    method it calls. Names resolve through its module and its own imports; a method call
    through its receiver: `self`, a name bound to a canaryctl class (`rollouts = Rollouts(...)`,
    a parameter annotated `Prometheus`) or a call of one (`Rollouts(target).apply`)."""
    import ast
    import inspect
    import textwrap

    if fn in seen:
        return set()
    seen.add(fn)
    if inspect.isclass(fn):
        init = fn.__dict__.get("__init__")  # a dataclass's is generated: no source, no code of ours
        return _exits_of(init, seen) if inspect.isfunction(init) and not init.__code__.co_filename.startswith("<") else set()
    # A rollout command's face (app.rollout_command) and the body it wraps: both are walked.
    wrapped = _exits_of(fn.__wrapped__, seen) if inspect.isfunction(getattr(fn, "__wrapped__", None)) else set()
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn.__code__ if inspect.isfunction(fn) else fn)))
    scope = dict(fn.__globals__)
    _bind_imports(tree, scope)
    types = {}
    owner = scope.get(fn.__qualname__.split(".")[0]) if "." in fn.__qualname__ and "<locals>" not in fn.__qualname__ else None
    if inspect.isclass(owner):
        types["self"] = owner
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None and _ours(_resolve(node.annotation, scope)):
            types[node.arg] = _resolve(node.annotation, scope)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _ours(cls := _resolve(node.value.func, scope)):
            types.update({t.id: cls for t in node.targets if isinstance(t, ast.Name) and inspect.isclass(cls)})
    codes = wrapped
    for node in ast.walk(tree):
        if isinstance(_resolve(node, scope), kube.Exit):
            codes.add(_resolve(node, scope))
        if not isinstance(node, ast.Call):
            continue
        callees = [_resolve(node.func, scope)]
        if isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            cls = types.get(receiver.id) if isinstance(receiver, ast.Name) else None
            if isinstance(receiver, ast.Call):
                cls = _resolve(receiver.func, scope)
            if inspect.isclass(cls) and _ours(cls):
                callees.append(getattr(cls, node.func.attr, None))
        for callee in callees:
            if _ours(callee):
                codes |= _exits_of(callee, seen)
    return codes


def test_every_exit_a_command_can_give_is_in_the_one_table():
    """Walks every registered command through the functions it calls: the codes it can give
    (and typer's own: 0, 2 for a bad option) are exactly those kube.EXIT_CODES lists for it."""
    table = {e.code for e in kube.EXIT_CODES}
    assert len(table) == len(kube.EXIT_CODES) and set(kube.Exit) == table  # one row per code, every code a row
    commands = _commands()
    assert set(commands) == {n for e in kube.EXIT_CODES if e.commands != kube.EVERY_COMMAND for n in e.commands} | {
        "test-canary",
        "dashboard",
        "plan",
    }
    for name, callback in commands.items():
        found = _exits_of(callback, set()) | {kube.OK, kube.USAGE}
        assert found == set(kube.exit_codes(name)), (name, sorted(found), kube.exit_codes(name))
    # The walk finds what the commands do: the cluster's codes only where the cluster is read.
    assert kube.PROMETHEUS in kube.exit_codes("metrics") and kube.NO_KUBECONFIG not in kube.exit_codes("test-canary")
    assert {kube.ABORTED, kube.PAUSED, kube.TIMED_OUT} <= set(kube.exit_codes("watch"))


def test_no_exit_code_is_a_bare_number():
    """Every CtlError and typer.Exit in podinfo_canary/ctl/ names its code (kube.Exit), so the walk
    above sees each one."""
    import ast

    from tests.conftest import ROOT

    bare = []
    for path in sorted((ROOT / "podinfo_canary" / "ctl").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            code = node.args[1] if name == "CtlError" and len(node.args) > 1 else (node.args[0] if name == "Exit" and node.args else None)
            if isinstance(code, ast.Constant):
                bare.append(f"{path.name}:{node.lineno}")
    assert bare == []


def test_help_prints_the_exit_code_table_and_each_commands_codes():
    top = " ".join(run("--help").output.split())
    for row in kube.EXIT_CODES:
        assert f"{row.code.value} {row.meaning}" in top, row
    for name in _commands():
        codes = ", ".join(str(c.value) for c in kube.exit_codes(name))
        assert f"Exit codes: {codes} (canaryctl --help says what each means)" in " ".join(run(name, "--help").output.split()), name


def test_help_has_no_type_placeholders_and_every_option_says_what_it_means():
    import re

    import typer
    import typer._click as click

    group = typer.main.get_command(app)
    screens = {"": group}
    screens.update(group.commands)
    for name, command in screens.items():
        ctx = click.Context(command, info_name=name or "canaryctl")
        for param in command.get_params(ctx):
            if getattr(param, "hidden", False):
                continue
            shown = param.display_type_rich(ctx)
            assert shown is None or not shown.startswith("<"), (name, param.name, shown)
            assert param.help and len(param.help.split()) >= 4, (name, param.name, param.help)
        output = run(*([name] if name else []), "--help").output
        assert not re.search(r"<(bool|str|int|float|path|text\|json)\b", output), (name, output)


def test_an_unknown_environment_suggests_the_closest_in_the_configured_order(api, config):
    names = [e.name for e in config.environments]  # config/platform.yaml `environments:`, in its order
    known = ", ".join(names)
    last = names[-1]
    misspelt = last[1] + last[0] + last[2:] if len(last) > 2 else last + "x"  # two letters swapped
    typo = run("status", "--env", misspelt)
    assert _exited(typo, kube.USAGE, "status")
    assert typo.output == f"canaryctl: unknown environment '{misspelt}'; known: {known}; did you mean '{last}'?\n"
    assert run("plan", "--env", "no-such-env").output == f"canaryctl: unknown environment 'no-such-env'; known: {known}\n"
    nowhere = run("resume")
    assert nowhere.output == f"canaryctl: say which environment (--env {'|'.join(names)}) or namespace (--namespace)\n"
    assert f"--env {'|'.join(names)} (its first host) or --url" in run("test-canary").output


def test_a_missing_context_is_named_with_the_kubeconfigs_contexts(api, tmp_path, monkeypatch):
    kubeconfig = tmp_path / "kubeconfig"
    missing = run("status", "--env", "prod", "--context", "foo")
    assert _exited(missing, kube.NO_KUBECONFIG, "status")
    assert missing.output == f"canaryctl: kubeconfig context 'foo' not found in {kubeconfig}; its contexts: loopback (current)\n"
    assert api.requests == []  # refused before any request
    # A second file on $KUBECONFIG: its contexts too, merged as kubectl merges them.
    other = tmp_path / "other"
    other.write_text(kubeconfig.read_text().replace("loopback", "staging-cluster").replace("current-context: staging-cluster\n", ""))
    monkeypatch.setenv("KUBECONFIG", f"{kubeconfig}:{other}")
    merged = run("abort", "--env", "prod", "--yes", "--context", "prod-cluster")
    assert merged.output.endswith(f"not found in {kubeconfig}, {other}; its contexts: loopback (current), staging-cluster\n")
    monkeypatch.setenv("KUBECONFIG", str(other))
    no_current = run("status", "--env", "prod")
    assert _exited(no_current, kube.NO_KUBECONFIG, "status")
    assert no_current.output == f"canaryctl: kubeconfig {other} sets no current context: pass --context, one of: staging-cluster\n"
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    absent = run("pause", "--env", "prod")
    assert _exited(absent, kube.NO_KUBECONFIG, "pause")
    assert absent.output == f"canaryctl: no kubeconfig: {tmp_path / 'absent'} does not exist; set KUBECONFIG to your cluster's kubeconfig\n"
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    assert run("pause", "--env", "prod", "--context", "loopback").exit_code == 0  # an existing one works


def test_deploy_checks_the_kubeconfig_and_the_cluster_before_kubectl(api, tmp_path, monkeypatch):
    """Like every cluster command: exit 3 or 4 with one line, kubectl never called; --dry-run reads no cluster."""
    log, path = _fake_kubectl(tmp_path)
    monkeypatch.setenv("PATH", path)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    absent = run("deploy", "--interval", "0.01")
    assert _exited(absent, kube.NO_KUBECONFIG, "deploy")
    assert absent.output == f"canaryctl: no kubeconfig: {tmp_path / 'absent'} does not exist; set KUBECONFIG to your cluster's kubeconfig\n"
    assert run("deploy", "--dry-run").exit_code == 0  # the plan needs no cluster
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kubeconfig"))
    unknown = run("deploy", "--context", "nope")
    assert _exited(unknown, kube.NO_KUBECONFIG, "deploy") and "context 'nope' not found" in unknown.output
    with FakeApiServer() as stopped:
        monkeypatch.setenv("KUBECONFIG", str(stopped.kubeconfig(tmp_path / "bin")))
    unreachable = run("deploy")
    assert _exited(unreachable, kube.UNREACHABLE, "deploy")
    assert unreachable.output == f"canaryctl: cluster unreachable at {stopped.url}: connection refused\n"
    assert not log.exists()  # kubectl never ran


def test_messages_for_people_carry_no_python_reprs(api, rollout, tmp_path, monkeypatch):
    """An unreachable server is named with the operating system's words, not the client's repr;
    a metric without a value yet is `-`, an analysis without a phase is starting."""
    runs = ANALYSIS_RUNS.format(ns="podinfo-prod")
    api.lists[REPLICA_SETS.format(ns="podinfo-prod")] = []
    rollout["status"]["canary"]["currentStepAnalysisRunStatus"] = {"name": "podinfo-new", "status": ""}
    api.objects[runs + "/podinfo-new"] = {
        "metadata": {"name": "podinfo-new"},
        "spec": {"metrics": [{"name": "server-errors", "failureCondition": "result[0] >= 5.3"}]},
        "status": {"metricResults": [{"name": "server-errors", "count": 0}]},
    }
    api.lists[runs] = [
        {
            **api.objects[runs + "/podinfo-new"],
            "metadata": {"name": "podinfo-new", "ownerReferences": [{"kind": "Rollout", "name": "podinfo"}]},
        }
    ]
    shown = [run("status", "--env", "prod").output, run("analysis", "--env", "prod").output]
    assert "analysis podinfo-new: starting" in shown[0] and "podinfo-new: starting" in shown[1]
    prometheus = run("metrics", "--env", "prod", "--prometheus", "http://127.0.0.1:9", "--canary-hash", "c0ffee")
    assert prometheus.output == (
        "canaryctl: Prometheus unreachable at http://127.0.0.1:9: connection refused; "
        "from a laptop, port-forward it and pass --prometheus\n"
    )
    with FakeApiServer() as stopped:
        monkeypatch.setenv("KUBECONFIG", str(stopped.kubeconfig(tmp_path)))
    cluster = run("status", "--env", "prod")
    assert cluster.output == f"canaryctl: cluster unreachable at {stopped.url}: connection refused\n"
    for text in (*shown, prometheus.output, cluster.output):
        assert not any(r in text for r in ("None", "{'", "['", "Error(", "Pool(")), text


def test_ctrl_c_is_interrupted_in_every_command(api, monkeypatch):
    """Ctrl-C, also at a protected environment's question, ends with INTERRUPTED and one line."""

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr("podinfo_canary.ctl.app._config", interrupt)
        stopped = run("plan", "--env", "prod")
    assert _exited(stopped, kube.INTERRUPTED, "plan") and stopped.output == "canaryctl: interrupted\n"
    monkeypatch.setattr("podinfo_canary.ctl.app._interactive", lambda: True)
    at_question = CliRunner().invoke(app, ["abort", "--env", "prod"], input="")  # no answer: click aborts the prompt
    assert _exited(at_question, kube.INTERRUPTED, "abort") and at_question.output.endswith("canaryctl: interrupted\n")
    assert api.writes() == []


def test_the_commands_on_one_rollout_share_one_option_block():
    """--env, --namespace, --context and --rollout are declared once (app._ROLLOUT_OPTIONS): every
    command registered through app.rollout_command takes them, first and alike, with the hidden
    --config-dir last; the body's own options keep their order between."""
    import inspect

    from podinfo_canary.ctl import app as app_module

    shared = [p.name for p in app_module._ROLLOUT_OPTIONS]
    faces = {c.name: c.callback for c in app.registered_commands if getattr(c.callback, "__wrapped__", None)}
    assert set(faces) == {"status", "promote", "abort", "retry", "pause", "resume", "analysis", "watch"}
    for name, face in faces.items():
        names = list(inspect.signature(face).parameters)
        own = [p for p in inspect.signature(face.__wrapped__).parameters if p not in ("target", "environment", "rollout")]
        assert names == [*shared, *own, "config_dir"], name
        assert " --env " in " ".join(run(name, "--help").output.split()), name


@pytest.mark.usefixtures("no_replica_sets")
def test_status_says_the_acceptance_test_failed_before_any_user_and_where_its_log_is(api, rollout):
    """The pre-exposure step run failed on its Job metric: the Job is named in the measurement's
    metadata (upstream: argo-rollouts v1.9.1 metricproviders/job/job.go JobNameKey, JobNamespaceKey)."""
    rollout["status"]["abort"] = True
    rollout["status"]["canary"]["currentStepAnalysisRunStatus"] = {"name": "podinfo-7c9f8d6b5-4-1", "status": "Failed"}
    job = "0b5c.acceptance.1"
    api.objects[ANALYSIS_RUNS.format(ns="podinfo-prod") + "/podinfo-7c9f8d6b5-4-1"] = {
        "metadata": {"name": "podinfo-7c9f8d6b5-4-1", "namespace": "podinfo-prod"},
        "status": {
            "phase": "Failed",
            "metricResults": [
                {
                    "name": "acceptance",
                    "phase": "Failed",
                    "measurements": [{"phase": "Failed", "metadata": {"job-name": job, "job-namespace": "podinfo-prod"}}],
                }
            ],
        },
    }
    shown = json.loads(run("status", "--env", "prod", "--output", "json").output)["judged"]
    assert shown.startswith("the acceptance test failed") and "before any user reached the canary" in shown, shown
    assert f"`kubectl -n podinfo-prod logs job/{job}`" in shown
