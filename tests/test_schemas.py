"""Every synthesized object validates strictly, of dist/ and of the fixture configuration (which
exercises every option: the Gateway API routes among them): core kinds for Kubernetes 1.27 and
1.37, custom resources against the pinned CRDs. The validator itself is shown to catch a wrong field."""

from __future__ import annotations

import copy

import pytest
import yaml

from tests.conftest import ROOT, dist_objects, find, one, run_main
from tools.validate import validate


def test_every_object_in_dist_is_schema_valid(objects):
    problems = {f"{path} {obj['kind']}/{obj['metadata']['name']}": validate(obj) for path, obj in objects}
    assert {k: v for k, v in problems.items() if v} == {}
    assert len(objects) > 10


def test_every_object_of_the_fixture_configuration_is_schema_valid(tmp_path_factory):
    dist = tmp_path_factory.mktemp("schemas") / "dist"
    result = run_main(config_dir=ROOT / "tests" / "fixtures" / "config", dist=dist)
    assert result.returncode == 0, result.stderr
    objects = dist_objects(dist)
    problems = {f"{path} {obj['kind']}/{obj['metadata']['name']}": validate(obj) for path, obj in objects}
    assert {k: v for k, v in problems.items() if v} == {}
    kinds = {obj["kind"] for _, obj in objects}
    assert {"HTTPRoute", "Ingress", "Rollout", "ApplicationSet"} <= kinds
    # The Istio router's kinds, against Istio 1.30.3's CRDs (crds.yaml).
    assert {"VirtualService", "DestinationRule", "Gateway", "PeerAuthentication", "AuthorizationPolicy"} <= kinds
    routes = {obj["metadata"]["name"]: obj for _, obj in objects if obj["kind"] == "HTTPRoute"}
    assert sorted(routes) == ["podinfo", "podinfo-canary-path", "podinfo-https-redirect"]
    # The HTTPRoute schema catches a wrong field there too.
    broken = copy.deepcopy(routes["podinfo-https-redirect"])
    broken["spec"]["parentRefs"][0]["sectionname"] = "http"
    broken["spec"]["rules"][0]["filters"][0]["requestRedirect"]["statusCode"] = 399
    problems = validate(broken)
    assert any("sectionname" in p for p in problems) and any("399" in p for p in problems), problems


def test_argocd_config_patches_are_valid_config_maps(objects):
    """The settings we patch into Argo CD's ConfigMaps are themselves valid objects."""
    app = one(objects, "Application", "argocd")
    patches = [yaml.safe_load(p["patch"]) for p in app["spec"]["source"]["kustomize"]["patches"]]
    assert {p["metadata"]["name"] for p in patches if p["kind"] == "ConfigMap"} >= {
        "argocd-cm",
        "argocd-rbac-cm",
        "argocd-notifications-cm",
    }
    for patch in patches:
        if patch["kind"] == "Deployment":
            # A strategic-merge patch, not a whole Deployment: it may only annotate the pod template.
            assert patch["spec"] == {"template": {"metadata": {"annotations": patch["spec"]["template"]["metadata"]["annotations"]}}}
            continue
        assert validate(patch) == []


@pytest.mark.parametrize(
    ("kind", "mutate", "expected"),
    [
        ("Namespace", lambda o: o["metadata"].__setitem__("lables", {}), "lables"),
        ("Ingress", lambda o: o["spec"]["rules"][0].__setitem__("hostname", "x"), "hostname"),
        ("Application", lambda o: o["spec"].__setitem__("syncPolicyy", {}), "syncPolicyy"),
        ("Application", lambda o: o["spec"]["syncPolicy"]["retry"].__setitem__("limit", "five"), "five"),
        ("ApplicationSet", lambda o: o["spec"]["template"]["spec"]["source"].__setitem__("repoUrl", "x"), "repoUrl"),
        ("AppProject", lambda o: o["metadata"].__setitem__("namespce", "x"), "namespce"),
        ("ClusterIssuer", lambda o: o["spec"]["acme"].__setitem__("emial", "x"), "emial"),
        ("Rollout", lambda o: o["spec"]["strategy"]["canary"].__setitem__("stableIngress", "x"), "stableIngress"),
        ("Rollout", lambda o: o["spec"]["template"]["spec"]["volumes"][0].__setitem__("emptydir", {}), "emptydir"),
        ("AnalysisTemplate", lambda o: o["spec"]["metrics"][0].__setitem__("sucessCondition", "x"), "sucessCondition"),
        ("PodMonitor", lambda o: o["spec"]["podMetricsEndpoints"][0].__setitem__("intervall", "15s"), "intervall"),
        ("Certificate", lambda o: o["spec"].__setitem__("dnsName", ["x"]), "dnsName"),
    ],
)
def test_a_deliberately_wrong_field_is_caught(objects, kind, mutate, expected):
    broken = copy.deepcopy(find(objects, kind)[0])
    mutate(broken)
    problems = validate(broken)
    assert problems, f"{kind} with a wrong field passed validation"
    assert any(expected in p for p in problems), problems


def test_int_or_string_fields_take_both_and_nothing_else(objects):
    template = one(objects, "AnalysisTemplate", "podinfo-error-rate", "prod")
    for value, valid in ((1, True), ("1", True), (1.5, False), ([1], False)):
        probe = copy.deepcopy(template)
        probe["spec"]["metrics"][0]["failureLimit"] = value
        assert (validate(probe) == []) is valid, value


def test_preserve_unknown_fields_accepts_free_form_helm_values_only_there(objects):
    app = copy.deepcopy(one(objects, "Application", "argo-rollouts"))
    app["spec"]["source"]["helm"]["valuesObject"]["anything"] = {"nested": [1, "two"]}
    assert validate(app) == []
    app["spec"]["source"]["helm"]["anything"] = {}
    assert validate(app) != []


def test_the_fixtures_external_secrets_are_schema_valid(built):
    """The fixture takes the external form (secrets.form), so its ExternalSecrets are checked
    against the pinned External Secrets Operator v2.9.0 CRD, with every other object."""
    fixture = [obj for objs in built["fixture"].values() for obj in objs]
    assert any(obj["kind"] == "ExternalSecret" for obj in fixture)
    problems = {f"{obj['kind']}/{obj['metadata']['name']}": validate(obj) for obj in fixture}
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda o: o["spec"]["target"].__setitem__("creationPolicy", "Owned"), "Owned"),
        (lambda o: o["spec"]["secretStoreRef"].__setitem__("kind", "ClusterStore"), "ClusterStore"),
        (lambda o: o["spec"]["data"][0]["remoteRef"].__setitem__("keys", "x"), "keys"),
        (lambda o: o["spec"]["target"]["template"].__setitem__("mergePolicy", "merge"), "merge"),
        (lambda o: o["spec"]["data"][0].pop("secretKey"), "secretKey"),
    ],
)
def test_a_wrong_external_secret_field_is_caught(built, mutate, expected):
    repository = next(
        o for o in built["fixture"]["argocd"] if o["kind"] == "ExternalSecret" and o["metadata"]["name"] == "podinfo-gitops-repo"
    )
    broken = copy.deepcopy(repository)
    mutate(broken)
    problems = validate(broken)
    assert any(expected in p for p in problems), problems
