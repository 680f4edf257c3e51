"""Generated README sections: the canary plan and SLO table come from config/ and dist/, not from prose.

`make synth` rewrites the blocks between `<!-- BEGIN GENERATED: name -->` and
`<!-- END GENERATED: name -->`; tests/test_docs.py fails when README.md is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from podinfo_canary import config as config_module
from podinfo_canary.plan import plan_from_folder

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def canary_block(cfg: config_module.Config, dist: Path) -> str:
    lines = ["| environment | stages (weight: wait, analysis) | healthy promotion* | worst-case detection |", "|---|---|---|---|"]
    for env in cfg.environments:
        plan = plan_from_folder(dist / env.name)
        stages = []
        for stage in plan.stages:
            wait = "manual gate" if stage.manual_gate else (f"{stage.pause_seconds}s" if stage.pause_seconds else "-")
            stages.append(f"{stage.weight}%: {wait}{' + analysis' if stage.analyses else ''}")
        lines.append(f"| {env.name} | {' → '.join(stages)} | {plan.promotion_seconds / 60:.1f} min | {plan.detection_seconds} s |")
    lines.append("")
    lines.append("\\* manual gates excluded; each blocking analysis step takes as long as its slowest metric.")
    return "\n".join(lines)


def slo_block(cfg: config_module.Config) -> str:
    lines = [
        "| environment | success rate | error rate (5xx) | P95 | P99 | CPU of limit | memory of limit | min canary traffic | interval |"
    ]
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for env in cfg.environments:
        s = env.slo
        lines.append(
            f"| {env.name} | >= {s.success_rate_min:.0%} | <= {s.error_rate_max:.0%} | <= {s.latency_p95_max_ms} ms | "
            f"<= {s.latency_p99_max_ms} ms | <= {s.cpu_usage_max:.0%} | <= {s.memory_usage_max:.0%} | {s.min_request_rate:g} req/s | "
            f"{s.analysis_interval} |"
        )
    return "\n".join(lines)


def render(text: str, blocks: dict[str, str]) -> str:
    for name, body in blocks.items():
        pattern = re.compile(rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"README.md has no generated block {name!r}")
        text = pattern.sub(lambda m, body=body: f"{m.group(1)}{body}\n{m.group(2)}", text)
    return text


def blocks(dist: Path = ROOT / "dist") -> dict[str, str]:
    cfg = config_module.load(ROOT / "config")
    return {"canary": canary_block(cfg, dist), "slo": slo_block(cfg)}


if __name__ == "__main__":
    updated = render(README.read_text(), blocks())
    if updated != README.read_text():
        README.write_text(updated)
        print("README.md: generated sections updated")
    sys.exit(0)
