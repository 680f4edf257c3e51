"""Shared fixtures: the configuration and one fresh synthesis per test session."""

from __future__ import annotations

import fcntl
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import promql_parser
import pytest

ROOT = Path(__file__).resolve().parent.parent
# The charts built in-process run jsii on the virtualenv's Node, as main.py's do (main._project_node):
# not on whatever `node` is first on PATH, which may be an end-of-life one that prints a banner.
if (Path(sys.executable).parent / "node").exists():
    os.environ.setdefault("JSII_NODE", str(Path(sys.executable).parent / "node"))
DIST = ROOT / "dist"
sys.path.insert(0, str(ROOT))

# Every test server listens on loopback; a proxy from the environment must never carry its traffic
# (the kubernetes client and urllib both honour HTTP(S)_PROXY).
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_proxy, None)

from podinfo_canary import config as config_module  # noqa: E402
from podinfo_canary.core import yamltext  # noqa: E402
from podinfo_canary.core.workload import HASH_LABEL, STABLE_HASH_PLACEHOLDER  # noqa: E402
from podinfo_canary.model.run import HASH_ARG  # noqa: E402


@pytest.fixture(scope="session")
def config() -> config_module.Config:
    return config_module.load(ROOT / "config")


def run_main(*, config_dir: Path | None = None, dist: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Run main.py as `make synth` does, writing to `dist`."""
    env = {**os.environ, "PODINFO_DIST_DIR": str(dist), **(extra_env or {})}
    if config_dir:
        env["PODINFO_CONFIG_DIR"] = str(config_dir)
    return subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    """pytest-xdist's `worker_id` (the shared synthesis below needs it), also under `-p no:xdist`:
    the worker's id when xdist runs this process as a worker, else "master", as xdist has it."""
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


@pytest.fixture(scope="session")
def fresh_synth(tmp_path_factory, worker_id) -> tuple[Path, subprocess.CompletedProcess]:
    """One run of main.py on the committed configuration into a temporary folder, and its output.

    One per test run, shared by the pytest-xdist workers (their temporary folders share a parent):
    the first worker synthesizes under a lock, the others read its result."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent
    out, record = shared / "fresh-synth" / "dist", shared / "fresh-synth.json"
    with (shared / "fresh-synth.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            result = run_main(dist=out)
            record.write_text(json.dumps({"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr}))
    saved = json.loads(record.read_text())
    result = subprocess.CompletedProcess([sys.executable, "main.py"], saved["returncode"], saved["stdout"], saved["stderr"])
    assert result.returncode == 0, result.stderr
    return out, result


@pytest.fixture(scope="session")
def fresh_dist(fresh_synth) -> Path:
    """dist/ synthesized now, from the committed configuration, into a temporary folder."""
    return fresh_synth[0]


def load_tree(folder: Path) -> dict[str, list[dict]]:
    """relative file path -> the objects in it."""
    return {str(p.relative_to(folder)): yamltext.read_documents(p) for p in sorted(folder.rglob("*.yaml"))}


def dist_objects(folder: Path) -> list[tuple[str, dict]]:
    """Every object of a synthesized dist/ folder with the file it is in (relative to the folder)."""
    return [(path, obj) for path, docs in load_tree(folder).items() for obj in docs]


@pytest.fixture(scope="session")
def objects(fresh_dist) -> list[tuple[str, dict]]:
    """Every synthesized object with the file it is in."""
    return dist_objects(fresh_dist)


def find(objects, kind: str, name: str | None = None, folder: str | None = None) -> list[dict]:
    return [
        obj
        for path, obj in objects
        if obj["kind"] == kind and (name is None or obj["metadata"]["name"] == name) and (folder is None or path.startswith(f"{folder}/"))
    ]


def measured_by_prometheus(template: dict) -> bool:
    """An AnalysisTemplate whose metrics query Prometheus (not the pre-exposure Jobs')."""
    return all("prometheus" in m["provider"] for m in template["spec"]["metrics"])


def rollout_pod_labels(rollout: dict, track: str, pod_hash: str) -> dict[str, str]:
    """The labels of a pod the Rollouts controller runs for a track (`canary` or `stable`): the
    template's, the track's canaryMetadata/stableMetadata, and the pod-template hash."""
    canary = rollout["spec"]["strategy"]["canary"]
    return rollout["spec"]["template"]["metadata"]["labels"] | canary[f"{track}Metadata"]["labels"] | {HASH_LABEL: pod_hash}


def one(objects, kind: str, name: str | None = None, folder: str | None = None) -> dict:
    found = find(objects, kind, name, folder)
    assert len(found) == 1, f"expected one {kind} {name or ''} in {folder or 'dist'}, found {len(found)}"
    return found[0]


# Concrete stand-ins for the Grafana variables the dashboard's queries use, so that they parse as PromQL.
GRAFANA_VARIABLES = {"$namespace": "podinfo-dev", "$__rate_interval": "1m", "$__interval": "1m", "$__range": "6h"}


def dashboard_queries(model: dict, datasource: str = "prometheus") -> list[str]:
    """Every PromQL expression of a Grafana dashboard (Prometheus panel targets, and the selector
    inside each `label_values(...)` variable query), with its Grafana variables replaced by
    concrete values. datasource: "loki" gives the LogQL queries instead (no variable queries)."""
    queries = [t["expr"] for p in model["panels"] for t in p.get("targets", []) if t["datasource"]["type"] == datasource]
    if datasource != "prometheus":
        return [_substitute(q) for q in queries]
    for variable in model.get("templating", {}).get("list", []):
        query = variable.get("query", "")
        if isinstance(query, str) and query.startswith("label_values("):
            queries.append(query.removeprefix("label_values(").rpartition(",")[0])
    return [_substitute(q) for q in queries]


def _substitute(query: str) -> str:
    for name, value in GRAFANA_VARIABLES.items():
        query = query.replace(name, value)
    return query


def _selectors(node):
    if isinstance(node, promql_parser.VectorSelector):
        yield node
    elif isinstance(node, promql_parser.MatrixSelector):
        yield node.vector_selector
    elif isinstance(node, promql_parser.BinaryExpr):
        yield from _selectors(node.lhs)
        yield from _selectors(node.rhs)
    elif isinstance(node, promql_parser.Call):
        for arg in node.args:
            yield from _selectors(arg)
    elif isinstance(node, promql_parser.AggregateExpr | promql_parser.ParenExpr | promql_parser.UnaryExpr | promql_parser.SubqueryExpr):
        yield from _selectors(node.expr)


def vector_selectors(query: str, canary_hash: str = "canaryhash", stable_hash: str = "stablehash") -> list:
    """Every vector selector of a PromQL query, with the AnalysisTemplates' `{{args.canary-hash}}`
    and `{{args.stable-hash}}` replaced (inside a regex matcher a placeholder would not parse)."""
    return list(_selectors(promql_parser.parse(query.replace(HASH_ARG, canary_hash).replace(STABLE_HASH_PLACEHOLDER, stable_hash))))


def metric_names(query: str) -> set[str]:
    return {selector.name for selector in vector_selectors(query)}


def wald_weights(share: float, bad_factor: float) -> tuple[float, float]:
    """The test oracle for the sequential tests, from the textbook (not metrics.SequentialTest):
    testing "bad share = share x bad_factor" against "= share", each bad request adds ln(b/h)
    and each good one ln((1-b)/(1-h)); regrouped, the weight per bad request and per request."""
    b, h = share * bad_factor, share
    per_request = math.log((1 - b) / (1 - h))
    return math.log(b / h) - per_request, per_request


@pytest.fixture(scope="module")
def configs() -> dict[str, config_module.Config]:
    """The committed and the fixture configuration, which the behaviour checkers both hold to."""
    return {"committed": config_module.load(ROOT / "config"), "fixture": config_module.load(ROOT / "tests" / "fixtures" / "config")}


@pytest.fixture(scope="module")
def built(configs) -> dict[str, dict[str, list[dict]]]:
    """Every chart of each configuration, built in-process (tests/behaviour.py app_objects)."""
    from tests.behaviour import app_objects

    return {name: app_objects(cfg) for name, cfg in configs.items()}


def copy_project(target: Path) -> Path:
    """The project's files as they are now (tracked ones and new ones Git does not ignore, such as an
    environment just added), copied into `target`."""
    import shutil

    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for name in filter(lambda n: n and (ROOT / n).is_file(), listed.split("\0")):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    # The bytecode `make setup` compiled (Makefile `bytecode`): still valid, since copy2 keeps the
    # sources' times. Without it each synthesis in the copy recompiles the 40 MB bindings (~3 s).
    for cache in (*ROOT.glob("imports/**/__pycache__"), *ROOT.glob("podinfo_canary/**/__pycache__")):
        if (target / cache.relative_to(ROOT)).parent.is_dir():
            shutil.copytree(cache, target / cache.relative_to(ROOT), dirs_exist_ok=True)
    return target
