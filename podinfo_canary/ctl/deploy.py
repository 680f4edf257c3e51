"""`canaryctl deploy`: bootstrap a cluster in one command, the way README "Bootstrap a cluster"
describes, and wait until every Application is Synced and Healthy.

The steps (bootstrap.py says why only two objects of dist/argocd/ are applied by hand):
1. the `argocd` namespace and Argo CD's pinned install manifest, by server-side apply (`kubectl
   apply --server-side`: the manifest's CRDs exceed the client-side annotation limit);
2. wait until Argo CD's CRDs are established;
3. the `platform` AppProject and the `bootstrap` Application from dist/argocd/;
4. wait until the Applications that dist/ declares (the platform charts, `argocd`, `bootstrap`
   and one `podinfo-<env>` per environment) are Synced and Healthy, with a progress table.
Server-side apply makes every step idempotent: running deploy again changes nothing.
`--dry-run` prints the plan and applies nothing. Secrets stay out of band: deploy lists the ones
that are missing and goes on (Argo CD retries until they exist).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from podinfo_canary import config as config_module
from podinfo_canary.core import yamltext
from podinfo_canary.core.bootstrap import argocd_install_url, hand_applied_files
from podinfo_canary.core.secrets import out_of_band_secrets
from podinfo_canary.core.workload import WORKLOAD
from podinfo_canary.ctl.kube import FAILED, TIMED_OUT, USAGE, CtlError, Target, failure

ARGOCD_CRDS = ("applications.argoproj.io", "appprojects.argoproj.io", "applicationsets.argoproj.io")
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
        Step(
            "the platform AppProject and the bootstrap Application",
            [*apply, "-n", ns, *(a for f in files for a in ("-f", str(f.relative_to(dist.parent))))],
        ),
    ]


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
    for namespace, name in ((s.namespace, s.name) for s in out_of_band_secrets(cfg)):
        try:
            core.read_namespaced_secret(name, namespace, _preload_content=False, _request_timeout=30)
        except ApiException as exc:
            missing.append(
                f"{namespace}/{name}" + ("" if exc.status == 404 else f" (could not check: the API server answered {exc.status})")
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise failure(exc, "get", "secrets", Target(namespace), name, api.configuration.host) from exc
    return missing


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


def wait(expected: list[str], states, timeout: float, interval: float, show) -> None:
    """Until every expected Application is Synced and Healthy; TIMED_OUT names the rest."""
    deadline = time.monotonic() + timeout
    while True:
        current = states()
        show(current)
        pending = [n for n in expected if current.get(n) != ("Synced", "Healthy")]
        if not pending:
            return
        if time.monotonic() >= deadline:
            detail = ", ".join(f"{n} ({'/'.join(current.get(n, ('absent',)))})" for n in pending)
            raise CtlError(f"not Synced and Healthy after {timeout:g}s: {detail}", TIMED_OUT)
        time.sleep(interval)
