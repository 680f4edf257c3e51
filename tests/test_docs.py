"""README's generated tables (canary plan, SLOs, decision quality) match config/, dist/ and the last benchmark."""

from __future__ import annotations

import json
import re

from tests.conftest import ROOT
from tools.decisions import DESIGNS, RESULTS, design_digest, istio_design
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


def test_the_istio_decision_table_was_measured_on_prod_on_the_istio_router(tmp_path):
    """The Istio rows simulate dist/prod's design with `traffic_router: istio` (tools.decisions
    istio_design, synthesized again here): the same design, its sidecars' test added."""
    report = json.loads(RESULTS.read_text())
    folder = istio_design(tmp_path)
    assert report["digests"]["istio"] == design_digest(folder), "prod on the Istio router changed since the last run: run `make bench`"
    router = next(p for p in folder.glob("Rollout.*.yaml")).read_text()
    assert "istio:" in router and "mesh-server-errors" in (folder / "AnalysisTemplate.podinfo-error-rate.k8s.yaml").read_text()
    assert {r["design"] for r in report["rows"]} == {"before", "after", "istio"}


def test_every_readme_section_named_in_code_or_config_exists():
    """A `README "Section"` reference in a comment or message must name a heading or a bold lead
    (`**Section.**`) of README.md, so a reader sent there finds it."""
    readme = (ROOT / "README.md").read_text()
    sections = set(re.findall(r"^#+ (.+?)\s*$", readme, re.M)) | set(re.findall(r"^\*\*([^*]+?)\.?\*\*", readme, re.M))
    files = [
        *ROOT.glob("podinfo_canary/**/*.py"),
        *ROOT.glob("tools/*.py"),
        *ROOT.glob("config/**/*.yaml"),
        ROOT / "main.py",
        ROOT / "Makefile",
    ]
    references = {(str(f.relative_to(ROOT)), name) for f in files for name in re.findall(r'README "([^"]+)"', f.read_text())}
    assert references, "no README references found: the pattern is wrong"
    assert sorted((f, name) for f, name in references if name not in sections) == []


def test_docs_state_what_the_manifests_really_do():
    """Claims corrected in issue 7 (Argo CD's `resume` reruns an Inconclusive stage check while
    `promote`/`skip-current-step` move on) and since. The Gateway API review: after an abort header
    requests reach stable pods, not a 503 (v1.9.1 rollout/trafficrouting.go `reconcileTrafficRouting`
    points the canary Service at stable; rollout/service.go `reconcileStableAndCanaryService` keeps
    the aborted hash only without traffic routing, and every router routes traffic:
    tests/model/test_header_route.py); the Gateway's listeners must admit the routes from the
    environment's namespace. Path routing is the opt-in canary path prefix, documented where the
    rollout's routes are."""
    readme = (ROOT / "README.md").read_text()
    rollout_doc = (ROOT / "podinfo_canary/charts/environment/rollout.py").read_text().split('"""')[1]
    assert "canary_path_prefix" in rollout_doc and "**Testing a canary by path.**" in readme
    routing = readme[readme.index("**Routing.**") : readme.index("## Everyday tasks")]
    assert "reconcileStableAndCanaryService" in routing and "only without traffic routing" in routing
    assert "get 503" not in readme and "header requests reach stable pods" in " ".join(routing.split())
    assert "`allowedRoutes.namespaces.from` defaults to `Same`" in " ".join(routing.split())
    assert "`resume` only\nclears the pause" in readme and "`skip-current-step` move to the next step" in readme


def test_the_object_index_names_every_file_of_dist_and_its_construct(tmp_path, fresh_dist):
    """docs/objects.md is what tools/objects.py makes of a fresh build (no hand edit, not stale),
    it lists each file of dist/ once, and each row's source file defines the construct named."""
    from podinfo_canary import app
    from podinfo_canary.config import load
    from tools import objects

    built = app.build(load(ROOT / "config"), tmp_path)
    assert objects.PAGE.read_text() == objects.page(built), "docs/objects.md is stale: run `make synth` and commit"
    rows = objects.rows(built)
    assert sorted(f for f, *_ in rows) == sorted(str(p.relative_to(fresh_dist)) for p in fresh_dist.rglob("*.yaml"))
    for _, _, cls, source in rows:
        assert re.search(rf"^class {cls}\b", (ROOT / source).read_text(), re.M), (cls, source)
