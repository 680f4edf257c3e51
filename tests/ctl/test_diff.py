"""canaryctl diff: what a change does to the cluster, from dist/ at two revisions, in a temporary
Git repository holding this project's files (test_gitops.py's `repo`): a real configuration
change synthesized and committed, objects added and removed, no change, bad revisions."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from podinfo_canary.ctl import kube
from podinfo_canary.ctl.app import app
from tests.conftest import ROOT
from tests.ctl.test_gitops import repo  # noqa: F401  (the fixture: this project in a fresh Git repository)

DOC = ROOT / "docs" / "guides" / "pipelines.md"
EXAMPLE = re.compile(r"(<!-- BEGIN GENERATED: diff-example -->\n).*?(<!-- END GENERATED: diff-example -->)", re.S)


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def git(where, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=where, capture_output=True, text=True, check=True).stdout


def synth(where) -> None:
    result = subprocess.run(
        [sys.executable, "main.py"], cwd=where, capture_output=True, text=True, env={**os.environ, "PODINFO_DIST_DIR": ""}
    )
    assert result.returncode == 0, result.stderr


def commit(where, message: str) -> None:
    git(where, "add", "-A", "--", "config", "dist", "README.md")
    git(where, "commit", "-q", "-m", message)


@pytest.fixture
def branch(repo):  # noqa: F811
    """A branch off main for one test; afterwards main again, the work tree clean."""
    git(repo, "switch", "-q", "-c", "change", "main")
    yield repo
    git(repo, "reset", "-q", "--hard")
    git(repo, "clean", "-qfd", "--", "config", "dist")
    git(repo, "switch", "-q", "main")
    git(repo, "branch", "-q", "-D", "change")


def edit(where, relative: str, old: str, new: str) -> None:
    path = where / relative
    text = path.read_text()
    assert text.count(old) == 1, f"{relative} no longer holds {old!r} once"
    path.write_text(text.replace(old, new))


def test_a_stage_pause_and_an_slo_change_are_said_in_words_per_environment(branch):
    edit(branch, "config/environments/prod.yaml", "    - weight: 30\n      pause: 5m", "    - weight: 30\n      pause: 2m")
    edit(branch, "config/environments/prod.yaml", "error_rate_max: 0.05", "error_rate_max: 0.02")
    synth(branch)
    commit(branch, "prod: shorter second stage, tighter error SLO")
    result = run("diff", "--repo", str(branch))  # the merge base with main, against the (clean) work tree
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    base = git(branch, "merge-base", "main", "HEAD").strip()
    assert lines[0] == f"canaryctl diff: {base[:12]} (merge base of main and HEAD) -> work tree"
    assert "prod: stage 2 pause 5m -> 2m; error-rate SLO 5% -> 2%" in lines
    assert "dev: no change" in lines and "staging: no change" in lines and "audit: no change" in lines
    assert "      stage 2 (30%) pause 5m -> 2m" in lines
    # The alert and the analysis read the same SLO: both are said to change, the alert's threshold quoted.
    assert (
        "  changed PrometheusRule podinfo-prod/podinfo" in lines and "  changed AnalysisTemplate podinfo-prod/podinfo-error-rate" in lines
    )
    assert (
        '      rule PodinfoHighErrorRate expr: …podinfo_example_com_track!="canary"} > 0.05 and on… -> …podinfo_example_com_track!="canary"} > 0.02 and on…'
        in lines
    )
    # Revisions given by name say the same (HEAD: the commit, not the work tree).
    named = run("diff", "main", "HEAD", "--repo", str(branch), "--env", "prod")
    assert named.exit_code == 0 and "prod: stage 2 pause 5m -> 2m; error-rate SLO 5% -> 2%" in named.output
    assert "dev:" not in named.output
    markdown = run("diff", "main", "HEAD", "--repo", str(branch), "--format", "markdown")
    assert markdown.exit_code == 0
    assert "### prod\n\n**stage 2 pause 5m -> 2m; error-rate SLO 5% -> 2%**\n" in markdown.output
    assert "- changed `Rollout podinfo-prod/podinfo`\n  - `stage 2 (30%) pause 5m -> 2m`\n" in markdown.output
    _example_in_the_guide(markdown.output, {base[:12]: "<merge base>", git(branch, "rev-parse", "HEAD").strip()[:12]: "<head>"})


def _example_in_the_guide(output: str, hashes: dict[str, str]) -> None:
    """docs/guides/pipelines.md shows this run's markdown (commit hashes masked); with
    PODINFO_UPDATE_DOCS=1 the test writes it there."""
    for commit, mask in hashes.items():
        output = output.replace(commit, mask)
    block = f"````markdown\n{output.rstrip()}\n````\n"
    text = DOC.read_text()
    assert EXAMPLE.search(text), f"{DOC.name}: no diff-example block"
    wanted = EXAMPLE.sub(lambda m: m[1] + block + m[2], text)
    if os.environ.get("PODINFO_UPDATE_DOCS") == "1":
        DOC.write_text(wanted)
        text = DOC.read_text()
    assert text == wanted, f"{DOC.name}: the diff example is stale: PODINFO_UPDATE_DOCS=1 pytest tests/ctl/test_diff.py"


def test_objects_added_and_removed_are_listed_with_the_work_tree_synthesized(branch):
    edit(branch, "config/environments/dev.yaml", "traffic_router: nginx\n", "traffic_router: nginx\npre_exposure:\n  enabled: true\n")
    fresh = run("diff", "--synth", "--env", "dev", "--repo", str(branch))
    assert fresh.exit_code == 0, fresh.output
    lines = fresh.output.splitlines()
    assert lines[0].endswith("-> work tree, synthesized afresh")
    assert 'dev: pre_exposure: added {"enabled": true}' in lines
    for added in ("AnalysisTemplate podinfo-dev/podinfo-acceptance", "NetworkPolicy podinfo-dev/pre-exposure-tester"):
        assert f"  added {added}" in lines, fresh.output
    assert git(branch, "status", "--porcelain", "--", "dist") == ""  # --synth leaves dist/ alone
    # Without --synth the work tree's dist/ is read as it is: not synthesized yet, only the config changed.
    stale = run("diff", "--env", "dev", "--repo", str(branch)).output.splitlines()
    assert 'dev: pre_exposure: added {"enabled": true}' in stale and not any(line.startswith("  added") for line in stale)
    synth(branch)
    commit(branch, "dev: pre-exposure")
    back = run("diff", "HEAD", "main", "--env", "dev", "--repo", str(branch))
    assert back.exit_code == 0
    assert "  removed AnalysisTemplate podinfo-dev/podinfo-acceptance" in back.output.splitlines()
    assert 'dev: pre_exposure: removed {"enabled": true}' in back.output.splitlines()


def test_no_change_says_no_change_and_exits_0(repo):  # noqa: F811
    for args in ((), ("main", "main"), ("main",)):
        result = run("diff", *args, "--repo", str(repo))
        assert result.exit_code == kube.OK and result.output.splitlines()[1:] == ["no change"], result.output
    markdown = run("diff", "--format", "markdown", "--repo", str(repo))
    assert markdown.exit_code == kube.OK and markdown.output.rstrip().endswith("\nno change")


def test_a_bad_revision_or_no_repository_is_one_line_and_its_exit_code(repo, tmp_path):  # noqa: F811
    bad = run("diff", "no-such-branch", "--repo", str(repo))
    assert bad.exit_code == kube.USAGE
    assert bad.output.strip() == f"canaryctl: unknown revision 'no-such-branch': not a branch, tag or commit of {repo}"
    assert run("diff", "main", "v9.9.9", "--repo", str(repo)).exit_code == kube.USAGE
    assert run("diff", "--env", "nope", "--repo", str(repo)).exit_code == kube.USAGE
    both = run("diff", "main", "HEAD", "--synth", "--repo", str(repo))
    assert both.exit_code == kube.USAGE and "--synth synthesizes the work tree: give no HEAD revision with it" in both.output
    nowhere = run("diff", "--repo", str(tmp_path))
    assert nowhere.exit_code == kube.FAILED and nowhere.output.startswith("canaryctl: git rev-parse --git-dir: fatal: not a git repository")


def test_without_the_main_branch_the_base_is_head_and_the_report_says_so(repo):  # noqa: F811
    git(repo, "branch", "-q", "-m", "main", "trunk")
    try:
        result = run("diff", "--repo", str(repo))
    finally:
        git(repo, "branch", "-q", "-m", "trunk", "main")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert result.exit_code == 0
    assert (
        result.output.splitlines()[0]
        == f"canaryctl diff: {head[:12]} (HEAD: no branch main or origin/main to take the merge base with) -> work tree"
    )


def test_rbac_and_network_policy_items_are_said_by_what_changed():
    """Lists without names (RBAC rules, NetworkPolicy peers) are compared item by item, a list of
    verbs by what it gained and lost; named ones (metrics, alerts) by name."""
    from podinfo_canary.ctl.diff import _in_words

    role = {"kind": "ClusterRole", "rules": [{"apiGroups": ["argoproj.io"], "resources": ["rollouts"], "verbs": ["get", "list"]}]}
    wider = {"kind": "ClusterRole", "rules": [{"apiGroups": ["argoproj.io"], "resources": ["rollouts"], "verbs": ["get", "list", "patch"]}]}
    assert _in_words("ClusterRole", role, wider) == ["rule 1.verbs: +patch"]
    policy = {"spec": {"ingress": [{"ports": [{"port": 9898}]}]}}
    opened = {"spec": {"ingress": [{"ports": [{"port": 9898}]}, {"from": [{"namespaceSelector": {}}]}]}}
    assert _in_words("NetworkPolicy", policy, opened) == ['ingress[+]: added {"from": [{"namespaceSelector": {}}]}']
    template = {"spec": {"metrics": [{"name": "a", "failureLimit": 0, "interval": "5s"}, {"name": "b", "count": 1}]}}
    looser = {"spec": {"metrics": [{"name": "b", "count": 3}, {"name": "a", "failureLimit": 2, "interval": "5s"}]}}
    assert _in_words("AnalysisTemplate", template, looser) == ["metric a failureLimit: 0 -> 2", "metric b count: 1 -> 3"]
