"""checkov over dist/ (R7): no failed check; every skipped one is in security.scanner_skips, with
its reason, on the object it names.

checkov's Kubernetes checks do not read `argoproj.io/Rollout` (REFERENCE.md; they cover Pod,
Deployment, StatefulSet, ...), so each Rollout is presented to it as the Deployment it stands for:
the same metadata (with the skip annotations), replicas, selector and pod template.
`make test` installs checkov in its own virtualenv (.tools/checkov, pinned in
tools/checkov-requirements.txt) and puts its `checkov` on PATH; the preflight fails without it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from podinfo_canary.charts.environment.security import scanner_skips
from podinfo_canary.core import yamltext


def present_rollouts_as_deployments(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
    for path in target.rglob("Rollout.*.yaml"):
        (rollout,) = yamltext.read_documents(path)
        spec = rollout["spec"]
        deployment = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": rollout["metadata"],
            "spec": {"replicas": spec.get("replicas", 1), "selector": spec["selector"], "template": spec["template"]},
        }
        path.with_name(path.name.replace("Rollout.", "Deployment.", 1)).write_text(yamltext.dump(deployment))
        path.unlink()


def scan(folder: Path) -> dict:
    checkov = shutil.which("checkov")
    assert checkov, "checkov is not on PATH: run the tests with `make test` (it installs .tools/checkov)"
    result = subprocess.run(
        [checkov, "--directory", str(folder), "--framework", "kubernetes", "--output", "json", "--skip-download"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert isinstance(report, dict) and report["check_type"] == "kubernetes", result.stdout[:500]
    return report


def _resource(namespace: str) -> str:
    return f"Deployment.{namespace}.podinfo"


@pytest.fixture(scope="module")
def report(fresh_dist, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("scan") / "dist"
    present_rollouts_as_deployments(fresh_dist, folder)
    return scan(folder)


def test_checkov_fails_nothing_and_skips_only_what_security_lists(report, config):
    summary = report["summary"]
    assert (summary["failed"], summary["parsing_errors"]) == (0, 0), [
        (c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]
    ]
    skipped = {(c["check_id"], c["resource"], c["check_result"]["suppress_comment"]) for c in report["results"]["skipped_checks"]}
    expected = {(s.check, _resource(env.namespace), s.reason) for env in config.environments for s in scanner_skips(env)}
    assert skipped == expected


def test_the_rollouts_pod_templates_were_scanned(report, config):
    """The container checks ran on every Rollout's pod template: no privilege escalation
    (CKV_K8S_20), NET_RAW dropped (CKV_K8S_28), non-root (CKV_K8S_23), read-only root (CKV_K8S_22)."""
    passed = {(c["check_id"], c["resource"]) for c in report["results"]["passed_checks"]}
    for env in config.environments:
        for check in ("CKV_K8S_20", "CKV_K8S_28", "CKV_K8S_23", "CKV_K8S_22"):
            assert (check, _resource(env.namespace)) in passed, (check, env.name)


def test_a_weakened_pod_fails_the_scan(fresh_dist, tmp_path, config):
    env = config.environments[-1]
    folder = tmp_path / "dist"
    present_rollouts_as_deployments(fresh_dist, folder)
    path = folder / env.name / "Deployment.podinfo.k8s.yaml"
    (deployment,) = yamltext.read_documents(path)
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    container["securityContext"]["allowPrivilegeEscalation"] = True
    deployment["metadata"]["annotations"] = {
        k: v for k, v in deployment["metadata"]["annotations"].items() if not k.startswith("checkov.io/")
    }
    path.write_text(yamltext.dump(deployment))
    failed = {(c["check_id"], c["resource"]) for c in scan(folder)["results"]["failed_checks"]}
    resource = _resource(env.namespace)
    assert {("CKV_K8S_20", resource), *((s.check, resource) for s in scanner_skips(env))} <= failed
