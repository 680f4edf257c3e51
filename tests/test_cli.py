"""The cdk8s CLI path: `cdk8s synth` gives the committed dist/, `make import` gives the committed imports/."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import DIST, ROOT
from tools import import_crds


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def test_cdk8s_cli_synth_produces_the_committed_dist(tmp_path):
    env = {**os.environ, "PODINFO_DIST_DIR": str(tmp_path / "dist"), "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    cli = ROOT / "node_modules" / ".bin" / "cdk8s"
    result = subprocess.run([str(cli), "synth", "--no-check-upgrade"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _tree(tmp_path / "dist") == _tree(DIST)


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
    assert "platform.yaml: git.repo_url = 'ftp://nope'" in result.stdout + result.stderr
    assert _tree(DIST) == before


def test_make_import_reproduces_the_committed_imports(tmp_path):
    target = tmp_path / "imports"
    assert import_crds.main(target) == 0
    assert _tree(target) == _tree(ROOT / "imports"), "imports/ differs from a fresh `make import`: regenerate and commit"


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
