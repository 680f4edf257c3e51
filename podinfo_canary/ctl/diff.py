"""`canaryctl diff`: what a change does to the cluster, read from the synthesized dist/ at two
revisions, per environment (dist/<env>/) and per platform folder (dist/argocd/, dist/audit/).

dist/ is what Argo CD applies, so the comparison is of objects, keyed by apiVersion, kind,
namespace and name: added, removed, changed. A changed object's fields are listed as
`path: old -> new`, with the objects that decide a rollout read in their own terms: a Rollout's
steps as stages (weight, pause, analysis, header routes), an AnalysisTemplate's metrics and a
PrometheusRule's alerts by name, list items of RBAC and NetworkPolicies by what they hold.

The environment's configuration (config/environments/<env>.yaml, the file a person or a bot
edits) is compared too, read as plain YAML rather than through the typed model: the base revision
may hold a configuration today's model rejects, and the diff must still say what changed. Its
known thresholds are said in words ("stage 2 pause 5m -> 2m; error-rate SLO 5% -> 2%"), any other
field as its path.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from podinfo_canary import config as config_module
from podinfo_canary.core import yamltext
from podinfo_canary.ctl.kube import FAILED, USAGE, CtlError

CONFIG, DIST = "config", "dist"
ENVIRONMENTS = f"{CONFIG}/{config_module.ENVIRONMENTS_DIR}"
PLATFORM = f"{CONFIG}/{config_module.PLATFORM_FILE}"
WORK_TREE = "work tree"
LONG = 100  # characters: a longer text (a PromQL query, a script, a dashboard) is said to have changed, not quoted

_MISSING = object()
_IDENTITY = ("name", "alert", "record", "templateName")  # what names an item of a list


@dataclass(frozen=True)
class Side:
    """One side of the comparison: the files of config/ and dist/ (paths relative to the repository)."""

    label: str
    files: dict[str, bytes]


@dataclass
class ObjectChange:
    what: str  # "added", "removed", "changed"
    label: str  # "Rollout podinfo-prod/podinfo"
    details: list[str] = field(default_factory=list)


@dataclass
class Section:
    """One folder of dist/: an environment's, or a platform folder's."""

    name: str
    config: list[str]  # the environment file's (or platform.yaml's) changes in words
    objects: list[ObjectChange]

    @property
    def changed(self) -> bool:
        return bool(self.config or self.objects)

    def counts(self) -> str:
        tally = {w: sum(o.what == w for o in self.objects) for w in ("changed", "added", "removed")}
        return ", ".join(f"{n} {w}" for w, n in tally.items() if n) or "no object changed"

    def headline(self) -> str:
        return f"{self.name}: " + ("; ".join(self.config) if self.config else self.counts() if self.objects else "no change")


@dataclass
class Report:
    base: str
    head: str
    sections: list[Section]

    @property
    def changed(self) -> bool:
        return any(s.changed for s in self.sections)


# --- reading the two sides ---------------------------------------------------------------------


def _git(repo: Path, *args: str, code=FAILED, input_: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(["git", *args], cwd=repo, capture_output=True, input=input_)
    except FileNotFoundError as exc:
        raise CtlError("git is not installed (canaryctl diff reads revisions with it)", FAILED) from exc
    if result.returncode != 0:
        said = result.stderr.decode(errors="replace").strip().splitlines()
        raise CtlError(f"git {' '.join(args)}: {said[-1] if said else f'exit status {result.returncode}'}", code)
    return result.stdout


def commit_of(repo: Path, revision: str) -> str:
    """The commit a revision names; a name git does not know is the user's mistake (USAGE)."""
    _git(repo, "rev-parse", "--git-dir")  # not a repository: FAILED, with git's words
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd=repo, capture_output=True, text=True)
    if found.returncode != 0 or not found.stdout.strip():
        raise CtlError(f"unknown revision '{revision}': not a branch, tag or commit of {repo}", USAGE)
    return found.stdout.strip()


def default_base(repo: Path, branch: str) -> tuple[str, str]:
    """The merge base of `branch` (config/platform.yaml git.target_revision, Argo CD's branch) and
    HEAD, and how it was found. Without that branch (a shallow CI checkout, a fork), its
    remote-tracking copy; without either, HEAD itself, and the label says so."""
    head = commit_of(repo, "HEAD")
    for candidate in (branch, f"origin/{branch}"):
        exists = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"], cwd=repo, capture_output=True)
        if exists.returncode == 0:
            base = _git(repo, "merge-base", candidate, "HEAD").decode().strip()
            return base, f"{base[:12]} (merge base of {candidate} and HEAD)"
    return head, f"{head[:12]} (HEAD: no branch {branch} or origin/{branch} to take the merge base with)"


def read_revision(repo: Path, commit: str, label: str) -> Side:
    """config/ and dist/ as committed at `commit` (`git show REV:dist/...`, all files at once)."""
    listed = _git(repo, "ls-tree", "-r", "-z", "--name-only", commit, "--", CONFIG, DIST).decode().split("\0")
    names = [n for n in listed if n.endswith((".yaml", ".yml"))]
    if not names:
        return Side(label, {})
    batch = _git(repo, "cat-file", "--batch", input_="".join(f"{commit}:{n}\n" for n in names).encode())
    files, offset = {}, 0
    for name in names:
        header_end = batch.index(b"\n", offset)
        size = int(batch[offset:header_end].split()[2])
        files[name] = batch[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
    return Side(label, files)


def read_folder(repo: Path, dist: Path | None = None, label: str = WORK_TREE) -> Side:
    """config/ and dist/ as they are on disk; `dist`: another folder synthesized from this config/."""
    files = {}
    for prefix, root in ((CONFIG, repo / CONFIG), (DIST, dist or repo / DIST)):
        for path in sorted(root.rglob("*.y*ml")) if root.is_dir() else []:
            files[f"{prefix}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    return Side(label, files)


def synthesized(repo: Path, label: str) -> Side:
    """The work tree's config/ synthesized afresh into a scratch folder (main.py, PODINFO_DIST_DIR),
    so an edited configuration is compared without running `make synth` first."""
    from podinfo_canary.ctl.gitops import _last_line, _synthesis_installed, _synthesize

    _synthesis_installed()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / DIST
        result = _synthesize(repo, repo / CONFIG, out)
        if result.returncode != 0:
            raise CtlError(f"synthesis of the work tree failed: {_last_line(result)}", FAILED)
        return read_folder(repo, out, label)


# --- comparing ---------------------------------------------------------------------------------


def _objects(side: Side, folder: str) -> dict[tuple[str, str, str, str], dict]:
    found = {}
    for name, content in side.files.items():
        if name.startswith(f"{DIST}/") and _folder(name) == folder:
            for doc in yamltext.load_documents(content):
                meta = doc.get("metadata") or {}
                found[(doc.get("apiVersion", ""), doc.get("kind", ""), meta.get("namespace", ""), meta.get("name", ""))] = doc
    return found


def _folder(name: str) -> str:
    parts = name.split("/")
    return parts[1] if len(parts) > 2 else "."


def _environments(side: Side) -> list[str]:
    try:
        names = yaml.safe_load(side.files.get(PLATFORM, b"")) or {}
        return [str(n) for n in names.get("environments") or []]
    except (yaml.YAMLError, AttributeError):
        return []


def _yaml(side: Side, name: str) -> Any:
    content = side.files.get(name)
    if content is None:
        return _MISSING
    try:
        return yaml.safe_load(content)
    except yaml.YAMLError:
        return {"(not valid YAML)": content.decode(errors="replace")}


def compare(base: Side, head: Side, only: str | None = None) -> Report:
    folders = {_folder(n) for side in (base, head) for n in side.files if n.startswith(f"{DIST}/")}
    order = [e for e in _environments(head) + _environments(base) if e in folders]
    names = list(dict.fromkeys(order)) + sorted(folders - set(order))
    sections = []
    platform = _changes(_yaml(base, PLATFORM), _yaml(head, PLATFORM))
    if platform and only is None:
        sections.append(Section(PLATFORM, [_config_words(c) for c in platform], []))
    for name in names:
        if only is not None and name != only:
            continue
        env_file = f"{ENVIRONMENTS}/{name}.yaml"
        config = [_config_words(c) for c in _changes(_yaml(base, env_file), _yaml(head, env_file))]
        sections.append(Section(name, config, _object_changes(_objects(base, name), _objects(head, name))))
    return Report(base.label, head.label, sections)


def _label(key: tuple[str, str, str, str]) -> str:
    _, kind, namespace, name = key
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def _object_changes(before: dict, after: dict) -> list[ObjectChange]:
    found = []
    for key in sorted(before.keys() | after.keys(), key=lambda k: (k[1], k[2], k[3], k[0])):
        old, new = before.get(key), after.get(key)
        if old is None:
            found.append(ObjectChange("added", _label(key)))
        elif new is None:
            found.append(ObjectChange("removed", _label(key)))
        elif old != new:
            found.append(ObjectChange("changed", _label(key), _in_words(key[1], old, new)))
    return found


@dataclass(frozen=True)
class Change:
    path: tuple[str, ...]
    old: Any
    new: Any


def _name(item: Any) -> str | None:
    """What names an item of a list: its name (or alert, record, templateName)."""
    if isinstance(item, dict):
        return next((item[k] for k in _IDENTITY if isinstance(item.get(k), str)), None)
    return None


def _named(items: list) -> dict[str, Any] | None:
    """The items by name when every item has one and no two share it."""
    names = [_name(i) for i in items]
    if not items or None in names or len(set(names)) != len(names):
        return None
    return dict(zip(names, items, strict=True))


def _changes(old: Any, new: Any, path: tuple[str, ...] = ()) -> list[Change]:
    """Every field that differs, as paths into the object: mappings key by key, lists of named
    items by name (`metrics[server-errors]`), other lists of the same length item by item, else
    the items that went and came."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            c
            for k in sorted(old.keys() | new.keys(), key=str)
            for c in _changes(old.get(k, _MISSING), new.get(k, _MISSING), (*path, str(k)))
        ]
    if isinstance(old, list) and isinstance(new, list):
        before, after = _named(old), _named(new)
        if before is not None and after is not None:
            names = [*before, *(n for n in after if n not in before)]
            return [c for n in names for c in _changes(before.get(n, _MISSING), after.get(n, _MISSING), (*path, f"[{n}]"))]
        if all(not isinstance(i, (dict, list)) for i in old + new):
            return [Change(path, old, new)]
        if len(old) == len(new):
            return [c for i, (a, b) in enumerate(zip(old, new, strict=True)) for c in _changes(a, b, (*path, f"[{i}]"))]
        gone = [i for i in old if i not in new]
        came = [i for i in new if i not in old]
        return [*(Change((*path, "[-]"), i, _MISSING) for i in gone), *(Change((*path, "[+]"), _MISSING, i) for i in came)]
    if isinstance(old, str) and isinstance(new, str) and (len(old) > LONG or len(new) > LONG):
        embedded = _embedded(old), _embedded(new)
        if None not in embedded:  # a JSON document in a string (a dashboard): compared field by field
            return _changes(*embedded, path)
    return [Change(path, old, new)]


def _embedded(text: str) -> dict | list | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, (dict, list)) else None


def _excerpt(old: str, new: str, context: int = 2, hunks: int = 3) -> str:
    """The words that changed in a long text, with a little context: `... > 0.05 and ... -> ... > 0.02 and ...`."""
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    said = []
    opcodes = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    for _, i1, i2, j1, j2 in opcodes[:hunks]:
        lo_a, lo_b = max(0, i1 - 2 * context), max(0, j1 - 2 * context)
        part_a = ("…" if lo_a else "") + "".join(a[lo_a : i2 + 2 * context]).strip() + ("…" if i2 + 2 * context < len(a) else "")
        part_b = ("…" if lo_b else "") + "".join(b[lo_b : j2 + 2 * context]).strip() + ("…" if j2 + 2 * context < len(b) else "")
        said.append(f"{_clip(part_a)} -> {_clip(part_b)}")
    more = f" (and {len(opcodes) - hunks} more changes)" if len(opcodes) > hunks else ""
    return "; ".join(said) + more


def _clip(text: str) -> str:
    return " ".join(text.split()) if len(text) <= 2 * LONG else text[:LONG] + "…"


def _value(value: Any) -> str:
    if value is _MISSING:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(", ", ": "), sort_keys=True)


def _path(path: Iterable[str]) -> str:
    return "".join(p if p.startswith("[") else f".{p}" for p in path).lstrip(".")


def _said(where: str, old: Any, new: Any) -> str:
    """`where: old -> new`; a list of plain values as what it gained and lost; a long text as changed."""
    if isinstance(old, list) and isinstance(new, list) and all(not isinstance(i, (dict, list)) for i in old + new):
        gained, lost = [i for i in new if i not in old], [i for i in old if i not in new]
        if gained or lost:
            return f"{where}: " + ", ".join([*(f"+{_value(i)}" for i in gained), *(f"-{_value(i)}" for i in lost)])
        return f"{where}: order {_value(old)} -> {_value(new)}"
    if old is _MISSING:
        return f"{where}: added {_short(new)}"
    if new is _MISSING:
        return f"{where}: removed {_short(old)}"
    if isinstance(old, str) and isinstance(new, str) and (len(old) > LONG or len(new) > LONG or "\n" in old + new):
        return f"{where}: {_excerpt(old, new)}"
    if len(_value(old)) > LONG or len(_value(new)) > LONG:
        return f"{where}: {_excerpt(_value(old), _value(new))}"
    return f"{where}: {_value(old)} -> {_value(new)}"


def _short(value: Any) -> str:
    text = _value(value)
    return text if len(text) <= LONG and "\n" not in text else f"({len(text)} characters)"


# --- objects in words --------------------------------------------------------------------------


def _in_words(kind: str, old: dict, new: dict) -> list[str]:
    if kind == "Rollout":
        return _rollout_words(old, new)
    rewrite = _REWRITES.get(kind, _REWRITES[""])
    return [_said(rewrite(_path(c.path)), c.old, c.new) for c in _changes(old, new)]


def _rule_path(path: str) -> str:
    match = re.match(r"spec\.groups\[([^\]]+)\]\.rules\[([^\]]+)\]\.?(.*)", path)
    if not match:
        return _plain_path(path)
    rest = match[3].replace("labels.severity", "severity")
    return f"rule {match[2]}" + (f" {rest}" if rest else "")


def _metric_path(path: str) -> str:
    match = re.match(r"spec\.metrics\[([^\]]+)\]\.?(.*)", path)
    if not match:
        return _plain_path(path)
    rest = match[2].removeprefix("provider.prometheus.")
    return f"metric {match[1]}" + (f" {rest}" if rest else "")


def _rbac_path(path: str) -> str:
    return re.sub(r"^rules\[(\d+)\]", lambda m: f"rule {int(m[1]) + 1}", path)


def _plain_path(path: str) -> str:
    return path.removeprefix("spec.") or "(whole object)"


_REWRITES: dict[str, Callable[[str], str]] = {
    "AnalysisTemplate": _metric_path,
    "ClusterAnalysisTemplate": _metric_path,
    "PrometheusRule": _rule_path,
    "Role": _rbac_path,
    "ClusterRole": _rbac_path,
    "": _plain_path,
}


def stages(steps: list[dict]) -> tuple[list[dict], list[dict]]:
    """A Rollout's steps as the configuration speaks of them: the steps before the first weight
    (pre-exposure, header routes), then one stage per setWeight with what follows it (its pause,
    `manual` for a pause without duration, its analysis templates and any other step)."""
    before, grouped = [], []
    for step in steps:
        if "setWeight" in step:
            grouped.append({"weight": step["setWeight"], "pause": None, "analysis": [], "other": []})
        elif not grouped:
            before.append(step)
        elif "pause" in step:
            grouped[-1]["pause"] = (step["pause"] or {}).get("duration", "manual")
        elif "analysis" in step:
            grouped[-1]["analysis"] += [t.get("templateName") for t in step["analysis"].get("templates", [])]
        else:
            grouped[-1]["other"].append(step)
    return before, grouped


def _stage(stage: dict) -> str:
    pause = {None: "", "manual": " manual gate"}.get(stage["pause"], f" pause {stage['pause']}")
    return f"{stage['weight']}%{pause}"


def _rollout_words(old: dict, new: dict) -> list[str]:
    def steps(obj: dict) -> list[dict]:
        return ((obj.get("spec") or {}).get("strategy") or {}).get("canary", {}).get("steps") or []

    said = []
    (pre_old, old_stages), (pre_new, new_stages) = stages(steps(old)), stages(steps(new))
    said += [_said(f"before the first weight {_path(c.path)}".strip(), c.old, c.new) for c in _changes(pre_old, pre_new)]
    if len(old_stages) != len(new_stages):
        said.append(f"stages: {', '.join(map(_stage, old_stages))} -> {', '.join(map(_stage, new_stages))}")
    else:
        for number, (a, b) in enumerate(zip(old_stages, new_stages, strict=True), start=1):
            where = f"stage {number} ({b['weight']}%)"
            if a["weight"] != b["weight"]:
                said.append(f"stage {number} weight {a['weight']}% -> {b['weight']}%")
            if a["pause"] != b["pause"]:
                said.append(f"{where} pause {a['pause'] or 'none'} -> {b['pause'] or 'none'}")
            if a["analysis"] != b["analysis"]:
                said.append(_said(f"{where} analysis", a["analysis"], b["analysis"]))
            said += [_said(f"{where} {_path(c.path)}", c.old, c.new) for c in _changes(a["other"], b["other"])]
    rest_old, rest_new = _without_steps(old), _without_steps(new)
    said += [
        _said(_path(c.path).removeprefix("spec.").removeprefix("strategy.canary."), c.old, c.new) for c in _changes(rest_old, rest_new)
    ]
    return said


def _without_steps(obj: dict) -> dict:
    copy = json.loads(json.dumps(obj))
    copy.get("spec", {}).get("strategy", {}).get("canary", {}).pop("steps", None)
    return copy


# --- the configuration in words ----------------------------------------------------------------


def _percent(value: Any) -> str:
    return f"{value * 100:g}%" if isinstance(value, (int, float)) and not isinstance(value, bool) else _value(value)


def _ms(value: Any) -> str:
    return f"{value} ms" if isinstance(value, (int, float)) and not isinstance(value, bool) else _value(value)


# Fields of an environment file said by what they mean; any other field is said by its path.
_CONFIG_WORDS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "slo.success_rate_min": ("success-rate SLO", _percent),
    "slo.error_rate_max": ("error-rate SLO", _percent),
    "slo.latency_p95_max_ms": ("P95 latency SLO", _ms),
    "slo.latency_p99_max_ms": ("P99 latency SLO", _ms),
    "slo.cpu_usage_max": ("CPU usage limit", _percent),
    "slo.memory_usage_max": ("memory usage limit", _percent),
    "image.tag": ("image tag", _value),
    "image.digest": ("image digest", _value),
}
_STAGE_FIELD = re.compile(r"^canary\.stages\[(\d+)\]\.(\w+)$")


def _config_words(change: Change) -> str:
    path = _path(change.path)
    if path in _CONFIG_WORDS and _MISSING not in (change.old, change.new):
        words, shown = _CONFIG_WORDS[path]
        return f"{words} {shown(change.old)} -> {shown(change.new)}"
    stage = _STAGE_FIELD.match(path)
    if stage:
        return _said(f"stage {int(stage[1]) + 1} {stage[2]}", change.old, change.new).replace(": ", " ", 1)
    return _said(path or "(whole file)", change.old, change.new)


# --- output ------------------------------------------------------------------------------------


def plain(report: Report) -> str:
    lines = [f"canaryctl diff: {report.base} -> {report.head}"]
    if not report.changed:
        return "\n".join([*lines, "no change"])
    for section in report.sections:
        lines.append(section.headline())
        if section.config and section.objects:
            lines.append(f"  {section.counts()}")
        for obj in section.objects:
            lines.append(f"  {obj.what} {obj.label}")
            lines += [f"      {detail}" for detail in obj.details]
    return "\n".join(lines)


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def markdown(report: Report) -> str:
    lines = ["## What this change does to the cluster", "", f"`canaryctl diff`: {_code(report.base)} -> {_code(report.head)}", ""]
    if not report.changed:
        return "\n".join([*lines, "no change", ""])
    for section in report.sections:
        lines += [f"### {section.name}", ""]
        if not section.changed:
            lines += ["no change", ""]
            continue
        if section.config:
            lines += [f"**{'; '.join(section.config)}**", ""]
        if section.objects:
            lines += [section.counts(), ""]
        for obj in section.objects:
            lines.append(f"- {obj.what} {_code(obj.label)}")
            lines += [f"  - {_code(detail)}" for detail in obj.details]
        lines.append("")
    return "\n".join(lines)


def run(repo: Path, base: str | None, head: str | None, *, synth: bool = False, only: str | None = None) -> Report:
    """Compare BASE (default: the merge base with Argo CD's branch) with HEAD (default: the work tree)."""
    if synth and head is not None:
        raise CtlError("--synth synthesizes the work tree: give no HEAD revision with it", USAGE)
    branch = target_revision(repo)
    if base is None:
        commit, label = default_base(repo, branch)
    else:
        commit = commit_of(repo, base)
        label = f"{commit[:12]} ({base})" if not commit.startswith(base) else commit[:12]
    if head is not None:
        head_commit = commit_of(repo, head)
        head_label = f"{head_commit[:12]} ({head})" if not head_commit.startswith(head) else head_commit[:12]
    before = read_revision(repo, commit, label)
    if head is not None:
        after = read_revision(repo, head_commit, head_label)
    elif synth:
        after = synthesized(repo, f"{WORK_TREE}, synthesized afresh")
    else:
        after = read_folder(repo)
    if only is not None:
        known = list(dict.fromkeys(_environments(after) + _environments(before)))
        if only not in known:
            from podinfo_canary.ctl.words import unknown_environment

            raise CtlError(unknown_environment(only, known), USAGE)
    return compare(before, after, only)


def target_revision(repo: Path) -> str:
    """The branch Argo CD follows (config/platform.yaml git.target_revision), read as plain YAML."""
    try:
        data = yaml.safe_load((repo / PLATFORM).read_text()) or {}
        return str((data.get("git") or {}).get("target_revision") or "main")
    except (OSError, yaml.YAMLError, AttributeError):
        return "main"
