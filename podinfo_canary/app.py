"""Compose the charts of the cdk8s App, one folder of dist/ each.

One per environment (dist/<environment>/), the Argo CD bootstrap (dist/argocd/) and the API
server's audit policy (dist/audit/, applied by hand)."""

from __future__ import annotations

from pathlib import Path

import cdk8s

from podinfo_canary.charts.audit.policy import AuditPolicy
from podinfo_canary.charts.environment.chart import PodinfoEnvironment
from podinfo_canary.charts.platform.argocd import ArgoCdStack
from podinfo_canary.config import AUDIT_FOLDER, Config
from podinfo_canary.config import BOOTSTRAP_FOLDER as BOOTSTRAP_CHART


def build(config: Config, outdir: Path) -> cdk8s.App:
    """The cdk8s App for this configuration; `app.synth()` writes one folder per chart into outdir."""
    app = cdk8s.App(outdir=str(outdir), yaml_output_type=cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE)
    environments = [PodinfoEnvironment(app, env.name, environment=env, platform=config.platform) for env in config.environments]
    bootstrap = cdk8s.Chart(app, BOOTSTRAP_CHART, labels={"app.kubernetes.io/part-of": "podinfo-platform"})
    ArgoCdStack(
        bootstrap,
        "argocd",
        platform=config.platform,
        environments=config.environments,
        environment_kinds=[kind for chart in environments for kind in chart.managed_kinds()],
    )
    AuditPolicy(cdk8s.Chart(app, AUDIT_FOLDER), "audit", platform=config.platform)
    return app
