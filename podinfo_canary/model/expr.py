"""Argo Rollouts' condition language (antonmedv/expr), for the restricted form our templates use.

`successCondition` and `failureCondition` see `result`, the Prometheus provider's value: a vector
becomes a list of floats (an empty vector an empty list), a scalar a float
(metricproviders/prometheus/prometheus.go `processResponse`). The forms allowed here are
`len(...)`, `isNaN(...)`, `isInf(...)`, `result[i]`, `x in result`, comparisons, `&&`, `||`,
numbers, `true` and `false`. An index out of range, an index into a scalar, or a vector compared
with a number (`result < 1`, `result == 10`) raises, as expr does, and the controller turns that
into an Error measurement (`utils/evaluate/evaluate.go` `EvaluateResult`). A condition outside
this form raises `ValueError` at load time, so a template cannot silently be judged by different
rules.
"""

from __future__ import annotations

import ast
import functools
import math
import re

_ALLOWED = re.compile(r"[\w\s\[\]().|&<>=!+\-*/]+")


def check(condition: str) -> str:
    """Refuse conditions outside the supported subset (an unknown name, a string, a pipe)."""
    if not _ALLOWED.fullmatch(condition):
        raise ValueError(f"condition uses syntax outside the modelled subset: {condition!r}")
    # upstream: argo-rollouts v1.9.1 utils/evaluate/evaluate.go EvalCondition (env: isNaN, isInf; expr builtins len, in)
    names = set(re.findall(r"[A-Za-z_]\w*", condition)) - {"result", "len", "isNaN", "isInf", "in", "true", "false"}
    if names:
        raise ValueError(f"condition names {sorted(names)}, outside the modelled subset: {condition!r}")
    try:
        tree = ast.parse(_python(condition), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"condition is not an expression: {condition!r}") from exc
    # expr has no chained comparisons: `a < b < c` is `(a < b) < c`, a type error, where Python chains.
    if any(isinstance(node, ast.Compare) and len(node.ops) > 1 for node in ast.walk(tree)):
        raise ValueError(f"condition chains comparisons, which expr groups differently: {condition!r}")
    if any(isinstance(node, ast.Attribute) for node in ast.walk(tree)):
        raise ValueError(f"condition reads a field, outside the modelled subset: {condition!r}")
    return condition


def _python(condition: str) -> str:
    python = condition.replace("||", " or ").replace("&&", " and ").replace("isNaN(", "_isnan(").replace("isInf(", "_isinf(")
    return re.sub(r"!(?!=)", " not ", python).strip()


@functools.cache
def _compiled(condition: str):
    return compile(_python(check(condition)), "<condition>", "eval")


def evaluate(condition: str, result: list[float] | float) -> bool:
    """The condition's truth for this result (a vector's list or a scalar's float); raises
    IndexError/TypeError where expr errors."""
    vector = _Vector(result) if isinstance(result, list) else result
    names = {"result": vector, "len": len, "_isnan": _isnan, "_isinf": _isinf, "true": True, "false": False}
    value = eval(_compiled(condition), {"__builtins__": {}}, names)
    if not isinstance(value, bool):
        raise TypeError(f"condition {condition!r} did not evaluate to a boolean")
    return value


class _Vector(list):
    """A vector that refuses `==` and `!=` with a scalar, as expr's type check does ([]float64 and int)."""

    def __eq__(self, other):
        if not isinstance(other, list):
            raise TypeError("invalid operation: == (mismatched types []float64 and a number)")
        return list.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None


def _isnan(value) -> bool:
    if isinstance(value, list):
        raise TypeError("isNaN of a vector")  # expr: isNaN expects a float
    return math.isnan(value)


def _isinf(value) -> bool:
    # upstream: argo-rollouts v1.9.1 utils/evaluate/evaluate.go isInf (math.IsInf(f, 0): either sign)
    if isinstance(value, list):
        raise TypeError("isInf of a vector")  # expr: isInf expects a float
    return math.isinf(value)
