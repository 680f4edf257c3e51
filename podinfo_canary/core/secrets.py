"""The Secrets created out of band, one home: namespace, name, keys, who reads them and what form
they take (config/secrets.py: by hand, or an ExternalSecret reading them from a ClusterSecretStore).

Credentials never go to Git. The charts reference these names and keys (and, in the external form,
synthesize an ExternalSecret per Secret: charts/external_secrets.py), `canaryctl deploy` checks each
(the Secret by hand; the store and the ExternalSecret otherwise), and the bootstrap steps of docs/operations/bootstrap.md
list them.
"""

from __future__ import annotations

from dataclasses import dataclass

from podinfo_canary.config import (
    ARGOCD_NOTIFICATIONS,
    EMAIL_SECRET_KEY,
    REPOSITORY_KEYS,
    REPOSITORY_SECRET,
    ROLLOUTS_NOTIFICATIONS,
    SLACK_SECRET,
    SLACK_SECRET_KEY,
    SMTP_SECRET,
    Cluster,
    Config,
    Environment,
    Platform,
    RemoteSecret,
    SecretSource,
    environment_source,
    secret_ref,
)

__all__ = [
    "ARGOCD_NOTIFICATIONS",
    "EMAIL_SECRET_KEY",
    "REPOSITORY_KEYS",
    "REPOSITORY_SECRET",
    "ROLLOUTS_NOTIFICATIONS",
    "SLACK_SECRET",
    "SLACK_SECRET_KEY",
    "SMTP_SECRET",
    "OutOfBandSecret",
    "environment_secrets",
    "out_of_band_secrets",
    "platform_secrets",
    "repository_fields",
]

# Argo CD finds repository declarations by this label (v3.5.1 docs/operator-manual/declarative-setup.md).
REPOSITORY_LABELS = {"argocd.argoproj.io/secret-type": "repository"}
# Argo CD resolves a `$secret:key` of argocd-cm only in Secrets with this label (same page, "SSO").
ARGOCD_PART_OF = {"app.kubernetes.io/part-of": "argocd"}
# Argo CD's install manifest (v3.5.1 manifests/base/notification/argocd-notifications-secret.yaml,
# in install.yaml) creates argocd-notifications-secret, empty, and the `argocd` Application keeps
# it: ESO merges its key in, rather than owning a Secret that Argo CD's manifest already declares.
ARGOCD_INSTALL = "Argo CD's install manifest (kept by the `argocd` Application)"


@dataclass(frozen=True)
class OutOfBandSecret:
    """One Secret a controller reads that no manifest in Git holds.

    labels: labels the reader needs on the Secret (the external form puts them on it).
    fields: keys the reader also reads that are no credential (the repository's url): the
        external form writes them from its template.
    created_by: who creates the Secret before ESO writes into it (creationPolicy Merge); None: ESO
        creates and owns it (creationPolicy Owner).
    environment: the environment whose chart holds its ExternalSecret; None: the platform's (dist/argocd/).
    in_cluster: on Argo CD's own cluster, the one `canaryctl deploy` reaches.
    """

    namespace: str
    name: str
    keys: tuple[str, ...]
    reader: str
    source: SecretSource
    labels: tuple[tuple[str, str], ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    created_by: str | None = None
    environment: str | None = None
    in_cluster: bool = True

    @property
    def external(self) -> bool:
        return self.source.external

    @property
    def remote(self) -> RemoteSecret | None:
        """Where the external form reads it from (config `secrets.remote`); None in the manual form."""
        return self.source.remote[self.name] if self.external else None

    @property
    def where(self) -> str:
        return f"{self.namespace}/{self.name}"


def repository_fields(platform: Platform) -> dict[str, str]:
    """What Argo CD reads from the repository Secret besides credentials (declarative-setup.md "Repositories")."""
    return {"type": "git", "url": platform.git.repo_url, "project": "podinfo"}


def platform_secrets(platform: Platform) -> list[OutOfBandSecret]:
    """The platform's Secrets (their ExternalSecrets in dist/argocd/), in bootstrap order. The
    repository credentials are listed in the external form only: by hand they are a `repo-creds`
    Secret of the operator's naming (docs/operations/bootstrap.md "Bootstrap a cluster"), which nothing here can check."""
    source = platform.secrets.source
    argocd = platform.argocd.namespace
    secrets = [
        OutOfBandSecret(argocd, ARGOCD_NOTIFICATIONS, (SLACK_SECRET_KEY,), "Argo CD notifications", source, created_by=ARGOCD_INSTALL),
        OutOfBandSecret(
            platform.charts.argo_rollouts.namespace,
            ROLLOUTS_NOTIFICATIONS,
            (SLACK_SECRET_KEY, EMAIL_SECRET_KEY),
            "Argo Rollouts notifications",
            source,
        ),
    ]
    if platform.argocd.sso:
        name, key = secret_ref(platform.argocd.sso.client_secret)
        secrets.append(
            OutOfBandSecret(argocd, name, (key,), "Argo CD SSO (OIDC client secret)", source, labels=tuple(ARGOCD_PART_OF.items()))
        )
    if source.external:
        secrets.append(
            OutOfBandSecret(
                argocd,
                REPOSITORY_SECRET,
                REPOSITORY_KEYS,
                "Argo CD (the GitOps repository's credentials)",
                source,
                labels=tuple(REPOSITORY_LABELS.items()),
                fields=tuple(repository_fields(platform).items()),
            )
        )
    return secrets


def environment_secrets(environment: Environment, platform: Platform) -> list[OutOfBandSecret]:
    """One environment's Secrets, in its namespace (their ExternalSecrets in dist/<env>/)."""
    source = environment_source(platform.secrets, environment.secrets)
    here = environment.cluster.server == Cluster.model_fields["server"].default  # Argo CD's own cluster
    readers = {SLACK_SECRET[0]: "Alertmanager Slack receiver", SMTP_SECRET[0]: "Alertmanager e-mail receiver"}
    return [
        OutOfBandSecret(environment.namespace, name, keys, readers[name], source, environment=environment.name, in_cluster=here)
        for name, keys in environment.secret_keys().items()
    ]


def out_of_band_secrets(cfg: Config) -> list[OutOfBandSecret]:
    """Every Secret this configuration expects on Argo CD's cluster, in bootstrap order."""
    secrets = platform_secrets(cfg.platform)
    for env in cfg.environments:
        secrets += [s for s in environment_secrets(env, cfg.platform) if s.in_cluster]
    return secrets
