"""docs/guides/add-environment.md "Add an environment", done on a copy of config/: copy staging.yaml to a new file, change
`namespace` and `hosts`, list the name in platform.yaml, synthesize. The checks of the test
modules that read the live config then run on that configuration and its dist/, so a test that
assumes config/'s environments (their names, their number, one SLO) fails here, not in the first
pull request that adds one. One synthesis, into a temporary folder; config/ and dist/ stay as
they are.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from podinfo_canary import config as config_module
from podinfo_canary.config import AUDIT_FOLDER, BOOTSTRAP_FOLDER
from podinfo_canary.model.run import Environment as ModelEnvironment
from tests.conftest import ROOT, dist_objects, one, run_main
from tools.docs import blocks

TEMPLATE = "staging"  # the file docs/guides/add-environment.md says to copy


def new_name(taken: set[str]) -> str:
    """A name config/ does not use yet: `qa`, or `qa2`, `qa3`, ... once config/ has a qa."""
    return next(name for name in ("qa", *(f"qa{i}" for i in range(2, 100))) if name not in taken)


def add_environment(config_dir: Path, name: str) -> None:
    """The steps of docs/guides/add-environment.md, as a person does them: copy staging.yaml to <name>.yaml, give it its own
    namespace and hosts, and append <name> to `environments:` in platform.yaml."""
    environments = config_dir / config_module.ENVIRONMENTS_DIR
    data = yaml.safe_load((environments / f"{TEMPLATE}.yaml").read_text())
    data["namespace"] = f"podinfo-{name}"
    data["hosts"] = [f"podinfo-{name}.example.com"]
    (environments / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    platform_file = config_dir / config_module.PLATFORM_FILE
    platform = yaml.safe_load(platform_file.read_text())
    platform["environments"].append(name)
    platform_file.write_text(yaml.safe_dump(platform, sort_keys=False))


@dataclass(frozen=True)
class Grown:
    name: str  # the environment added
    before: config_module.Config  # config/ as it is
    config: config_module.Config  # config/ with the environment added
    dist: Path
    objects: list[tuple[str, dict]]

    @property
    def env(self) -> config_module.Environment:
        return next(e for e in self.config.environments if e.name == self.name)

    def folder(self, name: str) -> list[dict]:
        return [obj for path, obj in self.objects if path.startswith(f"{name}/")]


@pytest.fixture(scope="module")
def grown(tmp_path_factory) -> Grown:
    folder = tmp_path_factory.mktemp("new-environment")
    config_dir, dist = folder / "config", folder / "dist"
    shutil.copytree(ROOT / "config", config_dir)
    before = config_module.load(config_dir)
    assert TEMPLATE in [e.name for e in before.environments], f"docs/guides/add-environment.md copies {TEMPLATE}.yaml, config/ has none"
    name = new_name({e.name for e in before.environments})
    add_environment(config_dir, name)
    result = run_main(config_dir=config_dir, dist=dist)
    assert result.returncode == 0, result.stderr
    return Grown(name, before, config_module.load(config_dir), dist, dist_objects(dist))


def _module(name: str):
    """A test module by its file name, wherever under tests/ it lives (tests/charts/platform/test_argocd.py)."""
    (path,) = (ROOT / "tests").rglob(f"{name}.py")
    return importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))


# --- what the docs promise -----------------------------------------------------------------------


def test_the_readme_steps_add_one_environment_and_change_no_other(grown, fresh_dist):
    """The new environment is staging's but for name, namespace and hosts; the ApplicationSet gains
    an Application and the AppProject a destination; no other environment's objects change."""
    assert [e.name for e in grown.config.environments] == [*(e.name for e in grown.before.environments), grown.name]
    staging = next(e for e in grown.before.environments if e.name == TEMPLATE)
    differing = {"name", "namespace", "hosts"}
    assert grown.env.model_dump(exclude=differing) == staging.model_dump(exclude=differing)
    for name in (*(e.name for e in grown.before.environments), AUDIT_FOLDER):
        before = {p.relative_to(fresh_dist): p.read_text() for p in sorted((fresh_dist / name).rglob("*.yaml"))}
        after = {p.relative_to(grown.dist): p.read_text() for p in sorted((grown.dist / name).rglob("*.yaml"))}
        assert after == before, f"adding {grown.name} changed dist/{name}/"
    env = grown.env
    elements = one(grown.objects, "ApplicationSet", "podinfo")["spec"]["generators"][0]["list"]["elements"]
    assert [e["environment"] for e in elements] == [e.name for e in grown.config.environments]
    destinations = {(d["server"], d["namespace"]) for d in one(grown.objects, "AppProject", "podinfo")["spec"]["destinations"]}
    assert (env.cluster.server, env.namespace) in destinations
    # The dashboard ships what the construct builds for the grown configuration (test_dashboard.py pins dist/).
    shipped = one(grown.objects, "ConfigMap", "podinfo-canary-dashboard", BOOTSTRAP_FOLDER)
    assert shipped["data"] == _module("test_dashboard").build_dashboard(grown.config, grown.objects)[0]["data"]


def test_the_readme_tables_gain_the_new_environment(grown):
    generated = blocks(grown.dist, grown.config)
    for table in ("canary", "slo"):
        rows = [line.split(" | ")[0].removeprefix("| ") for line in generated[table].splitlines() if line.startswith("| ")]
        assert grown.name in rows, (table, rows)


# --- the behaviour checkers, on every environment of the grown configuration -------------------------


def test_traffic_wiring_value_flow_and_plan_hold_for_every_environment(grown):
    traffic, flow, plan = _module("test_traffic_wiring"), _module("test_value_flow"), _module("test_plan_model")
    for env in grown.config.environments:
        objs = grown.folder(env.name)
        assert traffic.traffic_problems(objs, env) == [], env.name
        assert flow.flow_problems(objs, env, grown.config.platform) == [], env.name
        assert plan.plan_model_problems(objs) == [], env.name
        if not env.autoscaling:
            assert plan.plan_model_problems(objs, startup=7) == [], env.name


def test_argocd_wiring_holds_with_the_new_environment(grown):
    argocd = _module("test_argocd_wiring")
    charts = [grown.folder(e.name) for e in grown.config.environments]
    assert argocd.argocd_problems(grown.folder(BOOTSTRAP_FOLDER), charts, grown.config) == []


def test_every_metric_of_the_new_environment_can_decide_its_run(grown):
    run_level = _module("test_run_level")
    assert run_level.run_level_problems(ModelEnvironment.load(grown.dist / grown.name), grown.env.slo) == []


def test_the_new_environment_promotes_from_the_one_before_it(grown):
    """Appended to the promotion order, it takes its version by `canaryctl promote-env` from the
    environment that was last (no promotion.from to write), after the soak its copied file says;
    the environments before it keep their sources."""
    names = [e.name for e in grown.config.environments]
    assert names[-1] == grown.name
    assert grown.config.promotion_source(grown.name).name == names[-2]
    template = next(e for e in grown.before.environments if e.name == TEMPLATE)
    assert grown.env.promotion == template.promotion
    for env in grown.before.environments:
        before, after = grown.before.promotion_source(env.name), grown.config.promotion_source(env.name)
        assert (before and before.name) == (after and after.name), env.name


def test_the_new_environments_alerts_fire_and_stay_silent_on_the_prometheus_engine(grown, tmp_path):
    alerts = _module("test_alerts")
    env, platform = grown.env, grown.config.platform
    rules = alerts._rules(grown.objects, env.name)
    tests = alerts._promtool_tests(env.namespace, env, platform, alerts._alert_rules(rules))
    assert {t["name"].split(":")[0] for t in tests} == set(alerts.ALERTS)
    rules_file = alerts.write_rules_files(grown.objects, grown.config, tmp_path)[env.name]
    result = alerts._run(rules_file, tests, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


# --- the checks of the other modules that read config/ and dist/ --------------------------------------

# module -> its tests that take config/ or dist/ (through the `config`, `objects`, `fresh_dist`
# fixtures) and hold for any configuration; each runs here on the grown one.
SUITE: dict[str, list[str]] = {
    "test_schemas": ["test_every_object_in_dist_is_schema_valid", "test_argocd_config_patches_are_valid_config_maps"],
    "test_argocd": [
        "test_podinfo_project_whitelists_exactly_the_kinds_environments_emit",
        "test_application_set_has_one_application_per_environment",
        "test_rollouts_chart_enables_dashboard_metrics_and_notifications_without_unused_plugins",
        "test_every_rollout_subscription_is_configured_in_the_controller",
    ],
    "test_alerts": ["test_every_environment_has_every_alert_and_valid_rules", "test_every_query_reads_only_metrics_their_exporters_define"],
    "test_alertmanager": [
        "test_the_rendered_configuration_passes_amtool",
        "test_every_alert_reaches_the_receivers_of_its_severity",
        "test_rendered_inhibitions_pair_critical_over_warning_within_each_namespace",
        "test_credentials_are_secret_references_never_values",
    ],
    "test_security": [
        "test_every_environment_allows_exactly_the_table",
        "test_a_gateway_environment_admits_the_gateways_namespace_not_nginx",
        "test_podinfo_pods_get_no_api_token",
        "test_the_pre_exposure_tester_has_no_api_access",
        "test_rollout_roles_grant_exactly_the_table",
        "test_argo_cd_and_kubernetes_give_the_same_groups_the_same_rollout_actions",
        "test_a_digest_pins_the_image_and_require_digest_refuses_a_tag_alone",
        "test_the_canary_path_prefix_needs_no_policy_of_its_own",
    ],
    "test_rollout": [
        "test_background_analysis_starts_at_the_first_weight_with_the_latest_and_stable_hashes",
        "test_seven_analysis_templates",
        "test_tls_certificate_covers_the_ingress_hosts",
        "test_rollback_settings_are_deliberate",
        "test_rollout_events_reach_the_environment_channel",
        "test_pod_meets_restricted_pod_security",
    ],
    "test_logs": [
        "test_canary_and_stable_logs_filter_apart_by_the_labels_metrics_use",
        "test_podinfo_lines_are_counted_by_level_under_the_name_the_rules_read",
    ],
    "test_audit": ["test_each_request_is_recorded_at_the_promised_level", "test_no_application_syncs_the_audit_folder"],
    "test_dashboard": [
        "test_namespace_variable_offers_the_configured_environments",
        "test_slo_lines_come_from_the_environments_slo",
        "test_differing_slos_draw_no_line",
        "test_every_metric_read_is_exported_or_recorded",
    ],
    "test_secrets": ["test_yaml_and_json_refer_to_secrets_and_hold_none"],
}

# Tests of those modules that read `.environments` and do not run above, with the reason.
NOT_HERE: dict[str, str] = {
    "test_alerts::test_alerts_fire_and_stay_silent_on_the_prometheus_engine": "prod's scenarios; the new environment's run above",
    "test_dashboard::test_config_map_holds_what_the_sdk_builder_builds_where_the_grafana_sidecar_looks": (
        "compares with the committed dist/; the grown dist/'s dashboard is compared above"
    ),
    "test_dashboard::test_a_misspelt_recorded_series_is_caught": "a breakage: proves the check's power, not the configuration",
    "test_dashboard::test_a_shared_slo_draws_its_own_values": "the fixture's environments",
    "test_rollout::test_gateway_api_environments_let_the_plugin_own_the_route_rules": "a variant of prod, built in-process",
    "test_rollout::test_autoscaling_moves_replicas_from_git_to_the_hpa": "a variant of prod, built in-process",
    "test_rollout::test_without_a_prefix_no_route_of_its_own_is_built": "prod by name, and a variant of prod built in-process",
}


def _arguments(function, grown: Grown, tmp_path: Path) -> dict:
    """The fixtures `function` asks for, made from the grown configuration."""
    made = {
        "objects": lambda: grown.objects,
        "config": lambda: grown.config,
        "fresh_dist": lambda: grown.dist,
        "tmp_path": lambda: tmp_path,
        "rules_files": lambda: _module("test_alerts").write_rules_files(grown.objects, grown.config, tmp_path),
        "alertmanager_yaml": lambda: _module("test_alertmanager").write_alertmanager_yaml(grown.objects, tmp_path),
        "alloy_text": lambda: _module("test_logs")._alloy_config(grown.objects),
        "synthesized": lambda: _module("test_dashboard").build_dashboard(grown.config, grown.objects),
        "model": lambda: _module("test_dashboard").dashboard_model(made["synthesized"]()[0]),
    }
    wanted = list(inspect.signature(function).parameters)
    assert set(wanted) <= made.keys(), f"{function.__name__} needs {sorted(set(wanted) - made.keys())}: add them to _arguments"
    return {name: made[name]() for name in wanted}


@pytest.mark.parametrize("check", [f"{module}::{test}" for module, tests in SUITE.items() for test in tests])
def test_the_suites_checks_pass_with_the_new_environment(check, grown, tmp_path):
    module, name = check.split("::")
    function = getattr(_module(module), name)
    function(**_arguments(function, grown, tmp_path))


def _reads_environments(path: Path) -> list[str]:
    """The unparametrized tests of a module whose body reads `.environments`."""
    tree = ast.parse(path.read_text())
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and node.name.startswith("test_")
        and not any("parametrize" in ast.unparse(d) for d in node.decorator_list)
        and any(isinstance(n, ast.Attribute) and n.attr == "environments" for n in ast.walk(node))
    ]


def test_every_check_that_reads_the_environments_runs_here_or_says_why_not():
    """A test added to these modules that iterates config/'s environments runs on the grown
    configuration too (SUITE), or NOT_HERE says why it cannot."""
    here = {f"{m}::{t}" for m, tests in SUITE.items() for t in tests}
    found = {f"{m}::{t}" for m in SUITE for t in _reads_environments(Path(_module(m).__file__))}
    assert sorted(found - here - NOT_HERE.keys()) == []
    assert sorted(NOT_HERE.keys() - found) == [], "NOT_HERE names a test that is gone or reads no environments"
    for check in here:
        module, name = check.split("::")
        assert callable(getattr(_module(module), name, None)), f"SUITE names {check}, which does not exist"
