"""The alerts every environment has, by their key under `alerting.rules`, with each one's default policy.

An alert is its row here and its PromQL in charts/environment/observability.py (`_alerts`, keyed
alike); config/platform.yaml overrides a policy by key. The rule's name comes from the key.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import ConfigDict, Field

from podinfo_canary.config.types import Duration, FieldProblem, Strict

Severity = Literal["warning", "critical"]


class AlertPolicy(Strict):
    """How long a condition must hold before its alert fires, and how loud it is.

    for: how long the condition must hold before the alert fires (the rule's `for:`).
    severity: `warning` (Slack) or `critical` (Slack, and e-mail where the environment names addresses).
    """

    model_config = ConfigDict(populate_by_name=True)

    for_: Duration = Field(alias="for")
    severity: Severity


# key -> (for, severity) when platform.yaml does not say.
DEFAULT_POLICIES: dict[str, tuple[str, Severity]] = {
    "high_error_rate": ("5m", "critical"),
    "low_success_rate": ("5m", "critical"),
    "high_latency": ("10m", "warning"),
    "instance_down": ("5m", "critical"),
    "rollout_failed": ("1m", "critical"),
    "canary_analysis_failed": ("2m", "warning"),
    "canary_failed_while_paused": ("1m", "critical"),
    "canary_error_logs": ("5m", "warning"),
}


def alert_name(key: str) -> str:
    """The PrometheusRule alert a key names: high_error_rate -> PodinfoHighErrorRate."""
    return "Podinfo" + "".join(word.capitalize() for word in key.split("_"))


def default_policies() -> dict[str, AlertPolicy]:
    return {key: AlertPolicy(for_=for_, severity=severity) for key, (for_, severity) in DEFAULT_POLICIES.items()}


def with_defaults(given: Any) -> Any:
    """`alerting.rules` as typed, every alert it leaves out at its default; an unknown key refused
    the way an unknown field is (allowed keys, the closest one)."""
    if not isinstance(given, dict):
        return given
    for key, value in given.items():
        if key not in DEFAULT_POLICIES:
            close = difflib.get_close_matches(str(key), list(DEFAULT_POLICIES), n=1, cutoff=0.6)
            message = f"unknown key; allowed keys here: {', '.join(DEFAULT_POLICIES)}"
            raise FieldProblem((key,), value, f"{message}; did you mean {close[0]}?" if close else message)
    return {**default_policies(), **given}
