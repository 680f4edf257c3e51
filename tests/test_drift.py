"""The committed dist/ is exactly what a fresh synthesis of the committed configuration produces."""

from __future__ import annotations

from tests.conftest import DIST


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_committed_dist_matches_a_fresh_synth(fresh_dist):
    committed, fresh = _files(DIST), _files(fresh_dist)
    assert sorted(committed) == sorted(fresh), "dist/ has missing or extra files: run `make synth` and commit"
    changed = [name for name in fresh if committed[name] != fresh[name]]
    assert changed == [], f"dist/ is stale in {changed}: run `make synth` and commit"


def test_synthesis_is_deterministic(fresh_dist, tmp_path):
    from tests.conftest import run_main

    again = tmp_path / "dist"
    assert run_main(dist=again).returncode == 0
    assert _files(again) == _files(fresh_dist)
