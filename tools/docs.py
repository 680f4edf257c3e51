"""Generated sections of the docs (docs/**/*.md, and README.md should it hold any): tables from
config/, dist/, the code and the last `make bench` run, not from prose.

The canary plan, SLO, decision, bootstrap, alert, audit, scanner and Secrets blocks come from
config/, dist/ and bench/decisions.json; the reference blocks (configuration, canaryctl, alerts of
every environment) from the code, through tools/reference.py.

`make synth` rewrites the blocks between `<!-- BEGIN GENERATED: name -->` and
`<!-- END GENERATED: name -->` wherever they are; each block lives in exactly one page, and
tests/test_docs.py fails when a page is stale.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

from podinfo_canary import config as config_module
from podinfo_canary.charts.environment.analysis import sequential_tests
from podinfo_canary.core import yamltext
from podinfo_canary.core.bootstrap import hand_applied_files
from podinfo_canary.core.plan import plan_from_folder
from podinfo_canary.core.secrets import out_of_band_secrets
from tools import reference

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
RESULTS = ROOT / "bench/decisions.json"


def canary_block(cfg: config_module.Config, dist: Path) -> str:
    lines = ["| environment | stages (weight: wait, analysis) | healthy promotion* |", "|---|---|---|"]
    for env in cfg.environments:
        plan = plan_from_folder(dist / env.name)
        stages = []
        if plan.pre_exposure is not None:
            stages.append(f"0%: pre-exposure {plan.pre_exposure.seconds}s ({plan.pre_exposure.generated_requests} generated requests)")
        for stage in plan.stages:
            wait = "manual gate" if stage.manual_gate else (f"{stage.pause_seconds}s" if stage.pause_seconds else "-")
            stages.append(f"{stage.weight}%: {wait}{' + analysis' if stage.analyses else ''}")
        starts = f" + {plan.scale_ups} pod start-ups" if plan.scale_ups else ""
        lines.append(f"| {env.name} | {' → '.join(stages)} | {plan.promotion_seconds / 60:.1f} min{starts} |")
    lines.append("")
    lines.append(
        "\\* manual gates excluded. A stage whose weight needs more canary pods starts its pause once they are ready, "
        "so each such stage adds a pod start-up (podinfo: a few seconds). A stage's blocking check takes one "
        "measurement when the canary has answered enough requests. The pre-exposure phase "
        '(docs/explanation/analysis.md "Evidence before exposure") judges the canary at 0% of users first; '
        "its time includes its testers' pod starts."
    )
    return "\n".join(lines)


def slo_block(cfg: config_module.Config) -> str:
    lines = [
        "| environment | success rate | error rate (5xx) | P95 | P99 | CPU of limit | memory of limit | canary restarts | "
        "min canary requests | false abort bound | tested against (SLO x bad_factor) | aborts in the long run above* | "
        "worse than stable at** | look every | outage tolerated |"
    ]
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for env in cfg.environments:
        s, d = env.slo, env.decision
        v, tests = d.versus_stable, sequential_tests(s, d)
        above = ", ".join(f"{label} {tests[name].break_even:.2%}" for name, label in BREAK_EVEN_LABELS.items())
        lines.append(
            f"| {env.name} | >= {s.success_rate_min:.0%} | <= {s.error_rate_max:.0%} | <= {s.latency_p95_max_ms} ms | "
            f"<= {s.latency_p99_max_ms} ms | <= {s.cpu_usage_max:.0%} | <= {s.memory_usage_max:.0%} | <= {s.canary_restarts_max} | "
            f"{s.min_canary_requests} (wait {d.evidence_wait}) | {d.false_abort_max:.1%} | x{d.bad_factor:g} | {above} | "
            f"{v.factor:g} x stable + {v.margin:.2%} (stable over {v.window}) | {d.look_interval} | {d.prometheus_outage_tolerance} |"
        )
    lines.append("")
    lines.append(
        "\\* each sequential test weighs healthy against bad evidence: a canary steadily above this share of bad "
        "requests is aborted in the long run (a long manual gate gives it time), one at or below the SLO at most "
        "false_abort_max of the time."
    )
    lines.append("")
    lines.append(
        "\\*\\* the relative judge (`decision.versus_stable`): the same canary counts against what the stable pods "
        "served over the window (its bad share at least the margin, at most a half); stable's share is an estimate, "
        "so a canary no worse than stable is aborted about false_abort_max of the time, not at most (`make bench` "
        "measures it), and one at factor x stable + margin is caught."
    )
    return "\n".join(lines)


BREAK_EVEN_LABELS = {"server-errors": "5xx", "unsuccessful": "not 2xx", "slower-than-p95": "> P95", "slower-than-p99": "> P99"}


def decisions_block(results: Path = RESULTS) -> str:
    """The decision table of the last `make bench` run, for the current design and the one before."""
    if not results.exists():
        raise FileNotFoundError(f"{results.relative_to(ROOT)} is missing: run `make bench`")
    report = json.loads(results.read_text())
    lines = []
    for design, title in (("after", "Current analysis (dist/prod)"), ("before", "Before the pre-exposure phase (bench/before/prod)")):
        rows = [r for r in report["rows"] if r["design"] == design]
        lines.append(f"**{title}**, {_runs(rows)} simulated rollouts per traffic level:")
        lines.append("")
        lines += _decision_table(rows)
        lines.append("")
        lines += _verdicts(report["targets"][design])
        lines.append("")
    if "versus_stable_targets" in report:
        from tools.decisions import alone_lines, versus_table

        lines.append("**Against stable (dist/prod)**: stable beside the canary at its own share (5xx, or slower than the P95 bound):")
        lines.append("")
        lines += versus_table([r for r in report["rows"] if r["design"] == "after"])
        lines.append("")
        lines += _verdicts(report["versus_stable_targets"])
        lines.append("")
        lines.append("What honouring the SLO as written costs, and what the relative judge wins back:")
        lines.append("")
        lines += alone_lines([r for r in report["rows"] if r["design"] == "after"])
        lines.append("")
    if "exposure_targets" in report:
        from tools.decisions import exposure_table

        lines.append(
            "**Blast radius** ([Evidence before exposure](#evidence-before-exposure)): the users' requests a bad canary served before it was "
            "aborted (median / p95; generated requests are not counted), before and after the pre-exposure phase, for a canary "
            "bad on every path and one bad only on paths the load does not exercise (users see 10% 5xx on both); level 0 has "
            "no user traffic at all. The abort time counts from the canary's first request (a generated one in the phase), "
            "for the second canary from its first user request:"
        )
        lines.append("")
        lines += exposure_table(report["rows"])
        lines.append("")
        lines += _verdicts(report["exposure_targets"])
        lines.append("")
    if "istio_targets" in report:
        from podinfo_canary.model.world import World
        from tools.decisions import CANARIES, CRASHES, crash_table

        lag = World.endpoint_lag  # the dataclass field's default
        crash_rows = [r for r in report["rows"] if r["canary"] in CRASHES]

        rows = [r for r in report["rows"] if r["design"] == "istio" and r["canary"] in CANARIES]
        lines.append(
            f"**On the Istio router**: dist/prod with `traffic_router: istio` and nothing else changed (its sidecars' "
            f"server-error test, `mesh-server-errors`, beside podinfo's own), {_runs(rows)} simulated rollouts per traffic level:"
        )
        lines.append("")
        lines += _decision_table(rows)
        lines.append("")
        lines += _verdicts(report["targets"]["istio"])
        lines.append("")
        lines.append(
            f"**A crash-looping canary, NGINX beside Istio**, {_runs(crash_rows)} simulated rollouts per cell: users' requests "
            f"taken counts those sent while a container was gone (the model keeps the pod an endpoint for {lag} s after each exit, "
            "World.endpoint_lag: NGINX answers the user 502 and nobody counts it; the sidecar answers 503 and counts it). "
            "Aborted by: the share of runs each test ended."
        )
        lines.append("")
        lines += crash_table(report["rows"])
        lines.append("")
        lines += _verdicts(report["istio_targets"])
        lines.append("")
    lines.append(
        "In the tables above a healthy canary runs at the same share as stable (no worse than it); a bad one beside stable at 1% 5xx."
    )
    lines.append("")
    lines.append(
        f"Generated from bench/decisions.json ({report['runs_per_cell']} runs per cell, BENCH_RUNS; a human promotes "
        f"the manual gate after {report['gate_wait_seconds']} s; 95% intervals in brackets)."
    )
    if "watch_paused_seconds" in report:
        lines.append("")
        lines.append(
            f"\\* of the 10% canaries, the share paused for evidence, and the share whose background run then failed "
            f"within {report['watch_paused_seconds'] // 60} min while the rollout ignored it (runbook "
            "PodinfoCanaryFailedWhilePaused): exposure that only a human ends."
        )
    return "\n".join(lines)


def _verdicts(targets: list[dict]) -> list[str]:
    out = []
    for target in targets:
        verdict = ("met, also at 95% confidence" if target["proven"] else "met by the point estimate") if target["met"] else "**missed**"
        out.append(f"- {verdict}: {target['target']} ({target['value']})")
    return out


def _runs(rows: list[dict]) -> str:
    counts = sorted({r["runs"] for r in rows})
    return "–".join(str(c) for c in (counts[0], counts[-1])) if len(counts) > 1 else str(counts[0])


def _masked(row: dict) -> str:
    """The 10% canaries paused for evidence, and of all runs those whose background run failed while
    the rollout ignored it (followed for decisions.WATCH_PAUSED); a dash where it was not followed."""
    if row.get("design") == "before" or "masked" not in row:
        return f"{row['paused']:.1%} / –"
    return f"{row['paused']:.1%} / {row['masked']:.1%}"


def _decision_table(rows: list[dict]) -> list[str]:
    def find(level, canary):
        return next(r for r in rows if r["level"] == level and r["canary"] == canary)

    def pct(row, key):
        low, high = row[f"{key}_ci"]
        return f"{row[key]:.1%} [{low:.1%}, {high:.1%}]"

    def seconds(value):
        return "–" if value != value else f"{value:.0f}"  # NaN: nothing was aborted

    lines = [
        "| canary req/s at the first stage | false abort, 1% 5xx | false abort, 2% 5xx | paused, 1% 5xx | 10% 5xx caught | "
        "10% 5xx: abort after median / p95 / max (s) | 10% 5xx: user requests served before abort, median / p95 | "
        "10% 5xx: paused, background failed while paused* | 6% 5xx caught | 6% 5xx: p95 (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for level in sorted({r["level"] for r in rows}):
        h1, h2, b10, b6 = (find(level, c) for c in ("healthy 1%", "healthy 2%", "bad 10%", "bad 6%"))
        lines.append(
            f"| {level:g} | {pct(h1, 'aborted')} | {pct(h2, 'aborted')} | {h1['paused']:.1%} | {pct(b10, 'aborted')} | "
            f"{seconds(b10['median_s'])} / {seconds(b10['p95_s'])} / {seconds(b10['max_s'])} | "
            f"{seconds(b10.get('served_median', math.nan))} / {seconds(b10.get('served_p95', math.nan))} | {_masked(b10)} | {pct(b6, 'aborted')} | {seconds(b6['p95_s'])} |"
        )
    return lines


def render(text: str, blocks: dict[str, str]) -> str:
    """`text` with each of `blocks` rewritten; every one must be in it."""
    for name in blocks:
        if not _pattern(name).search(text):
            raise ValueError(f"no generated block {name!r}")
    return render_present(text, blocks)


def _pattern(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- BEGIN GENERATED: {re.escape(name)} -->\n).*?(<!-- END GENERATED: {re.escape(name)} -->)", re.S)


def render_present(text: str, blocks: dict[str, str]) -> str:
    """`text` with those of `blocks` it holds rewritten."""
    for name, body in blocks.items():
        text = _pattern(name).sub(lambda m, body=body: f"{m.group(1)}{body}\n{m.group(2)}", text)
    return text


def pages() -> list[Path]:
    """The Markdown files that may hold generated blocks: README.md and every page of docs/."""
    return [README, *sorted(DOCS.rglob("*.md"))]


def rendered(blocks: dict[str, str]) -> dict[Path, str]:
    """Every page holding a generated block, as it must read; each block lives in exactly one page."""
    found: dict[str, list[Path]] = {name: [] for name in blocks}
    out = {}
    for page in pages():
        text = page.read_text()
        names = [n for n in blocks if _pattern(n).search(text)]
        for name in names:
            found[name].append(page)
        if names:
            out[page] = render_present(text, blocks)
    misplaced = {n: [str(p.relative_to(ROOT)) for p in where] for n, where in found.items() if len(where) != 1}
    if misplaced:
        raise ValueError(f"each generated block must be in exactly one page: {misplaced}")
    return out


def bootstrap_block(cfg: config_module.Config, dist: Path) -> str:
    """The one command that applies bootstrap.HAND_APPLIED, by file, from dist/argocd/."""
    folder = dist / config_module.BOOTSTRAP_FOLDER
    files = [f"{cfg.platform.git.dist_path}/{config_module.BOOTSTRAP_FOLDER}/{p.name}" for p in hand_applied_files(folder)]
    return "   ```sh\n   kubectl apply " + " ".join(f"-f {f}" for f in files) + "\n   ```"


def alerts_block(cfg: config_module.Config, dist: Path) -> str:
    """The alerts as synthesized for the last environment in promotion order, with their receivers.

    Every environment has the same alerts; thresholds and receivers differ. The receivers are those
    its AlertmanagerConfig routes each severity to."""
    env = cfg.environments[-1]
    docs = [d for p in sorted((dist / env.name).glob("*.yaml")) for d in yamltext.read_documents(p)]
    rule = next(d for d in docs if d["kind"] == "PrometheusRule")
    routing = next(d for d in docs if d["kind"] == "AlertmanagerConfig")["spec"]
    receivers = {r["name"]: r for r in routing["receivers"]}
    by_severity = {m["value"]: c["receiver"] for c in routing["route"]["routes"] for m in c["matchers"] if m["name"] == "severity"}

    def reached(severity: str) -> str:
        receiver = receivers[by_severity[severity]]
        targets = [c["channel"] for c in receiver.get("slackConfigs", [])] + [c["to"] for c in receiver.get("emailConfigs", [])]
        return ", ".join(targets)

    lines = [f"| alert ({env.name}) | fires when | severity | receivers | runbook |", "|---|---|---|---|---|"]
    for group in rule["spec"]["groups"]:
        for r in group["rules"]:
            if "alert" in r:
                when = r["annotations"]["description"].removeprefix("Fires when ").rstrip(".")
                severity = r["labels"]["severity"]
                lines.append(f"| {r['alert']} | {when} | {severity} | {reached(severity)} | [runbook](runbooks/{r['alert']}.md) |")
    return "\n".join(lines)


def audit_block(cfg: config_module.Config) -> str:
    """The audit policy's rules in order, with what each matches and why (podinfo_canary/charts/audit/policy.py)."""
    from podinfo_canary.charts.audit.policy import audit_rules

    def matches(rule: dict) -> str:
        parts = []
        if rule.get("users"):
            parts.append("user " + ", ".join(f"`{u}`" for u in rule["users"]))
        if rule.get("verbs"):
            parts.append("verbs " + ", ".join(rule["verbs"]))
        for entry in rule.get("resources", []):
            parts.append(f"`{entry['group'] or 'core'}`: " + ", ".join(entry["resources"]))
        if rule.get("nonResourceURLs"):
            parts.append("paths " + ", ".join(f"`{u}`" for u in rule["nonResourceURLs"]))
        return "; ".join(parts) or "anything else"

    lines = ["| # | records | requests | why |", "|---|---|---|---|"]
    for number, rule in enumerate(audit_rules(cfg.platform), start=1):
        lines.append(f"| {number} | {rule.level} | {matches(rule.rule)} | {rule.reason} |")
    return "\n".join(lines)


def scanner_block(cfg: config_module.Config) -> str:
    """The checkov checks podinfo's Rollout skips, with their reasons and where (security.py)."""
    from podinfo_canary.charts.environment.security import scanner_skips

    where: dict[tuple, list[str]] = {}
    for env in cfg.environments:
        for skip in scanner_skips(env):
            where.setdefault((skip.check, skip.title, skip.reason), []).append(env.name)
    lines = ["| check | title | why it is skipped | environments |", "|---|---|---|---|"]
    lines += [f"| {check} | {title} | {reason} | {', '.join(envs)} |" for (check, title, reason), envs in where.items()]
    return "\n".join(lines)


def secrets_block(cfg: config_module.Config) -> str:
    """The Secrets created out of band for this configuration, from their one home (core/secrets.py),
    which the charts reference and `canaryctl deploy` checks, each with its form (`secrets.form`)."""
    lines = ["| namespace | Secret | keys | read by | form |", "|---|---|---|---|---|"]
    for secret in out_of_band_secrets(cfg):
        remote = secret.remote
        form = f"external: `{secret.source.store}`, key `{remote.key}`" if remote else "manual: by hand"
        keys = ", ".join(f"`{k}`" for k in secret.keys)
        lines.append(f"| {secret.namespace} | `{secret.name}` | {keys} | {secret.reader} | {form} |")
    return "\n".join(lines)


def blocks(dist: Path = ROOT / "dist", cfg: config_module.Config | None = None) -> dict[str, str]:
    cfg = cfg or config_module.load(ROOT / "config")
    return {
        "canary": canary_block(cfg, dist),
        "slo": slo_block(cfg),
        "decisions": decisions_block(),
        "bootstrap": bootstrap_block(cfg, dist),
        "alerts": alerts_block(cfg, dist),
        "audit": audit_block(cfg),
        "scanner": scanner_block(cfg),
        "secrets": secrets_block(cfg),
        "reference-configuration": reference.config_block(),
        "reference-canaryctl": reference.ctl_block(),
        "reference-alerts": reference.alerts_block(cfg, dist),
    }


def main(cfg: config_module.Config | None = None) -> int:
    """Refresh the generated blocks of the docs; `cfg`: the configuration already loaded (by main.py)."""
    for page, text in rendered(blocks(cfg=cfg)).items():
        if page.read_text() != text:
            page.write_text(text)
            print(f"{page.relative_to(ROOT)}: generated sections updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
