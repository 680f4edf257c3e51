"""AuditPolicy (podinfo_canary/charts/audit/policy.py): schema-valid, never synced by Argo CD, and recording each
kind of request at the level docs/security.md promises, evaluated as the API server does."""

from __future__ import annotations

import copy

import pytest

from podinfo_canary.charts.audit.policy import ARGOCD_CONTROLLER, service_account
from tests.conftest import find, one
from tools.validate import validate


def _policy(objects) -> dict:
    return one(objects, "Policy", "podinfo-audit", "audit")


def audit_level(
    policy: dict,
    *,
    user: str,
    groups=(),
    verb: str,
    group: str = "",
    resource: str = "",
    subresource: str = "",
    name: str = "",
    namespace: str = "",
    path: str = "",
) -> str:
    """The level the API server records a request at: the first rule that matches, else None
    (k8s.io/apiserver v0.36.3 pkg/audit/policy/checker.go `EvaluatePolicyRule`, `ruleMatches`,
    `ruleMatchesResource`, `ruleMatchesNonResource`: a rule's users, groups and verbs must match
    when listed; a rule with namespaces or resources matches resource requests only: the
    namespace must be listed, and a resource `resource` or `resource/subresource`, `*`, `*/sub`
    or `res/*`, within resourceNames when given; non-resource URLs match exactly or by a trailing
    `*`)."""
    for rule in policy["rules"]:
        if rule.get("users") and user not in rule["users"]:
            continue
        if rule.get("userGroups") and not set(groups) & set(rule["userGroups"]):
            continue
        if rule.get("verbs") and verb not in rule["verbs"]:
            continue
        if rule.get("namespaces") or rule.get("resources"):
            if path or (rule.get("namespaces") and namespace not in rule["namespaces"]):
                continue
            if rule.get("resources") and not _resource_matches(rule, group, resource, subresource, name):
                continue
        elif rule.get("nonResourceURLs") and not (
            path and any(u == path or (u.endswith("*") and path.startswith(u[:-1])) for u in rule["nonResourceURLs"])
        ):
            continue
        return rule["level"]
    return "None"


def _resource_matches(rule: dict, group: str, resource: str, subresource: str, name: str) -> bool:
    combined = f"{resource}/{subresource}" if subresource else resource
    for entry in rule["resources"]:
        if entry.get("group", "") not in (group, "*"):
            continue
        if not entry.get("resources"):
            return True
        if entry.get("resourceNames") and name not in entry["resourceNames"]:
            continue
        for res in entry["resources"]:
            if res in (combined, "*") or (subresource and res == f"*/{subresource}") or (res.endswith("/*") and res[:-2] == resource):
                return True
    return False


def _cases(config) -> list[tuple[str, dict, str]]:
    person = {"user": "alice@example.com", "groups": ["podinfo-deployers"]}
    rollouts = service_account(config.platform.charts.argo_rollouts.namespace, "argo-rollouts")
    argocd = service_account(config.platform.argocd.namespace, ARGOCD_CONTROLLER)
    argo = {"group": "argoproj.io"}
    return [
        (
            "promote, abort or retry (status patch)",
            {**person, "verb": "patch", **argo, "resource": "rollouts", "subresource": "status"},
            "RequestResponse",
        ),
        ("pause or resume (spec patch)", {**person, "verb": "patch", **argo, "resource": "rollouts"}, "RequestResponse"),
        ("an AnalysisTemplate edited", {**person, "verb": "update", **argo, "resource": "analysistemplates"}, "RequestResponse"),
        ("an Application deleted", {**person, "verb": "delete", **argo, "resource": "applications"}, "RequestResponse"),
        ("an AppProject changed", {**person, "verb": "patch", **argo, "resource": "appprojects"}, "RequestResponse"),
        (
            "an Argo CD action (argocd-server)",
            {"user": service_account("argocd", "argocd-server"), "verb": "patch", **argo, "resource": "rollouts", "subresource": "status"},
            "RequestResponse",
        ),
        ("a Secret read", {**person, "verb": "get", "resource": "secrets"}, "Metadata"),
        ("a Secret written", {**person, "verb": "update", "resource": "secrets"}, "Metadata"),
        (
            "the Rollouts controller's status update",
            {"user": rollouts, "verb": "update", **argo, "resource": "rollouts", "subresource": "status"},
            "Metadata",
        ),
        ("Argo CD applying Git", {"user": argocd, "verb": "patch", **argo, "resource": "rollouts"}, "Metadata"),
        ("Argo CD's Application status", {"user": argocd, "verb": "patch", **argo, "resource": "applications"}, "Metadata"),
        ("a controller's watch", {"user": rollouts, "verb": "watch", **argo, "resource": "rollouts"}, "None"),
        ("a pod list", {**person, "verb": "list", "resource": "pods"}, "None"),
        ("a health probe", {"user": "system:anonymous", "verb": "get", "path": "/readyz"}, "None"),
        ("a ConfigMap created", {**person, "verb": "create", "resource": "configmaps"}, "Metadata"),
        ("a shell in a pod (WebSocket: a GET)", {**person, "verb": "get", "resource": "pods", "subresource": "exec"}, "Metadata"),
        ("a port-forward", {**person, "verb": "get", "resource": "pods", "subresource": "portforward"}, "Metadata"),
        (
            "a kubelet's node status",
            {"user": "system:node:n1", "groups": ["system:nodes"], "verb": "patch", "resource": "nodes", "subresource": "status"},
            "None",
        ),
        (
            "the Rollouts controller's leader lease",
            {"user": rollouts, "verb": "update", "group": "coordination.k8s.io", "resource": "leases"},
            "None",
        ),
        (
            "a lease renewed by a component",
            {"user": "system:kube-scheduler", "verb": "update", "group": "coordination.k8s.io", "resource": "leases"},
            "None",
        ),
        ("an event", {"user": "system:kube-scheduler", "verb": "create", "resource": "events"}, "None"),
    ]


def wrong_levels(policy: dict, config) -> list[str]:
    wrong = []
    for name, request, expected in _cases(config):
        got = audit_level(policy, **request)
        if got != expected:
            wrong.append(f"{name}: {got}, expected {expected}")
    return wrong


def test_audit_policy_is_schema_valid(objects):
    policy = _policy(objects)
    assert validate(policy) == []
    broken = copy.deepcopy(policy)
    broken["rules"][0]["level"] = "Everything"
    broken["rules"][1]["resource"] = [{"group": ""}]
    problems = validate(broken)
    assert any("Everything" in p for p in problems) and any("resource" in p for p in problems), problems


def test_each_request_is_recorded_at_the_promised_level(objects, config):
    assert wrong_levels(_policy(objects), config) == []


def _catch_all_first(policy):
    policy["rules"].insert(0, policy["rules"].pop())
    return policy


def _no_secret_rule(policy):
    policy["rules"] = [r for r in policy["rules"] if r.get("resources") != [{"group": "", "resources": ["secrets"]}]]
    return policy


def _controllers_fully(policy):
    rule = next(r for r in policy["rules"] if r.get("users") and "rollouts" in r["users"][0])
    del rule["verbs"]
    return policy


def _exec_after_reads(policy):
    rules = policy["rules"]
    shell = next(r for r in rules if any("pods/exec" in e.get("resources", []) for e in r.get("resources", [])))
    rules.remove(shell)
    rules.insert(len(rules) - 1, shell)
    return policy


@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        (_catch_all_first, "promote, abort or retry (status patch): Metadata"),
        (_no_secret_rule, "a Secret read: None"),
        (_controllers_fully, "a controller's watch: Metadata"),
        (_exec_after_reads, "a shell in a pod (WebSocket: a GET): None"),
    ],
)
def test_a_reordered_or_missing_rule_is_caught(breaker, expected, objects, config):
    assert expected in "\n".join(wrong_levels(breaker(copy.deepcopy(_policy(objects))), config))


def test_no_application_syncs_the_audit_folder(objects, config):
    """The API server reads the policy from a file; Argo CD must not try to apply it. Applications
    read fixed paths, the ApplicationSet `<dist>/{{.environment}}` for its listed environments."""
    dist = config.platform.git.dist_path
    synced = {a["spec"]["source"]["path"] for a in find(objects, "Application") if a["spec"]["source"].get("path", "").startswith(dist)}
    appset = one(objects, "ApplicationSet", "podinfo")["spec"]
    template = appset["template"]["spec"]["source"]["path"]
    synced |= {template.replace("{{.environment}}", e["environment"]) for g in appset["generators"] for e in g["list"]["elements"]}
    assert synced == {f"{dist}/argocd", *(f"{dist}/{e.name}" for e in config.environments)}
    assert f"{dist}/audit" not in synced
    assert [path for path, _ in objects if path.startswith("audit/")] == ["audit/Policy.podinfo-audit.k8s.yaml"]


def test_the_evaluator_honours_namespaces_and_resource_names():
    policy = {
        "rules": [
            {"level": "RequestResponse", "namespaces": ["prod"]},
            {"level": "Request", "resources": [{"group": "", "resources": ["configmaps"], "resourceNames": ["a"]}]},
        ]
    }
    assert audit_level(policy, user="u", verb="get", resource="pods", namespace="prod") == "RequestResponse"
    assert audit_level(policy, user="u", verb="get", resource="pods", namespace="dev") == "None"
    assert audit_level(policy, user="u", verb="get", path="/healthz") == "None"
    assert audit_level(policy, user="u", verb="get", resource="configmaps", name="a") == "Request"
    assert audit_level(policy, user="u", verb="get", resource="configmaps", name="b") == "None"


def test_the_api_servers_validation_rules_are_applied():
    """pkg/apis/audit/validation/validation.go `validatePolicyRule`: no rule for both resources and
    non-resource URLs, URLs start with `/` and carry `*` only last, group names are DNS
    subdomains, resourceNames need resources."""
    base = {"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "metadata": {"name": "x"}}
    bad_rules = [
        {"level": "None", "nonResourceURLs": ["/healthz"], "namespaces": ["a"]},
        {"level": "None", "nonResourceURLs": ["healthz"]},
        {"level": "None", "nonResourceURLs": ["/he*lthz"]},
        {"level": "None", "resources": [{"group": "Not_A_Group"}]},
        {"level": "None", "resources": [{"group": "", "resourceNames": ["a"]}]},
    ]
    for rule in bad_rules:
        assert validate({**base, "rules": [rule]}), rule
    assert validate({**base, "rules": [{"level": "None", "nonResourceURLs": ["/healthz*", "*"]}]}) == []
