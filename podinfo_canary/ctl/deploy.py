"""`canaryctl deploy`: bootstrap a cluster in one command, the way README "Bootstrap a cluster"
describes, and wait until every Application is Synced and Healthy.

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
from podinfo_canary.core.workload import WORKLOAD
from podinfo_canary.ctl.kube import FAILED, TIMED_OUT, USAGE, CtlError, Target, failure

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
