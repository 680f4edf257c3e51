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

from podinfo_canary import config
from tests.conftest import ROOT, run_main

# (id, file in tests/fixtures/config, text replaced (None: the whole file), replacement, the exact
# problems reported, paths relative to the configuration folder). The fixture, not config/, so an
# edit of the live configuration (a new environment, a tag bump) never changes this table.
BAD_INPUTS = [
    (
        "runbook-url-without-the-alert",
        "platform.yaml",
        "runbook_url: https://docs.fixture.example.test/runbooks/{alert}/",
        "runbook_url: https://docs.fixture.example.test/runbooks",
        [
            "platform.yaml:46: alerting.runbook_url = 'https://docs.fixture.example.test/runbooks': must be an https:// URL "
            "holding {alert} once, where the alert's name goes, such as https://docs.example.com/runbooks/{alert}/"
        ],
    ),
    (
        "replicas-not-a-number",
        "environments/edge.yaml",
        "replicas: 7",
        "replicas: seven",
        ["environments/edge.yaml:9: replicas = 'seven': input should be a valid integer; a whole number, such as replicas: 3"],
    ),
    (
        "replicas-zero",
        "environments/edge.yaml",
        "replicas: 7",
        "replicas: 0",
        ["environments/edge.yaml:9: replicas = 0: input should be greater than or equal to 1; allowed: 1 to 100"],
    ),
    (
        "replicas-too-many",
        "environments/edge.yaml",
        "replicas: 7",
        "replicas: 500",
        ["environments/edge.yaml:9: replicas = 500: input should be less than or equal to 100; allowed: 1 to 100"],
    ),
    (
        "replicas-as-text",
        "environments/edge.yaml",
        "replicas: 7",
        "replicas: '7'",
        ["environments/edge.yaml:9: replicas = '7': input should be a valid integer; a whole number, such as replicas: 3"],
    ),
    (
        "replicas-fraction",
        "environments/edge.yaml",
        "replicas: 7",
        "replicas: 7.5",
        ["environments/edge.yaml:9: replicas = 7.5: input should be a valid integer; a whole number, such as replicas: 3"],
    ),
    (
        "replicas-boolean",
        "environments/edge.yaml",
        "replicas: 7",
        "replicas: yes",
        ["environments/edge.yaml:9: replicas = yes: input should be a valid integer; a whole number, such as replicas: 3"],
    ),
    (
        "hosts-not-a-list",
        "environments/edge.yaml",
        "hosts: [edge.fixture.example.test, www.edge.fixture.example.test]",
        "hosts: edge.fixture.example.test",
        [
            "environments/edge.yaml:10: hosts = 'edge.fixture.example.test': input should be a valid list; a list, such as hosts: [edge.fixture.example.test]"
        ],
    ),
    (
        "hosts-empty",
        "environments/edge.yaml",
        "hosts: [edge.fixture.example.test, www.edge.fixture.example.test]",
        "hosts: []",
        [
            "environments/edge.yaml:10: hosts = []: list should have at least 1 item after validation, not 0; at least one, such as hosts: [podinfo.example.com]"
        ],
    ),
    (
        "host-uppercase",
        "environments/edge.yaml",
        "hosts: [edge.fixture.example.test,",
        "hosts: [Edge.fixture.example.test,",
        [
            "environments/edge.yaml:10: hosts[0] = 'Edge.fixture.example.test': must be a lowercase DNS name such as podinfo.example.com (letters, digits, '-', dots between labels)"
        ],
    ),
    (
        "host-with-scheme",
        "environments/edge.yaml",
        "hosts: [edge.fixture.example.test,",
        "hosts: [https://edge.fixture.example.test,",
        [
            "environments/edge.yaml:10: hosts[0] = 'https://edge.fixture.example.test': must be a lowercase DNS name such as podinfo.example.com (letters, digits, '-', dots between labels)"
        ],
    ),
    (
        "host-listed-twice",
        "environments/edge.yaml",
        "www.edge.fixture.example.test]",
        "edge.fixture.example.test]",
        ["environments/edge.yaml: hosts = 'edge.fixture.example.test': listed twice in hosts: remove one"],
    ),
    (
        "host-of-argo-cd",
        "environments/edge.yaml",
        "www.edge.fixture.example.test]",
        "cd.fixture.example.test]",
        ["environments/edge.yaml: hosts = 'cd.fixture.example.test': answered by Argo CD (argocd.host); choose another host for podinfo"],
    ),
    (
        "host-of-another-environment",
        "environments/canary-gw.yaml",
        "hosts: [gw.fixture.example.test]",
        "hosts: [edge.fixture.example.test]",
        [
            "environments/canary-gw.yaml:10: hosts = 'edge.fixture.example.test': already used by environments/edge.yaml (one DNS name reaches one environment); each environment needs its own"
        ],
    ),
    (
        "namespace-argocd",
        "environments/edge.yaml",
        "namespace: podinfo-edge",
        "namespace: argocd",
        [
            "environments/edge.yaml:2: namespace = 'argocd': belongs to Argo CD (argocd.namespace); an environment's namespace gets a default-deny NetworkPolicy and Pod Security `restricted`, which would cut that off: use a namespace of its own, such as namespace: podinfo-edge"
        ],
    ),
    (
        "namespace-kube-system",
        "environments/edge.yaml",
        "namespace: podinfo-edge",
        "namespace: kube-system",
        [
            "environments/edge.yaml:2: namespace = 'kube-system': belongs to Kubernetes itself; an environment's namespace gets a default-deny NetworkPolicy and Pod Security `restricted`, which would cut that off: use a namespace of its own, such as namespace: podinfo-edge"
        ],
    ),
    (
        "namespace-default",
        "environments/edge.yaml",
        "namespace: podinfo-edge",
        "namespace: default",
        [
            "environments/edge.yaml:2: namespace = 'default': belongs to Kubernetes itself; an environment's namespace gets a default-deny NetworkPolicy and Pod Security `restricted`, which would cut that off: use a namespace of its own, such as namespace: podinfo-edge"
        ],
    ),
    (
        "namespace-kube-prefix",
        "environments/edge.yaml",
        "namespace: podinfo-edge",
        "namespace: kube-extra",
        [
            "environments/edge.yaml:2: namespace = 'kube-extra': belongs to Kubernetes (the kube- prefix); an environment's namespace gets a default-deny NetworkPolicy and Pod Security `restricted`, which would cut that off: use a namespace of its own, such as namespace: podinfo-edge"
        ],
    ),
    (
        "namespace-monitoring-chart",
        "environments/edge.yaml",
        "namespace: podinfo-edge",
        "namespace: observability",
        [
            "environments/edge.yaml:2: namespace = 'observability': belongs to kube-prometheus-stack (charts.kube_prometheus_stack.namespace); an environment's namespace gets a default-deny NetworkPolicy and Pod Security `restricted`, which would cut that off: use a namespace of its own, such as namespace: podinfo-edge"
        ],
    ),
    (
        "namespace-rollouts-chart",
        "environments/edge.yaml",
        "namespace: podinfo-edge",
        "namespace: rollouts-system",
        [
            "environments/edge.yaml:2: namespace = 'rollouts-system': belongs to argo-rollouts (charts.argo_rollouts.namespace); an environment's namespace gets a default-deny NetworkPolicy and Pod Security `restricted`, which would cut that off: use a namespace of its own, such as namespace: podinfo-edge"
        ],
    ),
    (
        "namespace-uppercase",
        "environments/edge.yaml",
        "namespace: podinfo-edge",
        "namespace: Podinfo-Edge",
        ["environments/edge.yaml:2: namespace = 'Podinfo-Edge': must be a lowercase DNS label such as podinfo-qa (letters, digits, '-')"],
    ),
    (
        "namespace-too-long",
        "environments/edge.yaml",
        "namespace: podinfo-edge",
        "namespace: pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp",
        [
            "environments/edge.yaml:2: namespace = 'pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp': string should have at most 63 characters"
        ],
    ),
    (
        "namespace-of-another-environment-on-its-cluster",
        "environments/canary-gw.yaml",
        "namespace: podinfo-gw",
        "namespace: podinfo-edge\ncluster: {name: edge-cluster, server: 'https://edge.k8s.fixture.example.test'}",
        [
            "environments/canary-gw.yaml:2: namespace = 'podinfo-edge': already used by environments/edge.yaml on the same cluster (https://edge.k8s.fixture.example.test); each environment needs its own"
        ],
    ),
    (
        "tag-with-v-prefix",
        "environments/canary-gw.yaml",
        "tag: 6.14.1",
        "tag: v6.14.1",
        ["environments/canary-gw.yaml:4: image.tag = 'v6.14.1': podinfo's image tags have no leading v (6.14.1, not v6.14.1): tag: 6.14.1"],
    ),
    (
        "tag-read-as-a-number",
        "environments/canary-gw.yaml",
        "tag: 6.14.1",
        "tag: 6.10",
        [
            "environments/canary-gw.yaml:4: image.tag = 6.10: input should be a valid string; YAML reads 6.10 as the number 6.1: quote it: tag: '6.10'"
        ],
    ),
    (
        "tag-read-as-an-integer",
        "environments/canary-gw.yaml",
        "tag: 6.14.1",
        "tag: 6",
        ["environments/canary-gw.yaml:4: image.tag = 6: input should be a valid string; YAML reads 6 as the number 6: quote it: tag: '6'"],
    ),
    (
        "tag-latest",
        "environments/canary-gw.yaml",
        "tag: 6.14.1",
        "tag: latest",
        [
            "environments/canary-gw.yaml:4: image.tag = 'latest': 'latest' is mutable: pin an exact version such as 6.14.1 so Git says what runs"
        ],
    ),
    (
        "tag-with-spaces",
        "environments/canary-gw.yaml",
        "tag: 6.14.1",
        "tag: 6.14 .1",
        [
            "environments/canary-gw.yaml:4: image.tag = '6.14 .1': must be an image tag: letters, digits, '_', '.', '-', at most 128 characters"
        ],
    ),
    (
        "tag-in-repository",
        "environments/edge.yaml",
        "repository: registry.fixture.example.test/team/podinfo",
        "repository: registry.fixture.example.test/team/podinfo:6.9.0",
        [
            "environments/edge.yaml:7: image.repository = 'registry.fixture.example.test/team/podinfo:6.9.0': must not carry a tag or digest: put the tag in image.tag"
        ],
    ),
    (
        "repository-uppercase",
        "environments/edge.yaml",
        "repository: registry.fixture.example.test/team/podinfo",
        "repository: registry.fixture.example.test/Team/podinfo",
        [
            "environments/edge.yaml:7: image.repository = 'registry.fixture.example.test/Team/podinfo': must be an image repository such as ghcr.io/stefanprodan/podinfo (lowercase path)"
        ],
    ),
    (
        "digest-short",
        "environments/canary-gw.yaml",
        "tag: 6.14.1",
        "tag: 6.14.1\n  digest: sha256:abc",
        [
            "environments/canary-gw.yaml:5: image.digest = 'sha256:abc': must be an image digest: sha256: then 64 lowercase hex digits, such as the output of `crane digest`"
        ],
    ),
    (
        "promotion-from-unknown",
        "environments/canary-gw.yaml",
        "notifications:",
        "promotion: {from: egde}\nnotifications:",
        [
            "environments/canary-gw.yaml:26: promotion.from = 'egde': no such environment; allowed: edge, mesh, mesh-path "
            "(the other environments of platform.yaml); did you mean edge?"
        ],
    ),
    (
        "promotion-from-itself",
        "environments/canary-gw.yaml",
        "notifications:",
        "promotion: {from: canary-gw}\nnotifications:",
        [
            "environments/canary-gw.yaml:26: promotion.from = 'canary-gw': an environment cannot promote from itself; allowed: edge, mesh, mesh-path"
        ],
    ),
    (
        "promotion-cycle",
        "environments/edge.yaml",
        "replicas: 7",
        "replicas: 7\npromotion: {from: canary-gw}",
        [
            "environments/edge.yaml:10: promotion.from = 'canary-gw': makes a cycle (edge takes its version from canary-gw, canary-gw from edge): "
            "no version could ever enter it; every chain of promotion.from must end at an environment with no source "
            "(the first in platform.yaml environments, edge)"
        ],
    ),
    (
        "promotion-soak-too-long",
        "environments/canary-gw.yaml",
        "notifications:",
        "promotion: {soak: 200h}\nnotifications:",
        [
            "environments/canary-gw.yaml:26: promotion.soak = '200h': must be at most 168h (7 days): a longer soak holds every version for more than a week"
        ],
    ),
    (
        "promotion-soak-in-days",
        "environments/canary-gw.yaml",
        "notifications:",
        "promotion: {soak: 2d}\nnotifications:",
        [
            "environments/canary-gw.yaml:26: promotion.soak = '2d': must be a duration of hours, minutes and seconds such as 30s, 2m or 1h30m"
        ],
    ),
    (
        "tag-not-a-release-version",
        "environments/canary-gw.yaml",
        "tag: 6.14.1",
        "tag: main-4f2a9c1",
        [
            "environments/canary-gw.yaml:4: image.tag = 'main-4f2a9c1': must be a release version MAJOR.MINOR.PATCH such as 6.14.1, "
            "or a pre-release such as 6.15.0-rc.1 (docs/guides/delivery-flow.md: only versions deploy, never a branch or a moving name)"
        ],
    ),
    (
        "prerelease-in-a-protected-environment",
        "environments/canary-gw.yaml",
        "  tag: 6.14.1\n",
        "  tag: 6.15.0-rc.1\nprotected: true\n",
        [
            "environments/canary-gw.yaml:4: image.tag = '6.15.0-rc.1': a pre-release may not run in a protected environment: "
            "promote a release (MAJOR.MINOR.PATCH) here"
        ],
    ),
    (
        "digest-required",
        "environments/canary-gw.yaml",
        "notifications:",
        "require_digest: true\nnotifications:",
        [
            "environments/canary-gw.yaml:4: image.digest: required because require_digest is true: add the image's sha256:<64 hex> digest (e.g. `crane digest <image>:<tag>`)"
        ],
    ),
    (
        "pre-exposure-gateway-without-router",
        "environments/canary-gw.yaml",
        "  router: {namespace: gateway-system, service: public-gw-envoy, port: 443, target_port: 10443}",
        "",
        [
            "environments/canary-gw.yaml:32: pre_exposure.router: required when pre_exposure is enabled with traffic_router gatewayapi: the namespace, service and port of the Gateway's data-plane Service, where the tester's requests enter as a user's do"
        ],
    ),
    (
        "canary-path-prefix-root",
        "environments/edge.yaml",
        "  canary_path_prefix: /edge/canary/",
        "  canary_path_prefix: /",
        ["environments/edge.yaml:52: routing.canary_path_prefix = '/': must not be / itself: every request would reach the canary"],
    ),
    (
        "canary-path-prefix-without-trailing-slash",
        "environments/canary-gw.yaml",
        "  canary_path_prefix: /canary/",
        "  canary_path_prefix: /canary",
        [
            "environments/canary-gw.yaml:37: routing.canary_path_prefix = '/canary': must start and end with / (such as /canary/), so it matches whole path elements"
        ],
    ),
    (
        "canary-path-prefix-regex",
        "environments/edge.yaml",
        "  canary_path_prefix: /edge/canary/",
        "  canary_path_prefix: /edge/can.*/",
        [
            "environments/edge.yaml:52: routing.canary_path_prefix = '/edge/can.*/': must be path elements of letters, digits, '_' and '-', each followed by / (such as /canary/): no regex metacharacters, dots or empty elements, as ingress-nginx reads the path as a regex"
        ],
    ),
    (
        "canary-path-prefix-podinfo-route",
        "environments/canary-gw.yaml",
        "  canary_path_prefix: /canary/",
        "  canary_path_prefix: /api/canary/",
        [
            "environments/canary-gw.yaml:37: routing.canary_path_prefix = '/api/canary/': must not start with podinfo's own route /api: users' requests to it would reach the canary"
        ],
    ),
    (
        "pre-exposure-path-without-slash",
        "environments/edge.yaml",
        "  paths: [/api/info, /version, /headers]",
        "  paths: [/api/info, version]",
        [
            "environments/edge.yaml:47: pre_exposure.paths[1] = 'version': must be a URL path: / then letters, digits, '.', '_', '~', '-' or '/', such as /api/info"
        ],
    ),
    (
        "tester-tag-without-its-digest",
        "platform.yaml",
        "charts:",
        "tester:\n  tag: 6.12.0\ncharts:",
        [
            "platform.yaml:61: tester.digest: required when repository or tag is set: the sha256 digest of ghcr.io/stefanprodan/podinfo:6.12.0 (`crane digest` it); the default digest is only the default image's"
        ],
    ),
    (
        "misspelt-key",
        "environments/edge.yaml",
        "replicas: 7",
        "replcias: 7",
        [
            "environments/edge.yaml:9: replcias = 7: unknown key; allowed keys here: namespace, cluster, image, replicas, hosts, traffic_router, gateway, autoscaling, canary, slo, decision, pre_exposure, routing, notifications, secrets, require_digest, protected, promotion; did you mean replicas?"
        ],
    ),
    (
        "misspelt-nested-key",
        "environments/edge.yaml",
        "  error_rate_max: 0.02",
        "  error_rate_mx: 0.02",
        [
            "environments/edge.yaml:24: slo.error_rate_mx = 0.02: unknown key; allowed keys here: success_rate_min, error_rate_max, latency_p95_max_ms, latency_p99_max_ms, cpu_usage_max, memory_usage_max, saturation_interval, min_canary_requests, canary_restarts_max; did you mean error_rate_max?"
        ],
    ),
    (
        "misspelt-stage-key",
        "environments/edge.yaml",
        "      pause: 90s",
        "      paus: 90s",
        [
            "environments/edge.yaml:17: canary.stages[1].paus = '90s': unknown key; allowed keys here: weight, pause, gate, analysis; did you mean pause?"
        ],
    ),
    (
        "unknown-key",
        "environments/edge.yaml",
        "replicas: 7",
        "replicas: 7\nowner: team-a",
        [
            "environments/edge.yaml:10: owner = 'team-a': unknown key; allowed keys here: namespace, cluster, image, replicas, hosts, traffic_router, gateway, autoscaling, canary, slo, decision, pre_exposure, routing, notifications, secrets, require_digest, protected, promotion"
        ],
    ),
    (
        "name-key",
        "environments/edge.yaml",
        "replicas: 7",
        "replicas: 7\nname: edge2",
        ["environments/edge.yaml: name = 'edge2': unknown key; the environment is named by its file"],
    ),
    (
        "duplicate-key",
        "environments/edge.yaml",
        "replicas: 7",
        "replicas: 5\nreplicas: 7",
        [
            "environments/edge.yaml:10: replicas: given twice (first at line 9); YAML would silently keep only this last value: remove one of the two"
        ],
    ),
    (
        "duplicate-nested-key",
        "environments/edge.yaml",
        "  min_canary_requests: 25",
        "  min_canary_requests: 25\n  min_canary_requests: 30",
        [
            "environments/edge.yaml:31: slo.min_canary_requests: given twice (first at line 30); YAML would silently keep only this last value: remove one of the two"
        ],
    ),
    (
        "duplicate-platform-key",
        "platform.yaml",
        "prometheus_retention: 7d",
        "prometheus_retention: 7d\nprometheus_retention: 30d",
        [
            "platform.yaml:33: prometheus_retention: given twice (first at line 32); YAML would silently keep only this last value: remove one of the two"
        ],
    ),
    (
        "missing-image",
        "environments/canary-gw.yaml",
        "image:\n  tag: 6.14.1\n",
        "",
        ["environments/canary-gw.yaml: image: required field is missing"],
    ),
    (
        "missing-notifications",
        "environments/canary-gw.yaml",
        "notifications:\n  slack_channel: fixture-gw",
        "",
        ["environments/canary-gw.yaml: notifications: required field is missing"],
    ),
    (
        "weights-not-increasing",
        "environments/edge.yaml",
        "    - weight: 60",
        "    - weight: 15",
        ["environments/edge.yaml:19: canary.stages[2].weight = 15: must be greater than the previous stage (20) and at most 100"],
    ),
    (
        "weight-over-100",
        "environments/edge.yaml",
        "    - weight: 100",
        "    - weight: 120",
        [
            "environments/edge.yaml:21: canary.stages[3].weight = 120: input should be less than or equal to 100; allowed: more than 0, at most 100"
        ],
    ),
    (
        "last-stage-not-100",
        "environments/edge.yaml",
        "    - weight: 100\n",
        "",
        ["environments/edge.yaml:19: canary.stages[2].weight = 60: the last stage must be 100 (full promotion)"],
    ),
    (
        "weight-zero",
        "environments/edge.yaml",
        "    - weight: 5",
        "    - weight: 0",
        ["environments/edge.yaml:14: canary.stages[0].weight = 0: input should be greater than 0; allowed: more than 0, at most 100"],
    ),
    (
        "pause-without-unit",
        "environments/edge.yaml",
        "      pause: 90s",
        "      pause: 90",
        [
            "environments/edge.yaml:17: canary.stages[1].pause = 90: input should be a valid string; a duration needs its unit: pause: 90s, 90m or 90h"
        ],
    ),
    (
        "pause-in-words",
        "environments/edge.yaml",
        "      pause: 90s",
        "      pause: 90 seconds",
        [
            "environments/edge.yaml:17: canary.stages[1].pause = '90 seconds': must be a duration of hours, minutes and seconds such as 30s, 2m or 1h30m"
        ],
    ),
    (
        "pause-over-a-day",
        "environments/edge.yaml",
        "      pause: 1h",
        "      pause: 25h",
        [
            "environments/edge.yaml:20: canary.stages[2].pause = '25h': must be at most 24h: a longer soak holds the canary for days; use `gate: manual` to wait for a human"
        ],
    ),
    (
        "pause-zero",
        "environments/edge.yaml",
        "      pause: 90s",
        "      pause: 0s",
        ["environments/edge.yaml:17: canary.stages[1].pause = '0s': must be longer than zero"],
    ),
    (
        "pause-and-gate",
        "environments/edge.yaml",
        "      gate: manual",
        "      gate: manual\n      pause: 1m",
        [
            "environments/edge.yaml:15: canary.stages[0].gate = 'manual': a stage either pauses for a duration or waits at a manual gate, not both"
        ],
    ),
    (
        "gate-not-manual",
        "environments/edge.yaml",
        "      gate: manual",
        "      gate: auto",
        ["environments/edge.yaml:15: canary.stages[0].gate = 'auto': input should be 'manual'"],
    ),
    (
        "template-misspelt",
        "environments/edge.yaml",
        "analysis: [podinfo-error-rate, podinfo-request-rate]",
        "analysis: [podinfo-error-rates, podinfo-request-rate]",
        [
            "environments/edge.yaml:18: canary.stages[1].analysis[0] = 'podinfo-error-rates': must be one of podinfo-success-rate, podinfo-latency, podinfo-error-rate, podinfo-request-rate, podinfo-cpu-usage, podinfo-memory-usage; did you mean podinfo-error-rate?"
        ],
    ),
    (
        "background-template-in-a-stage",
        "environments/edge.yaml",
        "analysis: [podinfo-error-rate, podinfo-request-rate]",
        "analysis: [podinfo-complete-analysis]",
        [
            "environments/edge.yaml:18: canary.stages[1].analysis[0] = 'podinfo-complete-analysis': podinfo-complete-analysis runs in the background for the whole rollout; a stage names the blocking checks (podinfo-success-rate, podinfo-latency, podinfo-error-rate, podinfo-request-rate, podinfo-cpu-usage, podinfo-memory-usage)"
        ],
    ),
    (
        "analysis-not-a-list",
        "environments/edge.yaml",
        "analysis: [podinfo-error-rate, podinfo-request-rate]",
        "analysis: podinfo-error-rate",
        [
            "environments/edge.yaml:18: canary.stages[1].analysis = 'podinfo-error-rate': input should be a valid list; a list, such as analysis: [podinfo-error-rate]"
        ],
    ),
    (
        "ratio-as-percent",
        "environments/edge.yaml",
        "success_rate_min: 0.97",
        "success_rate_min: 97",
        ["environments/edge.yaml:23: slo.success_rate_min = 97: input should be less than or equal to 1; a ratio: 0.97 means 97%"],
    ),
    (
        "ratio-over-one",
        "environments/edge.yaml",
        "success_rate_min: 0.97",
        "success_rate_min: 1.5",
        [
            "environments/edge.yaml:23: slo.success_rate_min = 1.5: input should be less than or equal to 1; a ratio from 0 to 1: 0.95 means 95%"
        ],
    ),
    (
        "ratio-zero",
        "environments/edge.yaml",
        "error_rate_max: 0.02",
        "error_rate_max: 0",
        ["environments/edge.yaml:24: slo.error_rate_max = 0: input should be greater than 0; allowed: more than 0, at most 1"],
    ),
    (
        "latency-not-a-bucket",
        "environments/edge.yaml",
        "latency_p95_max_ms: 250",
        "latency_p95_max_ms: 300",
        [
            "environments/edge.yaml:25: slo.latency_p95_max_ms = 300: must be one of podinfo's histogram bucket bounds in ms (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000), so the share of slower requests is counted exactly"
        ],
    ),
    (
        "p99-below-p95",
        "environments/edge.yaml",
        "latency_p99_max_ms: 2500",
        "latency_p99_max_ms: 100",
        ["environments/edge.yaml:26: slo.latency_p99_max_ms = 100: must be at least latency_p95_max_ms (250)"],
    ),
    (
        "latency-with-unit",
        "environments/edge.yaml",
        "latency_p95_max_ms: 250",
        "latency_p95_max_ms: 250ms",
        [
            "environments/edge.yaml:25: slo.latency_p95_max_ms = '250ms': input should be a valid integer; a whole number, such as latency_p95_max_ms: 500"
        ],
    ),
    (
        "min-requests-zero",
        "environments/edge.yaml",
        "min_canary_requests: 25",
        "min_canary_requests: 0",
        ["environments/edge.yaml:30: slo.min_canary_requests = 0: input should be greater than or equal to 1; allowed: 1 to 1000000"],
    ),
    (
        "restarts-negative",
        "environments/edge.yaml",
        "canary_restarts_max: 1",
        "canary_restarts_max: -1",
        ["environments/edge.yaml:31: slo.canary_restarts_max = -1: input should be greater than or equal to 0; allowed: 0 to 100"],
    ),
    (
        "false-abort-too-big",
        "environments/edge.yaml",
        "false_abort_max: 0.002",
        "false_abort_max: 0.5",
        [
            "environments/edge.yaml:33: decision.false_abort_max = 0.5: input should be less than or equal to 0.2; allowed: more than 0, at most 0.2"
        ],
    ),
    (
        "bad-factor-one",
        "environments/edge.yaml",
        "bad_factor: 2.5",
        "bad_factor: 1",
        ["environments/edge.yaml:34: decision.bad_factor = 1: input should be greater than 1; allowed: more than 1, at most 10"],
    ),
    (
        "healthy-fraction-removed",
        "environments/edge.yaml",
        "bad_factor: 2.5",
        "healthy_fraction: 0.4",
        [
            "environments/edge.yaml:34: decision.healthy_fraction = 0.4: removed: the SLO itself is now the healthy share (a canary "
            "at or below it is aborted at most false_abort_max of the time); bad_factor sets the share it is tested against (SLO x bad_factor)"
        ],
    ),
    (
        "versus-stable-factor-one",
        "environments/canary-gw.yaml",
        "factor: 3,",
        "factor: 1,",
        [
            "environments/canary-gw.yaml:29: decision.versus_stable.factor = 1: input should be greater than 1; allowed: more than 1, at most 10"
        ],
    ),
    (
        "versus-stable-window-too-short",
        "environments/canary-gw.yaml",
        "window: 30m}",
        "window: 30s}",
        [
            "environments/canary-gw.yaml:29: decision.versus_stable.window = '30s': must be at least 1m: stable's share needs a few scrapes in the window"
        ],
    ),
    (
        "versus-stable-window-without-unit",
        "environments/canary-gw.yaml",
        "window: 30m}",
        "window: 30}",
        [
            "environments/canary-gw.yaml:29: decision.versus_stable.window = 30: input should be a valid string; a duration needs its unit: window: 30s, 30m or 30h"
        ],
    ),
    (
        "look-interval-without-unit",
        "environments/edge.yaml",
        "look_interval: 10s",
        "look_interval: 10",
        [
            "environments/edge.yaml:35: decision.look_interval = 10: input should be a valid string; a duration needs its unit: look_interval: 10s, 10m or 10h"
        ],
    ),
    (
        "evidence-wait-in-words",
        "environments/edge.yaml",
        "evidence_wait: 3m",
        "evidence_wait: three minutes",
        [
            "environments/edge.yaml:36: decision.evidence_wait = 'three minutes': must be a duration of hours, minutes and seconds such as 30s, 2m or 1h30m"
        ],
    ),
    (
        "router-unknown",
        "environments/edge.yaml",
        "traffic_router: nginx",
        "traffic_router: linkerd",
        ["environments/edge.yaml:11: traffic_router = 'linkerd': input should be 'nginx', 'gatewayapi' or 'istio'"],
    ),
    (
        "router-misspelt",
        "environments/edge.yaml",
        "traffic_router: nginx",
        "traffic_router: ngnix",
        ["environments/edge.yaml:11: traffic_router = 'ngnix': input should be 'nginx', 'gatewayapi' or 'istio'; did you mean nginx?"],
    ),
    (
        "gateway-without-gatewayapi",
        "environments/edge.yaml",
        "traffic_router: nginx",
        "traffic_router: nginx\ngateway: {name: gw, namespace: gw}",
        ["environments/edge.yaml:12: gateway = {name: gw, namespace: gw}: only used with traffic_router: gatewayapi"],
    ),
    (
        "gateway-cidr-host-bits",
        "environments/canary-gw.yaml",
        "data_plane_cidrs: [172.20.0.0/16,",
        "data_plane_cidrs: [172.20.0.1/16,",
        [
            "environments/canary-gw.yaml:17: gateway.data_plane_cidrs[0] = '172.20.0.1/16': is not a network address (host bits set, or not canonical): write 172.20.0.0/16"
        ],
    ),
    (
        "gateway-cidr-every-address",
        "environments/canary-gw.yaml",
        "data_plane_cidrs: [172.20.0.0/16,",
        "data_plane_cidrs: [0.0.0.0/0,",
        [
            "environments/canary-gw.yaml:17: gateway.data_plane_cidrs[0] = '0.0.0.0/0': would admit every address: name the data plane's own ranges"
        ],
    ),
    (
        "gateway-cidr-not-one",
        "environments/canary-gw.yaml",
        "data_plane_cidrs: [172.20.0.0/16,",
        "data_plane_cidrs: [172.20.0.0,",
        [
            "environments/canary-gw.yaml:17: gateway.data_plane_cidrs[0] = '172.20.0.0': must be a network in CIDR notation such as 10.20.0.0/16 or fd00::/64"
        ],
    ),
    (
        "gateway-redirect-on-the-https-listener",
        "environments/canary-gw.yaml",
        "https_listener: websecure",
        "https_listener: http",
        [
            "environments/canary-gw.yaml:13: gateway.http_listener = 'http': must differ from https_listener: the redirect to https would answer on the https listener itself (a loop)"
        ],
    ),
    (
        "gateway-listener-uppercase",
        "environments/canary-gw.yaml",
        "https_listener: websecure",
        "https_listener: WebSecure",
        [
            "environments/canary-gw.yaml:15: gateway.https_listener = 'WebSecure': must be a Kubernetes object name such as https (lowercase letters, digits, '-', '.')"
        ],
    ),
    (
        "gatewayapi-without-gateway",
        "environments/canary-gw.yaml",
        "gateway:\n  name: public-gw\n  namespace: gateway-system\n  https_listener: websecure\n"
        "  # A data plane that arrives from outside the Gateway's namespace (a managed load balancer's proxies).\n"
        '  data_plane_cidrs: [172.20.0.0/16, "fd00:20::/64"]\n',
        "",
        ["environments/canary-gw.yaml: gateway: required when traffic_router is 'gatewayapi' (name and namespace of the Gateway)"],
    ),
    (
        "email-not-an-address",
        "environments/edge.yaml",
        "email: [edge-oncall@fixture.example.test,",
        "email: [edge-oncall at fixture.example.test,",
        [
            "environments/edge.yaml:40: notifications.email[0] = 'edge-oncall at fixture.example.test': must be an e-mail address such as platform@example.com"
        ],
    ),
    (
        "slack-channel-with-hash",
        "environments/edge.yaml",
        "slack_channel: fixture-edge",
        "slack_channel: '#fixture-edge'",
        [
            "environments/edge.yaml:39: notifications.slack_channel = '#fixture-edge': must be a Slack channel name without '#': lowercase letters, digits, '-', '_', at most 80"
        ],
    ),
    (
        "cluster-server-http",
        "environments/edge.yaml",
        "server: https://edge.k8s.fixture.example.test",
        "server: http://edge.k8s.fixture.example.test",
        [
            "environments/edge.yaml:5: cluster.server = 'http://edge.k8s.fixture.example.test': must be an https:// URL such as https://kubernetes.default.svc"
        ],
    ),
    (
        "environment-name-uppercase",
        "platform.yaml",
        "environments: [edge, canary-gw, mesh, mesh-path]",
        "environments: [edge, Canary-GW, mesh, mesh-path]",
        ["platform.yaml:8: environments[1] = 'Canary-GW': must be a lowercase DNS label such as qa (letters, digits, '-')"],
    ),
    (
        "environment-listed-twice",
        "platform.yaml",
        "environments: [edge, canary-gw, mesh, mesh-path]",
        "environments: [edge, canary-gw, mesh, mesh-path, edge]",
        ["platform.yaml:8: environments[4] = 'edge': listed twice"],
    ),
    (
        "environment-reserved-argocd",
        "platform.yaml",
        "environments: [edge, canary-gw, mesh, mesh-path]",
        "environments: [edge, argocd, mesh, mesh-path]",
        ["platform.yaml:8: environments[1] = 'argocd': 'argocd' is reserved for the Argo CD bootstrap folder dist/argocd/"],
    ),
    (
        "environment-file-missing",
        "platform.yaml",
        "environments: [edge, canary-gw, mesh, mesh-path]",
        "environments: [edge, canary-gw, mesh, mesh-path, qa]",
        ["environments/qa.yaml: file not found (platform.yaml: environments lists 'qa')"],
    ),
    (
        "dist-path-elsewhere",
        "platform.yaml",
        "dist_path: dist",
        "dist_path: manifests",
        [
            "platform.yaml:6: git.dist_path = 'manifests': synth writes dist/ (main.py), so Argo CD would read a folder that never changes: dist_path: dist"
        ],
    ),
    (
        "dist-path-absolute",
        "platform.yaml",
        "dist_path: dist",
        "dist_path: /dist",
        ["platform.yaml:6: git.dist_path = '/dist': must be a relative folder path such as dist (no leading '/', no spaces)"],
    ),
    (
        "repo-url-http",
        "platform.yaml",
        "repo_url: https://git.example.test/platform/podinfo-fixture.git",
        "repo_url: http://git.example.test/platform/podinfo-fixture.git",
        [
            "platform.yaml:4: git.repo_url = 'http://git.example.test/platform/podinfo-fixture.git': must be an https:// URL such as https://github.com/example/podinfo-gitops.git"
        ],
    ),
    (
        "retention-fills-volume",
        "platform.yaml",
        "prometheus_retention_size: 20GB",
        "prometheus_retention_size: 90GB",
        [
            "platform.yaml:33: prometheus_retention_size = '90GB': must be at most 85% of prometheus_storage.size (100Gi): the WAL and compaction need the rest of the volume"
        ],
    ),
    (
        "retention-in-words",
        "platform.yaml",
        "prometheus_retention: 7d",
        "prometheus_retention: one week",
        ["platform.yaml:32: prometheus_retention = 'one week': must be a Prometheus duration such as 15d (ms, s, m, h, d, w, y)"],
    ),
    (
        "storage-not-a-quantity",
        "platform.yaml",
        "  size: 100Gi",
        "  size: 100GB",
        ["platform.yaml:35: prometheus_storage.size = '100GB': must be a Kubernetes quantity in Mi, Gi or Ti such as 50Gi"],
    ),
    (
        "alert-for-without-unit",
        "platform.yaml",
        "high_latency: {for: 15m,",
        "high_latency: {for: 15,",
        [
            "platform.yaml:48: alerting.rules.high_latency.for = 15: input should be a valid string; a duration needs its unit: for: 15s, 15m or 15h"
        ],
    ),
    (
        "alert-severity-unknown",
        "platform.yaml",
        "severity: warning}",
        "severity: page}",
        ["platform.yaml:49: alerting.rules.canary_analysis_failed.severity = 'page': input should be 'warning' or 'critical'"],
    ),
    (
        "alert-misspelt",
        "platform.yaml",
        "    high_latency:",
        "    high_latncy:",
        [
            "platform.yaml:48: alerting.rules.high_latncy = {for: 15m, severity: critical}: unknown key; allowed keys here: high_error_rate, low_success_rate, high_latency, instance_down, rollout_failed, canary_analysis_failed, canary_failed_while_paused, canary_error_logs; did you mean high_latency?"
        ],
    ),
    (
        "sso-secret-in-clear",
        "platform.yaml",
        "client_secret: $fixture-oidc:secret",
        "client_secret: hunter2",
        [
            "platform.yaml:19: argocd.sso.client_secret = 'hunter2': must be a reference $<secret-name>:<key> to a Secret in Argo CD's namespace, such as $argocd-oidc:client-secret; never the secret itself"
        ],
    ),
    (
        "rbac-group-with-space",
        "platform.yaml",
        "deployer_groups: [fixture-deployers,",
        "deployer_groups: [fixture deployers,",
        [
            "platform.yaml:22: argocd.rbac.deployer_groups[0] = 'fixture deployers': must be an SSO group name such as podinfo-deployers (letters, digits and . _ @ : / -, no spaces)"
        ],
    ),
    (
        "rbac-system-group",
        "platform.yaml",
        "viewer_groups: [fixture-readers]",
        "viewer_groups: ['system:masters']",
        [
            "platform.yaml:23: argocd.rbac.viewer_groups[0] = 'system:masters': groups starting 'system:' are Kubernetes' own; name an SSO group"
        ],
    ),
    (
        "log-retention-hours",
        "platform.yaml",
        "  retention: 30d",
        "  retention: 36h",
        ["platform.yaml:53: logging.retention = '36h': must be a whole number of days such as 7d"],
    ),
    (
        "plugin-digest-short",
        "platform.yaml",
        'sha256: "0000000000000000000000000000000000000000000000000000000000000000"',
        'sha256: "abc"',
        ["platform.yaml:41: gateway_api_plugin.sha256 = 'abc': must be a sha256 digest: 64 lowercase hex digits (sha256sum of the file)"],
    ),
    (
        "argocd-expose-unknown",
        "platform.yaml",
        "expose: loadbalancer",
        "expose: nodeport",
        ["platform.yaml:14: argocd.expose = 'nodeport': input should be 'ingress' or 'loadbalancer'"],
    ),
    (
        "rbac-without-sso",
        "platform.yaml",
        "  sso:\n    name: Fixture IdP\n    issuer: https://idp.fixture.example.test/realms/ops\n    client_id: argo-fixture\n    client_secret: $fixture-oidc:secret\n",
        "",
        [
            "platform.yaml:16: argocd.rbac = {admin_groups: [fixture-admins], deployer_groups: [fixture-deployers, fixture-oncall], viewer_groups: [fixture-readers]}: RBAC groups come only from SSO tokens: configure argocd.sso (issuer, client_id, client_secret as $secret:key) or remove the groups"
        ],
    ),
    (
        "sso-without-issuer",
        "platform.yaml",
        "    issuer: https://idp.fixture.example.test/realms/ops\n",
        "",
        ["platform.yaml:16: argocd.sso.issuer: required field is missing"],
    ),
    (
        "sso-without-groups-scope",
        "platform.yaml",
        "    client_id: argo-fixture",
        "    client_id: argo-fixture\n    requested_scopes: [openid, email]",
        [
            "platform.yaml:19: argocd.sso.requested_scopes = [openid, email]: must include groups: groups reach Argo CD's RBAC only through the token"
        ],
    ),
    (
        "gatewayapi-without-plugin-digest",
        "platform.yaml",
        '  sha256: "0000000000000000000000000000000000000000000000000000000000000000"\n',
        "",
        [
            "environments/canary-gw.yaml: traffic_router = 'gatewayapi': needs gateway_api_plugin.sha256 in platform.yaml (64 lowercase hex digits of gatewayapi-plugin-linux-amd64 v0.15.0; upstream publishes none, so compute it from the binary you reviewed)"
        ],
    ),
    (
        "environment-reserved-audit",
        "platform.yaml",
        "environments: [edge, canary-gw, mesh, mesh-path]",
        "environments: [edge, audit, mesh, mesh-path]",
        ["platform.yaml:8: environments[1] = 'audit': 'audit' is reserved for the audit policy folder dist/audit/"],
    ),
    (
        "dns-label-key-with-space",
        "platform.yaml",
        "logging:",
        "cluster_dns:\n  pod_labels: {k8s app: kube-dns}\nlogging:",
        [
            "platform.yaml:53: cluster_dns.pod_labels: key 'k8s app': must be a Kubernetes label key such as k8s-app or app.kubernetes.io/name (letters, digits, '-', '_', '.', at most 63 after the prefix)"
        ],
    ),
    (
        "two-problems-at-once",
        "environments/edge.yaml",
        "traffic_router: nginx",
        "traffic_router: linkerd\nreplica: 3",
        [
            "environments/edge.yaml:11: traffic_router = 'linkerd': input should be 'nginx', 'gatewayapi' or 'istio'",
            "environments/edge.yaml:12: replica = 3: unknown key; allowed keys here: namespace, cluster, image, replicas, hosts, traffic_router, gateway, autoscaling, canary, slo, decision, pre_exposure, routing, notifications, secrets, require_digest, protected, promotion; did you mean replicas?",
        ],
    ),
    (
        "malformed-yaml",
        "environments/edge.yaml",
        "replicas: 7",
        "replicas: [7",
        ["environments/edge.yaml:10:6: malformed YAML: expected ',' or ']', but got ':'"],
    ),
    (
        "file-is-a-list",
        "environments/canary-gw.yaml",
        None,
        "- a\n- b\n",
        ["environments/canary-gw.yaml: the file is a list ([a, b]); it must be a mapping of keys to values, one `key: value` per line"],
    ),
    (
        "file-is-empty",
        "environments/canary-gw.yaml",
        None,
        "",
        ["environments/canary-gw.yaml: the file is empty; it must be a mapping of keys to values, one `key: value` per line"],
    ),
    (
        "environment-file-unlisted",
        "environments/qa.yaml",
        None,
        "namespace: podinfo-qa\n",
        [
            "environments/qa.yaml: not listed in platform.yaml environments (edge, canary-gw, mesh, mesh-path): add it there or remove the file; an unlisted environment would be silently ignored"
        ],
    ),
    # The form of the out-of-band Secrets (config/secrets.py): the fixture takes the external form.
    (
        "secrets-form-misspelt",
        "platform.yaml",
        "  form: external",
        "  form: externl",
        [
            "platform.yaml:104: secrets.form = 'externl': input should be 'manual' or 'external'; did you mean external?",
        ],
    ),
    (
        "secrets-external-without-store",
        "platform.yaml",
        "  store: fixture-vault\n",
        "",
        [
            "platform.yaml:104: secrets.store: required when form is 'external': the name of the ClusterSecretStore to read from",
        ],
    ),
    (
        "secrets-store-not-a-name",
        "platform.yaml",
        "  store: fixture-vault",
        "  store: Fixture_Vault",
        [
            "platform.yaml:105: secrets.store = 'Fixture_Vault': must be a Kubernetes object name such as vault-backend (lowercase letters, digits, '-', '.')",
        ],
    ),
    (
        "secrets-refresh-without-unit",
        "platform.yaml",
        "  refresh_interval: 30m",
        "  refresh_interval: 30",
        [
            "platform.yaml:106: secrets.refresh_interval = 30: input should be a valid string; a duration needs its unit: refresh_interval: 30s, 30m or 30h",
        ],
    ),
    (
        "secrets-manual-with-a-store",
        "platform.yaml",
        "  form: external",
        "  form: manual",
        [
            "platform.yaml:105: secrets.store = 'fixture-vault': only used with form: external (form manual: the Secrets are created by hand, docs/operations/bootstrap.md \"Bootstrap a cluster\")",
        ],
    ),
    (
        "secrets-platform-secret-without-remote-key",
        "platform.yaml",
        "    podinfo-gitops-repo:\n      key: fixture/git/deploy-token\n      properties: {username: login, password: token}\n",
        "",
        [
            "platform.yaml:108: secrets.remote: names no remote key for podinfo-gitops-repo (keys username, password): with form external every Secret of the platform is read from ClusterSecretStore 'fixture-vault'",
        ],
    ),
    (
        "secrets-remote-name-misspelt",
        "platform.yaml",
        "    argocd-notifications-secret:",
        "    argocd-notification-secret:",
        [
            "platform.yaml:109: secrets.remote.argocd-notification-secret: not one of the Secrets read from the store here; they are: argocd-notifications-secret (key slack-token), argo-rollouts-notification-secret (keys slack-token, email-password), fixture-oidc (key secret), podinfo-gitops-repo (keys username, password)",
        ],
    ),
    (
        "secrets-environment-secret-in-platform",
        "platform.yaml",
        "    fixture-oidc:",
        "    alertmanager-slack: {key: fixture/gw/alertmanager}\n    fixture-oidc:",
        [
            "platform.yaml:113: secrets.remote.alertmanager-slack: alertmanager-slack lives in each environment's namespace: name its remote key under secrets.remote in config/environments/<env>.yaml",
        ],
    ),
    (
        "secrets-property-of-no-key",
        "platform.yaml",
        "{slack-token: slack, email-password: smtp}",
        "{slack-token: slack, smtp-password: smtp}",
        [
            "platform.yaml:112: secrets.remote.argo-rollouts-notification-secret.properties.smtp-password: not a key of argo-rollouts-notification-secret; its keys: slack-token, email-password",
        ],
    ),
    (
        "secrets-remote-key-padded",
        "platform.yaml",
        "      key: fixture/argocd/notifications",
        "      key: ' fixture/argocd'",
        [
            "platform.yaml:109: secrets.remote.argocd-notifications-secret.key = ' fixture/argocd': must be a key of the secret store such as podinfo/argocd-notifications (its path or name there; no line breaks, no leading or trailing spaces)",
        ],
    ),
    (
        "secrets-property-with-space",
        "platform.yaml",
        "{secret: client-secret}",
        "{secret: client secret}",
        [
            "platform.yaml:115: secrets.remote.fixture-oidc.properties.secret = 'client secret': must be a property of the remote secret such as slack-token (no spaces)",
        ],
    ),
    (
        "secrets-environment-without-remote-keys",
        "environments/canary-gw.yaml",
        "secrets:\n  remote:\n    alertmanager-slack: {key: fixture/gw/alertmanager, properties: {webhook-url: slack-webhook}}\n",
        "",
        [
            "environments/canary-gw.yaml: secrets.remote: names no remote key for alertmanager-slack (key webhook-url): secrets.form is 'external' in platform.yaml, so this environment's Secrets are read from ClusterSecretStore 'fixture-vault'; add them, or set secrets.form: manual here to create them by hand",
        ],
    ),
    (
        "secrets-smtp-without-email",
        "environments/canary-gw.yaml",
        "    alertmanager-slack: {key",
        "    alertmanager-smtp: {key: fixture/gw/smtp}\n    alertmanager-slack: {key",
        [
            "environments/canary-gw.yaml:41: secrets.remote.alertmanager-smtp: not one of the Secrets read from the store here; they are: alertmanager-slack (key webhook-url)",
        ],
    ),
    (
        "secrets-environment-manual-with-a-store",
        "environments/edge.yaml",
        "  store: edge-vault",
        "  form: manual\n  store: edge-vault",
        [
            "environments/edge.yaml:56: secrets.store = 'edge-vault': only used with form: external (form manual: the Secrets are created by hand, docs/operations/bootstrap.md \"Bootstrap a cluster\")",
        ],
    ),
    (
        "secrets-environment-property-of-no-key",
        "environments/edge.yaml",
        "{password: null}",
        "{passwd: null}",
        [
            "environments/edge.yaml:62: secrets.remote.alertmanager-smtp.properties.passwd = null: not a key of alertmanager-smtp; its keys: password",
        ],
    ),
    (
        "secrets-environment-form-misspelt",
        "environments/edge.yaml",
        "  store: edge-vault",
        "  form: manuel\n  store: edge-vault",
        [
            "environments/edge.yaml:55: secrets.form = 'manuel': input should be 'manual' or 'external'; did you mean manual?",
        ],
    ),
    (
        "secrets-environment-key-misspelt",
        "environments/edge.yaml",
        "  store: edge-vault",
        "  stor: edge-vault",
        [
            "environments/edge.yaml:55: secrets.stor = 'edge-vault': unknown key; allowed keys here: form, store, refresh_interval, remote; did you mean store?",
        ],
    ),
]


FIXTURE = ROOT / "tests" / "fixtures" / "config"


def _broken_config(tmp_path: Path, file: str, old: str | None, new: str) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(FIXTURE, folder)
    target = folder / file
    if old is None:
        target.write_text(new)
    else:
        text = target.read_text()
        assert old in text, f"{file} no longer holds {old!r}: update the case"
        target.write_text(text.replace(old, new, 1))
    return folder


def test_committed_configuration_is_valid(config):
    assert [e.name for e in config.environments] == list(config.platform.environments)


def test_the_table_covers_every_kind_of_mistake():
    assert len(BAD_INPUTS) >= 60
    assert len({case for case, *_ in BAD_INPUTS}) == len(BAD_INPUTS)


@pytest.mark.parametrize(("case", "file", "old", "new", "expected"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_gets_its_exact_message(tmp_path, case, file, old, new, expected):
    """File (and line), field, the value as typed, what is allowed and a hint that is right when copied."""
    folder = _broken_config(tmp_path, file, old, new)
    with pytest.raises(config.ConfigError) as raised:
        config.load(folder)
    assert [p.replace(f"{folder}/", "") for p in raised.value.problems] == expected
    for problem in raised.value.problems:
        assert problem.startswith(str(folder)), problem
        assert "None" not in problem and "['" not in problem, f"a Python repr: {problem}"


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
    for case, file, old, new, _ in BAD_INPUTS:
        root = tmp_path_factory.mktemp(case)
        folder = _broken_config(root, file, old, new)
        dist = root / "dist"
        shutil.copytree(ROOT / "dist", dist)
        digests[case] = (dist, _digest(dist), folder)
        runs.append((case, str(folder), str(dist)))
    result = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(ROOT)], cwd=ROOT, input=json.dumps(runs), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), digests


@pytest.mark.parametrize(("case", "file", "old", "new", "expected"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_main_exits_nonzero_without_traceback_and_leaves_dist_unchanged(main_results, case, file, old, new, expected):
    results, digests = main_results
    code, stdout, stderr = results[case]
    assert code == 2
    assert "Traceback" not in stderr
    dist, before, folder = digests[case]
    assert stderr.replace(f"{folder}/", "") == "error: invalid configuration, dist/ left unchanged\n" + "".join(f"{p}\n" for p in expected)
    assert stdout == ""
    assert _digest(dist) == before


def test_every_problem_is_reported_at_once():
    assert len(next(expected for case, *_, expected in BAD_INPUTS if case == "two-problems-at-once")) == 2


# An environment's `secrets:` over the platform's (config/secrets.py environment_source): with the
# platform's form manual, (file, old, new) edits of the fixture and the exact problems.
PLATFORM_MANUAL = ("platform.yaml", "secrets:\n  form: external", "secrets:\n  form: manual")
SECRETS_ACROSS_FILES = [
    (
        "settings-under-an-inherited-manual-form",
        [],
        [
            "environments/edge.yaml:55: secrets.store: only used with form external, and platform.yaml sets secrets.form 'manual' "
            "(created by hand): set secrets.form: external here to read this environment's Secrets from a store",
            "environments/canary-gw.yaml:40: secrets.remote: only used with form external, and platform.yaml sets secrets.form "
            "'manual' (created by hand): set secrets.form: external here to read this environment's Secrets from a store",
        ],
    ),
    (
        "an-external-environment-without-a-store",
        [
            ("environments/edge.yaml", "  store: edge-vault\n", "  form: external\n"),
            (
                "environments/canary-gw.yaml",
                "secrets:\n  remote:\n    alertmanager-slack: {key: fixture/gw/alertmanager, properties: {webhook-url: slack-webhook}}\n",
                "",
            ),
        ],
        [
            "environments/edge.yaml:55: secrets.store: required because secrets.form is 'external': the ClusterSecretStore on this "
            "environment's cluster (edge-cluster) to read its Secrets from (platform.yaml names none: its form is 'manual')",
        ],
    ),
]


def _platform_manual(folder: Path) -> None:
    """The fixture's platform.yaml with `secrets: {form: manual}` and nothing else under it; the
    Istio environments, bystanders here, lose their `secrets:` (each names only its remote key)."""
    file = folder / PLATFORM_MANUAL[0]
    text = file.read_text()
    file.write_text(text[: text.index("\nsecrets:")] + "\nsecrets:\n  form: manual\n")
    for name in ("mesh", "mesh-path"):
        env = folder / "environments" / f"{name}.yaml"
        lines = env.read_text()
        env.write_text(lines[: lines.index("# Its Alertmanager webhook")])


@pytest.mark.parametrize(("case", "edits", "expected"), SECRETS_ACROSS_FILES, ids=[c[0] for c in SECRETS_ACROSS_FILES])
def test_an_environments_secrets_settings_are_checked_against_the_platforms(tmp_path, case, edits, expected):
    folder = tmp_path / "config"
    shutil.copytree(FIXTURE, folder)
    _platform_manual(folder)
    for file, old, new in edits:
        text = (folder / file).read_text()
        assert old in text, f"{file} no longer holds {old!r}: update the case"
        (folder / file).write_text(text.replace(old, new, 1))
    with pytest.raises(config.ConfigError) as raised:
        config.load(folder)
    assert [p.replace(f"{folder}/", "") for p in raised.value.problems] == expected


def test_secrets_forms_resolve_per_environment():
    """The committed configuration keeps the manual form; the fixture's environments inherit the
    platform's external form and store, or name their own (edge, on its own cluster)."""
    committed = config.load(ROOT / "config")
    assert committed.platform.secrets.form == "manual"
    assert all(not config.environment_source(committed.platform.secrets, e.secrets).external for e in committed.environments)
    fixture = config.load(FIXTURE)
    sources = {e.name: config.environment_source(fixture.platform.secrets, e.secrets) for e in fixture.environments}
    assert (sources["canary-gw"].store, sources["canary-gw"].refresh_interval) == ("fixture-vault", "30m")
    assert (sources["edge"].store, sources["edge"].refresh_interval) == ("edge-vault", "5m")
    assert sources["edge"].remote["alertmanager-smtp"].property_of("password") is None  # the whole remote value
    assert sources["canary-gw"].remote["alertmanager-slack"].property_of("webhook-url") == "slack-webhook"
    # A key the properties leave out is read from the property of its own name.
    assert fixture.platform.secrets.remote["argocd-notifications-secret"].property_of("slack-token") == "slack-token"


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
    shutil.copytree(FIXTURE, folder)
    try:
        edge = folder / "environments/edge.yaml"
        edge.write_text(edge.read_text().replace("replicas: 7", "replicas: 0"))
        result = run_main(config_dir=folder, dist=tmp_path / "dist")
    finally:
        shutil.rmtree(folder)
    assert result.returncode == 2
    assert f".pytest_cache/config-{tmp_path.name}/environments/edge.yaml:9: replicas = 0" in result.stderr
    assert str(ROOT) not in result.stderr


WARNINGS = [
    (
        "a renamed key under its old name",
        "  saturation_interval: 45s",
        "  analysis_interval: 45s",
        "environments/edge.yaml:29: slo.analysis_interval is now called slo.saturation_interval; the old name still works: "
        "rename it to saturation_interval",
    ),
    (
        "a template listed twice",
        "analysis: [podinfo-error-rate, podinfo-request-rate]",
        "analysis: [podinfo-error-rate, podinfo-request-rate, podinfo-error-rate]",
        "environments/edge.yaml: canary.stages[1].analysis lists podinfo-error-rate more than once; Argo Rollouts runs "
        "a template once however often it is named (FilterUniqueTemplates)",
    ),
    (
        "a timed stage without checks",
        None,  # the fixture as it is
        None,
        "environments/edge.yaml: canary.stages[2] (60%) has no blocking checks: it promotes when its pause ends, judged "
        "only by the background analysis",
    ),
    (
        "the last environment unprotected",
        None,  # the fixture as it is
        None,
        "environments/mesh-path.yaml: protected = false for mesh-path, the last environment in promotion order: canaryctl "
        "will not ask before abort or promote --full there",
    ),
]


@pytest.mark.parametrize(("case", "old", "new", "warning"), WARNINGS, ids=[w[0] for w in WARNINGS])
def test_legal_but_surprising_input_is_a_warning(tmp_path, case, old, new, warning):
    """Legal, so it synthesizes (exit 0); surprising, so it is said on stderr."""
    folder = _broken_config(tmp_path, "environments/edge.yaml", old, new) if old else shutil.copytree(FIXTURE, tmp_path / "config")
    loaded = config.load(folder)
    assert warning in [w.replace(f"{folder}/", "") for w in loaded.warnings]


def test_a_clash_is_told_in_the_file_that_changed(tmp_path):
    """Copy an environment and forget to change its host: the copy, the uncommitted file, is blamed."""
    folder = _broken_config(tmp_path, "environments/canary-gw.yaml", "hosts: [gw.fixture.example.test]", "hosts: [gw.fixture.example.test]")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"], check=True)
    # edge.yaml changes now: it takes canary-gw's host, so edge.yaml (earlier in order) is the one to blame.
    edge = folder / "environments/edge.yaml"
    edge.write_text(edge.read_text().replace("www.edge.fixture.example.test]", "gw.fixture.example.test]"))
    with pytest.raises(config.ConfigError) as raised:
        config.load(folder)
    (problem,) = raised.value.problems
    assert problem.startswith(f"{edge}:10: hosts = 'gw.fixture.example.test': already used by {folder}/environments/canary-gw.yaml")


def test_synthesis_reports_one_line(fresh_synth):
    result = fresh_synth[1]
    assert re.fullmatch(r"\S+/: \d+ objects in \d+ files; \d+ changed(: .*)?\n", result.stdout), result.stdout


def test_unknown_template_message_lists_only_step_templates(tmp_path):
    folder = _broken_config(tmp_path, "environments/edge.yaml", "analysis: [podinfo-error-rate,", "analysis: [nope,")
    with pytest.raises(config.ConfigError) as raised:
        config.load(folder)
    assert "podinfo-error-rate" in str(raised.value) and "podinfo-complete-analysis" not in str(raised.value)


def test_every_string_format_is_described_in_words():
    """A pattern mismatch says what is allowed with an example, never the regex (config.FORMS)."""
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
    assert sorted(patterns - config.FORMS.keys()) == []


def test_alert_policies_left_out_keep_their_defaults_and_those_given_win():
    """The fixture's platform.yaml overrides three alerts; the other five keep config/alerts.py's row."""
    rules = config.load(FIXTURE).platform.alerting.rules
    assert list(rules) == list(config.DEFAULT_POLICIES)
    assert (rules["high_latency"].for_, rules["high_latency"].severity) == ("15m", "critical")
    assert (rules["canary_error_logs"].for_, rules["canary_error_logs"].severity) == ("10m", "critical")
    for key in set(config.DEFAULT_POLICIES) - {"high_latency", "canary_analysis_failed", "canary_error_logs"}:
        assert (rules[key].for_, rules[key].severity) == config.DEFAULT_POLICIES[key], key


def test_the_bad_share_must_stay_a_share(tmp_path):
    """SLO share x bad_factor is the share the absolute test is tested against: 0.2 x 9 is no share."""
    folder = _broken_config(tmp_path, "environments/edge.yaml", "error_rate_max: 0.02", "error_rate_max: 0.2")
    edge = folder / "environments/edge.yaml"
    edge.write_text(edge.read_text().replace("bad_factor: 2.5", "bad_factor: 9"))
    with pytest.raises(config.ConfigError) as raised:
        config.load(folder)
    assert [p.replace(f"{folder}/", "") for p in raised.value.problems] == [
        "environments/edge.yaml:34: decision.bad_factor = 9: times the largest SLO share (0.2) must stay below 1: less than 5 here"
    ]
