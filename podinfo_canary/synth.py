"""Atomic publication of synthesized manifests: dist/ is replaced whole, or not at all.

cdk8s writes into a staging directory; only when synthesis succeeded does the staged tree
replace dist/ (two renames on one filesystem). A failing construct, a bad value caught late or
an interrupted run leaves the committed dist/ exactly as it was.

`cdk8s synth` empties its output directory before it runs the app, so cdk8s.yaml points the CLI
at a scratch directory (.cdk8s.out, passed in as CDK8S_OUTDIR) and the app publishes dist/
itself.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged(dist: Path) -> Iterator[Path]:
    """Yield a directory to synthesize into; on normal exit, publish it as `dist`."""
    dist = dist.resolve()
    requested = os.environ.get("CDK8S_OUTDIR")
    if requested and Path(requested).resolve() == dist:
        # The caller asked to synthesize straight into dist/: there is nothing to stage.
        yield dist
        return
    parent = dist.parent
    with tempfile.TemporaryDirectory(dir=parent, prefix=f".{dist.name}-staging-") as scratch:
        staging = Path(requested).resolve() if requested else Path(scratch) / "out"
        yield staging
        fresh = Path(scratch) / "publish"
        shutil.copytree(staging, fresh)
        changes = changed_files(dist, fresh)
        _swap(fresh, dist, Path(scratch) / "previous")
        line = summary(dist, changes)
        if requested:
            line += f" (cdk8s lists its staging copy, {os.path.relpath(staging)}/, next)"
        print(line)


def changed_files(old: Path, new: Path) -> list[str]:
    """Files (relative paths) added, removed or changed between two trees."""

    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()} if root.exists() else {}

    before, after = tree(old), tree(new)
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def summary(dist: Path, changes: list[str]) -> str:
    """The one line `make synth` prints: how many objects, and which files changed."""
    files = sorted(dist.rglob("*.yaml"))
    objects = sum(1 for p in files for line in p.read_text().splitlines() if line.startswith("kind:"))
    shown = ", ".join(changes[:5]) + (f" and {len(changes) - 5} more" if len(changes) > 5 else "")
    label = os.path.relpath(dist) if dist.is_relative_to(Path.cwd()) else str(dist)
    return f"{label}/: {objects} objects in {len(files)} files; {len(changes)} changed{': ' + shown if changes else ''}"


def _swap(fresh: Path, dist: Path, previous: Path) -> None:
    if dist.exists():
        dist.rename(previous)
    try:
        fresh.rename(dist)
    except OSError:
        if previous.exists():
            previous.rename(dist)
        raise
