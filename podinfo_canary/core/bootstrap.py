"""How a cluster is bootstrapped (README "Bootstrap a cluster"; `canaryctl deploy`), without jsii.

After Argo CD's own install manifest, an operator applies by hand only kinds that exist by then
(core kinds and Argo CD's CRDs): the `platform` AppProject and the `bootstrap` Application. The
`bootstrap` Application then syncs the rest of dist/argocd/, in sync waves, including objects
whose CRDs arrive with the platform charts (a ClusterIssuer applied by hand would fail: no
cert-manager CRDs yet). From then on Git is the only writer.
"""

from __future__ import annotations

from pathlib import Path

from podinfo_canary.core import yamltext

HAND_APPLIED = (("AppProject", "platform"), ("Application", "bootstrap"))
ARGOCD_REPO = "https://github.com/argoproj/argo-cd.git"


def argocd_install_url(version: str) -> str:
    """Argo CD's pinned install manifest (non-HA, cluster-wide), as the project's docs install it."""
    return f"https://raw.githubusercontent.com/argoproj/argo-cd/{version}/manifests/install.yaml"


def hand_applied_files(folder: Path) -> list[Path]:
    """The files of dist/argocd/ holding HAND_APPLIED, in that order."""
    files = []
    for kind, name in HAND_APPLIED:
        matches = [
            p
            for p in sorted(folder.glob("*.yaml"))
            if any(d["kind"] == kind and d["metadata"]["name"] == name for d in yamltext.read_documents(p))
        ]
        if len(matches) != 1:
            raise ValueError(f"expected one {kind}/{name} in {folder}, found {len(matches)}")
        files.append(matches[0])
    return files
