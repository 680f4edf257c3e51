"""Every configured value reaches every object that uses it, for the committed and the fixture
configuration and for random ones (hypothesis); a constant typed into a construct is caught.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.rollouts.io import argoproj as ro
from podinfo_canary import config as config_module
from podinfo_canary.charts.environment import podmonitor
from podinfo_canary.charts.environment.analysis import MESH_SERVER_ERRORS, RELATIVE_SHARE_OF_BOUND, VERSUS_STABLE, AnalysisSuite
from podinfo_canary.charts.environment.observability import ObservabilityStack
from podinfo_canary.charts.environment.preexposure import PreExposureTests
from podinfo_canary.charts.environment.rollout import RolloutCanary
from podinfo_canary.config import Environment, default_policies, duration_seconds
from podinfo_canary.config import VersusStable as VersusStableConfig
from podinfo_canary.core.promql import VersusStable
from podinfo_canary.core.routing import element, nginx_path
from tests.behaviour import _env, _named, _seconds, _the, env_objects
from tests.conftest import wald_weights

SHARES = {"server-errors": None, "unsuccessful": None, "slower-than-p95": 0.05, "slower-than-p99": 0.01}


def flow_problems(objs: list[dict], env: Environment, platform) -> list[str]:
    problems: list[str] = []

    def expect(what: str, actual, wanted) -> None:
        if actual != wanted:
            problems.append(f"{what}: {actual!r}, config says {wanted!r}")

    for obj in objs:
        # An Istio environment's Certificate lives in the ingress gateway's namespace (checked below).
        if obj["kind"] != "Namespace" and not (env.traffic_router == "istio" and obj["kind"] == "Certificate"):
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
    prefix = env.routing.canary_path_prefix
    if env.traffic_router == "nginx":
        ingresses = _named(objs, "Ingress")
        ingress = ingresses["podinfo"]["spec"]
        expect("Ingress hosts", sorted(r["host"] for r in ingress["rules"]), sorted(env.hosts))
        expect("Ingress TLS hosts", sorted(ingress["tls"][0]["hosts"]), sorted(env.hosts))
        certificate = _the(objs, "Certificate")["spec"]
        expect("Certificate names", sorted(certificate["dnsNames"]), sorted(env.hosts))
        expect("Certificate issuer", certificate["issuerRef"]["name"], platform.tls.cluster_issuer)
        path = ingresses.get("podinfo-canary-path")
        paths = sorted({(r["host"], p["path"]) for r in path["spec"]["rules"] for p in r["http"]["paths"]}) if path else []
        expect("canary path Ingress paths", paths, sorted((h, nginx_path(prefix)) for h in env.hosts) if prefix else [])
    elif env.traffic_router == "istio":
        service = _the(objs, "VirtualService")["spec"]
        expect("VirtualService hosts", sorted(service["hosts"]), sorted(env.hosts))
        expect("Gateway hosts", sorted(_the(objs, "Gateway")["spec"]["servers"][0]["hosts"]), sorted(env.hosts))
        certificate = _the(objs, "Certificate")
        expect("Certificate names", sorted(certificate["spec"]["dnsNames"]), sorted(env.hosts))
        expect("Certificate issuer", certificate["spec"]["issuerRef"]["name"], platform.tls.cluster_issuer)
        expect("Certificate namespace", certificate["metadata"]["namespace"], platform.istio.ingress_namespace)
        path = [r for r in service["http"] if r.get("name") == "podinfo-canary-path"]
        expect(
            "canary path VirtualService route",
            [m["uri"] for r in path for m in r["match"]],
            [{"prefix": prefix}, {"exact": element(prefix)}] if prefix else [],
        )
    else:
        routes = {o["metadata"]["name"]: o["spec"] for o in objs if o["kind"] == "HTTPRoute"}
        listeners = {"podinfo": env.gateway.https_listener, "podinfo-https-redirect": env.gateway.http_listener}
        listeners |= {"podinfo-canary-path": env.gateway.https_listener} if prefix else {}
        expect("HTTPRoutes", sorted(routes), sorted(n for n, listener in listeners.items() if listener))
        for name, route in routes.items():
            expect(f"HTTPRoute {name} hostnames", sorted(route["hostnames"]), sorted(env.hosts))
            expect(
                f"HTTPRoute {name} parent",
                route["parentRefs"],
                [{"name": env.gateway.name, "namespace": env.gateway.namespace, "sectionName": listeners[name]}],
            )
        traffic = next(o for o in objs if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "podinfo-traffic")
        blocks = [peer["ipBlock"]["cidr"] for peer in traffic["spec"]["ingress"][0]["from"] if "ipBlock" in peer]
        expect("podinfo-traffic ipBlocks", blocks, list(env.gateway.data_plane_cidrs))
        path = routes.get("podinfo-canary-path")
        expect(
            "canary path HTTPRoute prefix",
            [m["path"]["value"] for r in path["rules"] for m in r["matches"]] if path else [],
            [element(prefix)] if prefix else [],
        )
    subscriptions = {
        (k.rpartition(".")[2], v)
        for k, v in rollout["metadata"]["annotations"].items()
        if k.startswith("notifications.argoproj.io/subscribe.")
    }
    wanted_subscriptions = {("slack", env.notifications.slack_channel)}
    if env.notifications.email:
        wanted_subscriptions.add(("email", ";".join(env.notifications.email)))
    expect("Rollout notification recipients", subscriptions, wanted_subscriptions)

    # pre_exposure -> the phase's steps (before the first weight) and its Jobs.
    all_steps = [s for s in canary["steps"] if "setHeaderRoute" not in s and "setMirrorRoute" not in s]
    mirrors = [s["setMirrorRoute"] for s in canary["steps"] if "setMirrorRoute" in s]
    mirror = env.pre_exposure.mirror
    expect(
        "mirror route",
        [(m.get("percentage"), [x["method"]["exact"] for x in m.get("match", [])]) for m in mirrors],
        [(mirror.percent, list(mirror.methods)), (None, [])] if mirror else [],
    )
    first_weight = next(i for i, s in enumerate(all_steps) if "setWeight" in s)
    phase = [next(iter(s)) for s in all_steps[:first_weight]]
    pre = env.pre_exposure
    if pre.enabled:
        scale = all_steps[0].get("setCanaryScale", {})
        expect("pre-exposure canary pods", scale.get("replicas"), pre.replicas)
        expect(
            "pre-exposure steps",
            phase,
            ["setCanaryScale", "analysis", "analysis", "pause", "analysis"]
            + ([] if pre.generated_counts_for_gate else ["setCanaryScale", "pause"]),
        )
        if env.traffic_router == "istio":
            default = config_module.RouterAddress(namespace=platform.istio.ingress_namespace, service=platform.istio.gateway_release)
        else:
            default = config_module.RouterAddress(
                namespace=platform.charts.ingress_nginx.namespace, service=f"{platform.charts.ingress_nginx.release}-controller"
            )
        router = pre.router or default
        wanted_env = {
            "podinfo-acceptance": {
                "HOST": env.hosts[0],
                "ROUTE": f"{router.service}.{router.namespace}.svc:{router.port}",
                "SCHEME": router.scheme,
                "ATTEMPTS": str(pre.acceptance_attempts),
                "EXPECTED_IMAGE": "{{args.canary-image}}" if pre.check_version else "",
            },
            "podinfo-generated-load": {"REQUESTS": str(pre.requests), "RATE": str(pre.rate), "PATHS": " ".join(pre.paths)},
        }
        templates = _named(objs, "AnalysisTemplate")
        for name, wanted in wanted_env.items():
            (job_metric,) = templates[name]["spec"]["metrics"]
            job = job_metric["provider"]["job"]["spec"]["template"]["spec"]
            got = {e["name"]: e.get("value") for e in job["containers"][0]["env"]}
            expect(f"{name} settings", {k: got.get(k) for k in wanted}, wanted)
            expect(f"{name} image", job["containers"][0]["image"], platform.tester.reference)
    else:
        expect("pre-exposure steps", phase, [])
    # Stages -> steps.
    stages, steps = [], [s for s in all_steps[first_weight:] if "setCanaryScale" not in s]
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
            if "job" in metric["provider"]:
                continue  # the pre-exposure Jobs, checked above
            where = f"{template['metadata']['name']}/{metric['name']}"
            query, condition = metric["provider"]["prometheus"]["query"], metric["successCondition"]
            expect(f"{where} address", metric["provider"]["prometheus"]["address"], platform.prometheus_address)
            expect(f"{where} consecutiveErrorLimit", metric.get("consecutiveErrorLimit"), error_limit)
            name = metric["name"]
            if name in shares or name == MESH_SERVER_ERRORS:
                # The sidecars' server-error test uses the server-error SLO (analysis.py mesh_sprt).
                share = shares[name] if name in shares else shares["server-errors"]
                bad, total = wald_weights(share, decision.bad_factor)
                found = [float(w) for w in re.findall(r"\* (-?\d+\.\d+)", query)]
                if len(found) != 2 or not all(math.isclose(a, b, abs_tol=2e-6) for a, b in zip(found, (bad, total), strict=True)):
                    problems.append(f"{where} weights {found}, the SLO's share {share:g} gives {bad:.6f} and {total:.6f}")
                expect(f"{where} threshold", condition.rpartition("< ")[2], f"{math.log(1 / decision.false_abort_max):.4f}")
                expect(f"{where} interval", _seconds(metric["interval"]), look)
                if name in bounds:
                    (pattern,) = re.findall(r'le=~"([^"]+)"', query)
                    if not re.fullmatch(pattern.replace("\\\\", "\\"), f"{bounds[name] / 1000:g}"):
                        problems.append(f"{where} counts requests under le=~{pattern}, the bound is {bounds[name]} ms")
            elif name.endswith(VERSUS_STABLE) and name.removesuffix(VERSUS_STABLE) in shares:
                v = decision.versus_stable
                # clamp(stable's share, margin, 0.5) * factor + margin, the stable share over the window.
                expect(f"{where} reference", re.findall(r"\[([0-9a-z]+)\]", query)[:1], [v.window])
                if f", {v.margin:g}, {VersusStable.reference_max:g}) * {v.factor:g} + {v.margin:g}, " not in query:
                    problems.append(f"{where} does not test factor {v.factor:g} x stable + margin {v.margin:g}")
                # At half the bound (analysis.RELATIVE_SHARE_OF_BOUND): stable's share is an estimate.
                bound = decision.false_abort_max * RELATIVE_SHARE_OF_BOUND
                expect(f"{where} threshold", condition.rpartition("< ")[2], f"{math.log(1 / bound):.4f}")
                expect(f"{where} interval", _seconds(metric["interval"]), look)
                if name.removesuffix(VERSUS_STABLE) in bounds:
                    patterns = set(re.findall(r'le=~"([^"]+)"', query))
                    bound = bounds[name.removesuffix(VERSUS_STABLE)]
                    if len(patterns) != 1 or not re.fullmatch(patterns.pop().replace("\\\\", "\\"), f"{bound / 1000:g}"):
                        problems.append(f"{where} counts requests under another bound than {bound} ms")
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
        "PodinfoHighErrorRate": (alerting.rules["high_error_rate"], f"> {slo.error_rate_max:g} "),
        "PodinfoLowSuccessRate": (alerting.rules["low_success_rate"], f"< {slo.success_rate_min:g} "),
        "PodinfoHighLatency": (alerting.rules["high_latency"], f"> {slo.latency_p95_max_ms / 1000:g} "),
        "PodinfoInstanceDown": (alerting.rules["instance_down"], None),
        "PodinfoRolloutFailed": (alerting.rules["rollout_failed"], None),
        "PodinfoCanaryAnalysisFailed": (alerting.rules["canary_analysis_failed"], f"[{alerting.rate_window}]"),
        "PodinfoCanaryFailedWhilePaused": (alerting.rules["canary_failed_while_paused"], None),
        "PodinfoCanaryErrorLogs": (alerting.rules["canary_error_logs"], f"* 60 > {platform.logging.canary_error_lines_per_minute:g} "),
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
        expect(f"{name} runbook", alert.get("annotations", {}).get("runbook_url"), alerting.runbook(name))
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
    "relative judge's factor typed in": (
        "does not test factor 2 x stable",
        lambda mp: _init_with(mp, AnalysisSuite, _constant("decision", versus_stable=VersusStableConfig(factor=5))),
    ),
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
        lambda mp: _init_with(mp, ObservabilityStack, _constant("alerting", rules=default_policies())),
    ),
    "alert window typed in": ("are not all over", lambda mp: _init_with(mp, ObservabilityStack, _constant("alerting", rate_window="5m"))),
    "alert e-mail dropped": (
        "alert e-mail recipients",
        lambda mp: _init_with(mp, ObservabilityStack, _constant("notifications", email=[])),
    ),
    "generated requests typed in": (
        "podinfo-generated-load settings",
        lambda mp: _init_with(mp, PreExposureTests, _constant("environment", pre_exposure=config_module.PreExposure(enabled=True))),
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
        # SLO share x bad_factor must stay a share (Environment._bad_share_below_one).
        "bad_factor": draw(st.floats(1.01, min(10, 0.99 / max(1 - slo["success_rate_min"], slo["error_rate_max"], 0.05)))),
        "versus_stable": {
            "factor": draw(st.floats(1.01, 10)),
            "margin": draw(st.floats(0.0001, 0.05)),
            "window": f"{draw(st.integers(1, 180))}m",
        },
        "look_interval": f"{look}s",
        "evidence_wait": f"{draw(st.integers(look, 1800))}s",
        "prometheus_outage_tolerance": f"{draw(st.integers(10, 3600))}s",
    }
    stages = draw(_stages())
    pre_exposure = {
        "enabled": draw(st.booleans()),
        "replicas": draw(st.integers(1, 10)),
        "requests": draw(st.integers(20, 100_000)),
        "rate": draw(st.integers(1, 200)),
        "paths": draw(st.lists(st.sampled_from(["/", "/api/info", "/version", "/headers", "/env"]), min_size=1, max_size=3, unique=True)),
        "acceptance_attempts": draw(st.integers(1, 100)),
        "check_version": draw(st.booleans()),
        "generated_counts_for_gate": draw(st.booleans()),
        "router": {"namespace": "gateway-system", "service": "gw-data-plane", "port": draw(st.integers(1, 65535))},
    }
    if pre_exposure["enabled"] and not pre_exposure["generated_counts_for_gate"] and stages[0]["analysis"]:
        stages[0].pop("gate", None)  # the judged pods' series must be gone before the first checks
        stages[0]["pause"] = f"{draw(st.integers(60, 5400))}s"
    data = base.model_dump(mode="json")
    data.update(
        replicas=draw(st.integers(1, 100)),
        # A release version (config/types.py SEMVER_TAG: no leading zeros).
        image={
            "repository": base.image.repository,
            "tag": draw(st.from_regex(r"(0|[1-9][0-9]?)\.(0|[1-9][0-9]?)\.(0|[1-9][0-9]?)", fullmatch=True)),
        },
        canary={"stages": stages},
        slo=slo,
        decision=decision,
        pre_exposure=pre_exposure,
        # Off, or one to three path elements that are none of podinfo's routes.
        routing={"canary_path_prefix": draw(st.none() | st.from_regex(r"/(t-[A-Za-z0-9_-]{1,8}/){1,3}", fullmatch=True))},
    )
    return Environment.model_validate(data, strict=False)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_configurations_flow_to_their_objects(configs, data):
    """Values drawn at random (and so, almost surely, unlike any constant typed into a construct)."""
    base, platform = _env(configs, data.draw(st.sampled_from(["edge", "canary-gw"])))
    env = data.draw(_environments(base))
    assert flow_problems(env_objects(env, platform), env, platform) == []
