"""An executable model of Argo Rollouts v1.9.1: canary steps, analysis runs and their measurements.

It reads the Rollout and AnalysisTemplates as synthesized into dist/ (dicts from the YAML), and
asks a query engine for every measurement, so what it decides is what the pinned controller would
decide with those objects. Each rule below names the upstream function it encodes (paths in the
argoproj/argo-rollouts repository at tag v1.9.1); `tests/model/test_model.py` pins each rule.

Time runs in whole seconds from the moment the new version is applied; the controller is assumed
to reconcile at once (the real one requeues at each deadline it computes).
"""

from __future__ import annotations

from dataclasses import dataclass

from podinfo_canary.core import tester
from podinfo_canary.core.plan import canary_replicas
from podinfo_canary.model.analysis_run import (  # noqa: F401  (re-exported for the rollout's callers)
    COMPLETED,
    ERROR_RETRY_SECONDS,
    PHASE_ORDER,
    AnalysisRun,
    Engine,
    Judge,
    MetricState,
    PrometheusDown,
    _seconds,
    measurement_phase,
)
from podinfo_canary.model.conditions import Progressing, ReplicaStatus, rollout_progressing, rollout_timed_out
from podinfo_canary.model.routing import CANARY, STABLE, RouteState
from podinfo_canary.model.world import PreExposureJobs, Timeline, World

# The controller version whose source these rules encode; the argo-rollouts chart pin must ship it.
ARGO_ROLLOUTS_VERSION = "v1.9.1"

# pkg/apis/rollouts/v1alpha1 defaults: progressDeadlineSeconds.
DEFAULT_PROGRESS_DEADLINE = 600

# Where a request with `X-Canary: always` lands: a canary pod, a stable pod (the promoted version
# once promoted), the router's 503 (a header route to a canary Service without a ready pod), or
# the weights like any request (a plugin's header route gone while the canary serves a weight).
HEADER_TARGETS = ("canary", "stable", "none", "weighted")


# --- the rollout ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """How a rollout ended: promoted, aborted (by what), or paused for a human; and when."""

    result: str  # promoted | aborted | paused | running
    at: int
    reason: str
    first_traffic: int | None
    timeline: Timeline
    runs: list[AnalysisRun]
    step_started: dict[int, int]
    # Paused for evidence (InconclusiveAnalysis), the background run kept measuring and ended
    # Failed or Error at this second, which the rollout ignores until a human acts: (second, phase).
    masked_failure: tuple[int, str] | None = None
    # Where a request with `X-Canary: always` lands (HEADER_TARGETS), at each second it changed or
    # the step did: (second, current step index, target); and where it lands after the outcome.
    header: tuple[tuple[int, int, str], ...] = ()
    header_after: str = ""
    # Which ReplicaSet's hash the canary Service selects at the end: "canary" or "stable".
    canary_service: str = ""
    # What the controller set up for routing, from each second it changed on (routing.RouteState):
    # which pods the canary Service selects, the canary's available pods, the header route.
    routes: tuple[tuple[int, RouteState], ...] = ()

    @property
    def since_traffic(self) -> int | None:
        return None if self.first_traffic is None else self.at - self.first_traffic

    def route_state(self, t: int) -> RouteState:
        """The routing set up at second t (the last change at or before it)."""
        return next(state for at, state in reversed(self.routes) if at <= t)


@dataclass(frozen=True)
class RolloutSpec:
    """The parts of a synthesized Rollout the model needs, and its templates by name."""

    replicas: int
    steps: list[dict]
    background: list[dict]
    starting_step: int
    min_ready: int
    progress_deadline: int
    progress_deadline_abort: bool
    templates: dict[str, dict]
    dry_run: tuple[dict, ...] = ()  # strategy.canary.analysis.dryRun: rules for the background run
    router: str = "nginx"  # trafficRouting: nginx, istio, or a plugin (the Gateway API one)
    image: str = ""  # the pod template's (first) container image: the tester's IMAGE_ARG

    @classmethod
    def from_objects(cls, rollout: dict, templates: dict[str, dict]) -> RolloutSpec:
        spec, canary = rollout["spec"], rollout["spec"]["strategy"]["canary"]
        background = canary.get("analysis") or {}
        return cls(
            replicas=int(spec.get("replicas", 1)),
            steps=list(canary["steps"]),
            background=[templates[t["templateName"]] for t in background.get("templates", [])],
            starting_step=int(background.get("startingStep", 0)),
            min_ready=int(spec.get("minReadySeconds", 0)),
            progress_deadline=int(spec.get("progressDeadlineSeconds", DEFAULT_PROGRESS_DEADLINE)),
            progress_deadline_abort=bool(spec.get("progressDeadlineAbort", False)),
            templates=templates,
            dry_run=tuple(background.get("dryRun") or ()),
            router=next((r for r in ("nginx", "istio") if r in (canary.get("trafficRouting") or {})), "plugin"),
            image=spec["template"]["spec"]["containers"][0].get("image", ""),
        )


def simulate(
    spec: RolloutSpec,
    world: World,
    engine: Engine,
    *,
    gate_wait: int | None = 300,
    horizon: int = 4 * 3600,
    judge: Judge = measurement_phase,
    watch_paused: int = 0,
    initial_deploy: bool = False,
) -> Outcome:
    """Run the rollout until it is promoted, aborted or paused for a human (or `horizon` passes).

    gate_wait: seconds a human takes to promote at a manual gate (`pause: {}`); None: never.
    An Inconclusive run pauses the rollout for a human; the model stops there ("paused"), after
    watching the background run for `watch_paused` more seconds: it keeps measuring, but the
    rollout ignores its verdict (Outcome.masked_failure).
    initial_deploy: no stable ReplicaSet yet (status.stableRS ""): the controller promotes at once.
    """
    behaviour = world.canary.pods
    pods: list[list[int]] = []  # [created, deleted]
    weights: list[tuple[int, int]] = [(0, 0)]
    runs: list[AnalysisRun] = []
    step_started: dict[int, int] = {}
    index, background, step_run = 0, None, None
    first_traffic: int | None = None
    # setCanaryScale with replicas in force (upstream: argo-rollouts v1.9.1 utils/replicaset/canary.go
    # UseSetCanaryScale: the last setCanaryScale at or before the current step, until one with
    # matchTrafficWeight); None: the canary scales with the weight.
    scale_override: int | None = None
    # `X-Canary: always` reaches the canary pods once the canary Service selects them: the
    # controller switches it when the canary ReplicaSet is fully available (rollout/service.go
    # reconcileStableAndCanaryService, ensureSVCTargets with checkRsAvailability; after the
    # Service was first adopted one available pod suffices, IsReplicaSetPartiallyAvailable: the
    # model takes the stricter rule). Until then it selects the stable hash (where the last
    # rollout left it), and so do header requests. With NGINX the canary Ingress carries
    # canary-by-header from the first reconcile (its SetWeight creates it at weight 0), and
    # ingress-nginx sends a header request to the stable backend whenever the canary Service has no
    # ready endpoint (controller-v1.15.1 rootfs/etc/nginx/lua/balancer.lua: sync_backend drops the
    # balancer of a backend without endpoints, route_to_alternative_balancer then keeps the
    # primary). A plugin's header route exists from its setHeaderRoute step, whatever the weight
    # (Gateway API plugin v0.15.0 pkg/plugin/httproute.go setHTTPHeaderRoute: a rule to the canary
    # Service, no weight), set only while the canary has an available pod, and is removed whenever
    # it has none (rollout/trafficrouting.go reconcileTrafficRouting, RemoveManagedRoutes); without
    # it a header request is weighted like any other.
    service_switched = False
    header_route = spec.router == "nginx"
    # Istio's mirror route (setMirrorRoute): the share of users' requests copied to the canary
    # Service, a managed route like the header route (set only while the canary has an available
    # pod, removed whenever it has none); `mirrored` records what reached canary pods.
    mirror, mirrored = 0.0, [(0, 0.0)]
    header: list[tuple[int, int, str]] = []
    jobs = PreExposureJobs(world, {tester.IMAGE_ARG: spec.image})  # the pre-exposure Jobs (the Job metric provider)

    def header_target(t: int) -> str:
        serving = available(t) > 0
        if spec.router == "nginx":
            return "canary" if service_switched and serving else "stable"
        if header_route:
            return ("canary" if serving else "none") if service_switched else "stable"
        return "weighted" if weights[-1][1] > 0 else "stable"

    def observe(t: int) -> None:
        target = header_target(t)
        if not header or header[-1][1:] != (index, target):
            header.append((t, index, target))

    # The canary Service selects the stable ReplicaSet when a rollout starts (the last promotion
    # pointed it there: rollout/service.go reconcileStableAndCanaryService with newRS = stableRS)
    # and the canary's from service_switched on. A route that sends requests to the canary Service
    # alone, such as the canary path prefix's, reaches the canary pods exactly then (routing.Routes).
    routes: list[tuple[int, RouteState]] = []
    recorded: list[tuple] = [()]

    def record_routes(t: int, *state) -> None:
        if state != recorded[0]:
            recorded[0] = state
            routes.append((t, RouteState(*state)))

    pauses = {i: _seconds(s["pause"].get("duration")) for i, s in enumerate(spec.steps) if "pause" in s}
    # The Progressing condition's lastUpdateTime, moved by every progress the controller sees.
    progressing, seen = Progressing("ReplicaSetUpdated", 0), ReplicaStatus()

    def count(t: int, settle: int) -> int:
        """Pods ready for `settle` seconds without interruption: ready (0) or available (minReadySeconds)."""
        total = 0
        for created, deleted in pods:
            for _, ready, stop in behaviour.runs(created, deleted):
                if ready is not None and ready + settle <= t < stop:
                    total += 1
                    break
        return total

    def available(t: int) -> int:
        """ReplicaSet availableReplicas."""
        return count(t, spec.min_ready)

    def live(t: int) -> list[list[int]]:
        """The canary ReplicaSet's pods at second t (not deleted yet)."""
        return [pod for pod in pods if pod[1] > t]

    def scale(t: int, desired: int) -> None:
        """The ReplicaSet controller: create pods up to `desired`, or delete the newest beyond it."""
        current = live(t)
        for _ in range(desired - len(current)):
            pods.append([t, horizon + 1])
        for pod in current[desired:][::-1] if desired < len(current) else []:
            pod[1] = t

    def finish(result: str, t: int, reason: str, *, until: int | None = None, masked: tuple[int, str] | None = None) -> Outcome:
        end = t if until is None else until
        if result in ("promoted", "aborted"):
            # Promoted: the canary is the stable version, the plugin's managed routes are removed
            # (reconcileTrafficRouting, IsFullyPromoted). Aborted, with traffic routing (both
            # routers here): reconcileTrafficRouting points the canary Service at the stable
            # ReplicaSet (ensureSVCTargets(canaryService, stableRS, false)) and removes managed
            # routes at every reconcile, so a header request reaches stable pods, before and after
            # the aborted pods are scaled down (rollout/service.go reconcileStableAndCanaryService
            # keeps the aborted hash only without traffic routing, `TrafficRouting == nil`).
            # Within each reconcile while the aborted pods are still available (abortScaleDownDelay)
            # reconcileStableAndCanaryService first points it back at them, for the moment until
            # reconcileTrafficRouting's switch: shorter than the model's second.
            after, selects = "stable", "canary" if result == "promoted" else "stable"
            record_routes(t, STABLE, available(t) if result == "aborted" else 0, spec.router == "nginx")
        else:
            observe(t)
            after, selects = header_target(t), "canary" if service_switched else "stable"
        for pod in pods:
            pod[1] = min(pod[1], end + 1)
        jobs.stop_all(end + 1)
        sent = tuple(sorted((t_, n) for t_, n in jobs.sent.items() if t_ <= end))
        timeline = Timeline([tuple(p) for p in pods], weights, end, sent, tuple(m for m in mirrored if m[0] <= end))
        return Outcome(result, t, reason, first_traffic, timeline, runs, step_started, masked, tuple(header), after, selects, tuple(routes))

    def paused_for_evidence(t: int, reason: str) -> Outcome:
        """upstream: argo-rollouts v1.9.1 rollout/analysis.go reconcileBackgroundAnalysisRun returns
        early while a PauseReasonInconclusiveAnalysis condition exists, so the rollout never sees a
        background run that the analysis controller goes on measuring and fails: it keeps its weight."""
        masked, until = None, min(t + watch_paused, horizon - 1)
        if background is not None and watch_paused:
            for later in range(t + 1, until + 1):
                phase = background.reconcile(later, engine, judge, jobs)
                if phase in ("Failed", "Error"):
                    masked = (later, phase)
                    break
                if phase in COMPLETED:
                    break
        return finish("paused", t, reason, until=until, masked=masked)

    def set_weight(t: int, w: int) -> None:
        nonlocal first_traffic
        if weights[-1][1] != w:
            weights.append((t, w))
        if w > 0 and first_traffic is None:
            first_traffic = t

    if initial_deploy:
        # upstream: argo-rollouts v1.9.1 rollout/canary.go shouldFullPromote ("Initial deploy"), and
        # rollout/analysis.go reconcileAnalysisRuns skips every analysis while status.stableRS is "".
        set_weight(0, 100)
        return finish("promoted", 0, "initial deploy: no stable ReplicaSet, promoted without steps or analysis")

    for t in range(horizon):
        step_started.setdefault(index, t)
        now_available = available(t)
        if live(t) and now_available >= len(live(t)):
            service_switched = True
        if spec.router != "nginx" and now_available == 0:
            header_route, mirror = False, 0.0
        # The copies reach canary pods once the canary Service selects them (as the header does).
        reaching = mirror if service_switched else 0.0
        if mirrored[-1][1] != reaching:
            mirrored.append((t, reaching))
        record_routes(t, CANARY if service_switched else STABLE, now_available, header_route)
        jobs.advance(t, header_target(t) == "canary")
        # upstream: argo-rollouts v1.9.1 rollout/analysis.go reconcileBackgroundAnalysisRun: created
        # once the current step reaches startingStep (utils/replicaset BeforeStartingStep), one run
        # until promotion.
        if spec.background and background is None and index >= spec.starting_step:
            background = AnalysisRun("background", spec.background, t, dry_run=spec.dry_run)
            runs.append(background)
        if background is not None:
            phase = background.reconcile(t, engine, judge, jobs)
            if phase in ("Failed", "Error"):
                return finish("aborted", t, f"background {phase}: {background.decided_by}")
            if phase == "Inconclusive":
                return finish("paused", t, f"background Inconclusive: {background.decided_by}")
        while index < len(spec.steps):
            step = spec.steps[index]
            step_started.setdefault(index, t)
            if "setCanaryScale" in step:
                # upstream: argo-rollouts v1.9.1 rollout/canary.go completedCurrentCanaryStep: done
                # at the desired replica counts (AtDesiredReplicaCountsForCanary); with replicas
                # the weight stays (GetCanaryReplicasOrWeight returns weight 0 for the pods).
                canary_scale = step["setCanaryScale"]
                if canary_scale.get("matchTrafficWeight"):
                    scale_override = None
                    desired = canary_replicas(weights[-1][1], spec.replicas) if weights[-1][1] else 0
                elif "replicas" in canary_scale:
                    scale_override = int(canary_scale["replicas"])
                    desired = scale_override
                else:
                    raise NotImplementedError("setCanaryScale.weight is not modelled")
                scale(t, desired)
                if available(t) >= desired and len(live(t)) == desired:
                    index += 1
                    continue
                break
            if "setWeight" in step:
                # upstream: argo-rollouts v1.9.1 utils/replicaset/canary.go trafficWeightToReplicas,
                # or the replicas of a setCanaryScale still in force (GetCanaryReplicasOrWeight).
                desired = scale_override if scale_override is not None else canary_replicas(step["setWeight"], spec.replicas)
                if len(live(t)) < desired:
                    scale(t, desired)
                # rollout/trafficrouting.go `reconcileTrafficRouting`: the weight moves only once the
                # canary ReplicaSet is at its desired available count; rollout/canary.go
                # `completedCurrentCanaryStep` completes the step then.
                if available(t) >= desired:
                    set_weight(t, step["setWeight"])
                    index += 1
                    continue
                break
            if "pause" in step:
                duration = step["pause"].get("duration")
                if duration is None:
                    # A manual gate: `pause: {}` waits for a human (rollout/pause.go).
                    if gate_wait is not None and t >= step_started[index] + gate_wait:
                        index += 1
                        continue
                    break
                # rollout/pause.go `CompletedCanaryPauseStep`: StartTime + duration has passed.
                if t >= step_started[index] + pauses[index]:
                    index += 1
                    continue
                break
            if "analysis" in step:
                # rollout/analysis.go `reconcileStepBasedAnalysisRun`: a run per step; Successful
                # completes the step, Failed or Error aborts, Inconclusive pauses for a human.
                if step_run is None:
                    names = [t_["templateName"] for t_ in step["analysis"]["templates"]]
                    templates = [spec.templates[n] for n in names]
                    step_run = AnalysisRun(f"step {index}", templates, t, dry_run=tuple(step["analysis"].get("dryRun") or ()))
                    runs.append(step_run)
                phase = step_run.reconcile(t, engine, judge, jobs)
                if phase in ("Failed", "Error"):
                    return finish("aborted", t, f"step {index} {phase}: {step_run.decided_by}")
                if phase == "Inconclusive":
                    return paused_for_evidence(t, f"step {index} Inconclusive: {step_run.decided_by}")
                if phase == "Successful":
                    step_run = None
                    index += 1
                    continue
                break
            if "setHeaderRoute" in step and spec.router != "nginx":
                # The plugin's SetHeaderRoute runs in this reconcile; with no available canary pod
                # the next reconcile's RemoveManagedRoutes takes the route away again.
                header_route = available(t) > 0
            if "setMirrorRoute" in step:
                if spec.router != "istio":
                    raise NotImplementedError("setMirrorRoute is implemented by Argo Rollouts' Istio router only")
                # upstream: argo-rollouts v1.9.1 rollout/trafficrouting/istio/istio.go SetMirrorRoute:
                # with a match, a route copying `percentage` (100 when left out) of the matching
                # requests; without one, the route is removed. The model's users send GETs.
                route = step["setMirrorRoute"]
                mirror = route.get("percentage", 100) / 100 if route.get("match") and available(t) > 0 else 0.0
            index += 1  # setHeaderRoute (a no-op with NGINX) and other instantaneous steps
        if index >= len(spec.steps):
            # Fully promoted: the background run is terminated (`reconcileBackgroundAnalysisRun`
            # creates none once `IsFullyPromoted`).
            set_weight(t, 100)
            return finish("promoted", t, "all steps completed")
        if spec.router != "nginx" and header_route and available(t) == 0:
            # The reconcile after the last canary pod went (its ReplicaSet's status update
            # requeues the rollout at once) removes the route; until then a header request meets
            # the router's 503, for less than the model's second.
            header_route = False
        observe(t)
        # upstream: argo-rollouts v1.9.1 rollout/sync.go calculateRolloutConditions: progress (a new
        # step, more pods, more ready or available pods: utils/conditions RolloutProgressing) moves
        # the Progressing condition's lastUpdateTime; a step that is not indefinite (setWeight;
        # isIndefiniteStep) times out `progressDeadlineSeconds` after it (RolloutTimedOut).
        now = ReplicaStatus(
            replicas=len(live(t)),
            updated_replicas=len(live(t)),
            ready_replicas=count(t, 0),
            available_replicas=available(t),
            current_step_index=index,
        )
        if rollout_progressing(seen, now):
            progressing = Progressing(progressing.reason, t)
        seen = now
        indefinite = any(key in spec.steps[index] for key in ("pause", "analysis", "experiment"))
        if not indefinite and spec.progress_deadline_abort and rollout_timed_out(progressing, spec.progress_deadline, t):
            return finish("aborted", t, "progress deadline exceeded")
    return finish("running", horizon - 1, "horizon reached")


def optimistic(spec: RolloutSpec, world: World, *, gate_wait: int | None = 300, horizon: int = 4 * 3600) -> Outcome:
    """The rollout when every measurement succeeds: the schedule a healthy canary follows."""
    return simulate(spec, world, _NoData(), gate_wait=gate_wait, horizon=horizon, judge=lambda metric, result: "Successful")


class _NoData:
    def result(self, query: str, t: int) -> list[float]:
        return []
