"""`make test` runs this first: one line per missing prerequisite, with its fix, and a non-zero exit.

The tests need the pinned CRDs (schema checks, `make import` reproduction), promtool and the
prometheus server (PromQL and the controller-model scenarios), go (notification templates) and
amtool (alert routing), gojq (Argo CD's jq, on the ignoreDifferences of the Gateway API route), chromium
(the docs site's diagrams, rendered in a real browser), checkov (the security scan of dist/),
check-jsonschema and zizmor (the pipeline files, tests/test_pipelines.py).
Without this check a missing one surfaces as dozens of failures with the useful line buried.
"""

from __future__ import annotations

import shutil
import sys

from tools import crds

TOOLS = {
    "promtool": "install the Debian package `prometheus` (apt-get install prometheus); .ci/run does",
    "prometheus": "install the Debian package `prometheus` (apt-get install prometheus); .ci/run does",
    "go": "install the Debian package `golang-go` (apt-get install golang-go); .ci/run does",
    "amtool": "install the Debian package `prometheus-alertmanager` (apt-get install prometheus-alertmanager); .ci/run does",
    "curl": "install the Debian package `curl` (apt-get install curl); .ci/run does (the pre-exposure tester's script runs on it)",
    "busybox": "install the Debian package `busybox` (apt-get install busybox); .ci/run does (the tester's image runs busybox's ash)",
    "openssl": "install the Debian package `openssl` (apt-get install openssl); .ci/run does (the tester's TLS check makes a certificate)",
    "gojq": "install the Debian package `gojq` (apt-get install gojq); .ci/run does (Argo CD's jq engine, for the HTTPRoute's ignoreDifferences)",
    "chromium": "install the Debian package `chromium` (apt-get install chromium); .ci/run does (the docs site's diagrams render in it)",
    "checkov": "run the tests with `make test`, which installs it into .tools/checkov and puts it on PATH",
    "check-jsonschema": "run `make setup` (a dev package of Pipfile.lock, in .venv/bin): it validates .github/workflows/ offline",
    "zizmor": "run `make setup` (a dev package of Pipfile.lock, in .venv/bin): it audits .github/workflows/ offline",
}


def problems(before_install: bool = False) -> list[str]:
    """before_install: what `make test` cannot install itself (checkov it installs next)."""
    tools = {t: fix for t, fix in TOOLS.items() if not (before_install and t == "checkov")}
    found = [f"missing: {tool}: {fix}" for tool, fix in tools.items() if shutil.which(tool) is None]
    unresolved = []
    for crd in crds.pinned():
        try:
            crds.fetch(crd)
        except crds.CrdError:
            unresolved.append(crd.filename)
    if unresolved:
        found.append(
            f"missing: {len(unresolved)} of the pinned CRDs in crds.yaml ({', '.join(unresolved[:3])}, ...): neither "
            f"{crds.DIR_ENV} nor .cache/crds nor ../shared/crds holds them and their URLs are unreachable; offline, run "
            f"`{crds.DIR_ENV}=<folder with the pinned CRD files> make test`"
        )
    return found


def main() -> int:
    found = problems(before_install="--before-install" in sys.argv[1:])
    for line in found:
        print(f"preflight: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
