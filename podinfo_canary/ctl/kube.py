"""The cluster side of canaryctl: the official `kubernetes` client on the current kubeconfig, and
every failure a user will meet turned into one line and an exit code of its own."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from enum import IntEnum

import urllib3
import yaml
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from podinfo_canary.core.access import OPERATOR_ROLE, OPERATOR_RULES, VIEWER_ROLE, VIEWER_RULES
from podinfo_canary.ctl.actions import Plan
from podinfo_canary.ctl.words import describe, listing, one_line

GROUP, VERSION = "argoproj.io", "v1alpha1"
REQUEST_TIMEOUT = 30  # seconds for one API call: a server that accepts and never answers fails


class CtlError(Exception):
    """A failure the user can act on: one line, and the exit code that names its kind."""

    def __init__(self, message: str, code: Exit) -> None:
        super().__init__(message)
        self.code = code


class Exit(IntEnum):
    """canaryctl's exit codes, one per kind of outcome; EXIT_CODES says what each means."""

    OK = 0
    FAILED = 1
    USAGE = 2
    NO_KUBECONFIG = 3
    UNREACHABLE = 4
    FORBIDDEN = 5
    NOT_FOUND = 6
    NO_CANARY = 7
    REFUSED = 8
    PROMETHEUS = 9
    NO_ANSWER = 10
    ABORTED = 20
    PAUSED = 21
    TIMED_OUT = 22
    NOT_HEALTHY = 30
    NOT_PROMOTED = 31
    OTHER_VERSION = 32
    ABORTED_SINCE = 33
    NOT_SOAKED = 34
    NO_PREVIOUS = 35
    INTERRUPTED = 130
    COMPLETED = 0  # how `watch` names success: the rollout completed


OK, FAILED, USAGE, NO_KUBECONFIG, UNREACHABLE = Exit.OK, Exit.FAILED, Exit.USAGE, Exit.NO_KUBECONFIG, Exit.UNREACHABLE
FORBIDDEN, NOT_FOUND, NO_CANARY, REFUSED, PROMETHEUS = Exit.FORBIDDEN, Exit.NOT_FOUND, Exit.NO_CANARY, Exit.REFUSED, Exit.PROMETHEUS
NO_ANSWER = Exit.NO_ANSWER
# How `watch` ended, for scripts and CI waiting on a rollout.
COMPLETED, ABORTED, PAUSED, TIMED_OUT, INTERRUPTED = Exit.COMPLETED, Exit.ABORTED, Exit.PAUSED, Exit.TIMED_OUT, Exit.INTERRUPTED
# Why promote-env refused: the source environment's Rollout is not the evidence the target asks for.
NOT_HEALTHY, NOT_PROMOTED, OTHER_VERSION, ABORTED_SINCE, NOT_SOAKED = (
    Exit.NOT_HEALTHY,
    Exit.NOT_PROMOTED,
    Exit.OTHER_VERSION,
    Exit.ABORTED_SINCE,
    Exit.NOT_SOAKED,
)
NO_PREVIOUS = Exit.NO_PREVIOUS

EVERY_COMMAND = "every command"
# The commands that read or change the cluster through the kubeconfig (`metrics` only without
# --canary-hash, `deploy` except --dry-run).
_CLUSTER = ("status", "promote", "abort", "retry", "pause", "resume", "analysis", "metrics", "watch", "deploy", "promote-env", "rollback")


@dataclass(frozen=True)
class ExitCode:
    code: Exit
    meaning: str
    commands: tuple[str, ...] | str  # the commands that can end with it, or EVERY_COMMAND


# The one exit-code table of canaryctl: `canaryctl --help` prints it, each command's help lists
# its codes, tests/ctl/test_ctl.py checks that every exit a command can give is here (docs/guides/canaryctl.md "canaryctl").
EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode(Exit.OK, "success; for watch: the rollout completed", EVERY_COMMAND),
    ExitCode(
        Exit.FAILED,
        "anything else refused: the API server (its answer is quoted), git, the synthesis or kubectl",
        (*_CLUSTER, "update-image", "diff"),
    ),
    ExitCode(
        Exit.USAGE,
        "usage: a bad option or argument, an unknown environment, an invalid configuration, "
        "update-image, promote-env or rollback refused (a bad tag, other uncommitted changes, cdk8s not installed; "
        "promote-env: an environment with no source), kubectl not on PATH, diff: a revision git does not know",
        EVERY_COMMAND,
    ),
    ExitCode(Exit.NO_KUBECONFIG, "no usable kubeconfig or context, or the cluster refused your credentials (401)", _CLUSTER),
    ExitCode(Exit.UNREACHABLE, "the cluster is unreachable", _CLUSTER),
    ExitCode(Exit.FORBIDDEN, "forbidden: the message names the role that grants the request", _CLUSTER),
    ExitCode(Exit.NOT_FOUND, "not found: the Rollout or AnalysisRun (deploy: Argo CD's Applications, an environment's Gateway)", _CLUSTER),
    ExitCode(Exit.NO_CANARY, "no canary in progress", ("promote", "abort", "metrics")),
    ExitCode(
        Exit.REFUSED,
        "refused: an analysis running or failed, a protected environment not confirmed, not aborted, not paused by a human; "
        "deploy: a Gateway listener that would not accept an environment's routes; "
        "update-image: a protected environment without --force and --reason (its version comes by promote-env); "
        "promote-env: --from another environment than the promotion order's without --reason",
        ("promote", "abort", "retry", "resume", "deploy", "update-image", "rollback", "promote-env"),
    ),
    ExitCode(Exit.PROMETHEUS, "Prometheus unreachable, or not Prometheus", ("metrics",)),
    ExitCode(Exit.NO_ANSWER, "test-canary: a round got no successful answer (every request failed or answered an error)", ("test-canary",)),
    ExitCode(Exit.ABORTED, "watch: the rollout aborted (or is Degraded)", ("watch",)),
    ExitCode(Exit.PAUSED, "watch --exit-on-pause: the rollout waits for a human", ("watch",)),
    ExitCode(Exit.TIMED_OUT, "watch, deploy: still not done at --timeout", ("watch", "deploy")),
    ExitCode(
        Exit.NOT_HEALTHY, "promote-env: the source's Rollout is not Healthy (or its controller has not seen its spec)", ("promote-env",)
    ),
    ExitCode(
        Exit.NOT_PROMOTED,
        "promote-env: the source's Rollout is not fully promoted (a canary in flight, steps left, paused)",
        ("promote-env",),
    ),
    ExitCode(
        Exit.OTHER_VERSION,
        "promote-env: the source runs another image than its Git config says (tag or digest); "
        "or the target needs a digest the source has none of",
        ("promote-env",),
    ),
    ExitCode(
        Exit.ABORTED_SINCE, "promote-env: the source's version was aborted, or an analysis of it failed, since it started", ("promote-env",)
    ),
    ExitCode(Exit.NOT_SOAKED, "promote-env: the source completed this version less than the target's promotion.soak ago", ("promote-env",)),
    ExitCode(Exit.NO_PREVIOUS, "rollback: no earlier version to roll back to (pass --to TAG)", ("rollback",)),
    ExitCode(Exit.INTERRUPTED, "interrupted (Ctrl-C)", EVERY_COMMAND),
)


def exit_codes(command: str) -> list[Exit]:
    """The codes `command` can end with, in the table's order."""
    return [e.code for e in EXIT_CODES if e.commands == EVERY_COMMAND or command in e.commands]


@dataclass(frozen=True)
class Target:
    """Where a command acts: the kubeconfig context (None: the current one) and the namespace."""

    namespace: str
    context: str | None = None


def kubeconfig_files() -> list[str]:
    """The kubeconfig files kubectl would read: $KUBECONFIG (a list, merged) or ~/.kube/config."""
    return [os.path.expanduser(p) for p in os.environ.get("KUBECONFIG", "~/.kube/config").split(os.pathsep) if p]


def _contexts(files: list[str]) -> tuple[list[str], str | None]:
    """The contexts of the merged kubeconfig and its current context, as kubectl merges them (the
    first file that sets a name wins)."""
    names: list[str] = []
    current = None
    for file in files:
        try:
            with open(file) as stream:
                data = yaml.safe_load(stream) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark else ""
            raise CtlError(f"kubeconfig {file} is not valid YAML{where}: fix it or set KUBECONFIG to another file", NO_KUBECONFIG) from exc
        except OSError as exc:
            raise CtlError(f"kubeconfig {file} cannot be read: {describe(exc)}", NO_KUBECONFIG) from exc
        if not isinstance(data, dict):
            raise CtlError(f"kubeconfig {file} is not a kubeconfig (a YAML mapping with contexts)", NO_KUBECONFIG)
        for entry in data.get("contexts") or []:
            name = entry.get("name") if isinstance(entry, dict) else None
            if name and name not in names:
                names.append(str(name))
        current = current or data.get("current-context") or None
    return names, current


def check_kubeconfig(context: str | None) -> str:
    """The context a command will use (`context`, else the kubeconfig's current one), or the one
    line that says why there is none: no kubeconfig, a context it does not have (named, with the
    ones it has), no current context."""
    files = [f for f in kubeconfig_files() if os.path.exists(f)]
    wanted = listing(kubeconfig_files())
    if not files:
        raise CtlError(f"no kubeconfig: {wanted} does not exist; set KUBECONFIG to your cluster's kubeconfig", NO_KUBECONFIG)
    names, current = _contexts(files)
    where = listing(files)
    if not names:
        raise CtlError(f"kubeconfig {where} has no contexts: add your cluster's, or set KUBECONFIG to another file", NO_KUBECONFIG)
    known = listing(f"{n} (current)" if n == current else n for n in names)
    if context is not None:
        if context not in names:
            raise CtlError(f"kubeconfig context '{context}' not found in {where}; its contexts: {known}", NO_KUBECONFIG)
        return context
    if current is None:
        raise CtlError(f"kubeconfig {where} sets no current context: pass --context, one of: {known}", NO_KUBECONFIG)
    if current not in names:
        raise CtlError(f"the current context '{current}' is not among the contexts of {where} ({known}): pass --context", NO_KUBECONFIG)
    return current


def api_client(context: str | None) -> client.ApiClient:
    """A client on the kubeconfig kubectl would read: $KUBECONFIG (a list, merged) or ~/.kube/config."""
    chosen = check_kubeconfig(context)
    try:
        return config.new_client_from_config(config_file=os.pathsep.join(kubeconfig_files()), context=chosen)
    except (ConfigException, OSError, ValueError, TypeError, AttributeError, KeyError, yaml.YAMLError) as exc:
        raise CtlError(f"kubeconfig context '{chosen}' is not usable: {describe(exc)}", NO_KUBECONFIG) from exc


def reach(api: client.ApiClient) -> None:
    """Ask the API server its version (`kubectl version`'s request): unreachable or refused
    credentials end here, before a command changes anything."""
    host = api.configuration.host
    try:
        client.VersionApi(api).get_code(_request_timeout=REQUEST_TIMEOUT)
    except ApiException as exc:
        if exc.status == 401:
            raise CtlError(f"the cluster at {host} refused your credentials (401): log in again", NO_KUBECONFIG) from exc
        # Any other answer: the server is there (a 403 on /version is a cluster's policy, not ours).
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise CtlError(f"cluster unreachable at {host}: {describe(exc)}", UNREACHABLE) from exc


def _grant(verb: str, resource: str) -> str:
    """Which of this project's roles grants a request (security.py), for the forbidden message."""

    def grants(rules) -> bool:
        return any(resource in resources and verb in verbs for _, resources, verbs in rules)

    if grants(VIEWER_RULES):
        return f"the ClusterRole {VIEWER_ROLE} grants it (argocd.rbac.viewer_groups, and {OPERATOR_ROLE})"
    if grants(OPERATOR_RULES):
        return f"the ClusterRole {OPERATOR_ROLE} grants it (argocd.rbac.deployer_groups)"
    return "none of this project's roles grants it"


def failure(exc: Exception, verb: str, resource: str, target: Target, name: str, host: str) -> CtlError:
    if isinstance(exc, ApiException):
        if exc.status == 403:
            return CtlError(
                f"forbidden: you may not {verb} {resource} in namespace {target.namespace}; {_grant(verb, resource)}", FORBIDDEN
            )
        if exc.status == 404:
            kind = {"rollouts": "Rollout", "analysisruns": "AnalysisRun"}.get(resource.partition("/")[0], resource)
            return CtlError(f"{' '.join(filter(None, (kind, name)))} not found in namespace {target.namespace}", NOT_FOUND)
        if exc.status == 401:
            return CtlError(f"the cluster at {host} refused your credentials (401): log in again", NO_KUBECONFIG)
        detail = exc.reason or ""
        with contextlib.suppress(ValueError, AttributeError):
            detail = json.loads(exc.body or "{}").get("message", detail)
        return CtlError(
            f"{' '.join(filter(None, (verb, resource, name)))}: the API server answered {exc.status}: {one_line(detail)}", FAILED
        )
    return CtlError(f"cluster unreachable at {host}: {describe(exc)}", UNREACHABLE)


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
            raise failure(exc, verb, resource, self.target, name, self.host) from exc

    def get(self, name: str) -> dict:
        return self._call("get", "rollouts", name, self.custom.get_namespaced_custom_object, "rollouts", name)

    def replica_sets(self, selector: str) -> list[dict]:
        """ReplicaSets of the namespace matching a label selector, as plain dicts."""
        apps = client.AppsV1Api(self.api)
        try:
            listed = apps.list_namespaced_replica_set(self.target.namespace, label_selector=selector, _request_timeout=REQUEST_TIMEOUT)
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise failure(exc, "list", "replicasets", self.target, selector, self.host) from exc
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
