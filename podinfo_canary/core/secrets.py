"""The Secrets created out of band, one home: namespace, name, keys and who reads them.

Credentials never go to Git. The charts reference these names and keys, `canaryctl deploy` checks
that each exists before it bootstraps, and the README's bootstrap steps list them.
"""

from __future__ import annotations

from dataclasses import dataclass

from podinfo_canary.config import Cluster, Config

# Argo CD's and Argo Rollouts' notification Secrets (the names their controllers read), and the
# keys our notifier configuration takes from them.
ARGOCD_NOTIFICATIONS = "argocd-notifications-secret"
ROLLOUTS_NOTIFICATIONS = "argo-rollouts-notification-secret"
SLACK_SECRET_KEY = "slack-token"
EMAIL_SECRET_KEY = "email-password"  # the SMTP password in argo-rollouts-notification-secret
# Alertmanager's receivers in each environment namespace: (Secret name, key).
SLACK_SECRET = ("alertmanager-slack", "webhook-url")
SMTP_SECRET = ("alertmanager-smtp", "password")


@dataclass(frozen=True)
class OutOfBandSecret:
    namespace: str
    name: str
    keys: tuple[str, ...]
    reader: str


def out_of_band_secrets(cfg: Config) -> list[OutOfBandSecret]:
    """Every Secret this configuration expects on Argo CD's cluster, in bootstrap order."""
    platform = cfg.platform
    secrets = [
        OutOfBandSecret(platform.argocd.namespace, ARGOCD_NOTIFICATIONS, (SLACK_SECRET_KEY,), "Argo CD notifications"),
        OutOfBandSecret(
            platform.charts.argo_rollouts.namespace,
            ROLLOUTS_NOTIFICATIONS,
            (SLACK_SECRET_KEY, EMAIL_SECRET_KEY),
            "Argo Rollouts notifications",
        ),
    ]
    if platform.argocd.sso:
        name, _, key = platform.argocd.sso.client_secret.removeprefix("$").partition(":")
        secrets.append(OutOfBandSecret(platform.argocd.namespace, name, (key,), "Argo CD SSO (OIDC client secret)"))
    here = Cluster.model_fields["server"].default  # environments on this cluster (Argo CD's own)
    for env in (e for e in cfg.environments if e.cluster.server == here):
        secrets.append(OutOfBandSecret(env.namespace, SLACK_SECRET[0], (SLACK_SECRET[1],), "Alertmanager Slack receiver"))
        if env.notifications.email:
            secrets.append(OutOfBandSecret(env.namespace, SMTP_SECRET[0], (SMTP_SECRET[1],), "Alertmanager e-mail receiver"))
    return secrets
