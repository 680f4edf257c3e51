"""canaryctl update-image: a new podinfo version as a Git change, never a cluster change, in a
temporary Git repository holding this project's tracked files."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from podinfo_canary.ctl import kube
from podinfo_canary.ctl.app import app

# prod is protected: update-image sets its image only with --force and a reason (promote-env is its way).
FORCE = ("--force", "--reason", "a test of update-image itself")


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """This project's files as they are now (tracked ones and new ones Git does not ignore, such as
    an environment just added), committed in a fresh Git repository."""
    import subprocess

    from tests.conftest import copy_project

    target = copy_project(tmp_path_factory.mktemp("gitops") / "repo")
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=target, check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], cwd=target, check=True)
    subprocess.run(["git", "config", "user.name", "test"], cwd=target, check=True)
    subprocess.run(["git", "config", "user.email", "test@example.com"], cwd=target, check=True)
    return target


def _git(repo, *args) -> str:
    import subprocess

    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def test_update_image_refuses_a_bad_tag_or_digest_and_changes_nothing(repo):
    head, before = _git(repo, "rev-parse", "HEAD"), (repo / "config/environments/prod.yaml").read_text()
    for args, words in (
        (["latest"], ["prod.yaml:", ": image.tag = 'latest'", "pin an exact version"]),
        (["6.14.2", "--digest", "sha256:abc"], ["prod.yaml:", ": image.digest = 'sha256:abc'", "64 lowercase hex digits"]),
        (["bad tag!"], ["prod.yaml:", ": image.tag = 'bad tag!'"]),
    ):
        result = run("update-image", *args, "--env", "prod", *FORCE, "--repo", str(repo))
        assert result.exit_code == kube.USAGE and all(w in result.output for w in words), result.output
        assert "nothing changed" in result.output
    assert run("update-image", "6.14.2", "--env", "no-such-env", "--repo", str(repo)).exit_code == kube.USAGE
    assert _git(repo, "status", "--porcelain") == "" and _git(repo, "rev-parse", "HEAD") == head
    assert (repo / "config/environments/prod.yaml").read_text() == before


def test_update_image_edits_one_line_resynthesizes_and_commits_once(repo):
    config = repo / "config/environments/prod.yaml"
    before = config.read_text()
    head = _git(repo, "rev-parse", "HEAD").strip()
    digest = "sha256:" + "0123456789abcdef" * 4
    current = next(line.split(":", 1)[1].strip().strip("'\"") for line in before.splitlines() if line.startswith("  tag:"))
    major, minor, patch = current.split(".")[:3]
    bumped = f"{major}.{minor}.{int(patch) + 1}"  # whatever prod runs now, the next patch
    result = run("update-image", bumped, "--env", "prod", *FORCE, "--digest", digest, "--commit", "--repo", str(repo))
    assert result.exit_code == 0, result.output
    after = config.read_text()
    # Only the tag line changed and a digest line came in; every comment and line else is kept.
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert removed == [f"  tag: {current}"] and added == [f"  tag: {bumped}", f"  digest: {digest}"]
    assert _git(repo, "rev-list", "--count", f"{head}..HEAD").strip() == "1"
    assert _git(repo, "log", "-1", "--format=%s") == f"chore(prod): deploy podinfo {bumped}@{digest}\n"
    changed = set(_git(repo, "show", "--name-only", "--format=", "HEAD").split())
    # The scanner table of docs/security.md too: with a digest, prod no longer skips the digest check;
    # and the configuration reference, whose image.digest example is config/'s first digest, now prod's.
    assert changed == {
        "config/environments/prod.yaml",
        "dist/prod/Rollout.podinfo.k8s.yaml",
        "docs/security.md",
        "docs/reference/configuration.md",
    }, changed
    rollout = (repo / "dist/prod/Rollout.podinfo.k8s.yaml").read_text()
    assert f"image: ghcr.io/stefanprodan/podinfo:{bumped}@{digest}" in rollout
    assert _git(repo, "status", "--porcelain") == ""
    # Only release versions deploy: 6.10 (which YAML would also read as a number) is refused;
    # without --digest the old digest goes.
    refused = run("update-image", "6.10", "--env", "prod", *FORCE, "--repo", str(repo))
    assert refused.exit_code == kube.USAGE and "must be a release version MAJOR.MINOR.PATCH" in refused.output, refused.output
    assert run("update-image", f"{major}.{minor}.{int(patch) + 2}", "--env", "prod", *FORCE, "--repo", str(repo)).exit_code == 0
    assert f"  tag: {major}.{minor}.{int(patch) + 2}" in config.read_text() and "digest" not in config.read_text()


def test_update_image_refuses_to_commit_over_other_changes_and_knows_when_nothing_changes(repo):
    _git(repo, "reset", "--hard", "--quiet")  # what the earlier test left uncommitted
    staging = repo / "config/environments/staging.yaml"
    staging.write_text(staging.read_text() + "\n# an unrelated edit\n")
    head = _git(repo, "rev-parse", "HEAD")
    refused = run("update-image", "6.14.3", "--env", "prod", *FORCE, "--commit", "--repo", str(repo))
    assert refused.exit_code == kube.USAGE and "uncommitted changes" in refused.output
    assert _git(repo, "rev-parse", "HEAD") == head
    _git(repo, "checkout", "--", "config/environments/staging.yaml")
    lines = (repo / "config/environments/prod.yaml").read_text().splitlines()
    image = dict(line.strip().split(": ", 1) for line in lines if line.startswith(("  tag:", "  digest:")))
    current = image["tag"].strip('"')
    pinned = ["--digest", image["digest"]] if "digest" in image else []
    same = run("update-image", current, "--env", "prod", *FORCE, *pinned, "--commit", "--repo", str(repo))
    assert same.exit_code == 0 and f"already at {current}" in same.output and _git(repo, "rev-parse", "HEAD") == head


def _clean(repo) -> str:
    """Back to the fixture's last commit, whatever an earlier test left; its hash."""
    _git(repo, "reset", "--hard", "--quiet")
    _git(repo, "clean", "-fdq", "--", "config", "dist", "docs", "README.md")
    return _git(repo, "rev-parse", "HEAD").strip()


def _next_tag(repo) -> str:
    """A tag prod is not at yet (an earlier test may have committed one)."""
    text = (repo / "config/environments/prod.yaml").read_text()
    return "6.14.7" if "tag: 6.14.7" not in text else "6.14.8"


def test_update_image_without_commit_then_with_commit_makes_one_commit(repo):
    """No loop: the run without --commit leaves its edit; the same command with --commit accepts
    exactly that edit (config line, dist/, the docs' generated tables) and commits it."""
    head = _clean(repo)
    tag = _next_tag(repo)
    first = run("update-image", tag, "--env", "prod", *FORCE, "--repo", str(repo))
    assert first.exit_code == 0, first.output
    assert "then run the same command with --commit, or commit it yourself:" in first.output
    assert _git(repo, "status", "--porcelain", "--", "config", "dist")  # the edit, uncommitted
    again = run("update-image", tag, "--env", "prod", *FORCE, "--commit", "--repo", str(repo))
    assert again.exit_code == 0, again.output
    assert "committed " in again.output and "already at" not in again.output
    assert _git(repo, "rev-list", "--count", f"{head}..HEAD").strip() == "1"
    assert _git(repo, "log", "-1", "--format=%s") == f"chore(prod): deploy podinfo {tag}\n"
    assert {"config/environments/prod.yaml", "dist/prod/Rollout.podinfo.k8s.yaml"} <= set(
        _git(repo, "show", "--name-only", "--format=", "HEAD").split()
    )
    assert _git(repo, "status", "--porcelain") == ""
    same = run("update-image", tag, "--env", "prod", *FORCE, "--commit", "--repo", str(repo))
    assert same.exit_code == 0 and f"already at {tag}" in same.output  # committed: nothing left to do


def test_the_printed_git_command_makes_the_same_commit(repo):
    import subprocess

    head = _clean(repo)
    tag = _next_tag(repo)
    result = run("update-image", tag, "--env", "prod", *FORCE, "--repo", str(repo))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    command = lines[
        lines.index("not committed: review it (`git diff`), then run the same command with --commit, or commit it yourself:") + 1
    ]
    assert command.strip().startswith("git add -- config/environments/prod.yaml dist README.md docs && git commit -m ")
    subprocess.run(["bash", "-c", command.strip()], cwd=repo, check=True, capture_output=True)
    assert _git(repo, "rev-list", "--count", f"{head}..HEAD").strip() == "1"
    assert _git(repo, "log", "-1", "--format=%s") == f"chore(prod): deploy podinfo {tag}\n"
    assert _git(repo, "status", "--porcelain") == ""


def test_commit_refuses_any_change_this_command_does_not_make(repo):
    """The pending edit plus a hand edit in dist/, a docs page's prose or the environment file, or
    another tag's edit: refused with nothing changed (files and HEAD as they were)."""
    _clean(repo)
    tag = _next_tag(repo)
    assert run("update-image", tag, "--env", "prod", *FORCE, "--repo", str(repo)).exit_code == 0
    head = _git(repo, "rev-parse", "HEAD")
    dev_rollout, readme, prod = (
        repo / "dist/dev/Rollout.podinfo.k8s.yaml",
        repo / "docs/security.md",
        repo / "config/environments/prod.yaml",
    )
    for path, edit, words in (
        (dev_rollout, "# a hand edit\n", "dist/dev/Rollout.podinfo.k8s.yaml has uncommitted changes the synthesis does not make"),
        (readme, "\nA new paragraph.\n", "docs/security.md has uncommitted changes outside its generated tables"),
        (prod, "# a comment\n", "config/environments/prod.yaml has uncommitted changes other than this image"),
    ):
        original = path.read_text()
        path.write_text(original + edit)
        before = {p: p.read_text() for p in (dev_rollout, readme, prod)}
        refused = run("update-image", tag, "--env", "prod", *FORCE, "--commit", "--repo", str(repo))
        assert refused.exit_code == kube.USAGE and words in refused.output and "nothing changed" in refused.output, refused.output
        assert {p: p.read_text() for p in before} == before and _git(repo, "rev-parse", "HEAD") == head
        path.write_text(original)
    other = run("update-image", "6.14.9", "--env", "prod", *FORCE, "--commit", "--repo", str(repo))
    assert other.exit_code == kube.USAGE and "other than this image" in other.output


def test_update_image_names_environments_in_the_configured_order(repo):
    from podinfo_canary import config as config_module

    names = [e.name for e in config_module.load(repo / "config").environments]
    misspelt = names[-1][1] + names[-1][0] + names[-1][2:]
    result = run("update-image", "6.14.2", "--env", misspelt, "--repo", str(repo))
    assert result.exit_code == kube.USAGE
    assert result.output == f"canaryctl: unknown environment '{misspelt}'; known: {', '.join(names)}; did you mean '{names[-1]}'?\n"
