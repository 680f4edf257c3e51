"""A synthetic cluster for the controller model: podinfo pods, their traffic, and what Prometheus scrapes.

The world is the part of a rollout the controller does not decide: how many requests arrive
(Poisson), how the canary answers them (status shares, latency), how long its pods take to become
ready, whether they crash, and when Prometheus is down. The controller model decides the rest
(canary pods and traffic weight over time, `Timeline`); `render` then produces the
series Prometheus would hold, labelled exactly as the PodMonitor, cAdvisor and kube-state-metrics
label them, so the queries of dist/ run unchanged on them (`World.render` states the conventions).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from podinfo_canary.core.workload import HASH_SERIES_LABEL
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

    def weight_per_second(self) -> np.ndarray:
        out = np.zeros(self.end + 1)
        for t, w in self.weights:
            out[t:] = w / 100
        return out

    def prefix(self, until: int) -> tuple:
        """What the world saw before second `until` (a scrape at `until` sees only earlier seconds)."""
        return ([(c, min(d, until)) for c, d in self.canary_pods if c < until], [(t, w) for t, w in self.weights if t < until])


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
    """How one version answers: status code shares and latency (bucket upper bound -> share)."""

    statuses: dict[str, float] = field(default_factory=lambda: {"200": 1.0})
    latency: dict[float, float] = field(default_factory=lambda: dict(FAST))
    cpu_cores: float = 0.1
    memory_bytes: float = 100 * 2**20
    pods: PodBehaviour = PodBehaviour()


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

    def render(self, timeline: Timeline, seed: int) -> list[Series]:
        """The series Prometheus holds for this timeline, up to timeline.end.

        Requests in second `s` happen in [s, s+1); a scrape at second `t` sees every request before
        `t`. A labelled child of podinfo's histogram (one per method, path and status) exists from
        its first request, with every bucket (client_golang). A container restart starts its
        counters from zero under the same labels. While Prometheus is down nothing is scraped.
        """
        end = timeline.end
        weight = timeline.weight_per_second()
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
            for row, (name, _, _) in enumerate(pods):
                for _, ready_from, stop in runs[name]:
                    if ready_from is not None:
                        ready[row, max(ready_from, 0) : max(stop, 0)] = True
            n_ready = ready.sum(axis=0)
            rate = self.total_rps * share * (n_ready > 0)
            for row, (name, _, _) in enumerate(pods):
                per_pod = np.where(ready[row], rate / np.maximum(n_ready, 1), 0.0)
                # An error burst is answered by one pod: the first one ready at that second.
                bursts = [
                    (s, st, c)
                    for s, st, c in self.error_bursts
                    if hash_ == CANARY_HASH and s <= end and ready[row, s] and not ready[:row, s].any()
                ]
                history = (self.stable_history, self.total_rps / len(pods)) if hash_ == STABLE_HASH else (0, 0.0)
                out += self._pod_series(hash_, name, version, runs[name], per_pod, bursts, seed, end, history)
        return out

    def _pod_series(self, hash_, pod, version, runs, per_second_rps, bursts, seed, end, history=(0, 0.0)) -> list[Series]:
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
        statuses = list(version.statuses)
        shares = np.array([version.statuses[s] for s in statuses])
        rates = np.outer(shares / shares.sum(), per_second_rps)  # statuses x seconds
        # One random stream per (pod, status), drawn second by second: a weight schedule that
        # changes at second k changes no draw before k, so the fixed point of model.run settles.
        counts = np.stack([stream(1 + row).poisson(rates[row]) for row in range(len(statuses))])
        for second, status, count in bursts:
            if status not in statuses:
                statuses.append(status)
                counts = np.vstack([counts, np.zeros(counts.shape[1], dtype=counts.dtype)])
            counts[statuses.index(status), second] += count
        run_of_second = np.full(end + 1, -1)
        for k, (start, _, stop) in enumerate(runs):
            run_of_second[max(start, 0) : max(stop, 0)] = k
        scrapes = self.scrape_times(phase, self.scrape_seconds, max(created, 0), end)
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
