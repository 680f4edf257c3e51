"""The cluster side of canaryctl: the official `kubernetes` client on the current kubeconfig, and
every failure a user will meet turned into one line and an exit code of its own."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass

import urllib3
import yaml
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from podinfo_canary.access import OPERATOR_ROLE, OPERATOR_RULES, VIEWER_ROLE, VIEWER_RULES
from podinfo_canary.ctl.actions import Plan

GROUP, VERSION = "argoproj.io", "v1alpha1"
REQUEST_TIMEOUT = 30  # seconds for one API call: a server that accepts and never answers fails


class CtlError(Exception):
    """A failure the user can act on: one line, and the exit code that names its kind."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


# Exit codes, one per kind of failure (README "canaryctl").
USAGE, NO_KUBECONFIG, UNREACHABLE, FORBIDDEN, NOT_FOUND, NO_CANARY, REFUSED, PROMETHEUS = 2, 3, 4, 5, 6, 7, 8, 9
# How `watch` ended, for scripts and CI waiting on a rollout.
COMPLETED, ABORTED, PAUSED, TIMED_OUT, INTERRUPTED = 0, 20, 21, 22, 130


@dataclass(frozen=True)
class Target:
    """Where a command acts: the kubeconfig context (None: the current one) and the namespace."""

    namespace: str
    context: str | None = None


def api_client(context: str | None) -> client.ApiClient:
    """A client on the kubeconfig kubectl would read: $KUBECONFIG (a list, merged) or ~/.kube/config."""
    try:
        return config.new_client_from_config(config_file=os.environ.get("KUBECONFIG", "~/.kube/config"), context=context)
    except (ConfigException, OSError, ValueError, TypeError, AttributeError, yaml.YAMLError) as exc:
        where = f"context {context!r}" if context else "the current context"
        raise CtlError(f"no usable kubeconfig for {where}: {exc}; set KUBECONFIG or pass --context", NO_KUBECONFIG) from exc


def _grant(verb: str, resource: str) -> str:
    """Which of this project's roles grants a request (security.py), for the forbidden message."""

    def grants(rules) -> bool:
        return any(resource in resources and verb in verbs for _, resources, verbs in rules)

    if grants(VIEWER_RULES):
        return f"the ClusterRole {VIEWER_ROLE} grants it (argocd.rbac.viewer_groups, and {OPERATOR_ROLE})"
    if grants(OPERATOR_RULES):
        return f"the ClusterRole {OPERATOR_ROLE} grants it (argocd.rbac.deployer_groups)"
    return "none of this project's roles grants it"


def _failure(exc: Exception, verb: str, resource: str, target: Target, name: str, host: str) -> CtlError:
    if isinstance(exc, ApiException):
        if exc.status == 403:
            return CtlError(
                f"forbidden: you may not {verb} {resource} in namespace {target.namespace}; {_grant(verb, resource)}", FORBIDDEN
            )
        if exc.status == 404:
            kind = {"rollouts": "Rollout", "analysisruns": "AnalysisRun"}.get(resource.partition("/")[0], resource)
            return CtlError(f"{kind} {name} not found in namespace {target.namespace}", NOT_FOUND)
        if exc.status == 401:
            return CtlError(f"the cluster at {host} refused your credentials (401): log in again", NO_KUBECONFIG)
        detail = exc.reason or ""
        with contextlib.suppress(ValueError, AttributeError):
            detail = json.loads(exc.body or "{}").get("message", detail)
        return CtlError(f"{verb} {resource} {name}: the API server answered {exc.status}: {detail}", 1)
    return CtlError(f"cluster unreachable at {host}: {exc}", UNREACHABLE)


class Rollouts:
    """Rollouts and their AnalysisRuns through the custom objects API."""

    def __init__(self, target: Target, api: client.ApiClient | None = None) -> None:
        self.target = target
        self.api = api or api_client(target.context)
        self.custom = client.CustomObjectsApi(self.api)
        self.host = self.api.configuration.host

    def _call(self, verb: str, resource: str, name: str, call, *args):
        try:
            return call(GROUP, VERSION, self.target.namespace, *args, _request_timeout=REQUEST_TIMEOUT)
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _failure(exc, verb, resource, self.target, name, self.host) from exc

    def get(self, name: str) -> dict:
        return self._call("get", "rollouts", name, self.custom.get_namespaced_custom_object, "rollouts", name)

    def replica_sets(self, selector: str) -> list[dict]:
        """ReplicaSets of the namespace matching a label selector, as plain dicts."""
        apps = client.AppsV1Api(self.api)
        try:
            listed = apps.list_namespaced_replica_set(self.target.namespace, label_selector=selector, _request_timeout=REQUEST_TIMEOUT)
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _failure(exc, "list", "replicasets", self.target, selector, self.host) from exc
        return [self.api.sanitize_for_serialization(rs) for rs in listed.items]

    def analysis_runs(self, rollout: str) -> list[dict]:
        """The AnalysisRuns the Rollout owns (the controller makes the Rollout their controller
        owner: Argo Rollouts v1.9.1 rollout/analysis.go `newAnalysisRunFromRollout`), oldest first."""
        listed = self._call("list", "analysisruns", rollout, self.custom.list_namespaced_custom_object, "analysisruns")
        owned = [
            r
            for r in listed.get("items", [])
            if any(o.get("kind") == "Rollout" and o.get("name") == rollout for o in r["metadata"].get("ownerReferences", []))
        ]
        return sorted(owned, key=lambda r: r["metadata"].get("creationTimestamp", ""))

    def analysis_run_if_any(self, name: str | None) -> dict | None:
        """The AnalysisRun the Rollout's status names, or None when it is gone (garbage-collected)."""
        if not name:
            return None
        try:
            return self.analysis_run(name)
        except CtlError as error:
            if error.code == NOT_FOUND:
                return None
            raise

    def analysis_run(self, name: str) -> dict:
        return self._call("get", "analysisruns", name, self.custom.get_namespaced_custom_object, "analysisruns", name)

    def patch(self, name: str, body: dict, subresource: str | None = None) -> dict:
        if subresource == "status":
            return self._call("patch", "rollouts/status", name, self.custom.patch_namespaced_custom_object_status, "rollouts", name, body)
        return self._call("patch", "rollouts", name, self.custom.patch_namespaced_custom_object, "rollouts", name, body)

    def apply(self, name: str, plan: Plan) -> dict | None:
        """The plan's patches in order; a 404 from the status subresource (and only from it)
        switches to the plan's single patch of the Rollout, as the plugin does."""
        result = None
        for patch in plan.patches:
            try:
                result = self.patch(name, patch.body, patch.subresource)
            except CtlError as error:
                if error.code == NOT_FOUND and patch.subresource == "status" and plan.unified is not None:
                    return self.patch(name, plan.unified)
                raise
        return result
