"""The names every part of the project shares for podinfo's workload, in a module without jsii.

canaryctl imports it without starting Node; core/promql.py and the constructs import them from here."""

import re


def sanitize(label: str) -> str:
    """A Kubernetes label name as Prometheus writes it in a label name.

    upstream: prometheus-operator v0.93.0 pkg/prometheus/promcfg.go sanitizeLabelName; Prometheus'
    Kubernetes discovery, strutil.SanitizeLabelName."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", label)


# The workload: the Rollout, its pods (<name>-<hash>-<suffix>), container and PodMonitor share it.
WORKLOAD = "podinfo"
# The Argo Rollouts controller labels each ReplicaSet and its pods with the pod-template hash; the
# PodMonitor copies the label onto every series under its sanitized name.
HASH_LABEL = "rollouts-pod-template-hash"
HASH_SERIES_LABEL = sanitize(HASH_LABEL)
# The Rollout labels canary and stable pods (canaryMetadata/stableMetadata), relabelling running pods
# in place at promotion (upstream: argo-rollouts v1.9.1 rollout/ephemeralmetadata.go
# reconcileEphemeralMetadata); the PodMonitor copies the label, sanitized (upstream:
# prometheus-operator v0.93.0 pkg/prometheus/promcfg.go sanitizeLabelName), so alerts and
# dashboards tell the tracks apart without knowing any hash.
TRACK_LABEL = "podinfo.example.com/track"
TRACK_SERIES_LABEL = sanitize(TRACK_LABEL)
# The AnalysisTemplates' argument for the canary's pod-template hash, and how a query names it.
CANARY_HASH_ARG = "canary-hash"
CANARY_HASH_PLACEHOLDER = "{{args." + CANARY_HASH_ARG + "}}"
# And the stable ReplicaSet's, the relative judge's reference (the Rollout passes it as
# podTemplateHashValue Stable; upstream: argo-rollouts v1.9.1 utils/analysis/factory.go
# BuildArgumentsForRolloutAnalysisRun reads it from status.stableRS's ReplicaSet).
STABLE_HASH_ARG = "stable-hash"
STABLE_HASH_PLACEHOLDER = "{{args." + STABLE_HASH_ARG + "}}"
# The request header that sends a request to the canary through ingress-nginx: `always` routes it
# to the canary, `never` to the stable pods (ingress-nginx annotations.md, canary-by-header; the
# Rollout sets the annotation on its canary Ingress, rollout.py).
CANARY_HEADER = "X-Canary"
# The Services the Rollout moves traffic between (strategy.canary.stableService/canaryService).
STABLE_SERVICE = f"{WORKLOAD}-stable"
CANARY_SERVICE = f"{WORKLOAD}-canary"
# traffic_router gatewayapi: the HTTPRoute the plugin manages (named WORKLOAD), the managed route
# its setHeaderRoute steps write into it (a rule of this name: Gateway API plugin v0.15.0
# pkg/plugin/httproute.go setHTTPHeaderRoute), and the route that redirects plain HTTP to https.
HEADER_ROUTE = "canary-header"
MIRROR_ROUTE = "canary-mirror"  # Istio's mirror route (setMirrorRoute), a managed route like the header's
REDIRECT_ROUTE = f"{WORKLOAD}-https-redirect"
# The Grafana dashboard's uid (dashboard.py builds it, canaryctl links to it).
DASHBOARD_UID = "podinfo-canary"
# podinfo's shutdown on SIGTERM: readiness fails, it waits 3 s for routers to notice, then its
# servers stop (podinfo 6.14.1 pkg/signals/shutdown.go Graceful): its pod is gone about this long
# after it is deleted, and with it its scrape target.
PODINFO_SHUTDOWN_SECONDS = 5
