"""The docs stay true: their generated tables and reference pages (canary plan, SLOs, decision
quality, configuration, canaryctl, alerts) match config/, dist/, the code and the last benchmark;
what the hand-written pages and the README name exists; the README stays a front door."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import ROOT
from tools import reference
from tools.decisions import DESIGNS, RESULTS, design_digest, istio_design
from tools.docs import blocks, rendered

HAND_WRITTEN = [
    ROOT / "README.md",
    *(p for p in sorted((ROOT / "docs").rglob("*.md")) if "reference" not in p.parts or p.name in ("index.md", "layout.md", "tests.md")),
]


def test_generated_sections_of_the_docs_are_current(fresh_dist):
    for page, text in rendered(blocks(fresh_dist)).items():
        assert page.read_text() == text, f"{page.relative_to(ROOT)} is stale: run `make synth` and commit"


def test_readme_is_a_front_door_of_two_screens():
    text = (ROOT / "README.md").read_text()
    lines = text.splitlines()
    assert len(lines) <= 150, len(lines)
    assert [n for n, line in enumerate(lines, 1) if len(line) > 120] == []
    for must in ("make synth", "make test", "PODINFO_CRD_DIR", "../shared/crds", "```mermaid", "docs/getting-started.md"):
        assert must in text, must


# Dotted names in the docs that start like a field but are not one.
NOT_FIELDS = {"cluster.local"}  # Istio's default trust domain


def _section(text: str, start: str, end: str | None = None) -> str:
    body = text[text.index(start) :]
    return body[: body.index(end)] if end else body


def test_decision_table_was_measured_on_the_current_analysis(fresh_dist):
    """bench/decisions.json records a digest of the Rollout and AnalysisTemplates it simulated:
    a changed analysis needs a new `make bench` before its figures may stand in the docs."""
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


def test_every_docs_section_named_in_code_or_config_exists():
    """A `docs/<page>.md "Section"` (or `README "Section"`) reference in a comment or message must
    name a heading or a bold lead (`**Section.**`) of that page, so a reader sent there finds it."""

    def sections(path: Path) -> set[str]:
        text = path.read_text()
        return set(re.findall(r"^#+ (.+?)\s*$", text, re.M)) | set(re.findall(r"^\*\*([^*]+?)\.?\*\*", text, re.M))

    files = [
        *ROOT.glob("podinfo_canary/**/*.py"),
        *ROOT.glob("tools/*.py"),
        *ROOT.glob("config/**/*.yaml"),
        ROOT / "main.py",
        ROOT / "Makefile",
    ]
    pattern = re.compile(r'(README|docs/[\w/.-]+\.md) "([^"]+)"(?:(?:,| and) "([^"]+)")*')
    references = set()
    for f in files:
        for match in re.finditer(r'(README|docs/[\w/.-]+\.md)((?: "[^"]+"(?:,| and)?)+)', f.read_text()):
            page = "README.md" if match.group(1) == "README" else match.group(1)
            for name in re.findall(r'"([^"]+)"', match.group(2)):
                references.add((str(f.relative_to(ROOT)), page, name))
    assert pattern and len(references) > 20, "few docs references found: the pattern is wrong"
    missing = [(f, page, name) for f, page, name in sorted(references) if not (ROOT / page).is_file() or name not in sections(ROOT / page)]
    assert missing == []


def test_every_canaryctl_command_and_option_a_page_names_exists():
    """`canaryctl <command> ... --option` in the README or a hand-written page: the command is one of
    the typer app's, each option one of that command's (a renamed option fails here)."""
    options = reference.ctl_options()
    named = []
    for page in HAND_WRITTEN:
        # in inline code, or at the start of a line of a code block
        for match in re.finditer(r"(?:`|^[ \t]*(?:\.venv/bin/)?)canaryctl ([a-z][a-z-]*)([^`|\n]*)", page.read_text(), re.M):
            command, rest = match.group(1), match.group(2)
            if command in ("help",):
                continue
            named.append((page.name, command))
            assert command in options, f"{page.relative_to(ROOT)}: canaryctl {command} is no command"
            for option in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", rest):
                assert option in options[command] | {"--help"}, f"{page.relative_to(ROOT)}: canaryctl {command} has no {option}"
    assert len(named) > 50, "few canaryctl mentions found: the pattern is wrong"
    # And the other way: every command is in the generated reference (each with its options).
    page = (ROOT / "docs/reference/canaryctl.md").read_text()
    for command, cmd in reference.ctl_commands():
        assert f"## `canaryctl {command}`" in page, command
        section = _section(page, f"## `canaryctl {command}`", "\n## ")
        shown = [o for p in cmd.params if not getattr(p, "hidden", False) for o in getattr(p, "opts", ()) if o.startswith("-")]
        assert shown == [] or all(f"`{o}`" in section for o in shown), (command, shown)


def test_every_config_field_a_page_names_exists_and_every_field_is_in_the_reference():
    """A backticked dotted name whose first part is a top-level field of config/ (`slo.error_rate_max`,
    `alerting.runbook_url`) must be a field; every field is in the generated reference."""
    from podinfo_canary.config import Environment, Platform

    paths = reference.field_paths()
    tops = set(Environment.model_fields) | set(Platform.model_fields)
    checked = 0
    for page in HAND_WRITTEN:
        for name in re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)(?::[^`]*)?`", page.read_text()):
            if name.split(".")[0] in tops and name not in NOT_FIELDS and not name.endswith((".yaml", ".py", ".md", ".json")):
                checked += 1
                parts = name.split(".")
                # a map's keys are data (alerting.rules.high_error_rate): the path up to the map must exist
                assert name in paths or any(
                    ".".join(parts[:i]) in paths and ".".join(parts[:i]) + "." not in " ".join(paths) for i in range(1, len(parts))
                ), f"{page.relative_to(ROOT)}: `{name}` is no configuration field"
    assert checked > 30, "few field mentions found: the pattern is wrong"
    page = (ROOT / "docs/reference/configuration.md").read_text()
    for _, fields in reference.config_fields():
        for field in fields:
            assert f"| `{field.path}` |" in page, field.path


def test_every_alert_has_a_runbook_page_and_every_runbook_an_alert(fresh_dist):
    from podinfo_canary.config import load

    cfg = load(ROOT / "config")
    names = {r["alert"] for rules in reference.alerts(cfg, fresh_dist).values() for r in rules}
    pages = {p.stem for p in (ROOT / "docs/operations/runbooks").glob("*.md") if p.stem != "index"}
    assert names and pages == names, (sorted(names - pages), sorted(pages - names))
    for name in names:
        text = (ROOT / f"docs/operations/runbooks/{name}.md").read_text()
        for heading in ("## Symptom", "## What it means", "## What to check", "## What to do", "## How to verify"):
            assert heading in text, (name, heading)
        assert "canaryctl " in text or "kubectl " in text, name


def test_docs_state_what_the_manifests_really_do():
    """Claims corrected in issue 7 (Argo CD's `resume` reruns an Inconclusive stage check while
    `promote`/`skip-current-step` move on) and since. The Gateway API review: after an abort header
    requests reach stable pods, not a 503 (v1.9.1 rollout/trafficrouting.go `reconcileTrafficRouting`
    points the canary Service at stable; rollout/service.go `reconcileStableAndCanaryService` keeps
    the aborted hash only without traffic routing, and every router routes traffic:
    tests/model/test_header_route.py); the Gateway's listeners must admit the routes from the
    environment's namespace. Path routing is the opt-in canary path prefix, documented where the
    rollout's routes are."""
    routing_page = (ROOT / "docs/explanation/routing.md").read_text()
    control = (ROOT / "docs/guides/rollout-control.md").read_text()
    rollout_doc = (ROOT / "podinfo_canary/charts/environment/rollout.py").read_text().split('"""')[1]
    assert "canary_path_prefix" in rollout_doc and "## Testing a canary by path" in routing_page
    routing = _section(routing_page, "# Routing", "## Istio")
    assert "reconcileStableAndCanaryService" in routing and "only without traffic routing" in routing
    everything = "".join(p.read_text() for p in HAND_WRITTEN)
    assert "get 503" not in everything and "header requests reach stable pods" in " ".join(routing.split())
    assert "`allowedRoutes.namespaces.from` defaults to `Same`" in " ".join(routing.split())
    assert "`resume` only\nclears the pause" in control and "`skip-current-step` move to the next step" in control


def test_the_object_index_names_every_file_of_dist_and_its_construct(tmp_path, fresh_dist):
    """docs/reference/objects.md is what tools/objects.py makes of a fresh build (no hand edit, not stale),
    it lists each file of dist/ once, and each row's source file defines the construct named."""
    from podinfo_canary import app
    from podinfo_canary.config import load
    from tools import objects

    built = app.build(load(ROOT / "config"), tmp_path)
    assert objects.PAGE.read_text() == objects.page(built), "docs/reference/objects.md is stale: run `make synth` and commit"
    rows = objects.rows(built)
    assert sorted(f for f, *_ in rows) == sorted(str(p.relative_to(fresh_dist)) for p in fresh_dist.rglob("*.yaml"))
    for _, _, cls, source in rows:
        assert re.search(rf"^class {cls}\b", (ROOT / source).read_text(), re.M), (cls, source)
