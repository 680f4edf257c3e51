"""`canaryctl update-image`: a new podinfo version the GitOps way, as a change to Git, never to the
cluster. The environment file is edited round-trip (ruamel.yaml: comments, order and quoting
kept), the whole configuration is validated on a copy before anything is written, `dist/` is
synthesized again (main.py, atomic), and with `--commit` one commit holds the config line, `dist/`
and the docs' generated tables (docs/**/*.md and README.md, tools/docs.py).

Without `--commit` the change stays in the working tree, and either path ends in that one commit:
run the same command again with `--commit` (it accepts a tree whose only changes are this edit:
the environment file's line, dist/ as the synthesis writes it, the docs' generated tables), or
paste `ImageUpdate.commit_command()`, which canaryctl prints."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from podinfo_canary import config as config_module
from podinfo_canary.ctl.kube import FAILED, USAGE, CtlError
from podinfo_canary.ctl.words import unknown_environment

CONFIG, DIST, README, DOCS = "config", "dist", "README.md", "docs"
# The Markdown an image commit may change, in its generated blocks only (the scanner table of
# docs/security.md loses its digest skip with --digest, for example).
GENERATED_DOCS = (README, DOCS)


@dataclass(frozen=True)
class ImageUpdate:
    environment: str
    file: Path
    diff: str  # `git diff --stat` of dist/ and the file
    commit: str | None  # the new commit's hash, with --commit
    message: str = ""  # the commit message, `chore(<env>): deploy podinfo <tag>`
    paths: tuple[str, ...] = ()  # what the commit holds: the environment file, dist/, the docs' generated tables

    def commit_command(self) -> str:
        """The git commands that make the commit `--commit` makes, to paste in the repository."""
        add = shlex.join(["git", "add", "--", *self.paths])
        if "\n" not in self.message:
            return f"{add} && {shlex.join(['git', 'commit', '-m', self.message, '--', *self.paths])}"
        # A message of several lines (promote-env's evidence) stays one line to paste: bash's $'...'.
        quoted = "$'" + self.message.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"
        return f"{add} && git commit -m {quoted} -- {shlex.join(self.paths)}"


def _round_trip() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _scalar(value: str):
    """A plain scalar when YAML reads it back as this string, else double-quoted (6.10 would be
    the float 6.1)."""
    return value if pyyaml.safe_load(f"v: {value}")["v"] == value else DoubleQuotedScalarString(value)


def edited(text: str, tag: str, digest: str | None) -> str:
    """The environment file's text with image.tag (and image.digest) changed, the rest kept.
    Without a digest, any earlier digest goes: it named the previous tag's image."""
    yaml = _round_trip()
    data = yaml.load(text)
    image = data["image"]
    image["tag"] = _scalar(tag)
    if digest:
        image["digest"] = _scalar(digest)
    elif "digest" in image:
        del image["digest"]
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if result.returncode != 0:
        said = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit status {result.returncode}"
        raise CtlError(f"git {' '.join(args)}: {said}", FAILED)
    return result.stdout


def configured_environments(config_dir: Path) -> list[str]:
    """The environments in their configured order (config/platform.yaml `environments:`); the
    environment files' names when platform.yaml cannot say."""
    try:
        names = pyyaml.safe_load((config_dir / config_module.PLATFORM_FILE).read_text())["environments"]
        if isinstance(names, list) and names:
            return [str(n) for n in names]
    except (OSError, pyyaml.YAMLError, TypeError, KeyError):
        pass
    return sorted(p.stem for p in (config_dir / config_module.ENVIRONMENTS_DIR).glob("*.yaml"))


def _committed(repo: Path, relative: str) -> str | None:
    """The file as HEAD has it, or None (not committed)."""
    result = subprocess.run(["git", "show", f"HEAD:{relative}"], cwd=repo, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def _dirty(repo: Path) -> list[str]:
    """The paths under config/, dist/, docs/ and README.md that differ from HEAD (staged, unstaged, untracked)."""
    listed = _git(repo, "status", "--porcelain", "--untracked-files=all", "--", CONFIG, DIST, *GENERATED_DOCS)
    return [line[3:].split(" -> ")[-1].strip('"') for line in listed.splitlines() if line.strip()]


_GENERATED = re.compile(r"(<!-- BEGIN GENERATED: (\S+) -->\n).*?(<!-- END GENERATED: \2 -->)", re.S)


def _prose(readme: str) -> str:
    """A page without the content of its generated blocks (tools/docs.py writes them from
    config/, dist/ and the code on every synthesis)."""
    return _GENERATED.sub(lambda m: m.group(1) + m.group(3), readme)


def _refuse(what: str) -> CtlError:
    return CtlError(f"refused, nothing changed: {what}: commit or stash them first, or run without --commit", USAGE)


def _other_changes(repo: Path, relative: str, expected: str | None, dirty: list[str]) -> None:
    """Refuse --commit over uncommitted changes this command would not make. Allowed: the
    environment file holding exactly this edit, a Markdown page changed only in its generated blocks
    (an earlier run without --commit leaves both); dist/ is checked against a synthesis
    (`_dist_is_synthesized`). `expected`: the environment file as this command makes it from HEAD's."""
    for path in dirty:
        if path == relative:
            if expected is None or (repo / relative).read_text() != expected:
                raise _refuse(f"{relative} has uncommitted changes other than this image")
        elif path.endswith(".md") and (path == README or path.startswith(f"{DOCS}/")):
            head = _committed(repo, path)
            if head is None or not (repo / path).is_file() or _prose((repo / path).read_text()) != _prose(head):
                raise _refuse(f"{path} has uncommitted changes outside its generated tables")
        elif not path.startswith(f"{DIST}/"):
            raise _refuse(f"{path} has uncommitted changes")


def _tree(folder: Path, paths: list[str]) -> dict[str, bytes | None]:
    return {p: (folder / p).read_bytes() if (folder / p).is_file() else None for p in paths}


def _synthesize(repo: Path, config_dir: Path | None = None, dist: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if config_dir is not None:
        env.update(PODINFO_CONFIG_DIR=str(config_dir), PODINFO_DIST_DIR=str(dist))
    return subprocess.run([sys.executable, str(repo / "main.py")], cwd=repo, capture_output=True, text=True, env=env)


def _dist_is_synthesized(repo: Path, trial: Path, scratch: Path, dirty: list[str]) -> None:
    """Refuse --commit when a changed file of dist/ is not what the synthesis of the edited
    configuration writes (a hand edit the synthesis would throw away)."""
    changed = [p.removeprefix(f"{DIST}/") for p in dirty if p.startswith(f"{DIST}/")]
    if not changed:
        return
    synth = _synthesize(repo, trial, scratch)
    if synth.returncode != 0:
        raise CtlError(f"synthesis failed, nothing changed: {_last_line(synth)}", FAILED)
    expected, present = _tree(scratch, changed), _tree(repo / DIST, changed)
    other = [p for p in changed if expected[p] != present[p]]
    if other:
        raise _refuse(f"{DIST}/{other[0]} has uncommitted changes the synthesis does not make")


def _synthesis_installed() -> None:
    """canaryctl installs without the synthesis toolchain (cdk8s, jsii, Node: the `synth` extra);
    a command that synthesizes says so in one line before it changes anything."""
    import importlib.util

    if importlib.util.find_spec("cdk8s") is None:
        raise CtlError(
            "refused, nothing changed: update-image re-synthesizes dist/, which needs cdk8s: "
            "pip install 'podinfo-canary[synth]' (or `make setup` in the checkout)",
            USAGE,
        )


def _last_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit status {result.returncode}"


def update_image(repo: Path, environment: str, tag: str, digest: str | None, *, commit: bool, message: str | None = None) -> ImageUpdate:
    """Edit, validate, synthesize and, with `commit`, commit. With `commit` the tree may hold
    this same edit uncommitted (a run without --commit leaves it): the commit is made of it;
    any other uncommitted change under config/, dist/, docs/ or README.md refuses, nothing changed.
    `message`: the commit's message (promote-env and rollback name their evidence in it)."""
    config_dir = repo / CONFIG
    known = configured_environments(config_dir)
    file = config_module.environment_file(config_dir, environment)
    if environment not in known or not file.is_file():
        raise CtlError(unknown_environment(environment, known), USAGE)
    relative = str(file.relative_to(repo))
    label = f"{tag}@{digest}" if digest else tag
    update = ImageUpdate(
        environment, file, "", None, message or f"chore({environment}): deploy podinfo {label}", (relative, DIST, *GENERATED_DOCS)
    )
    original = file.read_text()
    text = edited(original, tag, digest)
    committed = _committed(repo, relative)
    dirty = _dirty(repo) if commit else []
    # This edit already made and not committed (a run without --commit): commit it now.
    pending = commit and text == original and committed is not None and committed != original
    if text == original and not pending:
        return update
    _synthesis_installed()
    if commit:
        _other_changes(repo, relative, None if committed is None else edited(committed, tag, digest), dirty)
    # Validate the whole configuration with the change, on a copy: a refusal changes nothing.
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / CONFIG
        shutil.copytree(config_dir, trial)
        (trial / config_module.ENVIRONMENTS_DIR / file.name).write_text(text)
        try:
            config_module.load(trial)
        except config_module.ConfigError as exc:
            first = (
                str(exc)
                .strip()
                .splitlines()[0]
                .replace(str(trial), str(config_dir.relative_to(repo)) if config_dir.is_relative_to(repo) else str(config_dir))
            )
            raise CtlError(f"refused, nothing changed: {first}", USAGE) from exc
        if commit:
            _dist_is_synthesized(repo, trial, Path(scratch) / DIST, dirty)
    file.write_text(text)
    synth = _synthesize(repo)
    if synth.returncode != 0:
        file.write_text(original)
        raise CtlError(f"synthesis failed, config restored: {_last_line(synth)}", FAILED)
    diff = _git(repo, "diff", "--stat", "HEAD", "--", *update.paths)
    sha = None
    if commit:
        _git(repo, "add", "--", *update.paths)
        _git(repo, "commit", "--quiet", "-m", update.message, "--", *update.paths)
        sha = _git(repo, "rev-parse", "--short", "HEAD").strip()
    return dataclasses.replace(update, diff=diff, commit=sha)
