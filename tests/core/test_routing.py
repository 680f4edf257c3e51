"""The canary path prefix's meaning (podinfo_canary/core/routing.py), and the ingress-nginx regex
and rewrite that encode it, applied to sample paths as ingress-nginx builds them; what podinfo
records for a request under the prefix."""

from __future__ import annotations

import re

import pytest

from podinfo_canary.core import promql, routing

PREFIXES = ("/canary/", "/edge/canary/", "/c_1-x/")

# (request path under /canary/, path the canary Service receives; None: not under the prefix)
CANARY_PATHS = [
    ("/canary/api/info", "/api/info"),
    ("/canary/version", "/version"),
    ("/canary/", "/"),
    ("/canary", "/"),
    ("/canary/canary/x", "/canary/x"),
    ("/canary/status/500", "/status/500"),
    ("/canary/delay/1", "/delay/1"),
    ("/canaryx", None),
    ("/canaryx/api/info", None),
    ("/Canary/api/info", None),
    ("/CANARY/", None),
    ("/x/canary/", None),
    ("/", None),
    ("/api/info", None),
]


@pytest.mark.parametrize(("path", "served"), CANARY_PATHS)
def test_a_request_under_the_prefix_is_served_without_it(path, served):
    assert routing.canary_path("/canary/", path) == served


def test_a_two_element_prefix_matches_both_elements():
    assert routing.element("/edge/canary/") == "/edge/canary"
    assert routing.canary_path("/edge/canary/", "/edge/canary/version") == "/version"
    assert routing.canary_path("/edge/canary/", "/edge/version") is None
    assert routing.canary_path("/edge/canary/", "/edge/canaryx") is None


@pytest.mark.parametrize("bad", ["/", "canary/", "/canary", "/ca.nary/", "/can(ary)/", "/a//b/", "/canary/*"])
def test_a_malformed_prefix_is_refused(bad):
    with pytest.raises(ValueError, match="not a canary path prefix"):
        routing.element(bad)


# --- ingress-nginx --------------------------------------------------------------------------------


def nginx_location(ingress_path: str, uri: str) -> bool:
    """`location ~* "^<path>"`: ingress-nginx controller-v1.15.1
    internal/ingress/controller/template/template.go buildLocation, with the regex enforced on every
    path of the host (enforceRegexModifier: a rewrite-target or use-regex on any of its Ingresses).
    `~*` is PCRE with PCRE_CASELESS: re.IGNORECASE."""
    return re.match("^" + ingress_path, uri, re.IGNORECASE) is not None


def nginx_rewritten(ingress_path: str, target: str, uri: str) -> str:
    """`rewrite "(?i)<path>" <target> break;` (template.go buildProxyPass): NGINX replaces the
    whole URI by the target, `$n` by the n-th group of the leftmost match."""
    match = re.search("(?i)" + ingress_path, uri)
    assert match is not None
    return re.sub(r"\$(\d)", lambda g: match.group(int(g[1])) or "", target)


def _samples(prefix: str) -> list[str]:
    head = routing.element(prefix)
    rests = ["", "/", "/api/info", "/version", "/status/500", "/a/b/c", head + "/x"]
    return (
        [head + r for r in rests]
        + [head + "x", head + "x/api/info", head.upper() + "/version", "/x" + head + "/", "/", "/api/info", "/healthz"]
        + [head[:-1] + "/"]
    )


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_ingress_nginx_location_and_rewrite_mean_canary_path(prefix):
    path = routing.nginx_path(prefix)
    for uri in _samples(prefix):
        expected = routing.canary_path(prefix, uri)
        matched = nginx_location(path, uri)
        assert matched == (expected is not None), uri
        if matched:
            assert nginx_rewritten(path, routing.NGINX_REWRITE_TARGET, uri) == expected, uri


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_stable_root_location_still_takes_every_other_path(prefix):
    """The stable Ingress's `/` Prefix rule turns into `~* "^/"` on the prefix's host, and
    ingress-nginx sorts a host's locations longest path first (controller.go getBackendServers);
    NGINX takes the first regex location that matches: the prefix's, then `/` for everything else."""
    locations = sorted(["/", routing.nginx_path(prefix)], key=len, reverse=True)
    assert locations[-1] == "/"
    for uri in _samples(prefix):
        first = next(loc for loc in locations if nginx_location(loc, uri))
        assert (first == "/") == (routing.canary_path(prefix, uri) is None), uri


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_ingress_nginx_regex_is_a_subset_python_and_pcre_read_alike(prefix):
    """Literal path text, a scoped flag group `(?-i:...)`, `(/|$)` and `(.*)`: constructs PCRE and
    Python's re give the same meaning, so the tests above say what NGINX does. And what
    ingress-nginx's admission accepts: no character the Ingress inspector refuses
    (internal/ingress/inspector/rules.go), a rewrite-target of the form its validator allows
    (internal/ingress/annotations/parser/validators.go RegexPathWithCapture)."""
    path = routing.nginx_path(prefix)
    assert re.fullmatch(r"/\(\?-i:[A-Za-z0-9_/-]+\)\(/\|\$\)\(\.\*\)", path), path
    assert routing.nginx_path(prefix).count("(") == 3 and re.compile(path).groups == 2
    assert re.fullmatch(r"^/?[\-._~a-zA-Z0-9/:/$]*$", routing.NGINX_REWRITE_TARGET)
    assert not re.search(r"alias|root|/etc/|/var/run/secrets|_by_lua|\s|\"", path)


# --- what podinfo records ----------------------------------------------------------------------


def podinfo_path_label(path: str) -> str:
    """podinfo 6.14.1 pkg/api/http/metrics.go urlToLabel: the `path` label of a route's template;
    for the templates without parameters that the samples use, the request's path."""
    label = re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_").lower()
    return label or "root"


@pytest.mark.parametrize(("user", "under_prefix"), [("/api/info", "/canary/api/info"), ("/", "/canary/"), ("/version", "/canary/version")])
def test_podinfo_records_a_prefix_request_as_the_users_request_for_that_path(user, under_prefix):
    """The rewrite happens in the router: podinfo sees the stripped path, so the `path` label (and
    every other label: method, status, the pod's hash) is the same as for a user's request, and no
    selector of the analysis can tell them apart: the prefix's requests count as canary evidence."""
    served = routing.canary_path("/canary/", under_prefix)
    assert served == user
    assert podinfo_path_label(served) == podinfo_path_label(user)
    assert "canary" not in podinfo_path_label(served)


def test_a_probe_path_under_the_prefix_is_left_out_as_the_kubelets_probes_are():
    served = routing.canary_path("/canary/", "/canary/healthz")
    assert re.fullmatch(promql.PROBE_PATHS, podinfo_path_label(served))
