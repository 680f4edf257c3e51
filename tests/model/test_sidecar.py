"""The model's sidecars (World.mesh) in a crash loop: what Istio's destination proxy counts that
podinfo's own counters never see, and how each set of counters lives through a container restart."""

from __future__ import annotations

import numpy as np

from podinfo_canary.core.promql import MESH_REQUESTS
from podinfo_canary.model.world import CANARY_HASH, PodBehaviour, Timeline, Version, World

CRASHING = Version(pods=PodBehaviour(startup_seconds=5, crash_after=40, restart_backoff=10))
END = 300


def _world(mesh: bool, lag: int = 2) -> World:
    return World(namespace="podinfo-prod", total_rps=50, canary=CRASHING, mesh=mesh, endpoint_lag=lag)


def _timeline() -> Timeline:
    return Timeline(canary_pods=[(0, END + 1)], weights=[(0, 100)], end=END)


def _canary(series, name: str) -> list:
    return [s for s in series if s.name == name and dict(s.labels).get("rollouts_pod_template_hash") == CANARY_HASH]


def _by_code(series, label: str) -> dict[str, float]:
    return {dict(s.labels)[label]: s for s in series}


def test_the_sidecar_answers_503_for_the_requests_sent_while_the_container_is_gone():
    """Each exit leaves the pod an endpoint for `endpoint_lag` seconds: the users' requests sent then
    reach no process. podinfo records none of them (no 5xx at all: the version answers 200); the
    sidecar answers each with 503, and counts every answer podinfo gave too."""
    ledger: dict = {}
    series = _world(mesh=True).render(_timeline(), seed=1, ledger=ledger)
    podinfo = _by_code(_canary(series, "http_request_duration_seconds_count"), "status")
    sidecar = _by_code(_canary(series, MESH_REQUESTS), "response_code")
    assert set(podinfo) == {"200"} and set(sidecar) == {"200", "503"}
    runs = CRASHING.pods.runs(0, END + 1)
    crashes = [stop for _, _, stop in runs if stop < END + 1]
    assert len(crashes) >= 3, runs
    # The 503s: about 2 s x 50 req/s per exit (Poisson), none while the container serves.
    last_503 = sidecar["503"].values[-1]
    assert 0.5 * 2 * 50 * len(crashes) < last_503 < 1.5 * 2 * 50 * len(crashes), (last_503, crashes)
    # Users were sent them: the ledger (users' requests the canary took) counts them.
    total_users = sum(int(v.sum()) for v in ledger.values())
    assert total_users >= last_503 + sidecar["200"].values[-1] * 0.9
    # Without the lag nothing is refused: the sidecar counts exactly podinfo's answers.
    quiet = _by_code(_canary(_world(mesh=True, lag=0).render(_timeline(), seed=1), MESH_REQUESTS), "response_code")
    assert set(quiet) == {"200"}


def test_the_sidecars_counters_survive_the_container_restarts_podinfos_reset():
    """podinfo's counter starts from zero with each container run and is not scraped while the
    container is down; the sidecar's counter is one series for the pod's whole life, scraped at
    every scrape, never decreasing."""
    series = _world(mesh=True).render(_timeline(), seed=2)
    podinfo = _by_code(_canary(series, "http_request_duration_seconds_count"), "status")["200"]
    sidecar = _by_code(_canary(series, MESH_REQUESTS), "response_code")["200"]
    assert (np.diff(podinfo.values) < 0).any(), "podinfo's counter never reset: no restart in the window"
    assert (np.diff(sidecar.values) >= 0).all()
    assert len(sidecar.ts) > len(podinfo.ts)  # scraped while podinfo's container is down too
    assert sidecar.values[-1] > podinfo.values.max()


def test_no_sidecar_series_outside_the_mesh_and_the_same_podinfo_counts():
    """The mesh adds series and changes none of podinfo's: NGINX's world and Istio's differ only by
    the sidecars' series."""
    meshed = _world(mesh=True).render(_timeline(), seed=3)
    plain = _world(mesh=False).render(_timeline(), seed=3)
    assert not [s for s in plain if s.name == MESH_REQUESTS]
    keep = [s for s in meshed if s.name != MESH_REQUESTS]
    assert len(keep) == len(plain)
    for a, b in zip(keep, plain, strict=True):
        assert a.labels == b.labels and np.array_equal(a.ts, b.ts) and np.array_equal(a.values, b.values)
