"""A synthetic cluster for the controller model: podinfo pods, their traffic, and what Prometheus scrapes.

The world is the part of a rollout the controller does not decide: how many requests arrive
(Poisson), how the canary answers them (status shares, latency), how long its pods take to become
ready, whether they crash, and when Prometheus is down. The controller model decides the rest
(canary pods and traffic weight over time, `Timeline`); `render` then produces the
series Prometheus would hold, labelled exactly as the PodMonitor, cAdvisor and kube-state-metrics
label them, so the queries of dist/ run unchanged on them (`World.render` states the conventions).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

import numpy as np

from podinfo_canary.core import tester
from podinfo_canary.core.promql import MESH_REQUESTS
from podinfo_canary.core.workload import HASH_SERIES_LABEL, PODINFO_SHUTDOWN_SECONDS
from podinfo_canary.model.promql import Series

# podinfo's HTTP histogram buckets (prometheus.DefBuckets), in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FAST = {0.05: 1.0}  # every request in (25 ms, 50 ms]
CANARY_HASH, STABLE_HASH = "c4n4ry7f", "st4b1e9d"
KUBELET_BACKOFF_MAX = 300


def _le(bound: float, prometheus3: bool) -> str:
    """`le` as client_golang writes it (`1`), or as Prometheus 3 stores it after normalising (`1.0`)."""
    if bound == float("inf"):
        return "+Inf"
    return repr(float(bound)) if prometheus3 else f"{bound:g}"


@dataclass
class Timeline:
    """What the controller did to the cluster: canary pods (created, deleted) and traffic weights."""

    canary_pods: list[tuple[int, int]]
    weights: list[tuple[int, int]]  # (second, canary weight in percent), in time order
    end: int
    # Requests the pre-exposure tester sent the canary: (second, count), in time order. Exact
    # counts, not Poisson: the acceptance test sends one request per check, the load paces its
    # requests (curl --rate).
    generated: tuple[tuple[int, int], ...] = ()
    # The share of users' requests the router copies to the canary Service (Istio's mirror route,
    # `setMirrorRoute`): (second, share), in time order; the copies' answers are dropped.
    mirrored: tuple[tuple[int, float], ...] = ()

    def weight_per_second(self) -> np.ndarray:
        out = np.zeros(self.end + 1)
        for t, w in self.weights:
            out[t:] = w / 100
        return out

    def prefix(self, until: int) -> tuple:
        """What the world saw before second `until` (a scrape at `until` sees only earlier seconds)."""
        return (
            [(c, min(d, until)) for c, d in self.canary_pods if c < until],
            [(t, w) for t, w in self.weights if t < until],
            [(t, n) for t, n in self.generated if t < until],
            [(t, m) for t, m in self.mirrored if t < until],
        )

    def mirrored_per_second(self) -> np.ndarray:
        out = np.zeros(self.end + 1)
        for t, share in self.mirrored:
            out[max(t, 0) :] = share
        return out

    def generated_per_second(self) -> np.ndarray:
        out = np.zeros(self.end + 1, dtype=np.int64)
        for t, n in self.generated:
            if 0 <= t <= self.end:
                out[t] += n
        return out

    @property
    def first_request(self) -> int | None:
        """The second the canary got its first request: generated or a user's (weight above 0)."""
        firsts = [t for t, w in self.weights if w > 0][:1] + [t for t, _ in self.generated][:1]
        return min(firsts) if firsts else None


@dataclass(frozen=True)
class PodBehaviour:
    """How one podinfo version's pods live.

    startup_seconds: container start to passing readiness.
    never_ready: readiness never passes (e.g. a bad config; the container keeps running).
    crash_after: the container exits this long after each start (a crash loop); None: never.
    restart_backoff: the kubelet's first restart delay, doubled per restart up to 300 s.
    """

    startup_seconds: int = 5
    never_ready: bool = False
    crash_after: int | None = None
    restart_backoff: int = 10

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (frozen and small: the controller asks every second)
    def runs(self, created: int, until: int) -> tuple[tuple[int, int | None, int], ...]:
        """(start, ready_from or None, stop) for each container run of a pod alive in [created, until)."""
        return tuple(self._runs(created, until))

    def _runs(self, created: int, until: int) -> list[tuple[int, int | None, int]]:
        out, start, backoff = [], created, self.restart_backoff
        while start < until:
            stop = until if self.crash_after is None else min(until, start + self.crash_after)
            ready = None if self.never_ready or start + self.startup_seconds >= stop else start + self.startup_seconds
            out.append((start, ready, stop))
            if stop >= until:
                break
            start, backoff = stop + backoff, min(backoff * 2, KUBELET_BACKOFF_MAX)
        return out


@dataclass(frozen=True)
class Version:
    """How one version answers: status code shares and latency (bucket upper bound -> share).

    statuses: on every path the pre-exposure load exercises (and every path, without `unexercised`).
    unexercised: (share of users' requests on paths the load does not exercise, statuses there):
        a version bad only where the generated load does not go.
    reports_version: what its `/version` says; None: the tag Git says (a correct build).
    """

    statuses: dict[str, float] = field(default_factory=lambda: {"200": 1.0})
    latency: dict[float, float] = field(default_factory=lambda: dict(FAST))
    cpu_cores: float = 0.1
    memory_bytes: float = 100 * 2**20
    pods: PodBehaviour = PodBehaviour()
    unexercised: tuple[float, dict[str, float]] | None = None
    reports_version: str | None = None

    def user_statuses(self) -> dict[str, float]:
        """Status shares of users' requests: the exercised paths' and the others', mixed."""
        if self.unexercised is None:
            return dict(self.statuses)
        share, elsewhere = self.unexercised
        codes = sorted(set(self.statuses) | set(elsewhere))
        return {c: (1 - share) * self.statuses.get(c, 0.0) + share * elsewhere.get(c, 0.0) for c in codes}

    def mostly_answers_2xx(self) -> bool:
        """How the model answers one acceptance request: as the version answers most requests."""
        return sum(v for c, v in self.statuses.items() if c.startswith("2")) > 0.5 * sum(self.statuses.values())


@dataclass(frozen=True)
class World:
    """Everything about a rollout that the controller does not decide.

    total_rps: requests per second to the service (canary and stable together).
    error_bursts: (second, status, count): extra canary requests with that status, e.g. a single
        sporadic 500 during a long manual gate.
    outages: [start, end) windows in which Prometheus neither scrapes nor answers queries.
    """

    namespace: str
    total_rps: float
    canary: Version = Version()
    stable: Version = Version()
    stable_pods: int = 0  # 0: leave stable pods out (no reference for the relative judge)
    # Seconds the stable pods served all the traffic before the rollout began (their counters'
    # history, which the relative judge's window reads).
    stable_history: int = 3600
    scrape_seconds: int = 15  # the PodMonitor's interval (read from dist/ by the caller)
    infra_scrape_seconds: int = 30  # kubelet/cAdvisor and kube-state-metrics (Prometheus' default)
    outages: tuple[tuple[int, int], ...] = ()
    error_bursts: tuple[tuple[int, str, int], ...] = ()
    probe_rps: float = 0.3  # kubelet liveness + readiness probes per pod (never counted as traffic)
    prometheus3_le: bool = False  # store bucket bounds as Prometheus 3 does (`1.0`, not `1`)
    cpu_limit: float = 0.5
    memory_limit: float = 256 * 2**20
    # The router honours `X-Canary: always` (false: a misconfigured route sends it to stable).
    header_route_works: bool = True
    # The tester's pod starts (false: its image cannot be pulled; the Job runs into its deadline).
    tester_starts: bool = True
    # The pods have Istio sidecars: each also reports its requests as `istio_requests_total`
    # (reporter=destination), scraped with the pod's hash. The sidecar counts what podinfo answered,
    # status for status, and the 503s it answers itself while podinfo's container is gone; its
    # counters live as long as the pod, through the container's restarts.
    mesh: bool = False
    # Seconds a pod whose container exited keeps its endpoint and so its share of the traffic: the
    # kubelet's relist (1 s), its status update, the EndpointSlice controller and the proxies' update.
    # Those requests reach no process: podinfo counts none of them; a sidecar answers them 503.
    endpoint_lag: int = 2

    def prometheus_up(self, t: int) -> bool:
        return not any(a <= t < b for a, b in self.outages)

    def scrape_times(self, phase: int, interval: int, start: int, end: int) -> np.ndarray:
        first = start + ((phase - start) % interval)
        times = np.arange(first, end + 1, interval, dtype=np.int64)
        if self.outages:
            keep = np.ones(len(times), bool)
            for a, b in self.outages:
                keep &= ~((times >= a) & (times < b))
            times = times[keep]
        return times

    def render(self, timeline: Timeline, seed: int, ledger: dict[str, np.ndarray] | None = None) -> list[Series]:
        """The series Prometheus holds for this timeline, up to timeline.end.

        Requests in second `s` happen in [s, s+1); a scrape at second `t` sees every request before
        `t`. A labelled child of podinfo's histogram (one per method, path and status) exists from
        its first request, with every bucket (client_golang). A container restart starts its
        counters from zero under the same labels. While Prometheus is down nothing is scraped.
        Generated requests (timeline.generated) reach the ready canary pods, answered with the
        statuses of the exercised paths, and count in the same series as users' requests (podinfo
        labels neither). `ledger`, when given, gets each canary pod's users' requests per second.
        """
        end = timeline.end
        weight = timeline.weight_per_second()
        generated = timeline.generated_per_second()
        mirrored = timeline.mirrored_per_second()
        out: list[Series] = []
        canary_pods = [(f"podinfo-{CANARY_HASH}-{i:05x}", created, deleted) for i, (created, deleted) in enumerate(timeline.canary_pods)]
        stable_pods = [(f"podinfo-{STABLE_HASH}-{i:05x}", -3600, end + 1) for i in range(self.stable_pods)]
        for hash_, version, pods, share in (
            (CANARY_HASH, self.canary, canary_pods, weight),
            (STABLE_HASH, self.stable, stable_pods, 1 - weight),
        ):
            if not pods:
                continue
            # Which pods are ready, second by second, and so share the traffic sent to the version.
            runs = {
                name: version.pods.runs(max(created, 0) if created >= 0 else created, min(deleted, end + 1))
                for name, created, deleted in pods
            }
            ready = np.zeros((len(pods), end + 1), bool)
            lagging = np.zeros((len(pods), end + 1), bool)  # exited, still an endpoint (endpoint_lag)
            for row, (name, _, deleted) in enumerate(pods):
                for _, ready_from, stop in runs[name]:
                    if ready_from is not None:
                        ready[row, max(ready_from, 0) : max(stop, 0)] = True
                        if stop < min(deleted, end + 1):  # the container exited: a crash, not the pod's end
                            lagging[row, max(stop, 0) : max(stop + self.endpoint_lag, 0)] = True
            lagging &= ~ready
            n_in = (ready | lagging).sum(axis=0)
            n_ready = ready.sum(axis=0)
            rate = self.total_rps * share * (n_in > 0)
            for row, (name, _, _) in enumerate(pods):
                per_pod = np.where(ready[row], rate / np.maximum(n_in, 1), 0.0)
                refused = np.where(lagging[row], rate / np.maximum(n_in, 1), 0.0)
                # An error burst is answered by one pod: the first one ready at that second.
                bursts = [
                    (s, st, c)
                    for s, st, c in self.error_bursts
                    if hash_ == CANARY_HASH and s <= end and ready[row, s] and not ready[:row, s].any()
                ]
                history = (self.stable_history, self.total_rps / len(pods)) if hash_ == STABLE_HASH else (0, 0.0)
                own = np.zeros(end + 1, dtype=np.int64)
                if hash_ == CANARY_HASH and generated.any():
                    # Split evenly over the ready pods, the remainder to the first ones (round robin).
                    rank = np.cumsum(ready, axis=0)[row] - 1
                    share_gen = generated // np.maximum(n_ready, 1) + (rank < generated % np.maximum(n_ready, 1))
                    own = np.where(ready[row], share_gen, 0)
                deleted = next(d for n, _, d in pods if n == name)
                gone = deleted if deleted <= end else None
                # Mirrored copies of users' requests, spread over the ready canary pods like users'.
                copies = np.where(ready[row], self.total_rps * mirrored / np.maximum(n_ready, 1), 0.0) if hash_ == CANARY_HASH else None
                out += self._pod_series(
                    hash_, name, version, runs[name], per_pod, bursts, seed, end, history, own, ledger, gone, copies, refused
                )
        return out

    def _pod_series(
        self,
        hash_,
        pod,
        version,
        runs,
        per_second_rps,
        bursts,
        seed,
        end,
        history=(0, 0.0),
        generated=None,
        ledger=None,
        deleted=None,
        mirrored=None,
        refused=None,
    ) -> list[Series]:
        base = (("namespace", self.namespace), ("pod", pod), ("container", "podinfo"))
        http_base = (*base, (HASH_SERIES_LABEL, hash_))

        def stream(key: int) -> np.random.Generator:
            return np.random.default_rng((seed, int(hash_ == CANARY_HASH), int(pod.rsplit("-", 1)[1], 16), key))

        phases = stream(0)
        phase = int(phases.integers(self.scrape_seconds))
        infra_phase = int(phases.integers(self.infra_scrape_seconds))
        created = runs[0][0]
        out: list[Series] = []
        # Requests per second and status; a container restart resets the process's counters.
        user_statuses = version.user_statuses() if hash_ == CANARY_HASH else dict(version.statuses)
        statuses = list(user_statuses) + [c for c in version.statuses if c not in user_statuses]
        shares = np.array([user_statuses.get(s, 0.0) for s in statuses])
        rates = np.outer(shares / shares.sum(), per_second_rps)  # statuses x seconds
        # One random stream per (pod, status), drawn second by second: a weight schedule that
        # changes at second k changes no draw before k, so the fixed point of model.run settles.
        counts = np.stack([stream(1 + row).poisson(rates[row]) for row in range(len(statuses))])
        # Users' requests sent to the pod while its container was gone: refused, answered by nobody
        # (NGINX: a 502 to the user) or by the sidecar (503).
        unanswered = stream(970).poisson(refused) if refused is not None else np.zeros(end + 1, dtype=np.int64)
        if ledger is not None and hash_ == CANARY_HASH:
            ledger[pod] = counts.sum(axis=0) + unanswered
        if generated is not None and generated.any():
            # The generated requests' statuses: the exercised paths' shares, one draw per second.
            exercised = np.array([version.statuses.get(s, 0.0) for s in statuses])
            counts = counts + stream(900).multinomial(generated.astype(np.int64), exercised / exercised.sum()).T
        if mirrored is not None and mirrored.any():
            # Copies of users' requests: their statuses are users' (every path, not only the load's).
            copies = np.outer(shares / shares.sum(), mirrored)  # statuses x seconds, as users' requests
            counts = counts + np.stack([stream(950 + row).poisson(copies[row]) for row in range(len(statuses))])
        for second, status, count in bursts:
            if status not in statuses:
                statuses.append(status)
                counts = np.vstack([counts, np.zeros(counts.shape[1], dtype=counts.dtype)])
            counts[statuses.index(status), second] += count
        run_of_second = np.full(end + 1, -1)
        for k, (start, _, stop) in enumerate(runs):
            run_of_second[max(start, 0) : max(stop, 0)] = k
        scrapes = self.scrape_times(phase, self.scrape_seconds, max(created, 0), end)
        if self.mesh:
            out += self._sidecar_series(hash_, pod, statuses, counts, unanswered, scrapes)
        up = self._running(runs, scrapes)
        scrapes = scrapes[up]
        same_run = run_of_second[np.maximum(scrapes - 1, 0)] == run_of_second[scrapes]
        same_run &= scrapes > 0
        # The history before second 0 (stable pods only): all the traffic, no restart, scraped at
        # the pod's phase; its counts carry on into the rollout.
        seconds_before, rps_before = history
        before_ts = np.arange(-seconds_before + ((phase + seconds_before) % self.scrape_seconds), 0, self.scrape_seconds, dtype=np.int64)
        before = [
            stream(500 + row).poisson(rps_before * share, seconds_before) if seconds_before else np.zeros(0, np.int64)
            for row, share in enumerate(shares / shares.sum())
        ]
        before += [np.zeros(seconds_before, np.int64)] * (len(statuses) - len(before))
        for row, (status, per_second) in enumerate(zip(statuses, counts, strict=True)):
            history_cum = np.cumsum(before[row])
            carried = int(history_cum[-1]) if seconds_before else 0
            values = np.where(same_run, self._per_run_cumsum(per_second, run_of_second)[np.maximum(scrapes - 1, 0)], 0)
            values = values + np.where(run_of_second[np.maximum(scrapes - 1, 0)] == 0, carried, 0)  # the first run carries the history
            earlier = history_cum[before_ts + seconds_before - 1] if seconds_before else np.zeros(0)
            exists = values > 0  # the child exists once it has counted a request in this container run
            exists_before = earlier > 0
            if not exists.any() and not exists_before.any():
                continue
            ts = np.concatenate([before_ts[exists_before], scrapes[exists]])
            count_values = np.concatenate([earlier[exists_before], values[exists]])
            labels = (*http_base, ("method", "GET"), ("path", "api_info"), ("status", status))
            out.append(Series((("__name__", "http_request_duration_seconds_count"), *labels), ts, count_values.astype(float)))
            bins = sorted(version.latency)
            if len(bins) == 1:
                bin_values = {bins[0]: count_values}
            else:
                shares_lat = np.array([version.latency[b] for b in bins])
                split = stream(100 + statuses.index(status)).multinomial(per_second.astype(np.int64), shares_lat / shares_lat.sum())
                split_before = stream(600 + row).multinomial(before[row].astype(np.int64), shares_lat / shares_lat.sum())
                first_run = run_of_second[np.maximum(scrapes - 1, 0)] == 0
                bin_values = {}
                for col, b in enumerate(bins):
                    cum_before = np.cumsum(split_before[:, col]) if seconds_before else np.zeros(1, np.int64)
                    during = self._per_run_cumsum(split[:, col], run_of_second)[np.maximum(scrapes - 1, 0)]
                    during = np.where(same_run, during, 0) + np.where(first_run, cum_before[-1] if seconds_before else 0, 0)
                    earlier_b = cum_before[before_ts + seconds_before - 1] if seconds_before else np.zeros(0)
                    bin_values[b] = np.concatenate([earlier_b[exists_before], during[exists]])
            for bound in (*BUCKETS, float("inf")):
                below = sum((v for b, v in bin_values.items() if b <= bound), np.zeros(len(ts)))
                le_labels = (("__name__", "http_request_duration_seconds_bucket"), *labels, ("le", _le(bound, self.prometheus3_le)))
                out.append(Series(le_labels, ts, below.astype(float)))
        # kubelet probes: present from the first scrape, excluded from every query by `path`.
        if len(scrapes):
            probe = self.probe_rps * (scrapes - np.array([self._run_start(runs, t) for t in scrapes]))
            labels = (
                ("__name__", "http_request_duration_seconds_count"),
                *http_base,
                ("method", "GET"),
                ("path", "healthz"),
                ("status", "200"),
            )
            out.append(Series(labels, scrapes, np.floor(probe)))
        # kubelet/cAdvisor and kube-state-metrics.
        infra = self.scrape_times(infra_phase, self.infra_scrape_seconds, max(created, 0), end)
        if len(infra):
            running = self._running(runs, infra)
            uptime = np.array([t - self._run_start(runs, t) for t in infra], dtype=float)
            if running.any():
                out.append(
                    Series((("__name__", "container_cpu_usage_seconds_total"), *base), infra[running], version.cpu_cores * uptime[running])
                )
                out.append(
                    Series(
                        (("__name__", "container_memory_working_set_bytes"), *base),
                        infra[running],
                        np.full(running.sum(), version.memory_bytes),
                    )
                )
            restarts = np.array([sum(1 for start, _, _ in runs[1:] if start <= t) for t in infra], dtype=float)
            out.append(Series((("__name__", "kube_pod_container_status_restarts_total"), *base), infra, restarts))
            for resource, unit, limit in (("cpu", "core", self.cpu_limit), ("memory", "byte", self.memory_limit)):
                labels = (("__name__", "kube_pod_container_resource_limits"), *base, ("resource", resource), ("unit", unit))
                out.append(Series(labels, infra, np.full(len(infra), float(limit))))
        return out if deleted is None else self._stale(out, deleted, phase, infra_phase)

    def _sidecar_series(self, hash_, pod, statuses, counts, unanswered, scrapes) -> list[Series]:
        """The sidecar's `istio_requests_total` (reporter=destination) of one pod: every request it
        passed to podinfo, by podinfo's status, plus its own 503 for those it could not pass. The
        sidecar runs from the pod's start to its end, so its counters never reset with podinfo's
        container and are scraped while podinfo is down. The stable pods' history before the
        rollout is left out: no query reads the sidecars of stable."""
        labels = (("namespace", self.namespace), ("pod", pod), ("container", "istio-proxy"), (HASH_SERIES_LABEL, hash_))
        codes = list(statuses)
        rows = list(counts)
        if unanswered.any():
            if "503" not in codes:
                codes.append("503")
                rows.append(np.zeros(len(unanswered), dtype=np.int64))
            rows[codes.index("503")] = rows[codes.index("503")] + unanswered
        out = []
        for code, per_second in zip(codes, rows, strict=True):
            values = np.cumsum(per_second)[np.maximum(scrapes - 1, 0)] * (scrapes > 0)
            exists = values > 0
            if exists.any():
                name = (("__name__", MESH_REQUESTS), *labels, ("reporter", "destination"), ("response_code", code))
                out.append(Series(name, scrapes[exists], values[exists].astype(float)))
        return out

    def _stale(self, series: list[Series], deleted: int, phase: int, infra_phase: int) -> list[Series]:
        """A pod deleted at `deleted` is gone PODINFO_SHUTDOWN_SECONDS later, and with it its scrape
        target. Prometheus then waits for the target's next scrape time, stamps the stale markers
        with it, and writes them one more interval and a tenth later (prometheus scrape/scrape.go
        endOfRunStaleness): until then an instant query still returns the last samples. cAdvisor's
        and kube-state-metrics' series of the pod are missing from their next scrape, which marks
        them stale at once."""
        gone = deleted + PODINFO_SHUTDOWN_SECONDS
        out = []
        for s in series:
            if s.name.startswith("http_") or s.name == MESH_REQUESTS:  # the PodMonitor's targets
                interval = self.scrape_seconds
                next_tick = gone + 1 + ((phase - gone - 1) % interval)  # the first scrape time after the target went
                stale = next_tick + interval + -(-interval // 10)
            else:
                stale = gone + ((infra_phase - gone) % self.infra_scrape_seconds)
            out.append(dataclasses.replace(s, stale_from=stale))
        return out

    @staticmethod
    def _per_run_cumsum(per_second: np.ndarray, run_of_second: np.ndarray) -> np.ndarray:
        """Cumulative count since the current container run started (a restart resets it)."""
        total = np.cumsum(per_second)
        starts = np.concatenate([[True], run_of_second[1:] != run_of_second[:-1]])
        offset = np.maximum.accumulate(np.where(starts, np.concatenate([[0], total[:-1]]), 0))
        return total - offset

    @staticmethod
    def _running(runs, times: np.ndarray) -> np.ndarray:
        ok = np.zeros(len(times), bool)
        for start, _, stop in runs:
            ok |= (times >= start) & (times < stop)
        return ok

    @staticmethod
    def _run_start(runs, t: int) -> int:
        start_of = runs[0][0]
        for start, _, _ in runs:
            if start <= t:
                start_of = start
        return start_of


TESTER_START_SECONDS = tester.START_SECONDS
JOB_CONDITION_SECONDS = tester.JOB_CONDITION_SECONDS


class PreExposureJob:
    """One run of the tester script (core/tester.py) as the world answers it, second by second.

    Read from the metric's `provider.job`: its MODE and settings (the container's env) and
    `activeDeadlineSeconds`, past which the Job fails (DeadlineExceeded). `step` is told each
    second whether `X-Canary: always` reaches a canary pod then (the controller model knows: the
    canary Service's selector and, with Gateway API, the header route); a request it sends while
    the header does not reach the canary goes to stable and counts nothing for the canary.

    Each check of the script retries a non-200 answer, so in the model a canary passes a check
    when it answers mostly 2xx, and fails it when it answers mostly errors (a canary failing
    a few percent passes with near certainty: the sequential tests judge its share).

    acceptance: an attempt at `/` every RETRY_SECONDS, up to ATTEMPTS; an attempt that reaches a
        canary answering mostly 2xx passes the route check, and the next second /version (against
        the tag of EXPECTED_IMAGE, when set: `reports_version` of the canary, or that tag),
        /api/info and the page are asked. Each request that reaches the canary counts there.
    load: REQUESTS requests paced at RATE per second from the script's start (its processes keep
        the pace while the canary answers within CONCURRENCY / RATE seconds, as the worlds here
        do), all of them to the canary while the header reaches it; the second after, the route
        check; the Job succeeds if the header still reached a canary answering mostly 2xx.
    """

    def __init__(self, metric_spec: dict, started: int, world: World, args: dict[str, str] | None = None):
        job = metric_spec["provider"]["job"]["spec"]
        self.env = tester.job_env(metric_spec)
        for name, value in (args or {}).items():  # the AnalysisRun's arguments, as the controller resolves them
            self.env = {k: v.replace("{{args." + name + "}}", value) for k, v in self.env.items()}
        self.mode = self.env["MODE"]
        self.world, self.started = world, started
        self.deadline = started + int(job.get("activeDeadlineSeconds", 10**9))
        self.begin = started + TESTER_START_SECONDS
        self.phase: str | None = None  # the Job's condition, once visible: Successful | Failed
        self._result: tuple[int, str] | None = None  # (second the condition is visible, phase)
        self.stopped: int | None = None  # the Job was deleted (its run terminated) at this second
        if self.mode == "load":
            n, rate = int(self.env["REQUESTS"]), int(self.env["RATE"])
            self.schedule = [rate] * (n // rate) + ([n % rate] if n % rate else [])
        else:
            self.attempts, self.retry = int(self.env["ATTEMPTS"]), int(self.env["RETRY_SECONDS"])
            self.reached: int | None = None

    def _finish(self, t: int, phase: str) -> None:
        if self._result is None:
            self._result = (t + JOB_CONDITION_SECONDS, phase)

    def step(self, t: int, header_reaches_canary: bool) -> int:
        """Requests the script sends the canary in second `t` (and the Job's phase after it)."""
        if self.phase is not None or self.stopped is not None:
            return 0
        if self._result is not None:
            if t >= self._result[0]:
                self.phase = self._result[1]
            return 0
        if t >= self.deadline:
            self.phase = "Failed"  # DeadlineExceeded: the Job controller fails it at once
            return 0
        if not self.world.tester_starts or t < self.begin:
            return 0
        reach = header_reaches_canary and self.world.header_route_works
        if self.mode == "load":
            index = t - self.begin
            if index >= len(self.schedule):  # the route check, the second after its last requests
                ok = reach and self.world.canary.mostly_answers_2xx()
                self._finish(t, "Successful" if ok else "Failed")
                return 1 if reach else 0
            return self.schedule[index] if reach else 0
        canary = self.world.canary
        if self.reached is not None:  # the second after the route check: /version, then /api/info
            image = self.env.get("EXPECTED_IMAGE", "")
            expected = image.rsplit("@", 1)[0].rsplit(":", 1)[-1] if image else ""  # the script's tag of the image
            if expected and (canary.reports_version or expected) != expected:
                self._finish(t, "Failed")
                return 1
            self._finish(t, "Successful")
            return 3 if expected else 2  # /version, /api/info, the page
        offset = t - self.begin
        if self.retry and offset % self.retry:
            return 0
        attempt = offset // self.retry if self.retry else offset
        if attempt >= self.attempts:
            self._finish(t, "Failed")
            return 0
        if reach and canary.mostly_answers_2xx():
            self.reached = t
        if attempt == self.attempts - 1 and self.reached is None:
            self._finish(t, "Failed")
        return 1 if reach else 0


class PreExposureJobs:
    """The cluster's side of the Job provider for the tester Jobs (analysis_run.Jobs): each Job a
    PreExposureJob of this world, advanced second by second, with the requests they sent the canary."""

    def __init__(self, world: World, args: dict[str, str] | None = None):
        """args: the values the Rollout passes beyond the hashes (the image, tester.IMAGE_ARG)."""
        self.world, self.args = world, args or {}
        self.jobs: list[PreExposureJob] = []
        self.sent: dict[int, int] = {}  # second -> requests the testers sent the canary

    def start(self, metric: dict, t: int) -> PreExposureJob:
        job = PreExposureJob(metric, t, self.world, self.args)
        self.jobs.append(job)
        return job

    def phase(self, job: PreExposureJob, t: int) -> str | None:
        return job.phase

    def terminate(self, job: PreExposureJob, t: int) -> None:
        job.stopped = t

    def advance(self, t: int, header_reaches_canary: bool) -> None:
        """Second `t` of every Job still running (before the runs reconcile in that second)."""
        for job in self.jobs:
            count = job.step(t, header_reaches_canary)
            if count:
                self.sent[t] = self.sent.get(t, 0) + count

    def stop_all(self, t: int) -> None:
        for job in self.jobs:
            if job.stopped is None:
                job.stopped = t
