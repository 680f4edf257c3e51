"""The pipeline definitions in .github/ pass their validators, offline: check-jsonschema with its
vendored schema of GitHub workflows (`vendor.github-workflows`) and zizmor (actions pinned by
commit, permissions, template injection, credentials left behind), with the settings of
.github/zizmor.yml. A missing validator fails, never skips; each one is shown to catch a broken
file. actionlint is not run: its PyPI package has no wheel (docs/guides/pipelines.md).

The image-update script runs in a temporary Git repository against a bare `origin` and a
recording `gh`."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.ctl.test_gitops import repo  # noqa: F401  (the fixture: this project in a fresh Git repository)

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
ZIZMOR_CONFIG = ROOT / ".github" / "zizmor.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
# Package registries' hosts (Python, Node, Debian, Ubuntu, Go) and npm's CDNs: none may be named in a committed
# file. Written here in two parts, so that this file does not name them either.
_HOSTS = (
    ("pypi", "org"),
    ("files.pythonhosted", "org"),
    ("registry.npmjs", "org"),
    ("registry.yarnpkg", "com"),
    ("deb.debian", "org"),
    ("security.debian", "org"),
    ("archive.ubuntu", "com"),
    ("proxy.golang", "org"),
    # npm's packages served by CDNs (mkdocs-material would load Mermaid from one).
    ("unpkg", "com"),
    ("cdn.jsdelivr", "net"),
)
REGISTRY_HOSTS = re.compile("|".join(re.escape(f"{name}.{top}") for name, top in _HOSTS))


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not on PATH: run `make setup` (tools/preflight.py names it too)"
    return found


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, files)], capture_output=True, text=True
    )


def zizmor(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("zizmor"), "--offline", "--config", str(ZIZMOR_CONFIG), "--no-progress", str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_every_workflow_matches_the_github_workflow_schema():
    assert {p.name for p in WORKFLOWS} == {"ci.yml", "image-update.yml"}
    result = check_jsonschema(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_in_the_workflows():
    result = zizmor(ROOT / ".github" / "workflows")
    assert result.returncode == 0 and "No findings to report" in result.stdout, result.stdout + result.stderr


def _write(folder: Path, text: str) -> Path:
    path = folder / ".github" / "workflows" / "broken.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


GOOD_JOB = """name: broken
on: [pull_request]
permissions: {}
jobs:
  test:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - run: make test
"""


def test_each_validator_catches_a_broken_workflow(tmp_path):
    good = _write(tmp_path / "good", GOOD_JOB)
    assert check_jsonschema(good).returncode == 0 and zizmor(good.parent).returncode == 0  # the broken ones differ in one place
    misspelt = _write(tmp_path / "misspelt", GOOD_JOB.replace("runs-on:", "runs_on:"))
    result = check_jsonschema(misspelt)
    assert result.returncode != 0 and "runs_on" in result.stdout, result.stdout
    for name, broken, audit in (
        ("unpinned", GOOD_JOB.replace("@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "@v7"), "unpinned-uses"),
        ("injection", GOOD_JOB.replace("run: make test", 'run: echo "${{ github.event.pull_request.title }}"'), "template-injection"),
        ("everything", GOOD_JOB.replace("permissions:\n      contents: read\n", "permissions: write-all\n"), "excessive-permissions"),
        ("credentials", GOOD_JOB.replace("        with:\n          persist-credentials: false\n", ""), "artipacked"),
    ):
        path = _write(tmp_path / name, broken)
        assert check_jsonschema(path).returncode == 0, name  # valid by the schema: only zizmor sees it
        result = zizmor(path.parent)
        assert result.returncode != 0 and audit in result.stdout, (name, result.stdout + result.stderr)


def _workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_actions_are_pinned_by_commit_with_their_release_and_permissions_are_per_job():
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        assert workflow["permissions"] == {}, f"{path.name}: no permission at the top; each job asks for its own"
        for name, job in workflow["jobs"].items():
            assert "permissions" in job, f"{path.name}: job {name} declares no permissions"
        for line in path.read_text().splitlines():
            if line.strip().startswith("- uses:") or line.strip().startswith("uses:"):
                assert PINNED.match(line.split("uses:", 1)[1].strip()), f"{path.name}: {line.strip()}"
    assert _workflow("ci.yml")["jobs"]["test"]["permissions"] == {"contents": "read"}
    assert _workflow("image-update.yml")["jobs"]["pull-request"]["permissions"] == {"contents": "write", "pull-requests": "write"}


def test_ci_runs_lint_the_tests_and_the_cluster_diff_on_pull_requests():
    ci = _workflow("ci.yml")
    assert "pull_request" in ci[True] and ci[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads `on` as True
    runs = [step.get("run", "") for step in _steps(ci)]
    assert runs.index("make lint") < runs.index("make test")
    assert "sudo .ci/install-tools" in runs and ".ci/install-tools" in (ROOT / ".ci" / "run").read_text()
    assert any("canaryctl diff HEAD^1 HEAD --format markdown" in r and '"$GITHUB_STEP_SUMMARY"' in r for r in runs)
    python = next(s["with"]["python-version"] for s in _steps(ci) if s.get("uses", "").startswith("actions/setup-python@"))
    assert f'python_version = "{python}"' in (ROOT / "Pipfile").read_text()
    # The drift check is one of the tests `make test` runs.
    assert (ROOT / "tests" / "test_drift.py").is_file()
    # Online on GitHub's runners: the CRDs come from their pinned URLs (tools/crds.py checks each sha256).
    assert "PODINFO_CRD_DIR" not in (ROOT / ".github" / "workflows" / "ci.yml").read_text().replace("no PODINFO_CRD_DIR here", "")


def test_the_debian_packages_are_listed_once_and_cover_the_preflight():
    from tools import preflight

    script = (ROOT / ".ci" / "install-tools").read_text()
    commands = re.search(r"^COMMANDS=\((.*)\)$", script, re.M)[1].split()
    packages = re.search(r"^PACKAGES=\((.*)\)$", script, re.M)[1].split()
    assert set(commands) == set(preflight.TOOLS) - {"checkov", "check-jsonschema", "zizmor"}
    # One package per command, in the same order (the script installs the i-th for the i-th).
    assert len(packages) == len(commands) and dict(zip(commands, packages, strict=True))["promtool"] == "prometheus"
    assert "apt-get install" not in (ROOT / ".ci" / "run").read_text()


def test_no_committed_file_names_a_package_registry_host():
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    files = [ROOT / n for n in listed.split("\0") if n and (ROOT / n).is_file()]
    assert len(files) > 100
    found = [
        f"{p.relative_to(ROOT)}: {m[0]}"
        for p in files
        if b"\0" not in (data := p.read_bytes())
        for m in [REGISTRY_HOSTS.search(data.decode(errors="replace"))]
        if m
    ]
    assert found == []
    assert REGISTRY_HOSTS.search("index-url = https://" + ".".join(_HOSTS[0]) + "/simple") is not None


@pytest.fixture
def origin(repo, tmp_path):  # noqa: F811
    """The temporary repository with a bare `origin` and a `gh` that records its calls."""
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    subprocess.run(["git", "remote", "add", "origin", str(bare)], cwd=repo, check=True)
    subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo, check=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(
        '#!/bin/sh\necho "$@" >> "$GH_LOG"\n'
        'case "$1 $2" in "release view") echo "${GH_RELEASE:-v6.99.0}" ;; "pr create") shift 2; while [ $# -gt 0 ]; do '
        '[ "$1" = --body-file ] && cp "$2" "$GH_LOG.body"; shift; done ;; esac\n'
    )
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    yield repo, bare, bin_dir
    subprocess.run(["git", "switch", "-q", "main"], cwd=repo, check=True)
    subprocess.run(["git", "remote", "remove", "origin"], cwd=repo, check=True)


def _image_update(project, bin_dir, log, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHON": sys.executable, "GH_LOG": str(log), **env}
    environment.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        [str(project / ".ci" / "image-update-pr")], cwd=project, capture_output=True, text=True, env=environment, timeout=300
    )


def test_a_new_tag_becomes_one_pull_request_for_the_first_environment_only(origin, tmp_path):
    project, bare, bin_dir = origin
    log = tmp_path / "gh.log"
    first = yaml.safe_load((project / "config" / "platform.yaml").read_text())["environments"][0]
    result = _image_update(project, bin_dir, log, TAG="")  # no tag: podinfo's latest release (gh), v stripped
    assert result.returncode == 0, result.stdout + result.stderr
    branch = f"image-update/{first}/podinfo-6.99.0"
    pushed = subprocess.run(["git", "--git-dir", str(bare), "show", "--name-only", "--format=%s", branch], capture_output=True, text=True)
    subject, *files = [line for line in pushed.stdout.splitlines() if line]
    assert subject == f"chore({first}): deploy podinfo 6.99.0"
    assert f"config/environments/{first}.yaml" in files and f"dist/{first}/Rollout.podinfo.k8s.yaml" in files
    assert not any(f.startswith("config/environments/") and f != f"config/environments/{first}.yaml" for f in files)
    calls = log.read_text().splitlines()
    assert calls[0] == "release view --repo stefanprodan/podinfo --json tagName --jq .tagName"
    assert calls[1].startswith(f"pr create --base main --head {branch} --title chore({first}): deploy podinfo 6.99.0 --body-file ")
    body = Path(f"{log}.body").read_text()
    assert f"### {first}\n\n**image tag " in body and "-> 6.99.0**" in body
    # The same tag again: its branch exists, nothing more is pushed or opened.
    subprocess.run(["git", "switch", "-q", "main"], cwd=project, check=True)
    again = _image_update(project, bin_dir, log, TAG="6.99.0")
    assert again.returncode == 0 and "exists already" in again.stdout and len(log.read_text().splitlines()) == 2
    # A tag the configuration refuses changes nothing and opens nothing.
    refused = _image_update(project, bin_dir, log, TAG="latest")
    assert refused.returncode != 0 and "image.tag = 'latest'" in refused.stderr and len(log.read_text().splitlines()) == 2


def test_the_scheduled_path_never_opens_a_downgrade(origin, tmp_path):
    """The latest release older than what the first environment runs (a newer version or a
    pre-release of the next one already there) is nothing to do: no branch, no pull request."""
    project, bare, bin_dir = origin
    log = tmp_path / "gh.log"
    first = yaml.safe_load((project / "config" / "platform.yaml").read_text())["environments"][0]
    current = yaml.safe_load((project / "config" / "environments" / f"{first}.yaml").read_text())["image"]["tag"]
    major, minor, _ = (int(x) for x in current.split("-")[0].split("."))
    for release in (f"v{major}.{minor - 1}.0", current):
        result = _image_update(project, bin_dir, log, TAG="", GH_RELEASE=release)
        assert result.returncode == 0 and "nothing to do" in result.stdout, result.stdout + result.stderr
    assert [c.split()[0] for c in log.read_text().splitlines()] == ["release", "release"]  # no pr create
    heads = subprocess.run(["git", "--git-dir", str(bare), "branch", "--list", "image-update/*"], capture_output=True, text=True)
    assert heads.stdout.strip() == ""


def test_version_precedence_is_semver_s():
    from podinfo_canary.config.types import version_key

    ordered = ["6.9.0", "6.10.0-alpha", "6.10.0-alpha.1", "6.10.0-alpha.beta", "6.10.0-rc.2", "6.10.0-rc.10", "6.10.0", "6.10.1", "7.0.0"]
    assert sorted(ordered, key=version_key) == ordered and len({version_key(v) for v in ordered}) == len(ordered)
