"""The Rollout and traffic wiring: the stable and canary Services, the routes that use them, the pods
every analysis measures, capacity during a rollout and under a PodDisruptionBudget; each named
breakage of a construct (a monkeypatched helper, never a source edit) is caught.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from cdk8s_plus_27 import k8s

from imports.gatewayapi.io.k8s.networking import gateway as gw
from imports.rollouts.io import argoproj as ro
from podinfo_canary.charts.environment import podmonitor
from podinfo_canary.charts.environment.analysis import VERSUS_STABLE
from podinfo_canary.charts.environment.mesh import ENVOY_METRICS_PORT_NAME
from podinfo_canary.charts.environment.rollout import RolloutCanary
from podinfo_canary.config import Environment
from podinfo_canary.core import promql as metrics
from podinfo_canary.core import routing, workload
from tests.behaviour import HASH_ARG, SENTINEL, STABLE_SENTINEL, _env, _named, _the, _wrap, env_objects
from tests.conftest import vector_selectors


def _int(value) -> int | None:
    return value if isinstance(value, int) else None


def measured_pods(query: str, namespace: str, *, versus_stable: bool = False) -> list[str]:
    """Selectors of a query that do not measure exactly the canary's pods in `namespace`.

    A podinfo series names the canary by the label the PodMonitor copies from the pod
    (`rollouts_pod_template_hash`); cAdvisor and kube-state-metrics series only by pod name,
    which the Rollouts controller builds as <rollout>-<pod-template-hash>-<suffix>. A relative
    judge's query (`versus_stable`) also reads the stable pods, by the stable hash argument, and
    must read both."""
    wrong, kinds = [], set()
    for selector in vector_selectors(query, SENTINEL):
        matchers = {(m.name, str(m.op)): m.value for m in selector.matchers.matchers}
        in_namespace = matchers.get(("namespace", "MatchOp.Equal")) == namespace
        by_label = matchers.get((workload.HASH_SERIES_LABEL, "MatchOp.Equal")) == SENTINEL
        by_name = matchers.get(("pod", "MatchOp.Re")) == f"podinfo-{SENTINEL}-.*"
        stable = versus_stable and matchers.get((workload.HASH_SERIES_LABEL, "MatchOp.Equal")) == STABLE_SENTINEL
        kinds.add("stable" if stable else "canary")
        if not (in_namespace and (by_label or by_name or stable)):
            wrong.append(f"{selector.name}{{{', '.join(f'{k[0]}' for k in matchers)}}}")
    if versus_stable and kinds != {"stable", "canary"}:
        wrong.append(f"reads only the {' and '.join(sorted(kinds))} pods")
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
    elif env.traffic_router == "gatewayapi":
        plugin = canary["trafficRouting"]["plugins"]["argoproj-labs/gatewayAPI"]
        routes = _named(objs, "HTTPRoute")
        for ref in plugin["httpRoutes"]:
            route = routes.get(ref["name"])
            if route is None:
                problems.append(f"the plugin names HTTPRoute {ref['name']!r}, which the chart lacks")
                continue
            for rule in route["spec"]["rules"]:
                weights = {b["name"]: b.get("weight") for b in rule.get("backendRefs", [])}
                if weights != {stable: 100, canary_service: 0}:
                    problems.append(f"HTTPRoute {ref['name']!r} weights {weights}; at rest stable {stable!r} takes 100")
                if any(b["port"] not in service_ports.values() for b in rule.get("backendRefs", [])):
                    problems.append(f"HTTPRoute {ref['name']!r} names a port the Services do not have")
    else:
        istio = canary["trafficRouting"]["istio"]["virtualService"]
        service = _named(objs, "VirtualService").get(istio["name"])
        if service is None:
            problems.append(f"the Rollout names VirtualService {istio['name']!r}, which the chart lacks")
        else:
            for route in (r for r in service["spec"]["http"] if r.get("name") in istio["routes"]):
                weights = {d["destination"]["host"].split(".")[0]: d.get("weight") for d in route["route"]}
                if weights != {stable: 100, canary_service: 0}:
                    problems.append(f"VirtualService route {route['name']!r} weights {weights}; at rest stable {stable!r} takes 100")
                if any(d["destination"]["port"]["number"] not in service_ports.values() for d in route["route"]):
                    problems.append(f"VirtualService route {route['name']!r} names a port the Services do not have")
            if sorted(service["spec"]["hosts"]) != sorted(env.hosts):
                problems.append(f"the VirtualService serves {service['spec']['hosts']}, config says {env.hosts}")
    if env.traffic_router != "nginx":
        header_routes = [s["setHeaderRoute"]["name"] for s in canary["steps"] if "setHeaderRoute" in s]
        managed = [r["name"] for r in canary["trafficRouting"].get("managedRoutes", [])]
        if not header_routes or not set(header_routes) <= set(managed):
            problems.append(f"header routes {header_routes} are not all managed routes {managed} (removed at the end)")
        for step in (s for s in canary["steps"] if "setHeaderRoute" in s):
            if step["setHeaderRoute"]["match"] != [{"headerName": "X-Canary", "headerValue": {"exact": "always"}}]:
                problems.append(f"the header route matches {step['setHeaderRoute']['match']}, not X-Canary: always")

    problems += canary_path_problems(objs, env, canary, service_ports)

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
            # upstream: argo-rollouts v1.9.1 utils/analysis/factory.go BuildArgumentsForRolloutAnalysisRun (Stable: status.stableRS)
            if passed.get(workload.STABLE_HASH_ARG) != {"podTemplateHashValue": "Stable"}:
                problems.append(
                    f"{where} gives {name} the {workload.STABLE_HASH_ARG} {passed.get(workload.STABLE_HASH_ARG)}, not the stable hash"
                )
            for metric in templates[name]["spec"]["metrics"]:
                if "job" in metric["provider"]:
                    # The pre-exposure tester: the header route to the environment's host, answered by a canary pod.
                    (container,) = metric["provider"]["job"]["spec"]["template"]["spec"]["containers"]
                    job_env = {e["name"]: e.get("value") for e in container["env"]}
                    if (job_env.get("HEADER"), job_env.get("HOST") in env.hosts) != ("X-Canary", True):
                        problems.append(f"{name} sends {job_env.get('HEADER')} to {job_env.get('HOST')}, not X-Canary to {env.hosts}")
                    if job_env.get("MODE") == "acceptance" and job_env.get("CANARY_POD_PREFIX") != f"podinfo-{{{{args.{HASH_ARG}}}}}-":
                        problems.append(f"{name} accepts answers from {job_env.get('CANARY_POD_PREFIX')}*, not the canary's pods")
                    # The version it expects: the tag of the image this Rollout runs, passed when the run starts.
                    image_from = {"fieldRef": {"fieldPath": "spec.template.spec.containers[0].image"}}
                    if job_env.get("EXPECTED_IMAGE") and passed.get("canary-image") != image_from:
                        problems.append(f"{where} gives {name} the image {passed.get('canary-image')}, not the Rollout's container image")
                    continue
                relative = metric["name"].endswith(VERSUS_STABLE)
                wrong = measured_pods(metric["provider"]["prometheus"]["query"], env.namespace, versus_stable=relative)
                if wrong:
                    problems.append(f"{name}/{metric['name']} measures beyond the canary in {env.namespace}: {wrong}")
    monitor = _the(objs, "PodMonitor")
    if workload.HASH_SERIES_LABEL.replace("_", "-") not in monitor["spec"].get("podTargetLabels", []):
        problems.append(f"the PodMonitor does not copy the pod label the queries read as {workload.HASH_SERIES_LABEL}")
    if not template["metadata"]["labels"].items() >= monitor["spec"]["selector"]["matchLabels"].items():
        problems.append("the PodMonitor does not select the Rollout's pods")
    for endpoint in monitor["spec"]["podMetricsEndpoints"]:
        if env.traffic_router == "istio" and endpoint["port"] == ENVOY_METRICS_PORT_NAME:
            continue  # the injected sidecar's port (charts/environment/mesh.py), not in the template
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


def canary_path_problems(objs: list[dict], env: Environment, canary: dict, service_ports: dict[str, int]) -> list[str]:
    """routing.canary_path_prefix: a route of its own on the environment's hosts, to the canary
    Service alone, the prefix stripped; no route of a controller changes (core/routing.py).

    Every route of the chart sends requests only to the stable and canary Services, on a port they
    have: the pods and port the NetworkPolicy `podinfo-traffic` opens to the router
    (test_security.py), so the prefix needs no policy of its own."""
    problems: list[str] = []
    prefix = env.routing.canary_path_prefix
    stable, canary_service = canary["stableService"], canary["canaryService"]
    ingresses, routes = _named(objs, "Ingress"), _named(objs, "HTTPRoute")
    backends = [(f"Ingress {n}", p["backend"]["service"]["name"], p["backend"]["service"]["port"].get("name")) for n, i in ingresses.items()
                for r in i["spec"]["rules"] for p in r["http"]["paths"]]  # fmt: skip
    backends += [
        (f"HTTPRoute {n}", b["name"], b["port"])
        for n, r in routes.items()
        for rule in r["spec"]["rules"]
        for b in rule.get("backendRefs", [])
    ]
    for where, service, port in backends:
        if service not in (stable, canary_service) or (port not in service_ports and port not in service_ports.values()):
            problems.append(f"{where} sends requests to {service}:{port}, not to the stable or canary Service's port")
    if env.traffic_router == "istio":
        (service,) = [o for o in objs if o["kind"] == "VirtualService"]
        weighed = set(canary["trafficRouting"]["istio"]["virtualService"]["routes"])
        own = [r for r in service["spec"]["http"] if r.get("name") not in weighed]
        if not prefix:
            return problems + [f"VirtualService route {r.get('name')} without a canary path prefix" for r in own]
        if len(own) != 1:
            return [*problems, f"{len(own)} VirtualService routes beside the weighed ones for the canary path prefix, not one"]
        (route,) = own
        if [m["uri"] for m in route.get("match", [])] != [{"prefix": prefix}, {"exact": routing.element(prefix)}]:
            problems.append(f"the canary path route matches {route.get('match')}, not the prefix {prefix}")
        if route.get("rewrite") != {"uri": routing.REWRITE_TO}:
            problems.append(f"the canary path route rewrites {route.get('rewrite')}, not to {routing.REWRITE_TO}")
        hosts = [d["destination"]["host"] for d in route["route"]]
        if hosts != [canary_service] or any(d["destination"]["port"]["number"] not in service_ports.values() for d in route["route"]):
            problems.append(f"the canary path route sends requests to {hosts}, not to {canary_service!r} alone")
        # Before `primary`: Istio takes the first route that matches, and `primary` matches every path.
        if service["spec"]["http"].index(route) > min(i for i, r in enumerate(service["spec"]["http"]) if r.get("name") in weighed):
            problems.append("the canary path route comes after the weighed route, which matches every path first")
        return problems
    if env.traffic_router == "nginx":
        stable_ingress = ingresses[canary["trafficRouting"]["nginx"]["stableIngress"]]
        others = [i for n, i in ingresses.items() if n != stable_ingress["metadata"]["name"]]
        if not prefix:
            return problems + [f"Ingress {i['metadata']['name']} without a canary path prefix" for i in others]
        if len(others) != 1:
            return [*problems, f"{len(others)} Ingresses beside the stable one for the canary path prefix, not one"]
        (ingress,) = others
        notes = ingress["metadata"].get("annotations", {})
        paths = [(r["host"], p) for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
        if sorted(h for h, _ in paths) != sorted(env.hosts) or ingress["spec"].get("tls") != stable_ingress["spec"].get("tls"):
            problems.append(
                f"the canary path Ingress serves {[h for h, _ in paths]} with TLS {ingress['spec'].get('tls')}, not the stable Ingress's hosts and TLS"
            )
        for _, p in paths:
            if (p["path"], p["pathType"]) != (routing.nginx_path(prefix), "ImplementationSpecific"):
                problems.append(
                    f"the canary path Ingress matches {p['path']} ({p['pathType']}), not {routing.nginx_path(prefix)} as a regex"
                )
            if p["backend"]["service"]["name"] != canary_service:
                problems.append(f"the canary path Ingress routes to {p['backend']['service']['name']}, not to {canary_service!r}")
        if notes.get("nginx.ingress.kubernetes.io/rewrite-target") != routing.NGINX_REWRITE_TARGET:
            problems.append(
                f"the canary path Ingress rewrites to {notes.get('nginx.ingress.kubernetes.io/rewrite-target')}, not {routing.NGINX_REWRITE_TARGET}"
            )
        if any(k.startswith("nginx.ingress.kubernetes.io/canary") for k in notes):
            problems.append("the canary path Ingress is an ingress-nginx canary: it would take the derived canary Ingress's place")
        return problems
    plugin_names = {r["name"] for r in canary["trafficRouting"]["plugins"]["argoproj-labs/gatewayAPI"]["httpRoutes"]}
    for name in plugin_names & set(routes):
        # Gateway API plugin v0.15.0 pkg/plugin/httproute.go isHTTPManagedRule: a rule whose only
        # backend is the canary Service is one of its header routes, deleted at every removeHTTPManagedRoutes.
        if any([b["name"] for b in rule.get("backendRefs", [])] == [canary_service] for rule in routes[name]["spec"]["rules"]):
            problems.append(f"HTTPRoute {name!r}, the plugin's, has a rule to the canary Service alone: the plugin deletes it")
    # The HTTP listener's redirect to https (no backend) is not a route to the canary.
    others = [r for n, r in routes.items() if n not in plugin_names and any("backendRefs" in rule for rule in r["spec"]["rules"])]
    if not prefix:
        return problems + [f"HTTPRoute {r['metadata']['name']} without a canary path prefix" for r in others]
    if len(others) != 1:
        return [*problems, f"{len(others)} HTTPRoutes beside the plugin's for the canary path prefix, not one"]
    (route,) = others
    plugin_route = routes[next(iter(plugin_names))]
    for field in ("parentRefs", "hostnames"):
        if route["spec"][field] != plugin_route["spec"][field]:
            problems.append(
                f"the canary path HTTPRoute's {field} {route['spec'][field]} are not the plugin route's {plugin_route['spec'][field]}"
            )
    expected = {
        "matches": [{"path": {"type": "PathPrefix", "value": routing.element(prefix)}}],
        "filters": [
            {"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": routing.REWRITE_TO}}}
        ],
        "backends": [canary_service],
    }
    for rule in route["spec"]["rules"]:
        found = {
            "matches": rule.get("matches"),
            "filters": rule.get("filters"),
            "backends": [b["name"] for b in rule.get("backendRefs", [])],
        }
        if found != expected:
            problems.append(f"the canary path HTTPRoute's rule is {found}, not {expected}")
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


def _as_nginx_canary(kwargs: dict) -> dict:
    if kwargs.get("name") != "podinfo-canary-path":
        return kwargs
    return {**kwargs, "annotations": {**kwargs["annotations"], "nginx.ingress.kubernetes.io/canary": "true"}}


def _canary_rule_in_plugin_route(kwargs: dict) -> dict:
    """The plugin's HTTPRoute (its rule has both Services) with a second rule to the canary Service alone."""
    if len(kwargs["rules"][0].backend_refs or ()) != 2:
        return kwargs
    rule = gw.HttpRouteSpecRules(backend_refs=[gw.HttpRouteSpecRulesBackendRefs(name="podinfo-canary", port=80)])
    return {**kwargs, "rules": [*kwargs["rules"], rule]}


# The originals, for breakages that call them with a wrong argument.
_ORIG_SERVICE = RolloutCanary._service
_ORIG_INGRESS = RolloutCanary._stable_ingress
_ORIG_ROUTE = RolloutCanary._http_route
_ORIG_PATH_INGRESS = RolloutCanary._canary_path_ingress
_ORIG_PATH_ROUTE = RolloutCanary._canary_path_http_route
_ORIG_PODS = metrics.Selector.pods
_ORIG_HTTP = metrics.Selector.http


def _stable(selector) -> bool:
    return selector.pod_hash == workload.STABLE_HASH_PLACEHOLDER


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
    "canary path Ingress to the stable Service": (
        "edge",
        "the canary path Ingress routes to",
        lambda mp: mp.setattr(RolloutCanary, "_canary_path_ingress", _swap_services(_ORIG_PATH_INGRESS)),
    ),
    "canary path Ingress as an ingress-nginx canary": (
        "edge",
        "is an ingress-nginx canary",
        lambda mp: _wrap(mp, k8s, "ObjectMeta", _as_nginx_canary),
    ),
    "canary path HTTPRoute to the stable Service": (
        "canary-gw",
        "not {'matches'",
        lambda mp: mp.setattr(RolloutCanary, "_canary_path_http_route", _swap_services(_ORIG_PATH_ROUTE)),
    ),
    "canary path rule inside the plugin's HTTPRoute": (
        "canary-gw",
        "the plugin deletes it",
        lambda mp: _wrap(mp, gw, "HttpRouteSpec", _canary_rule_in_plugin_route),
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
    "the relative judge compared with the canary itself": (
        "edge",
        "server-errors-vs-stable measures beyond the canary",
        lambda mp: mp.setattr(
            metrics.Selector,
            "http",
            lambda self, extra="": _ORIG_HTTP(replace(self, pod_hash=workload.CANARY_HASH_PLACEHOLDER) if _stable(self) else self, extra),
        ),
    ),
    "the relative judge compared with every pod": (
        "canary-gw",
        "unsuccessful-vs-stable measures beyond the canary",
        lambda mp: mp.setattr(
            metrics.Selector, "http", lambda self, extra="": _ORIG_HTTP(replace(self, pod_hash=None) if _stable(self) else self, extra)
        ),
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
