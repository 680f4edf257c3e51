"""The pre-exposure tester: one POSIX shell script, run by the acceptance and the load Job.

Both Jobs send their requests to the traffic router's data-plane Service with the environment's
host name (`curl --connect-to`: SNI, Host and certificate as for a user) and `X-Canary: always`,
so they take the route a user's request takes and the header sends them to the canary while it
has 0% of user traffic. Shared by the construct (charts/environment/preexposure.py), the model
(model/world.py `PreExposureJob` reads the Jobs' environment from dist/) and tests/core/test_tester.py,
which runs this script with curl against a stand-in podinfo.

MODE=acceptance checks, in order, each retried up to ATTEMPTS times RETRY_SECONDS apart until it
answers 200 (a sporadic error is the sequential tests' to weigh, not a reason to abort; the router
may also need a moment after the canary pods became ready), and fails at once on a wrong answer:
1. the route: `/` answers from a canary pod (podinfo's `hostname` is the pod name, which starts
   with `podinfo-<canary hash>-`). A stable pod answering means the header route does not reach
   the canary, and the whole phase would judge nothing.
2. the version: `/version` says the tag of EXPECTED_IMAGE, the image the Rollout runs (the Rollout
   passes it, IMAGE_ARG); skipped when EXPECTED_IMAGE is empty.
3. the JSON API: `/api/info` answers from a canary pod.
4. the UI: `/` with a browser's User-Agent answers HTML (podinfo serves browsers its page,
   other clients the JSON of check 1: pkg/api/http/server.go routes `^Mozilla` to indexHandler).
It exits 1 at the first failure, printing what it got: the Job fails and the AnalysisRun with it.

MODE=load sends REQUESTS requests over PATHS in turn, at RATE per second in all, from CONCURRENCY
curl processes (each one `--rate`-paced and keep-alive; one process alone would wait for each
answer, so a canary slower than 1/RATE per request would stretch the load). It fails when more
than 100 - ANSWERED_MIN_PERCENT percent got no answer from podinfo (no answer, or the router's
502/503/504: no canary pod answered), or when the header route no longer reaches a canary pod at
the end. The statuses themselves are for the sequential tests to judge, from podinfo's counters.
"""

from __future__ import annotations

# The acceptance template's argument: the image the Rollout runs, read from the Rollout when the
# AnalysisRun is created (valueFrom.fieldRef; upstream: argo-rollouts v1.9.1 utils/analysis/factory.go
# BuildArgumentsForRolloutAnalysisRun: a path outside `metadata` goes to extractValueFromRollout,
# which splits it at '.', '[' and ']', so the pod template's version label, whose key has dots,
# cannot be named; the container's image can).
IMAGE_ARG = "canary-image"
IMAGE_PLACEHOLDER = "{{args." + IMAGE_ARG + "}}"
IMAGE_FIELD = "spec.template.spec.containers[0].image"
# The label that tells the tester's pods apart (NetworkPolicy, the model); its value is the MODE.
TESTER_NAME = "podinfo-tester"
MODE_LABEL = "podinfo.example.com/tester"
ACCEPTANCE, LOAD = "acceptance", "load"
RETRY_SECONDS = 3
ANSWERED_MIN_PERCENT = 90
# A tester Job's pod, from the Job's creation to its script running (its image is present:
# IfNotPresent, and the tester image does not change between rollouts). An estimate: the plan
# and the controller model count it into each Job's time.
START_SECONDS = 3
# The Job controller sets the Job's Complete or Failed condition after its pod ends, which wakes
# the AnalysisRun (upstream: argo-rollouts v1.9.1 analysis/controller.go enqueueJobIfCompleted).
JOB_CONDITION_SECONDS = 1


def job_env(metric: dict) -> dict[str, str]:
    """The environment of a Job metric's (only) container: MODE and its settings."""
    (container,) = metric["provider"]["job"]["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value", "") for e in container.get("env", [])}


def passing_seconds(job_env: dict[str, str]) -> int:
    """How long a passing tester Job takes, from its creation to its Complete condition: the pod's
    start; the acceptance test's route check, then its other checks the next second; or the load's
    paced requests, its route check in the second after them; then the Job's condition."""
    work = -(-int(job_env["REQUESTS"]) // int(job_env["RATE"])) if job_env["MODE"] == LOAD else 1
    return START_SECONDS + work + JOB_CONDITION_SECONDS


SCRIPT = r"""set -eu
: "${MODE:?}" "${HOST:?}" "${ROUTE:?}" "${SCHEME:?}" "${HEADER:?}" "${CANARY_POD_PREFIX:?}" "${ATTEMPTS:?}" "${RETRY_SECONDS:?}"
port=443
[ "$SCHEME" = http ] && port=80
dir=${TMPDIR:-/tmp}
body=$dir/body
fetch() {
  : > "$body"
  curl --silent --show-error --max-time 5 --connect-to "$HOST:$port:$ROUTE" -H "$HEADER: always" -A "${2:-podinfo-tester}" \
    -o "$body" -w '%{http_code}' "$SCHEME://$HOST$1" 2>"$dir/curl.err" || true
}
fail() {
  echo "FAIL: $*"
  [ -s "$body" ] && head -c 400 "$body" && echo
  [ -s "$dir/curl.err" ] && cat "$dir/curl.err"
  exit 1
}
field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" "$body" | head -n 1; }
# until_ok PATH TEST [USER-AGENT]: fetch PATH until it answers 200 and TEST passes on the answer.
until_ok() {
  attempt=1
  while :; do
    code=$(fetch "$1" "${3:-}")
    [ "$code" = 200 ] && $2 && return 0
    [ "$attempt" -ge "$ATTEMPTS" ] && return 1
    attempt=$((attempt + 1))
    sleep "$RETRY_SECONDS"
  done
}
from_canary() { case "$(field hostname)" in "$CANARY_POD_PREFIX"*) return 0 ;; esac; return 1; }
has_version() { [ -n "$(field version)" ]; }
is_html() { grep -qi '<html' "$body"; }
route() {
  until_ok / from_canary \
    || fail "/ through the header route answered ${code:-nothing} from '$(field hostname)', not from a canary pod (${CANARY_POD_PREFIX}*), after $attempt attempts"
  echo "ok: / answered 200 from canary pod $(field hostname) (attempt $attempt)"
}

if [ "$MODE" = acceptance ]; then
  route
  if [ -n "${EXPECTED_IMAGE:-}" ]; then
    reference=${EXPECTED_IMAGE%@*}
    expected=${reference##*:}
    until_ok /version has_version || fail "/version answered $code, after $attempt attempts"
    version=$(field version)
    [ "$version" = "$expected" ] || fail "/version says '$version', Git says '$expected' ($EXPECTED_IMAGE)"
    echo "ok: /version is $version"
  fi
  until_ok /api/info from_canary || fail "/api/info answered $code from '$(field hostname)', after $attempt attempts"
  echo "ok: /api/info answered 200 from a canary pod"
  until_ok / is_html 'Mozilla/5.0 (podinfo-tester)' || fail "/ answered $code to a browser, not its page, after $attempt attempts"
  echo "ok: / answered a browser its page"
  exit 0
fi

if [ "$MODE" = load ]; then
  : "${REQUESTS:?}" "${RATE:?}" "${PATHS:?}" "${CONCURRENCY:?}" "${ANSWERED_MIN_PERCENT:?}"
  # Each process its share of the requests, every CONCURRENCY-th one, paced at its share of RATE.
  per_minute=$((RATE * 60 / CONCURRENCY))
  [ "$per_minute" -ge 1 ] || per_minute=1
  process=0
  while [ "$process" -lt "$CONCURRENCY" ]; do : > "$dir/urls.$process"; process=$((process + 1)); done
  i=0
  while [ "$i" -lt "$REQUESTS" ]; do
    for path in $PATHS; do
      [ "$i" -lt "$REQUESTS" ] || break
      printf 'url = "%s://%s%s"\noutput = "/dev/null"\n' "$SCHEME" "$HOST" "$path" >> "$dir/urls.$((i % CONCURRENCY))"
      i=$((i + 1))
    done
  done
  process=0
  while [ "$process" -lt "$CONCURRENCY" ]; do
    if [ -s "$dir/urls.$process" ]; then
      curl --silent --max-time 5 --rate "$per_minute/m" --connect-to "$HOST:$port:$ROUTE" -H "$HEADER: always" -A podinfo-tester \
        -w '%{http_code}\n' -K "$dir/urls.$process" > "$dir/codes.$process" 2>>"$dir/curl.err" &
    fi
    process=$((process + 1))
  done
  wait
  cat "$dir"/codes.* > "$dir/codes"
  unanswered=$(grep -c -E '^(000|502|503|504)$' "$dir/codes" || true)
  sent=$(grep -c '' "$dir/codes" || true)
  echo "sent $sent requests at $RATE/s from $CONCURRENCY processes over: $PATHS; not answered by podinfo: $unanswered"
  sort "$dir/codes" | uniq -c
  [ "$sent" -eq "$REQUESTS" ] || fail "sent $sent of $REQUESTS requests"
  [ $(((REQUESTS - unanswered) * 100)) -ge $((REQUESTS * ANSWERED_MIN_PERCENT)) ] \
    || fail "$unanswered of $REQUESTS requests got no answer from podinfo"
  route
  exit 0
fi
fail "unknown MODE '$MODE'"
"""
