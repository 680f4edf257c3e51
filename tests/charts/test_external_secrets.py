"""ExternalSecrets (`secrets.form: external`): each out-of-band Secret's ExternalSecret produces
exactly the Secret its reader reads, checked from the readers' own objects (the AlertmanagerConfig's
Secret references, the Rollouts and Argo CD notifier `$key`s, argocd-cm's `$secret:key`, Argo CD's
repository declaration); the manual form synthesizes none; the sync waves put each before its
readers; the external form's bootstrap applies the repository's ExternalSecret by hand. Each named
breakage is caught."""

from __future__ import annotations

import re
from collections.abc import Callable

import cdk8s
import pytest
import yaml

from imports.externalsecrets.io import external_secrets as eso
from podinfo_canary.charts.environment.chart import PodinfoEnvironment
from podinfo_canary.charts.external_secrets import ExternalSecrets
from podinfo_canary.config import AUDIT_FOLDER, BOOTSTRAP_FOLDER, EnvironmentSecrets
from podinfo_canary.core import waves
from podinfo_canary.core.bootstrap import hand_applied_files
from podinfo_canary.core.secrets import environment_secrets, platform_secrets
from tests.behaviour import _named, _wrap, app_objects
from tests.conftest import run_main

REFERENCE = re.compile(r"\$([A-Za-z0-9._-]+)")  # notifications-engine's `$key` of its Secret


def _wave(obj: dict) -> int:
    return int(obj["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0"))


def _produced(objs: list[dict]) -> dict[tuple[str, str], dict]:
    """(namespace, Secret name) -> the ExternalSecret writing it."""
    return {(o["metadata"]["namespace"], o["spec"]["target"]["name"]): o for o in objs if o["kind"] == "ExternalSecret"}


def _keys(external_secret: dict) -> set[str]:
    return {d["secretKey"] for d in external_secret["spec"]["data"]}


def source_problems(charts: dict[str, list[dict]], cfg) -> list[str]:
    """Each Secret of the external form has one ExternalSecret, in its reader's namespace, reading
    each key from the configured store, remote key and property; the manual form has none."""
    problems = []
    secrets = [*platform_secrets(cfg.platform), *(s for e in cfg.environments for s in environment_secrets(e, cfg.platform))]
    expected = set()
    for secret in secrets:
        chart = charts[secret.environment or BOOTSTRAP_FOLDER]
        found = _produced(chart).get((secret.namespace, secret.name))
        if not secret.external:
            if found:
                problems.append(f"{secret.where}: an ExternalSecret although its form is manual")
            continue
        expected.add((secret.namespace, secret.name))
        if found is None:
            problems.append(f"{secret.where}: no ExternalSecret writes it")
            continue
        spec = found["spec"]
        # ESO's admission rules (v2.9.0 apis/externalsecrets/v1/externalsecret_validator.go).
        written = [d["secretKey"] for d in spec.get("data", [])]
        if not written or len(written) != len(set(written)):
            problems.append(f"{secret.where}: ESO refuses data {written}: empty, or a secretKey twice")
        if spec["target"].get("deletionPolicy") == "Delete" and spec["target"].get("creationPolicy") != "Owner":
            problems.append(f"{secret.where}: ESO refuses deletionPolicy Delete without creationPolicy Owner")
        if found["metadata"]["name"] != secret.name:
            problems.append(f"{secret.where}: its ExternalSecret is named {found['metadata']['name']}")
        if spec["secretStoreRef"] != {"kind": "ClusterSecretStore", "name": secret.source.store}:
            problems.append(f"{secret.where}: reads from {spec['secretStoreRef']}, not ClusterSecretStore {secret.source.store}")
        if spec.get("refreshInterval") != secret.source.refresh_interval:
            problems.append(f"{secret.where}: refreshInterval {spec.get('refreshInterval')}, not {secret.source.refresh_interval}")
        reads = {d["secretKey"]: d["remoteRef"] for d in spec["data"]}
        if set(reads) != set(secret.keys):
            problems.append(f"{secret.where}: writes keys {sorted(reads)}, its reader reads {sorted(secret.keys)}")
        for key, ref in reads.items():
            property_ = secret.remote.property_of(key)
            if ref.get("key") != secret.remote.key or ref.get("property") != property_:
                problems.append(f"{secret.where}: {key} from {ref}, not key {secret.remote.key} property {property_}")
        policy = spec["target"].get("creationPolicy")
        if policy != ("Merge" if secret.created_by else "Owner"):
            why = f"{secret.created_by} creates it" if secret.created_by else "nothing else creates it"
            problems.append(f"{secret.where}: creationPolicy {policy}, but {why}")
        template = spec["target"].get("template")
        if template is None:
            problems.append(f"{secret.where}: no template: ESO would copy the ExternalSecret's labels and annotations onto the Secret")
            continue
        labels = template.get("metadata", {}).get("labels", {})
        if not dict(secret.labels).items() <= labels.items():
            problems.append(f"{secret.where}: the Secret is labelled {labels}, its reader needs {dict(secret.labels)}")
        if template.get("data", {}) != dict(secret.fields):
            problems.append(f"{secret.where}: its template writes {template.get('data', {})}, not {dict(secret.fields)}")
        if secret.fields and template.get("mergePolicy") != "Merge":
            problems.append(f"{secret.where}: template data without mergePolicy Merge replaces the keys read from the store")
    extra = {k for objs in charts.values() for k in _produced(objs)} - expected
    problems += [f"{ns}/{name}: an ExternalSecret no out-of-band Secret asks for" for ns, name in sorted(extra)]
    return problems


def reader_problems(charts: dict[str, list[dict]], cfg) -> list[str]:
    """From the readers' side: every Secret key they reference is written by an ExternalSecret in
    their namespace (where the form is external), with the labels they select it by."""
    problems = []
    argocd = charts[BOOTSTRAP_FOLDER]
    platform = cfg.platform
    ns = platform.argocd.namespace

    def need(chart: list[dict], namespace: str, name: str, keys: set[str], reader: str, labels: dict | None = None) -> None:
        found = _produced(chart).get((namespace, name))
        if found is None:
            problems.append(f"{reader} reads {namespace}/{name}, which no ExternalSecret writes")
            return
        if not keys <= _keys(found):
            problems.append(
                f"{reader} reads keys {sorted(keys - _keys(found))} of {namespace}/{name}, which its ExternalSecret does not write"
            )
        written = found["spec"]["target"].get("template", {}).get("metadata", {}).get("labels", {})
        if labels and not labels.items() <= written.items():
            problems.append(f"{reader} selects {namespace}/{name} by {labels}, the Secret gets {written}")

    if platform.secrets.form == "external":
        apps = _named(argocd, "Application")
        notifiers = apps["argo-rollouts"]["spec"]["source"]["helm"]["valuesObject"]["notifications"]["notifiers"]
        keys = {k for text in notifiers.values() for k in REFERENCE.findall(text)}
        need(argocd, platform.charts.argo_rollouts.namespace, "argo-rollouts-notification-secret", keys, "Argo Rollouts notifications")
        patches = [yaml.safe_load(p["patch"]) for p in apps["argocd"]["spec"]["source"]["kustomize"]["patches"]]
        config_maps = {p["metadata"]["name"]: p.get("data", {}) for p in patches if p["kind"] == "ConfigMap"}
        keys = set(REFERENCE.findall(config_maps["argocd-notifications-cm"]["service.slack"]))
        need(argocd, ns, "argocd-notifications-secret", keys, "Argo CD notifications")
        if "oidc.config" in config_maps["argocd-cm"]:
            name, _, key = yaml.safe_load(config_maps["argocd-cm"]["oidc.config"])["clientSecret"].removeprefix("$").partition(":")
            need(argocd, ns, name, {key}, "argocd-cm oidc.config", {"app.kubernetes.io/part-of": "argocd"})
        # Argo CD's repository declaration: found by label, its url the one the Applications read.
        need(argocd, ns, "podinfo-gitops-repo", {"username", "password"}, "Argo CD", {"argocd.argoproj.io/secret-type": "repository"})
        repository = _produced(argocd).get((ns, "podinfo-gitops-repo"))
        data = (repository or {}).get("spec", {}).get("target", {}).get("template", {}).get("data", {})
        if data.get("url") != platform.git.repo_url or data.get("type") != "git":
            problems.append(f"the repository Secret declares {data}, not the git repository {platform.git.repo_url}")
    for env in cfg.environments:
        chart = charts[env.name]
        routing = next(o for o in chart if o["kind"] == "AlertmanagerConfig")
        refs = [
            ref
            for receiver in routing["spec"]["receivers"]
            for ref in [
                *(c["apiURL"] for c in receiver.get("slackConfigs", [])),
                *(c["authPassword"] for c in receiver.get("emailConfigs", [])),
            ]
        ]
        external = any(s.external for s in environment_secrets(env, platform))
        for ref in refs:
            if external:
                need(chart, env.namespace, ref["name"], {ref["key"]}, f"{env.name}'s AlertmanagerConfig")
    return problems


@pytest.mark.parametrize("name", ["committed", "fixture"])
def test_every_external_secret_writes_what_its_reader_reads(built, configs, name):
    assert source_problems(built[name], configs[name]) == []
    assert reader_problems(built[name], configs[name]) == []


def test_the_forms_of_the_two_configurations(built, configs):
    """config/ keeps the manual form: no ExternalSecret, the committed repository declaration; the
    fixture takes the external one (every environment too) and commits no Secret."""
    committed = [o for objs in built["committed"].values() for o in objs]
    assert not [o for o in committed if o["kind"] == "ExternalSecret"]
    assert [o["metadata"]["name"] for o in committed if o["kind"] == "Secret"] == ["podinfo-gitops-repo"]
    fixture = built["fixture"]
    assert all(_produced(objs) for chart, objs in fixture.items() if chart != AUDIT_FOLDER)
    assert not [o for objs in fixture.values() for o in objs if o["kind"] == "Secret"]


def test_an_environment_may_keep_the_manual_form(configs):
    """edge overrides the platform's external form with `form: manual`: its chart has no
    ExternalSecret, canary-gw's keeps its own."""
    cfg = configs["fixture"]
    edge, gw = cfg.environments[:2]
    manual = edge.model_copy(update={"secrets": EnvironmentSecrets(form="manual")})
    charts = {env.name: PodinfoEnvironment(cdk8s.App(), env.name, environment=env, platform=cfg.platform).to_json() for env in (manual, gw)}
    assert not _produced(charts["edge"]) and set(_produced(charts["canary-gw"])) == {("podinfo-gw", "alertmanager-slack")}


def test_each_external_secret_syncs_before_its_readers(built, configs):
    """In Argo CD's namespace before Argo CD's own settings (the namespace predates the sync); in
    argo-rollouts' after that chart's Application (it creates the namespace) and before the
    environments whose events it sends; in an environment after its namespace and before the
    AlertmanagerConfig."""
    cfg = configs["fixture"]
    argocd = built["fixture"][BOOTSTRAP_FOLDER]
    apps = _named(argocd, "Application")
    appset = _wave(next(o for o in argocd if o["kind"] == "ApplicationSet"))
    for (namespace, name), obj in _produced(argocd).items():
        if namespace == cfg.platform.argocd.namespace:
            assert _wave(obj) < _wave(apps["argocd"]), name
        else:
            assert namespace == cfg.platform.charts.argo_rollouts.namespace
            assert _wave(apps["argo-rollouts"]) < _wave(obj) < appset, name
    for env in cfg.environments:
        chart = built["fixture"][env.name]
        namespace = next(o for o in chart if o["kind"] == "Namespace")
        routing = next(o for o in chart if o["kind"] == "AlertmanagerConfig")
        for obj in _produced(chart).values():
            assert _wave(namespace) < _wave(obj) < _wave(routing), (env.name, obj["metadata"]["name"])
    assert waves.ARGOCD_SECRETS < waves.ARGOCD and waves.CONTROLLERS < waves.CONTROLLER_SECRETS < waves.ENVIRONMENTS


def test_the_projects_allow_the_external_secrets(built):
    def allowed(charts):
        project = next(o for o in charts[BOOTSTRAP_FOLDER] if o["kind"] == "AppProject" and o["metadata"]["name"] == "podinfo")
        return {(k["group"], k["kind"]) for k in project["spec"]["namespaceResourceWhitelist"]}

    assert ("external-secrets.io", "ExternalSecret") in allowed(built["fixture"])
    assert ("external-secrets.io", "ExternalSecret") not in allowed(built["committed"])
    # The bootstrap Application (project platform) syncs the platform's: that project sets no
    # namespaceResourceWhitelist, which Argo CD reads as every namespaced kind
    # (pkg/apis/application/v1alpha1 AppProject.IsGroupKindPermitted), and its destinations hold their namespaces.
    argocd = built["fixture"][BOOTSTRAP_FOLDER]
    project = next(o for o in argocd if o["kind"] == "AppProject" and o["metadata"]["name"] == "platform")["spec"]
    assert "namespaceResourceWhitelist" not in project
    assert {ns for ns, _ in _produced(argocd)} <= {d["namespace"] for d in project["destinations"]}


def test_the_external_forms_bootstrap_applies_the_repository_credentials_by_hand(tmp_path, configs):
    """Argo CD reads dist/argocd/ from the repository with the credentials the ExternalSecret
    brings: it is applied with the bootstrap Application, after the platform project."""
    from tests.behaviour import FIXTURE

    dist = tmp_path / "dist"
    assert run_main(config_dir=FIXTURE, dist=dist).returncode == 0
    files = [p.name for p in hand_applied_files(dist / BOOTSTRAP_FOLDER)]
    assert files == ["AppProject.platform.k8s.yaml", "ExternalSecret.podinfo-gitops-repo.k8s.yaml", "Application.bootstrap.k8s.yaml"]


def test_external_secrets_refuses_a_secret_of_the_manual_form(configs):
    manual = platform_secrets(configs["committed"].platform)
    with pytest.raises(ValueError, match="take the manual form"):
        ExternalSecrets(cdk8s.Chart(cdk8s.App(), "x"), "x", secrets=manual, wave=lambda _: 0)


# --- deliberate breakages ----------------------------------------------------------------------

BREAKAGES: dict[str, tuple[str, Callable]] = {
    "Owner over the Secret Argo CD's manifest keeps": (
        "argocd/argocd-notifications-secret: creationPolicy Owner, but Argo CD's install manifest",
        lambda mp: _wrap(
            mp, eso, "ExternalSecretSpecTarget", lambda kw: {**kw, "creation_policy": eso.ExternalSecretSpecTargetCreationPolicy.OWNER}
        ),
    ),
    "the readers' labels dropped": (
        "Argo CD selects argocd/podinfo-gitops-repo by {'argocd.argoproj.io/secret-type': 'repository'}",
        lambda mp: _wrap(mp, eso, "ExternalSecretSpecTargetTemplateMetadata", lambda kw: {**kw, "labels": None}),
    ),
    "template data replacing the fetched keys": (
        "argocd/podinfo-gitops-repo: template data without mergePolicy Merge",
        lambda mp: _wrap(mp, eso, "ExternalSecretSpecTargetTemplate", lambda kw: {**kw, "merge_policy": None}),
    ),
    "no template": (
        "no template: ESO would copy",
        lambda mp: _wrap(mp, eso, "ExternalSecretSpecTarget", lambda kw: {**kw, "template": None}),
    ),
    "every key from its own property": (
        "podinfo-gw/alertmanager-slack: webhook-url from",
        lambda mp: _wrap(mp, eso, "ExternalSecretSpecDataRemoteRef", lambda kw: {**kw, "property": None}),
    ),
    "another Secret name": (
        "canary-gw's AlertmanagerConfig reads podinfo-gw/alertmanager-slack, which no ExternalSecret writes",
        lambda mp: _wrap(mp, eso, "ExternalSecretSpecTarget", lambda kw: {**kw, "name": f"{kw['name']}-eso"}),
    ),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_external_secret_breakages_are_named(breakage, configs, monkeypatch):
    expected, apply = BREAKAGES[breakage]
    apply(monkeypatch)
    cfg = configs["fixture"]
    charts = app_objects(cfg)
    problems = source_problems(charts, cfg) + reader_problems(charts, cfg)
    assert any(expected in p for p in problems), problems
