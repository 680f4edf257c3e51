"""`canaryctl promote-env` and `canaryctl rollback`: versions move between environments as Git
commits, on evidence read from the source environment's Rollout (docs/guides/delivery-flow.md).

What the evidence is, read in the Argo Rollouts v1.9.1 controller:
- Healthy: `status.phase`, which the controller persists from utils/rollout/rolloututil.go
  `CalculateRolloutPhase` (rollout/sync.go `persistRolloutStatus`), read as the plugin reads it
  (`GetRolloutPhase`: Progressing until `status.observedGeneration` is the spec's generation), so
  a spec Argo CD has just synced is never judged by the status of the one before.
- fully promoted: `status.stableRS == status.currentPodHash` (rolloututil.go `IsFullyPromoted`),
  `status.currentStepIndex == len(steps)` (rollout/sync.go `promoteStable` sets it so), no pause
  (`spec.paused`, `status.pauseConditions`).
- aborted: `status.abort` and `status.abortedAt` (rollout/pause.go `CalculateAbortStatus`), the
  `Progressing` condition with reason `RolloutAborted` (rollout/sync.go `calculateRolloutConditions`);
  all three are cleared when the version is retried or promoted (`resetRolloutStatus`,
  `promoteStable`: `RemoveAbort`). What stays is the AnalysisRuns of the revision: a step or
  background run that ended Failed or Error aborted the rollout (rollout/analysis.go
  `reconcileStepBasedAnalysisRun`, `reconcileBackgroundAnalysisRun`: `AddAbort`); each carries the
  pod-template-hash label and the revision annotation (`newAnalysisRunFromRollout`,
  utils/analysis `StepLabels`, `BackgroundLabels`). A human's abort followed by `retry` leaves no
  failed run: only a Kubernetes Event, which expires; promote-env cannot see it afterwards.
- completed at: the `Completed` condition's lastTransitionTime. calculateRolloutConditions sets it
  True when `conditions.RolloutCompleted` (stable is the current hash) and False while a new
  version rolls out; `conditions.SetRolloutCondition` keeps lastTransitionTime while the status
  stays the same, so it is the moment this version became stable.
"""

from __future__ import annotations

import difflib
import itertools
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml as pyyaml

from podinfo_canary import config as config_module
from podinfo_canary.core.workload import HASH_LABEL, WORKLOAD
from podinfo_canary.ctl import gitops
from podinfo_canary.ctl.actions import canary_strategy
from podinfo_canary.ctl.kube import (
    ABORTED_SINCE,
    NO_PREVIOUS,
    NOT_HEALTHY,
    NOT_PROMOTED,
    NOT_SOAKED,
    OTHER_VERSION,
    USAGE,
    CtlError,
)
from podinfo_canary.ctl.status import FAILED_PHASES, is_fully_promoted, phase

REVISION_ANNOTATION = "rollout.argoproj.io/revision"  # upstream: v1.9.1 utils/annotations RevisionAnnotation
ABORTED_REASON = "RolloutAborted"  # upstream: v1.9.1 utils/conditions RolloutAbortedReason
COMPLETED = "Completed"  # upstream: v1.9.1 pkg/apis/rollouts/v1alpha1 RolloutCompleted


def parse_time(text: str | None) -> datetime | None:
    """An RFC 3339 time as the API server writes it (`2026-11-27T10:00:00Z`), or None."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def words(seconds: float) -> str:
    """A span as a person reads it: 1h5m, 25m, 40s."""
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs and not hours else "")
    return text or "0s"


def template_image(template: dict | None) -> str | None:
    """The podinfo container's image in a pod template (the container named podinfo, else the first)."""
    containers = (((template or {}).get("spec") or {}).get("containers")) or []
    chosen = next((c for c in containers if c.get("name") == WORKLOAD), containers[0] if containers else None)
    return (chosen or {}).get("image")


def rollout_image(rollout: dict) -> str | None:
    return template_image((rollout.get("spec") or {}).get("template"))


@dataclass(frozen=True)
class ImageRef:
    repository: str
    tag: str
    digest: str | None = None

    @classmethod
    def parse(cls, reference: str) -> ImageRef:
        """`repository:tag[@sha256:...]` (a registry port's colon is not a tag's)."""
        name, _, digest = reference.partition("@")
        head, _, last = name.rpartition("/")
        repository_tail, _, tag = last.partition(":")
        return cls(f"{head}/{repository_tail}" if head else repository_tail, tag, digest or None)

    @classmethod
    def of(cls, image: config_module.Image) -> ImageRef:
        return cls(image.repository, image.tag, image.digest)

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}" + (f"@{self.digest}" if self.digest else "")

    @property
    def label(self) -> str:
        return self.tag + (f"@{self.digest}" if self.digest else "")


@dataclass(frozen=True)
class Evidence:
    """What the source environment's Rollout showed: the facts the commit message names."""

    source: str
    namespace: str
    rollout: str
    revision: str | None
    pod_hash: str
    image: ImageRef
    completed_at: datetime
    soaked: timedelta
    soak: str  # the target's promotion.soak
    runs: int  # AnalysisRuns of this revision read, none Failed or Error

    def lines(self) -> list[str]:
        return [
            f"source: {self.source}, Rollout {self.namespace}/{self.rollout} revision {self.revision or '?'} (pod hash {self.pod_hash})",
            f"image: {self.image.reference}",
            f"completed: {self.completed_at.strftime('%Y-%m-%dT%H:%M:%SZ')} (the Rollout's Completed condition)",
            f"soaked: {words(self.soaked.total_seconds())} Healthy and fully promoted, at least the target's promotion.soak {self.soak}",
            f"aborts: none (status.abort unset; {self.runs} AnalysisRuns of this revision, none Failed or Error)",
        ]


def _aborted_now(rollout: dict) -> str | None:
    status = rollout.get("status") or {}
    if status.get("abort"):
        return f"status.abort is set (aborted at {status.get('abortedAt') or 'an unrecorded time'})"
    for condition in status.get("conditions") or []:
        if condition.get("reason") == ABORTED_REASON:
            return f"its {condition.get('type')} condition says {ABORTED_REASON}: {condition.get('message') or ''}".rstrip(": ")
    return None


def _not_promoted(rollout: dict) -> str | None:
    spec, status = rollout.get("spec") or {}, rollout.get("status") or {}
    if not status.get("currentPodHash") or not is_fully_promoted(rollout):
        return f"a canary is in flight (stable {status.get('stableRS') or 'none'}, current {status.get('currentPodHash') or 'none'})"
    steps = (canary_strategy(rollout) or {}).get("steps") or []
    index = status.get("currentStepIndex")
    if steps and index is not None and int(index) != len(steps):
        return f"at step {int(index) + 1} of {len(steps)}, not past the last"
    if spec.get("paused") or status.get("pauseConditions"):
        return "it is paused"
    return None


def revision_runs(rollout: dict, runs: list[dict]) -> list[dict]:
    """The AnalysisRuns of the Rollout's current revision: its pod hash label and, when both say
    one, its revision annotation (a version rolled back to keeps its hash under a new revision)."""
    status, metadata = rollout.get("status") or {}, rollout.get("metadata") or {}
    pod_hash, revision = status.get("currentPodHash"), (metadata.get("annotations") or {}).get(REVISION_ANNOTATION)
    chosen = []
    for run in runs:
        meta = run.get("metadata") or {}
        if (meta.get("labels") or {}).get(HASH_LABEL) != pod_hash:
            continue
        theirs = (meta.get("annotations") or {}).get(REVISION_ANNOTATION)
        if revision and theirs and theirs != revision:
            continue
        chosen.append(run)
    return chosen


def completed_at(rollout: dict) -> datetime | None:
    for condition in (rollout.get("status") or {}).get("conditions") or []:
        if condition.get("type") == COMPLETED and condition.get("status") == "True":
            return parse_time(condition.get("lastTransitionTime"))
    return None


def judge(
    rollout: dict,
    runs: list[dict],
    *,
    source: config_module.Environment,
    target: config_module.Environment,
    now: datetime,
) -> Evidence:
    """The evidence that `source` has run its Git version long enough for `target`, or the one
    refusal (CtlError with its own exit code) that says what is missing."""
    name = (rollout.get("metadata") or {}).get("name", WORKLOAD)
    who = f"{source.name}'s Rollout {name}"
    nothing = f"nothing promoted to {target.name}"
    aborted = _aborted_now(rollout)
    if aborted:
        raise CtlError(f"refused: {who} is aborted: {aborted}; {nothing}", ABORTED_SINCE)
    unpromoted = _not_promoted(rollout)
    if unpromoted:
        raise CtlError(f"refused: {who} is not fully promoted: {unpromoted}; {nothing}", NOT_PROMOTED)
    shown, message = phase(rollout)
    if shown != "Healthy":
        raise CtlError(
            f"refused: {who} is {shown or 'without a phase'}{f' ({message})' if message else ''}, not Healthy; {nothing}", NOT_HEALTHY
        )
    wanted = ImageRef.of(source.image)
    running = rollout_image(rollout)
    if running != wanted.reference:
        raise CtlError(
            f"refused: {who} runs {running or 'no image'}, but config/environments/{source.name}.yaml says {wanted.reference}: "
            f"only what {source.name} runs and Git says may move on (has Argo CD synced it?); {nothing}",
            OTHER_VERSION,
        )
    if target.require_digest and not wanted.digest:
        raise CtlError(
            f"refused: {target.name} has require_digest and {source.name} runs {wanted.tag} without a digest: pin it in "
            f"{source.name} first (canaryctl update-image {wanted.tag} --env {source.name} --digest sha256:...); {nothing}",
            OTHER_VERSION,
        )
    mine = revision_runs(rollout, runs)
    failed = [r for r in mine if ((r.get("status") or {}).get("phase")) in FAILED_PHASES]
    if failed:
        run = failed[-1]
        raise CtlError(
            f"refused: {who} aborted this version since it started: AnalysisRun {run['metadata'].get('name')} "
            f"{run['status']['phase'].lower()}; roll a new version through instead; {nothing}",
            ABORTED_SINCE,
        )
    done = completed_at(rollout)
    soak = config_module.duration_seconds(target.promotion.soak)
    if done is None:
        raise CtlError(f"refused: {who} records no completion time (no Completed condition True); {nothing}", NOT_SOAKED)
    soaked = now - done
    if soaked.total_seconds() < soak:
        raise CtlError(
            f"refused: {source.name} completed {wanted.label} at {done.strftime('%Y-%m-%dT%H:%M:%SZ')}, {words(soaked.total_seconds())} ago; "
            f"{target.name}'s promotion.soak is {target.promotion.soak}: {words(soak - soaked.total_seconds())} to go; {nothing}",
            NOT_SOAKED,
        )
    status = rollout.get("status") or {}
    return Evidence(
        source=source.name,
        namespace=(rollout.get("metadata") or {}).get("namespace") or source.namespace,
        rollout=name,
        revision=((rollout.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION),
        pod_hash=status.get("currentPodHash", ""),
        image=wanted,
        completed_at=done,
        soaked=soaked,
        soak=target.promotion.soak,
        runs=len(mine),
    )


def promotion_message(target: str, evidence: Evidence, out_of_order: str | None = None) -> str:
    """The commit message: the evidence, and why the source is not the configured one when it is not."""
    subject = f"chore({target}): promote podinfo {evidence.image.label} from {evidence.source}"
    lines = evidence.lines() + ([f"out of the promotion order: {out_of_order}"] if out_of_order else [])
    return subject + "\n\nEvidence (canaryctl promote-env):\n" + "\n".join(f"- {line}" for line in lines) + "\n"


def env_file_diff(repo: Path, environment: str, image: ImageRef) -> str:
    """The environment file's unified diff this image makes (nothing written)."""
    file = config_module.environment_file(repo / gitops.CONFIG, environment)
    before = file.read_text()
    after = gitops.edited(before, image.tag, image.digest)
    relative = str(file.relative_to(repo))
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{relative}", f"b/{relative}"))


# --- rollback ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Previous:
    image: ImageRef
    where: str  # where it was read, for the message and the commit


def stable_replica_set_image(rollout: dict, replica_sets: list[dict]) -> Previous | None:
    """During a rollout: the stable ReplicaSet's pod template (what serves the users now)."""
    stable = (rollout.get("status") or {}).get("stableRS")
    for rs in replica_sets:
        labels = (rs.get("metadata") or {}).get("labels") or {}
        if stable and labels.get(HASH_LABEL) == stable:
            image = template_image((rs.get("spec") or {}).get("template"))
            if image:
                revision = ((rs.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION)
                name = (rs.get("metadata") or {}).get("name")
                return Previous(ImageRef.parse(image), f"the stable ReplicaSet {name} (revision {revision or '?'})")
    return None


# canaryctl rollback's commit subject starts so (rollback_message); `git revert`'s with ROLLBACK_SUBJECTS[1].
ROLLBACK_SUBJECTS = ("revert(", 'Revert "')


def _is_rollback(subject: str) -> bool:
    """A commit that rolled a version back: canaryctl rollback's or `git revert`'s."""
    return subject.startswith(ROLLBACK_SUBJECTS)


def _left(history: list[tuple[str, ImageRef, str]]) -> set[tuple[str, str | None]]:
    """(tag, digest) of every version a rollback commit of `history` moved away from: the image the
    file held just before that commit."""
    return {(older.tag, older.digest) for (_, _, subject), (_, older, _) in itertools.pairwise(history) if _is_rollback(subject)}


def rolled_back(repo: Path, environment: str) -> set[tuple[str, str | None]]:
    """The versions rollbacks left in the environment's Git history: never the one to go back to."""
    return _left(_git_history(repo, environment))


def _git_history(repo: Path, environment: str) -> list[tuple[str, ImageRef, str]]:
    """(commit, image, subject) of each commit that changed the environment file, newest first."""
    relative = str(config_module.environment_file(Path(gitops.CONFIG), environment))
    listed = subprocess.run(["git", "log", "--format=%h %s", "--", relative], cwd=repo, capture_output=True, text=True)
    out = []
    for line in listed.stdout.splitlines():
        sha, _, subject = line.partition(" ")
        shown = subprocess.run(["git", "show", f"{sha}:{relative}"], cwd=repo, capture_output=True, text=True)
        if shown.returncode:
            continue
        try:
            image = (pyyaml.safe_load(shown.stdout) or {}).get("image") or {}
        except pyyaml.YAMLError:
            continue
        if isinstance(image, dict) and image.get("tag"):
            repository = image.get("repository") or config_module.PODINFO_REPOSITORY
            out.append((sha, ImageRef(str(repository), str(image["tag"]), image.get("digest") or None), subject))
    return out


def git_previous(repo: Path, environment: str, current: ImageRef) -> Previous | None:
    """After a rollout: the version the environment file held in Git before the one running. A
    finished version that was aborted never stays in Git when the runbook is followed (its
    rollback is a commit), while the cluster cannot tell: a ReplicaSet does not record whether it
    was ever stable, so an aborted canary's looks like a promoted one's. The history is read from
    the newest commit that names the running version back, so a newer commit Argo CD has not
    synced yet is never taken for the previous version; a running version Git never held: None.
    A version an earlier rollback moved away from (`rolled_back`) is passed over: after prod went
    6.14.1 -> 6.14.2 -> rollback to 6.14.1, the version before 6.14.1 is not 6.14.2."""
    history = _git_history(repo, environment)  # read once: the versions rollbacks left come from it too
    bad = _left(history)
    relative = config_module.environment_file(Path(gitops.CONFIG), environment)
    reached = False
    for sha, image, _ in history:
        if (image.tag, image.digest) == (current.tag, current.digest):
            reached = True
        elif reached and (image.tag, image.digest) not in bad:
            return Previous(image, f"Git: {relative} at {sha}, the version before {current.label}")
    return None


def rollback_message(environment: str, previous: Previous, current: str | None, aborted: bool) -> str:
    subject = f"{ROLLBACK_SUBJECTS[0]}{environment}): roll back podinfo to {previous.image.label}"
    then = "the rollout in flight was aborted" if aborted else "no rollout was in flight"
    return f"{subject}\n\ncanaryctl rollback: {current or 'unknown'} -> {previous.image.reference}, read from {previous.where}; {then}.\n"


def check_previous(previous: Previous | None, environment: config_module.Environment) -> Previous:
    if previous is None:
        raise CtlError(
            f"no earlier version of {environment.name} found (no stable ReplicaSet; in Git, none before the running one): pass --to TAG",
            NO_PREVIOUS,
        )
    if previous.image.repository != environment.image.repository:
        raise CtlError(
            f"the earlier version {previous.image.reference} is of another repository than image.repository "
            f"({environment.image.repository}): change config/environments/{environment.name}.yaml by hand",
            USAGE,
        )
    return previous
