"""`canaryctl test-canary`: send requests to podinfo and report which version answered them.

Two rounds of GET /version (podinfo answers `{"version": ..., "commit": ...}`, pkg/api/http/
version.go `versionHandler`): one plain, as users arrive, and one with `X-Canary: always`, which
ingress-nginx routes to the canary (canary-by-header). Bounded in count and in time.

A successful answer is a 2xx with podinfo's JSON: only those count in the versions' shares and in
the latency percentiles (a refused connection's or a 500's time says nothing about podinfo's
latency). A round without one is `silent`: canaryctl exits NO_ANSWER."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

from podinfo_canary.core.workload import CANARY_HEADER

MAX_REQUESTS = 10_000


@dataclass
class Round:
    name: str
    sent: int = 0
    versions: Counter = field(default_factory=Counter)  # successful answers by podinfo version
    statuses: Counter = field(default_factory=Counter)  # every HTTP answer by status code
    latencies: list[float] = field(default_factory=list)  # of the successful answers
    errors: Counter = field(default_factory=Counter)  # requests without a usable answer, by the error's kind

    def report(self) -> dict:
        ordered = sorted(self.latencies)

        def quantile(q: float) -> float | None:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2) if ordered else None

        answered = sum(self.versions.values())
        return {
            "name": self.name,
            "sent": self.sent,
            "answered": answered,
            "versions": {v: {"count": n, "share": round(n / answered, 4)} for v, n in sorted(self.versions.items())},
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": dict(sorted(self.errors.items())),
            "latency_ms": {"p50": quantile(0.5), "p95": quantile(0.95), "p99": quantile(0.99)},
        }


def _once(url: str, headers: dict[str, str], timeout: float, round_: Round) -> None:
    request = urllib.request.Request(f"{url.rstrip('/')}/version", headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read()
            elapsed = time.monotonic() - started
            round_.statuses[answer.status] += 1
            answer_json = json.loads(body)
            round_.versions[answer_json.get("version", "?") if isinstance(answer_json, dict) else "?"] += 1
            round_.latencies.append(elapsed)
    except urllib.error.HTTPError as exc:
        round_.statuses[exc.code] += 1
    except (urllib.error.URLError, OSError, ValueError) as exc:
        round_.errors[type(getattr(exc, "reason", exc)).__name__] += 1
    finally:
        round_.sent += 1


def silent(rounds: list[dict]) -> list[dict]:
    """The rounds that got no successful answer: every request failed or answered an error."""
    return [r for r in rounds if not r["answered"]]


def probe(url: str, requests: int, deadline_seconds: float, timeout: float = 5.0) -> list[dict]:
    """`requests` plain requests, then as many with the canary header, each round within half the
    deadline (so a slow first round leaves the canary round its share)."""
    if not 1 <= requests <= MAX_REQUESTS:
        raise ValueError(f"requests must be 1..{MAX_REQUESTS}")
    rounds = [Round("users (no header)"), Round(f"{CANARY_HEADER}: always")]
    for round_, headers in zip(rounds, ({}, {CANARY_HEADER: "always"}), strict=True):
        deadline = time.monotonic() + deadline_seconds / 2
        for _ in range(requests):
            if time.monotonic() > deadline:
                break
            _once(url, headers, min(timeout, max(0.1, deadline - time.monotonic())), round_)
    return [r.report() for r in rounds]
