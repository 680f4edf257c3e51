"""The cdk8s CLI path: `cdk8s synth` gives the committed dist/, `make import` gives the committed imports/."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import DIST, ROOT
from tools import import_crds


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def _npx(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess:
    """`npx ...` as a cdk8s user runs it from a plain shell: the system's Node first on PATH (the
    virtualenv's only as a fallback, on machines without one), no CDK8S_* variables, an empty
    HOME (no cached upgrade check)."""
    path = f"/usr/local/bin:/usr/bin:/bin:{ROOT / '.venv' / 'bin'}"
    env = {"HOME": str(home), "PATH": path, **env}
    return subprocess.run([str(ROOT / ".venv" / "bin" / "npx"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_npx_cdk8s_synth_is_quiet_and_produces_the_committed_dist(tmp_path, config):
    """jsii runs on the project's Node (main.py sets JSII_NODE): no end-of-life banner; the CLI's
    upgrade check is off (.npmrc preloads tools/cdk8s-cli-defaults): no stack trace on a network
    that blocks the registry's public host; the app's one-line summary reaches the terminal
    (the CLI drops the app's stdout, so under the CLI it goes to stderr), after the configuration's
    own warnings, if config/ has any (an unprotected last environment, ...)."""
    result = _npx(["cdk8s", "synth"], tmp_path, PODINFO_DIST_DIR=str(tmp_path / "dist"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _tree(tmp_path / "dist") == _tree(DIST)
    objects = sum(1 for _ in DIST.rglob("*.yaml"))
    warnings = [f"warning: {w}".replace(f"{ROOT}{os.sep}", "") for w in config.warnings]
    assert result.stderr.splitlines() == [
        *warnings,
        f"{tmp_path / 'dist'}/: {objects} objects in {objects} files; {objects} changed: "
        + ", ".join(sorted(str(p.relative_to(DIST)) for p in DIST.rglob("*.yaml"))[:5])
        + f" and {objects - 5} more (cdk8s lists its staging copy, .cdk8s.out/, next)",
    ]
    assert result.stdout.splitlines()[0] == "Synthesizing application"


def test_npx_runs_node_with_the_project_defaults(tmp_path):
    """The mechanism behind the quiet synth, checked directly: whatever the network allows, every
    Node process npx starts here has the upgrade check off, unless the user chose otherwise."""
    probe = ["node", "-e", "console.log(process.env.CDK8S_CHECK_UPGRADE)"]
    assert _npx(probe, tmp_path).stdout.strip() == "false"
    assert _npx(probe, tmp_path, CDK8S_CHECK_UPGRADE="true").stdout.strip() == "true"


def test_npx_cdk8s_import_points_to_make_import(tmp_path):
    result = _npx(["cdk8s", "import"], tmp_path)
    assert result.returncode == 2
    assert "make import" in result.stderr and "crds.yaml" in result.stderr
    help_text = _npx(["cdk8s", "import", "--help"], tmp_path)
    assert help_text.returncode == 0 and "Imports API objects" in help_text.stdout


def test_cdk8s_cli_synth_with_bad_config_fails_and_keeps_dist(tmp_path):
    config = tmp_path / "config"
    (config / "environments").mkdir(parents=True)
    (config / "platform.yaml").write_text("git: {repo_url: 'ftp://nope'}\n")
    env = {
        **os.environ,
        "PODINFO_DIST_DIR": str(DIST),
        "PODINFO_CONFIG_DIR": str(config),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    before = _tree(DIST)
    cli = ROOT / "node_modules" / ".bin" / "cdk8s"
    result = subprocess.run([str(cli), "synth", "--no-check-upgrade"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "platform.yaml:1: git.repo_url = 'ftp://nope'" in result.stdout + result.stderr
    assert _tree(DIST) == before


def _import_inputs_digest() -> str:
    """Everything a `make import` result depends on, and the committed result itself."""
    digest = hashlib.sha256()
    for path in [
        ROOT / "crds.yaml",
        ROOT / "package-lock.json",
        ROOT / "Pipfile.lock",
        ROOT / "tools" / "import_crds.py",
        ROOT / "tools" / "crds.py",
    ]:
        digest.update(path.read_bytes())
    for name, content in sorted(_tree(ROOT / "imports").items()):
        digest.update(name.encode() + b"\0" + content)
    return digest.hexdigest()


def test_make_import_reproduces_the_committed_imports(tmp_path):
    """A fresh `make import` (about 45 s) equals the committed imports/. The verdict is remembered
    under .cache/ for exactly these inputs, so the everyday loop pays for it once per change."""
    verified = ROOT / ".cache" / "import-verified" / _import_inputs_digest()
    if verified.exists():
        return
    target = tmp_path / "imports"
    assert import_crds.main(target) == 0
    assert _tree(target) == _tree(ROOT / "imports"), "imports/ differs from a fresh `make import`: regenerate and commit"
    verified.parent.mkdir(parents=True, exist_ok=True)
    verified.touch()


def test_a_tampered_crd_is_refused(tmp_path, monkeypatch):
    from tools import crds

    pinned = crds.pinned()[0]
    (tmp_path / pinned.filename).write_text("kind: Tampered\n")
    monkeypatch.setenv(crds.DIR_ENV, str(tmp_path))
    try:
        crds.fetch(pinned)
    except crds.CrdError as exc:
        assert "does not match the pin" in str(exc)
    else:
        raise AssertionError("a CRD with the wrong sha256 was accepted")


def test_preflight_names_each_missing_prerequisite_once(tmp_path):
    """Without the tools on PATH and without the CRDs, `make test` stops before pytest with one line
    per missing thing and its fix (tools/preflight.py)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {"PATH": str(bin_dir), "PODINFO_CRD_DIR": str(tmp_path / "no-crds"), "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "tools.preflight"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("preflight: missing: ") for line in lines)
    names = [
        "promtool",
        "prometheus",
        "go",
        "amtool",
        "curl",
        "busybox",
        "openssl",
        "gojq",
        "chromium",
        "checkov",
        "check-jsonschema",
        "zizmor",
    ]
    assert [line.split(": ")[2] for line in lines[: len(names)]] == names
    assert len(lines) == len(names) + 1 and "of the pinned CRDs in crds.yaml" in lines[-1]
    assert "PODINFO_CRD_DIR=<folder with the pinned CRD files> make test" in lines[-1] and "apt-get install prometheus" in lines[0]


def test_plan_cli_explains_itself_and_refuses_a_wrong_folder(tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "podinfo_canary.core.plan", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
        )

    helped = run("--help")
    assert helped.returncode == 0 and "Rollout step range" in helped.stdout and "Traceback" not in helped.stderr
    wrong = run(str(tmp_path))
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "no Rollout here" in wrong.stderr
    plan = run("dist/prod")
    assert plan.returncode == 0, plan.stderr
    # Config index and the Rollout's step range, as `kubectl argo rollouts get` counts them.
    assert "canary.stages[2] (steps 13-14):  50%  manual approval" in plan.stdout
    assert "pre-exposure (steps 0-6):   0%  1 canary pod(s)" in plan.stdout
