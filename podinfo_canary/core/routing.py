"""The canary path prefix: which requests reach the canary Service without the `X-Canary` header,
and the path podinfo then serves. One meaning for every traffic router, in a module without jsii
(the charts spell it for their router, the controller model and the tests check them against it).

A request is under the prefix `/canary/` when its path is `/canary`, `/canary/` or starts with
`/canary/`: path elements, case-sensitive (`/canaryx` and `/Canary/` are not). It goes to the
canary Service with the prefix's element stripped: `/canary/api/info` is served as `/api/info`,
`/canary` and `/canary/` as `/`; the query string is kept. This is Gateway API's PathPrefix match
with the URLRewrite `ReplacePrefixMatch: /` (the HTTPRoute CRD's ReplacePrefixMatch table, Gateway
API v1.6.1). How each router encodes it (rollout.py):

- Gateway API: a PathPrefix match on `element(prefix)`, a URLRewrite filter with
  `ReplacePrefixMatch: REWRITE_TO`.
- ingress-nginx: the regex location `nginx_path(prefix)` and `rewrite-target: NGINX_REWRITE_TARGET`.
- Istio (a VirtualService HTTPRoute, on another branch): the matches `uri: {prefix: prefix}` and
  `uri: {exact: element(prefix)}`, and `rewrite: {uri: REWRITE_TO}` (Istio replaces the matched
  prefix, or the whole path of an exact match); `canary_path` is what its test compares against.

The canary Service, not the route, decides which pods answer: the canary's once the controller
points it at them, the stable ones outside a rollout and after an abort. podinfo records the
prefix's requests under the stripped path, so they count in the analysis exactly as users'
requests do (docs/explanation/routing.md "Testing a canary by path").
"""

from __future__ import annotations

import re

from podinfo_canary.config.types import CANARY_PATH_PREFIX

# What the prefix's element is replaced with: podinfo serves the rest of the path from its root.
REWRITE_TO = "/"
# ingress-nginx substitutes the location regex's second group (the rest of the path after the
# prefix's element and its slash): see nginx_path.
NGINX_REWRITE_TARGET = "/$2"


def element(prefix: str) -> str:
    """The prefix without its trailing slash (`/canary/` -> `/canary`): the path elements it matches."""
    if not re.fullmatch(CANARY_PATH_PREFIX, prefix):
        raise ValueError(f"{prefix!r} is not a canary path prefix (/, then path elements each followed by /)")
    return prefix[:-1]


def canary_path(prefix: str, path: str) -> str | None:
    """The path the canary Service receives for a request to `path`, or None when `path` is not under `prefix`."""
    head = element(prefix)
    if path == head or path.startswith(head + "/"):
        return REWRITE_TO + path[len(head) + 1 :]
    return None


def nginx_path(prefix: str) -> str:
    """The Ingress path (pathType ImplementationSpecific) of the prefix for ingress-nginx.

    ingress-nginx writes it as `location ~* "^<path>"` and, with rewrite-target, `rewrite
    "(?i)<path>" <target> break;` (controller-v1.15.1 internal/ingress/controller/template/
    template.go buildLocation and buildProxyPass): both case-insensitive, so the element is
    wrapped in `(?-i:...)` to match case-sensitively as the other routers do. `(/|$)` stops at an
    element boundary; `(.*)` is the rest of the path, rewritten to `/$2`."""
    return f"/(?-i:{element(prefix)[1:]})(/|$)(.*)"
