"""The pre-exposure tester: one POSIX shell script, run by the acceptance and the load Job.

Both Jobs send their requests to the traffic router's data-plane Service with the environment's
host name (`curl --connect-to`: SNI, Host and certificate as for a user) and `X-Canary: always`,
so they take the route a user's request takes and the header sends them to the canary while it
has 0% of user traffic. Shared by the construct (charts/environment/preexposure.py), the model
(model/controller.py reads the Jobs' environment from dist/) and tests/core/test_tester.py, which
runs this script with curl against a stand-in podinfo.

MODE=acceptance checks, in order:
1. `/` answers 200 from a canary pod: podinfo's `hostname` is the pod name, which starts with
   `podinfo-<canary hash>-`. A stable pod answering means the header route does not reach the
   canary (so the whole phase would judge nothing); retried ATTEMPTS times, 3 s apart, because
   the router may need a moment after the canary pods became ready.
2. `/version` answers 200 with `"version": "<tag>"`, the tag of EXPECTED_IMAGE: the image the
   Rollout runs, which Git says (the Rollout passes it, IMAGE_ARG); skipped when that is empty.
3. `/api/info` answers 200 with a `hostname` (the JSON API, not only the page).
It exits 1 at the first failure, printing what it got: the Job fails and the AnalysisRun with it.

MODE=load sends REQUESTS requests at RATE per second over PATHS in turn (one curl, `--rate`,
keep-alive), then prints the status codes it got. It fails only when fewer than ANSWERED_MIN_PERCENT were answered
at all (the route went away): the statuses are for the sequential tests to judge, from podinfo's
own counters.
"""

from __future__ import annotations

# The acceptance template's argument: the image the Rollout runs, read from the Rollout when the
# AnalysisRun is created (valueFrom.fieldRef; upstream: argo-rollouts v1.9.1 utils/analysis/factory.go
# extractValueFromRollout splits the path at '.', '[' and ']', so a label key with dots cannot be
# named, the container's image can).
IMAGE_ARG = "canary-image"
IMAGE_PLACEHOLDER = "{{args." + IMAGE_ARG + "}}"
IMAGE_FIELD = "spec.template.spec.containers[0].image"
# The label that tells the tester's pods apart (NetworkPolicy, the model); its value is the MODE.
TESTER_NAME = "podinfo-tester"
MODE_LABEL = "podinfo.example.com/tester"
ACCEPTANCE, LOAD = "acceptance", "load"
RETRY_SECONDS = 3
# A tester Job's pod, from the Job's creation to its script running (its image is present:
# IfNotPresent, and the tester image does not change between rollouts). An estimate: the plan
# and the controller model count it into each Job's time.
START_SECONDS = 3
# The Job controller sets the Job's Complete or Failed condition after its pod ends, which wakes
# the AnalysisRun (upstream: argo-rollouts v1.9.1 analysis/controller.go enqueueJobIfCompleted).
JOB_CONDITION_SECONDS = 1


def passing_seconds(job_env: dict[str, str]) -> int:
    """How long a passing tester Job takes, from its creation to its Complete condition: the pod's
    start, the acceptance test's route check then its second second (/version, /api/info), or the
    load's paced requests, then the Job's condition."""
    work = -(-int(job_env["REQUESTS"]) // int(job_env["RATE"])) if job_env["MODE"] == LOAD else 1
    return START_SECONDS + work + JOB_CONDITION_SECONDS


ANSWERED_MIN_PERCENT = 90  # the load fails below this share of answered requests

SCRIPT = r"""set -eu
: "${MODE:?}" "${HOST:?}" "${ROUTE:?}" "${SCHEME:?}" "${HEADER:?}"
port=443
[ "$SCHEME" = http ] && port=80
dir=${TMPDIR:-/tmp}
body=$dir/body
fetch() {
  curl --silent --show-error --max-time 5 --connect-to "$HOST:$port:$ROUTE" -H "$HEADER: always" \
    -o "$body" -w '%{http_code}' "$SCHEME://$HOST$1" 2>$dir/curl.err || true
}
fail() {
  echo "FAIL: $*"
  [ -s "$body" ] && head -c 400 "$body" && echo
  [ -s $dir/curl.err ] && cat $dir/curl.err
  exit 1
}
field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" "$body" | head -n 1; }

if [ "$MODE" = acceptance ]; then
  : "${CANARY_POD_PREFIX:?}" "${ATTEMPTS:?}" "${RETRY_SECONDS:?}"
  attempt=1
  while :; do
    : > "$body"
    code=$(fetch /)
    pod=$(field hostname)
    case "$code:$pod" in
      "200:$CANARY_POD_PREFIX"*) break ;;
    esac
    [ "$attempt" -ge "$ATTEMPTS" ] && fail "/ through the header route answered ${code:-nothing} from '${pod:-no pod}', not from a canary pod (${CANARY_POD_PREFIX}*), after $attempt attempts"
    attempt=$((attempt + 1))
    sleep "$RETRY_SECONDS"
  done
  echo "ok: / answered 200 from canary pod $pod (attempt $attempt)"
  if [ -n "${EXPECTED_IMAGE:-}" ]; then
    reference=${EXPECTED_IMAGE%@*}
    EXPECTED_VERSION=${reference##*:}
    code=$(fetch /version)
    [ "$code" = 200 ] || fail "/version answered $code"
    version=$(field version)
    [ "$version" = "$EXPECTED_VERSION" ] || fail "/version says '${version:-nothing}', Git says '$EXPECTED_VERSION'"
    echo "ok: /version is $version"
  fi
  code=$(fetch /api/info)
  [ "$code" = 200 ] || fail "/api/info answered $code"
  [ -n "$(field hostname)" ] || fail "/api/info answered 200 without a hostname"
  echo "ok: /api/info answered 200"
  exit 0
fi

if [ "$MODE" = load ]; then
  : "${REQUESTS:?}" "${RATE:?}" "${PATHS:?}" "${ANSWERED_MIN_PERCENT:?}"
  : > $dir/urls
  i=0
  while [ "$i" -lt "$REQUESTS" ]; do
    for path in $PATHS; do
      [ "$i" -lt "$REQUESTS" ] || break
      printf 'url = "%s://%s%s"\noutput = "/dev/null"\n' "$SCHEME" "$HOST" "$path" >> $dir/urls
      i=$((i + 1))
    done
  done
  curl --silent --max-time 5 --rate "$RATE/s" --connect-to "$HOST:$port:$ROUTE" -H "$HEADER: always" \
    -w '%{http_code}\n' -K $dir/urls > $dir/codes 2>$dir/curl.err || true
  answered=$(grep -c -v '^000$' $dir/codes || true)
  echo "sent $REQUESTS requests at $RATE/s over: $PATHS; answered: $answered"
  sort $dir/codes | uniq -c
  [ $((answered * 100)) -ge $((REQUESTS * ANSWERED_MIN_PERCENT)) ] || fail "only $answered of $REQUESTS requests were answered"
  exit 0
fi
fail "unknown MODE '$MODE'"
"""
