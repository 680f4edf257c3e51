"""The committed dist/ is exactly what a fresh synthesis of the committed configuration produces.

That also pins determinism: the committed tree came from an earlier process (and test_cli.py
synthesizes a third time, through the cdk8s CLI), so output that varied from run to run (dict
order, timestamps, random names) would fail here.
"""

from __future__ import annotations

from tests.conftest import DIST


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_committed_dist_matches_a_fresh_synth(fresh_dist):
    committed, fresh = _files(DIST), _files(fresh_dist)
    assert sorted(committed) == sorted(fresh), "dist/ has missing or extra files: run `make synth` and commit"
    changed = [name for name in fresh if committed[name] != fresh[name]]
    assert changed == [], f"dist/ is stale in {changed}: run `make synth` and commit"
