"""What every environment shares: config/platform.yaml (Git, Argo CD, TLS, charts, storage, alerting, logs)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from podinfo_canary.config.alerts import AlertPolicy, default_policies, with_defaults
from podinfo_canary.config.secrets import (
    PlatformSecrets,
    environment_secret_keys,
    named_keys,
    platform_secret_keys,
    remote_problem,
)
from podinfo_canary.config.types import (
    _REPOSITORY,
    _TAG,
    AUDIT_FOLDER,
    BOOTSTRAP_FOLDER,
    STORAGE_HEADROOM,
    Days,
    DnsLabel,
    Duration,
    Email,
    FieldProblem,
    GroupName,
    Hostname,
    HostPort,
    HttpsUrl,
    ImageDigest,
    LabelKey,
    LabelValue,
    OidcClientId,
    OidcScope,
    PrometheusDuration,
    PrometheusSize,
    Quantity,
    RelativePath,
    RunbookUrl,
    SecretRef,
    Sha256,
    SlackChannel,
    Strict,
    UserName,
    Version,
    VVersion,
    quantity_bytes,
    retention_bytes,
)


class Git(Strict):
    """The GitOps repository Argo CD reads dist/ from.

    repo_url: the repository's https URL (its credentials, if any, are a Secret created out of band).
    target_revision: the branch, tag or commit Argo CD syncs.
    dist_path: the folder of the repository holding the synthesized manifests.
    """

    repo_url: HttpsUrl
    target_revision: Annotated[str, StringConstraints(min_length=1)] = "main"
    dist_path: RelativePath = "dist"


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

    name: the provider's name on Argo CD's login button.
    issuer: the OIDC issuer URL.
    client_id: Argo CD's client id at the provider.
    client_secret: the client secret, as a reference `$<secret>:<key>`.
    requested_scopes: the scopes Argo CD asks for.
    """

    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "SSO"
    issuer: HttpsUrl
    client_id: OidcClientId
    client_secret: SecretRef
    requested_scopes: list[OidcScope] = ["openid", "profile", "email", "groups"]

    @field_validator("requested_scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        missing = [scope for scope in ("openid", "groups") if scope not in value]
        if missing:
            raise ValueError(f"must include {' and '.join(missing)}: groups reach Argo CD's RBAC only through the token")
        return value


class ArgoCd(Strict):
    """Argo CD itself: pinned version, how the API server is reached, who may do what.

    version: the Argo CD release installed (its install manifest's tag).
    namespace: where Argo CD runs, with its Applications and Secrets.
    host: the API server's and UI's host name.
    expose: `ingress` (TLS from cert-manager through ingress-nginx) or `loadbalancer` (a Service of type LoadBalancer).
    slack_channel: where Argo CD notifies failed syncs and degraded Applications.
    """

    version: VVersion = "v3.5.1"
    namespace: DnsLabel = "argocd"
    host: Hostname
    expose: Literal["ingress", "loadbalancer"] = "ingress"
    sso: Sso | None = None
    rbac: Rbac = Rbac()
    slack_channel: SlackChannel

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
    """cert-manager issuer for every Ingress (ACME HTTP-01 through ingress-nginx).

    cluster_issuer: the ClusterIssuer's name.
    acme_email: the ACME account's contact address (expiry notices).
    acme_server: the ACME directory (Let's Encrypt's production one by default; its staging one for tests).
    """

    cluster_issuer: DnsLabel = "letsencrypt"
    acme_email: Email
    acme_server: HttpsUrl = "https://acme-v02.api.letsencrypt.org/directory"


class HelmChart(Strict):
    """A pinned Helm chart installed by an Argo CD Application.

    repo_url: the Helm repository.
    chart: the chart's name (also its release's and its Application's).
    version: the chart's version, pinned.
    namespace: where the release is installed.
    app_version: the chart's `appVersion` (what it deploys), recorded with where it was read.
    crd_tag: the upstream tag our pinned CRDs (crds.yaml) come from, when they are this chart's
        CRDs; it equals app_version unless the schemas are verified identical (say so beside it).
    """

    repo_url: HttpsUrl
    chart: DnsLabel
    version: Version
    app_version: Version
    crd_tag: VVersion | None = None
    namespace: DnsLabel

    @property
    def release(self) -> str:
        """The Helm release, and the Application, named after the chart: the chart's resources are
        then named after it too (a fullname is the release when that contains the chart name)."""
        return self.chart


class PlatformCharts(Strict):
    """The platform's pinned Helm charts, each installed by its own Argo CD Application."""

    argo_rollouts: HelmChart
    ingress_nginx: HelmChart
    kube_prometheus_stack: HelmChart
    cert_manager: HelmChart
    loki: HelmChart
    alloy: HelmChart

    def all(self) -> list[HelmChart]:
        return [self.argo_rollouts, self.ingress_nginx, self.kube_prometheus_stack, self.cert_manager, self.loki, self.alloy]


class PrometheusStorage(Strict):
    """The persistent volume of Prometheus' TSDB, so analysis history survives a restart and node
    ephemeral storage is never filled (the kubelet would evict Prometheus).

    size: the volume's size; prometheus_retention_size must fit in it.
    storage_class: the volume's StorageClass; null: the cluster's default.
    """

    size: Quantity = "50Gi"
    storage_class: DnsLabel | None = None  # None: the cluster's default StorageClass


class ClusterDns(Strict):
    """The cluster DNS pods, the one destination outside its namespace podinfo may reach
    (SecurityPolicies). The defaults fit kube-dns and CoreDNS as kubeadm, EKS, GKE and AKS run it.

    namespace: the DNS pods' namespace.
    pod_labels: the labels the NetworkPolicies select the DNS pods by.
    """

    namespace: DnsLabel = "kube-system"
    pod_labels: Annotated[dict[LabelKey, LabelValue], Field(min_length=1)] = {"k8s-app": "kube-dns"}


class LogStorage(Strict):
    """Loki's persistent volume (chunks, index, compactor state): logs survive a restart.

    size: the volume's size.
    storage_class: the volume's StorageClass; null: the cluster's default.
    """

    size: Quantity = "20Gi"
    storage_class: DnsLabel | None = None  # None: the cluster's default StorageClass


class Logging(Strict):
    """Logs: Alloy collects every pod's lines into Loki (podinfo_canary/charts/platform/logs.py).

    retention: how long Loki keeps log lines, in whole days (its compactor applies retention to
        one index table per day).
    storage: Loki's volume.
    canary_error_lines_per_minute: PodinfoCanaryErrorLogs fires when each canary pod logs more error
        lines a minute than this,
    canary_error_factor: and more than this many times what each stable pod logs (below it, both
        tracks fail alike: a shared dependency, not the new version).
    """

    retention: Days = "7d"
    storage: LogStorage = LogStorage()
    canary_error_lines_per_minute: Annotated[float, Field(gt=0, le=100000)] = 1.0
    canary_error_factor: Annotated[float, Field(ge=1, le=1000)] = 2.0


class GatewayApiPlugin(Strict):
    """The Argo Rollouts Gateway API traffic-router plugin, downloaded by the controller at start.

    Registered only when an environment uses `traffic_router: gatewayapi`. Upstream publishes no
    checksum for its release binaries, so the digest must come from the operator (sha256sum of
    the asset they reviewed); without it, gatewayapi environments are refused.

    version: the plugin's release, downloaded from its GitHub release page.
    sha256: the sha256 digest of the release's linux-amd64 binary; required for gatewayapi environments.
    """

    version: VVersion = "v0.15.0"
    sha256: Sha256 | None = None

    @property
    def url(self) -> str:
        return (
            "https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/"
            f"{self.version}/gatewayapi-plugin-linux-amd64"
        )


class Istio(Strict):
    """The Istio mesh, installed only when an environment uses `traffic_router: istio`: its pinned
    Helm charts (base, istiod, the CNI node agent, an ingress gateway) from one release.

    Sidecar mode with the CNI node agent: the CNI plugin sets up each pod's traffic redirection,
    so the injected pod has no `istio-init` container with NET_ADMIN/NET_RAW and still meets Pod
    Security `restricted` (upstream: istio 1.30.3 manifests/charts/istio-control/istio-discovery/
    files/injection-template.yaml, `pilot.cni.enabled`). Not ambient mode: its ztunnel reports L4
    metrics only, and the canary's request metrics (`istio_requests_total` from the destination
    sidecar) need an L7 proxy beside each pod.

    version: the Helm charts' version (Istio publishes its charts at the release's version).
    namespace: istiod and the CNI node agent (a privileged namespace: the node agent is).
    ingress_namespace: the ingress gateway, where the environments' TLS Certificates live (a
        Gateway's credentialName is read from the gateway pods' namespace).
    gateway_release: the ingress gateway's release: its Deployment, Service and ServiceAccount
        are named after it, and its pods carry `istio: <release without "istio-">` (gateway chart
        templates/_helpers.tpl gateway.selectorLabels).
    """

    # The Helm repository of Istio's charts.
    repo_url: HttpsUrl = "https://istio-release.storage.googleapis.com/charts"
    version: Version = "1.30.3"
    namespace: DnsLabel = "istio-system"
    ingress_namespace: DnsLabel = "istio-ingress"
    gateway_release: DnsLabel = "istio-ingressgateway"

    def chart(self, name: str, namespace: str | None = None) -> HelmChart:
        """One of Istio's charts (`base`, `istiod`, `cni`, `gateway`) at the pinned version."""
        return HelmChart(
            repo_url=self.repo_url,
            chart=name,
            version=self.version,
            app_version=self.version,
            # base installs the CRDs crds.yaml pins (crd-all.gen.yaml at tag `version`, which has no v).
            crd_tag=None,
            namespace=namespace or self.namespace,
        )

    @property
    def gateway_labels(self) -> dict[str, str]:
        """The ingress gateway pods' selector labels (gateway chart gateway.selectorLabels)."""
        return {"app": self.gateway_release, "istio": self.gateway_release.removeprefix("istio-")}

    @property
    def gateway_principal(self) -> str:
        """The gateway's mesh identity: its ServiceAccount, named after the release."""
        return f"cluster.local/ns/{self.ingress_namespace}/sa/{self.gateway_release}"


class Tester(Strict):
    """The image of the pre-exposure acceptance and load Jobs (PreExposure): any image with a POSIX
    shell and curl 7.84 or later (`--rate`). Pinned by digest, as a Job's image must be.

    The default is podinfo's own image, which carries curl (podinfo 6.x Dockerfile: `apk add
    ca-certificates curl`); a fixed version, so the tester does not change with the version it
    tests. Its digest is the one a kubelet reported for ghcr.io/stefanprodan/podinfo:6.11.0
    (`imageID` of a running pod, March 2026); check it with `crane digest` before you rely on it. A
    wrong digest fails loudly: the Job's pod cannot pull, the acceptance check fails at
    `activeDeadlineSeconds` and the rollout aborts before any user request.

    repository: the image repository, without tag or digest.
    tag: the image tag.
    digest: the image's `sha256:` digest, which the Jobs pull by.
    """

    repository: str = "ghcr.io/stefanprodan/podinfo"
    tag: str = "6.11.0"
    digest: ImageDigest = "sha256:5b789251f4b35f4ac6319c48b57eb6d29356d67471404c5fd3733db2eb8c11cf"

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not _REPOSITORY.match(value) or "@" in value:
            raise ValueError("must be an image repository such as ghcr.io/stefanprodan/podinfo (no tag, no digest)")
        return value

    @field_validator("tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        if not _TAG.match(value) or value == "latest":
            raise ValueError("must be an exact image tag (letters, digits, '_', '.', '-'; not 'latest')")
        return value

    @model_validator(mode="after")
    def _digest_of_this_image(self) -> Tester:
        if self.model_fields_set & {"repository", "tag"} and "digest" not in self.model_fields_set:
            raise FieldProblem(
                ("digest",),
                None,
                f"required when repository or tag is set: the sha256 digest of {self.repository}:{self.tag} (`crane digest` it); "
                "the default digest is only the default image's",
            )
        return self

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}@{self.digest}"


class AlertRouting(Strict):
    """Alertmanager grouping and the SMTP relay for e-mail (AlertmanagerConfig per environment).

    group_wait: how long a new group of alerts waits for more before the first notification.
    group_interval: how long before a group's next notification about new alerts in it.
    repeat_interval: how often a still-firing group is sent again.
    smtp_*: the relay critical alerts are e-mailed through; its password is the key `password`
        of the Secret `alertmanager-smtp` in each environment namespace, created out of band.
    smtp_smarthost: the SMTP relay, host:port.
    smtp_from: the sender address of alert e-mails.
    smtp_username: the user Alertmanager logs in to the relay as.
    """

    group_wait: Duration = "30s"
    group_interval: Duration = "5m"
    repeat_interval: Duration = "4h"
    smtp_smarthost: HostPort = "smtp.example.com:587"
    smtp_from: Email = "alertmanager@example.com"
    smtp_username: UserName = "alertmanager"


RUNBOOKS_PATH = "docs/operations/runbooks"  # one page per alert, named after it


class Alerting(Strict):
    """Alert rules (ObservabilityStack): their policies, the rate window and the runbook.

    rules: per alert key (config/alerts.py), its `for:` and severity; an alert left out keeps its default.
    rate_window: the window of the recorded request rates, ratios and quantiles that alerts and
        dashboards read (a few scrapes at least: 5m holds twenty 15 s scrapes).
    min_request_rate: requests per second the stable pods must serve before a request alert may
        fire; below it a few errors are noise, and no traffic must never page anyone.
    runbook_url: each alert's `runbook_url` annotation, `{alert}` replaced by the alert's name.
        Default: its page in this repository at the revision Argo CD syncs,
        `<git.repo_url without .git>/blob/<git.target_revision>/docs/operations/runbooks/{alert}.md`
        (GitHub's and Gitea's file view; set it for GitLab, `/-/blob/`, or a hosted docs site).
    """

    rules: dict[str, AlertPolicy] = Field(default_factory=default_policies)
    routing: AlertRouting = AlertRouting()
    rate_window: Duration = "5m"
    min_request_rate: Annotated[float, Field(gt=0, le=1000)] = 0.1
    runbook_url: RunbookUrl | None = None

    def runbook(self, alert: str) -> str:
        """The runbook page of `alert` (Platform fills runbook_url in when it is not set)."""
        if self.runbook_url is None:
            raise ValueError("runbook_url is filled in by Platform: read alerting from a Platform")
        return self.runbook_url.replace("{alert}", alert)

    @field_validator("rules", mode="before")
    @classmethod
    def _every_alert_has_a_policy(cls, value: object) -> object:
        return with_defaults(value)


class Platform(Strict):
    """config/platform.yaml: what every environment shares.

    environments: the environments, one config/environments/<name>.yaml each, in promotion order.
    prometheus_release: the kube-prometheus-stack Helm release name; its Prometheus Service is
        named after it (the address the analysis queries).
    prometheus_retention_size: the disk cap of Prometheus' TSDB (--storage.tsdb.retention.size).
    """

    git: Git
    environments: Annotated[list[DnsLabel], Field(min_length=1)]
    argocd: ArgoCd
    tls: Tls
    charts: PlatformCharts
    prometheus_release: DnsLabel = "kube-prometheus-stack"
    # Metric retention: how long Prometheus keeps series, and the disk cap that wins first.
    prometheus_retention: PrometheusDuration = "15d"
    prometheus_retention_size: PrometheusSize = "40GB"
    prometheus_storage: PrometheusStorage = PrometheusStorage()
    gateway_api_plugin: GatewayApiPlugin = GatewayApiPlugin()
    istio: Istio = Istio()
    tester: Tester = Tester()
    alerting: Alerting = Alerting()
    logging: Logging = Logging()
    cluster_dns: ClusterDns = ClusterDns()
    # The form of the out-of-band Secrets: by hand, or ExternalSecrets (config/secrets.py).
    secrets: PlatformSecrets = PlatformSecrets()

    @model_validator(mode="after")
    def _runbooks_in_the_repository(self) -> Platform:
        """Each alert's runbook is a page of docs/operations/runbooks/ unless alerting.runbook_url says where."""
        if self.alerting.runbook_url is None:
            url = f"{self.git.repo_url.removesuffix('.git')}/blob/{self.git.target_revision}/{RUNBOOKS_PATH}/{{alert}}.md"
            object.__setattr__(self, "alerting", self.alerting.model_copy(update={"runbook_url": url}))
        return self

    @model_validator(mode="after")
    def _every_platform_secret_is_read_from_the_store(self) -> Platform:
        """With the external form, `secrets.remote` names exactly the platform's Secrets and their keys."""
        if self.secrets.form != "external":
            return self
        expected = self.secret_keys()
        remote = self.secrets.remote
        elsewhere = set(environment_secret_keys(email=True))
        for name in remote:
            if name in elsewhere:
                raise FieldProblem(
                    ("secrets", "remote", name),
                    None,
                    f"{name} lives in each environment's namespace: name its remote key under secrets.remote in "
                    "config/environments/<env>.yaml",
                )
        problem = remote_problem(remote, expected)
        if problem:
            raise FieldProblem(("secrets", "remote", *problem.loc), problem.value, problem.message)
        missing = {name: keys for name, keys in expected.items() if name not in remote}
        if missing:
            raise FieldProblem(
                ("secrets", "remote"),
                None,
                f"names no remote key for {named_keys(missing)}: with form external every Secret of the platform is read from "
                f"ClusterSecretStore {self.secrets.store!r}",
            )
        return self

    def secret_keys(self) -> dict[str, tuple[str, ...]]:
        """The platform's out-of-band Secrets, name -> keys (config/secrets.py)."""
        return platform_secret_keys(self.argocd.sso.client_secret if self.argocd.sso else None)

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
