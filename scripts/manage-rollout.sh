#!/usr/bin/env bash
# Operate podinfo's rollouts: a thin wrapper over canaryctl (podinfo_canary/ctl), kept under the
# name of the original plan. Every subcommand takes canaryctl's options (--env, --help, ...).
set -euo pipefail

SUBCOMMANDS="status promote abort retry pause resume update-image promote-env rollback watch analysis metrics dashboard test-canary plan diff deploy"

usage() {
  cat <<USAGE
Usage: $(basename "$0") SUBCOMMAND [OPTIONS]

Operate podinfo's canary rollouts (each subcommand is \`canaryctl SUBCOMMAND\`):
  status        where the rollout is: step, weight, pauses, both versions, the analysis
  promote       past the manual gate (--full: straight to 100%)
  abort         send all traffic back to the stable version
  retry         run an aborted canary again
  pause         hold the rollout where it is
  resume        let a rollout a human paused go on where it was (spec.paused: false)
  update-image  a new image tag as a Git commit (never the cluster)
  promote-env   the version an environment runs, to the next one, on evidence
  rollback      abort a rollout in flight and commit the previous version
  watch         follow a rollout live until it completes or aborts
  analysis      the analysis runs and their measurements
  metrics       the analysis queries of dist/ on Prometheus, per track vs the SLO
  dashboard     Argo CD, Rollouts dashboard and Grafana URLs
  test-canary   send requests with and without X-Canary: always
  plan          the stage timeline of an environment
  diff          what a change does to the cluster, per environment (dist/ at two revisions)
  deploy        bootstrap a cluster (also scripts/deploy-argocd-canary.sh)

Example: $(basename "$0") status --env prod
Exit codes are canaryctl's, one table for every subcommand: \`canaryctl --help\` prints it
(2 also for an unknown subcommand or canaryctl not installed).
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -x "$here/.venv/bin/canaryctl" ]]; then
  canaryctl="$here/.venv/bin/canaryctl"
elif command -v canaryctl >/dev/null 2>&1; then
  canaryctl="$(command -v canaryctl)"
else
  echo "$(basename "$0"): canaryctl is not installed: run \`make setup\` in $here" >&2
  exit 2
fi

if [[ $# -eq 0 || "$1" == "-h" || "$1" == "--help" ]]; then
  usage
  exit 0
fi
subcommand="$1"
shift
if [[ " $SUBCOMMANDS " != *" $subcommand "* ]]; then
  echo "$(basename "$0"): unknown subcommand '$subcommand'; one of: $SUBCOMMANDS" >&2
  exit 2
fi
exec "$canaryctl" "$subcommand" "$@"
