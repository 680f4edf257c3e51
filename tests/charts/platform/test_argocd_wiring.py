"""Argo CD wiring: which AppProject holds each Application, what the projects allow, and the sync and
deletion settings with their reasons; each named breakage is caught.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatch

import cdk8s
import pytest

from imports.argocd.io import argoproj as argo
from podinfo_canary.charts.environment.chart import PodinfoEnvironment
from podinfo_canary.charts.platform import apps as platform_module
from podinfo_canary.charts.platform import argocd as argocd_module
from podinfo_canary.charts.platform.argocd import ArgoCdStack
from podinfo_canary.config import AUDIT_FOLDER, BOOTSTRAP_FOLDER
from tests.behaviour import RESOURCES_FINALIZER, _named, _the, _wrap

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
    # An Istio environment's TLS Certificate lives in the ingress gateway's namespace (charts/environment/mesh.py).
    wanted = {(e.cluster.server, e.namespace) for e in cfg.environments}
    wanted |= {(e.cluster.server, cfg.platform.istio.ingress_namespace) for e in cfg.environments if e.traffic_router == "istio"}
    if destinations != wanted:
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
