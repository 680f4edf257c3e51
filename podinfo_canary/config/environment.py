"""One environment: config/environments/<name>.yaml (its image, stages, SLOs, decision, router)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from podinfo_canary.config.secrets import EnvironmentSecrets, environment_secret_keys, remote_problem
from podinfo_canary.config.types import (
    _REPOSITORY,
    _TAG,
    ANALYSIS_TEMPLATES,
    BACKGROUND_TEMPLATE,
    CANARY_PATH_PREFIX,
    PODINFO_REPOSITORY,
    SEMVER_TAG,
    Cidr,
    DnsLabel,
    Duration,
    Email,
    FieldProblem,
    Hostname,
    HttpsUrl,
    ImageDigest,
    LabelKey,
    LabelValue,
    LatencyBound,
    Ratio,
    SectionName,
    SlackChannel,
    Strict,
    TemplateName,
    UrlPath,
    duration_seconds,
)


class Image(Strict):
    """The podinfo image. Bumping `tag` in Git is the only way to deploy a new version.

    repository: the image repository, without tag or digest.
    tag: the version that runs; changing it in Git starts a canary rollout.
    digest: optional `sha256:<64 hex>` of the image the tag names (`crane digest`, `docker
        buildx imagetools inspect`); the pod then runs `repository:tag@digest`, which the kubelet
        pulls by digest, so a re-pushed tag cannot change what runs. Never guess one.
    """

    repository: str = PODINFO_REPOSITORY
    tag: str
    digest: ImageDigest | None = None

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if ":" in value.rsplit("/", 1)[-1] or "@" in value:
            raise ValueError("must not carry a tag or digest: put the tag in image.tag")
        if not _REPOSITORY.match(value):
            raise ValueError("must be an image repository such as ghcr.io/stefanprodan/podinfo (lowercase path)")
        return value

    @field_validator("tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        if not _TAG.match(value):
            raise ValueError("must be an image tag: letters, digits, '_', '.', '-', at most 128 characters")
        if value == "latest":
            raise ValueError("'latest' is mutable: pin an exact version such as 6.14.1 so Git says what runs")
        if not SEMVER_TAG.match(value):
            raise ValueError(
                "must be a release version MAJOR.MINOR.PATCH such as 6.14.1, or a pre-release such as 6.15.0-rc.1 "
                "(docs/guides/delivery-flow.md: only versions deploy, never a branch or a moving name)"
            )
        return value

    @property
    def prerelease(self) -> bool:
        """A semantic-version pre-release (6.15.0-rc.1): never in a protected environment."""
        return "-" in self.tag

    @model_validator(mode="after")
    def _podinfo_tags_have_no_v(self) -> Image:
        if self.repository == PODINFO_REPOSITORY and re.fullmatch(r"v\d+\.\d+\.\d+", self.tag):
            raise FieldProblem(("tag",), self.tag, f"podinfo's image tags have no leading v (6.14.1, not v6.14.1): tag: {self.tag[1:]}")
        return self

    @property
    def reference(self) -> str:
        pinned = f"@{self.digest}" if self.digest else ""
        return f"{self.repository}:{self.tag}{pinned}"


# How long the source environment must have run a version, fully promoted and Healthy, before
# `canaryctl promote-env` moves it on, when `promotion.soak` is not set.
DEFAULT_SOAK = "1h"
MAX_SOAK_SECONDS = 7 * 24 * 3600  # a week: a longer soak is a freeze, not a policy


class Promotion(Strict):
    """Where this environment's version comes from, and the evidence `canaryctl promote-env` wants.

    from: the environment whose running version promotes here (default: the one before this in
        platform.yaml `environments`, the promotion order; the first has none and takes
        `update-image`).
    soak: how long the source must have run that version fully promoted (its Rollout's `Completed`
        condition) before it may come here (default: 1h; at most 168h, a week).
    """

    source: DnsLabel | None = Field(default=None, alias="from")
    soak: Duration = DEFAULT_SOAK

    model_config = ConfigDict(populate_by_name=True)

    @field_validator("soak")
    @classmethod
    def _a_sensible_soak(cls, value: str) -> str:
        if duration_seconds(value) > MAX_SOAK_SECONDS:
            raise ValueError("must be at most 168h (7 days): a longer soak holds every version for more than a week")
        return value


class Cluster(Strict):
    """Where Argo CD deploys this environment. Default: the cluster Argo CD runs in.

    name: the cluster's name in Argo CD.
    server: the cluster's Kubernetes API server URL.
    """

    name: DnsLabel = "in-cluster"
    server: HttpsUrl = "https://kubernetes.default.svc"


MAX_PAUSE_SECONDS = 24 * 3600


class Stage(Strict):
    """One canary step: shift `weight` percent of traffic, then wait (`pause`), or wait for a human (`gate`).

    weight: the percent of user traffic the canary gets at this step.
    pause: how long the step holds that weight before the next (none with `gate`: wait for a human).
    gate: `manual`: wait at this weight until someone promotes (`canaryctl promote`).
    analysis: the blocking checks (AnalysisTemplates) run at this step; none: the step only waits.
    """

    weight: Annotated[int, Field(gt=0, le=100)]
    pause: Duration | None = None
    gate: Literal["manual"] | None = None
    analysis: list[TemplateName] = []

    @model_validator(mode="after")
    def _pause_or_gate(self) -> Stage:
        for index, name in enumerate(self.analysis):
            if name == BACKGROUND_TEMPLATE:
                raise FieldProblem(
                    ("analysis", index),
                    name,
                    f"{BACKGROUND_TEMPLATE} runs in the background for the whole rollout; a stage names the blocking checks "
                    f"({', '.join(t for t in ANALYSIS_TEMPLATES if t != BACKGROUND_TEMPLATE)})",
                )
        if self.pause and self.gate:
            raise FieldProblem(("gate",), self.gate, "a stage either pauses for a duration or waits at a manual gate, not both")
        if self.pause and duration_seconds(self.pause) > MAX_PAUSE_SECONDS:
            raise FieldProblem(
                ("pause",),
                self.pause,
                "must be at most 24h: a longer soak holds the canary for days; use `gate: manual` to wait for a human",
            )
        return self


class CanaryPolicy(Strict):
    """The canary stages, in order. The last stage must reach 100%."""

    stages: Annotated[list[Stage], Field(min_length=1)]

    @model_validator(mode="after")
    def _weights_increase(self) -> CanaryPolicy:
        previous = 0
        for index, stage in enumerate(self.stages):
            if stage.weight <= previous:
                raise FieldProblem(
                    ("stages", index, "weight"),
                    stage.weight,
                    f"must be greater than the previous stage ({previous}) and at most 100",
                )
            previous = stage.weight
        last = self.stages[-1]
        if last.weight != 100:
            raise FieldProblem(("stages", len(self.stages) - 1, "weight"), last.weight, "the last stage must be 100 (full promotion)")
        return self


# A P95 latency bound is "at most 5% of requests slower", a P99 bound "at most 1%".
P95_SHARE, P99_SHARE = 0.05, 0.01


class Slo(Strict):
    """Service-level objectives. Analysis templates, alerts and dashboards all read these fields.

    Each request-level objective is a share of bad requests: 5xx (`error_rate_max`), not 2xx
    (1 - `success_rate_min`), slower than the P95 bound (5%) and slower than the P99 bound (1%).

    success_rate_min: the least share of requests answered 2xx.
    error_rate_max: the largest share of requests answered 5xx.
    latency_p95_max_ms: the P95 latency bound in ms: at most 5% of requests slower.
    latency_p99_max_ms: the P99 latency bound in ms: at most 1% of requests slower.
    cpu_usage_max: the largest share of their CPU limits the canary pods may use (all together).
    memory_usage_max: the largest share of their memory limits the canary pods' working set may take (all together).
    """

    success_rate_min: Ratio = 0.95
    error_rate_max: Ratio = 0.05
    latency_p95_max_ms: LatencyBound = 500
    latency_p99_max_ms: LatencyBound = 1000
    cpu_usage_max: Ratio = 0.80
    memory_usage_max: Ratio = 0.90
    # How often the CPU and memory checks measure (their window is the SLIs' 1m rate).
    saturation_interval: Duration = "30s"
    # Requests the canary must have answered before a stage may promote: less is too little
    # evidence, and the stage pauses for a human instead of promoting blind.
    min_canary_requests: Annotated[int, Field(ge=1, le=1_000_000)] = 40
    # Container restarts of canary pods tolerated before the rollout aborts (a crash loop).
    canary_restarts_max: Annotated[int, Field(ge=0, le=100)] = 0

    @model_validator(mode="after")
    def _p99_not_below_p95(self) -> Slo:
        if self.latency_p99_max_ms < self.latency_p95_max_ms:
            raise FieldProblem(
                ("latency_p99_max_ms",),
                self.latency_p99_max_ms,
                f"must be at least latency_p95_max_ms ({self.latency_p95_max_ms})",
            )
        return self


class VersusStable(Strict):
    """The relative judge: is the canary clearly worse than the stable pods serving beside it?

    For each request SLO, a sequential test over the canary's counters since its pods started, of
    "bad share = stable's" against "bad share = factor x stable's + margin", stable's share read
    over the last `window` of what the stable pods really served (no configured weight enters).

    factor: how many times stable's bad share counts as a regression.
    margin: added to it, and the least share stable's is taken to be, so that a stable version
        with no errors at all does not make one canary error a verdict.
    window: how much of stable's recent traffic its share is read from (a longer one is steadier,
        a shorter one follows an incident sooner).
    """

    factor: Annotated[float, Field(gt=1, le=10)] = 2.0
    margin: Annotated[float, Field(gt=0, le=0.05)] = 0.0025
    window: Duration = "1h"

    @field_validator("window")
    @classmethod
    def _a_few_scrapes(cls, value: str) -> str:
        # increase() needs two samples in the window: shorter than a minute (four 15 s scrapes)
        # leaves the judge without a reference most of the time, silently off.
        if duration_seconds(value) < 60:
            raise ValueError("must be at least 1m: stable's share needs a few scrapes in the window")
        return value


class Decision(Strict):
    """How the analysis decides from the evidence (the sequential tests behind every request SLO).

    Each request SLO says "at most q of requests are bad". The canary's cumulative counts since
    its pods started feed Wald's sequential probability ratio test of "bad share = q" against
    "bad share = q x bad_factor"; the rollout aborts when the likelihood ratio exceeds
    1/false_abort_max. By Ville's inequality that bounds the chance of ever aborting a canary at
    or below the SLO by false_abort_max, however long the rollout and however often it looks.
    `versus_stable` judges the same counts against what stable does at the same time.

    bad_factor: the bad share each request SLO is tested against, as a multiple of the SLO's share
        (2: a 5% error-rate SLO is judged against 10% 5xx; the indifference zone is (q, 2q)).
    """

    # The chance, at most, of ever aborting a canary at or below the SLO (the test aborts at a
    # likelihood ratio above 1/false_abort_max).
    false_abort_max: Annotated[float, Field(gt=0, le=0.2)] = 0.005
    # 2: a 5% error-rate SLO is judged against 10% 5xx; the indifference zone is (q, 2q).
    bad_factor: Annotated[float, Field(gt=1, le=10)] = 2.0
    versus_stable: VersusStable = VersusStable()
    # How often the evidence is read. Cheap (counters, no range); shorter than the 15 s scrape
    # because pods are scraped at different phases and every look costs no false aborts.
    look_interval: Duration = "5s"
    # How long a stage's gate waits for min_canary_requests before pausing for a human.
    evidence_wait: Duration = "2m"
    # A Prometheus outage shorter than this neither aborts nor advances a canary (errored
    # measurements are retried every 10 s and counted against consecutiveErrorLimit).
    prometheus_outage_tolerance: Duration = "5m"


class RouterAddress(Strict):
    """Where a user's request enters the cluster: the traffic router's data-plane Service.

    The pre-exposure tester sends its requests here with the environment's host name (SNI and
    Host), so they take the route a user's request takes.

    namespace: the router's namespace (the tester's NetworkPolicy opens egress to it, on target_port).
    service: the router's Service in that namespace.
    port: the Service port. Default: 443.
    target_port: the router pods' container port behind it, which the NetworkPolicy names (a
        policy sees the pod's port, not the Service's). Default: `port`.
    scheme: https (verified against the image's CA bundle) or http. Default: https.
    pod_labels: the labels of the router's pods, which the tester's NetworkPolicy selects in the
        namespace. Default: none (every pod of the namespace, on target_port).
    """

    namespace: DnsLabel
    service: DnsLabel
    port: Annotated[int, Field(ge=1, le=65535)] = 443
    target_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    scheme: Literal["https", "http"] = "https"
    pod_labels: dict[LabelKey, LabelValue] = {}

    @property
    def pod_port(self) -> int:
        return self.target_port or self.port


class Mirror(Strict):
    """Mirrored users' requests during the pre-exposure phase (Istio only, `setMirrorRoute`).

    The ingress gateway's Envoy sends a copy of a share of users' requests to the
    canary and drops the canary's answers: users keep getting stable's. The canary's pods count
    the copies like any request, so the verdict judges the canary on real request shapes too.

    Only methods without side effects by HTTP semantics may be mirrored: a mirrored POST, PUT,
    PATCH or DELETE would run twice (podinfo's `/api/echo`, `/store` and `/cache` write), so the
    choice is limited to GET and HEAD. A GET with side effects of your own (podinfo's `/panic`
    ends the process) is mirrored too: leave mirroring off if such paths carry real traffic.

    percent: the share of matching requests copied, in whole percent (the Rollout's
        `setMirrorRoute.percentage` is an integer). Default: 10.
    methods: the methods copied. Default: GET and HEAD.
    """

    percent: Annotated[int, Field(ge=1, le=100)] = 10
    methods: Annotated[list[Literal["GET", "HEAD"]], Field(min_length=1)] = ["GET", "HEAD"]


class PreExposure(Strict):
    """Judge the canary before any user reaches it (docs/explanation/analysis.md "Evidence before exposure").

    With `enabled`, the rollout first scales the canary to `replicas` pods at 0% of user traffic
    (`setCanaryScale`), then an acceptance Job checks through the user's route with `X-Canary:
    always` that a canary pod answers `/`, that `/version` is the tag of the Rollout's image, that
    `/api/info` answers and that a browser gets the page; a load Job then sends `requests`
    requests at `rate` per second over `paths` with the same header, and the request SLOs'
    sequential tests judge them, before the first stage's weight. Then the judged pods are scaled
    away, so users' requests are counted on fresh pods.

    replicas: canary pods during the phase. Default: 1.
    requests: generated requests. Default: 1500: the SLO's tests alone (no stable traffic to
        compare with) then catch a 10% 5xx canary in over 99% of rollouts (docs/explanation/analysis.md "Decision quality").
    rate: generated requests per second, in all. Default: 50 (the load takes 30 s).
    concurrency: curl processes sharing the load, so a slow canary does not slow it: each waits
        for its answers, and keeps its share of `rate` while a request takes at most
        concurrency / rate seconds. Default: 10 (200 ms).
    paths: the paths the load exercises, in turn. Default: `/`, `/api/info`, `/version`.
    acceptance_attempts: how often the acceptance test tries the header route (3 s apart) before it
        fails: the route may need a moment after the canary pods are ready. Default: 10.
    check_version: compare `/version` with the tag of the image the Rollout runs (podinfo's
        releases report their tag: pkg/version/version.go; a build of your own that reports
        something else may turn this off). Default: true.
    generated_counts_for_gate: keep the judged pods serving users after the phase, so their
        generated requests count towards `slo.min_canary_requests` and in the sequential tests (at
        low traffic the gate then passes sooner; a regression only on paths the load does not
        exercise is then found later, its evidence diluted by the load's). Default: false: the gate
        asks whether real users reached the canary.
    router: where the tester enters. Default for nginx: ingress-nginx's controller Service, for
        istio: the Istio ingress gateway's Service (both from platform.yaml); required with
        gatewayapi (the Gateway's data-plane Service).
    mirror: also judge mirrored copies of users' idempotent requests (traffic_router istio only).
        Default: none.
    """

    # Run the pre-exposure phase (acceptance and load Jobs at 0% of user traffic) before the first stage.
    enabled: bool = False
    replicas: Annotated[int, Field(ge=1, le=10)] = 1
    requests: Annotated[int, Field(ge=20, le=100_000)] = 1500
    rate: Annotated[int, Field(ge=1, le=500)] = 50
    concurrency: Annotated[int, Field(ge=1, le=50)] = 10
    paths: Annotated[list[UrlPath], Field(min_length=1, max_length=20)] = ["/", "/api/info", "/version"]
    acceptance_attempts: Annotated[int, Field(ge=1, le=100)] = 10
    check_version: bool = True
    generated_counts_for_gate: bool = False
    router: RouterAddress | None = None
    mirror: Mirror | None = None


class EnvNotifications(Strict):
    """Where this environment's rollout events and alerts go.

    slack_channel: rollout events (Argo Rollouts notifications) and every alert of the namespace.
    email: who else receives critical alerts (Alertmanager e-mail); none: critical ones go to
        Slack only.
    """

    slack_channel: SlackChannel
    email: list[Email] = []


class Autoscaling(Strict):
    """Optional HorizontalPodAutoscaler on the Rollout. When set, Git no longer pins replicas.

    min_replicas: the fewest pods the autoscaler keeps.
    max_replicas: the most pods the autoscaler may run.
    cpu_utilization: the average CPU utilization (percent of the pods' CPU request) it scales to.
    """

    min_replicas: Annotated[int, Field(ge=1, le=100)]
    max_replicas: Annotated[int, Field(ge=1, le=500)]
    cpu_utilization: Annotated[int, Field(gt=0, le=100)] = 70

    @model_validator(mode="after")
    def _range(self) -> Autoscaling:
        if self.max_replicas < self.min_replicas:
            raise FieldProblem(("max_replicas",), self.max_replicas, f"must be at least min_replicas ({self.min_replicas})")
        return self


class GatewayRef(Strict):
    """The Gateway (Gateway API) whose listeners the podinfo HTTPRoutes attach to.

    The Gateway lives in another namespace than the routes, and a listener admits only routes of
    its own namespace unless it says otherwise (`allowedRoutes.namespaces.from` defaults to Same:
    gateway-api v1.6.1 apis/v1/gateway_types.go): each listener named here needs `from: All`, or
    `from: Selector` matching the environment namespace's labels, or the route is never accepted.
    `canaryctl deploy` reads the Gateway and refuses to go on otherwise (docs/explanation/routing.md "Routing").

    name: the Gateway's name.
    namespace: the Gateway's namespace, which `podinfo-traffic` admits to podinfo's pods.
    https_listener: the listener (parentRef `sectionName`) the `podinfo` route attaches to:
        protocol HTTPS, terminating TLS for the environment's hosts with the Gateway's own
        certificate. Default: https.
    http_listener: a plain-HTTP listener of the same Gateway, where the route `podinfo-https-redirect`
        answers every request for the hosts with a 301 to https (a RequestRedirect filter), as
        ingress-nginx's ssl-redirect does on the nginx path; null: no such route (the Gateway has no
        plain-HTTP listener, or redirects by itself). Default: http.
    data_plane_cidrs: the source addresses the Gateway's data plane reaches podinfo from, when they
        are not pods of `namespace` (a cloud load balancer's or managed gateway's proxy ranges, a
        data plane on the nodes' network): each becomes an `ipBlock` peer of `podinfo-traffic`,
        on podinfo's HTTP port only; name ranges that hold no pods (most CNIs match an ipBlock
        on pod addresses too). How a CNI matches an ipBlock to addresses inside the cluster
        is its own: Cilium matches CIDRs only outside the cluster, so its reserved `ingress`
        identity (its embedded Envoy) needs a CiliumNetworkPolicy `fromEntities: [ingress]`
        instead. Default: none (the namespace alone).
    """

    name: DnsLabel
    namespace: DnsLabel
    https_listener: SectionName = "https"
    http_listener: SectionName | None = "http"
    data_plane_cidrs: Annotated[list[Cidr], Field(max_length=20)] = []

    @model_validator(mode="after")
    def _distinct(self) -> GatewayRef:
        if self.http_listener == self.https_listener:
            raise FieldProblem(
                ("http_listener",),
                self.http_listener,
                "must differ from https_listener: the redirect to https would answer on the https listener itself (a loop)",
            )
        for index, cidr in enumerate(self.data_plane_cidrs):
            if cidr in self.data_plane_cidrs[:index]:
                raise FieldProblem(("data_plane_cidrs", index), cidr, "listed twice")
        return self


# podinfo 6.14.1's own first path elements (pkg/api/http/server.go registerHandlers): a prefix
# starting with one would send users' requests for that route to the canary.
PODINFO_ROUTES = frozenset(
    {"api", "cache", "chunked", "configs", "debug", "delay", "echo", "env", "fault_injection", "headers", "healthz", "metrics",
     "panic", "readyz", "status", "store", "swagger", "swagger.json", "token", "version", "ws"}
)  # fmt: skip


class Routing(Strict):
    """How a tester reaches the canary on purpose, beside weighted traffic (docs/explanation/routing.md "Testing a canary by path").

    The header `X-Canary: always` always does (core/workload.py CANARY_HEADER).

    canary_path_prefix: a path prefix such as `/canary/` whose requests the router sends to the
        canary Service without the header, with the prefix stripped (`/canary/version` is served
        as `/version`; core/routing.py). Default: none (off). podinfo records them under the
        stripped path, so the analysis counts them as the canary's users' requests; outside a
        rollout and after an abort the canary Service selects the stable pods, which then answer.
    """

    canary_path_prefix: str | None = None

    @field_validator("canary_path_prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value == "/":
            raise ValueError("must not be / itself: every request would reach the canary")
        if not (value.startswith("/") and value.endswith("/")):
            raise ValueError("must start and end with / (such as /canary/), so it matches whole path elements")
        if not re.fullmatch(CANARY_PATH_PREFIX, value):
            raise ValueError(
                "must be path elements of letters, digits, '_' and '-', each followed by / (such as /canary/): "
                "no regex metacharacters, dots or empty elements, as ingress-nginx reads the path as a regex"
            )
        first = value.split("/")[1]
        if first in PODINFO_ROUTES:
            raise ValueError(f"must not start with podinfo's own route /{first}: users' requests to it would reach the canary")
        return value


class Environment(Strict):
    """One environment (config/environments/<name>.yaml). `name` is the file name.

    name: the environment's name: the file's name, set by loading (never typed in the file).
    namespace: the Kubernetes namespace podinfo runs in.
    replicas: the pods of the Rollout (when `autoscaling` is not set).
    hosts: the host names users reach podinfo at (the routes' hosts and the TLS certificate's names).
    traffic_router: what shifts the canary's share of traffic: ingress-nginx, the Gateway API
        (Argo Rollouts' plugin) or Istio.
    """

    name: DnsLabel
    namespace: DnsLabel
    cluster: Cluster = Cluster()
    image: Image
    replicas: Annotated[int, Field(ge=1, le=100)]
    hosts: Annotated[list[Hostname], Field(min_length=1)]
    traffic_router: Literal["nginx", "gatewayapi", "istio"] = "nginx"
    gateway: GatewayRef | None = None
    autoscaling: Autoscaling | None = None
    canary: CanaryPolicy
    slo: Slo = Slo()
    decision: Decision = Decision()
    pre_exposure: PreExposure = PreExposure()
    routing: Routing = Routing()
    notifications: EnvNotifications
    # The form of this environment's out-of-band Secrets; default: the platform's (config/secrets.py).
    secrets: EnvironmentSecrets = EnvironmentSecrets()
    # Refuse an image without `image.digest` (supply-chain policy of this environment).
    require_digest: bool = False
    # canaryctl asks before `abort`, `promote --full` and `rollback` here (unless --yes), and
    # `update-image` refuses it: its version comes by `promote-env` (docs/guides/delivery-flow.md).
    protected: bool = False
    # Where this environment's version is promoted from, after how long a soak.
    promotion: Promotion = Promotion()

    @model_validator(mode="after")
    def _remote_keys_of_its_own_secrets(self) -> Environment:
        problem = remote_problem(self.secrets.remote, self.secret_keys())
        if problem:
            raise FieldProblem(("secrets", "remote", *problem.loc), problem.value, problem.message)
        return self

    def secret_keys(self) -> dict[str, tuple[str, ...]]:
        """This environment's out-of-band Secrets, name -> keys (config/secrets.py)."""
        return environment_secret_keys(email=bool(self.notifications.email))

    @property
    def in_mesh(self) -> bool:
        """Its pods have Istio sidecars: `traffic_router: istio` puts the namespace in the mesh."""
        return self.traffic_router == "istio"

    @model_validator(mode="after")
    def _digest_when_required(self) -> Environment:
        if self.require_digest and self.image.digest is None:
            raise FieldProblem(
                ("image", "digest"),
                None,
                "required because require_digest is true: add the image's sha256:<64 hex> digest (e.g. `crane digest <image>:<tag>`)",
            )
        return self

    @model_validator(mode="after")
    def _no_prerelease_when_protected(self) -> Environment:
        if self.protected and self.image.prerelease:
            raise FieldProblem(
                ("image", "tag"),
                self.image.tag,
                "a pre-release may not run in a protected environment: promote a release (MAJOR.MINOR.PATCH) here",
            )
        return self

    @model_validator(mode="after")
    def _bad_share_below_one(self) -> Environment:
        """The absolute test's bad share (SLO share x bad_factor) must stay a share."""
        worst = max(self.slo.error_rate_max, 1 - self.slo.success_rate_min, P95_SHARE)
        if worst * self.decision.bad_factor >= 1:
            raise FieldProblem(
                ("decision", "bad_factor"),
                self.decision.bad_factor,
                f"times the largest SLO share ({worst:g}) must stay below 1: less than {1 / worst:g} here",
            )
        return self

    @model_validator(mode="after")
    def _router_needs(self) -> Environment:
        if self.traffic_router == "gatewayapi" and self.gateway is None:
            raise FieldProblem(("gateway",), None, "required when traffic_router is 'gatewayapi' (name and namespace of the Gateway)")
        if self.traffic_router != "gatewayapi" and self.gateway is not None:
            raise FieldProblem(("gateway",), self.gateway.model_dump(exclude_defaults=True), "only used with traffic_router: gatewayapi")
        if self.traffic_router != "istio" and self.pre_exposure.mirror is not None:
            raise FieldProblem(
                ("pre_exposure", "mirror"),
                self.pre_exposure.mirror.model_dump(),
                f"only with traffic_router: istio (setMirrorRoute is implemented by Argo Rollouts' Istio router), not {self.traffic_router}",
            )
        if self.pre_exposure.mirror is not None and self.routing.canary_path_prefix is not None:
            # upstream: argo-rollouts v1.9.1 istio.go orderRoutes puts managed routes above the
            # VirtualService's own; createMirrorRoute matches on the method alone, without a rewrite.
            raise FieldProblem(
                ("pre_exposure", "mirror"),
                self.pre_exposure.mirror.model_dump(),
                f"cannot be combined with routing.canary_path_prefix ({self.routing.canary_path_prefix}): the mirror route, "
                "which the controller puts above the VirtualService's own routes, would send every GET under the prefix to "
                "stable unrewritten; remove one of them",
            )
        if self.pre_exposure.mirror is not None and not self.pre_exposure.enabled:
            raise FieldProblem(
                ("pre_exposure", "mirror"),
                self.pre_exposure.mirror.model_dump(),
                "mirrored requests are judged in the pre-exposure phase: set pre_exposure.enabled: true, or remove mirror",
            )
        if self.traffic_router == "gatewayapi" and self.pre_exposure.enabled and self.pre_exposure.router is None:
            raise FieldProblem(
                ("pre_exposure", "router"),
                None,
                "required when pre_exposure is enabled with traffic_router gatewayapi: the namespace, service and port of the "
                "Gateway's data-plane Service, where the tester's requests enter as a user's do",
            )
        return self
