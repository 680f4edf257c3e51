"""Argo Rollouts' condition language (antonmedv/expr), for the restricted form our templates use.

`successCondition` and `failureCondition` see `result`, the Prometheus provider's value: a vector
becomes a list of floats, an empty vector an empty list. The forms allowed here are `len(...)`,
`isNaN(...)`, `result[i]`, comparisons, `&&`, `||`, numbers, `true` and `false`. An index out of
range raises, as expr does, and the controller turns that into an Error measurement
(`utils/evaluate/evaluate.go` `EvaluateResult`). A condition outside this form raises
`ValueError` at load time, so a template cannot silently be judged by different rules.
"""

from __future__ import annotations

import functools
import math
import re

_ALLOWED = re.compile(r"[\w\s\[\]().|&<>=!+\-*/]+")


def check(condition: str) -> str:
    """Refuse conditions outside the supported subset (an unknown name, a string, a pipe)."""
    if not _ALLOWED.fullmatch(condition):
        raise ValueError(f"condition uses syntax outside the modelled subset: {condition!r}")
    names = set(re.findall(r"[A-Za-z_]\w*", condition)) - {"result", "len", "isNaN", "true", "false"}
    if names:
        raise ValueError(f"condition names {sorted(names)}, outside the modelled subset: {condition!r}")
    return condition


@functools.cache
def _compiled(condition: str):
    python = check(condition).replace("||", " or ").replace("&&", " and ").replace("isNaN(", "_isnan(")
    python = re.sub(r"!(?!=)", " not ", python)
    return compile(python, "<condition>", "eval")


def evaluate(condition: str, result: list[float]) -> bool:
    """The condition's truth for this result; raises IndexError/TypeError where expr errors."""
    value = eval(_compiled(condition), {"__builtins__": {}}, {"result": result, "len": len, "_isnan": _isnan, "true": True, "false": False})
    if not isinstance(value, bool):
        raise TypeError(f"condition {condition!r} did not evaluate to a boolean")
    return value


def _isnan(value) -> bool:
    if isinstance(value, list):
        raise TypeError("isNaN of a vector")  # expr: isNaN expects a float
    return math.isnan(value)
