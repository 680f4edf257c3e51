"""`make bench`: wall time of synthesizing every environment against a one-object cdk8s app.

Both are run as fresh processes, the way `make synth` runs, several times each; the figures are
medians. The one-object app (cdk8s + cdk8s-plus-27's ConfigMap) is the fixed cost every cdk8s
Python app pays: interpreter start, the jsii runtime (Node) and the core assemblies. The ratio
says what our charts cost on top of that.

Then the everyday test loop: `make test` once more, warm (the budget is 45 s on 2 cores).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "7"))

ONE_OBJECT_APP = """
import sys
import cdk8s
from cdk8s_plus_27 import k8s
app = cdk8s.App(outdir=sys.argv[1])
chart = cdk8s.Chart(app, "one")
k8s.KubeConfigMap(chart, "config", data={"key": "value"})
app.synth()
"""


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _median(cmd: list[str], env: dict[str, str]) -> tuple[float, list[float]]:
    _time(cmd, env)  # warm the page cache once, not counted
    samples = [_time(cmd, env) for _ in range(RUNS)]
    return statistics.median(samples), samples


def main() -> int:
    env = dict(os.environ)
    # Both apps on the Node main.py picks (the virtualenv's, main._project_node), or the one-object
    # app would run on whatever `node` is first on PATH and print jsii's end-of-life banner.
    node = Path(sys.executable).parent / "node"
    if node.exists():
        env.setdefault("JSII_NODE", str(node))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        full, full_samples = _median([sys.executable, "main.py"], {**env, "PODINFO_DIST_DIR": str(out / "dist")})
        script = out / "one_object.py"
        script.write_text(ONE_OBJECT_APP)
        one, one_samples = _median([sys.executable, str(script), str(out / "one")], env)
    objects = sum(1 for _ in (ROOT / "dist").rglob("*.yaml"))
    bytecode = "1" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "unset"
    compiled = any((ROOT / "imports").rglob("*.pyc"))
    print(f"runs: {RUNS} each, medians; PYTHONDONTWRITEBYTECODE={bytecode}; imports/ bytecode compiled: {compiled}")
    print(f"synth every environment ({objects} objects): {full:.3f} s  [{', '.join(f'{s:.2f}' for s in full_samples)}]")
    print(f"one-object cdk8s app:                {one:.3f} s  [{', '.join(f'{s:.2f}' for s in one_samples)}]")
    print(f"ratio: {full / one:.2f}")
    start = time.perf_counter()
    result = subprocess.run(["make", "--no-print-directory", "test"], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    verdict = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
    print(f"make test, warm, {os.cpu_count()} cores: {elapsed:.1f} s  [{verdict.strip('= ')}]")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
