"""The out-of-band Secrets: their names and keys, and the form they take (`secrets:` in
config/platform.yaml and, overriding it, in config/environments/<env>.yaml).

Credentials never go to Git. Each Secret below is read by a controller under exactly this name and
these keys (core/secrets.py says in which namespace and by whom). Its form:
- `manual` (the default): an operator creates it by hand (docs/operations/bootstrap.md "Bootstrap a cluster");
- `external`: an ExternalSecret (External Secrets Operator, external-secrets.io/v1) in the same
  namespace reads it from a ClusterSecretStore the operator runs, and ESO writes the Secret. The
  configuration names the store, how often it is read again, and for each Secret the remote key
  and the property of it that holds each of the Secret's keys (docs/operations/bootstrap.md "Out-of-band Secrets").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import model_validator

from podinfo_canary.config.types import Duration, FieldProblem, ObjectName, RemoteKey, RemoteProperty, Strict

# Argo CD's and Argo Rollouts' notification Secrets (the names their controllers read), and the
# keys our notifier configuration takes from them.
ARGOCD_NOTIFICATIONS = "argocd-notifications-secret"
ROLLOUTS_NOTIFICATIONS = "argo-rollouts-notification-secret"
SLACK_SECRET_KEY = "slack-token"
EMAIL_SECRET_KEY = "email-password"  # the SMTP password in argo-rollouts-notification-secret
# Alertmanager's receivers in each environment namespace: (Secret name, key).
SLACK_SECRET = ("alertmanager-slack", "webhook-url")
SMTP_SECRET = ("alertmanager-smtp", "password")
# Argo CD's declaration of the GitOps repository (label argocd.argoproj.io/secret-type: repository):
# committed without credentials in the manual form; in the external form ESO writes it whole, its
# credentials from the store under these keys (Argo CD v3.5.1 docs/operator-manual/declarative-setup.md
# "Repositories": username and password, a token for an https URL).
REPOSITORY_SECRET = "podinfo-gitops-repo"
REPOSITORY_KEYS = ("username", "password")

SecretForm = Literal["manual", "external"]


def secret_ref(reference: str) -> tuple[str, str]:
    """(Secret name, key) of an Argo CD reference `$<secret>:<key>` (types.SecretRef)."""
    name, _, key = reference.removeprefix("$").partition(":")
    return name, key


def platform_secret_keys(sso_client_secret: str | None) -> dict[str, tuple[str, ...]]:
    """The platform's out-of-band Secrets (dist/argocd/), name -> keys, in bootstrap order."""
    keys = {ARGOCD_NOTIFICATIONS: (SLACK_SECRET_KEY,), ROLLOUTS_NOTIFICATIONS: (SLACK_SECRET_KEY, EMAIL_SECRET_KEY)}
    if sso_client_secret:
        name, key = secret_ref(sso_client_secret)
        keys[name] = (key,)
    keys[REPOSITORY_SECRET] = REPOSITORY_KEYS
    return keys


def environment_secret_keys(email: bool) -> dict[str, tuple[str, ...]]:
    """One environment's out-of-band Secrets (its namespace, dist/<env>/), name -> keys."""
    keys = {SLACK_SECRET[0]: (SLACK_SECRET[1],)}
    if email:
        keys[SMTP_SECRET[0]] = (SMTP_SECRET[1],)
    return keys


def named_keys(keys: Mapping[str, tuple[str, ...]]) -> str:
    """`a (key x), b (keys y, z)`: Secrets with their keys, for a message."""
    return ", ".join(f"{name} (key{'s' if len(k) > 1 else ''} {', '.join(k)})" for name, k in keys.items())


class RemoteSecret(Strict):
    """Where one Secret is read from in the store.

    key: the remote secret (its path or name in the store's provider).
    properties: the Secret's key -> the property of the remote secret holding its value. A key left
        out is read from the property of its own name; `null`: the remote secret's whole value (a
        provider that stores plain strings).
    """

    key: RemoteKey
    properties: dict[str, RemoteProperty | None] = {}

    def property_of(self, secret_key: str) -> str | None:
        return self.properties.get(secret_key, secret_key)


def remote_problem(remote: Mapping[str, RemoteSecret], expected: Mapping[str, tuple[str, ...]]) -> FieldProblem | None:
    """The first entry of `remote` naming a Secret or a key that is not expected."""
    for name, entry in remote.items():
        if name not in expected:
            return FieldProblem((name,), None, f"not one of the Secrets read from the store here; they are: {named_keys(expected)}")
        for key in entry.properties:
            if key not in expected[name]:
                return FieldProblem((name, "properties", key), None, f"not a key of {name}; its keys: {', '.join(expected[name])}")
    return None


def _only_with_external(model: Strict, fields: tuple[str, ...]) -> None:
    for field in fields:
        if field in model.model_fields_set:
            raise FieldProblem(
                (field,),
                getattr(model, field) if field != "remote" else None,
                'only used with form: external (form manual: the Secrets are created by hand, docs/operations/bootstrap.md "Bootstrap a cluster")',
            )


class PlatformSecrets(Strict):
    """`secrets:` in config/platform.yaml: the form of every out-of-band Secret, and where the
    platform's own (Argo CD's and Argo Rollouts' notifications, the SSO client secret, the
    repository credentials) are read from. An environment may override it (EnvironmentSecrets).

    form: `manual` (default): created by hand; `external`: ExternalSecrets read them from `store`.
    store: the ClusterSecretStore (External Secrets Operator) the ExternalSecrets read from.
    refresh_interval: how often ESO reads each remote secret again. Default: 1h.
    remote: for each of the platform's Secrets (by name), its remote key and properties.
    """

    form: SecretForm = "manual"
    store: ObjectName | None = None
    refresh_interval: Duration = "1h"
    remote: dict[str, RemoteSecret] = {}

    @model_validator(mode="after")
    def _external_needs_a_store(self) -> PlatformSecrets:
        if self.form == "manual":
            _only_with_external(self, ("store", "refresh_interval", "remote"))
        elif self.store is None:
            raise FieldProblem(("store",), None, "required when form is 'external': the name of the ClusterSecretStore to read from")
        return self

    @property
    def source(self) -> SecretSource:
        return SecretSource(self.form, self.store, self.refresh_interval, self.remote)


class EnvironmentSecrets(Strict):
    """`secrets:` in config/environments/<env>.yaml: the form of this environment's Secrets (its
    Alertmanager receivers' Slack webhook and SMTP password), each setting defaulting to
    platform.yaml's.

    form: `manual` or `external`. Default: the platform's.
    store: the ClusterSecretStore, on this environment's cluster. Default: the platform's.
    refresh_interval: how often ESO reads each remote secret again. Default: the platform's.
    remote: for each of this environment's Secrets, its remote key and properties (required with
        the external form: each environment has its own webhook and channel).
    """

    form: SecretForm | None = None
    store: ObjectName | None = None
    refresh_interval: Duration | None = None
    remote: dict[str, RemoteSecret] = {}

    @model_validator(mode="after")
    def _manual_takes_no_settings(self) -> EnvironmentSecrets:
        if self.form == "manual":
            _only_with_external(self, ("store", "refresh_interval", "remote"))
        return self


@dataclass(frozen=True)
class SecretSource:
    """The form of a group of Secrets with every default applied: what the charts and deploy read."""

    form: SecretForm
    store: str | None
    refresh_interval: str
    remote: Mapping[str, RemoteSecret]

    @property
    def external(self) -> bool:
        return self.form == "external"


def environment_source(platform: PlatformSecrets, environment: EnvironmentSecrets) -> SecretSource:
    """An environment's settings over the platform's. The platform's store and remote keys are not
    inherited by an environment that names its own form: a store on another cluster, or none."""
    form_ = environment.form or platform.form
    store = environment.store or (platform.store if platform.form == "external" else None)
    return SecretSource(form_, store, environment.refresh_interval or platform.refresh_interval, environment.remote)


__all__ = [
    "ARGOCD_NOTIFICATIONS",
    "EMAIL_SECRET_KEY",
    "REPOSITORY_KEYS",
    "REPOSITORY_SECRET",
    "ROLLOUTS_NOTIFICATIONS",
    "SLACK_SECRET",
    "SLACK_SECRET_KEY",
    "SMTP_SECRET",
    "EnvironmentSecrets",
    "PlatformSecrets",
    "RemoteSecret",
    "SecretForm",
    "SecretSource",
    "environment_secret_keys",
    "environment_source",
    "platform_secret_keys",
    "remote_problem",
    "secret_ref",
]
