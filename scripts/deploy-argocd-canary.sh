#!/usr/bin/env bash
# Bootstrap a cluster in one command: `canaryctl deploy` (through manage-rollout.sh), kept under
# the name of the original plan. Options: --context NAME, --dry-run, --timeout SECONDS, --help.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/manage-rollout.sh" deploy "$@"
