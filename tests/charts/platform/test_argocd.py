"""ArgoCdStack properties: self-management, RBAC, project isolation, ApplicationSet, platform apps."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess

import pytest
import yaml

from tests.conftest import ROOT, find, one


def _patch(objects, config_map: str) -> dict:
    app = one(objects, "Application", "argocd")
    patches = [yaml.safe_load(p["patch"]) for p in app["spec"]["source"]["kustomize"]["patches"]]
    return next(p for p in patches if p["metadata"]["name"] == config_map)["data"]


def _patches(objects) -> list[tuple[str, dict]]:
    app = one(objects, "Application", "argocd")
    return [(p["patch"], yaml.safe_load(p["patch"])) for p in app["spec"]["source"]["kustomize"]["patches"]]


def test_argocd_server_restarts_whenever_its_command_parameters_change(objects, config):
    """argocd-server reads `server.insecure` only at start (v3.5.1
    manifests/base/server/argocd-server-deployment.yaml: env ARGOCD_SERVER_INSECURE from a
    configMapKeyRef; cmd/argocd-server/commands/argocd_server.go reads it as a flag default): its
    pod template carries the digest of our argocd-cmd-params-cm patch, so a change rolls it."""
    patches = _patches(objects)
    params_text, params = next((t, p) for t, p in patches if p["metadata"]["name"] == "argocd-cmd-params-cm")
    assert params["data"]["server.insecure"] == ("true" if config.platform.argocd.expose == "ingress" else "false")
    server = next(p for _, p in patches if p["kind"] == "Deployment" and p["metadata"]["name"] == "argocd-server")
    annotations = server["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"podinfo.example.com/argocd-cmd-params-sha256": hashlib.sha256(params_text.encode()).hexdigest()}


def test_rbac_groups_come_from_an_oidc_login(objects, config):
    """Argo CD knows a user's groups only from the SSO token's groups claim (argocd-cm
    `oidc.config`, v3.5.1 docs/operator-manual/user-management/index.md): without it the `g,`
    lines of argocd-rbac-cm can never match."""
    sso = config.platform.argocd.sso
    oidc = yaml.safe_load(_patch(objects, "argocd-cm")["oidc.config"])
    assert (oidc["issuer"], oidc["clientID"], oidc["clientSecret"]) == (sso.issuer, sso.client_id, sso.client_secret)
    assert oidc["clientSecret"].startswith("$") and ":" in oidc["clientSecret"]  # a reference, never a value
    assert "groups" in oidc["requestedScopes"]
    assert _patch(objects, "argocd-rbac-cm")["scopes"] == "[groups]"


def test_sync_failure_notifications_guard_a_missing_sync_result(objects):
    """A sync that fails before it starts has no `syncResult`: `oncePer` must use `?.` as the v3.5.1
    catalog does (notifications_catalog/triggers/on-deployed.yaml)."""
    trigger = yaml.safe_load(_patch(objects, "argocd-notifications-cm")["trigger.on-sync-failed"])
    assert trigger[0]["oncePer"] == "app.status.operationState?.syncResult?.revision"


def test_argocd_manages_itself_from_the_pinned_upstream_tag(objects, config):
    source = one(objects, "Application", "argocd")["spec"]["source"]
    assert source["repoURL"] == "https://github.com/argoproj/argo-cd.git"
    assert source["targetRevision"] == config.platform.argocd.version == "v3.5.1"
    assert source["path"] == "manifests/cluster-install"


def test_rbac_is_read_only_by_default_and_deployers_drive_rollouts(objects, config):
    rbac = _patch(objects, "argocd-rbac-cm")
    assert rbac["policy.default"] == "role:readonly"
    policy = rbac["policy.csv"].splitlines()
    for action in ("resume", "abort", "retry", "promote-full", "skip-current-step"):
        assert f"p, role:deployer, applications, action/argoproj.io/Rollout/{action}, podinfo/*, allow" in policy
    assert "p, role:deployer, applications, sync, podinfo/*, allow" in policy
    for group in config.platform.argocd.rbac.deployer_groups:
        assert f"g, {group}, role:deployer" in policy
    for group in config.platform.argocd.rbac.admin_groups:
        assert f"g, {group}, role:admin" in policy
    assert not [line for line in policy if "delete" in line or line.startswith("p, role:deployer, *")]


def test_notifications_use_a_secret_token_and_cover_sync_failure_and_degraded(objects, config):
    data = _patch(objects, "argocd-notifications-cm")
    assert data["service.slack"].strip() == "token: $slack-token"
    subscriptions = yaml.safe_load(data["subscriptions"])
    assert subscriptions == [
        {"recipients": [f"slack:{config.platform.argocd.slack_channel}"], "triggers": ["on-sync-failed", "on-health-degraded"]}
    ]
    # Every subscribed trigger exists and sends only templates that exist.
    for trigger in subscriptions[0]["triggers"]:
        for condition in yaml.safe_load(data[f"trigger.{trigger}"]):
            assert all(f"template.{name}" in data for name in condition["send"]), trigger


def test_repository_secret_holds_no_credentials(objects, config):
    secret = one(objects, "Secret", "podinfo-gitops-repo")
    assert secret["metadata"]["labels"]["argocd.argoproj.io/secret-type"] == "repository"
    assert set(secret["stringData"]) == {"type", "url", "project"}
    assert secret["stringData"]["url"] == config.platform.git.repo_url
    assert "data" not in secret


def test_podinfo_project_whitelists_exactly_the_kinds_environments_emit(objects, config):
    project = one(objects, "AppProject", "podinfo")["spec"]
    allowed = {(k["group"], k["kind"]) for k in project["namespaceResourceWhitelist"]}
    allowed |= {(k["group"], k["kind"], k["name"]) for k in project["clusterResourceWhitelist"]}
    emitted = set()
    for env in config.environments:
        for path, obj in objects:
            if path.startswith(f"{env.name}/"):
                group = obj["apiVersion"].rpartition("/")[0]
                if "namespace" in obj["metadata"]:
                    emitted.add((group, obj["kind"]))
                else:  # cluster-scoped: only by exact name
                    emitted.add((group, obj["kind"], obj["metadata"]["name"]))
    assert allowed == emitted
    assert all(("", "Namespace", e.namespace) in allowed for e in config.environments)
    assert project["sourceRepos"] == [config.platform.git.repo_url]
    assert {(d["server"], d["namespace"]) for d in project["destinations"]} == {
        (e.cluster.server, e.namespace) for e in config.environments
    }


def test_application_set_has_one_application_per_environment(objects, config):
    appset = one(objects, "ApplicationSet", "podinfo")["spec"]
    elements = appset["generators"][0]["list"]["elements"]
    # Every key the template reads, for every environment: a wrong server or namespace here is a
    # destination the podinfo AppProject refuses.
    assert elements == [
        {
            "environment": e.name,
            "cluster": e.cluster.name,
            "server": e.cluster.server,
            "namespace": e.namespace,
            "slackChannel": e.notifications.slack_channel,
        }
        for e in config.environments
    ]
    assert appset["goTemplate"] is True and appset["goTemplateOptions"] == ["missingkey=error"]
    template = appset["template"]["spec"]
    assert template["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert template["syncPolicy"]["retry"]["limit"] == 5
    assert template["source"]["path"] == f"{config.platform.git.dist_path}/{{{{.environment}}}}"
    assert "ignoreDifferences" not in template


def test_platform_apps_are_pinned_helm_charts(objects, config):
    charts = config.platform.charts
    expected = {
        "argo-rollouts": charts.argo_rollouts,
        "ingress-nginx": charts.ingress_nginx,
        "kube-prometheus-stack": charts.kube_prometheus_stack,
        "cert-manager": charts.cert_manager,
        "loki": charts.loki,
        "alloy": charts.alloy,
    }
    for name, chart in expected.items():
        source = one(objects, "Application", name)["spec"]["source"]
        assert (source["chart"], source["targetRevision"], source["repoURL"]) == (chart.chart, chart.version, chart.repo_url)


def test_rollouts_chart_enables_dashboard_metrics_and_notifications_without_unused_plugins(objects, config):
    """No plugin unless an environment uses Gateway API: the controller downloads every registered
    plugin at start and exits if it cannot (v1.9.1 controller/controller.go, `DownloadPlugins` then
    log.Fatalf), which a cluster without egress would turn into a crash loop. The registered plugin
    itself: test_rollout.py `test_gateway_api_environments_let_the_plugin_own_the_route_rules`."""
    values = one(objects, "Application", "argo-rollouts")["spec"]["source"]["helm"]["valuesObject"]
    assert values["dashboard"]["enabled"] is True
    assert values["controller"]["metrics"]["serviceMonitor"]["additionalLabels"] == {"release": config.platform.prometheus_release}
    assert values["notifications"]["secret"]["create"] is False
    gateway = any(e.traffic_router == "gatewayapi" for e in config.environments)
    assert ("trafficRouterPlugins" in values["controller"]) is gateway


# Which platform Application installs the CRDs of which API group (the charts' `installCRDs`/`crds`).
CRD_OWNERS = {"monitoring.coreos.com": "kube-prometheus-stack", "cert-manager.io": "cert-manager", "argoproj.io": "argo-rollouts"}


def _wave(obj: dict) -> int:
    return int(obj["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0"))


def _renders_service_monitors(values) -> bool:
    if isinstance(values, dict):
        for key, value in values.items():
            if key.lower() == "servicemonitor" and isinstance(value, dict) and value.get("enabled"):
                return True
            if _renders_service_monitors(value):
                return True
    return False


def test_sync_waves_order_every_crd_before_its_users(objects):
    """Argo CD syncs a wave only after the previous one is healthy (gitops-engine sync tasks by
    wave; Application health from argocd-cm `resource.customizations.health.argoproj.io_Application`,
    since Argo CD 1.8 no longer assesses it by default)."""
    apps = {a["metadata"]["name"]: a for a in find(objects, "Application", folder="argocd")}
    assert (
        "resource.customizations.health.argoproj.io_Application"
        in one(objects, "Application", "argocd")["spec"]["source"]["kustomize"]["patches"][0]["patch"]
    )
    for path, obj in objects:
        group = obj["apiVersion"].rpartition("/")[0]
        owner = CRD_OWNERS.get(group)
        if path.startswith("argocd/") and owner and obj["kind"] not in ("Application", "AppProject", "ApplicationSet"):
            assert _wave(obj) > _wave(apps[owner]), f"{obj['kind']}/{obj['metadata']['name']} syncs before {owner}"
    environments = one(objects, "ApplicationSet", "podinfo")
    assert all(_wave(environments) > _wave(app) for app in apps.values() if app["metadata"]["name"] != "bootstrap")
    # Argo CD itself first: its argocd-cm brings the Application health check later waves wait on.
    assert all(_wave(apps["argocd"]) < _wave(app) for name, app in apps.items() if name not in ("argocd", "bootstrap"))


def test_charts_rendering_service_monitors_follow_kube_prometheus_stack(objects):
    """cert-manager, ingress-nginx, argo-rollouts, loki and alloy render ServiceMonitors, whose CRD comes from
    kube-prometheus-stack: an earlier wave, and `SkipDryRunOnMissingResource` for the first sync."""
    apps = {a["metadata"]["name"]: a for a in find(objects, "Application", folder="argocd")}
    monitors = [name for name, app in apps.items() if _renders_service_monitors(app["spec"]["source"].get("helm", {}).get("valuesObject"))]
    assert sorted(monitors) == ["alloy", "argo-rollouts", "cert-manager", "ingress-nginx", "loki"]
    for name in monitors:
        assert _wave(apps[name]) > _wave(apps["kube-prometheus-stack"]), name
        assert "SkipDryRunOnMissingResource=true" in apps[name]["spec"]["syncPolicy"]["syncOptions"], name


def test_prometheus_keeps_its_tsdb_on_a_persistent_volume_larger_than_the_retention(objects, config):
    """prometheus-operator `storageSpec.volumeClaimTemplate`: without it the TSDB is an emptyDir."""
    from podinfo_canary.config import quantity_bytes, retention_bytes

    spec = one(objects, "Application", "kube-prometheus-stack")["spec"]["source"]["helm"]["valuesObject"]["prometheus"]["prometheusSpec"]
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["resources"]["requests"]["storage"] == config.platform.prometheus_storage.size
    assert claim["accessModes"] == ["ReadWriteOnce"]
    assert retention_bytes(spec["retentionSize"]) < quantity_bytes(claim["resources"]["requests"]["storage"])


def test_argocd_server_ingress_has_tls_from_cert_manager(objects, config):
    ingress = one(objects, "Ingress", "argocd-server")
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == config.platform.tls.cluster_issuer
    assert ingress["spec"]["tls"][0]["hosts"] == [config.platform.argocd.host]
    assert find(objects, "Namespace", "argocd")


# Kinds that exist once step 1 of the bootstrap has run: core kinds, and the CRDs Argo CD's
# install.yaml (v3.5.1 manifests/crds) creates.
AFTER_ARGOCD_INSTALL = {("argoproj.io", "Application"), ("argoproj.io", "AppProject"), ("argoproj.io", "ApplicationSet")}


def test_documented_bootstrap_applies_only_kinds_that_exist_after_the_argo_cd_install():
    """`kubectl apply` exits non-zero on an object whose CRD is missing: the documented bootstrap (docs/operations/bootstrap.md) may
    apply by hand only core kinds and Argo CD's own; the `bootstrap` Application brings the rest."""
    page = (ROOT / "docs/operations/bootstrap.md").read_text()
    section = page[page.index("# Bootstrap a cluster") :]
    section = section[: section.index("\n## ", 3)]
    targets = [t for t in re.findall(r"kubectl apply[^`\n]*", section) for t in re.findall(r"-f (\S+)", t) if not t.startswith("http")]
    assert targets, "the bootstrap section applies nothing from dist/"
    for target in targets:
        path = ROOT / target
        files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        for file in files:
            for obj in (d for d in yaml.safe_load_all(file.read_text()) if d):
                group = obj["apiVersion"].rpartition("/")[0]
                assert group in ("", "apps") or (group, obj["kind"]) in AFTER_ARGOCD_INSTALL, (
                    f"{target}: {obj['kind']} needs a CRD that is not installed yet"
                )


def test_chart_pins_ship_what_the_crd_pins_and_the_controller_model_assume(config):
    """Consistency of the recorded pins (the upstream evidence is in config/platform.yaml's
    comments, read from the charts' tags; this test cannot reach upstream): the CRDs pinned in
    crds.yaml come from the tag the chart's CRDs match, and the argo-rollouts chart ships the
    controller version that podinfo_canary/model/controller.py encodes."""
    from podinfo_canary.model.controller import ARGO_ROLLOUTS_VERSION

    crds = yaml.safe_load((ROOT / "crds.yaml").read_text())["crds"]
    charts = config.platform.charts
    modules = {
        "rollouts": charts.argo_rollouts.crd_tag,
        "monitoring": charts.kube_prometheus_stack.crd_tag,
        "certmanager": charts.cert_manager.crd_tag,
    }
    modules["argocd"] = config.platform.argocd.version
    for module, tag in modules.items():
        urls = [c["url"] for c in crds if c.get("module") == module]
        assert tag and urls and all(f"/{tag}/" in url for url in urls), (module, tag, urls)
    assert charts.argo_rollouts.app_version == charts.argo_rollouts.crd_tag == ARGO_ROLLOUTS_VERSION
    assert charts.cert_manager.app_version == charts.cert_manager.crd_tag == charts.cert_manager.version


def _render_go_template(text: str, variables: dict, tmp_path) -> str:
    """Render with Go's text/template (tests/gotemplate/render.go), as the notifications engine does."""
    (tmp_path / "template.txt").write_text(text)
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    result = subprocess.run(
        ["go", "run", str(ROOT / "tests/gotemplate/render.go"), str(tmp_path / "template.txt"), str(tmp_path / "vars.json")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "GOFLAGS": "-mod=mod", "GO111MODULE": "off"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_rollout_pause_message_tells_a_soak_from_the_gate_and_from_an_inconclusive_check(objects, tmp_path):
    """on-rollout-paused fires for every pause (v1.9.1 rollout/sync.go `sendStateChangeEvents`) and
    is rendered from the Rollout as it was before the pause (`c.rollout`: no pauseConditions yet),
    whose currentStepIndex is the pausing step. Rendered here with Go's text/template for each kind
    of pausing step of the prod Rollout (numbers decoded as JSON, float64, as in the engine)."""
    values = one(objects, "Application", "argo-rollouts")["spec"]["source"]["helm"]["valuesObject"]
    message = yaml.safe_load(values["notifications"]["templates"]["template.rollout-paused"])["message"]
    rollout = one(objects, "Rollout", "podinfo", "prod")
    steps = rollout["spec"]["strategy"]["canary"]["steps"]
    kinds = {
        "soak": next(i for i, s in enumerate(steps) if "pause" in s and "duration" in s["pause"]),
        "gate": next(i for i, s in enumerate(steps) if "pause" in s and "duration" not in s["pause"]),
        "check": next(i for i, s in enumerate(steps) if "analysis" in s),
    }
    rendered = {}
    for kind, index in kinds.items():
        before_the_pause = {**rollout, "status": {"currentStepIndex": float(index), "phase": "Progressing"}}
        rendered[kind] = _render_go_template(message, {"rollout": before_the_pause}, tmp_path)
    assert rendered["soak"].endswith(
        f"paused at step {kinds['soak']}: a timed soak of {steps[kinds['soak']]['pause']['duration']}, it continues by itself"
    )
    assert rendered["gate"].endswith(f"paused at step {kinds['gate']}: the manual gate, promote to continue")
    assert rendered["check"].endswith("the stage check was Inconclusive (too little evidence): promote, skip-current-step or abort")
    assert all(text.startswith(":double_vertical_bar: Rollout podinfo-prod/podinfo") for text in rendered.values())


@pytest.mark.parametrize(("expose", "insecure"), [("ingress", "true"), ("loadbalancer", "false")])
def test_argocd_server_terminates_tls_itself_unless_an_ingress_does(config, expose, insecure):
    """Behind the Ingress (TLS at ingress-nginx, cert-manager's certificate) argocd-server serves
    plain HTTP; exposed as a LoadBalancer it keeps its own TLS."""
    import cdk8s

    from podinfo_canary.charts.platform.argocd import ArgoCdStack

    argocd = config.platform.argocd.model_copy(update={"expose": expose})
    platform = config.platform.model_copy(update={"argocd": argocd})
    chart = cdk8s.Chart(cdk8s.App(), "argocd")
    ArgoCdStack(chart, "argocd", platform=platform, environments=config.environments, environment_kinds=[])
    objects = [("argocd/x.yaml", o) for o in chart.to_json()]
    assert _patch(objects, "argocd-cmd-params-cm")["server.insecure"] == insecure
    load_balancer = [p for _, p in _patches(objects) if p["kind"] == "Service" and p["metadata"]["name"] == "argocd-server"]
    ingress = [o for _, o in objects if o["kind"] == "Ingress" and o["metadata"]["name"] == "argocd-server"]
    assert (len(load_balancer), len(ingress)) == ((0, 1) if expose == "ingress" else (1, 0))


def _subscriptions(rollout: dict) -> dict[tuple[str, str], str]:
    prefix = "notifications.argoproj.io/subscribe."
    return {
        tuple(key.removeprefix(prefix).rsplit(".", 1)): value
        for key, value in rollout["metadata"].get("annotations", {}).items()
        if key.startswith(prefix)
    }


def rollout_subscription_problems(objects) -> list[str]:
    """Every subscription of every Rollout names a trigger, a service and (through the trigger)
    templates that the Argo Rollouts controller's notification configuration defines; e-mailed
    templates carry a subject."""
    values = one(objects, "Application", "argo-rollouts")["spec"]["source"]["helm"]["valuesObject"]["notifications"]
    triggers = {k.removeprefix("trigger."): yaml.safe_load(v) for k, v in values["triggers"].items()}
    services = {k.removeprefix("service.") for k in values["notifiers"]}
    templates = {k.removeprefix("template."): yaml.safe_load(v) for k, v in values["templates"].items()}
    problems = []
    for rollout in find(objects, "Rollout"):
        where = rollout["metadata"]["namespace"]
        for trigger, service in _subscriptions(rollout):
            if trigger not in triggers:
                problems.append(f"{where}: subscribes to trigger {trigger}, which the controller does not define")
                continue
            if service not in services:
                problems.append(f"{where}: subscribes {trigger} to service {service}, which the controller does not define")
            for name in (n for condition in triggers[trigger] for n in condition["send"]):
                if name not in templates:
                    problems.append(f"{where}: {trigger} sends template {name}, which does not exist")
                elif service == "email" and not templates[name].get("email", {}).get("subject"):
                    problems.append(f"{where}: {trigger} e-mails template {name}, which has no subject")
    return problems


def test_every_rollout_subscription_is_configured_in_the_controller(objects, config):
    assert rollout_subscription_problems(objects) == []
    for env in config.environments:
        subscriptions = _subscriptions(one(objects, "Rollout", "podinfo", env.name))
        assert {t for t, s in subscriptions if s == "slack"} >= {"on-rollout-aborted", "on-analysis-run-failed", "on-rollout-paused"}
        emailed = {t: r for (t, s), r in subscriptions.items() if s == "email"}
        wanted = ";".join(env.notifications.email)
        assert emailed == ({"on-rollout-aborted": wanted, "on-analysis-run-failed": wanted} if wanted else {}), env.name
    email = yaml.safe_load(
        one(objects, "Application", "argo-rollouts")["spec"]["source"]["helm"]["valuesObject"]["notifications"]["notifiers"][
            "service.email"
        ]
    )
    routing = config.platform.alerting.routing
    assert (f"{email['host']}:{email['port']}", email["from"], email["username"]) == (
        routing.smtp_smarthost,
        routing.smtp_from,
        routing.smtp_username,
    )
    assert email["password"] == "$email-password"  # a key of the out-of-band Secret, never a value


def test_a_subscription_to_an_unconfigured_trigger_is_caught(objects):
    rollout = json.loads(json.dumps(one(objects, "Rollout", "podinfo", "prod")))
    rollout["metadata"]["annotations"]["notifications.argoproj.io/subscribe.on-rollout-step-completed.email"] = "x@example.com"
    rollout["metadata"]["annotations"]["notifications.argoproj.io/subscribe.on-rollout-completed.pagerduty"] = "svc"
    broken = [(p, o) for p, o in objects if o["kind"] != "Rollout"] + [("prod/Rollout.podinfo.k8s.yaml", rollout)]
    problems = rollout_subscription_problems(broken)
    assert any("on-rollout-step-completed" in p for p in problems) and any("service pagerduty" in p for p in problems), problems
