"""README's generated tables (canary plan, SLOs, decision quality) match config/, dist/ and the last benchmark."""

from __future__ import annotations

import json

from tests.conftest import ROOT
from tools.decisions import DESIGNS, RESULTS, design_digest
from tools.docs import blocks, render


def test_readme_generated_sections_are_current(fresh_dist):
    text = (ROOT / "README.md").read_text()
    assert render(text, blocks(fresh_dist)) == text, "README.md is stale: run `make synth` and commit"


def test_decision_table_was_measured_on_the_current_analysis(fresh_dist):
    """bench/decisions.json records a digest of the Rollout and AnalysisTemplates it simulated:
    a changed analysis needs a new `make bench` before its figures may stand in the README."""
    report = json.loads(RESULTS.read_text())
    assert report["digests"]["after"] == design_digest(fresh_dist / "prod"), "dist/prod changed since the last run: run `make bench`"
    assert report["digests"]["before"] == design_digest(DESIGNS["before"])
