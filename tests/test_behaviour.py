"""Behaviour, not bytes: invariants between objects that a snapshot update would wave through.

A snapshot pins what a construct builds, so after `make snapshot-update` it accepts any change.
These tests state what the objects must mean to the controllers that read them, as checkers that
return a list of problems:

- `traffic_problems`: the Rollout's stable and canary Services, the routes that use them, the
  pods every analysis measures, capacity during a rollout and under a PodDisruptionBudget;
- `argocd_problems`: which AppProject holds each Application, what the projects allow, and the
  sync and deletion settings, each with its reason;
- `flow_problems`: every configured value reaches every object that uses it.

Each checker passes on the committed configuration and on the fixture configuration (both
routers, autoscaling, every stage shape, values that differ from the defaults and from each
other), and each test below also breaks a construct on purpose (a monkeypatched helper or a
wrong prop, never an edit of the source) and asserts that the checker names the breakage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from fnmatch import fnmatch
from itertools import pairwise
from pathlib import Path

import cdk8s
import pytest
from cdk8s_plus_27 import k8s
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import model_validator

from imports.argocd.io import argoproj as argo
from imports.rollouts.io import argoproj as ro
from podinfo_canary import app as app_module
from podinfo_canary import config as config_module
from podinfo_canary.charts.environment import podmonitor
from podinfo_canary.charts.environment.analysis import AnalysisSuite
from podinfo_canary.charts.environment.chart import PodinfoEnvironment
from podinfo_canary.charts.environment.observability import ObservabilityStack
from podinfo_canary.charts.environment.rollout import RolloutCanary
from podinfo_canary.charts.platform import apps as platform_module
from podinfo_canary.charts.platform import argocd as argocd_module
from podinfo_canary.charts.platform.argocd import ArgoCdStack
from podinfo_canary.config import AUDIT_FOLDER, BOOTSTRAP_FOLDER, AlertPolicies, Environment, duration_seconds
from podinfo_canary.core import plan, workload
from podinfo_canary.core import promql as metrics
from podinfo_canary.model.controller import RolloutSpec, optimistic
from podinfo_canary.model.world import PodBehaviour, Version, World
from tests.conftest import ROOT, vector_selectors, wald_weights

FIXTURE = ROOT / "tests" / "fixtures" / "config"
HASH_ARG = "canary-hash"
SENTINEL = "canaryhash"  # the placeholder, substituted so that regex matchers parse
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"


# --- building objects in-process --------------------------------------------------------------


def env_objects(env: Environment, platform) -> list[dict]:
    """One environment chart, synthesized in memory."""
    return PodinfoEnvironment(cdk8s.App(), env.name, environment=env, platform=platform).to_json()


def app_objects(cfg) -> dict[str, list[dict]]:
    """Every chart of the app (environments and argocd), by chart name."""
    app = app_module.build(cfg, Path("unused"))
    return {chart.node.id: chart.to_json() for chart in app.charts}


@pytest.fixture(scope="module")
def configs() -> dict[str, config_module.Config]:
    return {"committed": config_module.load(ROOT / "config"), "fixture": config_module.load(FIXTURE)}


@pytest.fixture(scope="module")
def built(configs) -> dict[str, dict[str, list[dict]]]:
    return {name: app_objects(cfg) for name, cfg in configs.items()}


def _env(configs, name: str) -> tuple[Environment, object]:
    """An environment of the fixture configuration and its platform: the breakages below are written
    for its values, and config/ may hold an environment of the same name."""
    fixture = configs["fixture"]
    for env in fixture.environments:
        if env.name == name:
            return env, fixture.platform
    raise KeyError(name)


def _named(objs: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def _the(objs: list[dict], kind: str) -> dict:
    (only,) = [o for o in objs if o["kind"] == kind]
    return only


def _wrap(monkeypatch, owner, name: str, change: Callable) -> None:
    """Replace owner.name by a version whose keyword arguments pass through `change` first."""
    original = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *args, **kwargs: original(*args, **change(kwargs)))


# --- 1. Rollout and traffic wiring ---------------------------------------------------------------


def _int(value) -> int | None:
    return value if isinstance(value, int) else None


def measured_pods(query: str, namespace: str) -> list[str]:
    """Selectors of a query that do not measure exactly the canary's pods in `namespace`.

    A podinfo series names the canary by the label the PodMonitor copies from the pod
    (`rollouts_pod_template_hash`); cAdvisor and kube-state-metrics series only by pod name,
    which the Rollouts controller builds as <rollout>-<pod-template-hash>-<suffix>."""
    wrong = []
    for selector in vector_selectors(query, SENTINEL):
        matchers = {(m.name, str(m.op)): m.value for m in selector.matchers.matchers}
        in_namespace = matchers.get(("namespace", "MatchOp.Equal")) == namespace
        by_label = matchers.get((workload.HASH_SERIES_LABEL, "MatchOp.Equal")) == SENTINEL
        by_name = matchers.get(("pod", "MatchOp.Re")) == f"podinfo-{SENTINEL}-.*"
        if not (in_namespace and (by_label or by_name)):
            wrong.append(f"{selector.name}{{{', '.join(f'{k[0]}' for k in matchers)}}}")
    return wrong


def traffic_problems(objs: list[dict], env: Environment) -> list[str]:
    problems: list[str] = []
    rollout = _the(objs, "Rollout")
    spec, canary = rollout["spec"], rollout["spec"]["strategy"]["canary"]
    pods = spec["selector"]["matchLabels"]
    template = spec["template"]
    if not template["metadata"]["labels"].items() >= pods.items():
        problems.append("the pod template does not carry the Rollout's selector labels")
    container_ports = {p["name"]: p["containerPort"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
    args = [a for c in template["spec"]["containers"] for a in c.get("args", [])]
    # podinfo serves requests on --port and metrics on --port-metrics (podinfo 6.14.1 cmd/podinfo).
    serving = {name for name, number in container_ports.items() if f"--port={number}" in args}
    container = template["spec"]["containers"][0]
    # On SIGTERM podinfo turns /readyz to 503 and keeps /healthz at 200 while it drains (6.14.1
    # pkg/signals/shutdown.go `Graceful`, pkg/api/http/health.go): readiness must read /readyz,
    # so the pod leaves the Services' endpoints, and liveness /healthz, so draining is not a kill.
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = container.get(probe, {}).get("httpGet", {})
        if get.get("path") != path or get.get("port") not in serving:
            problems.append(f"{probe} reads {get.get('path')} on {get.get('port')!r}, not {path} on the serving port {sorted(serving)}")
    services = _named(objs, "Service")
    stable, canary_service = canary["stableService"], canary["canaryService"]
    if stable == canary_service:
        problems.append(f"stableService and canaryService are the same Service {stable!r}")
    for role, name in (("stableService", stable), ("canaryService", canary_service)):
        service = services.get(name)
        if service is None:
            problems.append(f"{role} {name!r} names no Service of the chart")
            continue
        # The controller adds the pod-template hash to these selectors; they must start as the Rollout's.
        if service["spec"]["selector"] != pods:
            problems.append(f"{role} {name!r} selects {service['spec']['selector']}, the Rollout's pods are {pods}")
        for port in service["spec"]["ports"]:
            if port["targetPort"] not in serving and port["targetPort"] not in {container_ports[s] for s in serving}:
                problems.append(f"{role} {name!r} targets port {port['targetPort']!r}, not the serving port {sorted(serving)}")
    service_ports = {p["name"]: p["port"] for s in services.values() for p in s["spec"]["ports"]}

    # Routing: stable takes all traffic at rest, the controller moves the canary's share.
    if env.traffic_router == "nginx":
        nginx = canary["trafficRouting"]["nginx"]
        ingress = _named(objs, "Ingress").get(nginx["stableIngress"])
        if ingress is None:
            problems.append(f"stableIngress {nginx['stableIngress']!r} names no Ingress of the chart")
        else:
            backends = [p["backend"]["service"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
            if {b["name"] for b in backends} != {stable}:
                problems.append(f"the stable Ingress routes to {sorted({b['name'] for b in backends})}, not only to {stable!r}")
            if any(b["port"].get("name") not in service_ports for b in backends):
                problems.append("the stable Ingress names a port the Services do not have")
            if sorted(r["host"] for r in ingress["spec"]["rules"]) != sorted(env.hosts):
                problems.append(f"the stable Ingress serves {[r['host'] for r in ingress['spec']['rules']]}, config says {env.hosts}")
        # ingress-nginx reads this annotation on the canary Ingress the controller clones.
        if nginx.get("additionalIngressAnnotations") != {"canary-by-header": "X-Canary"}:
            problems.append(f"header routing is {nginx.get('additionalIngressAnnotations')}, not canary-by-header X-Canary")
    else:
        plugin = canary["trafficRouting"]["plugins"]["argoproj-labs/gatewayAPI"]
        routes = _named(objs, "HTTPRoute")
        for ref in plugin["httpRoutes"]:
            route = routes.get(ref["name"])
            if route is None:
                problems.append(f"the plugin names HTTPRoute {ref['name']!r}, which the chart lacks")
                continue
            for rule in route["spec"]["rules"]:
                weights = {b["name"]: b.get("weight") for b in rule["backendRefs"]}
                if weights != {stable: 100, canary_service: 0}:
                    problems.append(f"HTTPRoute {ref['name']!r} weights {weights}; at rest stable {stable!r} takes 100")
                if any(b["port"] not in service_ports.values() for b in rule["backendRefs"]):
                    problems.append(f"HTTPRoute {ref['name']!r} names a port the Services do not have")
        header_routes = [s["setHeaderRoute"]["name"] for s in canary["steps"] if "setHeaderRoute" in s]
        managed = [r["name"] for r in canary["trafficRouting"].get("managedRoutes", [])]
        if not header_routes or not set(header_routes) <= set(managed):
            problems.append(f"header routes {header_routes} are not all managed routes {managed} (removed at the end)")
        matches = [m for s in canary["steps"] if "setHeaderRoute" in s for m in s["setHeaderRoute"]["match"]]
        if matches != [{"headerName": "X-Canary", "headerValue": {"exact": "always"}}]:
            problems.append(f"the header route matches {matches}, not X-Canary: always")

    # Which pods every analysis measures: the canary's, through the latest pod-template hash.
    templates = _named(objs, "AnalysisTemplate")
    references = [("background", canary.get("analysis"))]
    references += [(f"step {i}", s["analysis"]) for i, s in enumerate(canary["steps"]) if "analysis" in s]
    if references[0][1] is None:
        problems.append("no background analysis")
    for where, ref in references:
        if ref is None:
            continue
        passed = {a["name"]: a.get("valueFrom") for a in ref.get("args", [])}
        for name in (t["templateName"] for t in ref["templates"]):
            if name not in templates:
                problems.append(f"{where} names template {name!r}, which the chart lacks")
                continue
            declared = {a["name"] for a in templates[name]["spec"].get("args", [])}
            if declared != set(passed):
                problems.append(f"{where} passes {sorted(passed)} to {name}, which declares {sorted(declared)}")
            if passed.get(HASH_ARG) != {"podTemplateHashValue": "Latest"}:
                problems.append(f"{where} gives {name} the {HASH_ARG} {passed.get(HASH_ARG)}, not the latest (canary) hash")
            for metric in templates[name]["spec"]["metrics"]:
                wrong = measured_pods(metric["provider"]["prometheus"]["query"], env.namespace)
                if wrong:
                    problems.append(f"{name}/{metric['name']} measures beyond the canary in {env.namespace}: {wrong}")
    monitor = _the(objs, "PodMonitor")
    if workload.HASH_SERIES_LABEL.replace("_", "-") not in monitor["spec"].get("podTargetLabels", []):
        problems.append(f"the PodMonitor does not copy the pod label the queries read as {workload.HASH_SERIES_LABEL}")
    if not template["metadata"]["labels"].items() >= monitor["spec"]["selector"]["matchLabels"].items():
        problems.append("the PodMonitor does not select the Rollout's pods")
    for endpoint in monitor["spec"]["podMetricsEndpoints"]:
        port = container_ports.get(endpoint["port"])
        if port is None or f"--port-metrics={port}" not in args:
            problems.append(f"the PodMonitor scrapes port {endpoint['port']!r}, not the container's metrics port (--port-metrics)")

    # Capacity: a rollout adds canary pods, never removes stable ones first; a node drain may
    # evict a pod at a time but never every pod.
    replicas = spec.get("replicas") or (env.autoscaling.min_replicas if env.autoscaling else None)
    if _int(canary.get("maxUnavailable")) != 0:
        problems.append(f"maxUnavailable is {canary.get('maxUnavailable')!r}: stable capacity drops while the canary starts")
    if canary.get("maxSurge") in (None, 0, "0%"):
        problems.append("maxSurge is 0: with maxUnavailable 0 the canary could never start")
    pdb = _the(objs, "PodDisruptionBudget")["spec"]
    if pdb["selector"]["matchLabels"] != pods:
        problems.append(f"the PodDisruptionBudget selects {pdb['selector']['matchLabels']}, the Rollout's pods are {pods}")
    if "maxUnavailable" in pdb:
        evictable = _int(pdb["maxUnavailable"])
    else:
        evictable = None if _int(pdb.get("minAvailable")) is None else replicas - pdb["minAvailable"]
    if evictable is None or evictable < 1:
        problems.append(f"the PodDisruptionBudget ({pdb}) blocks every eviction: node drains hang")
    elif replicas > 1 and evictable >= replicas:
        problems.append(f"the PodDisruptionBudget ({pdb}) lets a drain evict all {replicas} pods at once")
    return problems


def _swap_services(method):
    """A RolloutCanary method run with its stable and canary Services swapped."""

    def broken(self, *args):
        self.stable_service, self.canary_service = self.canary_service, self.stable_service
        try:
            return method(self, *args)
        finally:
            self.stable_service, self.canary_service = self.canary_service, self.stable_service

    return broken


def _hash_from(kind: str) -> Callable:
    return lambda kwargs: {**kwargs, "pod_template_hash_value": kind}


# The originals, for breakages that call them with a wrong argument.
_ORIG_SERVICE = RolloutCanary._service
_ORIG_INGRESS = RolloutCanary._stable_ingress
_ORIG_ROUTE = RolloutCanary._http_route
_ORIG_PODS = metrics.Selector.pods
_ORIG_MAX_UNAVAILABLE = ro.RolloutSpecStrategyCanaryMaxUnavailable.from_number
_ORIG_INT_OR_STRING = k8s.IntOrString.from_number
_ORIG_INT_OR_STRING_S = k8s.IntOrString.from_string

# breakage -> (environment, what the checker must say, how to break the construct)
TRAFFIC_BREAKAGES: dict[str, tuple[str, str, Callable]] = {
    "one Service for both tracks": (
        "edge",
        "are the same Service",
        lambda mp: mp.setattr(RolloutCanary, "_service", lambda self, id, name: _ORIG_SERVICE(self, id, "podinfo-stable")),
    ),
    "stable Ingress to the canary Service": (
        "edge",
        "the stable Ingress routes to",
        lambda mp: mp.setattr(RolloutCanary, "_stable_ingress", _swap_services(_ORIG_INGRESS)),
    ),
    "HTTPRoute weights on the canary": (
        "canary-gw",
        "at rest stable",
        lambda mp: mp.setattr(RolloutCanary, "_http_route", _swap_services(_ORIG_ROUTE)),
    ),
    "step analysis of the stable hash": (
        "edge",
        "step 4 gives podinfo-error-rate",
        lambda mp: _wrap(mp, ro, "RolloutSpecStrategyCanaryStepsAnalysisArgsValueFrom", _hash_from("Stable")),
    ),
    "background analysis of the stable hash": (
        "canary-gw",
        "background gives podinfo-complete-analysis",
        lambda mp: _wrap(mp, ro, "RolloutSpecStrategyCanaryAnalysisArgsValueFrom", _hash_from("Stable")),
    ),
    "CPU measured on every podinfo pod": (
        "edge",
        "cpu-usage measures beyond the canary",
        lambda mp: mp.setattr(metrics.Selector, "pods", lambda self, extra="": _ORIG_PODS(replace(self, pod_hash=None), extra)),
    ),
    "maxUnavailable 1": (
        "edge",
        "stable capacity drops",
        lambda mp: mp.setattr(
            ro.RolloutSpecStrategyCanaryMaxUnavailable, "from_number", staticmethod(lambda value: _ORIG_MAX_UNAVAILABLE(1))
        ),
    ),
    "PodDisruptionBudget of 0": (
        "edge",
        "blocks every eviction",
        lambda mp: mp.setattr(k8s.IntOrString, "from_number", staticmethod(lambda value: _ORIG_INT_OR_STRING(0))),
    ),
    "Services sending traffic to the metrics port": (
        "edge",
        "not the serving port",
        lambda mp: _wrap(mp, k8s, "ServicePort", lambda kw: {**kw, "target_port": _ORIG_INT_OR_STRING_S("http-metrics")}),
    ),
    "readiness read from /healthz": (
        "canary-gw",
        "readinessProbe reads /healthz",
        lambda mp: _wrap(mp, ro, "RolloutSpecTemplateSpecContainersReadinessProbeHttpGet", lambda kw: {**kw, "path": "/healthz"}),
    ),
    "PodMonitor on a port the pod lacks": (
        "edge",
        "not the container's metrics port",
        lambda mp: _wrap(mp, podmonitor.mon, "PodMonitorSpecPodMetricsEndpoints", lambda kw: {**kw, "port": "metrics"}),
    ),
    "PodMonitor without the hash label": (
        "canary-gw",
        "does not copy the pod label",
        lambda mp: mp.setattr(podmonitor, "HASH_LABEL", "pod-template-hash"),
    ),
}


def test_traffic_wiring_holds_for_every_environment_and_router(built, configs):
    for name, cfg in configs.items():
        for env in cfg.environments:
            assert traffic_problems(built[name][env.name], env) == [], (name, env.name)


@pytest.mark.parametrize("breakage", TRAFFIC_BREAKAGES)
def test_traffic_wiring_breakages_are_named(breakage, configs, monkeypatch):
    env_name, expected, apply = TRAFFIC_BREAKAGES[breakage]
    env, platform = _env(configs, env_name)
    apply(monkeypatch)
    problems = traffic_problems(env_objects(env, platform), env)
    assert any(expected in p for p in problems), problems


# --- 2. Argo CD wiring -----------------------------------------------------------------------------

# Sync and deletion settings, with the reason for each (asserted by argocd_problems):
# - `argocd` (Argo CD managing itself): prune off. A bad commit must not be able to delete the
#   controller that would revert it. Self-heal on: a manual edit is undone.
# - every other platform Application (bootstrap, the pinned charts): prune on, so a chart upgrade
#   removes what the new version dropped; self-heal on.
# - no platform Application carries the resources finalizer: deleting one (a commit that drops it
#   from dist/argocd/, pruned by `bootstrap`) leaves its controller running, because Argo CD
#   deletes an Application's resources only when it has that finalizer (v3.5.1
#   pkg/apis/application/v1alpha1/types.go `CascadedDeletion`, checked by controller/appcontroller.go
#   `finalizeApplicationDeletion`).
# - environments (the ApplicationSet's Applications): prune on (an object removed from
#   dist/<env>/ goes), self-heal on (Git is the only writer), and `preserveResourcesOnDeletion`
#   on: otherwise the ApplicationSet gives every generated Application the resources finalizer
#   (v3.5.1 applicationset/utils/utils.go `RenderTemplateParams`), and dropping an environment
#   from config or deleting the ApplicationSet would delete the live workloads.
SELF_MANAGED = "argocd"


def _emitted_kinds(env_charts: list[list[dict]]) -> set[tuple]:
    """(group, kind) of namespaced objects, (group, kind, name) of cluster-scoped ones."""
    out = set()
    for objs in env_charts:
        for obj in objs:
            group = obj["apiVersion"].rpartition("/")[0]
            namespaced = "namespace" in obj["metadata"]
            out.add((group, obj["kind"]) if namespaced else (group, obj["kind"], obj["metadata"]["name"]))
    return out


def _allows(project: dict, server: str, namespace: str, repo: str) -> bool:
    spec = project["spec"]
    destination = any(d["server"] in (server, "*") and fnmatch(namespace, d["namespace"]) for d in spec["destinations"])
    return destination and any(fnmatch(repo, r) for r in spec["sourceRepos"])


def argocd_problems(argocd: list[dict], env_charts: list[list[dict]], cfg) -> list[str]:
    problems: list[str] = []
    projects = _named(argocd, "AppProject")
    if set(projects) != {"platform", "podinfo"}:
        return [f"AppProjects {sorted(projects)}, expected platform and podinfo"]
    for name, app in _named(argocd, "Application").items():
        spec = app["spec"]
        # Every Application of dist/argocd/ is platform: Argo CD itself, bootstrap, the pinned charts.
        if spec["project"] != "platform":
            problems.append(f"Application {name} is in project {spec['project']!r}, platform Applications belong to 'platform'")
        elif not _allows(projects["platform"], spec["destination"]["server"], spec["destination"]["namespace"], spec["source"]["repoURL"]):
            problems.append(f"Application {name}: project platform does not allow its destination or source")
        if RESOURCES_FINALIZER in app["metadata"].get("finalizers", []):
            problems.append(f"Application {name} has the resources finalizer: deleting it would delete its workload")
        automated = spec.get("syncPolicy", {}).get("automated", {})
        if automated.get("prune") is not (name != SELF_MANAGED):
            reason = "must never prune Argo CD itself" if name == SELF_MANAGED else "must prune what a chart upgrade drops"
            problems.append(f"Application {name} prune={automated.get('prune')}: {reason}")
        if automated.get("selfHeal") is not True:
            problems.append(f"Application {name} selfHeal={automated.get('selfHeal')}: manual edits would stay")

    appset = _the(argocd, "ApplicationSet")["spec"]
    template = appset["template"]["spec"]
    if template["project"] != "podinfo":
        problems.append(f"the environments' Applications are in project {template['project']!r}, not 'podinfo'")
    for element in appset["generators"][0]["list"]["elements"]:
        if not _allows(projects["podinfo"], element["server"], element["namespace"], template["source"]["repoURL"]):
            problems.append(f"environment {element['environment']}: project podinfo does not allow its destination or source")
    podinfo = projects["podinfo"]["spec"]
    destinations = {(d["server"], d["namespace"]) for d in podinfo["destinations"]}
    if destinations != {(e.cluster.server, e.namespace) for e in cfg.environments}:
        problems.append(f"project podinfo allows destinations {sorted(destinations)}, not exactly the environments'")
    if podinfo["sourceRepos"] != [cfg.platform.git.repo_url]:
        problems.append(f"project podinfo allows sources {podinfo['sourceRepos']}, not only the Git repository")
    allowed = {(k["group"], k["kind"]) for k in podinfo.get("namespaceResourceWhitelist", [])}
    allowed |= {(k["group"], k["kind"], k.get("name")) for k in podinfo.get("clusterResourceWhitelist", [])}
    emitted = _emitted_kinds(env_charts)
    if allowed != emitted:
        problems.append(
            f"project podinfo whitelists {sorted(allowed - emitted)} beyond, and misses {sorted(emitted - allowed)} of, the kinds emitted"
        )
    if appset.get("syncPolicy", {}).get("preserveResourcesOnDeletion") is not True:
        problems.append("the ApplicationSet does not preserve resources on deletion: dropping an environment deletes its workloads")
    if RESOURCES_FINALIZER in appset["template"]["metadata"].get("finalizers", []):
        problems.append("the environments' Applications have the resources finalizer")
    if template["syncPolicy"].get("automated") != {"prune": True, "selfHeal": True}:
        problems.append(f"the environments sync with {template['syncPolicy'].get('automated')}, not prune and selfHeal")
    return problems


def argocd_objects(cfg, kinds) -> list[dict]:
    """The argocd chart alone, built with the given environment kinds (its prop)."""
    chart = cdk8s.Chart(cdk8s.App(), BOOTSTRAP_FOLDER)
    ArgoCdStack(chart, "argocd", platform=cfg.platform, environments=cfg.environments, environment_kinds=kinds)
    return chart.to_json()


def _env_charts(built_app: dict[str, list[dict]]) -> list[list[dict]]:
    return [objs for name, objs in built_app.items() if name not in (BOOTSTRAP_FOLDER, AUDIT_FOLDER)]


def _kinds(cfg) -> list:
    return [
        k
        for env in cfg.environments
        for k in PodinfoEnvironment(cdk8s.App(), env.name, environment=env, platform=cfg.platform).managed_kinds()
    ]


ARGOCD_BREAKAGES: dict[str, tuple[str, Callable]] = {
    "a platform chart in the podinfo project": (
        "in project 'podinfo'",
        lambda mp, kinds: _wrap(mp, argo, "ApplicationSpec", lambda kw: {**kw, "project": "podinfo"}),
    ),
    "environments in the platform project": (
        "in project 'platform', not 'podinfo'",
        lambda mp, kinds: _wrap(mp, argo, "ApplicationSetSpecTemplateSpec", lambda kw: {**kw, "project": "platform"}),
    ),
    "destinations widened to every namespace": (
        "not exactly the environments'",
        lambda mp, kinds: _wrap(mp, argo, "AppProjectSpecDestinations", lambda kw: {**kw, "namespace": "*"}),
    ),
    "a kind missing from the whitelist": (
        "misses [('policy', 'PodDisruptionBudget')]",
        lambda mp, kinds: kinds.__setitem__(slice(None), [k for k in kinds if k.kind != "PodDisruptionBudget"]),
    ),
    "Argo CD prunes itself": (
        "must never prune Argo CD itself",
        lambda mp, kinds: _wrap(mp, argocd_module, "platform_application", lambda kw: {**kw, "prune": True}),
    ),
    "platform charts never prune": (
        "must prune what a chart upgrade drops",
        lambda mp, kinds: _wrap(mp, platform_module, "sync_policy", lambda kw: {**kw, "prune": False}),
    ),
    "environments deleted with the ApplicationSet": (
        "does not preserve resources on deletion",
        lambda mp, kinds: _wrap(mp, argo, "ApplicationSetSpecSyncPolicy", lambda kw: {**kw, "preserve_resources_on_deletion": False}),
    ),
    "environments without self-heal": (
        "not prune and selfHeal",
        lambda mp, kinds: _wrap(mp, argo, "ApplicationSetSpecTemplateSpecSyncPolicyAutomated", lambda kw: {**kw, "self_heal": False}),
    ),
}


def test_argocd_wiring_holds_for_both_configurations(built, configs):
    for name, cfg in configs.items():
        assert argocd_problems(built[name][BOOTSTRAP_FOLDER], _env_charts(built[name]), cfg) == [], name


@pytest.mark.parametrize("breakage", ARGOCD_BREAKAGES)
def test_argocd_wiring_breakages_are_named(breakage, built, configs, monkeypatch):
    expected, apply = ARGOCD_BREAKAGES[breakage]
    cfg = configs["fixture"]
    kinds = _kinds(cfg)
    apply(monkeypatch, kinds)
    problems = argocd_problems(argocd_objects(cfg, kinds), _env_charts(built["fixture"]), cfg)
    assert any(expected in p for p in problems), problems


# --- 3. Values that must flow from config ----------------------------------------------------------

SHARES = {"server-errors": None, "unsuccessful": None, "slower-than-p95": 0.05, "slower-than-p99": 0.01}


def _seconds(value) -> int:
    return value if isinstance(value, int) else duration_seconds(value)


def flow_problems(objs: list[dict], env: Environment, platform) -> list[str]:
    problems: list[str] = []

    def expect(what: str, actual, wanted) -> None:
        if actual != wanted:
            problems.append(f"{what}: {actual!r}, config says {wanted!r}")

    for obj in objs:
        if obj["kind"] != "Namespace":
            expect(f"{obj['kind']}/{obj['metadata']['name']} namespace", obj["metadata"].get("namespace"), env.namespace)
    expect("Namespace", _the(objs, "Namespace")["metadata"]["name"], env.namespace)
    rollout = _the(objs, "Rollout")
    spec, canary = rollout["spec"], rollout["spec"]["strategy"]["canary"]
    expect("image", spec["template"]["spec"]["containers"][0]["image"], f"{env.image.repository}:{env.image.tag}")
    hpa = [o for o in objs if o["kind"] == "HorizontalPodAutoscaler"]
    if env.autoscaling:
        expect("Rollout replicas (the HPA owns them)", spec.get("replicas"), None)
        auto = hpa[0]["spec"] if hpa else {}
        expect("HPA minReplicas", auto.get("minReplicas"), env.autoscaling.min_replicas)
        expect("HPA maxReplicas", auto.get("maxReplicas"), env.autoscaling.max_replicas)
        expect(
            "HPA cpu target",
            auto.get("metrics", [{}])[0].get("resource", {}).get("target", {}).get("averageUtilization"),
            env.autoscaling.cpu_utilization,
        )
    else:
        expect("Rollout replicas", spec.get("replicas"), env.replicas)
        expect("HPAs", len(hpa), 0)
    if env.traffic_router == "nginx":
        ingress = _the(objs, "Ingress")["spec"]
        expect("Ingress hosts", sorted(r["host"] for r in ingress["rules"]), sorted(env.hosts))
        expect("Ingress TLS hosts", sorted(ingress["tls"][0]["hosts"]), sorted(env.hosts))
        certificate = _the(objs, "Certificate")["spec"]
        expect("Certificate names", sorted(certificate["dnsNames"]), sorted(env.hosts))
        expect("Certificate issuer", certificate["issuerRef"]["name"], platform.tls.cluster_issuer)
    else:
        route = _the(objs, "HTTPRoute")["spec"]
        expect("HTTPRoute hostnames", sorted(route["hostnames"]), sorted(env.hosts))
        expect("HTTPRoute parent", route["parentRefs"], [{"name": env.gateway.name, "namespace": env.gateway.namespace}])
    subscriptions = {
        (k.rpartition(".")[2], v)
        for k, v in rollout["metadata"]["annotations"].items()
        if k.startswith("notifications.argoproj.io/subscribe.")
    }
    wanted_subscriptions = {("slack", env.notifications.slack_channel)}
    if env.notifications.email:
        wanted_subscriptions.add(("email", ";".join(env.notifications.email)))
    expect("Rollout notification recipients", subscriptions, wanted_subscriptions)

    # Stages -> steps.
    stages, steps = [], [s for s in canary["steps"] if "setHeaderRoute" not in s]
    for step in steps:
        if "setWeight" in step:
            stages.append({"weight": step["setWeight"], "pause": None, "gate": None, "analysis": []})
        elif "pause" in step:
            duration = step["pause"].get("duration")
            stages[-1]["gate" if duration is None else "pause"] = "manual" if duration is None else _seconds(duration)
        elif "analysis" in step:
            stages[-1]["analysis"] += [t["templateName"] for t in step["analysis"]["templates"]]
    wanted = [
        {"weight": s.weight, "pause": _seconds(s.pause) if s.pause else None, "gate": s.gate, "analysis": list(s.analysis)}
        for s in env.canary.stages
    ]
    expect("stages", stages, wanted)

    # SLOs and decision parameters -> every metric of every template.
    slo, decision = env.slo, env.decision
    shares = {**SHARES, "server-errors": slo.error_rate_max, "unsuccessful": 1 - slo.success_rate_min}
    bounds = {"slower-than-p95": slo.latency_p95_max_ms, "slower-than-p99": slo.latency_p99_max_ms}
    look, saturation = duration_seconds(decision.look_interval), duration_seconds(slo.saturation_interval)
    error_limit = math.ceil(duration_seconds(decision.prometheus_outage_tolerance) / 10)  # retried every 10 s
    for template in _named(objs, "AnalysisTemplate").values():
        for metric in template["spec"]["metrics"]:
            where = f"{template['metadata']['name']}/{metric['name']}"
            query, condition = metric["provider"]["prometheus"]["query"], metric["successCondition"]
            expect(f"{where} address", metric["provider"]["prometheus"]["address"], platform.prometheus_address)
            expect(f"{where} consecutiveErrorLimit", metric.get("consecutiveErrorLimit"), error_limit)
            name = metric["name"]
            if name in shares:
                bad, total = wald_weights(shares[name], decision.healthy_fraction)
                found = [float(w) for w in re.findall(r"\* (-?\d+\.\d+)", query)]
                if len(found) != 2 or not all(math.isclose(a, b, abs_tol=2e-6) for a, b in zip(found, (bad, total), strict=True)):
                    problems.append(f"{where} weights {found}, the SLO's share {shares[name]:g} gives {bad:.6f} and {total:.6f}")
                expect(f"{where} threshold", condition.rpartition("< ")[2], f"{math.log(1 / decision.false_abort_max):.4f}")
                expect(f"{where} interval", _seconds(metric["interval"]), look)
                if name in bounds:
                    (pattern,) = re.findall(r'le=~"([^"]+)"', query)
                    if not re.fullmatch(pattern.replace("\\\\", "\\"), f"{bounds[name] / 1000:g}"):
                        problems.append(f"{where} counts requests under le=~{pattern}, the bound is {bounds[name]} ms")
            elif name in ("cpu-usage", "memory-usage"):
                limit = slo.cpu_usage_max if name == "cpu-usage" else slo.memory_usage_max
                expect(f"{where} limit", condition.rpartition("<= ")[2], f"{limit:g}")
                expect(f"{where} interval", _seconds(metric["interval"]), saturation)
            elif name == "canary-restarts":
                expect(f"{where} limit", condition, f"result[0] <= {slo.canary_restarts_max}")
                expect(f"{where} interval", _seconds(metric["interval"]), look)
            elif name == "canary-requests":
                expect(f"{where} minimum", condition.rpartition(">= ")[2], str(slo.min_canary_requests))
                expect(f"{where} interval", _seconds(metric["interval"]), look)
                looks = duration_seconds(decision.evidence_wait) // look + 1
                expect(f"{where} count", metric.get("count"), looks)
                # Ends at the first success; Inconclusive only once every look was short of evidence.
                expect(f"{where} limits", (metric.get("consecutiveSuccessLimit"), metric.get("inconclusiveLimit")), (1, looks - 1))
            else:
                problems.append(f"{where}: a metric this checker does not know; teach it which config values it reads")
    expect("PodMonitor release label", _the(objs, "PodMonitor")["metadata"]["labels"].get("release"), platform.prometheus_release)

    # Alerts: thresholds from slo:, durations, severities, window and minimum traffic from alerting.
    alerting, rule = platform.alerting, _the(objs, "PrometheusRule")
    expect("PrometheusRule release label", rule["metadata"]["labels"].get("release"), platform.prometheus_release)
    policies = {
        "PodinfoHighErrorRate": (alerting.rules.high_error_rate, f"> {slo.error_rate_max:g} "),
        "PodinfoLowSuccessRate": (alerting.rules.low_success_rate, f"< {slo.success_rate_min:g} "),
        "PodinfoHighLatency": (alerting.rules.high_latency, f"> {slo.latency_p95_max_ms / 1000:g} "),
        "PodinfoInstanceDown": (alerting.rules.instance_down, None),
        "PodinfoRolloutFailed": (alerting.rules.rollout_failed, None),
        "PodinfoCanaryAnalysisFailed": (alerting.rules.canary_analysis_failed, f"[{alerting.rate_window}]"),
        "PodinfoCanaryFailedWhilePaused": (alerting.rules.canary_failed_while_paused, None),
        "PodinfoCanaryErrorLogs": (alerting.rules.canary_error_logs, f"* 60 > {platform.logging.canary_error_lines_per_minute:g} "),
    }
    alerts = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r}
    expect("alerts", sorted(alerts), sorted(policies))
    for name, (policy, threshold) in policies.items():
        alert = alerts.get(name, {})
        expect(f"{name} for", alert.get("for"), policy.for_)
        expect(f"{name} severity", alert.get("labels", {}).get("severity"), policy.severity)
        if threshold and threshold not in alert.get("expr", ""):
            problems.append(f"{name} does not compare with {threshold.strip()}: {alert.get('expr')}")
        if threshold and threshold.startswith(("<", ">")) and f">= {alerting.min_request_rate:g}" not in alert.get("expr", ""):
            problems.append(f"{name} does not require {alerting.min_request_rate:g} req/s of stable traffic")
        page, _, _ = alert.get("annotations", {}).get("runbook_url", "").partition("#")
        expect(f"{name} runbook", page, alerting.runbook_url)
    routing, am = alerting.routing, _the(objs, "AlertmanagerConfig")["spec"]
    route = am["route"]
    expect(
        "alert grouping",
        (route.get("groupWait"), route.get("groupInterval"), route.get("repeatInterval")),
        (routing.group_wait, routing.group_interval, routing.repeat_interval),
    )
    slack = {c["channel"] for r in am["receivers"] for c in r.get("slackConfigs", [])}
    expect("alert Slack channels", slack, {f"#{env.notifications.slack_channel}"})
    emails = [c for r in am["receivers"] for c in r.get("emailConfigs", [])]
    expect("alert e-mail recipients", [c["to"] for c in emails], list(env.notifications.email))
    expect(
        "SMTP relay",
        {(c["smarthost"], c["from"], c["authUsername"]) for c in emails},
        {(routing.smtp_smarthost, routing.smtp_from, routing.smtp_username)} if emails else set(),
    )
    # Every recorded rate is over the window (pod counts are a count now, no window).
    records = [
        (r["record"], r["expr"]) for g in rule["spec"]["groups"] for r in g["rules"] if "record" in r and not r["record"].endswith(":count")
    ]
    if not records or not all(n.endswith(f"rate{alerting.rate_window}") and f"[{alerting.rate_window}]" in e for n, e in records):
        problems.append(f"recorded series {[n for n, _ in records]} are not all over {alerting.rate_window}")
    return problems


def _init_with(monkeypatch, cls, change: Callable) -> None:
    """Build every `cls` with its keyword props passed through `change` (a wrong prop)."""
    original = cls.__init__
    monkeypatch.setattr(cls, "__init__", lambda self, scope, id, **kwargs: original(self, scope, id, **change(kwargs)))


def _constant(prop: str, **values) -> Callable:
    """A construct that ignores config for `values` of its `prop` and uses constants instead."""
    return lambda kwargs: {**kwargs, prop: kwargs[prop].model_copy(update=values)}


FLOW_BREAKAGES: dict[str, tuple[str, Callable]] = {
    "error rate typed in": ("server-errors weights", lambda mp: _init_with(mp, AnalysisSuite, _constant("slo", error_rate_max=0.05))),
    "P99 bound typed in": (
        "slower-than-p99 counts requests",
        lambda mp: _init_with(mp, AnalysisSuite, _constant("slo", latency_p99_max_ms=1000)),
    ),
    "look interval typed in": (
        "server-errors interval",
        lambda mp: _init_with(mp, AnalysisSuite, _constant("decision", look_interval="5s")),
    ),
    "evidence minimum typed in": (
        "canary-requests minimum",
        lambda mp: _init_with(mp, AnalysisSuite, _constant("slo", min_canary_requests=40)),
    ),
    "outage tolerance typed in": (
        "consecutiveErrorLimit",
        lambda mp: _init_with(mp, AnalysisSuite, _constant("decision", prometheus_outage_tolerance="5m")),
    ),
    "replicas typed in": ("Rollout replicas", lambda mp: _init_with(mp, RolloutCanary, _constant("environment", replicas=3))),
    "pause typed in": (
        "stages",
        lambda mp: mp.setattr(ro.RolloutSpecStrategyCanaryStepsPauseDuration, "from_string", staticmethod(lambda _: _ORIG_PAUSE("2m"))),
    ),
    "alert severity typed in": (
        "PodinfoHighLatency severity",
        lambda mp: _init_with(mp, ObservabilityStack, _constant("alerting", rules=AlertPolicies())),
    ),
    "alert window typed in": ("are not all over", lambda mp: _init_with(mp, ObservabilityStack, _constant("alerting", rate_window="5m"))),
    "alert e-mail dropped": (
        "alert e-mail recipients",
        lambda mp: _init_with(mp, ObservabilityStack, _constant("notifications", email=[])),
    ),
    "release label typed in": (
        "PodMonitor release label",
        lambda mp: _init_with(mp, podmonitor.PodinfoPodMonitor, lambda kw: {**kw, "release": "kube-prometheus-stack"}),
    ),
}
_ORIG_PAUSE = ro.RolloutSpecStrategyCanaryStepsPauseDuration.from_string


def test_every_configured_value_reaches_its_objects(built, configs):
    for name, cfg in configs.items():
        for env in cfg.environments:
            assert flow_problems(built[name][env.name], env, cfg.platform) == [], (name, env.name)


@pytest.mark.parametrize("breakage", FLOW_BREAKAGES)
def test_a_constant_typed_into_a_construct_is_named(breakage, configs, monkeypatch):
    """On the fixture's edge environment, whose values all differ from the defaults."""
    expected, apply = FLOW_BREAKAGES[breakage]
    env, platform = _env(configs, "edge")
    apply(monkeypatch)
    problems = flow_problems(env_objects(env, platform), env, platform)
    assert any(expected in p for p in problems), problems


_bounds = st.lists(st.sampled_from(config_module.LATENCY_BUCKETS_MS), min_size=2, max_size=2, unique=True).map(sorted)


@st.composite
def _stages(draw) -> list[dict]:
    cuts = sorted(draw(st.sets(st.integers(1, 99), max_size=4)))
    templates = [t for t in config_module.ANALYSIS_TEMPLATES if t != config_module.BACKGROUND_TEMPLATE]
    out = []
    for weight in [*cuts, 100]:
        stage: dict = {"weight": weight}
        wait = draw(st.sampled_from(["pause", "gate", None]))
        if wait == "pause":
            stage["pause"] = f"{draw(st.integers(1, 5400))}s"
        elif wait == "gate":
            stage["gate"] = "manual"
        stage["analysis"] = draw(st.lists(st.sampled_from(templates), unique=True, max_size=3))
        out.append(stage)
    return out


@st.composite
def _environments(draw, base: Environment) -> Environment:
    p95, p99 = draw(_bounds)
    look = draw(st.integers(1, 60))
    slo = {
        "success_rate_min": draw(st.floats(0.5, 0.999)),
        "error_rate_max": draw(st.floats(0.001, 0.3)),
        "latency_p95_max_ms": p95,
        "latency_p99_max_ms": p99,
        "cpu_usage_max": draw(st.floats(0.05, 1.0)),
        "memory_usage_max": draw(st.floats(0.05, 1.0)),
        "saturation_interval": f"{draw(st.integers(5, 600))}s",
        "min_canary_requests": draw(st.integers(1, 100_000)),
        "canary_restarts_max": draw(st.integers(0, 100)),
    }
    decision = {
        "false_abort_max": draw(st.floats(0.0001, 0.2)),
        "healthy_fraction": draw(st.floats(0.05, 0.95)),
        "look_interval": f"{look}s",
        "evidence_wait": f"{draw(st.integers(look, 1800))}s",
        "prometheus_outage_tolerance": f"{draw(st.integers(10, 3600))}s",
    }
    data = base.model_dump(mode="json")
    data.update(
        replicas=draw(st.integers(1, 100)),
        image={"repository": base.image.repository, "tag": draw(st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True))},
        canary={"stages": draw(_stages())},
        slo=slo,
        decision=decision,
    )
    return Environment.model_validate(data, strict=False)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_configurations_flow_to_their_objects(configs, data):
    """Values drawn at random (and so, almost surely, unlike any constant typed into a construct)."""
    base, platform = _env(configs, data.draw(st.sampled_from(["edge", "canary-gw"])))
    env = data.draw(_environments(base))
    assert flow_problems(env_objects(env, platform), env, platform) == []


# --- 4. Validator edges -----------------------------------------------------------------------------

FILE = Path("env.yaml")


def _verdict(model, data: dict) -> list[str]:
    """The problem lines config.load would print for `data` ([] when accepted)."""
    try:
        config_module._validate(model, data, FILE, {})
    except config_module.ConfigError as exc:
        return exc.problems
    return []


def _blamed_stages(problems: list[str]) -> set[int]:
    return {int(i) for p in problems for i in re.findall(r"^env\.yaml: stages\[(\d+)\]\.weight", p)}


def weights_property(model) -> None:
    """Weights are accepted exactly when they rise strictly to a last stage of 100, each in 1..100;
    otherwise the stages blamed are the ones out of range, or else the first one not above its
    predecessor, or else the last one."""

    @settings(max_examples=300, deadline=None, derandomize=True, database=None)
    @given(st.lists(st.integers(-2, 102), max_size=6))
    @example([100])
    @example([50, 50, 100])
    @example([1, 99, 100])
    @example([10, 30, 99])
    def check(weights):
        problems = _verdict(model, {"stages": [{"weight": w} for w in weights]})
        out_of_range = {i for i, w in enumerate(weights) if not 0 < w <= 100}
        not_rising = [i for i in range(1, len(weights)) if weights[i] <= weights[i - 1]]
        if not weights:
            assert problems and "stages" in problems[0]
        elif out_of_range:
            assert _blamed_stages(problems) == out_of_range, (weights, problems)
        elif not_rising:
            assert _blamed_stages(problems) == {not_rising[0]}, (weights, problems)
        elif weights[-1] != 100:
            assert _blamed_stages(problems) == {len(weights) - 1}, (weights, problems)
        else:
            assert problems == [], (weights, problems)

    check()


def test_stage_weights_are_accepted_exactly_when_they_rise_to_100():
    weights_property(config_module.CanaryPolicy)


def test_the_weight_property_catches_a_validator_that_allows_equal_weights():
    class Lax(config_module.Strict):
        stages: list[config_module.Stage]

        @model_validator(mode="after")
        def _rising(self):
            weights = [s.weight for s in self.stages]
            if any(b < a for a, b in pairwise(weights)) or weights[-1:] != [100]:
                raise ValueError("weights")
            return self

    with pytest.raises((AssertionError, ExceptionGroup)):  # a group when several examples fail
        weights_property(Lax)


def pause_property() -> None:
    """A pause is accepted exactly when it lasts from 1 s to 24 h; the gate and a pause exclude each other."""

    @settings(max_examples=200, deadline=None, derandomize=True, database=None)
    @given(st.integers(0, 30), st.integers(0, 90), st.integers(0, 90), st.booleans())
    @example(24, 0, 0, False)
    @example(23, 59, 60, False)
    @example(24, 0, 1, False)
    @example(0, 0, 0, False)
    @example(0, 0, 1, True)
    def check(hours, minutes, seconds, gate):
        text = f"{hours}h{minutes}m{seconds}s"
        problems = _verdict(config_module.Stage, {"weight": 100, "pause": text, **({"gate": "manual"} if gate else {})})
        total = hours * 3600 + minutes * 60 + seconds
        assert (problems == []) == (0 < total <= 24 * 3600 and not gate), (text, gate, problems)

    check()


def test_pauses_are_accepted_from_one_second_to_24_hours():
    pause_property()


def test_the_pause_property_catches_an_off_by_one_bound(monkeypatch):
    monkeypatch.setattr(config_module.environment, "MAX_PAUSE_SECONDS", 24 * 3600 - 1)
    with pytest.raises((AssertionError, ExceptionGroup)):
        pause_property()


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.one_of(st.sampled_from([0.0, 1.0, 1e-9, 1.0000001, 95.0, -0.1]), st.floats(-1, 2, allow_nan=False)))
def test_ratios_are_accepted_exactly_in_0_to_1(value):
    for field in ("success_rate_min", "error_rate_max", "cpu_usage_max", "memory_usage_max"):
        problems = _verdict(config_module.Slo, {field: value})
        if 0 < value <= 1:
            assert problems == [], (field, value)
        else:
            assert len(problems) == 1 and problems[0].startswith(f"env.yaml: {field} = {value!r}:"), problems
            if value > 1:
                assert "a ratio" in problems[0], problems


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.integers(1, 12_000), st.integers(1, 12_000))
@example(500, 500)
@example(500, 250)
def test_latency_bounds_are_bucket_bounds_with_p99_not_below_p95(p95, p99):
    buckets = config_module.LATENCY_BUCKETS_MS
    p95 = p95 if p95 % 7 else buckets[p95 % len(buckets)]  # often a bucket bound, sometimes not
    p99 = p99 if p99 % 5 else buckets[p99 % len(buckets)]
    problems = _verdict(config_module.Slo, {"latency_p95_max_ms": p95, "latency_p99_max_ms": p99})
    valid = p95 in buckets and p99 in buckets and p99 >= p95
    assert (problems == []) == valid, (p95, p99, problems)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.integers(-1, 120), st.integers(-1, 520))
@example(3, 3)
@example(4, 3)
def test_autoscaling_bounds(low, high):
    problems = _verdict(config_module.Autoscaling, {"min_replicas": low, "max_replicas": high})
    assert (problems == []) == (1 <= low <= 100 and 1 <= high <= 500 and high >= low), (low, high, problems)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.floats(-0.1, 1.1, allow_nan=False), st.floats(-0.1, 1.1, allow_nan=False))
@example(0.2, 0.5)
@example(0.2000001, 0.5)
@example(0.005, 1.0)
def test_decision_bounds(false_abort, healthy):
    problems = _verdict(config_module.Decision, {"false_abort_max": false_abort, "healthy_fraction": healthy})
    assert (problems == []) == (0 < false_abort <= 0.2 and 0 < healthy < 1), (false_abort, healthy, problems)


def test_a_manual_gate_may_stand_at_any_stage():
    """First (edge fixture: approve before any traffic), middle, or last (bake at 100% while the old
    ReplicaSet is still the stable one an abort returns to)."""
    for gate in range(3):
        stages = [{"weight": w, **({"gate": "manual"} if i == gate else {})} for i, w in enumerate([10, 50, 100])]
        assert _verdict(config_module.CanaryPolicy, {"stages": stages}) == [], gate


# --- 6. The plan and the controller model agree -----------------------------------------------------


def plan_model_problems(objs: list[dict], startup: int = 0) -> list[str]:
    """The plan's arithmetic (podinfo_canary/core/plan.py) against the controller model's simulation of a
    healthy canary (podinfo_canary/model/controller.py): when each stage starts, when promotion ends."""
    rollout, templates = _the(objs, "Rollout"), _named(objs, "AnalysisTemplate")
    planned = plan.build_plan(rollout, templates)
    world = World(namespace=rollout["metadata"]["namespace"], total_rps=100, canary=Version(pods=PodBehaviour(startup_seconds=startup)))
    healthy = optimistic(RolloutSpec.from_objects(rollout, templates), world, gate_wait=0)
    problems = []
    if (healthy.result, healthy.at) != ("promoted", planned.promotion_seconds + (planned.scale_ups or 0) * startup):
        problems.append(f"the model {healthy.result} at {healthy.at}s, the plan promotes at {planned.promotion_seconds}s")
    elapsed = 0
    for index, stage in enumerate(planned.stages):
        started = healthy.step_started.get(stage.steps[0])
        if startup == 0 and started != elapsed:
            problems.append(f"stage {index} (step {stage.steps[0]}): the model starts it at {started}s, the plan at {elapsed}s")
        elapsed += (stage.pause_seconds or 0) + stage.analysis_seconds
    return problems


def test_the_plan_and_the_controller_model_agree_on_every_environment(built, configs):
    for name, cfg in configs.items():
        for env in cfg.environments:
            objs = built[name][env.name]
            assert plan_model_problems(objs) == [], (name, env.name)
            if not env.autoscaling:  # with an HPA the plan cannot know how many pods start
                assert plan_model_problems(objs, startup=7) == [], (name, env.name)


def test_a_plan_that_reads_count_instead_of_consecutive_successes_disagrees(built, monkeypatch):
    """The evidence gate ends at its first success (consecutiveSuccessLimit 1), not after `count`."""
    monkeypatch.setattr(plan, "_metric_seconds", lambda m: (int(m.get("count", 1)) - 1) * _seconds(m.get("interval", 0)))
    problems = plan_model_problems(built["fixture"]["edge"])
    assert any("the plan promotes at" in p for p in problems), problems
