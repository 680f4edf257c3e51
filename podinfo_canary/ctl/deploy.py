"""`canaryctl deploy`: bootstrap a cluster in one command, the way docs/operations/bootstrap.md "Bootstrap a cluster"
describes, and wait until every Application is Synced and Healthy.

Before anything is applied, each `traffic_router: gatewayapi` environment's Gateway is read: it
must exist, and the listeners its routes name must admit them from the environment's namespace
(`check_gateways`), or no route would ever be accepted.

The steps (bootstrap.py says why only these objects of dist/argocd/ are applied by hand):
1. the `argocd` namespace and Argo CD's pinned install manifest, by server-side apply (`kubectl
   apply --server-side`: the manifest's CRDs exceed the client-side annotation limit);
2. wait until Argo CD's CRDs are established (and, with `secrets.form: external`, ESO's);
3. the `platform` AppProject and the `bootstrap` Application from dist/argocd/ (external form:
   the repository's ExternalSecret between them);
4. wait until the Applications that dist/ declares (the platform charts, `argocd`, `bootstrap`
   and one `podinfo-<env>` per environment) are Synced and Healthy, with a progress table.
Server-side apply makes every step idempotent: running deploy again changes nothing.
`--dry-run` prints the plan and applies nothing. Secrets stay out of band, in the form config
`secrets.form` chooses (core/secrets.py): by hand, deploy lists the ones that are missing and goes
on (Argo CD retries until they exist); as ExternalSecrets, deploy first waits for External Secrets
Operator's CRDs, applies the repository's ExternalSecret with the bootstrap Application (Argo CD
reads its repository with those credentials), says when a ClusterSecretStore is missing or not
Ready and when an ExternalSecret fails to sync, and at the end requires every ExternalSecret
synced (their status conditions: Ready with reason SecretSynced).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podinfo_canary import config as config_module
from podinfo_canary.core import yamltext
from podinfo_canary.core.bootstrap import argocd_install_url, hand_applied_files
from podinfo_canary.core.secrets import OutOfBandSecret, out_of_band_secrets
from podinfo_canary.core.workload import REDIRECT_ROUTE, WORKLOAD
from podinfo_canary.ctl.kube import FAILED, NOT_FOUND, REFUSED, TIMED_OUT, USAGE, CtlError, Target, failure

ARGOCD_CRDS = ("applications.argoproj.io", "appprojects.argoproj.io", "applicationsets.argoproj.io")
# External Secrets Operator v2.9.0's, served as external-secrets.io/v1 (crds.yaml).
ESO_GROUP, ESO_VERSION = "external-secrets.io", "v1"
ESO_CRDS = ("externalsecrets.external-secrets.io", "clustersecretstores.external-secrets.io")
SYNCED = "SecretSynced"  # the Ready reason of an ExternalSecret whose Secret ESO wrote (v2.9.0 externalsecret_types.go)
FIELD_MANAGER = "canaryctl"


@dataclass(frozen=True)
class Step:
    what: str
    command: list[str]  # run from the repository root (dist/'s parent)
    stdin: str | None = None
    stdin_label: str | None = None


def plan(cfg: config_module.Config, dist: Path, context: str | None) -> list[Step]:
    ns = cfg.platform.argocd.namespace
    kubectl = ["kubectl", *(["--context", context] if context else [])]
    apply = [*kubectl, "apply", "--server-side", f"--field-manager={FIELD_MANAGER}"]
    namespace = yamltext.dump({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    files = hand_applied_files(dist / config_module.BOOTSTRAP_FOLDER)
    external = cfg.platform.secrets.form == "external"
    eso = [
        Step(
            "External Secrets Operator's CRDs established (secrets.form external)",
            [*kubectl, "wait", "--for=condition=established", "--timeout=60s", *(f"crd/{c}" for c in ESO_CRDS)],
        )
    ]
    return [
        Step(f"namespace {ns}", [*apply, "-f", "-"], namespace, f"a Namespace {ns}"),
        Step(
            f"Argo CD {cfg.platform.argocd.version} (pinned install manifest)",
            [*apply, "--force-conflicts", "-n", ns, "-f", argocd_install_url(cfg.platform.argocd.version)],
        ),
        Step(
            "Argo CD's CRDs established",
            [*kubectl, "wait", "--for=condition=established", "--timeout=120s", *(f"crd/{c}" for c in ARGOCD_CRDS)],
        ),
        *(eso if external else []),
        Step(
            "the platform AppProject, the repository's ExternalSecret and the bootstrap Application"
            if external
            else "the platform AppProject and the bootstrap Application",
            [*apply, "-n", ns, *(a for f in files for a in ("-f", str(f.relative_to(dist.parent))))],
        ),
    ]


@dataclass(frozen=True)
class SecretChecks:
    """What deploy checks of the out-of-band Secrets on Argo CD's cluster, by form."""

    manual: list[OutOfBandSecret]
    stores: dict[str, list[OutOfBandSecret]]  # ClusterSecretStore -> the ExternalSecrets reading from it

    def lines(self) -> list[str]:
        """The dry run's account: which form, and what is checked."""
        out = []
        if self.manual:
            out.append("out-of-band Secrets (secrets.form manual: created by hand) checked: " + ", ".join(s.where for s in self.manual))
        for store, secrets in self.stores.items():
            out.append(
                f"out-of-band Secrets (secrets.form external: ExternalSecrets of ClusterSecretStore {store}) checked: the store "
                "Ready, then each synced: " + ", ".join(s.where for s in secrets)
            )
        return out


def secret_checks(cfg: config_module.Config) -> SecretChecks:
    secrets = out_of_band_secrets(cfg)
    stores: dict[str, list[OutOfBandSecret]] = {}
    for secret in (s for s in secrets if s.external):
        stores.setdefault(secret.source.store, []).append(secret)
    return SecretChecks([s for s in secrets if not s.external], stores)


def expected_applications(cfg: config_module.Config, dist: Path) -> list[str]:
    """The Applications dist/ declares: those of dist/argocd/ and the ApplicationSet's, one per environment."""
    folder = dist / config_module.BOOTSTRAP_FOLDER
    names = [d["metadata"]["name"] for p in sorted(folder.glob("Application.*.yaml")) for d in yamltext.read_documents(p)]
    environments = [f"{WORKLOAD}-{e.name}" for e in cfg.environments]  # in the configured (promotion) order
    return [*sorted(set(names) - set(environments)), *environments]


def run_steps(steps: list[Step], echo, cwd: Path) -> None:
    """Each step's kubectl command in order; the first that fails ends the deploy (FAILED), with
    kubectl's last line. The caller has checked the kubeconfig and the cluster first (kube.reach)."""
    if shutil.which("kubectl") is None:
        raise CtlError("kubectl not found on PATH: deploy applies Argo CD's manifest with it", USAGE)
    for step in steps:
        echo(f"→ {step.what}")
        result = subprocess.run(step.command, input=step.stdin, capture_output=True, text=True, cwd=cwd)
        if result.returncode != 0:
            said = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit status {result.returncode}"
            raise CtlError(f"{step.what} failed: {' '.join(step.command)}: {said}", FAILED)


def missing_secrets(cfg: config_module.Config, api) -> list[str]:
    """The out-of-band Secrets the cluster does not have (`namespace/name`), with the answer when
    the check itself was refused."""
    import urllib3
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    core = client.CoreV1Api(api)
    missing = []
    for namespace, name in ((s.namespace, s.name) for s in secret_checks(cfg).manual):
        try:
            core.read_namespaced_secret(name, namespace, _preload_content=False, _request_timeout=30)
        except ApiException as exc:
            missing.append(
                f"{namespace}/{name}" + ("" if exc.status == 404 else f" (could not check: the API server answered {exc.status})")
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise failure(exc, "get", "secrets", Target(namespace), name, api.configuration.host) from exc
    return missing


def _ready(obj: dict) -> dict | None:
    """The `Ready` condition of an ESO object's status (ExternalSecret, ClusterSecretStore)."""
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), None)


def _said(condition: dict) -> str:
    return ": ".join(filter(None, (condition.get("reason"), " ".join((condition.get("message") or "").split()))))


def external_secret_problems(cfg: config_module.Config, api, *, absent_ok: bool = False) -> list[str]:
    """Each ClusterSecretStore that is missing or not Ready, and each ExternalSecret that is not
    synced (absent, unless `absent_ok`: Argo CD has yet to sync it), with ESO's reason."""
    import urllib3
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    custom = client.CustomObjectsApi(api)

    def get(resource: str, name: str, namespace: str | None) -> dict | None:
        try:
            if namespace is None:
                return custom.get_cluster_custom_object(ESO_GROUP, ESO_VERSION, resource, name, _request_timeout=30)
            return custom.get_namespaced_custom_object(ESO_GROUP, ESO_VERSION, namespace, resource, name, _request_timeout=30)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise failure(exc, "get", resource, Target(namespace or "(cluster-scoped)"), name, api.configuration.host) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise failure(exc, "get", resource, Target(namespace or "(cluster-scoped)"), name, api.configuration.host) from exc

    problems = []
    for store, secrets in secret_checks(cfg).stores.items():
        found = get("clustersecretstores", store, None)
        ready = _ready(found) if found else None
        if found is None:
            problems.append(f"ClusterSecretStore {store} not found (is External Secrets Operator installed and the store created?)")
        elif ready is None or ready.get("status") != "True":
            problems.append(f"ClusterSecretStore {store} not Ready" + (f" ({_said(ready)})" if ready else " (no status yet)"))
        for secret in secrets:
            obj = get("externalsecrets", secret.name, secret.namespace)
            condition = _ready(obj) if obj else None
            if obj is None:
                if not absent_ok:
                    problems.append(f"{secret.where} (ExternalSecret not created yet)")
            elif condition is None:
                problems.append(f"{secret.where} (not synced yet: no status)")
            elif condition.get("status") != "True" or condition.get("reason") != SYNCED:
                problems.append(f"{secret.where} (not synced: {_said(condition) or condition.get('status')})")
    return problems


def application_states(api, namespace: str) -> dict[str, tuple[str, str]]:
    """Each Argo CD Application's sync and health status."""
    import urllib3
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    try:
        listed = client.CustomObjectsApi(api).list_namespaced_custom_object(
            "argoproj.io", "v1alpha1", namespace, "applications", _request_timeout=30
        )
    except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise failure(exc, "list", "applications", Target(namespace), "", api.configuration.host) from exc
    return {
        a["metadata"]["name"]: (
            ((a.get("status") or {}).get("sync") or {}).get("status", "Unknown"),
            ((a.get("status") or {}).get("health") or {}).get("status", "Unknown"),
        )
        for a in listed.get("items", [])
    }


def wait(expected: list[str], states, timeout: float, interval: float, show, why: Callable[[], list[str]] = list) -> None:
    """Until every expected Application is Synced and Healthy; TIMED_OUT names the rest, and what
    `why` finds (the ExternalSecrets not synced)."""
    deadline = time.monotonic() + timeout
    while True:
        current = states()
        show(current)
        pending = [n for n in expected if current.get(n) != ("Synced", "Healthy")]
        if not pending:
            return
        if time.monotonic() >= deadline:
            detail = ", ".join(f"{n} ({'/'.join(current.get(n, ('absent',)))})" for n in pending)
            reasons = why()
            raise CtlError(
                f"not Synced and Healthy after {timeout:g}s: {detail}"
                + (f"; ExternalSecrets not synced: {', '.join(reasons)}" if reasons else ""),
                TIMED_OUT,
            )
        time.sleep(interval)


# --- the Gateway preflight (traffic_router gatewayapi) ------------------------------------------

GATEWAY_GROUP, GATEWAY_VERSION = "gateway.networking.k8s.io", "v1"
# Set by the API server on every namespace to its name (Kubernetes 1.21+, NamespaceDefaultLabelName).
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
IN_CLUSTER = config_module.Cluster().server


@dataclass(frozen=True)
class Attachment:
    """One HTTPRoute of an environment and the Gateway listener its parentRef names (sectionName)."""

    route: str
    listener: str
    protocol: str  # the listener protocol it needs: HTTPS, or HTTP for the redirect route
    field: str  # the configuration field that names the listener


def attachments(env: config_module.Environment) -> list[Attachment]:
    """The routes of a gatewayapi environment, as rollout.py builds them."""
    gateway = env.gateway
    assert gateway is not None
    found = [Attachment(WORKLOAD, gateway.https_listener, "HTTPS", "gateway.https_listener")]
    if gateway.http_listener is not None:
        found.append(Attachment(REDIRECT_ROUTE, gateway.http_listener, "HTTP", "gateway.http_listener"))
    return found


def _selects(selector: dict, labels: dict[str, str]) -> bool:
    """A metav1.LabelSelector (matchLabels and matchExpressions); the empty one selects everything."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, op, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }.get(op, False)
        if not ok:
            return False
    return True


def _host_matches(listener_host: str, host: str) -> bool:
    """gateway-api v1.6.1 Listener.Hostname: exact, or `*.` a suffix match of at least one more label."""
    if listener_host.startswith("*."):
        return host.endswith(listener_host[1:]) and len(host) > len(listener_host) - 1
    return host == listener_host


def listener_problems(gateway: dict, attachment: Attachment, namespace: str, labels: dict[str, str], hosts: list[str]) -> list[str]:
    """Why the Gateway would not accept `attachment`'s route from `namespace` (with `labels`) on its
    listener, as gateway-api v1.6.1 defines it (apis/v1/gateway_types.go Listener, AllowedRoutes,
    RouteNamespaces: `from` defaults to Same; RouteGroupKind; Hostname): nothing when it would."""
    where = f"{gateway['metadata']['namespace']}/{gateway['metadata']['name']}"
    listeners = {item.get("name"): item for item in (gateway.get("spec") or {}).get("listeners") or []}
    listener = listeners.get(attachment.listener)
    if listener is None:
        return [
            f"Gateway {where} has no listener {attachment.listener!r} for route {attachment.route} "
            f"(its listeners: {', '.join(sorted(map(str, listeners))) or 'none'}): set {attachment.field}"
            + ("" if attachment.protocol == "HTTPS" else ", or null for no redirect route")
        ]
    problems = []
    name = f"listener {attachment.listener!r} of Gateway {where}"
    if listener.get("protocol") != attachment.protocol:
        problems.append(f"{name} speaks {listener.get('protocol')}, route {attachment.route} needs {attachment.protocol}")
    allowed = listener.get("allowedRoutes") or {}
    namespaces = allowed.get("namespaces") or {}
    origin = namespaces.get("from", "Same")
    gateway_namespace = gateway["metadata"]["namespace"]
    if origin == "Same" and namespace != gateway_namespace:
        problems.append(
            f"{name} admits routes only from {gateway_namespace} (allowedRoutes.namespaces.from: Same, the default), "
            f"so route {attachment.route} in {namespace} is never accepted: set from: All, or from: Selector "
            f"matching {NAMESPACE_NAME_LABEL}={namespace}"
        )
    elif origin == "Selector" and not _selects(namespaces.get("selector") or {}, labels):
        shown = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
        problems.append(
            f"{name} admits routes from namespaces matching {json.dumps(namespaces.get('selector') or {}, sort_keys=True)}, "
            f"which {namespace} ({shown}) does not: route {attachment.route} is never accepted"
        )
    elif origin not in ("All", "Same", "Selector"):
        problems.append(f"{name} admits routes from {origin!r}, which gateway-api v1.6.1 does not define")
    kinds = allowed.get("kinds") or []
    if kinds and not any(k.get("kind") == "HTTPRoute" and k.get("group", GATEWAY_GROUP) == GATEWAY_GROUP for k in kinds):
        problems.append(f"{name} admits only {', '.join(k.get('kind', '?') for k in kinds)}, not HTTPRoute")
    listener_host = listener.get("hostname")
    missed = [h for h in hosts if listener_host and not _host_matches(listener_host, h)]
    if missed:
        problems.append(f"{name} serves only {listener_host}, not {', '.join(missed)}")
    return problems


def _namespace_labels(env: config_module.Environment, dist: Path, core) -> dict[str, str]:
    """The labels the environment's namespace has once Argo CD synced it: the live ones (if it
    exists), dist/'s Namespace over them, and the name label the API server sets."""
    from kubernetes.client.exceptions import ApiException

    labels: dict[str, str] = {}
    try:
        labels |= core.read_namespace(env.namespace, _request_timeout=30).metadata.labels or {}
    except ApiException as exc:
        if exc.status != 404:
            raise
    for path in sorted((dist / env.name).glob("Namespace.*.yaml")):
        for doc in yamltext.read_documents(path):
            if doc["metadata"]["name"] == env.namespace:
                labels |= doc["metadata"].get("labels") or {}
    return labels | {NAMESPACE_NAME_LABEL: env.namespace}


def gateway_environments(cfg: config_module.Config) -> tuple[list[config_module.Environment], list[config_module.Environment]]:
    """The gatewayapi environments on the cluster deploy talks to (Argo CD's, in-cluster), and
    those on other clusters, whose Gateways it cannot read."""
    gateway = [e for e in cfg.environments if e.traffic_router == "gatewayapi"]
    return [e for e in gateway if e.cluster.server == IN_CLUSTER], [e for e in gateway if e.cluster.server != IN_CLUSTER]


def check_gateways(cfg: config_module.Config, dist: Path, api) -> list[str]:
    """Before anything is applied: each gatewayapi environment's Gateway exists and its listeners
    admit the environment's routes (docs/explanation/routing.md "Routing"), or CtlError: NOT_FOUND for a missing
    Gateway, REFUSED for a listener that would not accept a route, every problem in one line.
    Returns a note for each environment on another cluster, which this cluster cannot show."""
    import urllib3
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    here, elsewhere = gateway_environments(cfg)
    custom, core = client.CustomObjectsApi(api), client.CoreV1Api(api)
    missing, problems = [], []
    host = api.configuration.host
    for env in here:
        gateway = env.gateway
        try:
            found = custom.get_namespaced_custom_object(
                GATEWAY_GROUP, GATEWAY_VERSION, gateway.namespace, "gateways", gateway.name, _request_timeout=30
            )
        except ApiException as exc:
            if exc.status != 404:
                raise failure(exc, "get", "gateways", Target(gateway.namespace), gateway.name, host) from exc
            missing.append(
                f"{env.name}: Gateway {gateway.namespace}/{gateway.name} not found: create it (and the Gateway API CRDs) "
                "before deploying; its routes attach to it"
            )
            continue
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise failure(exc, "get", "gateways", Target(gateway.namespace), gateway.name, host) from exc
        try:
            labels = _namespace_labels(env, dist, core)
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise failure(exc, "get", "namespaces", Target(env.namespace), env.namespace, host) from exc
        for attachment in attachments(env):
            problems += [f"{env.name}: {p}" for p in listener_problems(found, attachment, env.namespace, labels, list(env.hosts))]
    if missing or problems:
        raise CtlError("; ".join(missing + problems), NOT_FOUND if missing else REFUSED)
    return [
        f"{e.name}: Gateway {e.gateway.namespace}/{e.gateway.name} not checked: it is on cluster {e.cluster.name} ({e.cluster.server})"
        for e in elsewhere
    ]
