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


# A fenced code block (also indented in a list item), and an inline code span (it may wrap a line).
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S)
_INLINE = re.compile(r"(?<!`)`([^`]+)`(?!`)")
# A shell command inside code: at its start, after `&&`, `||`, `;` or `|`, behind a `$ ` prompt,
# `VAR=value` assignments and a path (`.venv/bin/`), or an inline span inside a fenced Markdown
# example; its words run to the next separator or `#`.
_CANARYCTL = re.compile(
    r"(?:^|&&|\|\|?|;)[ \t]*`?(?:\$[ \t]+)?(?:[A-Za-z_][A-Za-z0-9_]*=\S*[ \t]+)*(?:\S*/)?"
    r"canaryctl[ \t]+([a-z][a-z-]*)([^|;&#`\n]*)",
    re.M,
)


def canaryctl_mentions(text: str) -> list[tuple[str, list[str]]]:
    """Each `canaryctl <command> ... --option` a Markdown text names in code (a fenced block's
    lines, an inline span, or a prose line that starts with it): (command, its options)."""
    blocks = [m.group(2) for m in _FENCE.finditer(text)]
    prose = _FENCE.sub("", text)
    spans = [m.group(1).replace("\n", " ") for m in _INLINE.finditer(prose)]
    lines = [line for line in prose.splitlines() if line.lstrip().startswith("canaryctl ")]
    return [
        (m.group(1), re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", m.group(2)))
        for code in (*blocks, *spans, *lines)
        for m in _CANARYCTL.finditer(code)
        if m.group(1) != "help"
    ]


def _unknown_canaryctl(text: str, options: dict[str, set[str]]) -> list[str]:
    return [
        f"canaryctl {command}" if command not in options else f"canaryctl {command} {option}"
        for command, named in canaryctl_mentions(text)
        for option in (named if command in options else [None])
        if command not in options or option not in options[command] | {"--help"}
    ]


def test_every_canaryctl_command_and_option_a_page_names_exists():
    """`canaryctl <command> ... --option` in the README or a hand-written page: the command is one of
    the typer app's, each option one of that command's (a renamed option fails here)."""
    options = reference.ctl_options()
    named = 0
    for page in HAND_WRITTEN:
        text = page.read_text()
        named += len(canaryctl_mentions(text))
        assert _unknown_canaryctl(text, options) == [], page.relative_to(ROOT)
    assert named > 50, "few canaryctl mentions found: the pattern is wrong"


def test_the_canaryctl_extractor_finds_a_bad_option_in_every_shell_form():
    """A scratch page naming `--bogus` once per form a command takes in the docs: each is caught,
    and prose or another tool's `--bogus` is not taken for canaryctl's."""
    options = reference.ctl_options()
    forms = [
        "`canaryctl status --bogus`",
        "`canaryctl status\n--bogus`",
        "```sh\n$ canaryctl status --bogus\n```",
        "```sh\nKUBECONFIG=/tmp/k A=1 canaryctl status --bogus\n```",
        "```sh\nmake synth && canaryctl status --bogus\n```",
        "```sh\ngit pull; canaryctl status --bogus\n```",
        "`yes | .venv/bin/canaryctl status --bogus`",
        "- list item:\n\n  ```sh\n  canaryctl status --env dev || canaryctl status --bogus\n  ```",
        "canaryctl status --bogus at the start of a prose line",
    ]
    for form in forms:
        assert _unknown_canaryctl(form, options) == ["canaryctl status --bogus"], form
    assert _unknown_canaryctl("`canaryctl nosuch --env dev`", options) == ["canaryctl nosuch"]
    clean = "`canaryctl status --env dev | grep --bogus` and `git log --bogus`; canaryctl is a --bogus word here"
    assert _unknown_canaryctl(clean, options) == [] and len(canaryctl_mentions(clean)) == 1


def test_every_canaryctl_command_is_taught_by_a_hand_written_page():
    """The reference is generated from the same typer app, so only a guide can be missing one: each
    command is named (in code) on a page of docs/ outside reference/, the how-to pages."""
    taught = {
        command
        for page in sorted((ROOT / "docs").rglob("*.md"))
        if "reference" not in page.relative_to(ROOT / "docs").parts
        for command, _ in canaryctl_mentions(page.read_text())
    }
    commands = [name for name, _ in reference.ctl_commands()]
    assert len(commands) > 15 and [c for c in commands if c not in taught] == []


# The commands that handle a bad version without putting Git back on the stable one.
_NOT_FIRST = ("canaryctl abort", "update-image", "git revert")


def _rollback_not_first(text: str) -> str | None:
    """Why a procedure that handles a bad version does not start with `canaryctl rollback`, or None."""
    if not any(s in text for s in (*_NOT_FIRST, "rollback.md", "roll back")):
        return None  # handles no bad version
    if "canaryctl rollback" not in text:
        return "names no `canaryctl rollback`"
    first = text.index("canaryctl rollback")
    before = [s for s in _NOT_FIRST if s in text and text.index(s) < first]
    return f"names {before} before `canaryctl rollback`" if before else None


def test_the_first_step_for_a_bad_version_is_canaryctl_rollback():
    """The incident procedure and every runbook whose "What to do" handles a bad version name
    `canaryctl rollback` (which aborts and commits the stable version, so Git and the cluster
    agree) before an abort, an update-image or a git revert (docs/guides/rollback.md)."""
    incident = (ROOT / "docs/operations/incident.md").read_text()
    pages = {"incident.md": incident}
    for page in sorted((ROOT / "docs/operations/runbooks").glob("Podinfo*.md")):
        pages[page.name] = _section(page.read_text(), "## What to do", "\n## ")
    handling = {name for name, text in pages.items() if "canaryctl rollback" in text or _rollback_not_first(text)}
    assert {"incident.md", "PodinfoRolloutFailed.md", "PodinfoHighErrorRate.md", "PodinfoCanaryFailedWhilePaused.md"} <= handling
    assert {name: why for name, text in pages.items() if (why := _rollback_not_first(text))} == {}
    # The procedure as it was (abort first, then a fix "through update-image") fails the check.
    before = "2. **Stop the damage.** A canary in progress: `canaryctl abort --env <env>`.\n5. A revert, through `canaryctl update-image`."
    assert _rollback_not_first(before) == "names no `canaryctl rollback`"
    assert _rollback_not_first("`canaryctl abort --env prod`, then `canaryctl rollback --env prod`") is not None


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


def test_every_test_file_is_in_the_catalogue():
    """docs/reference/tests.md names every test file (or the folder it lives in) with what it proves."""
    text = (ROOT / "docs/reference/tests.md").read_text()
    named = set(re.findall(r"`(test_[a-z0-9_]+\.py)`", text))
    folders = set(re.findall(r"`(tests/[a-z0-9_/]+/)`", text))
    files = sorted((ROOT / "tests").rglob("test_*.py"))
    assert len(files) > 40
    missing = [
        str(f.relative_to(ROOT)) for f in files if f.name not in named and not any(str(f.relative_to(ROOT)).startswith(d) for d in folders)
    ]
    assert missing == []


def test_every_alert_a_page_names_exists():
    """A `Podinfo...` name in a hand-written page is an alert of dist/ or one of the constructs
    (classes) of the code: a renamed or removed alert fails here."""
    import yaml

    alerts = {
        rule["alert"]
        for path in ROOT.glob("dist/*/PrometheusRule.*.yaml")
        for group in yaml.safe_load(path.read_text())["spec"]["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    constructs = {m for f in ROOT.glob("podinfo_canary/**/*.py") for m in re.findall(r"^class (Podinfo\w+)", f.read_text(), re.M)}
    assert len(alerts) >= 8
    named = {(str(p.relative_to(ROOT)), n) for p in HAND_WRITTEN for n in re.findall(r"\bPodinfo[A-Z][A-Za-z]+", p.read_text())}
    assert sorted((p, n) for p, n in named if n not in alerts | constructs) == []
