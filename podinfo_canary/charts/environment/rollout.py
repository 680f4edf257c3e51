"""RolloutCanary: podinfo as an Argo Rollouts canary with weighted and header routing on every path
(`/`), and an optional canary path prefix.

`traffic_router` picks how: `nginx` (default), where the controller derives the canary Ingress
from the stable one and moves its weight, and `X-Canary` header routing goes through
`additionalIngressAnnotations`; or `gatewayapi`, an HTTPRoute on the Gateway's HTTPS listener
whose weights the Argo Rollouts Gateway API plugin moves, with a real `setHeaderRoute` step, and a
second HTTPRoute on its plain-HTTP listener that redirects to https. Each stage of `canary.stages`
becomes a setWeight, a timed pause or a manual gate, and its blocking analysis; the background
analysis guards every stage. A failed analysis aborts, and so does a stage whose canary pods make
no progress for the progress deadline (`RolloutTiming`).

With `routing.canary_path_prefix` (e.g. `/canary/`), a route of its own sends that prefix to the
canary Service with the prefix stripped, on either router: an Ingress beside the stable one, or an
HTTPRoute beside the plugin's. Neither controller reads or writes it. Its meaning, for every router
(the Istio one too), is core/routing.py: `canary_path`, `element`, `REWRITE_TO`, re-exported here.

docs/explanation/routing.md "Routing" and "Testing a canary by path", docs/explanation/design.md "Rollback".
"""

from __future__ import annotations

from dataclasses import dataclass

from cdk8s_plus_27 import k8s
from constructs import Construct

from imports.rollouts.io import argoproj as ro
from podinfo_canary.charts.environment.analysis import COMPLETE, HASH_ARGS, AnalysisSuite
from podinfo_canary.charts.environment.mesh import EXCLUDE_INBOUND_PORTS, PRIMARY_ROUTE, IstioRouting
from podinfo_canary.charts.environment.preexposure import PreExposureTests
from podinfo_canary.charts.environment.security import (
    container_security_context,
    host_certificate,
    pod_security_context,
    scanner_skips,
    skip_annotations,
)
from podinfo_canary.charts.platform.apps import GATEWAY_API_PLUGIN, INGRESS_CLASS
from podinfo_canary.config import Environment, Istio, Mirror, Stage
from podinfo_canary.core import promql as metrics
from podinfo_canary.core import tester, workload
from podinfo_canary.core.notifications import EMAILED_EVENTS, ROLLOUT_MESSAGES
from podinfo_canary.core.routing import NGINX_REWRITE_TARGET, REWRITE_TO, canary_path, element, nginx_path  # noqa: F401 (re-exported)
from podinfo_canary.core.workload import CANARY_HEADER, CANARY_SERVICE, HEADER_ROUTE, MIRROR_ROUTE, REDIRECT_ROUTE, STABLE_SERVICE

NAME = workload.WORKLOAD
HTTP_PORT = 9898
HTTP_PORT_NAME = "http"  # container port, Service targetPort and Service port share the name
SERVICE_PORT = 80
# Routers whose header route is a `setHeaderRoute` step (NGINX's is an annotation, always on).
MANAGED_ROUTERS = ("gatewayapi", "istio")
# The HTTPRoute whose rules the Gateway API plugin rewrites (Argo CD ignores them: argocd.py).
PLUGIN_HTTP_ROUTE = NAME
# The route of routing.canary_path_prefix (an Ingress or an HTTPRoute): ours, not a controller's.
CANARY_PATH_ROUTE = f"{NAME}-canary-path"
DEFAULT_RUN_HISTORY = 5  # utils/defaults/defaults.go: DefaultAnalysisRun(Uns|S)uccessfulHistoryLimit
# After the generated load, a scrape of the PodMonitor and a margin: its last requests are in
# Prometheus when the verdict measures.
PRE_EXPOSURE_SETTLE_SECONDS = metrics.SCRAPE_INTERVAL_SECONDS + 5
# After the judged pods are scaled away: podinfo's shutdown (workload.PODINFO_SHUTDOWN_SECONDS),
# then Prometheus writes the stale markers of a target that went away just over two scrape
# intervals later (prometheus scrape/scrape.go endOfRunStaleness), and a margin: then only users'
# requests are counted on the canary's series.
PRE_EXPOSURE_STALE_SECONDS = workload.PODINFO_SHUTDOWN_SECONDS + -(-metrics.SCRAPE_INTERVAL_SECONDS * 21 // 10) + 5
# The checks whose one measurement on the generated evidence ends the phase: the request SLOs'
# sequential tests (absolute and against stable), restarts (in podinfo-error-rate), CPU and memory
# under the load. Not the evidence gate: it asks about users.
PRE_EXPOSURE_VERDICT = ("podinfo-success-rate", "podinfo-error-rate", "podinfo-latency", "podinfo-cpu-usage", "podinfo-memory-usage")


@dataclass(frozen=True)
class PodResources:
    """Requests and limits of the podinfo container. CPU and memory analysis compare usage to the limits.

    cpu_request: the CPU the scheduler reserves. Default: 100m.
    cpu_limit: the CPU ceiling, which `podinfo-cpu-usage` measures against. Default: 500m.
    memory_request: the memory the scheduler reserves. Default: 64Mi.
    memory_limit: the memory ceiling, which `podinfo-memory-usage` measures against. Default: 256Mi.
    """

    cpu_request: str = "100m"
    cpu_limit: str = "500m"
    memory_request: str = "64Mi"
    memory_limit: str = "256Mi"


@dataclass(frozen=True)
class RolloutTiming:
    """Deliberate timings of the canary (seconds).

    abort_scale_down_delay: how long an aborted canary's pods stay, for inspection. Default: 30.
    scale_down_delay: how long the old stable pods stay after a promotion, so ingress-nginx can
        drain them. Default: 30.
    progress_deadline: how long a stage's canary pods may make no progress before the rollout
        aborts. Default: 600 (10 minutes).
    min_ready: minReadySeconds. Default: 0. A canary pod takes traffic once its readiness probe
        passes; a pod that crashes after that is caught by the restart check of the analysis, so
        minReadySeconds would only add its value to each scale-up of a rollout (the weight moves
        once the canary pods are available: upstream: argo-rollouts v1.9.1 rollout/trafficrouting.go
        reconcileTrafficRouting).
    revision_history_limit: how many old ReplicaSets the Rollout keeps. Default: 5.
    """

    abort_scale_down_delay: int = 30
    scale_down_delay: int = 30
    progress_deadline: int = 600
    min_ready: int = 0
    revision_history_limit: int = 5


class RolloutCanary(Construct):
    """The podinfo Rollout with its Services, routing, TLS certificate, PDB and optional HPA.

    Args:
        environment: the image, replicas, hosts, router and canary stages of this environment.
        analysis: the AnalysisSuite whose templates the stages name (passed as an object, so a
            stage can only name a template that exists).
        cluster_issuer: the cert-manager ClusterIssuer of the TLS certificate (nginx router only).
        pre_exposure: the acceptance and load templates when `environment.pre_exposure.enabled`
            (required then, refused otherwise). Default: none (no pre-exposure phase).
        istio: the mesh's settings, required with `traffic_router: istio`. Default: none.
        resources: the container's requests and limits. Default: `PodResources()`.
        timing: the scale-down delays, progress deadline, minReadySeconds and revision history.
            Default: `RolloutTiming()`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment: Environment,
        analysis: AnalysisSuite,
        cluster_issuer: str,
        pre_exposure: PreExposureTests | None = None,
        istio: Istio | None = None,
        resources: PodResources | None = None,
        timing: RolloutTiming | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.environment = environment
        self.namespace = environment.namespace
        self.analysis = analysis
        if environment.pre_exposure.enabled != (pre_exposure is not None):
            raise ValueError(
                f"RolloutCanary: pre_exposure.enabled is {environment.pre_exposure.enabled} in {environment.name}, "
                f"but the PreExposureTests were {'not ' if pre_exposure is None else ''}given"
            )
        self.pre_exposure = pre_exposure
        self.resources = resources or PodResources()
        self.timing = timing or RolloutTiming()
        self.selector = {"app.kubernetes.io/name": NAME}
        self.tls_secret = f"{NAME}-tls"

        self.service_account = k8s.KubeServiceAccount(
            self, "service-account", metadata=self._meta(NAME), automount_service_account_token=False
        )
        self.stable_service = self._service("stable-service", STABLE_SERVICE)
        self.canary_service = self._service("canary-service", CANARY_SERVICE)
        self.redirect_route = None
        self.certificate = self.ingress = self.http_route = self.istio = None
        prefix = environment.routing.canary_path_prefix
        # The prefix's own route (None without a prefix): the Ingress, or the HTTPRoute, below.
        self.canary_path_ingress = None
        self.canary_path_route = None
        if environment.traffic_router == "nginx":
            self.certificate = self._certificate(cluster_issuer)
            self.ingress = self._stable_ingress()
            traffic = self._nginx_routing()
            if prefix:
                self.canary_path_ingress = self._canary_path_ingress(prefix)
        elif environment.traffic_router == "gatewayapi":
            self.http_route = self._http_route()
            if environment.gateway.http_listener is not None:
                self.redirect_route = self._redirect_route()
            traffic = self._gateway_routing()
            if prefix:
                self.canary_path_route = self._canary_path_http_route(prefix)
        else:
            if istio is None:
                raise ValueError(f"RolloutCanary: {environment.name} uses traffic_router istio, but no `istio` settings were given")
            self.istio = IstioRouting(
                self,
                "istio",
                namespace=self.namespace,
                hosts=environment.hosts,
                stable_service=self.stable_service.name,
                canary_service=self.canary_service.name,
                service_port=SERVICE_PORT,
                istio=istio,
                cluster_issuer=cluster_issuer,
                path_routes=[self._canary_path_virtual_route(prefix)] if prefix else [],
            )
            traffic = self._istio_routing()
        self.rollout = self._rollout(traffic)
        self.pod_disruption_budget = k8s.KubePodDisruptionBudget(
            self,
            "pdb",
            metadata=self._meta(NAME),
            spec=k8s.PodDisruptionBudgetSpec(
                max_unavailable=k8s.IntOrString.from_number(1), selector=k8s.LabelSelector(match_labels=self.selector)
            ),
        )
        self.autoscaler = self._autoscaler() if environment.autoscaling else None

    def _meta(self, name: str, **extra) -> k8s.ObjectMeta:
        return k8s.ObjectMeta(name=name, namespace=self.namespace, **extra)

    # --- Services and routing ---------------------------------------------------------------

    def _service(self, id: str, name: str) -> k8s.KubeService:
        # The Rollouts controller adds the pod-template hash to these selectors at run time.
        return k8s.KubeService(
            self,
            id,
            metadata=self._meta(name),
            spec=k8s.ServiceSpec(
                selector=self.selector,
                ports=[
                    k8s.ServicePort(
                        name=HTTP_PORT_NAME, port=SERVICE_PORT, target_port=k8s.IntOrString.from_string(HTTP_PORT_NAME), protocol="TCP"
                    )
                ],
            ),
        )

    def _certificate(self, issuer: str):
        return host_certificate(
            self, "certificate", name=NAME, namespace=self.namespace, secret=self.tls_secret, hosts=self.environment.hosts, issuer=issuer
        )

    def _stable_ingress(self) -> k8s.KubeIngress:
        """One `/` prefix rule (every path) to the stable Service; the controller derives the canary Ingress from it."""
        backend = k8s.IngressBackend(
            service=k8s.IngressServiceBackend(name=self.stable_service.name, port=k8s.ServiceBackendPort(name=HTTP_PORT_NAME))
        )
        return k8s.KubeIngress(
            self,
            "ingress",
            metadata=self._meta(NAME, annotations={"nginx.ingress.kubernetes.io/ssl-redirect": "true"}),
            spec=k8s.IngressSpec(
                ingress_class_name=INGRESS_CLASS,
                tls=[k8s.IngressTls(hosts=list(self.environment.hosts), secret_name=self.tls_secret)],
                rules=[
                    k8s.IngressRule(
                        host=host,
                        http=k8s.HttpIngressRuleValue(paths=[k8s.HttpIngressPath(path="/", path_type="Prefix", backend=backend)]),
                    )
                    for host in self.environment.hosts
                ],
            ),
        )

    def _canary_path_ingress(self, prefix: str) -> k8s.KubeIngress:
        """The prefix on the stable Ingress's hosts and TLS, to the canary Service, the prefix stripped.

        An Ingress of its own: the controller derives the canary Ingress from the stable one (it
        copies the rules whose backend is the stable Service: argo-rollouts v1.9.1
        rollout/trafficrouting/nginx/nginx.go buildCanaryIngress) and owns it; this one names
        neither and has no canary annotation, so ingress-nginx serves it as a plain route, which
        neither the weight nor `X-Canary` changes.

        ingress-nginx (controller-v1.15.1) reads it as follows. The path is a regex
        (ImplementationSpecific: strict-validate-path-type refuses regex characters in Prefix and
        Exact paths), and `rewrite-target` (risk Medium, allowed at the default
        annotations-risk-level High; no snippet needed, snippets stay off) rewrites it to `/$2`
        (template.go buildProxyPass). A rewrite or `use-regex` on any Ingress of a host makes
        every location of that host a case-insensitive regex `~* "^<path>"` (template.go
        enforceRegexModifier, buildLocation): the stable `/` Prefix rule becomes `~* "^/"`,
        which still matches every path, and the canary Ingress the controller derives is merged
        into that same location as its alternative backend, so weights and the header keep their
        meaning. Locations are sorted longest path first (controller.go getBackendServers) and
        NGINX takes the first regex that matches, so the prefix's location is tried before `/`.
        core/routing.py nginx_path matches the prefix case-sensitively despite `~*`;
        tests/core/test_routing.py applies the same regexes with Python's re to sample paths.
        """
        backend = k8s.IngressBackend(
            service=k8s.IngressServiceBackend(name=self.canary_service.name, port=k8s.ServiceBackendPort(name=HTTP_PORT_NAME))
        )
        path = k8s.HttpIngressPath(path=nginx_path(prefix), path_type="ImplementationSpecific", backend=backend)
        return k8s.KubeIngress(
            self,
            "canary-path-ingress",
            metadata=self._meta(
                CANARY_PATH_ROUTE,
                annotations={
                    "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                    "nginx.ingress.kubernetes.io/use-regex": "true",
                    "nginx.ingress.kubernetes.io/rewrite-target": NGINX_REWRITE_TARGET,
                },
            ),
            spec=k8s.IngressSpec(
                ingress_class_name=INGRESS_CLASS,
                tls=[k8s.IngressTls(hosts=list(self.environment.hosts), secret_name=self.tls_secret)],
                rules=[k8s.IngressRule(host=host, http=k8s.HttpIngressRuleValue(paths=[path])) for host in self.environment.hosts],
            ),
        )

    def _nginx_routing(self) -> ro.RolloutSpecStrategyCanaryTrafficRouting:
        return ro.RolloutSpecStrategyCanaryTrafficRouting(
            nginx=ro.RolloutSpecStrategyCanaryTrafficRoutingNginx(
                stable_ingress=self.ingress.name,
                # `X-Canary: always` reaches the canary and `never` stable, whatever the weight;
                # `setHeaderRoute` is a no-op with NGINX.
                additional_ingress_annotations={"canary-by-header": CANARY_HEADER},
            )
        )

    def _http_route(self):
        """`/` (every path) on the Gateway's HTTPS listener only (`sectionName`): without it the route
        would attach to every listener whose hostname and allowedRoutes admit it, plain HTTP too.
        At rest stable takes 100; the plugin moves the weights (setHTTPRouteWeight) and appends the
        header rule, removed again by RemoveManagedRoutes."""
        # Imported here: loading the Gateway API assembly costs every synth, most use NGINX.
        from imports.gatewayapi.io.k8s.networking import gateway as gw

        return gw.HttpRoute(
            self,
            "http-route",
            metadata={"name": PLUGIN_HTTP_ROUTE, "namespace": self.namespace},
            spec=gw.HttpRouteSpec(
                parent_refs=self._parent_refs(self.environment.gateway.https_listener),
                hostnames=list(self.environment.hosts),
                rules=[
                    gw.HttpRouteSpecRules(
                        matches=[self._every_path(gw)],
                        backend_refs=[
                            gw.HttpRouteSpecRulesBackendRefs(name=self.stable_service.name, port=SERVICE_PORT, weight=100),
                            gw.HttpRouteSpecRulesBackendRefs(name=self.canary_service.name, port=SERVICE_PORT, weight=0),
                        ],
                    )
                ],
            ),
        )

    def _redirect_route(self):
        """Plain HTTP for the hosts answered with a 301 to https on the Gateway's HTTP listener (a
        RequestRedirect filter, no backend: the CRD refuses both in one rule), as ingress-nginx's
        `ssl-redirect` does on the nginx path. No port: https implies 443 (HTTPRequestRedirectFilter
        `port`). The plugin never touches this route (it names only `podinfo`)."""
        from imports.gatewayapi.io.k8s.networking import gateway as gw

        gateway = self.environment.gateway
        assert gateway is not None and gateway.http_listener is not None
        return gw.HttpRoute(
            self,
            "https-redirect",
            metadata={"name": REDIRECT_ROUTE, "namespace": self.namespace},
            spec=gw.HttpRouteSpec(
                parent_refs=self._parent_refs(gateway.http_listener),
                hostnames=list(self.environment.hosts),
                rules=[
                    gw.HttpRouteSpecRules(
                        matches=[self._every_path(gw)],
                        filters=[
                            gw.HttpRouteSpecRulesFilters(
                                type=gw.HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                                request_redirect=gw.HttpRouteSpecRulesFiltersRequestRedirect(
                                    scheme=gw.HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                                    status_code=gw.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
                                ),
                            )
                        ],
                    )
                ],
            ),
        )

    def _parent_refs(self, listener: str | None):
        """Where an HTTPRoute attaches: one listener of the configured Gateway."""
        from imports.gatewayapi.io.k8s.networking import gateway as gw

        gateway = self.environment.gateway
        assert gateway is not None  # validated in config
        return [gw.HttpRouteSpecParentRefs(name=gateway.name, namespace=gateway.namespace, section_name=listener)]

    def _canary_path_http_route(self, prefix: str):
        """The prefix on the same hosts and Gateway, to the canary Service only, the prefix stripped.

        A second HTTPRoute, not a rule of the plugin's: the Gateway API plugin v0.15.0 takes a
        rule whose only backend is the canary Service for one of its header routes
        (pkg/plugin/httproute.go isHTTPManagedRule) and deletes it in removeHTTPManagedRoutes, at
        every promotion and abort and whenever the canary has no available pod; it reads and
        writes only the HTTPRoutes its `httpRoutes` name (plugin.go forEachGatewayAPIRoute), so it
        never touches this one, and Argo CD's ignoreDifferences names only the plugin's route
        (argocd.py). Gateway API gives the longest PathPrefix precedence across all routes of a
        host, so the prefix wins over `/` and over the header route's `/`. URLRewrite is Extended
        support in Gateway API: an implementation without it sets this route's Accepted condition
        to False, and the prefix then falls through to the plugin's `/` rule, where podinfo
        answers 404 (which its metrics do not record).
        """
        from imports.gatewayapi.io.k8s.networking import gateway as gw

        rewrite = gw.HttpRouteSpecRulesFiltersUrlRewrite(
            path=gw.HttpRouteSpecRulesFiltersUrlRewritePath(
                type=gw.HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH, replace_prefix_match=REWRITE_TO
            )
        )
        return gw.HttpRoute(
            self,
            "canary-path-route",
            metadata={"name": CANARY_PATH_ROUTE, "namespace": self.namespace},
            spec=gw.HttpRouteSpec(
                # The HTTPS listener, as the plugin's route.
                parent_refs=self._parent_refs(self.environment.gateway.https_listener),
                hostnames=list(self.environment.hosts),
                rules=[
                    gw.HttpRouteSpecRules(
                        # One PathPrefix match: the only kind ReplacePrefixMatch allows (the CRD's rule).
                        matches=[
                            gw.HttpRouteSpecRulesMatches(
                                path=gw.HttpRouteSpecRulesMatchesPath(
                                    type=gw.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value=element(prefix)
                                )
                            )
                        ],
                        filters=[gw.HttpRouteSpecRulesFilters(type=gw.HttpRouteSpecRulesFiltersType.URL_REWRITE, url_rewrite=rewrite)],
                        backend_refs=[gw.HttpRouteSpecRulesBackendRefs(name=self.canary_service.name, port=SERVICE_PORT)],
                    )
                ],
            ),
        )

    @staticmethod
    def _every_path(gw):
        return gw.HttpRouteSpecRulesMatches(
            path=gw.HttpRouteSpecRulesMatchesPath(type=gw.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value="/")
        )

    def _gateway_routing(self) -> ro.RolloutSpecStrategyCanaryTrafficRouting:
        # The plugin is registered in argo-rollouts-config by PlatformApps; `managedRoutes` removes
        # the header route again when the rollout ends.
        return ro.RolloutSpecStrategyCanaryTrafficRouting(
            plugins={
                GATEWAY_API_PLUGIN: {"httpRoutes": [{"name": self.http_route.name, "useHeaderRoutes": True}], "namespace": self.namespace}
            },
            managed_routes=[ro.RolloutSpecStrategyCanaryTrafficRoutingManagedRoutes(name=HEADER_ROUTE)],
        )

    def _canary_path_virtual_route(self, prefix: str):
        """The prefix as a VirtualService route of our own, before `primary`, to the canary Service
        only: Istio's `rewrite.uri` replaces the matched prefix (or the whole path of an exact
        match), so `/canary/api/info` is served as `/api/info` and `/canary` as `/` (core/routing.py).
        Not a route the controller weighs or manages: it edits only `primary` and its managed
        routes, which it puts on top (istio.go reconcileVirtualService, orderRoutes)."""
        from imports.istio.io.istio import networking as net

        return net.VirtualServiceSpecHttp(
            name=CANARY_PATH_ROUTE,
            match=[
                net.VirtualServiceSpecHttpMatch(uri=net.VirtualServiceSpecHttpMatchUri(prefix=prefix)),
                net.VirtualServiceSpecHttpMatch(uri=net.VirtualServiceSpecHttpMatchUri(exact=element(prefix))),
            ],
            rewrite=net.VirtualServiceSpecHttpRewrite(uri=REWRITE_TO),
            route=[
                net.VirtualServiceSpecHttpRoute(
                    destination=net.VirtualServiceSpecHttpRouteDestination(
                        host=self.canary_service.name, port=net.VirtualServiceSpecHttpRouteDestinationPort(number=SERVICE_PORT)
                    )
                )
            ],
        )

    def _istio_routing(self) -> ro.RolloutSpecStrategyCanaryTrafficRouting:
        # Managed routes go on top of the VirtualService's own, in this order (upstream:
        # argo-rollouts v1.9.1 rollout/trafficrouting/istio/istio.go orderRoutes): a request with
        # the header reaches the canary before the mirror route copies anything.
        managed = [HEADER_ROUTE, *([MIRROR_ROUTE] if self.environment.pre_exposure.mirror else [])]
        return ro.RolloutSpecStrategyCanaryTrafficRouting(
            istio=ro.RolloutSpecStrategyCanaryTrafficRoutingIstio(
                virtual_service=ro.RolloutSpecStrategyCanaryTrafficRoutingIstioVirtualService(
                    name=self.istio.virtual_service.name, routes=[PRIMARY_ROUTE]
                )
            ),
            managed_routes=[ro.RolloutSpecStrategyCanaryTrafficRoutingManagedRoutes(name=name) for name in managed],
        )

    # --- the Rollout ------------------------------------------------------------------------

    def _header_route(self) -> ro.RolloutSpecStrategyCanarySteps:
        return ro.RolloutSpecStrategyCanarySteps(
            set_header_route=ro.RolloutSpecStrategyCanaryStepsSetHeaderRoute(
                name=HEADER_ROUTE,
                match=[
                    ro.RolloutSpecStrategyCanaryStepsSetHeaderRouteMatch(
                        header_name=CANARY_HEADER,
                        header_value=ro.RolloutSpecStrategyCanaryStepsSetHeaderRouteMatchHeaderValue(exact="always"),
                    )
                ],
            )
        )

    def _analysis_step(self, templates: list[ro.AnalysisTemplate], image_arg: bool = False) -> ro.RolloutSpecStrategyCanarySteps:
        args = [
            ro.RolloutSpecStrategyCanaryStepsAnalysisArgs(
                name=arg, value_from=ro.RolloutSpecStrategyCanaryStepsAnalysisArgsValueFrom(pod_template_hash_value=which)
            )
            for arg, which in HASH_ARGS
        ]
        if image_arg:
            # The image this Rollout runs, read when the run is created (tester.IMAGE_ARG).
            args.append(
                ro.RolloutSpecStrategyCanaryStepsAnalysisArgs(
                    name=tester.IMAGE_ARG,
                    value_from=ro.RolloutSpecStrategyCanaryStepsAnalysisArgsValueFrom(
                        field_ref=ro.RolloutSpecStrategyCanaryStepsAnalysisArgsValueFromFieldRef(field_path=tester.IMAGE_FIELD)
                    ),
                )
            )
        return ro.RolloutSpecStrategyCanarySteps(
            analysis=ro.RolloutSpecStrategyCanaryStepsAnalysis(
                templates=[ro.RolloutSpecStrategyCanaryStepsAnalysisTemplates(template_name=t.name) for t in templates],
                args=args,
            )
        )

    def _pre_exposure_steps(self) -> list[ro.RolloutSpecStrategyCanarySteps]:
        """Canary pods at 0% of user traffic, reached only with `X-Canary: always`: the acceptance
        test, the generated load, a settle for their last requests to be scraped, and one verdict of
        the request SLOs' sequential tests on that evidence (docs/explanation/analysis.md "Evidence before exposure").

        setCanaryScale with replicas sizes the canary apart from the weight (upstream: argo-rollouts
        v1.9.1 utils/replicaset/canary.go GetCanaryReplicasOrWeight), which stays 0 as no setWeight
        has run yet (GetCurrentSetWeight), and completes once the canary pods are available
        (rollout/canary.go completedCurrentCanaryStep, AtDesiredReplicaCountsForCanary). The Gateway API plugin's header route is set only then:
        while the canary has no available pod the controller removes managed routes at every
        reconcile (rollout/trafficrouting.go reconcileTrafficRouting, RemoveManagedRoutes).
        Unless generated requests may count for the gate, `setCanaryScale: {matchTrafficWeight:
        true}` at weight 0 then scales the judged pods away (UseSetCanaryScale stops at it;
        trafficWeightToReplicas(0) is 0), and a pause lets their series go stale: users are served,
        and counted, by fresh pods.
        """
        pre = self.pre_exposure
        assert pre is not None
        steps = [
            ro.RolloutSpecStrategyCanarySteps(
                set_canary_scale=ro.RolloutSpecStrategyCanaryStepsSetCanaryScale(replicas=self.environment.pre_exposure.replicas)
            )
        ]
        if self.environment.traffic_router in MANAGED_ROUTERS:
            steps.append(self._header_route())
        mirror = self.environment.pre_exposure.mirror
        if mirror is not None:
            steps.append(self._mirror_route(mirror))
        steps += [
            self._analysis_step([pre.acceptance], image_arg=bool(pre.acceptance_args)),
            self._analysis_step([pre.load]),
            self._settle(),
            self._analysis_step([self.analysis.template(name) for name in PRE_EXPOSURE_VERDICT]),
        ]
        if mirror is not None:
            # Removed before any weight: from the first weight on users' requests reach the canary
            # themselves, and a copy of each GET would count again there (the mirror route copies
            # the weighted route, whose weights setWeight also moves in it: istio.go
            # createMirrorRoute, generateVirtualServicePatches), doubling its evidence.
            steps.append(
                ro.RolloutSpecStrategyCanarySteps(set_mirror_route=ro.RolloutSpecStrategyCanaryStepsSetMirrorRoute(name=MIRROR_ROUTE))
            )
        if not self.environment.pre_exposure.generated_counts_for_gate:
            # The judged pods go; Prometheus marks their series stale at their next scrape, so a
            # settle later only users' requests are counted (and judged) on the canary's series.
            steps += [self._match_traffic_weight(), self._settle(PRE_EXPOSURE_STALE_SECONDS)]
        return steps

    @staticmethod
    def _mirror_route(mirror: Mirror) -> ro.RolloutSpecStrategyCanarySteps:
        """Copies of `mirror.percent` of users' requests with the idempotent methods go to the canary
        (one match per method: a request matches if any matches)."""
        return ro.RolloutSpecStrategyCanarySteps(
            set_mirror_route=ro.RolloutSpecStrategyCanaryStepsSetMirrorRoute(
                name=MIRROR_ROUTE,
                percentage=mirror.percent,
                match=[
                    ro.RolloutSpecStrategyCanaryStepsSetMirrorRouteMatch(
                        method=ro.RolloutSpecStrategyCanaryStepsSetMirrorRouteMatchMethod(exact=method)
                    )
                    for method in mirror.methods
                ],
            )
        )

    @staticmethod
    def _settle(seconds: int = PRE_EXPOSURE_SETTLE_SECONDS) -> ro.RolloutSpecStrategyCanarySteps:
        return ro.RolloutSpecStrategyCanarySteps(
            pause=ro.RolloutSpecStrategyCanaryStepsPause(duration=ro.RolloutSpecStrategyCanaryStepsPauseDuration.from_string(f"{seconds}s"))
        )

    @staticmethod
    def _match_traffic_weight() -> ro.RolloutSpecStrategyCanarySteps:
        return ro.RolloutSpecStrategyCanarySteps(
            set_canary_scale=ro.RolloutSpecStrategyCanaryStepsSetCanaryScale(match_traffic_weight=True)
        )

    def _steps(self) -> list[ro.RolloutSpecStrategyCanarySteps]:
        steps: list[ro.RolloutSpecStrategyCanarySteps] = []
        pre = self.environment.pre_exposure
        if self.pre_exposure is not None:
            steps += self._pre_exposure_steps()
        for number, stage in enumerate(self.environment.canary.stages):
            stage_steps = self._stage_steps(stage)
            if number == 0:
                after_weight: list[ro.RolloutSpecStrategyCanarySteps] = []
                if self.pre_exposure is not None and pre.generated_counts_for_gate:
                    # The judged pods serve on: from this weight on the canary scales with the weight
                    # again (UseSetCanaryScale keeps the last setCanaryScale in force until one with
                    # matchTrafficWeight).
                    after_weight.append(self._match_traffic_weight())
                elif self.environment.traffic_router in MANAGED_ROUTERS:
                    # Once the first weight's canary pods are available (see _pre_exposure_steps).
                    after_weight.append(self._header_route())
                stage_steps = stage_steps[:1] + after_weight + stage_steps[1:]
            steps += stage_steps
        return steps

    def _stage_steps(self, stage: Stage) -> list[ro.RolloutSpecStrategyCanarySteps]:
        steps = [ro.RolloutSpecStrategyCanarySteps(set_weight=stage.weight)]
        if stage.gate == "manual":
            steps.append(ro.RolloutSpecStrategyCanarySteps(pause=ro.RolloutSpecStrategyCanaryStepsPause()))
        elif stage.pause:
            duration = ro.RolloutSpecStrategyCanaryStepsPauseDuration.from_string(stage.pause)
            steps.append(ro.RolloutSpecStrategyCanarySteps(pause=ro.RolloutSpecStrategyCanaryStepsPause(duration=duration)))
        if stage.analysis:
            steps.append(self._analysis_step([self.analysis.template(name) for name in stage.analysis]))
        return steps

    def _rollout(self, traffic: ro.RolloutSpecStrategyCanaryTrafficRouting) -> ro.Rollout:
        env, timing = self.environment, self.timing
        steps = self._steps()
        first_weight = next(i for i, step in enumerate(steps) if step.set_weight is not None)
        runs_per_rollout = 1 + sum(1 for step in steps if step.analysis is not None)  # the background run and each step's
        return ro.Rollout(
            self,
            "rollout",
            metadata={
                "name": NAME,
                "namespace": self.namespace,
                # Rollout events (aborted, paused, completed, analysis failed) go to this environment's channel.
                "annotations": {
                    **{
                        f"notifications.argoproj.io/subscribe.on-{event}.slack": env.notifications.slack_channel
                        for event in ROLLOUT_MESSAGES
                    },
                    # Aborts and failed analyses also by e-mail (recipients separated by `;`).
                    **{
                        f"notifications.argoproj.io/subscribe.on-{event}.email": ";".join(env.notifications.email)
                        for event in EMAILED_EVENTS
                        if env.notifications.email
                    },
                    # The scanner checks this project does not meet, each with its reason (security.py).
                    **skip_annotations(scanner_skips(env)),
                },
            },
            spec=ro.RolloutSpec(
                # With an HPA the autoscaler owns replicas: leaving them out of Git means Argo CD
                # never fights it (no ignoreDifferences needed).
                replicas=None if env.autoscaling else env.replicas,
                revision_history_limit=timing.revision_history_limit,
                min_ready_seconds=timing.min_ready,
                progress_deadline_seconds=timing.progress_deadline,
                progress_deadline_abort=True,
                # Keep every AnalysisRun of a rollout (and the pre-exposure Jobs they own) until the
                # next one: the controller deletes the finished runs beyond these limits, 5 by default
                # (upstream: argo-rollouts v1.9.1 utils/defaults/defaults.go
                # DefaultAnalysisRunSuccessfulHistoryLimit; rollout/analysis.go reconcileAnalysisRuns,
                # utils/analysis FilterAnalysisRunsToDelete).
                analysis=ro.RolloutSpecAnalysis(
                    successful_run_history_limit=max(DEFAULT_RUN_HISTORY, runs_per_rollout),
                    unsuccessful_run_history_limit=max(DEFAULT_RUN_HISTORY, runs_per_rollout),
                ),
                selector=ro.RolloutSpecSelector(match_labels=self.selector),
                template=ro.RolloutSpecTemplate(
                    metadata=ro.RolloutSpecTemplateMetadata(
                        labels={**self.selector, "app.kubernetes.io/version": env.image.tag},
                        # In the mesh, Prometheus (no sidecar) scrapes the metrics port past the sidecar:
                        # not a request of the sidecar's counts, and no mutual TLS to ask of it.
                        annotations={EXCLUDE_INBOUND_PORTS: str(metrics.METRICS_PORT)} if env.in_mesh else None,
                    ),
                    spec=self._pod_spec(),
                ),
                strategy=ro.RolloutSpecStrategy(
                    canary=ro.RolloutSpecStrategyCanary(
                        stable_service=self.stable_service.name,
                        canary_service=self.canary_service.name,
                        traffic_routing=traffic,
                        # Pod labels that tell the two tracks apart in logs and dashboards.
                        canary_metadata=ro.RolloutSpecStrategyCanaryCanaryMetadata(labels={workload.TRACK_LABEL: "canary"}),
                        stable_metadata=ro.RolloutSpecStrategyCanaryStableMetadata(labels={workload.TRACK_LABEL: "stable"}),
                        abort_scale_down_delay_seconds=timing.abort_scale_down_delay,
                        scale_down_delay_seconds=timing.scale_down_delay,
                        # Off: 503s at promotion with ingress-nginx (upstream: argoproj/argo-rollouts#1820).
                        dynamic_stable_scale=False,
                        max_surge=ro.RolloutSpecStrategyCanaryMaxSurge.from_string("25%"),
                        max_unavailable=ro.RolloutSpecStrategyCanaryMaxUnavailable.from_number(0),
                        # Background analysis guards every stage, from the first weight on: the
                        # pre-exposure phase is judged by one look at its evidence (its verdict), so
                        # its generated requests spend the false-abort bound once, not at every look.
                        analysis=ro.RolloutSpecStrategyCanaryAnalysis(
                            starting_step=first_weight,
                            templates=[ro.RolloutSpecStrategyCanaryAnalysisTemplates(template_name=self.analysis.template(COMPLETE).name)],
                            args=[
                                ro.RolloutSpecStrategyCanaryAnalysisArgs(
                                    name=arg, value_from=ro.RolloutSpecStrategyCanaryAnalysisArgsValueFrom(pod_template_hash_value=which)
                                )
                                for arg, which in HASH_ARGS
                            ],
                        ),
                        steps=steps,
                    )
                ),
            ),
        )

    def _pod_spec(self) -> ro.RolloutSpecTemplateSpec:
        env, res = self.environment, self.resources
        probe_port = ro.RolloutSpecTemplateSpecContainersLivenessProbeHttpGetPort.from_string(HTTP_PORT_NAME)
        ready_port = ro.RolloutSpecTemplateSpecContainersReadinessProbeHttpGetPort.from_string(HTTP_PORT_NAME)
        return ro.RolloutSpecTemplateSpec(
            service_account_name=self.service_account.name,
            automount_service_account_token=False,
            security_context=pod_security_context(),
            containers=[
                ro.RolloutSpecTemplateSpecContainers(
                    name="podinfo",
                    image=env.image.reference,
                    image_pull_policy="IfNotPresent",
                    command=["./podinfo"],
                    # podinfo logs structured JSON (zap) to stdout by default; --level sets verbosity.
                    args=[
                        f"--port={HTTP_PORT}",
                        f"--port-metrics={metrics.METRICS_PORT}",
                        "--level=info",
                        "--data-path=/data",
                    ],
                    env=[ro.RolloutSpecTemplateSpecContainersEnv(name="PODINFO_UI_MESSAGE", value=f"podinfo {env.name}")],
                    ports=[
                        ro.RolloutSpecTemplateSpecContainersPorts(name=HTTP_PORT_NAME, container_port=HTTP_PORT, protocol="TCP"),
                        ro.RolloutSpecTemplateSpecContainersPorts(
                            name=metrics.METRICS_PORT_NAME, container_port=metrics.METRICS_PORT, protocol="TCP"
                        ),
                    ],
                    liveness_probe=ro.RolloutSpecTemplateSpecContainersLivenessProbe(
                        http_get=ro.RolloutSpecTemplateSpecContainersLivenessProbeHttpGet(path="/healthz", port=probe_port),
                        initial_delay_seconds=5,
                        period_seconds=10,
                        timeout_seconds=2,
                        failure_threshold=3,
                    ),
                    readiness_probe=ro.RolloutSpecTemplateSpecContainersReadinessProbe(
                        http_get=ro.RolloutSpecTemplateSpecContainersReadinessProbeHttpGet(path="/readyz", port=ready_port),
                        initial_delay_seconds=2,
                        period_seconds=5,
                        timeout_seconds=2,
                        failure_threshold=2,
                    ),
                    resources=ro.RolloutSpecTemplateSpecContainersResources(
                        requests={"cpu": res.cpu_request, "memory": res.memory_request},
                        limits={"cpu": res.cpu_limit, "memory": res.memory_limit},
                    ),
                    security_context=container_security_context(),
                    volume_mounts=[ro.RolloutSpecTemplateSpecContainersVolumeMounts(name="data", mount_path="/data")],
                )
            ],
            # The root filesystem is read-only: podinfo writes only under /data.
            volumes=[{"name": "data", "emptyDir": {"sizeLimit": "64Mi"}}],
        )

    def _autoscaler(self) -> k8s.KubeHorizontalPodAutoscalerV2:
        auto = self.environment.autoscaling
        assert auto is not None
        return k8s.KubeHorizontalPodAutoscalerV2(
            self,
            "hpa",
            metadata=self._meta(NAME),
            spec=k8s.HorizontalPodAutoscalerSpecV2(
                scale_target_ref=k8s.CrossVersionObjectReferenceV2(api_version="argoproj.io/v1alpha1", kind="Rollout", name=NAME),
                min_replicas=auto.min_replicas,
                max_replicas=auto.max_replicas,
                metrics=[
                    k8s.MetricSpecV2(
                        type="Resource",
                        resource=k8s.ResourceMetricSourceV2(
                            name="cpu", target=k8s.MetricTargetV2(type="Utilization", average_utilization=auto.cpu_utilization)
                        ),
                    )
                ],
            ),
        )
