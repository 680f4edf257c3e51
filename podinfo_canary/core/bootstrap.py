"""How a cluster is bootstrapped (docs/operations/bootstrap.md "Bootstrap a cluster"; `canaryctl deploy`), without jsii.

After Argo CD's own install manifest, an operator applies by hand only kinds that exist by then
(core kinds and Argo CD's CRDs): the `platform` AppProject and the `bootstrap` Application. The
`bootstrap` Application then syncs the rest of dist/argocd/, in sync waves, including objects
whose CRDs arrive with the platform charts (a ClusterIssuer applied by hand would fail: no
cert-manager CRDs yet). From then on Git is the only writer.

With `secrets.form: external` the repository's credentials come from an ExternalSecret in
dist/argocd/, which the `bootstrap` Application could not read from a private repository before
the credentials exist: it is applied by hand too, between the two, once External Secrets
Operator (whose CRD it needs, as the ClusterSecretStore does) runs.
"""

from __future__ import annotations

from pathlib import Path

from podinfo_canary.core import yamltext
from podinfo_canary.core.secrets import REPOSITORY_SECRET

# In this order; the ExternalSecret only where dist/argocd/ has it (the external form).
HAND_APPLIED = (("AppProject", "platform"), ("ExternalSecret", REPOSITORY_SECRET), ("Application", "bootstrap"))
IF_PRESENT = frozenset({("ExternalSecret", REPOSITORY_SECRET)})
ARGOCD_REPO = "https://github.com/argoproj/argo-cd.git"


def argocd_install_url(version: str) -> str:
    """Argo CD's pinned install manifest (non-HA, cluster-wide), as the project's docs install it."""
    return f"https://raw.githubusercontent.com/argoproj/argo-cd/{version}/manifests/install.yaml"


def hand_applied_files(folder: Path) -> list[Path]:
    """The files of dist/argocd/ holding HAND_APPLIED, in that order."""
    files = []
    documents = {p: yamltext.read_documents(p) for p in sorted(folder.glob("*.yaml"))}
    for kind, name in HAND_APPLIED:
        matches = [p for p, docs in documents.items() if any(d["kind"] == kind and d["metadata"]["name"] == name for d in docs)]
        if not matches and (kind, name) in IF_PRESENT:
            continue
        if len(matches) != 1:
            raise ValueError(f"expected one {kind}/{name} in {folder}, found {len(matches)}")
        files.append(matches[0])
    return files
