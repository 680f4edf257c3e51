"""Typed configuration: config/platform.yaml plus one config/environments/<name>.yaml per environment.

These files are what a person or a bot edits (an image bump changes one `tag:` line). Everything
else (thresholds in analysis templates, RBAC, the ApplicationSet's environments) reads these
models, so a value lives in exactly one place.

Loading is strict: unknown keys, wrong types and out-of-range values are refused with one line
per problem that names the file, the field path, the bad value and what is allowed. Nothing is
synthesized until every file is valid, so bad input never touches dist/.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

CONFIG_DIR = Path("config")
PLATFORM_FILE = "platform.yaml"
ENVIRONMENTS_DIR = "environments"
BOOTSTRAP_FOLDER = "argocd"  # dist/argocd/ holds the Argo CD bootstrap; no environment may take the name
AUDIT_FOLDER = "audit"  # dist/audit/ holds the API server's audit policy, applied by hand, never synced

# The seven AnalysisTemplates of R4.2. A canary stage may only name one of these.
TemplateName = Literal[
    "podinfo-success-rate",
    "podinfo-latency",
    "podinfo-error-rate",
    "podinfo-request-rate",
    "podinfo-cpu-usage",
    "podinfo-memory-usage",
    "podinfo-complete-analysis",
]
ANALYSIS_TEMPLATES: tuple[str, ...] = get_args(TemplateName)
BACKGROUND_TEMPLATE = "podinfo-complete-analysis"  # runs from the first step until promotion


class ConfigError(Exception):
    """Invalid configuration. `str()` is the complete, human-readable report (one line per problem)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class FieldProblem(ValueError):
    """Raised inside a model validator to blame one nested field (e.g. stages[3].weight)."""

    def __init__(self, loc: tuple[str | int, ...], value: Any, message: str):
        self.loc, self.value, self.message = loc, value, message
        super().__init__(message)


# --- value types ---------------------------------------------------------------------------

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def duration_seconds(text: str) -> int:
    """Seconds in an Argo duration such as `30s`, `2m`, `1h30m`."""
    match = _DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise ValueError(f"not a duration: {text!r}")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _check_duration(value: str) -> str:
    if not isinstance(value, str) or not _DURATION.match(value) or not value:
        raise ValueError("must be a duration of hours, minutes and seconds such as 30s, 2m or 1h30m")
    if duration_seconds(value) == 0:
        raise ValueError("must be longer than zero")
    return value


Duration = Annotated[str, AfterValidator(_check_duration)]

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DnsLabel = Annotated[str, StringConstraints(pattern=rf"^{_DNS_LABEL}$", max_length=63)]
_HOSTNAME_PATTERN = rf"^{_DNS_LABEL}(\.{_DNS_LABEL})+$"
Hostname = Annotated[str, StringConstraints(pattern=_HOSTNAME_PATTERN, max_length=253)]
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[^\s/]+(/\S*)?$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
# A Kubernetes label key ([prefix/]name) and value (apimachinery validation.IsQualifiedName, IsValidLabelValue).
LabelKey = Annotated[str, StringConstraints(pattern=rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}$")]
LabelValue = Annotated[str, StringConstraints(pattern=rf"^({_LABEL_NAME})?$")]
Ratio = Annotated[float, Field(gt=0, le=1)]

# Docker reference grammar, without the tag: [registry[:port]/]path
_REPOSITORY = re.compile(
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)
PODINFO_REPOSITORY = "ghcr.io/stefanprodan/podinfo"
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


class Strict(BaseModel):
    """Base for every config model: unknown keys are errors, values are not coerced across types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --- per-environment -------------------------------------------------------------------------


class Image(Strict):
    """The podinfo image. Bumping `tag` in Git is the only way to deploy a new version.

    digest: optional `sha256:<64 hex>` of the image the tag names (`crane digest`, `docker
        buildx imagetools inspect`); the pod then runs `repository:tag@digest`, which the kubelet
        pulls by digest, so a re-pushed tag cannot change what runs. Never guess one.
    """

    repository: str = PODINFO_REPOSITORY
    tag: str
    digest: Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")] | None = None

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
        return value

    @model_validator(mode="after")
    def _podinfo_tags_have_no_v(self) -> Image:
        if self.repository == PODINFO_REPOSITORY and re.fullmatch(r"v\d+\.\d+\.\d+", self.tag):
            raise FieldProblem(("tag",), self.tag, f"podinfo's image tags have no leading v (6.14.1, not v6.14.1): tag: {self.tag[1:]}")
        return self

    @property
    def reference(self) -> str:
        pinned = f"@{self.digest}" if self.digest else ""
        return f"{self.repository}:{self.tag}{pinned}"


class Cluster(Strict):
    """Where Argo CD deploys this environment. Default: the cluster Argo CD runs in."""

    name: DnsLabel = "in-cluster"
    server: HttpsUrl = "https://kubernetes.default.svc"


MAX_PAUSE_SECONDS = 24 * 3600


class Stage(Strict):
    """One canary step: shift `weight` percent of traffic, then wait (`pause`), or wait for a human (`gate`)."""

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


# podinfo's latency histogram buckets (prometheus.DefBuckets), in milliseconds: a latency SLO on a
# bucket bound makes "share of requests slower than the bound" exact rather than interpolated.
LATENCY_BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)


def _bucket_bound(value: int) -> int:
    if value not in LATENCY_BUCKETS_MS:
        raise ValueError(
            f"must be one of podinfo's histogram bucket bounds in ms ({', '.join(map(str, LATENCY_BUCKETS_MS))}), "
            "so the share of slower requests is counted exactly"
        )
    return value


LatencyBound = Annotated[int, AfterValidator(_bucket_bound)]


class Slo(Strict):
    """Service-level objectives. Analysis templates, alerts and dashboards all read these fields.

    Each request-level objective is a share of bad requests: 5xx (`error_rate_max`), not 2xx
    (1 - `success_rate_min`), slower than the P95 bound (5%) and slower than the P99 bound (1%).
    """

    success_rate_min: Ratio = 0.95
    error_rate_max: Ratio = 0.05
    latency_p95_max_ms: LatencyBound = 500
    latency_p99_max_ms: LatencyBound = 1000
    cpu_usage_max: Ratio = 0.80
    memory_usage_max: Ratio = 0.90
    analysis_interval: Duration = "30s"
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


class Decision(Strict):
    """How the analysis decides from the evidence (the sequential test behind every request SLO).

    Each request SLO says "at most q of requests are bad". The canary's cumulative counts since
    its pods started feed Wald's sequential probability ratio test of "bad share = q x
    healthy_fraction" against "bad share = q"; the rollout aborts when the likelihood ratio
    exceeds 1/false_abort_max. By Ville's inequality that bounds the chance of ever aborting a
    canary at the healthy share by false_abort_max, however long the rollout and however often
    it looks.
    """

    false_abort_max: Annotated[float, Field(gt=0, le=0.2)] = 0.005
    # 0.4: a 5% error-rate SLO treats 2% 5xx as healthy, so a canary at 2% or less is aborted
    # with probability at most false_abort_max.
    healthy_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.4
    # How often the evidence is read. Cheap (counters, no range); shorter than the 15 s scrape
    # because pods are scraped at different phases and every look costs no false aborts.
    look_interval: Duration = "5s"
    # How long a stage's gate waits for min_canary_requests before pausing for a human.
    evidence_wait: Duration = "2m"
    # A Prometheus outage shorter than this neither aborts nor advances a canary (errored
    # measurements are retried every 10 s and counted against consecutiveErrorLimit).
    prometheus_outage_tolerance: Duration = "5m"


class EnvNotifications(Strict):
    """Where this environment's rollout events and alerts go.

    slack_channel: rollout events (Argo Rollouts notifications) and every alert of the namespace.
    email: who else receives critical alerts (Alertmanager e-mail); none: critical ones go to
        Slack only.
    """

    slack_channel: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$")]
    email: list[Email] = []


class Autoscaling(Strict):
    """Optional HorizontalPodAutoscaler on the Rollout. When set, Git no longer pins replicas."""

    min_replicas: Annotated[int, Field(ge=1, le=100)]
    max_replicas: Annotated[int, Field(ge=1, le=500)]
    cpu_utilization: Annotated[int, Field(gt=0, le=100)] = 70

    @model_validator(mode="after")
    def _range(self) -> Autoscaling:
        if self.max_replicas < self.min_replicas:
            raise FieldProblem(("max_replicas",), self.max_replicas, f"must be at least min_replicas ({self.min_replicas})")
        return self


class GatewayRef(Strict):
    """The Gateway (Gateway API) whose listener the podinfo HTTPRoute attaches to."""

    name: DnsLabel
    namespace: DnsLabel


class Environment(Strict):
    """One environment (config/environments/<name>.yaml). `name` is the file name."""

    name: DnsLabel
    namespace: DnsLabel
    cluster: Cluster = Cluster()
    image: Image
    replicas: Annotated[int, Field(ge=1, le=100)]
    hosts: Annotated[list[Hostname], Field(min_length=1)]
    traffic_router: Literal["nginx", "gatewayapi"] = "nginx"
    gateway: GatewayRef | None = None
    autoscaling: Autoscaling | None = None
    canary: CanaryPolicy
    slo: Slo = Slo()
    decision: Decision = Decision()
    notifications: EnvNotifications
    # Refuse an image without `image.digest` (supply-chain policy of this environment).
    require_digest: bool = False
    # canaryctl asks before `abort` and `promote --full` here (unless --yes).
    protected: bool = False

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
    def _router_needs(self) -> Environment:
        if self.traffic_router == "gatewayapi" and self.gateway is None:
            raise FieldProblem(("gateway",), None, "required when traffic_router is 'gatewayapi' (name and namespace of the Gateway)")
        if self.traffic_router == "nginx" and self.gateway is not None:
            raise FieldProblem(("gateway",), self.gateway.model_dump(), "only used with traffic_router: gatewayapi")
        return self


# --- platform-wide ---------------------------------------------------------------------------


class Git(Strict):
    """The GitOps repository Argo CD reads dist/ from."""

    repo_url: HttpsUrl
    target_revision: Annotated[str, StringConstraints(min_length=1)] = "main"
    dist_path: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")] = "dist"


# An SSO group as it appears in tokens and RBAC subjects: no spaces, and never a `system:` group,
# which Kubernetes reserves for itself (system:masters would be cluster admin).
GroupName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@:/-]{0,254}$")]


class Rbac(Strict):
    """SSO groups and what they may do, in Argo CD (argocd-rbac-cm) and in Kubernetes (the
    rollout-viewer and rollout-operator roles bound in every environment namespace, security.py).

    admin_groups: Argo CD administrators.
    deployer_groups: sync podinfo in Argo CD and run its Rollout actions (promote, abort, retry);
        in Kubernetes, bound to rollout-operator.
    viewer_groups: in Kubernetes, bound to rollout-viewer (Argo CD is read-only for everyone).
    """

    admin_groups: list[GroupName] = []
    deployer_groups: list[GroupName] = []
    viewer_groups: list[GroupName] = []

    @field_validator("admin_groups", "deployer_groups", "viewer_groups")
    @classmethod
    def _not_reserved(cls, value: list[str]) -> list[str]:
        for index, group in enumerate(value):
            if group.lower().startswith("system:"):
                raise FieldProblem((index,), group, "groups starting 'system:' are Kubernetes' own; name an SSO group")
        return value


class Sso(Strict):
    """OpenID Connect single sign-on for Argo CD (argocd-cm `oidc.config`).

    Argo CD learns a user's groups only from the SSO token's `groups` claim, so RBAC groups mean
    nothing without it. The client secret is a reference, `$<secret>:<key>`, to a Secret created
    out of band (labelled app.kubernetes.io/part-of: argocd), never a value.
    """

    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "SSO"
    issuer: HttpsUrl
    client_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:@/-]{1,255}$")]
    client_secret: Annotated[str, StringConstraints(pattern=r"^\$[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[A-Za-z0-9._-]+$")]
    requested_scopes: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]+$")]] = ["openid", "profile", "email", "groups"]

    @field_validator("requested_scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        missing = [scope for scope in ("openid", "groups") if scope not in value]
        if missing:
            raise ValueError(f"must include {' and '.join(missing)}: groups reach Argo CD's RBAC only through the token")
        return value


class ArgoCd(Strict):
    """Argo CD itself: pinned version, how the API server is reached, who may do what."""

    version: Annotated[str, StringConstraints(pattern=r"^v\d+\.\d+\.\d+$")] = "v3.5.1"
    namespace: DnsLabel = "argocd"
    host: Hostname
    expose: Literal["ingress", "loadbalancer"] = "ingress"
    sso: Sso | None = None
    rbac: Rbac = Rbac()
    slack_channel: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$")]

    @model_validator(mode="after")
    def _groups_need_sso(self) -> ArgoCd:
        if (self.rbac.admin_groups or self.rbac.deployer_groups) and self.sso is None:
            raise FieldProblem(
                ("rbac",),
                self.rbac.model_dump(),
                "RBAC groups come only from SSO tokens: configure argocd.sso (issuer, client_id, client_secret as $secret:key) "
                "or remove the groups",
            )
        return self


class Tls(Strict):
    """cert-manager issuer for every Ingress (ACME HTTP-01 through ingress-nginx)."""

    cluster_issuer: DnsLabel = "letsencrypt"
    acme_email: Email
    acme_server: HttpsUrl = "https://acme-v02.api.letsencrypt.org/directory"


class HelmChart(Strict):
    """A pinned Helm chart installed by an Argo CD Application.

    app_version: the chart's `appVersion` (what it deploys), recorded with where it was read.
    crd_tag: the upstream tag our pinned CRDs (crds.yaml) come from, when they are this chart's
        CRDs; it equals app_version unless the schemas are verified identical (say so beside it).
    """

    repo_url: HttpsUrl
    chart: DnsLabel
    version: Annotated[str, StringConstraints(pattern=r"^v?\d+\.\d+\.\d+$")]
    app_version: Annotated[str, StringConstraints(pattern=r"^v?\d+\.\d+\.\d+$")]
    crd_tag: Annotated[str, StringConstraints(pattern=r"^v\d+\.\d+\.\d+$")] | None = None
    namespace: DnsLabel

    @property
    def release(self) -> str:
        """The Helm release, and the Application, named after the chart: the chart's resources are
        then named after it too (a fullname is the release when that contains the chart name)."""
        return self.chart


class PlatformCharts(Strict):
    argo_rollouts: HelmChart
    ingress_nginx: HelmChart
    kube_prometheus_stack: HelmChart
    cert_manager: HelmChart
    loki: HelmChart
    alloy: HelmChart

    def all(self) -> list[HelmChart]:
        return [self.argo_rollouts, self.ingress_nginx, self.kube_prometheus_stack, self.cert_manager, self.loki, self.alloy]


_BASE2 = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40, "PB": 2**50}
_QUANTITY = {"Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
STORAGE_HEADROOM = 0.85  # retention may fill at most this share of the volume: WAL, head and compaction need the rest


def retention_bytes(text: str) -> int:
    """Prometheus' --storage.tsdb.retention.size (units.ParseBase2Bytes: 1GB = 2^30 bytes)."""
    number, unit = re.fullmatch(r"(\d+)(B|KB|MB|GB|TB|PB)", text).groups()
    return int(number) * _BASE2[unit]


def quantity_bytes(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi|Ti)", text).groups()
    return int(number) * _QUANTITY[unit]


class PrometheusStorage(Strict):
    """The persistent volume of Prometheus' TSDB, so analysis history survives a restart and node
    ephemeral storage is never filled (the kubelet would evict Prometheus)."""

    size: Annotated[str, StringConstraints(pattern=r"^[1-9]\d*(Mi|Gi|Ti)$")] = "50Gi"
    storage_class: DnsLabel | None = None  # None: the cluster's default StorageClass


class ClusterDns(Strict):
    """The cluster DNS pods, the one destination outside its namespace podinfo may reach
    (SecurityPolicies). The defaults fit kube-dns and CoreDNS as kubeadm, EKS, GKE and AKS run it."""

    namespace: DnsLabel = "kube-system"
    pod_labels: Annotated[dict[LabelKey, LabelValue], Field(min_length=1)] = {"k8s-app": "kube-dns"}


class LogStorage(Strict):
    """Loki's persistent volume (chunks, index, compactor state): logs survive a restart."""

    size: Annotated[str, StringConstraints(pattern=r"^[1-9]\d*(Mi|Gi|Ti)$")] = "20Gi"
    storage_class: DnsLabel | None = None  # None: the cluster's default StorageClass


class Logging(Strict):
    """Logs (R5.4): Alloy collects every pod's lines into Loki (podinfo_canary/logs.py).

    retention: how long Loki keeps log lines, in whole days (its compactor applies retention to
        one index table per day).
    storage: Loki's volume.
    canary_error_lines_per_minute: PodinfoCanaryErrorLogs fires when each canary pod logs more error
        lines a minute than this,
    canary_error_factor: and more than this many times what each stable pod logs (below it, both
        tracks fail alike: a shared dependency, not the new version).
    """

    retention: Annotated[str, StringConstraints(pattern=r"^[1-9]\d*d$")] = "7d"
    storage: LogStorage = LogStorage()
    canary_error_lines_per_minute: Annotated[float, Field(gt=0, le=100000)] = 1.0
    canary_error_factor: Annotated[float, Field(ge=1, le=1000)] = 2.0


class GatewayApiPlugin(Strict):
    """The Argo Rollouts Gateway API traffic-router plugin, downloaded by the controller at start.

    Registered only when an environment uses `traffic_router: gatewayapi`. Upstream publishes no
    checksum for its release binaries, so the digest must come from the operator (sha256sum of
    the asset they reviewed); without it, gatewayapi environments are refused.
    """

    version: Annotated[str, StringConstraints(pattern=r"^v\d+\.\d+\.\d+$")] = "v0.15.0"
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None

    @property
    def url(self) -> str:
        return (
            "https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/"
            f"{self.version}/gatewayapi-plugin-linux-amd64"
        )


Severity = Literal["warning", "critical"]


class AlertPolicy(Strict):
    """How long a condition must hold before its alert fires, and how loud it is."""

    model_config = ConfigDict(populate_by_name=True)

    for_: Duration = Field(alias="for")
    severity: Severity


class AlertPolicies(Strict):
    """The alerts of every environment: the six of R5.2 and the log-based one (R5.4). Thresholds
    come from the environment's `slo:` and `logging.canary_error_lines_per_minute`."""

    high_error_rate: AlertPolicy = AlertPolicy(for_="5m", severity="critical")
    low_success_rate: AlertPolicy = AlertPolicy(for_="5m", severity="critical")
    high_latency: AlertPolicy = AlertPolicy(for_="10m", severity="warning")
    instance_down: AlertPolicy = AlertPolicy(for_="5m", severity="critical")
    rollout_failed: AlertPolicy = AlertPolicy(for_="1m", severity="critical")
    canary_analysis_failed: AlertPolicy = AlertPolicy(for_="2m", severity="warning")
    canary_failed_while_paused: AlertPolicy = AlertPolicy(for_="1m", severity="critical")
    canary_error_logs: AlertPolicy = AlertPolicy(for_="5m", severity="warning")


class AlertRouting(Strict):
    """Alertmanager grouping and the SMTP relay for e-mail (AlertmanagerConfig per environment).

    group_wait: how long a new group of alerts waits for more before the first notification.
    group_interval: how long before a group's next notification about new alerts in it.
    repeat_interval: how often a still-firing group is sent again.
    smtp_*: the relay critical alerts are e-mailed through; its password is the key `password`
        of the Secret `alertmanager-smtp` in each environment namespace, created out of band.
    """

    group_wait: Duration = "30s"
    group_interval: Duration = "5m"
    repeat_interval: Duration = "4h"
    smtp_smarthost: Annotated[str, StringConstraints(pattern=r"^[a-z0-9.-]+:[0-9]{1,5}$")] = "smtp.example.com:587"
    smtp_from: Email = "alertmanager@example.com"
    smtp_username: Annotated[str, StringConstraints(pattern=r"^\S{1,255}$")] = "alertmanager"


class Alerting(Strict):
    """Alert rules (ObservabilityStack): their policies, the rate window and the runbook.

    rate_window: the window of the recorded request rates, ratios and quantiles that alerts and
        dashboards read (a few scrapes at least: 5m holds twenty 15 s scrapes).
    min_request_rate: requests per second the stable pods must serve before a request alert may
        fire; below it a few errors are noise, and no traffic must never page anyone.
    runbook_url: the page each alert's `runbook_url` annotation links to, plus `#<alert name>`.
    """

    rules: AlertPolicies = AlertPolicies()
    routing: AlertRouting = AlertRouting()
    rate_window: Duration = "5m"
    min_request_rate: Annotated[float, Field(gt=0, le=1000)] = 0.1
    runbook_url: HttpsUrl = "https://github.com/example-org/podinfo-canary/blob/main/README.md"


class Platform(Strict):
    """config/platform.yaml: what every environment shares."""

    git: Git
    environments: Annotated[list[DnsLabel], Field(min_length=1)]
    argocd: ArgoCd
    tls: Tls
    charts: PlatformCharts
    prometheus_release: DnsLabel = "kube-prometheus-stack"
    # Metric retention (R4.4): how long Prometheus keeps series, and the disk cap that wins first.
    prometheus_retention: Annotated[str, StringConstraints(pattern=r"^\d+(ms|s|m|h|d|w|y)$")] = "15d"
    prometheus_retention_size: Annotated[str, StringConstraints(pattern=r"^\d+(B|KB|MB|GB|TB|PB)$")] = "40GB"
    prometheus_storage: PrometheusStorage = PrometheusStorage()
    gateway_api_plugin: GatewayApiPlugin = GatewayApiPlugin()
    alerting: Alerting = Alerting()
    logging: Logging = Logging()
    cluster_dns: ClusterDns = ClusterDns()

    @model_validator(mode="after")
    def _retention_fits_the_volume(self) -> Platform:
        volume = quantity_bytes(self.prometheus_storage.size)
        if retention_bytes(self.prometheus_retention_size) > STORAGE_HEADROOM * volume:
            raise FieldProblem(
                ("prometheus_retention_size",),
                self.prometheus_retention_size,
                f"must be at most {STORAGE_HEADROOM:.0%} of prometheus_storage.size ({self.prometheus_storage.size}): "
                "the WAL and compaction need the rest of the volume",
            )
        return self

    @property
    def prometheus_address(self) -> str:
        """kube-prometheus-stack's Prometheus Service, as seen from the Argo Rollouts controller."""
        chart = self.charts.kube_prometheus_stack
        return f"http://{self.prometheus_release}-prometheus.{chart.namespace}.svc:9090"

    @field_validator("environments")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        for index, name in enumerate(value):
            if name == BOOTSTRAP_FOLDER:
                raise FieldProblem(
                    (index,), name, f"{BOOTSTRAP_FOLDER!r} is reserved for the Argo CD bootstrap folder dist/{BOOTSTRAP_FOLDER}/"
                )
            if name == AUDIT_FOLDER:
                raise FieldProblem((index,), name, f"{AUDIT_FOLDER!r} is reserved for the audit policy folder dist/{AUDIT_FOLDER}/")
            if name in value[:index]:
                raise FieldProblem((index,), name, "listed twice")
        return value


class Config(BaseModel):
    """Everything the app needs: the platform and its environments, in the platform's order."""

    model_config = ConfigDict(frozen=True)

    platform: Platform
    environments: tuple[Environment, ...]
    # Legal but surprising choices: `make synth` prints each on stderr and goes on (exit 0).
    warnings: tuple[str, ...] = ()


# --- loading and error reporting -----------------------------------------------------------


def _path(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that owns the field at loc (to list allowed keys for an unknown one)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        current = _inner_model(current.model_fields[part].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


# Each string format of these files in words, with an example (the regex itself helps nobody).
_FORMS = {
    rf"^{_DNS_LABEL}$": "a lowercase DNS label such as podinfo-prod (letters, digits, '-')",
    _HOSTNAME_PATTERN: "a lowercase DNS name such as podinfo.example.com (letters, digits, '-', dots between labels)",
    r"^https://[^\s/]+(/\S*)?$": "an https:// URL such as https://github.com/example/podinfo-gitops.git",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "an e-mail address such as platform@example.com",
    r"^[a-z0-9][a-z0-9_-]{0,79}$": "a Slack channel name without '#': lowercase letters, digits, '-', '_', at most 80",
    r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$": "a relative folder path such as dist (no leading '/', no spaces)",
    r"^\$[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[A-Za-z0-9._-]+$": (
        "a reference $<secret-name>:<key> to a Secret in Argo CD's namespace, such as $argocd-oidc:client-secret; never the secret itself"
    ),
    r"^[A-Za-z0-9._:@/-]{1,255}$": "an OIDC client id: letters, digits and . _ : @ / -, at most 255",
    r"^[A-Za-z0-9._:-]+$": "an OIDC scope such as groups: letters, digits and . _ : -",
    r"^[a-z0-9.-]+:[0-9]{1,5}$": "host:port such as smtp.example.com:587",
    r"^\S{1,255}$": "a user name without spaces, at most 255 characters",
    r"^v\d+\.\d+\.\d+$": "a version with a leading v, such as v1.2.3",
    r"^v?\d+\.\d+\.\d+$": "a version such as 1.2.3",
    r"^[1-9]\d*(Mi|Gi|Ti)$": "a Kubernetes quantity in Mi, Gi or Ti such as 50Gi",
    r"^[0-9a-f]{64}$": "a sha256 digest: 64 lowercase hex digits (sha256sum of the file)",
    r"^\d+(ms|s|m|h|d|w|y)$": "a Prometheus duration such as 15d (ms, s, m, h, d, w, y)",
    r"^\d+(B|KB|MB|GB|TB|PB)$": "a Prometheus size such as 40GB (B, KB, MB, GB, TB, PB)",
    r"^[1-9]\d*d$": "a whole number of days such as 7d",
    r"^sha256:[0-9a-f]{64}$": "an image digest: sha256: then 64 lowercase hex digits, such as the output of `crane digest`",
    r"^[A-Za-z0-9][A-Za-z0-9._@:/-]{0,254}$": "an SSO group name such as podinfo-deployers (letters, digits and . _ @ : / -, no spaces)",
    rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}$": (
        "a Kubernetes label key such as k8s-app or app.kubernetes.io/name (letters, digits, '-', '_', '.', at most 63 after the prefix)"
    ),
    rf"^({_LABEL_NAME})?$": "a Kubernetes label value such as kube-dns (letters, digits, '-', '_', '.', at most 63)",
}

_IMPLICIT = {"name"}  # Environment.name comes from the file name, never from a key


def show(value: Any) -> str:
    """A value as a person would type it in YAML: 'text', 6.10, true, null, [a, b]."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) if not isinstance(v, str) else v for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v) if not isinstance(v, str) else v}" for k, v in value.items()) + "}"
    return str(value)


def _field(model: type[BaseModel], loc: tuple) -> tuple[str, Any] | None:
    """(key as typed, pydantic FieldInfo) of the field at loc, aliases honoured."""
    trimmed = list(loc)
    while trimmed and isinstance(trimmed[-1], int):
        trimmed.pop()  # an item of a list: the list's field
    if not trimmed:
        return None
    owner, key = _model_at(model, tuple(trimmed[:-1])), trimmed[-1]
    if owner is None or not isinstance(key, str):
        return None
    for name, info in owner.model_fields.items():
        if key in (name, info.alias):
            return key, info
    return None


def _is_duration(info: Any) -> bool:
    annotation = info.annotation
    options = getattr(annotation, "__args__", None) or (annotation,)
    metadata = [*info.metadata, *(m for option in options for m in getattr(option, "__metadata__", ()))]
    return any(getattr(m, "func", None) is _check_duration for m in metadata)


def _bounds(info: Any) -> str | None:
    """A field's numeric range in words, from its constraints: "1 to 100", "more than 0, at most 0.2"."""
    low = high = None

    def number(value: float) -> str:
        return str(int(value)) if float(value).is_integer() else f"{value:g}"

    for m in info.metadata:
        for attr, word in (("ge", "from {}"), ("gt", "more than {}")):
            if getattr(m, attr, None) is not None:
                low = word.format(number(getattr(m, attr)))
        for attr, word in (("le", "at most {}"), ("lt", "less than {}")):
            if getattr(m, attr, None) is not None:
                high = word.format(number(getattr(m, attr)))
    if low and high and low.startswith("from ") and high.startswith("at most "):
        return f"{low.removeprefix('from ')} to {high.removeprefix('at most ')}"
    return ", ".join(p for p in (low, high) if p) or None


def _keys(owner: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in owner.model_fields.items() if name not in _IMPLICIT]


def _describe(error: dict, model: type[BaseModel], typed: dict) -> tuple[tuple, Any, str]:
    loc, value, kind = tuple(error["loc"]), error.get("input"), error["type"]
    # Literal unions report one branch per alternative; keep the field path only.
    loc = tuple(part for part in loc if not (isinstance(part, str) and part.startswith(("literal[", "function-"))))
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem):
        return loc + cause.loc, cause.value, cause.message
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        allowed = _keys(owner) if owner else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else None
        message = f"unknown key; allowed keys here: {', '.join(allowed) or 'none'}"
        return loc, value, f"{message}; {hint}" if hint else message
    if kind == "missing":
        return loc, None, "required field is missing"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if kind == "string_pattern_mismatch":
        pattern = error["ctx"]["pattern"]
        message = f"must be {_FORMS[pattern]}" if pattern in _FORMS else f"does not match the allowed form {pattern}"
        example = _example(model, loc)
        if example:
            message = re.sub(r"such as \S+", f"such as {example}", message, count=1)
    if kind == "literal_error" and "analysis" in loc:
        # A stage names blocking checks; the background template is not one of them.
        message = f"must be one of {', '.join(t for t in ANALYSIS_TEMPLATES if t != BACKGROUND_TEMPLATE)}"
    hint = _hint(model, loc, value, kind, typed.get(loc), error.get("ctx") or {})
    message = message[0].lower() + message[1:]
    return loc, value, f"{message}; {hint}" if hint else message


# Examples where a field's default is not one (a list of names) or would mislead.
_EXAMPLES = {"environments": "qa", "hosts": "podinfo.example.com", "namespace": "podinfo-qa"}


def _example(model: type[BaseModel], loc: tuple) -> str | None:
    """The field's own example: its default when it has a string one, else _EXAMPLES."""
    found = _field(model, loc)
    if found is None:
        return None
    key, info = found
    if key in _EXAMPLES:
        return _EXAMPLES[key]
    return info.default if isinstance(info.default, str) and info.default else None


def _hint(model: type[BaseModel], loc: tuple, value: Any, kind: str, typed: str | None, ctx: dict) -> str | None:
    """What the person most likely meant: a hint that is right when copied (it quotes what they typed)."""
    found = _field(model, loc)
    key, info = found if found else (next((p for p in reversed(loc) if isinstance(p, str)), ""), None)
    as_typed = typed if typed is not None else show(value)
    if kind == "less_than_equal" and ctx.get("le") == 1 and isinstance(value, int | float) and 1 < value <= 100:
        # 95 reads as a percent; 1.5 is ambiguous (1.5%? 150%?): show the form, not a guess.
        return f"a ratio: {value / 100:g} means {value:g}%" if value >= 2 else "a ratio from 0 to 1: 0.95 means 95%"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal") and info is not None:
        bounds = _bounds(info)
        if bounds:
            return f"allowed: {bounds}"
    digits = isinstance(value, str) and value.isdigit()
    if (
        info is not None
        and _is_duration(info)
        and (kind in ("string_type", "int_type", "float_type") or digits)
        and not isinstance(value, bool)
    ):
        bare = value if digits else as_typed
        return f"a duration needs its unit: {key}: {bare}s, {bare}m or {bare}h"
    if kind == "string_type" and key == "tag" and isinstance(value, int | float):
        return f"YAML reads {as_typed} as the number {value!s}: quote it: tag: '{as_typed}'"
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"YAML reads {as_typed} as a number: quote it: {key}: '{as_typed}'"
    if kind == "int_type" or kind == "int_parsing" or kind == "int_from_float":
        return f"a whole number, such as {key}: {info.default if info is not None and isinstance(info.default, int) else 3}"
    if kind in ("float_type", "float_parsing"):
        return f"a number, such as {key}: {info.default if info is not None and isinstance(info.default, float) else 0.5}"
    if kind == "too_short" and isinstance(value, list) and not value:
        example = _EXAMPLES.get(key)
        return f"at least one, such as {key}: [{example}]" if example else "at least one item"
    if kind == "bool_type":
        return f"true or false, such as {key}: true"
    if kind == "list_type":
        return f"a list, such as {key}: [{value}]" if isinstance(value, str) else f"a list, such as {key}: [a, b]"
    if kind in ("model_type", "dict_type"):
        return f"a mapping of keys to values under {key}:"
    if kind == "literal_error" and "analysis" in loc and isinstance(value, str):
        choices = [t for t in ANALYSIS_TEMPLATES if t != BACKGROUND_TEMPLATE]
        close = difflib.get_close_matches(value, choices, n=1)
        return f"did you mean {close[0]}?" if close else None
    if kind == "literal_error" and isinstance(value, str):
        options = (
            [str(v) for v in getattr(info, "annotation", None).__args__]
            if info is not None and hasattr(info.annotation, "__args__")
            else []
        )
        close = difflib.get_close_matches(value, options, n=1)
        return f"did you mean {close[0]}?" if close else None
    return None


def _format(file: Path, exc: ValidationError, model: type[BaseModel], sources: dict) -> list[str]:
    typed = {loc: raw for loc, (_, raw) in sources.items() if raw is not None}
    errors = exc.errors()
    # A misspelt key is reported once: as unknown (with "did you mean"), not also as a missing field.
    misspelt = {
        (tuple(e["loc"][:-1]), close)
        for e in errors
        if e["type"] == "extra_forbidden"
        for owner in [_model_at(model, tuple(e["loc"][:-1]))]
        if owner is not None
        for close in difflib.get_close_matches(str(e["loc"][-1]), _keys(owner), n=1, cutoff=0.6)
    }
    problems = []
    for error in errors:
        if error["type"] == "missing" and (tuple(error["loc"][:-1]), error["loc"][-1]) in misspelt:
            continue
        loc, value, message = _describe(error, model, typed)
        unset = error["type"] == "missing" or (value is None and loc not in typed)
        shown = "" if unset else f" = {typed.get(loc) if loc in typed else show(value)}"
        line = _line(sources, loc)
        if loc and loc[-1] == "[key]":  # a mapping's key, not its value, is wrong
            loc, shown = loc[:-2], f": key {show(value)}"
        problems.append(f"{file}{f':{line}' if line else ''}: {_path(loc)}{shown}: {message}")
    return sorted(set(problems), key=problems.index)


def _line(sources: dict, loc: tuple) -> int | None:
    """The line of the value at loc, or of its closest parent that the file has."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in sources:
            return sources[loc[:end]][0]
    return None


def _walk(node: yaml.Node, loc: tuple, file: Path, sources: dict, problems: list[str]) -> None:
    """Record each value's line and text as typed; refuse a key given twice in one mapping."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                where = _path((*loc, key))
                problems.append(
                    f"{file}:{line}: {where}: given twice (first at line {seen[key]}); YAML would silently keep only this "
                    "last value: remove one of the two"
                )
            seen.setdefault(key, line)
            sources[(*loc, key)] = (value_node.start_mark.line + 1, value_node.value if isinstance(value_node, yaml.ScalarNode) else None)
            _walk(value_node, (*loc, key), file, sources, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            sources[(*loc, index)] = (item.start_mark.line + 1, item.value if isinstance(item, yaml.ScalarNode) else None)
            _walk(item, (*loc, index), file, sources, problems)


def _read_yaml(file: Path) -> tuple[dict, dict]:
    """The file's mapping, and where each value stands in it: loc -> (line, text as typed or None)."""
    try:
        text = file.read_text()
    except FileNotFoundError:
        raise ConfigError([f"{file}: file not found"]) from None
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{file}{where}: malformed YAML: {problem}"]) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {'list' if isinstance(data, list) else type(data).__name__} ({show(data)})"
        raise ConfigError([f"{file}: the file is {kind}; it must be a mapping of keys to values, one `key: value` per line"])
    sources: dict = {}
    problems: list[str] = []
    _walk(node, (), file, sources, problems)
    if problems:
        raise ConfigError(problems)
    sources = {
        loc: (line, raw if raw is not None and not isinstance(_at(data, loc), str) else None) for loc, (line, raw) in sources.items()
    }
    return data, sources


def _at(data: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _validate(model: type[BaseModel], data: dict, file: Path, sources: dict) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format(file, exc, model, sources)) from None


# Namespaces Kubernetes itself owns: an environment there would put a default-deny NetworkPolicy and
# a `restricted` Pod Security label on the cluster's own components.
KUBERNETES_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def platform_namespaces(platform: Platform) -> dict[str, str]:
    """namespace -> what of the platform lives there (from platform.yaml, never a second list)."""
    owned = {ns: "Kubernetes itself" for ns in KUBERNETES_NAMESPACES}
    owned.setdefault(platform.cluster_dns.namespace, "the cluster DNS (cluster_dns.namespace)")
    charts = platform.charts
    for name in type(charts).model_fields:
        chart = getattr(charts, name)
        owned.setdefault(chart.namespace, f"{chart.chart} (charts.{name}.namespace)")
    owned[platform.argocd.namespace] = "Argo CD (argocd.namespace)"
    return owned


def platform_hosts(platform: Platform) -> dict[str, str]:
    """host -> the platform component that answers it (from platform.yaml)."""
    return {platform.argocd.host: "Argo CD (argocd.host)"}


def expected_dist_path(project: Path) -> str:
    """Where synth writes, as a path in the Git repository Argo CD reads: dist/ beside main.py,
    relative to the repository's top folder (the first parent holding .git)."""
    dist = project / "dist"
    for parent in (project, *project.parents):
        if (parent / ".git").exists():
            return dist.relative_to(parent).as_posix()
    return "dist"


PROJECT = Path(__file__).resolve().parent.parent


def _changed(config_dir: Path) -> set[Path]:
    """Files under config_dir that differ from the last commit (git status), resolved; none without git."""
    import subprocess

    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", "."],
            cwd=config_dir,
            capture_output=True,
            text=True,
            timeout=10,
        )
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=config_dir, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return set()
    if result.returncode or top.returncode:
        return set()
    root = Path(top.stdout.strip())
    return {(root / line[3:].strip().strip('"')).resolve() for line in result.stdout.splitlines() if len(line) > 3}


def _env_file(config_dir: Path, name: str) -> Path:
    return config_dir / ENVIRONMENTS_DIR / f"{name}.yaml"


def _clashes(config_dir: Path, environments: list[Environment], lines: dict) -> list[str]:
    """Two environments on one cluster may share neither a namespace nor a host (two Ingresses for
    one host would split its traffic). The problem is told in the file that changed (git status),
    else in the later one, and names the other file."""
    problems = []
    changed = _changed(config_dir)
    seen: dict[tuple[str, str, str], str] = {}
    for env in environments:
        for field, value in [("namespace", env.namespace), *(("hosts", host) for host in env.hosts)]:
            # A namespace is per cluster; a host name is one in DNS whichever cluster answers it.
            key = (env.cluster.server if field == "namespace" else "", field, value)
            if key not in seen:
                seen[key] = env.name
                continue
            first = seen[key]
            if first == env.name:
                problems.append(f"{_env_file(config_dir, env.name)}: hosts = {show(value)}: listed twice in hosts: remove one")
                continue
            blamed, other = env.name, first
            if _env_file(config_dir, first).resolve() in changed and _env_file(config_dir, env.name).resolve() not in changed:
                blamed, other = first, env.name
            line = lines.get((blamed, field))
            where = f"on the same cluster ({env.cluster.server})" if field == "namespace" else "(one DNS name reaches one environment)"
            problems.append(
                f"{_env_file(config_dir, blamed)}{f':{line}' if line else ''}: {field} = {show(value)}: already used by "
                f"{_env_file(config_dir, other)} {where}; each environment needs its own"
            )
    return problems


def _platform_problems(
    config_dir: Path, platform: Platform, environments: list[Environment], lines: dict, platform_lines: dict
) -> list[str]:
    """What an environment may not take from the platform: its namespaces and hosts."""
    problems = []
    owned, hosts = platform_namespaces(platform), platform_hosts(platform)
    for env in environments:
        file = _env_file(config_dir, env.name)
        line = lines.get((env.name, "namespace"))
        where = f"{file}{f':{line}' if line else ''}"
        if env.namespace in owned or env.namespace.startswith("kube-"):
            owner = owned.get(env.namespace, "Kubernetes (the kube- prefix)")
            problems.append(
                f"{where}: namespace = {show(env.namespace)}: belongs to {owner}; an environment's namespace gets a "
                "default-deny NetworkPolicy and Pod Security `restricted`, which would cut that off: "
                f"use a namespace of its own, such as namespace: podinfo-{env.name}"
            )
        for host in env.hosts:
            if host in hosts:
                problems.append(f"{file}: hosts = {show(host)}: answered by {hosts[host]}; choose another host for podinfo")
    expected = expected_dist_path(PROJECT)
    if platform.git.dist_path != expected:
        line = platform_lines.get(("git", "dist_path"), (None,))[0]
        problems.append(
            f"{config_dir / PLATFORM_FILE}{f':{line}' if line else ''}: git.dist_path = {show(platform.git.dist_path)}: synth writes {expected}/ "
            f"(main.py), so Argo CD would read a folder that never changes: dist_path: {expected}"
        )
    return problems


def _warnings(config_dir: Path, platform: Platform, environments: list[Environment]) -> list[str]:
    """Legal but surprising: said on stderr, synthesis goes on."""
    out = []
    for env in environments:
        file = _env_file(config_dir, env.name)
        for index, stage in enumerate(env.canary.stages):
            repeated = sorted({n for n in stage.analysis if stage.analysis.count(n) > 1})
            if repeated:
                out.append(
                    f"{file}: canary.stages[{index}].analysis lists {', '.join(repeated)} more than once; Argo Rollouts runs "
                    "a template once however often it is named (FilterUniqueTemplates)"
                )
            if stage.pause and not stage.analysis and index < len(env.canary.stages) - 1:
                out.append(
                    f"{file}: canary.stages[{index}] ({stage.weight}%) has no blocking checks: it promotes when its pause "
                    "ends, judged only by the background analysis"
                )
    if environments and not environments[-1].protected:
        last = environments[-1]
        out.append(
            f"{_env_file(config_dir, last.name)}: protected = false for {last.name}, the last environment in promotion order: "
            "canaryctl will not ask before abort or promote --full there"
        )
    return out


def load(config_dir: Path = CONFIG_DIR) -> Config:
    """Read and validate every configuration file; raise ConfigError listing every problem."""
    platform_file = config_dir / PLATFORM_FILE
    platform_data, platform_sources = _read_yaml(platform_file)
    platform = _validate(Platform, platform_data, platform_file, platform_sources)
    problems: list[str] = []
    environments = []
    lines: dict[tuple[str, str], int] = {}
    for name in platform.environments:
        file = _env_file(config_dir, name)
        if not file.is_file():
            problems.append(f"{file}: file not found ({platform_file}: environments lists {show(name)})")
            continue
        try:
            data, sources = _read_yaml(file)
            if "name" in data:
                problems.append(f"{file}: name = {show(data['name'])}: unknown key; the environment is named by its file")
                continue
            lines.update({(name, loc[0]): line for loc, (line, _) in sources.items() if len(loc) == 1})
            environments.append(_validate(Environment, {"name": name, **data}, file, sources))
        except ConfigError as exc:
            problems.extend(exc.problems)
    for env in environments:
        if env.traffic_router == "gatewayapi" and platform.gateway_api_plugin.sha256 is None:
            file = _env_file(config_dir, env.name)
            problems.append(
                f"{file}: traffic_router = 'gatewayapi': needs gateway_api_plugin.sha256 in {platform_file} (64 lowercase hex "
                f"digits of gatewayapi-plugin-linux-amd64 {platform.gateway_api_plugin.version}; upstream publishes none, "
                "so compute it from the binary you reviewed)"
            )
    problems += _platform_problems(config_dir, platform, environments, lines, platform_sources)
    problems += _clashes(config_dir, environments, lines)
    listed = {f"{name}.yaml" for name in platform.environments}
    for extra in sorted((config_dir / ENVIRONMENTS_DIR).glob("*.y*ml")):
        if extra.name not in listed:
            problems.append(
                f"{extra}: not listed in {platform_file} environments ({', '.join(platform.environments)}): "
                "add it there or remove the file; an unlisted environment would be silently ignored"
            )
    if problems:
        raise ConfigError(problems)
    return Config(platform=platform, environments=tuple(environments), warnings=tuple(_warnings(config_dir, platform, environments)))


__all__ = [
    "ANALYSIS_TEMPLATES",
    "CanaryPolicy",
    "Config",
    "ConfigError",
    "Decision",
    "Environment",
    "Platform",
    "Slo",
    "Stage",
    "duration_seconds",
    "load",
]
