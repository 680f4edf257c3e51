"""Who may do what to a rollout, as data without jsii (canaryctl reads it without starting Node).

The rules of the rollout-viewer and rollout-operator ClusterRoles (RolloutRoles, security.py), the
Kubernetes requests behind each Argo CD Rollout action, and Argo CD's RBAC policy built from the
same groups. docs/security.md "Who may do what"."""

from __future__ import annotations

from podinfo_canary.config import Rbac

READ = ["get", "list", "watch"]
# (API group, resources, verbs): what `rollout-viewer` grants: what `kubectl argo rollouts get rollout
# --watch` reads (upstream: argo-rollouts v1.9.1 pkg/kubectl-argo-rollouts/viewcontroller/viewcontroller.go
# newViewController), plus AnalysisTemplates, pod logs and events. Never Secrets.
VIEWER_RULES = (
    ("argoproj.io", ("rollouts", "analysisruns", "analysistemplates", "experiments"), READ),
    ("apps", ("replicasets", "deployments"), READ),
    ("", ("pods", "pods/log", "events"), READ),
    ("events.k8s.io", ("events",), READ),
)
# What `rollout-operator` adds: the requests promote, abort, retry, pause, resume and restart make
# (upstream: argo-rollouts v1.9.1 pkg/kubectl-argo-rollouts/cmd/{promote,abort,retry,pause,restart}:
# `Patch(...)`, with the "status" subresource for status fields). No `update`: the plugin's
# `set image` would need it, and an image change is a commit.
OPERATOR_RULES = (("argoproj.io", ("rollouts", "rollouts/status"), ["patch"]),)
# The Kubernetes requests behind each Argo CD Rollout action (argo-cd v3.5.1
# resource_customizations/argoproj.io/Rollout/actions/<action>/action.lua: which of spec and
# status each one changes) and its kubectl-argo-rollouts equivalent (cmd/promote, cmd/abort,
# cmd/retry): (verb, resource) pairs, all in the Rollouts API group.
ACTION_REQUESTS = {
    "resume": {("get", "rollouts"), ("patch", "rollouts/status"), ("patch", "rollouts")},  # promote
    "abort": {("patch", "rollouts/status")},  # abort
    "retry": {("patch", "rollouts/status")},  # retry rollout
    "promote-full": {("get", "rollouts"), ("patch", "rollouts/status")},  # promote --full
    "skip-current-step": {("get", "rollouts"), ("patch", "rollouts/status")},  # promote (paused at a step)
}
VIEWER_ROLE, OPERATOR_ROLE = "rollout-viewer", "rollout-operator"


def argocd_rbac(rbac: Rbac) -> dict[str, str]:
    """argocd-rbac-cm: read-only by default; deployers sync podinfo and run the Rollout actions.

    The actions are those of ACTION_REQUESTS, from the UI or `argocd app actions run`.
    `skip-current-step` moves past a step whose analysis was Inconclusive; `resume` only clears the
    pause, so the same step's analysis runs again (docs/guides/rollout-control.md "Promote, pause, resume, abort, retry")."""
    lines = [
        "p, role:deployer, applications, get, podinfo/*, allow",
        "p, role:deployer, applications, sync, podinfo/*, allow",
        *(f"p, role:deployer, applications, action/argoproj.io/Rollout/{a}, podinfo/*, allow" for a in ACTION_REQUESTS),
        "p, role:deployer, logs, get, podinfo/*, allow",
        *(f"g, {group}, role:deployer" for group in rbac.deployer_groups),
        *(f"g, {group}, role:admin" for group in rbac.admin_groups),
    ]
    return {"policy.default": "role:readonly", "policy.csv": "\n".join(lines) + "\n", "scopes": "[groups]"}
