"""README's generated tables (canary plan, SLOs) match the configuration and the synthesized dist/."""

from __future__ import annotations

from tests.conftest import ROOT
from tools.docs import blocks, render


def test_readme_generated_sections_are_current(fresh_dist):
    text = (ROOT / "README.md").read_text()
    assert render(text, blocks(fresh_dist)) == text, "README.md is stale: run `make synth` and commit"
