"""A small PromQL evaluator for the expressions our SLI builders emit, evaluated at many times at once.

The decision benchmark (`make bench`) needs every analysis query at every second of thousands of
simulated rollouts, more than a Prometheus server answers; this evaluator answers one query for
every second of a run in one numpy pass. `tests/model/test_model.py` holds it equal to a real Prometheus
server on every query of dist/ at every second. Semantics follow Prometheus 2.42, Debian's
(upstream: prometheus v2.42 promql/engine.go, functions.go, quantile.go), for the subset used:
instant selectors with the 5-minute lookback, `rate`/`increase` with counter resets and
extrapolation (`extrapolatedRate`), `sum` (optionally `by`), `histogram_quantile` (`bucketQuantile`),
`vector`, number literals, unary minus, arithmetic between vectors (one-to-one on all labels) and
scalars, and `or`. Anything else raises `Unsupported`, so no query shape is evaluated wrongly by accident.

docs/explanation/analysis.md "Decision quality".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import promql_parser as pp

LOOKBACK_SECONDS = 300  # --query.lookback-delta default


class Unsupported(ValueError):
    """The query uses PromQL this evaluator does not implement."""


@dataclass(frozen=True)
class Series:
    """One time series: labels (with `__name__`) and samples at integer-second timestamps."""

    labels: tuple[tuple[str, str], ...]
    ts: np.ndarray  # int64 seconds, strictly increasing
    values: np.ndarray  # float64
    # From this second instant selectors no longer see the series: a staleness marker is in the
    # TSDB (its target went away: prometheus scrape/scrape.go endOfRunStaleness writes it just over
    # two intervals later; or the series was missing from a scrape). Range selectors skip markers.
    stale_from: int | None = None

    @property
    def name(self) -> str:
        return dict(self.labels)["__name__"]


Labels = frozenset[tuple[str, str]]


@dataclass
class Vector:
    """An instant vector at every evaluation time: label set -> (values, present)."""

    elements: dict[Labels, tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Result:
    """A query's value at each evaluation time: the single element's value, or absent (empty vector)."""

    values: np.ndarray
    present: np.ndarray

    def at(self, index: int) -> list[float]:
        """The vector as Argo Rollouts' Prometheus provider hands it to a condition."""
        return [float(self.values[index])] if self.present[index] else []


class SeriesIndex:
    """Series grouped by metric name, for selector matching."""

    def __init__(self, series: Iterable[Series]):
        self.by_name: dict[str, list[Series]] = {}
        for s in series:
            self.by_name.setdefault(s.name, []).append(s)

    def select(self, name: str, matchers) -> list[Series]:
        out = []
        for s in self.by_name.get(name, []):
            labels = dict(s.labels)
            if all(_matches(m, labels.get(m.name, "")) for m in matchers):
                out.append(s)
        return out


def _matches(matcher, value: str) -> bool:
    op = str(matcher.op)
    if op.endswith("NotEqual"):
        return value != matcher.value
    if op.endswith("Equal"):
        return value == matcher.value
    anchored = re.fullmatch(f"(?:{matcher.value})", value) is not None
    if op.endswith("NotRe"):
        return not anchored
    if op.endswith("Re"):
        return anchored
    raise Unsupported(f"matcher {matcher.op}")


def _drop_name(labels: tuple[tuple[str, str], ...] | Labels) -> Labels:
    return frozenset((k, v) for k, v in labels if k != "__name__")


class Evaluator:
    """Evaluates queries over a fixed set of series at every time in `times` (integer seconds)."""

    def __init__(self, series: Iterable[Series], times: np.ndarray):
        self.index = SeriesIndex(series)
        self.times = np.asarray(times, dtype=np.int64)
        self._cache: dict[str, Result] = {}
        self._subexpressions: dict[str, Vector | float] = {}

    def query(self, text: str) -> Result:
        """The query's single-element result at each time (queries here aggregate to one element)."""
        if text not in self._cache:
            value = self._eval(pp.parse(text))
            if isinstance(value, float):
                raise Unsupported("a scalar query: Argo Rollouts conditions expect a vector here")
            if len(value.elements) > 1:
                raise Unsupported(f"the query returns {len(value.elements)} series; ours aggregate to one")
            n = len(self.times)
            if value.elements:
                vals, present = next(iter(value.elements.values()))
            else:
                vals, present = np.full(n, np.nan), np.zeros(n, bool)
            self._cache[text] = Result(np.where(present, vals, np.nan), present)
        return self._cache[text]

    # --- expression nodes -------------------------------------------------------------------

    def _eval(self, node) -> Vector | float:
        # A sum or function call is evaluated once per evaluator however often queries repeat it
        # (the relative judge's stable share appears four times in each of its queries).
        kind = type(node).__name__
        if kind in ("AggregateExpr", "Call"):
            key = str(node)
            if key not in self._subexpressions:
                self._subexpressions[key] = self._evaluate(node, kind)
            return self._subexpressions[key]
        return self._evaluate(node, kind)

    def _evaluate(self, node, kind: str) -> Vector | float:
        if kind == "NumberLiteral":
            return float(node.val)
        if kind == "ParenExpr":
            return self._eval(node.expr)
        if kind == "UnaryExpr":
            inner = self._eval(node.expr)
            return -inner if isinstance(inner, float) else self._map(inner, lambda v: -v)
        if kind == "VectorSelector":
            return self._instant(node)
        if kind == "AggregateExpr":
            return self._aggregate(node)
        if kind == "Call":
            return self._call(node)
        if kind == "BinaryExpr":
            return self._binary(node)
        raise Unsupported(kind)

    def _instant(self, node) -> Vector:
        out = {}
        for s in self.index.select(node.name, node.matchers.matchers):
            i = np.searchsorted(s.ts, self.times, side="right") - 1
            ok = i >= 0
            j = np.where(ok, i, 0)
            present = ok & (self.times - s.ts[j] <= LOOKBACK_SECONDS)
            if s.stale_from is not None:
                present &= self.times < s.stale_from
            out[frozenset(s.labels)] = (s.values[j], present)
        return Vector(out)

    def _call(self, node) -> Vector | float:
        name = node.func.name
        if name == "vector":
            value = self._eval(node.args[0])
            if not isinstance(value, float):
                raise Unsupported("vector() of a vector")
            n = len(self.times)
            return Vector({frozenset(): (np.full(n, value), np.ones(n, bool))})
        if name in ("rate", "increase"):
            return self._extrapolated(node.args[0], is_rate=name == "rate")
        if name == "histogram_quantile":
            return self._histogram_quantile(self._eval(node.args[0]), self._eval(node.args[1]))
        if name == "ln":  # promql/functions.go funcLn: math.Log of each sample, the metric name dropped
            inner = self._eval(node.args[0])
            if isinstance(inner, float):
                raise Unsupported("ln of a scalar")
            return self._map(inner, np.log)
        if name in ("clamp_min", "clamp_max"):  # funcClampMin / funcClampMax: a scalar bound
            inner, bound = self._eval(node.args[0]), self._eval(node.args[1])
            if isinstance(inner, float) or not isinstance(bound, float):
                raise Unsupported(f"{name}(vector, scalar) only")
            clamp = np.maximum if name == "clamp_min" else np.minimum
            return self._map(inner, lambda v: clamp(v, bound))
        if name == "clamp":  # funcClamp: max(min, min(max, v)); NaN stays NaN
            inner, low, high = (self._eval(a) for a in node.args)
            if isinstance(inner, float) or not isinstance(low, float) or not isinstance(high, float):
                raise Unsupported("clamp(vector, scalar, scalar) only")
            if low > high:
                return Vector({})
            return self._map(inner, lambda v: np.maximum(low, np.minimum(high, v)))
        raise Unsupported(f"function {name}")

    def _extrapolated(self, matrix, *, is_rate: bool) -> Vector:
        """promql/functions.go `extrapolatedRate` (2.42): closed window [t - range, t]."""
        if type(matrix).__name__ != "MatrixSelector":
            raise Unsupported("rate() of a non-matrix")
        window = matrix.range.total_seconds()
        selector = matrix.vector_selector
        out = {}
        for s in self.index.select(selector.name, selector.matchers.matchers):
            v = s.values
            # Counter resets: the value before a drop is added back, as extrapolatedRate does.
            drops = np.concatenate([[0.0], np.where(v[1:] < v[:-1], v[:-1], 0.0)])
            corrected = v + np.cumsum(drops)
            first = np.searchsorted(s.ts, self.times - window, side="left")
            last = np.searchsorted(s.ts, self.times, side="right") - 1
            present = (last - first) >= 1
            f = np.clip(first, 0, len(v) - 1)
            la = np.clip(last, 0, len(v) - 1)
            delta = corrected[la] - corrected[f]
            t_first, t_last = s.ts[f].astype(float), s.ts[la].astype(float)
            sampled = t_last - t_first
            with np.errstate(divide="ignore", invalid="ignore"):
                average = sampled / np.maximum(last - first, 1)
                to_start = t_first - (self.times - window)
                to_end = self.times - t_last
                to_zero = np.where((delta > 0) & (v[f] >= 0), sampled * (v[f] / delta), np.inf)
                to_start = np.minimum(to_start, to_zero)
                threshold = average * 1.1
                interval = (
                    sampled + np.where(to_start < threshold, to_start, average / 2) + np.where(to_end < threshold, to_end, average / 2)
                )
                factor = interval / sampled
                if is_rate:
                    factor = factor / window
                value = delta * factor
            out[_drop_name(s.labels)] = (value, present)
        return Vector(out)

    def _aggregate(self, node) -> Vector:
        if str(node.op) != "sum":
            raise Unsupported(f"aggregation {node.op}")
        inner = self._eval(node.expr)
        if isinstance(inner, float):
            raise Unsupported("sum of a scalar")
        keep: set[str] | None = None
        if node.modifier is not None:
            if not str(node.modifier.type).endswith("By"):
                raise Unsupported("sum without (...)")
            keep = set(node.modifier.labels)
        n = len(self.times)
        groups: dict[Labels, tuple[np.ndarray, np.ndarray]] = {}
        for labels, (vals, present) in inner.elements.items():
            key = frozenset((k, v) for k, v in labels if keep is not None and k in keep)
            total, any_present = groups.get(key, (np.zeros(n), np.zeros(n, bool)))
            groups[key] = (total + np.where(present, vals, 0.0), any_present | present)
        return Vector(groups)

    def _histogram_quantile(self, q, buckets) -> Vector:
        """promql/quantile.go `bucketQuantile` (2.42) for one group of `le` buckets."""
        if not isinstance(q, float) or isinstance(buckets, float):
            raise Unsupported("histogram_quantile(scalar, vector) only")
        groups: dict[Labels, list[tuple[float, np.ndarray, np.ndarray]]] = {}
        for labels, (vals, present) in buckets.elements.items():
            le = dict(labels).get("le")
            if le is None:
                continue
            rest = frozenset((k, v) for k, v in labels if k != "le")
            groups.setdefault(rest, []).append((float(le), vals, present))
        out = {}
        for rest, items in groups.items():
            items.sort(key=lambda item: item[0])
            bounds = np.array([b for b, _, _ in items])
            counts = np.stack([np.where(p, v, np.nan) for _, v, p in items])  # buckets x times
            present = np.all(~np.isnan(counts), axis=0)  # every bucket present at that time (ours always are together)
            out[rest] = (_bucket_quantiles(q, bounds, np.where(present, counts, 0.0)), present)
        return Vector(out)

    def _binary(self, node) -> Vector | float:
        op = str(node.op)
        lhs, rhs = self._eval(node.lhs), self._eval(node.rhs)
        if node.modifier is not None and (getattr(node.modifier, "matching", None) or getattr(node.modifier, "return_bool", False)):
            raise Unsupported("vector matching modifiers")
        if op == "or":
            if isinstance(lhs, float) or isinstance(rhs, float):
                raise Unsupported("or with a scalar")
            return self._or(lhs, rhs)
        if op in _COMPARISON:
            # promql/engine.go VectorscalarBinop without `bool`: a filter, the sample kept as it is.
            if isinstance(lhs, float) or not isinstance(rhs, float):
                raise Unsupported(f"comparison {op} of anything but a vector with a scalar")
            keep = _COMPARISON[op]
            with np.errstate(invalid="ignore"):
                return Vector({_drop_name(k): (v, p & keep(v, rhs)) for k, (v, p) in lhs.elements.items()})
        fn = _ARITHMETIC.get(op)
        if fn is None:
            raise Unsupported(f"operator {op}")
        if isinstance(lhs, float) and isinstance(rhs, float):
            return fn(lhs, rhs)
        if isinstance(rhs, float):
            return self._map(lhs, lambda v: fn(v, rhs))
        if isinstance(lhs, float):
            return self._map(rhs, lambda v: fn(lhs, v))
        out = {}
        right = {_drop_name(k): val for k, val in rhs.elements.items()}
        for labels, (lv, lp) in lhs.elements.items():
            key = _drop_name(labels)
            if key in right:
                rv, rp = right[key]
                with np.errstate(divide="ignore", invalid="ignore"):
                    out[key] = (fn(lv, rv), lp & rp)
        return Vector(out)

    def _or(self, lhs: Vector, rhs: Vector) -> Vector:
        """`or`: every left element, plus right elements whose labels no left element has at that time."""
        out = dict(lhs.elements)
        n = len(self.times)
        for labels, (vals, present) in rhs.elements.items():
            covered = np.zeros(n, bool)
            for left_labels, (_, left_present) in lhs.elements.items():
                if _drop_name(left_labels) == _drop_name(labels):
                    covered |= left_present
            key = labels
            if key in out:
                lv, lp = out[key]
                out[key] = (np.where(lp, lv, vals), lp | (present & ~covered))
            else:
                out[key] = (vals, present & ~covered)
        return Vector(out)

    @staticmethod
    def _map(vector: Vector, fn) -> Vector:
        with np.errstate(divide="ignore", invalid="ignore"):
            return Vector({_drop_name(k): (fn(v), p) for k, (v, p) in vector.elements.items()})


def _divide(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a / b if b else (math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a))
    return np.true_divide(a, b)


_COMPARISON = {
    ">": np.greater,
    "<": np.less,
    ">=": np.greater_equal,
    "<=": np.less_equal,
    "==": np.equal,
    "!=": np.not_equal,
}

_ARITHMETIC = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _divide,
}


def _bucket_quantiles(q: float, bounds: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """`bucketQuantile` for every column of counts (buckets x times) at once."""
    n = counts.shape[1]
    if q < 0 or q > 1:
        return np.full(n, -math.inf if q < 0 else math.inf)
    if len(bounds) < 2 or not math.isinf(bounds[-1]):
        return np.full(n, math.nan)
    counts = np.maximum.accumulate(counts, axis=0)  # ensureMonotonic
    observations = counts[-1]
    rank = q * observations
    # sort.Search over all but the +Inf bucket: the first bucket whose count reaches the rank.
    b = np.argmax(counts >= rank, axis=0)
    b = np.where((counts[:-1] >= rank).any(axis=0), b, len(bounds) - 1)
    cols = np.arange(n)
    below = np.where(b > 0, counts[np.maximum(b - 1, 0), cols], 0.0)
    start = np.where(b > 0, bounds[np.maximum(b - 1, 0)], 0.0)
    end = bounds[b]
    with np.errstate(divide="ignore", invalid="ignore"):
        value = start + (end - start) * ((rank - below) / (counts[b, cols] - below))
    value = np.where(b == len(bounds) - 1, bounds[-2], value)
    value = np.where((b == 0) & (bounds[0] <= 0), bounds[0], value)
    return np.where(observations == 0, math.nan, value)
