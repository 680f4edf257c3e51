"""Value types of the configuration, and the errors loading reports.

Each string form with its pattern and its description once; durations, ratios, latency bounds, sizes."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

CONFIG_DIR = Path("config")
PLATFORM_FILE = "platform.yaml"
ENVIRONMENTS_DIR = "environments"
BOOTSTRAP_FOLDER = "argocd"  # dist/argocd/ holds the Argo CD bootstrap; no environment may take the name
AUDIT_FOLDER = "audit"  # dist/audit/ holds the API server's audit policy, applied by hand, never synced

# The AnalysisTemplates AnalysisSuite builds. A canary stage may only name one of these.
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

# Each string form of these files: its pattern and, once, its description in words with an example
# (the message a mismatch gets; the regex itself helps nobody).
FORMS: dict[str, str] = {}


def form(pattern: str, description: str, **constraints: int) -> Any:
    """A string type of one pattern, described once."""
    FORMS[pattern] = description
    return Annotated[str, StringConstraints(pattern=pattern, **constraints)]


_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DnsLabel = form(rf"^{_DNS_LABEL}$", "a lowercase DNS label such as podinfo-prod (letters, digits, '-')", max_length=63)
_HOSTNAME_PATTERN = rf"^{_DNS_LABEL}(\.{_DNS_LABEL})+$"
Hostname = form(
    _HOSTNAME_PATTERN, "a lowercase DNS name such as podinfo.example.com (letters, digits, '-', dots between labels)", max_length=253
)
HttpsUrl = form(r"^https://[^\s/]+(/\S*)?$", "an https:// URL such as https://github.com/example/podinfo-gitops.git")
# An alert's runbook page: `{alert}` stands for the alert's name (Alerting.runbook_url).
RunbookUrl = form(
    r"^https://[^\s/{}]+/[^\s{}]*\{alert\}[^\s{}]*$",
    "an https:// URL holding {alert} once, where the alert's name goes, such as https://docs.example.com/runbooks/{alert}/",
)
Email = form(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "an e-mail address such as platform@example.com")
SlackChannel = form(r"^[a-z0-9][a-z0-9_-]{0,79}$", "a Slack channel name without '#': lowercase letters, digits, '-', '_', at most 80")
RelativePath = form(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", "a relative folder path such as dist (no leading '/', no spaces)")
SecretRef = form(
    r"^\$[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[A-Za-z0-9._-]+$",
    "a reference $<secret-name>:<key> to a Secret in Argo CD's namespace, such as $argocd-oidc:client-secret; never the secret itself",
)
OidcClientId = form(r"^[A-Za-z0-9._:@/-]{1,255}$", "an OIDC client id: letters, digits and . _ : @ / -, at most 255")
OidcScope = form(r"^[A-Za-z0-9._:-]+$", "an OIDC scope such as groups: letters, digits and . _ : -")
HostPort = form(r"^[a-z0-9.-]+:[0-9]{1,5}$", "host:port such as smtp.example.com:587")
UserName = form(r"^\S{1,255}$", "a user name without spaces, at most 255 characters")
VVersion = form(r"^v\d+\.\d+\.\d+$", "a version with a leading v, such as v1.2.3")
Version = form(r"^v?\d+\.\d+\.\d+$", "a version such as 1.2.3")
Quantity = form(r"^[1-9]\d*(Mi|Gi|Ti)$", "a Kubernetes quantity in Mi, Gi or Ti such as 50Gi")
Sha256 = form(r"^[0-9a-f]{64}$", "a sha256 digest: 64 lowercase hex digits (sha256sum of the file)")
PrometheusDuration = form(r"^\d+(ms|s|m|h|d|w|y)$", "a Prometheus duration such as 15d (ms, s, m, h, d, w, y)")
PrometheusSize = form(r"^\d+(B|KB|MB|GB|TB|PB)$", "a Prometheus size such as 40GB (B, KB, MB, GB, TB, PB)")
Days = form(r"^[1-9]\d*d$", "a whole number of days such as 7d")
# A canary path prefix (environment.Routing): path elements of letters, digits, `_` and `-`, each
# followed by `/`, so it is literal text in every router's pattern, regex or not (core/routing.py).
CANARY_PATH_PREFIX = r"^/(?:[A-Za-z0-9_-]+/)+$"
UrlPath = form(r"^/[A-Za-z0-9._~/-]*$", "a URL path: / then letters, digits, '.', '_', '~', '-' or '/', such as /api/info", max_length=200)
ImageDigest = form(r"^sha256:[0-9a-f]{64}$", "an image digest: sha256: then 64 lowercase hex digits, such as the output of `crane digest`")
# An SSO group as it appears in tokens and RBAC subjects: no spaces, and never a `system:` group,
# which Kubernetes reserves for itself (system:masters would be cluster admin).
GroupName = form(
    r"^[A-Za-z0-9][A-Za-z0-9._@:/-]{0,254}$", "an SSO group name such as podinfo-deployers (letters, digits and . _ @ : / -, no spaces)"
)
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
# A Kubernetes label key ([prefix/]name) and value (apimachinery validation.IsQualifiedName, IsValidLabelValue).
LabelKey = form(
    rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}$",
    "a Kubernetes label key such as k8s-app or app.kubernetes.io/name (letters, digits, '-', '_', '.', at most 63 after the prefix)",
)
LabelValue = form(rf"^({_LABEL_NAME})?$", "a Kubernetes label value such as kube-dns (letters, digits, '-', '_', '.', at most 63)")
# External Secrets Operator (config/secrets.py): a ClusterSecretStore's name, and where in the store
# a Secret's keys are read from (provider-specific paths and names: Vault, AWS, GCP, 1Password...).
ObjectName = form(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    "a Kubernetes object name such as vault-backend (lowercase letters, digits, '-', '.')",
    max_length=253,
)
RemoteKey = form(
    r"^\S(?:[^\n]*\S)?$",
    "a key of the secret store such as podinfo/argocd-notifications (its path or name there; no line breaks, "
    "no leading or trailing spaces)",
    max_length=1024,
)
RemoteProperty = form(r"^\S+$", "a property of the remote secret such as slack-token (no spaces)", max_length=253)
Ratio = Annotated[float, Field(gt=0, le=1)]
# A Gateway API SectionName (a listener's name): a lowercase DNS subdomain (gateway-api v1.6.1
# apis/v1/shared_types.go SectionName).
# The same form as ObjectName (one pattern, one description: FORMS is keyed by the pattern).
SectionName = ObjectName


def _check_cidr(value: str) -> str:
    """An IPv4 or IPv6 network in CIDR notation with no host bits set (as NetworkPolicy `ipBlock.cidr`
    takes it), and never every address: a data plane is some addresses, not the internet."""
    if not isinstance(value, str) or "/" not in value:
        raise ValueError("must be a network in CIDR notation such as 10.20.0.0/16 or fd00::/64")
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError("must be a network in CIDR notation such as 10.20.0.0/16 or fd00::/64") from None
    if str(network) != value:
        raise ValueError(f"is not a network address (host bits set, or not canonical): write {network}")
    if network.prefixlen == 0:
        raise ValueError("would admit every address: name the data plane's own ranges")
    return value


Cidr = Annotated[str, AfterValidator(_check_cidr)]

# Docker reference grammar, without the tag: [registry[:port]/]path
_REPOSITORY = re.compile(
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)
PODINFO_REPOSITORY = "ghcr.io/stefanprodan/podinfo"
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
# The tags that may deploy (docs/guides/delivery-flow.md "Which tags may deploy"): a semantic
# version MAJOR.MINOR.PATCH with an optional pre-release (-rc.1); no build metadata, since `+` is not
# allowed in an image tag. A leading v only for images other than podinfo (Image).
SEMVER_TAG = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$")


def version_key(tag: str) -> tuple:
    """Semantic-version precedence of a SEMVER_TAG (semver.org item 11): numbers compare as numbers,
    a pre-release comes before its release (6.15.0-rc.1 < 6.15.0), its identifiers compare one by
    one, numeric ones as numbers and below alphanumeric ones."""
    match = SEMVER_TAG.match(tag)
    if not match:
        raise ValueError(f"{tag!r} is not a release version MAJOR.MINOR.PATCH[-PRE-RELEASE]")
    core = tuple(int(match.group(i)) for i in (1, 2, 3))
    if not match.group(4):
        return (core, 1, ())
    ids = tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in match.group(4)[1:].split("."))
    return (core, 0, ids)


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


# Fields renamed because their old name misled: (model, old key) -> new key. The old key still
# loads, and `load` warns with the new name (loading._deprecations).
RENAMED: dict[tuple[str, str], str] = {("Slo", "analysis_interval"): "saturation_interval"}


# Fields removed because their meaning changed: (model, old key) -> what to write instead. Refused
# with that message (a key that silently meant something else would be worse than an error).
REMOVED: dict[tuple[str, str], str] = {
    ("Decision", "healthy_fraction"): (
        "removed: the SLO itself is now the healthy share (a canary at or below it is aborted at most "
        "false_abort_max of the time); bad_factor sets the share it is tested against (SLO x bad_factor)"
    ),
}


def renamed(model: type, data: Any) -> Any:
    """A mapping with each renamed key of `model` under its new name (unless both are given)."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for (owner, old), new in RENAMED.items():
        if owner == model.__name__ and old in out and new not in out:
            out[new] = out.pop(old)
    return out


class Strict(BaseModel):
    """Base for every config model: unknown keys are errors, values are not coerced across types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        """A key of RENAMED still loads under its old name (`load` warns); one of REMOVED is refused."""
        if isinstance(data, dict):
            for (owner, old), message in REMOVED.items():
                if owner == cls.__name__ and old in data:
                    raise FieldProblem((old,), data[old], message)
        return renamed(cls, data)
