"""PreExposureTests: the acceptance test and the generated load that judge a canary at 0% of user traffic.

Two AnalysisTemplates with the Job metric provider, `podinfo-acceptance` and
`podinfo-generated-load`, and the ServiceAccount their pods run as (no API token, no RoleBinding).
Their script is core/tester.py; RolloutCanary runs them between `setCanaryScale` and the first
stage's weight. The Job provider (upstream: argo-rollouts v1.9.1 metricproviders/job/job.go
`Resume`): JobComplete makes the measurement Successful, JobFailed makes it Failed, neither keeps it
Running; it has no timeout of its own, so each Job carries `activeDeadlineSeconds` (past it the Job
fails, DeadlineExceeded), `backoffLimit: 0` (a failed check is not retried into a pass) and a
podFailurePolicy that replaces a pod evicted by a drain instead of failing the test. The
Jobs are named `<run uid>.<metric>.<n>` and owned by their AnalysisRun, which deletes them with it.

docs/explanation/analysis.md "Evidence before exposure".
"""

from __future__ import annotations

from dataclasses import dataclass

from cdk8s_plus_27 import k8s
from constructs import Construct

from imports.rollouts.io import argoproj as ro
from podinfo_canary.charts.environment.analysis import HASH_ARGS
from podinfo_canary.charts.environment.mesh import NO_SIDECAR_LABELS
from podinfo_canary.charts.environment.security import container_security_context, pod_security_context
from podinfo_canary.config import Environment, RouterAddress
from podinfo_canary.core import tester, waves
from podinfo_canary.core.workload import CANARY_HASH_PLACEHOLDER, CANARY_HEADER, WORKLOAD

ACCEPTANCE_TEMPLATE = "podinfo-acceptance"
LOAD_TEMPLATE = "podinfo-generated-load"
# Time for the tester's pod to be scheduled, pull its image and start, counted into each deadline.
POD_START_ALLOWANCE = 60
CURL_MAX_TIME = 5  # the script's --max-time per request
TERMINATION_GRACE_SECONDS = 5


@dataclass(frozen=True)
class TesterResources:
    """The tester container's requests and limits (curl and a shell). Defaults: 10m/32Mi, 200m/64Mi."""

    cpu_request: str = "10m"
    memory_request: str = "32Mi"
    cpu_limit: str = "200m"
    memory_limit: str = "64Mi"


class PreExposureTests(Construct):
    """The pre-exposure phase's two Job templates and the tester's ServiceAccount.

    Args:
        environment: the host and `pre_exposure` (requests, rate, paths, attempts, whether to
            check the version: the Rollout passes its image, whose tag `/version` must say).
        router: where the tester's requests enter the cluster (RouterAddress).
        image: the tester image, pinned by digest (platform.yaml `tester`).
        resources: the tester container's requests and limits. Default: `TesterResources()`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment: Environment,
        router: RouterAddress,
        image: str,
        resources: TesterResources | None = None,
    ) -> None:
        super().__init__(scope, id)
        if "@sha256:" not in image:
            raise ValueError(f"PreExposureTests: the tester image must be pinned by digest, got {image!r}")
        self.environment, self.router, self.image = environment, router, image
        self.resources = resources or TesterResources()
        self.namespace = environment.namespace
        self.labels = {"app.kubernetes.io/name": tester.TESTER_NAME, "app.kubernetes.io/part-of": WORKLOAD}
        pre = environment.pre_exposure
        self.service_account = k8s.KubeServiceAccount(
            self,
            "service-account",
            metadata=k8s.ObjectMeta(name=tester.TESTER_NAME, namespace=self.namespace),
            automount_service_account_token=False,
        )
        # Each deadline: the longest a passing test may take. The acceptance test's four checks may
        # each use every attempt; the load's processes send their share one after the other, each
        # request at most the P99 bound when the canary meets its SLO (or curl's timeout), then
        # the route check.
        route_check = pre.acceptance_attempts * (tester.RETRY_SECONDS + CURL_MAX_TIME)
        acceptance_seconds = 4 * route_check
        per_request = max(1 / pre.rate * pre.concurrency, min(CURL_MAX_TIME, environment.slo.latency_p99_max_ms / 1000))
        load_seconds = int(-(-pre.requests // pre.concurrency) * per_request) + 1 + route_check
        common = {
            "CANARY_POD_PREFIX": f"{WORKLOAD}-{CANARY_HASH_PLACEHOLDER}-",
            "ATTEMPTS": str(pre.acceptance_attempts),
            "RETRY_SECONDS": str(tester.RETRY_SECONDS),
        }
        # Whether the Rollout must pass the image (tester.IMAGE_ARG) to the acceptance template.
        self.acceptance_args = (tester.IMAGE_ARG,) if pre.check_version else ()
        self.acceptance = self._template(
            ACCEPTANCE_TEMPLATE,
            tester.ACCEPTANCE,
            acceptance_seconds,
            {**common, "EXPECTED_IMAGE": tester.IMAGE_PLACEHOLDER if pre.check_version else ""},
            args=self.acceptance_args,
        )
        self.load = self._template(
            LOAD_TEMPLATE,
            tester.LOAD,
            load_seconds,
            {
                **common,
                "REQUESTS": str(pre.requests),
                "RATE": str(pre.rate),
                "CONCURRENCY": str(pre.concurrency),
                "PATHS": " ".join(pre.paths),
                "ANSWERED_MIN_PERCENT": str(tester.ANSWERED_MIN_PERCENT),
            },
        )

    def _template(self, name: str, mode: str, seconds: int, extra_env: dict[str, str], args: tuple[str, ...] = ()) -> ro.AnalysisTemplate:
        env = self.environment
        labels = {**self.labels, tester.MODE_LABEL: mode}
        variables = {
            "MODE": mode,
            "HOST": env.hosts[0],
            "ROUTE": f"{self.router.service}.{self.router.namespace}.svc:{self.router.port}",
            "SCHEME": self.router.scheme,
            "HEADER": CANARY_HEADER,
            **extra_env,
        }
        res = self.resources
        P = ro  # the generated names are long; one alias keeps the tree readable
        container = P.AnalysisTemplateSpecMetricsProviderJobSpecTemplateSpecContainers(
            name="tester",
            image=self.image,
            image_pull_policy="IfNotPresent",
            command=["sh", "-c", tester.SCRIPT],
            env=[P.AnalysisTemplateSpecMetricsProviderJobSpecTemplateSpecContainersEnv(name=k, value=v) for k, v in variables.items()],
            resources=P.AnalysisTemplateSpecMetricsProviderJobSpecTemplateSpecContainersResources(
                requests={"cpu": res.cpu_request, "memory": res.memory_request},
                limits={"cpu": res.cpu_limit, "memory": res.memory_limit},
            ),
            security_context=container_security_context(
                P.AnalysisTemplateSpecMetricsProviderJobSpecTemplateSpecContainersSecurityContext,
                P.AnalysisTemplateSpecMetricsProviderJobSpecTemplateSpecContainersSecurityContextCapabilities,
                P.AnalysisTemplateSpecMetricsProviderJobSpecTemplateSpecContainersSecurityContextSeccompProfile,
            ),
            volume_mounts=[P.AnalysisTemplateSpecMetricsProviderJobSpecTemplateSpecContainersVolumeMounts(name="tmp", mount_path="/tmp")],
        )
        job = P.AnalysisTemplateSpecMetricsProviderJob(
            metadata=P.AnalysisTemplateSpecMetricsProviderJobMetadata(labels=labels),
            spec=P.AnalysisTemplateSpecMetricsProviderJobSpec(
                # A failed check is not retried into a pass; a pod evicted by a drain or preemption
                # (condition DisruptionTarget) is replaced, not counted as the test failing.
                backoff_limit=0,
                pod_failure_policy=P.AnalysisTemplateSpecMetricsProviderJobSpecPodFailurePolicy(
                    rules=[
                        P.AnalysisTemplateSpecMetricsProviderJobSpecPodFailurePolicyRules(
                            action="Ignore",
                            on_pod_conditions=[
                                P.AnalysisTemplateSpecMetricsProviderJobSpecPodFailurePolicyRulesOnPodConditions(
                                    type="DisruptionTarget", status="True"
                                )
                            ],
                        )
                    ]
                ),
                active_deadline_seconds=seconds + POD_START_ALLOWANCE,
                template=P.AnalysisTemplateSpecMetricsProviderJobSpecTemplate(
                    # In a mesh the tester has no sidecar: it enters by the ingress gateway, as a user.
                    metadata=P.AnalysisTemplateSpecMetricsProviderJobSpecTemplateMetadata(
                        labels={**labels, **(NO_SIDECAR_LABELS if env.in_mesh else {})}
                    ),
                    spec=P.AnalysisTemplateSpecMetricsProviderJobSpecTemplateSpec(
                        restart_policy="Never",
                        # sh as PID 1 ignores SIGTERM: past its deadline the pod is killed, soon.
                        termination_grace_period_seconds=TERMINATION_GRACE_SECONDS,
                        service_account_name=self.service_account.name,
                        automount_service_account_token=False,
                        security_context=pod_security_context(
                            P.AnalysisTemplateSpecMetricsProviderJobSpecTemplateSpecSecurityContext,
                            P.AnalysisTemplateSpecMetricsProviderJobSpecTemplateSpecSecurityContextSeccompProfile,
                        ),
                        containers=[container],
                        volumes=[{"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}}],
                    ),
                ),
            ),
        )
        return ro.AnalysisTemplate(
            self,
            name,
            metadata={"name": name, "namespace": self.namespace, "annotations": waves.annotation(waves.ANALYSIS)},
            spec=ro.AnalysisTemplateSpec(
                args=[ro.AnalysisTemplateSpecArgs(name=arg) for arg in (*(a for a, _ in HASH_ARGS), *args)],
                metrics=[
                    ro.AnalysisTemplateSpecMetrics(
                        name=name.removeprefix(f"{WORKLOAD}-"), provider=ro.AnalysisTemplateSpecMetricsProvider(job=job)
                    )
                ],
            ),
        )
