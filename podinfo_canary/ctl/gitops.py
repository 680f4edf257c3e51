"""`canaryctl update-image`: a new podinfo version the GitOps way, as a change to Git, never to the
cluster. The environment file is edited round-trip (ruamel.yaml: comments, order and quoting
kept), the whole configuration is validated on a copy before anything is written, `dist/` is
synthesized again (main.py, atomic), and with `--commit` one commit holds the config line, `dist/`
and the README tables."""

from __future__ import annotations

import io
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
from podinfo_canary.ctl.kube import USAGE, CtlError

CONFIG, DIST = "config", "dist"


@dataclass(frozen=True)
class ImageUpdate:
    environment: str
    file: Path
    diff: str  # `git diff --stat` of dist/ and the file
    commit: str | None  # the new commit's hash, with --commit


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
        raise CtlError(f"git {' '.join(args)}: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else 'failed'}", 1)
    return result.stdout


def update_image(repo: Path, environment: str, tag: str, digest: str | None, *, commit: bool) -> ImageUpdate:
    config_dir = repo / CONFIG
    file = config_dir / config_module.ENVIRONMENTS_DIR / f"{environment}.yaml"
    if not file.is_file():
        names = sorted(p.stem for p in (config_dir / config_module.ENVIRONMENTS_DIR).glob("*.yaml"))
        raise CtlError(f"unknown environment {environment!r}; known: {', '.join(names)}", USAGE)
    relative = str(file.relative_to(repo))
    if commit:
        dirty = _git(repo, "status", "--porcelain", "--", CONFIG, DIST, "README.md").strip()
        if dirty:
            first = dirty.splitlines()[0].strip()
            raise CtlError(
                f"refused, nothing changed: config/, dist/ or README.md have uncommitted changes ({first}, ...): commit or stash them first",
                USAGE,
            )
    original = file.read_text()
    text = edited(original, tag, digest)
    if text == original:
        return ImageUpdate(environment, file, "", None)
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
    file.write_text(text)
    synth = subprocess.run([sys.executable, str(repo / "main.py")], cwd=repo, capture_output=True, text=True)
    if synth.returncode != 0:
        file.write_text(original)
        raise CtlError(
            f"synthesis failed, config restored: {synth.stderr.strip().splitlines()[-1] if synth.stderr.strip() else synth.returncode}", 1
        )
    diff = _git(repo, "diff", "--stat", "--", relative, DIST, "README.md")
    sha = None
    if commit:
        label = f"{tag}@{digest}" if digest else tag
        _git(repo, "add", "--", relative, DIST, "README.md")
        _git(repo, "commit", "--quiet", "-m", f"chore({environment}): deploy podinfo {label}", "--", relative, DIST, "README.md")
        sha = _git(repo, "rev-parse", "--short", "HEAD").strip()
    return ImageUpdate(environment, file, diff, sha)
