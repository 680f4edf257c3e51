"""The delivery flow (docs/guides/delivery-flow.md): `canaryctl promote-env` and `canaryctl rollback`
through the real `kubernetes` client against the loopback API server (tests/kubeapi.py) and in a
temporary Git repository holding this project's files.

The Rollout states are the controller's (Argo Rollouts v1.9.1): a completed version has
`stableRS == currentPodHash`, `currentStepIndex == len(steps)` (rollout/sync.go `promoteStable`),
`phase: Healthy` (utils/rollout/rolloututil.go `CalculateRolloutPhase`) and a `Completed`
condition True whose lastTransitionTime is the completion (rollout/sync.go
`calculateRolloutConditions`, utils/conditions `SetRolloutCondition` keeps it while the status
stays); an abort is `status.abort` with the Progressing condition's reason `RolloutAborted`; an
AnalysisRun carries the pod hash label and the revision annotation (rollout/analysis.go
`newAnalysisRunFromRollout`)."""

from __future__ import annotations

import copy
import subprocess

import pytest
import yaml
from typer.testing import CliRunner

from podinfo_canary import config as config_module
from podinfo_canary.ctl import kube
from podinfo_canary.ctl.app import app
from tests.kubeapi import ANALYSIS_RUNS, REPLICA_SETS, ROLLOUTS, FakeApiServer

MERGE = "application/merge-patch+json"
NEW_TAG = "6.14.2"
DIGEST = "sha256:" + "0123456789abcdef" * 4
STAGING, PROD = "podinfo-staging", "podinfo-prod"
STABLE_HASH, CANARY_HASH = "5d4c7b8a9", "7c9f8d6b5"
COMPLETED_AT = "2026-11-27T10:00:00Z"
LATER = "2026-11-27T13:00:00Z"  # 3h after: past prod's promotion.soak (2h, config/environments/prod.yaml)


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _git(repo, *args) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def _exited(result, code: kube.Exit, command: str) -> None:
    assert result.exit_code == code, result.output
    assert code in kube.exit_codes(command), f"{command} exits {code}, which kube.EXIT_CODES does not list for it"


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """This project's files committed in a fresh Git repository, then staging moved to NEW_TAG
    pinned by DIGEST the way a person does it (update-image: staging is not protected)."""
    from tests.conftest import copy_project

    target = copy_project(tmp_path_factory.mktemp("flow") / "repo")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=target, check=True)
    subprocess.run(["git", "config", "user.name", "test"], cwd=target, check=True)
    subprocess.run(["git", "config", "user.email", "test@example.com"], cwd=target, check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "base"], cwd=target, check=True)
    bumped = run("update-image", NEW_TAG, "--env", "staging", "--digest", DIGEST, "--commit", "--repo", str(target))
    assert bumped.exit_code == 0, bumped.output
    subprocess.run(["git", "tag", "released"], cwd=target, check=True)
    return target


@pytest.fixture
def clean(repo):
    """Back to the module's staging commit, whatever an earlier test committed; its hash."""
    head = _git(repo, "rev-parse", "released").strip()
    _git(repo, "reset", "--hard", "--quiet", head)
    _git(repo, "clean", "-fdq", "--", "config", "dist", "README.md")
    return head


def _rollout(repo, env: str) -> dict:
    return yaml.safe_load((repo / "dist" / env / "Rollout.podinfo.k8s.yaml").read_text())


def completed(rollout: dict, pod_hash: str = STABLE_HASH, at: str = COMPLETED_AT, revision: str = "4") -> dict:
    """The Rollout as the controller leaves a finished version: Healthy, fully promoted, Completed at `at`."""
    obj = copy.deepcopy(rollout)
    steps = len(obj["spec"]["strategy"]["canary"]["steps"])
    obj["metadata"].update(generation=7, annotations={**obj["metadata"].get("annotations", {}), "rollout.argoproj.io/revision": revision})
    obj["status"] = {
        "phase": "Healthy",
        "observedGeneration": "7",
        "currentPodHash": pod_hash,
        "stableRS": pod_hash,
        "currentStepIndex": steps,
        "replicas": obj["spec"].get("replicas", 1),
        "updatedReplicas": obj["spec"].get("replicas", 1),
        "availableReplicas": obj["spec"].get("replicas", 1),
        "conditions": [
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "lastTransitionTime": at},
            {"type": "Healthy", "status": "True", "reason": "RolloutHealthy", "lastTransitionTime": at},
            {"type": "Completed", "status": "True", "reason": "RolloutCompleted", "lastTransitionTime": at},
        ],
    }
    return obj


def analysis_run(name: str, phase: str, pod_hash: str = STABLE_HASH, revision: str = "4") -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {
            "name": name,
            "labels": {"rollouts-pod-template-hash": pod_hash, "rollout-type": "Step", "step-index": "1"},
            "annotations": {"rollout.argoproj.io/revision": revision},
            "ownerReferences": [
                {"kind": "Rollout", "name": "podinfo", "apiVersion": "argoproj.io/v1alpha1", "uid": "u", "controller": True}
            ],
            "creationTimestamp": "2026-11-27T09:00:00Z",
        },
        "status": {"phase": phase},
    }


def replica_set(pod_hash: str, image: str, revision: str) -> dict:
    labels = {"app.kubernetes.io/name": "podinfo", "rollouts-pod-template-hash": pod_hash}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": f"podinfo-{pod_hash}", "labels": labels, "annotations": {"rollout.argoproj.io/revision": revision}},
        "spec": {
            "replicas": 5,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "podinfo", "image": image}]}},
        },
    }


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    with FakeApiServer() as server:
        server.lists[ANALYSIS_RUNS.format(ns=STAGING)] = []
        server.lists[ANALYSIS_RUNS.format(ns=PROD)] = []
        monkeypatch.setenv("KUBECONFIG", str(server.kubeconfig(tmp_path)))
        yield server


def staging_at(cluster, repo, **changes) -> dict:
    """staging's Rollout on the fake cluster, completed on the version its Git config names."""
    obj = completed(_rollout(repo, "staging"), **changes)
    cluster.objects[ROLLOUTS.format(ns=STAGING) + "/podinfo"] = obj
    return obj


def promote(repo, *args: str):
    return run("promote-env", "prod", "--now", LATER, "--repo", str(repo), *args)


# --- promote-env ---------------------------------------------------------------------------------


def test_promote_env_commits_the_sources_version_once_naming_the_evidence(repo, clean, cluster):
    staging_at(cluster, repo)
    cluster.lists[ANALYSIS_RUNS.format(ns=STAGING)] = [analysis_run("podinfo-5d4c7b8a9-4-1", "Successful")]
    before = (repo / "config/environments/prod.yaml").read_text()
    result = promote(repo, "--commit")
    assert result.exit_code == 0, result.output
    assert _git(repo, "rev-list", "--count", f"{clean}..HEAD").strip() == "1"
    message = _git(repo, "log", "-1", "--format=%B")
    assert message.startswith(f"chore(prod): promote podinfo {NEW_TAG}@{DIGEST} from staging\n\n"), message
    for evidence in (
        "source: staging, Rollout podinfo-staging/podinfo revision 4 (pod hash 5d4c7b8a9)",
        f"image: ghcr.io/stefanprodan/podinfo:{NEW_TAG}@{DIGEST}",
        f"completed: {COMPLETED_AT} (the Rollout's Completed condition)",
        "soaked: 3h Healthy and fully promoted, at least the target's promotion.soak 2h",
        "1 AnalysisRuns of this revision, none Failed or Error",
    ):
        assert evidence in message, (evidence, message)
    after = (repo / "config/environments/prod.yaml").read_text()
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert removed == ["  tag: 6.14.1"] and added == [f"  tag: {NEW_TAG}", f"  digest: {DIGEST}"]
    assert f"image: ghcr.io/stefanprodan/podinfo:{NEW_TAG}@{DIGEST}" in (repo / "dist/prod/Rollout.podinfo.k8s.yaml").read_text()
    assert {"config/environments/prod.yaml", "dist/prod/Rollout.podinfo.k8s.yaml"} <= set(
        _git(repo, "show", "--name-only", "--format=", "HEAD").split()
    )
    assert not any(p.startswith(("dist/staging", "dist/dev")) for p in _git(repo, "show", "--name-only", "--format=", "HEAD").split())
    assert _git(repo, "status", "--porcelain", "--", "config", "dist", "README.md") == ""
    # It read staging's Rollout and AnalysisRuns, and wrote nothing to the cluster.
    assert cluster.writes() == []
    assert {(r["method"], r["path"]) for r in cluster.requests} == {
        ("GET", ROLLOUTS.format(ns=STAGING) + "/podinfo"),
        ("GET", ANALYSIS_RUNS.format(ns=STAGING)),
    }
    operator_may(repo, cluster.requests, read_only=len(cluster.requests))
    again = promote(repo, "--commit")
    assert again.exit_code == 0 and "already at" in again.output, again.output


def test_promote_env_dry_run_prints_the_decision_and_the_diff_and_writes_nothing(repo, clean, cluster):
    staging_at(cluster, repo)
    result = promote(repo, "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"prod may take {NEW_TAG}@{DIGEST} from staging:" in result.output
    assert "-  tag: 6.14.1" in result.output and f"+  tag: {NEW_TAG}" in result.output and f"+  digest: {DIGEST}" in result.output
    assert "dry run: nothing written" in result.output
    assert _git(repo, "rev-parse", "HEAD").strip() == clean and _git(repo, "status", "--porcelain", "--", "config", "dist") == ""


def _refused(repo, clean, result, code: kube.Exit, *words: str) -> None:
    _exited(result, code, "promote-env")
    line = result.output.strip()
    assert line.count("\n") == 0 and line.startswith("canaryctl: refused: ") and "nothing promoted to prod" in line, result.output
    assert all(w in line for w in words), (words, line)
    assert _git(repo, "rev-parse", "HEAD").strip() == clean and _git(repo, "status", "--porcelain", "--", "config", "dist") == ""


def test_promote_env_refuses_a_canary_in_flight_or_a_paused_rollout(repo, clean, cluster):
    obj = staging_at(cluster, repo)
    obj["status"].update(currentPodHash=CANARY_HASH, currentStepIndex=3, phase="Paused")
    _refused(repo, clean, promote(repo), kube.NOT_PROMOTED, "not fully promoted", "a canary is in flight")
    obj = staging_at(cluster, repo)
    obj["spec"]["paused"] = True
    _refused(repo, clean, promote(repo), kube.NOT_PROMOTED, "it is paused")
    # The stable hash is the current one but steps are left (promoteStable sets the index to the
    # number of steps only at the end).
    obj = staging_at(cluster, repo)
    steps = len(obj["spec"]["strategy"]["canary"]["steps"])
    obj["status"]["currentStepIndex"] = steps - 1
    _refused(repo, clean, promote(repo), kube.NOT_PROMOTED, f"at step {steps} of {steps}, not past the last")


def test_promote_env_refuses_a_rollout_that_is_not_healthy(repo, clean, cluster):
    obj = staging_at(cluster, repo)
    obj["status"].update(phase="Progressing", message="updated replicas are still becoming available")
    _refused(repo, clean, promote(repo), kube.NOT_HEALTHY, "is Progressing (updated replicas are still becoming available), not Healthy")
    # A spec the controller has not observed yet (Argo CD just synced): its status is the old spec's.
    obj = staging_at(cluster, repo)
    obj["metadata"]["generation"] = 8
    _refused(repo, clean, promote(repo), kube.NOT_HEALTHY, "waiting for rollout spec update to be observed")


def test_promote_env_refuses_a_source_running_another_version_than_its_git_config(repo, clean, cluster):
    obj = staging_at(cluster, repo)
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/stefanprodan/podinfo:6.14.1"
    _refused(
        repo,
        clean,
        promote(repo),
        kube.OTHER_VERSION,
        "runs ghcr.io/stefanprodan/podinfo:6.14.1",
        f"says ghcr.io/stefanprodan/podinfo:{NEW_TAG}@{DIGEST}",
    )
    # The same tag without its digest is another image too.
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = f"ghcr.io/stefanprodan/podinfo:{NEW_TAG}"
    _refused(repo, clean, promote(repo), kube.OTHER_VERSION, f"runs ghcr.io/stefanprodan/podinfo:{NEW_TAG},")


def test_promote_env_refuses_a_version_aborted_since_it_started(repo, clean, cluster):
    obj = staging_at(cluster, repo)
    obj["status"].update(abort=True, abortedAt="2026-11-27T09:30:00Z", phase="Degraded")
    _refused(repo, clean, promote(repo), kube.ABORTED_SINCE, "is aborted", "status.abort is set (aborted at 2026-11-27T09:30:00Z)")
    # Only the Progressing condition says so (calculateRolloutConditions' RolloutAborted reason).
    obj = staging_at(cluster, repo)
    obj["status"]["conditions"].append(
        {"type": "Progressing", "status": "False", "reason": "RolloutAborted", "message": "Rollout aborted update to revision 4"}
    )
    _refused(repo, clean, promote(repo), kube.ABORTED_SINCE, "its Progressing condition says RolloutAborted: Rollout aborted update")
    # Retried and completed: status.abort is cleared, the failed run of this revision stays.
    staging_at(cluster, repo)
    runs = ANALYSIS_RUNS.format(ns=STAGING)
    cluster.lists[runs] = [analysis_run("podinfo-5d4c7b8a9-4-1", "Failed"), analysis_run("podinfo-5d4c7b8a9-4-1.1", "Successful")]
    _refused(repo, clean, promote(repo), kube.ABORTED_SINCE, "aborted this version since it started", "podinfo-5d4c7b8a9-4-1 failed")
    # A failed run of another version, or of this hash under an earlier revision, is not this version's.
    cluster.lists[runs] = [
        analysis_run("podinfo-1a2b3c4d5-3-1", "Failed", pod_hash="1a2b3c4d5", revision="3"),
        analysis_run("x", "Error", revision="2"),
    ]
    assert promote(repo, "--dry-run").exit_code == 0


def test_promote_env_refuses_a_version_not_soaked_for_the_targets_soak(repo, clean, cluster):
    staging_at(cluster, repo)
    early = run("promote-env", "prod", "--now", "2026-11-27T10:25:00Z", "--repo", str(repo))
    _refused(
        repo,
        clean,
        early,
        kube.NOT_SOAKED,
        f"staging completed {NEW_TAG}@{DIGEST} at {COMPLETED_AT}, 25m ago",
        "promotion.soak is 2h: 1h35m to go",
    )
    obj = staging_at(cluster, repo)
    obj["status"]["conditions"] = [c for c in obj["status"]["conditions"] if c["type"] != "Completed"]
    _refused(repo, clean, promote(repo), kube.NOT_SOAKED, "records no completion time")


def test_promote_env_sources_follow_the_configured_order(repo, clean, cluster):
    """dev is first: nothing promotes into it; staging takes dev's version; --from names another."""
    first = run("promote-env", "dev", "--repo", str(repo))
    _exited(first, kube.USAGE, "promote-env")
    assert "dev is the first environment of the promotion order" in first.output and "update-image" in first.output
    dev = completed(_rollout(repo, "dev"))
    cluster.objects[ROLLOUTS.format(ns="podinfo-dev") + "/podinfo"] = dev
    cluster.lists[ANALYSIS_RUNS.format(ns="podinfo-dev")] = []
    # dev runs what staging already has in Git? No: staging is at NEW_TAG, dev at 6.14.1: a promotion.
    shown = run("promote-env", "staging", "--now", LATER, "--dry-run", "--repo", str(repo))
    assert shown.exit_code == 0 and "staging may take 6.14.1 from dev:" in shown.output, shown.output
    staging_at(cluster, repo)
    # Skipping staging needs a reason, refused before the cluster is asked.
    unsaid = run("promote-env", "prod", "--from", "dev", "--now", LATER, "--dry-run", "--repo", str(repo))
    _exited(unsaid, kube.REFUSED, "promote-env")
    assert "prod promotes from staging" in unsaid.output and "--reason" in unsaid.output, unsaid.output
    other = run("promote-env", "prod", "--from", "dev", "--reason", "hotfix INC-7", "--now", LATER, "--dry-run", "--repo", str(repo))
    assert other.exit_code == 0 and "prod may take 6.14.1 from dev:" in other.output, other.output
    assert [r["path"] for r in cluster.requests if "rollouts" in r["path"]] == [
        ROLLOUTS.format(ns="podinfo-dev") + "/podinfo",
        ROLLOUTS.format(ns="podinfo-dev") + "/podinfo",
    ]
    # The commit message says why (prod is at 6.14.1 already here, so the message is built directly).
    from datetime import UTC, datetime, timedelta

    from podinfo_canary.ctl import promotion

    image = promotion.ImageRef("ghcr.io/stefanprodan/podinfo", "6.14.1")
    evidence = promotion.Evidence("dev", "podinfo-dev", "podinfo", "4", STABLE_HASH, image, datetime.now(UTC), timedelta(hours=3), "2h", 2)
    message = promotion.promotion_message("prod", evidence, "--from dev instead of staging: hotfix INC-7")
    assert message.startswith("chore(prod): promote podinfo 6.14.1 from dev\n"), message
    assert message.endswith("- out of the promotion order: --from dev instead of staging: hotfix INC-7\n"), message
    assert "out of the promotion order" not in promotion.promotion_message("prod", evidence)


def test_a_target_that_requires_a_digest_refuses_a_source_without_one(repo, config):
    """require_digest is kept on the way: a version without a digest stops before it."""
    from datetime import UTC, datetime

    from podinfo_canary.ctl import promotion

    staging, prod = (next(e for e in config.environments if e.name == n) for n in ("staging", "prod"))
    source = staging.model_copy(update={"image": staging.image.model_copy(update={"tag": NEW_TAG, "digest": None})})
    target = prod.model_copy(update={"require_digest": True})
    obj = completed(_rollout(repo, "staging"))
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = f"ghcr.io/stefanprodan/podinfo:{NEW_TAG}"
    with pytest.raises(kube.CtlError) as raised:
        promotion.judge(obj, [], source=source, target=target, now=datetime(2026, 11, 28, tzinfo=UTC))
    assert raised.value.code == kube.OTHER_VERSION and "prod has require_digest" in str(raised.value)
    assert promotion.judge(obj, [], source=source, target=prod, now=datetime(2026, 11, 28, tzinfo=UTC)).image.tag == NEW_TAG


# --- update-image and protected environments -----------------------------------------------------


def test_update_image_refuses_a_protected_environment_unless_forced_with_a_reason(repo, clean):
    refused = run("update-image", "6.14.3", "--env", "prod", "--commit", "--repo", str(repo))
    _exited(refused, kube.REFUSED, "update-image")
    assert "prod is protected" in refused.output and "canaryctl promote-env prod" in refused.output
    no_reason = run("update-image", "6.14.3", "--env", "prod", "--force", "--commit", "--repo", str(repo))
    _exited(no_reason, kube.USAGE, "update-image")
    assert "--force needs --reason" in no_reason.output
    assert _git(repo, "rev-parse", "HEAD").strip() == clean and _git(repo, "status", "--porcelain", "--", "config", "dist") == ""
    forced = run("update-image", "6.14.3", "--env", "prod", "--force", "--reason", "CVE-2026-0001 hotfix", "--commit", "--repo", str(repo))
    assert forced.exit_code == 0, forced.output
    assert "Forced past promote-env (canaryctl update-image --force): CVE-2026-0001 hotfix" in _git(repo, "log", "-1", "--format=%B")


# --- rollback ------------------------------------------------------------------------------------


def operator_may(repo, requests: list[dict], read_only: int) -> None:
    """The requests canaryctl sent, judged by the RBAC rules this project synthesizes (dist/):
    each is allowed to argocd.rbac.deployer_groups (rollout-operator) in the environment's
    namespace; the first `read_only` and every GET also to viewers (promote-env only reads), a
    PATCH (rollback's abort) to no viewer."""
    from tests.charts.environment.test_security import can
    from tests.conftest import dist_objects

    objects = dist_objects(repo / "dist")
    rbac = config_module.load(repo / "config").platform.argocd.rbac

    def request(r) -> tuple[str, str, str, str]:
        parts = r["path"].strip("/").split("/")
        group, rest = (parts[1], parts[3:]) if parts[0] == "apis" else ("", parts[2:])
        namespace, resource, named = rest[1], rest[2], rest[3:]
        verb = {"GET": "get" if named else "list", "PATCH": "patch"}[r["method"]]
        return verb, group, resource + ("/" + named[1] if len(named) > 1 else ""), namespace

    assert requests
    for index, (verb, group, resource, namespace) in enumerate(request(r) for r in requests):
        for deployer in rbac.deployer_groups:
            assert can(objects, ("Group", deployer, None), verb, group, resource, namespace), (deployer, verb, resource, namespace)
        viewers = [can(objects, ("Group", v, None), verb, group, resource, namespace) for v in rbac.viewer_groups]
        assert all(viewers) if index < read_only or verb != "patch" else not any(viewers), (verb, resource)


@pytest.fixture(scope="module")
def prod_moved(repo):
    """prod moved to NEW_TAG in Git once, one commit after the module's staging commit (tag prod-moved)."""
    _git(repo, "reset", "--hard", "--quiet", "released")
    _git(repo, "clean", "-fdq", "--", "config", "dist", "README.md")
    moved = run(
        "update-image", NEW_TAG, "--env", "prod", "--digest", DIGEST, "--force", "--reason", "test", "--commit", "--repo", str(repo)
    )
    assert moved.exit_code == 0, moved.output
    _git(repo, "tag", "prod-moved")
    return _git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def prod_at_new(repo, prod_moved):
    """Back to the prod-moved commit, whatever an earlier test committed; its hash."""
    _git(repo, "reset", "--hard", "--quiet", prod_moved)
    _git(repo, "clean", "-fdq", "--", "config", "dist", "README.md")
    return prod_moved


def test_rollback_during_a_rollout_aborts_and_commits_the_stable_replica_sets_version(repo, prod_at_new, cluster):
    obj = completed(_rollout(repo, "prod"), pod_hash=CANARY_HASH, revision="5")
    obj["status"].update(stableRS=STABLE_HASH, currentStepIndex=2, phase="Paused", pauseConditions=[{"reason": "CanaryPauseStep"}])
    path = ROLLOUTS.format(ns=PROD) + "/podinfo"
    cluster.objects[path] = obj
    cluster.lists[REPLICA_SETS.format(ns=PROD)] = [
        replica_set(STABLE_HASH, "ghcr.io/stefanprodan/podinfo:6.14.1", "4"),
        replica_set(CANARY_HASH, f"ghcr.io/stefanprodan/podinfo:{NEW_TAG}@{DIGEST}", "5"),
    ]
    unconfirmed = run("rollback", "--env", "prod", "--repo", str(repo))
    _exited(unconfirmed, kube.REFUSED, "rollback")
    assert "prod is protected" in unconfirmed.output and cluster.writes() == []
    assert _git(repo, "rev-parse", "HEAD").strip() == prod_at_new
    result = run("rollback", "--env", "prod", "--yes", "--repo", str(repo))
    assert result.exit_code == 0, result.output
    assert cluster.writes() == [("PATCH", path + "/status", MERGE, {"status": {"abort": True}})]
    # The stable ReplicaSet was found by its hash label (the server filters by the selector).
    listed = [r for r in cluster.requests if r["path"] == REPLICA_SETS.format(ns=PROD)]
    assert listed and all(r["query"]["labelSelector"] == [f"rollouts-pod-template-hash={STABLE_HASH}"] for r in listed)
    operator_may(repo, cluster.requests, read_only=0)
    assert _git(repo, "rev-list", "--count", f"{prod_at_new}..HEAD").strip() == "1"
    message = _git(repo, "log", "-1", "--format=%B")
    assert message.startswith("revert(prod): roll back podinfo to 6.14.1\n"), message
    assert "read from the stable ReplicaSet podinfo-5d4c7b8a9 (revision 4); the rollout in flight was aborted" in message
    prod = (repo / "config/environments/prod.yaml").read_text()
    assert "  tag: 6.14.1" in prod and "digest:" not in prod
    assert "image: ghcr.io/stefanprodan/podinfo:6.14.1\n" in (repo / "dist/prod/Rollout.podinfo.k8s.yaml").read_text()
    assert _git(repo, "status", "--porcelain", "--", "config", "dist", "README.md") == ""
    # Again, once aborted: no second abort, and Git already agrees.
    obj["status"]["abort"] = True
    again = run("rollback", "--env", "prod", "--yes", "--repo", str(repo))
    assert again.exit_code == 0 and "already at 6.14.1" in again.output, again.output
    assert len(cluster.writes()) == 1


def test_rollback_after_a_rollout_commits_the_previous_version_in_git_and_touches_no_cluster_object(repo, prod_at_new, cluster):
    cluster.objects[ROLLOUTS.format(ns=PROD) + "/podinfo"] = completed(_rollout(repo, "prod"), pod_hash=CANARY_HASH, revision="5")
    result = run("rollback", "--env", "prod", "--yes", "--repo", str(repo))
    assert result.exit_code == 0, result.output
    assert cluster.writes() == [] and not any(r["path"] == REPLICA_SETS.format(ns=PROD) for r in cluster.requests)
    message = _git(repo, "log", "-1", "--format=%B")
    assert message.startswith("revert(prod): roll back podinfo to 6.14.1\n"), message
    assert f"{NEW_TAG}@{DIGEST} -> ghcr.io/stefanprodan/podinfo:6.14.1, read from Git: config/environments/prod.yaml at" in message
    # The history is read back from the running version: a newer commit not synced yet is never the target.
    from podinfo_canary.ctl import promotion

    running_old = promotion.ImageRef("ghcr.io/stefanprodan/podinfo", "6.14.0")
    # The cluster still at NEW_TAG, the rollback above not synced: the version before NEW_TAG is
    # the base commit's, not the rollback commit's (newer than what runs).
    base = _git(repo, "log", "--format=%h", "--reverse", "--", "config/environments/prod.yaml").split()[0]
    unsynced = promotion.git_previous(repo, "prod", promotion.ImageRef("ghcr.io/stefanprodan/podinfo", NEW_TAG, DIGEST))
    assert unsynced.image.tag == "6.14.1" and f"at {base}," in unsynced.where, unsynced
    assert promotion.git_previous(repo, "prod", running_old) is None  # never in Git: no guess
    assert "no rollout was in flight" in message
    assert "a new canary, every step and analysis" in " ".join(result.output.split())
    assert "  tag: 6.14.1" in (repo / "config/environments/prod.yaml").read_text()
    # --to names the version instead; a repository's whole history without another version: NO_PREVIOUS.
    to = run("rollback", "--env", "prod", "--yes", "--to", "6.14.0", "--repo", str(repo))
    assert to.exit_code == 0 and "  tag: 6.14.0" in (repo / "config/environments/prod.yaml").read_text(), to.output
    dev = completed(_rollout(repo, "dev"))
    cluster.objects[ROLLOUTS.format(ns="podinfo-dev") + "/podinfo"] = dev
    none = run("rollback", "--env", "dev", "--repo", str(repo))
    _exited(none, kube.NO_PREVIOUS, "rollback")
    assert "pass --to TAG" in none.output


def test_a_rollback_whose_commit_fails_keeps_the_abort_and_says_git_is_not_changed(repo, prod_at_new, cluster):
    """The abort goes first (users are back on stable at once); when the commit then cannot be made
    (here: another uncommitted change under config/), the command says the rollout is aborted and
    Git is not, with update-image's reason, and exits non-zero; running it again once fixed commits."""
    obj = completed(_rollout(repo, "prod"), pod_hash=CANARY_HASH, revision="5")
    obj["status"].update(stableRS=STABLE_HASH, currentStepIndex=2, phase="Paused", pauseConditions=[{"reason": "CanaryPauseStep"}])
    path = ROLLOUTS.format(ns=PROD) + "/podinfo"
    cluster.objects[path] = obj
    cluster.lists[REPLICA_SETS.format(ns=PROD)] = [replica_set(STABLE_HASH, "ghcr.io/stefanprodan/podinfo:6.14.1", "4")]
    dev = repo / "config/environments/dev.yaml"
    dev.write_text(dev.read_text() + "# an unrelated edit\n")
    result = run("rollback", "--env", "prod", "--yes", "--repo", str(repo))
    assert result.exit_code != 0, result.output
    flat = " ".join(result.output.split())
    assert "the rollout is aborted, but Git is not changed yet" in flat and "run rollback again" in flat, result.output
    assert cluster.writes() == [("PATCH", path + "/status", MERGE, {"status": {"abort": True}})]
    assert _git(repo, "rev-parse", "HEAD").strip() == prod_at_new
    _git(repo, "checkout", "--", "config/environments/dev.yaml")
    obj["status"]["abort"] = True
    again = run("rollback", "--env", "prod", "--yes", "--repo", str(repo))
    assert again.exit_code == 0 and len(cluster.writes()) == 1, again.output
    assert _git(repo, "log", "-1", "--format=%s").startswith("revert(prod): roll back podinfo to 6.14.1")


def test_a_second_rollback_never_brings_back_the_version_rolled_back_from(repo, prod_at_new, cluster):
    """prod went 6.14.1 -> NEW_TAG (bad) -> rollback to 6.14.1. While 6.14.1's new canary runs, its
    stable pods run NEW_TAG: a rollback now would abort the rollback's own canary and commit the bad
    version, so it refuses (nothing written). Once 6.14.1 is stable again, the version before it in
    Git is NEW_TAG, which a rollback left: passed over (promotion.rolled_back), so there is no
    earlier version and --to must name one."""
    path = ROLLOUTS.format(ns=PROD) + "/podinfo"
    cluster.objects[path] = completed(_rollout(repo, "prod"), pod_hash=CANARY_HASH, revision="5")
    first = run("rollback", "--env", "prod", "--yes", "--repo", str(repo))
    assert first.exit_code == 0 and "  tag: 6.14.1" in (repo / "config/environments/prod.yaml").read_text(), first.output
    head = _git(repo, "rev-parse", "HEAD").strip()
    # Argo CD synced the rollback: 6.14.1 is the canary, NEW_TAG still the stable ReplicaSet.
    obj = completed(_rollout(repo, "prod"), pod_hash="7f6e5d4c3", revision="6")
    obj["status"].update(stableRS=CANARY_HASH, currentStepIndex=2, phase="Paused", pauseConditions=[{"reason": "CanaryPauseStep"}])
    cluster.objects[path] = obj
    cluster.lists[REPLICA_SETS.format(ns=PROD)] = [replica_set(CANARY_HASH, f"ghcr.io/stefanprodan/podinfo:{NEW_TAG}@{DIGEST}", "5")]
    during = run("rollback", "--env", "prod", "--yes", "--repo", str(repo))
    _exited(during, kube.NO_PREVIOUS, "rollback")
    assert "is a rollback's" in during.output and "promote --full --env prod" in " ".join(during.output.split()), during.output
    assert cluster.writes() == [] and _git(repo, "rev-parse", "HEAD").strip() == head
    # 6.14.1 completed: stable again.
    cluster.objects[path] = completed(_rollout(repo, "prod"), pod_hash="7f6e5d4c3", revision="6")
    after = run("rollback", "--env", "prod", "--yes", "--repo", str(repo))
    _exited(after, kube.NO_PREVIOUS, "rollback")
    assert "pass --to TAG" in after.output and _git(repo, "rev-parse", "HEAD").strip() == head
    from podinfo_canary.ctl import promotion

    assert promotion.rolled_back(repo, "prod") == {(NEW_TAG, DIGEST)}
    # `git revert` of a deploy commit is a rollback too; a deploy is not.
    assert promotion._is_rollback('Revert "chore(prod): deploy podinfo 6.14.2"')
    assert not promotion._is_rollback("chore(prod): deploy podinfo 6.14.2")


def test_the_delivery_flow_guide_says_what_the_code_does():
    """docs/guides/delivery-flow.md's numbers come from the code: each promote-env refusal's exit
    code, the default and the largest soak, the soaks config/ sets, the pipeline section's heading."""
    from tests.conftest import ROOT

    guide = (ROOT / "docs/guides/delivery-flow.md").read_text()
    flat = " ".join(guide.split())
    for code, words in (
        (kube.NOT_HEALTHY, "not Healthy"),
        (kube.NOT_PROMOTED, "not fully promoted"),
        (kube.OTHER_VERSION, "another version"),
        (kube.ABORTED_SINCE, "aborted since it started"),
        (kube.NOT_SOAKED, "not soaked"),
    ):
        assert f"| {code.value} | {words} |" in guide, (code, words)
    assert f"{kube.NO_PREVIOUS.value} rollback found no earlier version" in flat
    assert f"default: {config_module.DEFAULT_SOAK};" in guide and "at most 168h (7 days)" in guide
    assert config_module.MAX_SOAK_SECONDS == 168 * 3600
    cfg = config_module.load(ROOT / "config")
    soaks = {e.name: e.promotion.soak for e in cfg.environments}
    assert f"staging soaks {soaks['staging']} of dev, prod {soaks['prod']} of staging" in flat
    assert "## From a new tag to a pull request" in guide and "(pipelines.md)" in guide
