"""AuditPolicy: what the Kubernetes API server records about rollouts, in its audit log.

An `audit.k8s.io/v1` Policy, synthesized to dist/audit/ for the cluster administrator: the API
server reads it from a file (`--audit-policy-file`), so no Application syncs that folder. The API
server takes the first rule that matches a request and records nothing when none does (upstream:
k8s.io/apiserver v0.36.3 pkg/audit/policy/checker.go EvaluatePolicyRule, default `LevelNone`), so
the order below is the policy. Every rule carries its reason (`AUDIT_RULES`),
which docs/security.md's generated table shows.

docs/security.md "Audit".
"""

from __future__ import annotations

from dataclasses import dataclass

import cdk8s
from constructs import Construct

from podinfo_canary.config import Platform

NAME = "podinfo-audit"
WRITES = ["create", "update", "patch", "delete", "deletecollection"]
READS = ["get", "list", "watch"]
ARGO = "argoproj.io"
# Argo Rollouts' controller service account: the argo-rollouts chart names it after the release
# (argo-helm charts/argo-rollouts templates/controller/serviceaccount.yaml, `argo-rollouts.serviceAccountName`),
# HelmChart.release.
# Argo CD's application controller (manifests/cluster-install of the pinned version).
ARGOCD_CONTROLLER = "argocd-application-controller"


@dataclass(frozen=True)
class AuditRule:
    level: str
    reason: str
    rule: dict


def service_account(namespace: str, name: str) -> str:
    return f"system:serviceaccount:{namespace}:{name}"


def audit_rules(platform: Platform) -> list[AuditRule]:
    """The policy's rules, first match wins."""
    rollouts_sa = service_account(platform.charts.argo_rollouts.namespace, platform.charts.argo_rollouts.release)
    argocd_sa = service_account(platform.argocd.namespace, ARGOCD_CONTROLLER)
    return [
        AuditRule(
            "None",
            "the kubelets' own node and pod status updates: every few seconds from every node",
            {
                "userGroups": ["system:nodes"],
                "verbs": ["update", "patch"],
                "resources": [{"group": "", "resources": ["nodes/status", "pods/status"]}],
            },
        ),
        AuditRule(
            "None",
            "leader-election leases, events and access reviews, written by the control plane all the time",
            {
                "resources": [
                    {"group": "coordination.k8s.io", "resources": ["leases"]},
                    {"group": "", "resources": ["events"]},
                    {"group": "events.k8s.io", "resources": ["events"]},
                    {"group": "authentication.k8s.io", "resources": ["tokenreviews"]},
                    {
                        "group": "authorization.k8s.io",
                        "resources": [
                            "subjectaccessreviews",
                            "selfsubjectaccessreviews",
                            "localsubjectaccessreviews",
                            "selfsubjectrulesreviews",
                        ],
                    },
                ]
            },
        ),
        AuditRule(
            "Metadata",
            "the Rollouts controller updates rollouts, their status, ReplicaSets and AnalysisRuns on every "
            "reconcile: who and when, without bodies, or the log drowns in them",
            {"users": [rollouts_sa], "verbs": WRITES},
        ),
        AuditRule(
            "Metadata",
            "Argo CD's application controller writes Application status on every refresh, and applies what Git "
            "says: the commit is the record of that change",
            {"users": [argocd_sa], "verbs": WRITES},
        ),
        AuditRule(
            "Metadata",
            "Secrets, read or written by anyone: never their values",
            {"resources": [{"group": "", "resources": ["secrets"]}]},
        ),
        AuditRule(
            "RequestResponse",
            "promote, abort, retry, pause, resume (patches to rollouts and rollouts/status) and every other change "
            "to Rollouts, AnalysisTemplates, Applications and AppProjects by a person or another tool: "
            "the request and the result",
            {
                "verbs": WRITES,
                "resources": [
                    {"group": ARGO, "resources": ["rollouts", "rollouts/status", "analysistemplates", "applications", "appprojects"]}
                ],
            },
        ),
        AuditRule(
            "Metadata",
            "a shell, attach, port-forward or proxy into a pod or node: these arrive as GET over WebSocket "
            "(apiserver requestinfo.go), so the reads rule below would drop them",
            {
                "resources": [
                    {
                        "group": "",
                        "resources": ["pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "services/proxy", "nodes/proxy"],
                    }
                ]
            },
        ),
        AuditRule("None", "reads of everything else: the volume would hide the changes", {"verbs": READS}),
        AuditRule(
            "None",
            "health and version probes",
            {"nonResourceURLs": ["/healthz*", "/livez*", "/readyz*", "/version"]},
        ),
        AuditRule("Metadata", "every other change: who did what, when, without bodies", {}),
    ]


class AuditPolicy(Construct):
    """The audit Policy (`audit.k8s.io/v1`) of the cluster.

    Args:
        platform: the namespaces of Argo CD and Argo Rollouts, whose controllers' own writes are
            recorded without bodies.
    """

    def __init__(self, scope: Construct, id: str, *, platform: Platform) -> None:
        super().__init__(scope, id)
        self.rules = audit_rules(platform)
        self.policy = cdk8s.ApiObject(
            self,
            "policy",
            api_version="audit.k8s.io/v1",
            kind="Policy",
            metadata=cdk8s.ApiObjectMetadata(name=NAME),
        )
        # The RequestReceived stage duplicates every event before the response; the rest keep all.
        self.policy.add_json_patch(cdk8s.JsonPatch.add("/omitStages", ["RequestReceived"]))
        self.policy.add_json_patch(cdk8s.JsonPatch.add("/rules", [{"level": r.level, **r.rule} for r in self.rules]))
