"""canaryctl's messages in words for people: lists joined by commas, counts after a multiplication sign, an
exception as what went wrong (no Python reprs: `{'gaierror': 2}`, `None`, `['a', 'b']`), and a
suggestion for a misspelt name."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

_POOL = re.compile(r"HTTPS?ConnectionPool\([^)]*\):\s*")


def listing(items: Iterable[object], empty: str = "none") -> str:
    """`a, b, c` (in the order given), or `empty`."""
    return ", ".join(str(item) for item in items) or empty


def counted(counts: Mapping[object, int]) -> str:
    """Each name with its count after a multiplication sign (gaierror 2 times: `gaierror` U+00D7 `2`), in the order given."""
    return ", ".join(f"{name} ×{count}" for name, count in counts.items())


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`; did you mean 'prod'?` for the closest known name (difflib), else nothing."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def unknown_environment(name: str, known: Iterable[str]) -> str:
    """`unknown environment 'prdo'; known: dev, staging, prod; did you mean 'prod'?` (`known` in
    the configured order, config/platform.yaml `environments:`)."""
    known = list(known)
    return f"unknown environment '{name}'; known: {listing(known)}{did_you_mean(name, known)}"


def one_line(text: object) -> str:
    """Any text on one line (a YAML parser's or a server's message spans several)."""
    return " ".join(str(text).split())


def describe(exc: BaseException) -> str:
    """What went wrong in a failed connection, as the operating system says it (`connection
    refused`, `name or service not known`, `timed out`), not the client library's repr of the
    exception chain; other exceptions: their message, on one line."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    reason = None
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, TimeoutError) or type(current).__name__ in ("ReadTimeoutError", "ConnectTimeoutError"):
            reason = "timed out"
        elif isinstance(current, OSError) and current.strerror:
            reason = current.strerror[:1].lower() + current.strerror[1:]
        for inner in (getattr(current, "reason", None), current.__cause__, current.__context__):
            if isinstance(inner, BaseException):
                pending.append(inner)
    return reason or one_line(_POOL.sub("", str(exc))) or type(exc).__name__
