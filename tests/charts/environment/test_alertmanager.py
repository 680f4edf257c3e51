"""Alert routing proven with Alertmanager's own tool (amtool 0.25, Debian `prometheus-alertmanager`).

The Alertmanager configuration is rendered from the synthesized AlertmanagerConfigs the way the
operator does it (prometheus-operator v0.93.0 pkg/alertmanager/amcfg.go): `AddAlertmanagerConfigs`
puts each config's route first under the root route, with `continue: true`
(`continueToNextRoute`) and `namespace="<its namespace>"` appended to its matchers and to both
sides of its inhibition rules (`namespaceEnforcer`, the default `OnNamespace` strategy, which
kube-prometheus-stack 88.5.3 leaves in place); receivers, including those named by child routes,
become `<namespace>/<name>/<receiver>` (`makeNamespacedString`, `convertRoute`); Secret references
are resolved to values (here: placeholders, never real credentials). The root route is
kube-prometheus-stack's default (receiver `null`).

`amtool check-config` must accept it, and `amtool config routes test` must send each alert of
each severity, in each environment, to exactly the receivers the design says: warning to Slack,
critical to Slack and e-mail (Slack only where an environment lists no e-mail).
"""

from __future__ import annotations

import subprocess

import pytest
import yaml

from tests.conftest import find

SECRETS = {
    ("alertmanager-slack", "webhook-url"): "https://hooks.slack.example.test/services/placeholder",
    ("alertmanager-smtp", "password"): "placeholder",
}


def _matcher(m: dict) -> str:
    return f'{m["name"]}{m.get("matchType") or ("=~" if m.get("regex") else "=")}"{m["value"]}"'


def _route(route: dict, key: str) -> dict:
    out = {"receiver": f"{key}/{route['receiver']}"}
    for ours, theirs in (("groupBy", "group_by"), ("groupWait", "group_wait"), ("groupInterval", "group_interval")):
        if ours in route:
            out[theirs] = route[ours]
    if "repeatInterval" in route:
        out["repeat_interval"] = route["repeatInterval"]
    if route.get("matchers"):
        out["matchers"] = [_matcher(m) for m in route["matchers"]]
    if route.get("routes"):
        out["routes"] = [_route(child, key) for child in route["routes"]]
    return out


def _secret(ref: dict) -> str:
    return SECRETS[(ref["name"], ref["key"])]


def _receiver(receiver: dict, key: str) -> dict:
    out: dict = {"name": f"{key}/{receiver['name']}"}
    if receiver.get("slackConfigs"):
        out["slack_configs"] = [
            {"api_url": _secret(c["apiURL"]), "channel": c["channel"], "send_resolved": c.get("sendResolved", False)}
            for c in receiver["slackConfigs"]
        ]
    if receiver.get("emailConfigs"):
        out["email_configs"] = [
            {
                "to": c["to"],
                "from": c["from"],
                "smarthost": c["smarthost"],
                "auth_username": c["authUsername"],
                "auth_password": _secret(c["authPassword"]),
                "send_resolved": c.get("sendResolved", False),
            }
            for c in receiver["emailConfigs"]
        ]
    return out


def render(configs: list[dict]) -> dict:
    """alertmanager.yaml as the operator generates it from these AlertmanagerConfigs."""
    rendered = {
        "route": {"receiver": "null", "group_by": ["namespace"], "routes": []},
        "receivers": [{"name": "null"}],
        "inhibit_rules": [],
    }
    for config in sorted(configs, key=lambda c: (c["metadata"]["namespace"], c["metadata"]["name"])):
        namespace = config["metadata"]["namespace"]
        key = f"{namespace}/{config['metadata']['name']}"
        spec = config["spec"]
        own = f'namespace="{namespace}"'
        for rule in spec.get("inhibitRules", []):
            rendered["inhibit_rules"].append(
                {
                    "source_matchers": [*(_matcher(m) for m in rule["sourceMatch"]), own],
                    "target_matchers": [*(_matcher(m) for m in rule["targetMatch"]), own],
                    "equal": rule.get("equal", []),
                }
            )
        route = _route(spec["route"], key)
        route["matchers"] = [*route.get("matchers", []), own]
        route["continue"] = True
        rendered["route"]["routes"].append(route)
        rendered["receivers"] += [_receiver(r, key) for r in spec["receivers"]]
    return rendered


def write_alertmanager_yaml(objects, folder):
    """Every AlertmanagerConfig, rendered as the operator does, as one Alertmanager file in `folder`."""
    path = folder / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(render(find(objects, "AlertmanagerConfig")), sort_keys=False))
    return path


@pytest.fixture(scope="module")
def alertmanager_yaml(objects, tmp_path_factory):
    return write_alertmanager_yaml(objects, tmp_path_factory.mktemp("alertmanager"))


def _receivers(config_file, **labels) -> set[str]:
    result = subprocess.run(
        ["amtool", "config", "routes", "test", f"--config.file={config_file}", *(f"{k}={v}" for k, v in labels.items())],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {r.strip() for r in result.stdout.strip().split(",") if r.strip()}


def test_the_rendered_configuration_passes_amtool(alertmanager_yaml):
    result = subprocess.run(["amtool", "check-config", str(alertmanager_yaml)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_reaches_the_receivers_of_its_severity(objects, config, alertmanager_yaml):
    """Warning: the environment's Slack channel. Critical: Slack, and e-mail where configured.
    Checked for every alert the environment's PrometheusRule defines, with its own severity."""
    for env in config.environments:
        key = f"{env.namespace}/podinfo"
        rule = next(o for o in find(objects, "PrometheusRule", "podinfo", env.name))
        routing = next(o for o in find(objects, "AlertmanagerConfig", "podinfo", env.name))
        receivers = {r["name"]: r for r in routing["spec"]["receivers"]}
        slack_only = {"slackConfigs"} == {k for k in receivers["critical"] if k.endswith("Configs")}
        assert slack_only == (not env.notifications.email), env.name
        assert [c["to"] for c in receivers["critical"].get("emailConfigs", [])] == list(env.notifications.email)
        for channel in (c["channel"] for r in receivers.values() for c in r["slackConfigs"]):
            assert channel == f"#{env.notifications.slack_channel}"
        for alert in (r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r):
            severity = alert["labels"]["severity"]
            got = _receivers(alertmanager_yaml, alertname=alert["alert"], severity=severity, namespace=env.namespace)
            assert got == {f"{key}/{'critical' if severity == 'critical' else 'slack'}"}, (env.name, alert["alert"], got)
    # Another namespace's alert never reaches an environment's receivers.
    assert _receivers(alertmanager_yaml, alertname="PodinfoHighErrorRate", severity="critical", namespace="default") == {"null"}


def test_rendered_inhibitions_pair_critical_over_warning_within_each_namespace(objects, alertmanager_yaml):
    """The structure only: amtool cannot evaluate inhibitions. The severities and `equal` come from
    the synthesized objects; the namespace matcher is what the operator adds (emulated above)."""
    rendered = yaml.safe_load(alertmanager_yaml.read_text())
    namespaces = {c["metadata"]["namespace"] for c in find(objects, "AlertmanagerConfig")}
    rules = rendered["inhibit_rules"]
    assert len(rules) == len(namespaces)
    for rule in rules:
        own = next(m for m in rule["source_matchers"] if m.startswith("namespace="))
        assert rule["source_matchers"] == ['severity="critical"', own] and rule["target_matchers"] == ['severity="warning"', own]
        assert rule["equal"] == ["namespace"]
    assert {m for r in rules for m in r["source_matchers"] if m.startswith("namespace=")} == {f'namespace="{n}"' for n in namespaces}


def test_credentials_are_secret_references_never_values(objects):
    for routing in find(objects, "AlertmanagerConfig"):
        for receiver in routing["spec"]["receivers"]:
            for slack in receiver.get("slackConfigs", []):
                assert set(slack["apiURL"]) == {"name", "key"}
            for email in receiver.get("emailConfigs", []):
                assert set(email["authPassword"]) == {"name", "key"} and "authSecret" not in email


def test_a_wrong_route_is_caught_by_amtool(objects, tmp_path):
    """The routing test can fail: with the critical route's receiver swapped for Slack, a critical
    alert no longer reaches the critical receiver."""
    configs = [yaml.safe_load(yaml.safe_dump(c)) for c in find(objects, "AlertmanagerConfig", "podinfo", "prod")]
    configs[0]["spec"]["route"]["routes"][0]["receiver"] = "slack"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(render(configs), sort_keys=False))
    namespace = configs[0]["metadata"]["namespace"]
    assert _receivers(path, alertname="PodinfoRolloutFailed", severity="critical", namespace=namespace) == {f"{namespace}/podinfo/slack"}
