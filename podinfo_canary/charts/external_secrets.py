"""ExternalSecrets: the out-of-band Secrets of `secrets.form: external`, one ExternalSecret
(External Secrets Operator v2.9.0, external-secrets.io/v1) each, in the namespace the Secret's
reader looks in (core/secrets.py).

Each produces exactly the Secret its reader already reads: the name (`target.name`), the keys
(`data[].secretKey`, each from the configured remote key and property), the labels the reader
selects it by (`target.template.metadata.labels`: Argo CD's repository label, its
`app.kubernetes.io/part-of: argocd` for the SSO secret) and, for the repository, the non-secret
fields Argo CD reads beside the credentials (`target.template.data`, with `mergePolicy: Merge` so
the fetched keys stay). ESO creates and owns the Secret (`creationPolicy: Owner`: deleting the
ExternalSecret deletes it), except for argocd-notifications-secret, which Argo CD's install
manifest declares and the `argocd` Application keeps: there ESO merges its key into the existing
Secret (`creationPolicy: Merge`), since an Owner would take over, and on deletion garbage-collect,
a Secret another Application manages.

A template is always set, even without labels: without one ESO copies the ExternalSecret's own
labels and annotations onto the Secret (v2.9.0 externalsecret_controller_template.go `setMetadata`),
Argo CD's tracking annotation and sync wave among them.

docs/operations/bootstrap.md "Out-of-band Secrets".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from constructs import Construct

from imports.externalsecrets.io import external_secrets as eso
from podinfo_canary.core import waves
from podinfo_canary.core.secrets import OutOfBandSecret

STORE_KIND = "ClusterSecretStore"


class ExternalSecrets(Construct):
    """One ExternalSecret per Secret of the external form.

    Args:
        secrets: the Secrets, each with its source (store, refresh interval, remote key); every one
            must take the external form.
        wave: the sync wave of each one's ExternalSecret, before the Secret's readers (core/waves.py).
    """

    def __init__(self, scope: Construct, id: str, *, secrets: Sequence[OutOfBandSecret], wave: Callable[[OutOfBandSecret], int]) -> None:
        super().__init__(scope, id)
        manual = [s.where for s in secrets if not s.external]
        if manual:
            raise ValueError(f"ExternalSecrets: {', '.join(manual)} take the manual form")
        self.external_secrets = [self._external_secret(s, wave(s)) for s in secrets]

    def _external_secret(self, secret: OutOfBandSecret, wave: int) -> eso.ExternalSecret:
        remote = secret.remote
        fields = dict(secret.fields)
        template = eso.ExternalSecretSpecTargetTemplate(
            engine_version=eso.ExternalSecretSpecTargetTemplateEngineVersion.V2,
            metadata=eso.ExternalSecretSpecTargetTemplateMetadata(labels=dict(secret.labels) or None),
            # Template data alone would replace the fetched keys; Merge keeps them beside it.
            data=fields or None,
            merge_policy=eso.ExternalSecretSpecTargetTemplateMergePolicy.MERGE if fields else None,
        )
        policy = eso.ExternalSecretSpecTargetCreationPolicy
        return eso.ExternalSecret(
            self,
            f"{secret.namespace}-{secret.name}",
            metadata={"name": secret.name, "namespace": secret.namespace, "annotations": waves.annotation(wave)},
            spec=eso.ExternalSecretSpec(
                secret_store_ref=eso.ExternalSecretSpecSecretStoreRef(
                    kind=eso.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name=secret.source.store
                ),
                refresh_interval=secret.source.refresh_interval,
                target=eso.ExternalSecretSpecTarget(
                    name=secret.name,
                    creation_policy=policy.MERGE if secret.created_by else policy.OWNER,
                    template=template,
                ),
                data=[
                    eso.ExternalSecretSpecData(
                        secret_key=key, remote_ref=eso.ExternalSecretSpecDataRemoteRef(key=remote.key, property=remote.property_of(key))
                    )
                    for key in secret.keys
                ],
            ),
        )
