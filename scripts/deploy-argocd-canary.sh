#!/usr/bin/env bash
# Bootstrap a cluster in one command: a thin wrapper over `canaryctl deploy`, kept under the name
# of the original plan. Options: --context NAME, --dry-run, --timeout SECONDS, --help.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -x "$here/.venv/bin/canaryctl" ]]; then
  canaryctl="$here/.venv/bin/canaryctl"
elif command -v canaryctl >/dev/null 2>&1; then
  canaryctl="$(command -v canaryctl)"
else
  echo "$(basename "$0"): canaryctl is not installed: run \`make setup\` in $here" >&2
  exit 2
fi
exec "$canaryctl" deploy "$@"
