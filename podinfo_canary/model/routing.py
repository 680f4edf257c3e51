"""Where one request goes: the router's routes as synthesized into dist/, then the pods a Service selects.

The router's part is read from the objects: for ingress-nginx the Ingresses of the host (the stable
one, the canary path prefix's) and the Rollout's `canary-by-header`, which the canary Ingress the
controller derives carries on the stable Ingress's `/`; for Gateway API the HTTPRoutes (the
plugin's, whose weights it moves, and the prefix's) and the Rollout's `setHeaderRoute` match,
which the plugin adds as a rule while its step is in force. The controller's part is a RouteState:
which ReplicaSet the canary Service selects, how many canary pods are available, and whether the
plugin's header route exists (controller.simulate records it each time it changes:
Outcome.routes).

Each rule names the upstream function it encodes: ingress-nginx controller-v1.15.1, Gateway API
v1.6.1 (the HTTPRoute CRD's field documentation), Argo Rollouts v1.9.1 and its Gateway API plugin
v0.15.0. `tests/model/test_routing_model.py` runs them on the fixture environments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from podinfo_canary.core.workload import CANARY_HEADER

WEIGHTED = "weighted"  # the stable or the canary Service, by the canary's weight
CANARY, STABLE = "canary", "stable"
_NGINX = "nginx.ingress.kubernetes.io/"


def nginx_rewrite(ingress_path: str, target: str, uri: str) -> str:
    """ingress-nginx's `rewrite "(?i)<path>" <target> break;` (controller-v1.15.1 template.go
    buildProxyPass): NGINX replaces the whole URI with the target, `$n` by the regex's groups (an
    unmatched group by nothing). The location already matched, so the regex matches."""
    groups = re.search("(?i)" + ingress_path, uri)
    assert groups is not None, (ingress_path, uri)
    return re.sub(r"\$(\d)", lambda g: groups.group(int(g[1])) or "", target)


@dataclass(frozen=True)
class RouteState:
    """What the controller has set up for routing at one second.

    canary_service: the ReplicaSet the canary Service selects, CANARY or STABLE: the stable one
        outside a rollout, until the canary's pods are available, and after an abort.
    canary_available: the canary ReplicaSet's available pods (its Service's endpoints).
    header_route: the plugin's header route exists (Gateway API; with ingress-nginx the canary
        Ingress carries canary-by-header from the first reconcile, so always true there).
    """

    canary_service: str
    canary_available: int
    header_route: bool


@dataclass(frozen=True)
class Answer:
    """Which pods answer a request (CANARY, STABLE, WEIGHTED between them, or None: the Service has
    no endpoint and the router answers 503) and the path podinfo serves and records."""

    pods: str | None
    path: str


@dataclass(frozen=True)
class _Location:
    """One ingress-nginx location of a host: its Ingress path and the Service behind it."""

    path: str
    path_type: str
    service: str
    rewrite_target: str = ""
    use_regex: bool = False


@dataclass(frozen=True)
class _Rule:
    """One HTTPRoute rule with a PathPrefix match, its backends and its ReplacePrefixMatch (or None)."""

    prefix: str
    headers: tuple[tuple[str, str], ...]
    backends: tuple[str, ...]
    replace_prefix: str | None = None


@dataclass(frozen=True)
class _VirtualRoute:
    """One VirtualService HTTP route: its URI matches ((prefix|exact, value); none: every
    request), its `rewrite.uri` (or None) and its destinations' hosts."""

    matches: tuple[tuple[str, str], ...]
    rewrite: str | None
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class Routes:
    """The routes of one synthesized environment, for its first host."""

    router: str  # nginx | gatewayapi | istio
    stable_service: str
    canary_service: str
    locations: tuple[_Location, ...] = ()  # nginx
    header_values: tuple[str, ...] = ()  # nginx: canary-by-header is on; gatewayapi: the header route's exact values
    rules: tuple[_Rule, ...] = ()  # gatewayapi, the header route excepted
    virtual_routes: tuple[_VirtualRoute, ...] = ()  # istio, in the VirtualService's order, managed routes excepted

    @classmethod
    def from_objects(cls, objects: list[dict]) -> Routes:
        (rollout,) = [o for o in objects if o["kind"] == "Rollout"]
        canary = rollout["spec"]["strategy"]["canary"]
        stable, canary_service = canary["stableService"], canary["canaryService"]
        traffic = canary["trafficRouting"]
        if "nginx" in traffic:
            host = next(o for o in objects if o["kind"] == "Ingress")["spec"]["rules"][0]["host"]
            locations = []
            for ingress in (o for o in objects if o["kind"] == "Ingress"):
                notes = ingress["metadata"].get("annotations", {})
                for rule in (r for r in ingress["spec"]["rules"] if r["host"] == host):
                    for p in rule["http"]["paths"]:
                        locations.append(
                            _Location(
                                p["path"],
                                p["pathType"],
                                p["backend"]["service"]["name"],
                                notes.get(_NGINX + "rewrite-target", ""),
                                notes.get(_NGINX + "use-regex") == "true",
                            )
                        )
            by_header = traffic["nginx"].get("additionalIngressAnnotations", {}).get("canary-by-header")
            return cls("nginx", stable, canary_service, locations=tuple(locations), header_values=("always",) if by_header else ())
        values = tuple(
            m["headerValue"]["exact"]
            for s in canary["steps"]
            if "setHeaderRoute" in s
            for m in s["setHeaderRoute"]["match"]
            if m["headerName"] == CANARY_HEADER
        )
        if "istio" in traffic:
            (service,) = [o for o in objects if o["kind"] == "VirtualService"]
            routes = tuple(
                _VirtualRoute(
                    tuple((kind, value) for m in r.get("match", []) for kind, value in m["uri"].items()),
                    (r.get("rewrite") or {}).get("uri"),
                    tuple(d["destination"]["host"].split(".")[0] for d in r["route"]),
                )
                for r in service["spec"]["http"]
            )
            return cls("istio", stable, canary_service, header_values=values, virtual_routes=routes)
        rules = []
        for route in (o for o in objects if o["kind"] == "HTTPRoute"):
            for rule in route["spec"]["rules"]:
                if "backendRefs" not in rule:
                    continue  # the HTTP listener's redirect to https: no backend, not the HTTPS host's route
                (match,) = rule["matches"]
                rewrite = [f["urlRewrite"]["path"] for f in rule.get("filters", []) if f["type"] == "URLRewrite"]
                replace = rewrite[0]["replacePrefixMatch"] if rewrite and rewrite[0]["type"] == "ReplacePrefixMatch" else None
                rules.append(_Rule(match["path"]["value"], (), tuple(b["name"] for b in rule["backendRefs"]), replace))
        return cls("gatewayapi", stable, canary_service, header_values=values, rules=tuple(rules))

    # --- the router -----------------------------------------------------------------------------

    def service(self, path: str, header: str | None, state: RouteState) -> tuple[str, str]:
        """The Service (or WEIGHTED) a request for `path` with `X-Canary: header` reaches, and the path it is sent with."""
        if self.router == "nginx":
            return self._nginx(path, header)
        if self.router == "istio":
            return self._istio(path, header, state)
        return self._gateway(path, header, state)

    def _istio(self, path: str, header: str | None, state: RouteState) -> tuple[str, str]:
        """Istio: a VirtualService's HTTP routes are tried in order and the first that matches
        wins (a route without `match` matches every request); a `uri.prefix` match is a string
        prefix, `exact` the whole path, both case-sensitive; `rewrite.uri` replaces the matched
        prefix, or the whole path of an exact match (Istio 1.30 networking/v1 VirtualService
        HTTPRoute, HTTPMatchRequest, HTTPRewrite). The controller puts its managed routes on top
        (argo-rollouts v1.9.1 istio.go orderRoutes): the header route first, while it exists."""
        if state.header_route and header in self.header_values:
            return self.canary_service, path
        for route in self.virtual_routes:
            for kind, value in route.matches or (("prefix", ""),):
                if (kind == "prefix" and path.startswith(value)) or (kind == "exact" and path == value):
                    sent = path if route.rewrite is None else route.rewrite + (path[len(value) :] if kind == "prefix" else "")
                    if len(route.hosts) > 1:
                        return WEIGHTED, sent
                    return route.hosts[0], sent
        raise LookupError(f"no route of the VirtualService matches {path}")

    def _nginx(self, path: str, header: str | None) -> tuple[str, str]:
        """ingress-nginx: a host's locations are sorted longest path first (controller.go
        getBackendServers); with a rewrite or use-regex on any Ingress of the host, every location
        is the case-insensitive regex `~* "^<path>"` (template.go enforceRegexModifier,
        buildLocation) and NGINX takes the first that matches; a rewrite replaces the whole URI
        with the target, its `$n` the groups of `(?i)<path>` (buildProxyPass: `rewrite "(?i)<path>"
        <target> break;`). Without regex, a Prefix location matches by path elements. The canary
        Ingress is merged into the stable Ingress's location of the same path: `always` sends a
        request to the canary Service, `never` to stable, otherwise the weight decides."""
        regex = any(loc.use_regex or (loc.rewrite_target and loc.rewrite_target != loc.path) for loc in self.locations)
        ordered = sorted(sorted(self.locations, key=lambda loc: loc.path, reverse=True), key=lambda loc: len(loc.path), reverse=True)
        for loc in ordered:
            if regex:
                matched = re.match("^" + loc.path, path, re.IGNORECASE)
            else:
                head = loc.path.rstrip("/")
                matched = path == loc.path or path == head or path.startswith(head + "/")
            if not matched:
                continue
            sent = path
            if loc.rewrite_target and loc.rewrite_target != loc.path:
                sent = nginx_rewrite(loc.path, loc.rewrite_target, path)
            if loc.service == self.stable_service and header in self.header_values:
                return self.canary_service, sent
            if loc.service == self.stable_service:
                return (self.stable_service if header == "never" and self.header_values else WEIGHTED), sent
            return loc.service, sent
        raise LookupError(f"no location of the host matches {path}")

    def _gateway(self, path: str, header: str | None, state: RouteState) -> tuple[str, str]:
        """Gateway API: among every rule of every HTTPRoute of the host, the match with the longest
        PathPrefix wins, then the one with more header matches (HTTPRouteRule `matches`);
        PathPrefix matches by path elements and ReplacePrefixMatch replaces the matched elements
        (HTTPPathModifier). The plugin's header route is a copy of its `/` rule with the header
        match and the canary Service alone (plugin v0.15.0 pkg/plugin/httproute.go
        setHTTPHeaderRoute), while it exists."""
        candidates: list[tuple[int, int, _Rule]] = []
        rules = list(self.rules)
        if state.header_route and header in self.header_values:
            plugin = next(r for r in self.rules if set(r.backends) == {self.stable_service, self.canary_service})
            rules.append(_Rule(plugin.prefix, ((CANARY_HEADER, header),), (self.canary_service,)))
        for rule in rules:
            head = rule.prefix.rstrip("/")
            if head and not (path == head or path.startswith(head + "/")):
                continue
            candidates.append((len(head), len(rule.headers), rule))
        if not candidates:
            raise LookupError(f"no rule of the host matches {path}")
        _, _, rule = max(candidates, key=lambda c: c[:2])
        sent = path
        if rule.replace_prefix is not None:
            sent = (rule.replace_prefix.rstrip("/") + path[len(rule.prefix.rstrip("/")) :]) or "/"
        if len(rule.backends) > 1:
            return WEIGHTED, sent
        return rule.backends[0], sent

    # --- the Services ------------------------------------------------------------------------------

    def answer(self, path: str, state: RouteState, header: str | None = None) -> Answer:
        """Which pods answer: the stable Service always selects the stable ReplicaSet; the canary
        Service the one the controller last pointed it at (RouteState.canary_service), with no
        endpoint when that is the canary ReplicaSet and none of its pods is available."""
        service, sent = self.service(path, header, state)
        if service == WEIGHTED:
            return Answer(WEIGHTED, sent)
        if service == self.stable_service or state.canary_service == STABLE:
            return Answer(STABLE, sent)
        return Answer(CANARY if state.canary_available > 0 else None, sent)
