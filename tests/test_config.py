"""Configuration validation: each bad input gets one actionable line (file, field, value, what is
allowed), main.py exits 2 without a traceback, and dist/ is left byte-for-byte as it was."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from podinfo_canary import config
from tests.conftest import ROOT, run_main

PROD = "environments/prod.yaml"
PLATFORM = "platform.yaml"


def _set(path: str, value):
    """A mutation that sets a dotted key path (`canary.stages[3].weight`) in a YAML mapping."""

    def apply(data: dict) -> None:
        parts = path.replace("]", "").replace("[", ".").split(".")
        target = data
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
        last = parts[-1]
        target[int(last) if last.isdigit() else last] = value

    return apply


def _delete(key: str):
    return lambda data: data.pop(key)


# (id, file, mutation or raw text, expected fragments of the one-line message)
BAD_INPUTS = [
    ("wrong-type-replicas", PROD, _set("replicas", "five"), ["prod.yaml", "replicas = 'five'", "valid integer"]),
    ("replicas-out-of-range", PROD, _set("replicas", 0), ["replicas = 0", "greater than or equal to 1"]),
    ("unknown-key", PROD, _set("replica", 3), ["replica = 3", "unknown key", "allowed keys here: namespace, cluster, image, replicas"]),
    ("unknown-nested-key", PROD, _set("slo.latency_p95", 400), ["slo.latency_p95 = 400", "allowed keys here: success_rate_min"]),
    (
        "bad-image-repository",
        PROD,
        _set("image.repository", "GHCR.io/Podinfo Image"),
        ["image.repository = 'GHCR.io/Podinfo Image'", "image repository"],
    ),
    ("image-tag-latest", PROD, _set("image.tag", "latest"), ["image.tag = 'latest'", "pin an exact version"]),
    (
        "image-tag-in-repository",
        PROD,
        _set("image.repository", "ghcr.io/stefanprodan/podinfo:6.14.1"),
        ["image.repository", "put the tag in image.tag"],
    ),
    (
        "weights-not-increasing",
        PROD,
        _set("canary.stages[3].weight", 45),
        ["canary.stages[3].weight = 45", "greater than the previous stage (50) and at most 100"],
    ),
    ("weight-over-100", PROD, _set("canary.stages[4].weight", 120), ["canary.stages[4].weight = 120", "less than or equal to 100"]),
    ("last-stage-not-100", PROD, lambda d: d["canary"]["stages"].pop(), ["canary.stages[3].weight = 75", "the last stage must be 100"]),
    (
        "threshold-out-of-range",
        PROD,
        _set("slo.success_rate_min", 1.5),
        ["slo.success_rate_min = 1.5", "less than or equal to 1", "a ratio from 0 to 1: 0.95 means 95%"],
    ),
    (
        "bad-duration",
        PROD,
        _set("canary.stages[0].pause", "2 minutes"),
        ["canary.stages[0].pause = '2 minutes'", "duration", "30s, 2m or 1h30m"],
    ),
    (
        "stage-names-the-background-template",
        PROD,
        _set("canary.stages[0].analysis", ["podinfo-complete-analysis"]),
        ["canary.stages[0].analysis[0] = 'podinfo-complete-analysis'", "runs in the background for the whole rollout"],
    ),
    (
        "stage-lists-a-template-twice",
        PROD,
        _set("canary.stages[0].analysis", ["podinfo-error-rate", "podinfo-latency", "podinfo-error-rate"]),
        [
            "canary.stages[0].analysis[2] = 'podinfo-error-rate'",
            "already listed at analysis[0]",
            "Remove one: analysis: [podinfo-error-rate, podinfo-latency]",
        ],
    ),
    ("pause-and-gate", PROD, _set("canary.stages[2].pause", "1m"), ["canary.stages[2].gate = 'manual'", "not both"]),
    ("bad-router", PROD, _set("traffic_router", "istio"), ["traffic_router = 'istio'", "'nginx' or 'gatewayapi'"]),
    ("missing-field", PROD, _delete("image"), ["prod.yaml: image: required field is missing"]),
    (
        "retention-fills-the-volume",
        PLATFORM,
        _set("prometheus_retention_size", "48GB"),
        ["platform.yaml", "prometheus_retention_size = '48GB'", "at most 85% of prometheus_storage.size (50Gi)"],
    ),
    (
        "storage-size-not-a-quantity",
        PLATFORM,
        _set("prometheus_storage.size", "50GB"),
        ["prometheus_storage.size = '50GB'", "a Kubernetes quantity in Mi, Gi or Ti"],
    ),
    (
        "gatewayapi-without-plugin-digest",
        PROD,
        lambda d: d.update({"traffic_router": "gatewayapi", "gateway": {"name": "public", "namespace": "gateway-system"}}),
        ["prod.yaml: traffic_router = 'gatewayapi'", "needs gateway_api_plugin.sha256", "platform.yaml"],
    ),
    (
        "plugin-digest-not-hex",
        PLATFORM,
        _set("gateway_api_plugin.sha256", "abc"),
        ["gateway_api_plugin.sha256 = 'abc'", "64 lowercase hex digits"],
    ),
    (
        "rbac-groups-without-sso",
        PLATFORM,
        lambda d: d["argocd"].pop("sso"),
        ["platform.yaml: argocd.rbac = ", "RBAC groups come only from SSO tokens: configure argocd.sso"],
    ),
    (
        "sso-without-issuer",
        PLATFORM,
        lambda d: d["argocd"]["sso"].pop("issuer"),
        ["platform.yaml: argocd.sso.issuer: required field is missing"],
    ),
    (
        "sso-secret-as-a-value",
        PLATFORM,
        _set("argocd.sso.client_secret", "hunter2"),
        ["argocd.sso.client_secret = 'hunter2'", "$<secret-name>:<key>", "never the secret itself"],
    ),
    (
        "sso-without-groups-scope",
        PLATFORM,
        _set("argocd.sso.requested_scopes", ["openid", "email"]),
        ["argocd.sso.requested_scopes", "must include groups"],
    ),
    (
        "host-shared-by-two-environments",
        PROD,
        _set("hosts", ["podinfo.staging.example.com"]),
        ["environments/prod.yaml: hosts = 'podinfo.staging.example.com': already used by", "environments/staging.yaml on the same cluster"],
    ),
    (
        "namespace-shared-by-two-environments",
        PROD,
        _set("namespace", "podinfo-staging"),
        ["environments/prod.yaml: namespace = 'podinfo-staging': already used by", "environments/staging.yaml"],
    ),
    (
        "environment-file-not-listed",
        "environments/qa.yaml",
        "namespace: podinfo-qa\n",
        ["environments/qa.yaml: not listed in", "platform.yaml environments (dev, staging, prod)"],
    ),
    (
        "email-not-an-address",
        PROD,
        _set("notifications.email", ["sre at example.com"]),
        ["notifications.email[0] = 'sre at example.com'", "an e-mail address"],
    ),
    ("ratio-as-percent", PROD, _set("slo.success_rate_min", 95), ["slo.success_rate_min = 95", "a ratio: 0.95 means 95%"]),
    ("tag-read-as-a-number", PROD, _set("image.tag", 6.1), ["image.tag = 6.1", "quote it, e.g. tag: '6.1'"]),
    ("pause-without-unit", PROD, _set("canary.stages[0].pause", 120), ["canary.stages[0].pause = 120", "e.g. 120s"]),
    (
        "template-misspelt",
        PROD,
        _set("canary.stages[0].analysis", ["podinfo-error-rates"]),
        ["canary.stages[0].analysis[0] = 'podinfo-error-rates'", "did you mean 'podinfo-error-rate'?"],
    ),
    ("host-uppercase", PROD, _set("hosts", ["Podinfo.example.com"]), ["hosts[0] = 'Podinfo.example.com'", "lowercase DNS name"]),
    (
        "alert-severity-unknown",
        PLATFORM,
        _set("alerting.rules.high_latency.severity", "page"),
        ["alerting.rules.high_latency.severity = 'page'", "'warning' or 'critical'"],
    ),
    ("pause-over-a-day", PROD, _set("canary.stages[0].pause", "25h"), ["canary.stages[0].pause = '25h'", "at most 24h", "gate: manual"]),
    ("p99-below-p95", PROD, _set("slo.latency_p99_max_ms", 250), ["slo.latency_p99_max_ms = 250", "at least latency_p95_max_ms (500)"]),
    (
        "latency-not-a-bucket-bound",
        PROD,
        _set("slo.latency_p95_max_ms", 300),
        ["slo.latency_p95_max_ms = 300", "bucket bounds in ms (5, 10, 25, 50, 100, 250, 500, 1000"],
    ),
    (
        "false-abort-out-of-range",
        PROD,
        _set("decision.false_abort_max", 0.5),
        ["decision.false_abort_max = 0.5", "less than or equal to 0.2"],
    ),
    ("healthy-fraction-is-one", PROD, _set("decision.healthy_fraction", 1.0), ["decision.healthy_fraction = 1.0", "less than 1"]),
    ("min-canary-requests-zero", PROD, _set("slo.min_canary_requests", 0), ["slo.min_canary_requests = 0", "greater than or equal to 1"]),
    ("look-interval-not-a-duration", PROD, _set("decision.look_interval", "5"), ["decision.look_interval = '5'", "duration"]),
    (
        "platform-bad-expose",
        PLATFORM,
        _set("argocd.expose", "nodeport"),
        ["platform.yaml: argocd.expose = 'nodeport'", "'ingress' or 'loadbalancer'"],
    ),
    (
        "platform-http-repo",
        PLATFORM,
        _set("git.repo_url", "http://git.example.com/x.git"),
        ["git.repo_url = 'http://git.example.com/x.git'", "an https:// URL"],
    ),
    (
        "bad-retention",
        PLATFORM,
        _set("prometheus_retention", "two weeks"),
        ["platform.yaml: prometheus_retention = 'two weeks'", "a Prometheus duration such as 15d"],
    ),
    ("reserved-environment-name", PLATFORM, _set("environments", ["dev", "argocd"]), ["environments[1] = 'argocd'", "reserved"]),
    (
        "audit-environment-name",
        PLATFORM,
        _set("environments", ["dev", "audit"]),
        ["environments[1] = 'audit'", "reserved for the audit policy"],
    ),
    (
        "missing-environment-file",
        PLATFORM,
        _set("environments", ["dev", "qa"]),
        ["environments/qa.yaml: file not found", "environments lists 'qa'"],
    ),
    (
        "digest-not-sha256",
        PROD,
        _set("image.digest", "sha256:abc"),
        ["prod.yaml: image.digest = 'sha256:abc'", "sha256: then 64 lowercase hex digits"],
    ),
    (
        "tag-alone-where-a-digest-is-required",
        PROD,
        _set("require_digest", True),
        ["prod.yaml: image.digest", "required because require_digest is true"],
    ),
    (
        "rbac-group-with-spaces",
        PLATFORM,
        _set("argocd.rbac.deployer_groups", ["podinfo deployers"]),
        ["platform.yaml: argocd.rbac.deployer_groups[0] = 'podinfo deployers'", "an SSO group name"],
    ),
    (
        "rbac-system-group",
        PLATFORM,
        _set("argocd.rbac.viewer_groups", ["system:masters"]),
        ["argocd.rbac.viewer_groups[0] = 'system:masters'", "Kubernetes' own"],
    ),
    (
        "log-retention-in-hours",
        PLATFORM,
        _set("logging.retention", "36h"),
        ["platform.yaml: logging.retention = '36h'", "a whole number of days such as 7d"],
    ),
    (
        "dns-label-key-with-spaces",
        PLATFORM,
        _set("cluster_dns.pod_labels", {"k8s app": "kube-dns"}),
        ["cluster_dns.pod_labels", "a Kubernetes label key"],
    ),
    ("malformed-yaml", PROD, "replicas: [1, 2\nhosts: x\n", ["prod.yaml:", "malformed YAML"]),
    ("not-a-mapping", PROD, "- just\n- a list\n", ["prod.yaml: (top level)", "must be a mapping"]),
]


def _broken_config(tmp_path: Path, file: str, change) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    target = folder / file
    if isinstance(change, str):
        target.write_text(change)
    else:
        data = yaml.safe_load(target.read_text())
        change(data)
        target.write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def test_committed_configuration_is_valid(config):
    assert [e.name for e in config.environments] == ["dev", "staging", "prod"]


@pytest.mark.parametrize(("case", "file", "change", "expected"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_names_file_field_and_allowed_values(tmp_path, case, file, change, expected):
    folder = _broken_config(tmp_path, file, change)
    with pytest.raises(config.ConfigError) as raised:
        config.load(folder)
    message = str(raised.value)
    assert str(folder) in message
    for fragment in expected:
        assert fragment in message, f"{case}: {fragment!r} not in:\n{message}"


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


# One Python process runs main.main() for every bad input in turn (environment switched per case,
# stdout and stderr captured, any exception kept as its traceback): the same entry point as
# `make synth`, without paying an interpreter start per case.
_DRIVER = """
import contextlib, io, json, os, sys, traceback
sys.path.insert(0, sys.argv[1])
import main
results = {}
for case, config_dir, dist in json.loads(sys.stdin.read()):
    os.environ["PODINFO_CONFIG_DIR"], os.environ["PODINFO_DIST_DIR"] = config_dir, dist
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main.main()
        except BaseException:
            code, err = 1, io.StringIO(traceback.format_exc())
    results[case] = [code, out.getvalue(), err.getvalue()]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def main_results(tmp_path_factory):
    runs, digests = [], {}
    for case, file, change, _ in BAD_INPUTS:
        root = tmp_path_factory.mktemp(case)
        folder = _broken_config(root, file, change)
        dist = root / "dist"
        shutil.copytree(ROOT / "dist", dist)
        digests[case] = (dist, _digest(dist))
        runs.append((case, str(folder), str(dist)))
    result = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(ROOT)], cwd=ROOT, input=json.dumps(runs), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), digests


@pytest.mark.parametrize(("case", "file", "change", "expected"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_main_exits_nonzero_without_traceback_and_leaves_dist_unchanged(main_results, case, file, change, expected):
    results, digests = main_results
    code, stdout, stderr = results[case]
    assert code == 2
    assert "Traceback" not in stderr
    assert expected[0] in stderr
    assert stdout == ""
    dist, before = digests[case]
    assert _digest(dist) == before


def test_every_problem_is_reported_at_once(tmp_path):
    folder = _broken_config(tmp_path, PROD, lambda d: d.update(replicas="x", traffic_router="istio"))
    with pytest.raises(config.ConfigError) as raised:
        config.load(folder)
    assert len(raised.value.problems) == 2


def test_a_failing_synthesis_leaves_dist_unchanged(tmp_path):
    """A construct that fails after configuration passed must not publish a partial dist/."""
    dist = tmp_path / "dist"
    shutil.copytree(ROOT / "dist", dist)
    before = _digest(dist)
    driver = (
        "import sys, main\n"
        "from podinfo_canary import app\n"
        "real = app.build\n"
        "def build(cfg, outdir):\n"
        "    real(cfg, outdir).synth()\n"
        "    raise RuntimeError('synthesis failed halfway')\n"
        "app.build = build\n"
        "sys.exit(main.main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", driver],
        cwd=ROOT,
        env={**os.environ, "PODINFO_DIST_DIR": str(dist)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "synthesis failed halfway" in result.stderr
    assert _digest(dist) == before
    assert not list(tmp_path.glob(".dist-staging-*"))


def test_duration_parsing():
    assert config.duration_seconds("30s") == 30
    assert config.duration_seconds("2m") == 120
    assert config.duration_seconds("1h30m") == 5400
    with pytest.raises(ValueError):
        config.duration_seconds("")


def test_errors_show_paths_relative_to_the_project(tmp_path):
    folder = ROOT / ".pytest_cache" / f"config-{tmp_path.name}"
    shutil.copytree(ROOT / "config", folder)
    try:
        prod = folder / PROD
        prod.write_text(prod.read_text().replace("replicas: 5", "replicas: 0"))
        result = run_main(config_dir=folder, dist=tmp_path / "dist")
    finally:
        shutil.rmtree(folder)
    assert result.returncode == 2
    assert f".pytest_cache/config-{tmp_path.name}/{PROD}: replicas = 0" in result.stderr
    assert str(ROOT) not in result.stderr


def test_synthesis_reports_one_line(fresh_synth):
    result = fresh_synth[1]
    assert re.fullmatch(r"\S+/: \d+ objects in \d+ files; \d+ changed(: .*)?\n", result.stdout), result.stdout


def test_unknown_template_message_lists_only_step_templates(tmp_path):
    folder = _broken_config(tmp_path, PROD, _set("canary.stages[0].analysis", ["nope"]))
    with pytest.raises(config.ConfigError) as raised:
        config.load(folder)
    assert "podinfo-error-rate" in str(raised.value) and "podinfo-complete-analysis" not in str(raised.value)


def test_every_string_format_is_described_in_words():
    """A pattern mismatch says what is allowed with an example, never the regex (config._FORMS)."""
    import typing

    from pydantic import BaseModel

    patterns: set[str] = set()

    def walk(annotation) -> None:
        patterns.update(m.pattern for m in getattr(annotation, "__metadata__", ()) if getattr(m, "pattern", None))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for field in annotation.model_fields.values():
                patterns.update(m.pattern for m in field.metadata if getattr(m, "pattern", None))
                walk(field.annotation)
        for arg in typing.get_args(annotation):
            walk(arg)

    walk(config.Platform)
    walk(config.Environment)
    assert len(patterns) >= 10
    assert sorted(patterns - config._FORMS.keys()) == []
