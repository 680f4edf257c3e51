"""canaryctl: operate podinfo's rollouts with the project's own knowledge (environments, dist/).

Commands that read the cluster (`status`, `watch`) or change a Rollout (`promote`, `abort`,
`retry`, `pause`, `resume`) use the official `kubernetes` client on the current kubeconfig
(`--context` to pick another); the namespace is the environment's from config/ (`--env`), or
`--namespace`. `promote` moves a canary past the controller's pause (or one step on); `resume`
only undoes `pause`. `plan` reads dist/. Every read command takes `--output json`. A failure is
one line on stderr and an exit code of its kind: the one table, kube.EXIT_CODES, which
`canaryctl --help` prints and each command's help lists its codes of.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import json
import sys
import typing
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperArgument, TyperCommand, TyperGroup

from podinfo_canary import config as config_module
from podinfo_canary.core.workload import HASH_LABEL, WORKLOAD
from podinfo_canary.ctl import actions, kube
from podinfo_canary.ctl.kube import EXIT_CODES, INTERRUPTED, NO_ANSWER, NO_CANARY, REFUSED, USAGE, CtlError, Rollouts, Target
from podinfo_canary.ctl.status import (
    FAILED_PHASES,
    PASSED_PHASES,
    background_analysis,
    canary_in_progress,
    failed_background,
    failed_background_while_paused,
    step_analysis,
    summarize,
)
from podinfo_canary.ctl.words import counted, listing, unknown_environment


def project_root(start: Path | None = None) -> Path:
    """The project canaryctl works on: the nearest folder holding config/platform.yaml, from the
    current directory up (an installed canaryctl run inside a checkout); else the checkout this
    package was imported from (an editable install, `python -m podinfo_canary.ctl`)."""
    with contextlib.suppress(OSError):  # a current directory deleted under us
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / config_module.CONFIG_DIR / config_module.PLATFORM_FILE).is_file():
                return folder
    return Path(__file__).resolve().parents[2]


ROOT = project_root()


def _no_type(ctx) -> None:
    return None


def _plain(params: list) -> list:
    """No type placeholder in help (`<bool>`, `<str>`): a flag shows none, an argument its name,
    an option its metavar (ENV, SECONDS)."""
    for param in params:
        if isinstance(param, TyperArgument) or getattr(param, "is_flag", False):
            param.display_type_rich = _no_type
    return params


class _Command(TyperCommand):
    def get_params(self, ctx) -> list:
        return _plain(super().get_params(ctx))


class _Group(TyperGroup):
    def get_params(self, ctx) -> list:
        return _plain(super().get_params(ctx))


def _exit_table() -> str:
    """The exit-code table, for `canaryctl --help` (rich markup escaped)."""
    rows = [f"  {e.code.value:>3}  {e.meaning}" for e in EXIT_CODES]
    return escape("Exit codes (every command's --help lists its own):\n" + "\n".join(rows))


app = typer.Typer(
    name="canaryctl",
    help="Operate podinfo's canary rollouts (the commands are listed below).",
    epilog=_exit_table(),
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def command(name: str):
    """Register a canaryctl command: help without type placeholders, its exit codes in the epilog."""
    codes = ", ".join(str(code.value) for code in kube.exit_codes(name))
    return app.command(name, cls=_Command, epilog=f"Exit codes: {codes} (canaryctl --help says what each means).")


class Output(StrEnum):
    text = "text"
    json = "json"


Env = Annotated[
    str | None, typer.Option("--env", "-e", metavar="ENV", help="Environment from config/: its namespace, protection and settings.")
]
Namespace = Annotated[
    str | None, typer.Option("--namespace", "-n", metavar="NAMESPACE", help="The namespace to act in, instead of the environment's.")
]
Context = Annotated[
    str | None, typer.Option("--context", metavar="CONTEXT", help="The kubeconfig context to use (default: the current context).")
]
RolloutName = Annotated[str, typer.Option("--rollout", metavar="NAME", help="The Rollout to act on.")]
OutputOption = Annotated[
    Output, typer.Option("--output", "-o", metavar="text|json", help="Output format: text for people, json for scripts.")
]
ConfigDir = Annotated[Path, typer.Option("--config-dir", hidden=True)]


def _config(config_dir: Path) -> config_module.Config:
    try:
        return config_module.load(config_dir)
    except config_module.ConfigError as exc:
        raise CtlError(str(exc).splitlines()[0], USAGE) from exc


def _environment(env: str | None, config_dir: Path) -> config_module.Environment | None:
    return None if env is None else _named(_config(config_dir), env)


def _named(cfg: config_module.Config, env: str) -> config_module.Environment:
    for environment in cfg.environments:
        if environment.name == env:
            return environment
    raise CtlError(unknown_environment(env, (e.name for e in cfg.environments)), USAGE)


def _which(config_dir: Path) -> str:
    """`dev|staging|prod`: the configured environments, in their order."""
    with contextlib.suppress(CtlError):
        return "|".join(e.name for e in _config(config_dir).environments)
    return "ENV"


def _target(
    env: str | None, namespace: str | None, context: str | None, config_dir: Path
) -> tuple[Target, config_module.Environment | None]:
    environment = _environment(env, config_dir)
    if namespace is None and environment is None:
        raise CtlError(f"say which environment (--env {_which(config_dir)}) or namespace (--namespace)", USAGE)
    if environment is None:
        # A namespace of a configured environment is that environment (its protection applies).
        with contextlib.suppress(CtlError):
            environment = next((e for e in _config(config_dir).environments if e.namespace == namespace), None)
    return Target(namespace=namespace or environment.namespace, context=context), environment


def _run(command) -> None:
    """Run a command's body: a CtlError is one line on stderr and its exit code; Ctrl-C (also at a
    question) is INTERRUPTED."""
    try:
        command()
    except CtlError as error:
        sys.stdout.flush()  # what the command printed (a report, JSON) comes before the failure's line
        # Not markup: a message holds what users type and servers answer (`podinfo-canary[synth]`).
        err.print(f"canaryctl: {error}", highlight=False, soft_wrap=True, markup=False)
        raise typer.Exit(error.code) from None
    except (KeyboardInterrupt, typer.Abort):
        sys.stdout.flush()
        err.print("canaryctl: interrupted", highlight=False)
        raise typer.Exit(INTERRUPTED) from None


# The options of every command that acts on one Rollout, declared once (`rollout_command`).
_ROLLOUT_OPTIONS = (
    inspect.Parameter("env", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Env),
    inspect.Parameter("namespace", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Namespace),
    inspect.Parameter("context", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Context),
    inspect.Parameter("rollout", inspect.Parameter.KEYWORD_ONLY, default=WORKLOAD, annotation=RolloutName),
)
_CONFIG_DIR = inspect.Parameter("config_dir", inspect.Parameter.KEYWORD_ONLY, default=ROOT / "config", annotation=ConfigDir)
_RESOLVED = ("target", "environment", "rollout")


def rollout_command(name: str):
    """Register a command that acts on one Rollout: --env, --namespace, --context and --rollout come
    from `_ROLLOUT_OPTIONS`, resolved before the body runs. The body takes `(target, environment,
    rollout, *its own options*)` and runs under `_run` (a CtlError is one line and its exit code)."""

    def register(body):
        own = [p for p in inspect.signature(body).parameters.values() if p.name not in _RESOLVED]
        hints = typing.get_type_hints(body, include_extras=True)

        def face(*, env, namespace, context, rollout, config_dir, **options) -> None:
            def run() -> None:
                target, environment = _target(env, namespace, context, config_dir)
                body(target, environment, rollout, **options)

            _run(run)

        # Typer reads each option from its parameter's annotation: the body's, resolved (not a string).
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints[p.name]) for p in own]
        parameters = [*_ROLLOUT_OPTIONS, *own, _CONFIG_DIR]
        face.__signature__ = inspect.Signature(parameters, return_annotation=None)
        face.__annotations__ = {p.name: p.annotation for p in parameters}
        face.__name__, face.__qualname__, face.__doc__, face.__wrapped__ = body.__name__, body.__qualname__, body.__doc__, body
        command(name)(face)
        return body

    return register


@rollout_command("status")
def status(
    target: Target,
    environment: config_module.Environment | None,
    rollout: str,
    output: OutputOption = Output.text,
) -> None:
    """Where the rollout is: step, weight, phase, pauses, both versions' pods, the analysis.

    The current analysis shows each metric's last value, phase and the condition it is judged by.
    A warning line (`warning` in JSON) names what needs a human the controller will not handle."""

    rollouts = Rollouts(target)
    obj = rollouts.get(rollout)
    state = obj.get("status") or {}
    hashes = [h for h in (state.get("stableRS"), state.get("currentPodHash")) if h]
    replica_sets = rollouts.replica_sets(f"{HASH_LABEL} in ({','.join(sorted(set(hashes)))})") if hashes else []
    run_obj = rollouts.analysis_run_if_any(step_analysis(obj).get("name"))
    # The background run is read when it failed: for the warning (paused, the controller will not
    # act on it) or to say which judge failed it.
    failed = failed_background(obj)
    background_run = rollouts.analysis_run_if_any(failed.get("name")) if failed else None
    summary = summarize(obj, replica_sets, run_obj, environment.name if environment else None, background_run)
    if output is Output.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
    else:
        _print_status(summary)


def _pause_words(s: dict) -> str:
    """Who holds the rollout: the controller's pause reasons and a human's `canaryctl pause`."""
    by_hand = ["spec.paused (`canaryctl resume` clears it)"] if s.get("paused_by_human") else []
    return ", ".join([r for r in s["pause_reasons"] if r] + by_hand) or "spec.paused"


def _print_status(s: dict) -> None:
    step = f"step {s['step'] + 1}/{s['steps']}" if s["step"] is not None and s["step"] < s["steps"] else "all steps done"
    out.print(f"[bold]{s['namespace']}/{s['rollout']}[/]  {s['phase']}  {step}  canary weight {s['weight']}%")
    if s["message"]:
        out.print(f"  {s['message']}")
    if s["paused"]:
        out.print(f"  [yellow]paused[/]: {_pause_words(s)}", highlight=False)
    if s["aborted"]:
        out.print("  [red]aborted[/]: traffic is back on the stable version; `canaryctl retry` runs the canary again")
    if s["warning"]:
        out.print(f"  [red]warning[/]: {s['warning']}", highlight=False, soft_wrap=True)
    if s.get("judged"):
        out.print(f"  [red]judged[/]: {s['judged']}", highlight=False, soft_wrap=True)
    table = Table("track", "hash", "ready", "image")
    for track in ("stable", "canary"):
        version = s[track]
        if version:
            table.add_row(
                track, version.get("hash") or "-", f"{version.get('ready', 0)}/{version.get('replicas', 0)}", version.get("image") or "-"
            )
    out.print(table)
    background = s["background_analysis"]
    if background:
        out.print(f"background analysis {background['name']}: {background['phase'] or 'starting'}")
    analysis = s["analysis"]
    if analysis:
        phase = analysis["phase"] or "starting"
        out.print(f"analysis {analysis['name']}: {phase}" + (f" ({analysis['message']})" if analysis["message"] else ""))
        metrics = Table("metric", "phase", "last value", "measurements", "judged by")
        colors = {"Successful": "green", "Failed": "red", "Error": "red", "Inconclusive": "yellow", "Running": "blue"}
        for m in analysis["metrics"]:
            color = colors.get(m["phase"], "white")
            condition = m["failure_condition"] or m["success_condition"] or "-"
            value = "-" if m["value"] is None else str(m["value"])
            metrics.add_row(m["name"], f"[{color}]{m['phase'] or 'starting'}[/]", value, str(m["measurements"]), condition)
        out.print(metrics)


def _interactive() -> bool:
    """Whether a person can answer a question (stdin is a terminal)."""
    return sys.stdin.isatty()


def _confirm(environment: config_module.Environment | None, action: str, yes: bool) -> None:
    if environment is None or not environment.protected or yes:
        return
    if not _interactive():
        raise CtlError(f"{environment.name} is protected: {action} needs confirmation; pass --yes", REFUSED)
    if not typer.confirm(f"{environment.name} is protected. {action}?", default=False):
        raise CtlError(f"{action}: not confirmed", REFUSED)


@rollout_command("promote")
def promote(
    target: Target,
    environment: config_module.Environment | None,
    rollout: str,
    full: Annotated[bool, typer.Option("--full", help="Promote straight to 100%: skip the remaining steps, pauses and analysis.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Promote even past a running or failed analysis, or an aborted rollout.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation in a protected environment (prod).")] = False,
) -> None:
    """Move the canary on: past the controller's pause (manual gate, timed pause), else one step; --full: to 100%.

    Sends what `kubectl argo rollouts promote [--full]` v1.9.1 sends: it clears the controller's pause conditions or advances a step, and also clears `canaryctl pause` (to clear only that, without moving a step: `resume`).

    Refuses to pass a blocking analysis that is still running or has failed unless --force."""

    rollouts = Rollouts(target)
    obj = rollouts.get(rollout)
    if not canary_in_progress(obj) and not (obj.get("spec") or {}).get("paused"):
        raise CtlError(f"no canary in progress in {target.namespace}: nothing to promote", NO_CANARY)
    if (obj.get("status") or {}).get("abort") and not force:
        raise CtlError(f"rollout {rollout} is aborted: `canaryctl retry` runs the canary again (--force promotes it anyway)", REFUSED)
    for kind, analysis in (("this step's analysis", step_analysis(obj)), ("the background analysis", background_analysis(obj))):
        phase = analysis.get("status") or ""
        if force or not analysis or phase in PASSED_PHASES:
            continue
        if phase in FAILED_PHASES:
            raise CtlError(f"{kind} {analysis.get('name')} {phase.lower()}: the canary is worse; pass --force to promote anyway", REFUSED)
        if kind == "this step's analysis":  # a background run keeps running while steps pass
            raise CtlError(f"{kind} {analysis.get('name')} is still {phase or 'starting'}: wait for it, or pass --force", REFUSED)
    if full:
        _confirm(environment, f"promote {rollout} fully to 100%", yes)
    rollouts.apply(rollout, actions.promote(obj, full=full))
    out.print(f"rollout '{rollout}' {'fully promoted' if full else 'promoted'}")


@rollout_command("abort")
def abort(
    target: Target,
    environment: config_module.Environment | None,
    rollout: str,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation in a protected environment (prod).")] = False,
) -> None:
    """Send all traffic back to the stable version and scale the canary down.

    As `kubectl argo rollouts abort`. The new version stays in Git: revert it there, or `retry`."""

    rollouts = Rollouts(target)
    if not canary_in_progress(rollouts.get(rollout)):
        raise CtlError(f"no canary in progress in {target.namespace}: nothing to abort", NO_CANARY)
    _confirm(environment, f"abort {rollout}", yes)
    rollouts.apply(rollout, actions.abort())
    out.print(f"rollout '{rollout}' aborted")


@rollout_command("retry")
def retry(
    target: Target,
    environment: config_module.Environment | None,
    rollout: str,
) -> None:
    """Run an aborted canary again from its first step (as `kubectl argo rollouts retry rollout`)."""

    rollouts = Rollouts(target)
    if not (rollouts.get(rollout).get("status") or {}).get("abort"):
        raise CtlError(f"rollout {rollout} in {target.namespace} is not aborted: nothing to retry", REFUSED)
    rollouts.apply(rollout, actions.retry())
    out.print(f"rollout '{rollout}' retried")


@rollout_command("pause")
def pause(
    target: Target,
    environment: config_module.Environment | None,
    rollout: str,
) -> None:
    """Hold the rollout where it is (as `kubectl argo rollouts pause`); `resume` lets it go on."""

    Rollouts(target).apply(rollout, actions.pause())
    out.print(f"rollout '{rollout}' paused")


@rollout_command("resume")
def resume(
    target: Target,
    environment: config_module.Environment | None,
    rollout: str,
) -> None:
    """Undo `pause`: clear spec.paused only (`{"spec":{"paused":false}}`), no step skipped.

    A timed pause runs on; the manual gate and a pause for an Inconclusive analysis are the controller's and still need `promote`. Refuses a rollout no human paused."""

    rollouts = Rollouts(target)
    obj = rollouts.get(rollout)
    reasons = [c.get("reason") for c in (obj.get("status") or {}).get("pauseConditions") or [] if c.get("reason")]
    if not (obj.get("spec") or {}).get("paused"):
        held = f"; the controller holds it ({', '.join(reasons)}): `canaryctl promote` moves it on" if reasons else ""
        raise CtlError(f"rollout {rollout} in {target.namespace} is not paused by a human: nothing to resume{held}", REFUSED)
    rollouts.apply(rollout, actions.resume())
    out.print(f"rollout '{rollout}' resumed", highlight=False, soft_wrap=True)
    if reasons:
        out.print(
            f"  still paused by the controller: {', '.join(reasons)}; `canaryctl promote` moves it on", highlight=False, soft_wrap=True
        )


@command("update-image")
def update_image(
    tag: Annotated[str, typer.Argument(metavar="TAG", help="The new podinfo image tag, e.g. 6.14.2.")],
    env: Annotated[
        str, typer.Option("--env", "-e", metavar="ENV", help="Environment whose config file (config/environments/ENV.yaml) to change.")
    ],
    digest: Annotated[
        str | None,
        typer.Option(
            "--digest",
            metavar="sha256:HEX",
            help="The image's digest (sha256: and 64 hex digits), to pin it; without it any earlier digest goes.",
        ),
    ] = None,
    commit: Annotated[
        bool,
        typer.Option(
            "--commit",
            help="Commit the config file, dist/ and the docs' generated tables in one commit (also this same edit left uncommitted by a run without --commit).",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Set a protected environment's image directly, past promote-env (needs --reason)."),
    ] = False,
    reason: Annotated[str | None, typer.Option("--reason", metavar="TEXT", help="Why --force: written into the commit message.")] = None,
    repo: Annotated[Path, typer.Option("--repo", hidden=True)] = ROOT,
) -> None:
    """Deploy a new podinfo version the GitOps way: change the environment's config, re-synthesize.

    Edits config/environments/ENV.yaml (comments kept), validates the whole configuration first
    (a bad tag or digest changes nothing), runs the synthesis, shows what changed in dist/ and,
    with --commit, makes one commit. Never touches the cluster: Argo CD syncs the commit.

    Without --commit it prints the git command that makes that commit; running the same command
    again with --commit makes it too (it accepts exactly this edit uncommitted, and refuses any
    other uncommitted change under config/, dist/, docs/ or README.md).

    A protected environment (prod) takes its version from `promote-env`, on evidence; update-image
    refuses it unless --force with a --reason, which the commit message keeps."""
    from podinfo_canary.ctl.gitops import update_image as run_update

    def run() -> None:
        label = tag + (f"@{digest}" if digest else "")
        message = None
        environment = _named(_config(repo / "config"), env) if env in _names(repo / "config") else None
        if environment is not None and environment.protected:
            if not force:
                raise CtlError(
                    f"refused, nothing changed: {env} is protected: its version comes from `canaryctl promote-env {env}` "
                    "(on evidence from the environment before it); --force --reason TEXT sets it directly",
                    REFUSED,
                )
            if not (reason or "").strip():
                raise CtlError(f"--force needs --reason TEXT: why {env} skips promote-env (the commit message keeps it)", USAGE)
            message = (
                f"chore({env}): deploy podinfo {label}\n\nForced past promote-env (canaryctl update-image --force): {reason.strip()}\n"
            )
        elif force or reason:
            raise CtlError(f"--force and --reason are for protected environments; {env} is not one", USAGE)
        _print_update(run_update(repo, env, tag, digest, commit=commit, message=message), label, repo)

    _run(run)


def _names(config_dir: Path) -> list[str]:
    from podinfo_canary.ctl.gitops import configured_environments

    return configured_environments(config_dir)


def _print_update(result, label: str, repo: Path, *, then: str = "push it and Argo CD starts the canary") -> None:
    """What update-image, promote-env and rollback changed in Git: the file, dist/'s stat, the commit or the command to make it."""
    if not result.diff:
        out.print(f"already at {label}: nothing to change", highlight=False, soft_wrap=True)
        return
    out.print(f"{result.file.relative_to(repo)}: image {label}", highlight=False, soft_wrap=True)
    out.print(result.diff.rstrip(), highlight=False)
    if result.commit:
        out.print(f"committed {result.commit}; {then}", highlight=False, soft_wrap=True)
    else:
        out.print(
            "not committed: review it (`git diff`), then run the same command with --commit, or commit it yourself:",
            highlight=False,
            soft_wrap=True,
        )
        out.print(f"  {result.commit_command()}", highlight=False, soft_wrap=True, markup=False)


Now = Annotated[str | None, typer.Option("--now", hidden=True, help="The time to judge the soak at (RFC 3339), for tests.")]


def _now(now: str | None):
    from datetime import UTC, datetime

    from podinfo_canary.ctl.promotion import parse_time

    if now is None:
        return datetime.now(UTC)
    parsed = parse_time(now)
    if parsed is None:
        raise CtlError(f"--now {now}: not an RFC 3339 time such as 2026-11-27T10:00:00Z", USAGE)
    return parsed


@command("promote-env")
def promote_env(
    target_env: Annotated[str, typer.Argument(metavar="TARGET", help="The environment to promote into, e.g. prod.")],
    source_env: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="SOURCE",
            help="The environment whose running version to promote (default: its promotion.from, else the one before it).",
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            metavar="TEXT",
            help="Why --from leaves the configured order (required then; it goes into the commit message).",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the decision and the config diff; write nothing.")] = False,
    commit: Annotated[
        bool,
        typer.Option(
            "--commit", help="Commit the config file, dist/ and the docs' generated tables in one commit whose message names the evidence."
        ),
    ] = False,
    context: Context = None,
    rollout: RolloutName = WORKLOAD,
    now: Now = None,
    repo: Annotated[Path, typer.Option("--repo", hidden=True)] = ROOT,
) -> None:
    """Move the version the source environment runs to TARGET, on evidence from the source's Rollout.

    Reads the source's Rollout and refuses, one line and its own exit code, unless it is fully
    promoted (31), Healthy (30), running exactly the image its Git config names, tag and digest (32),
    with no abort since this version started (33), and has run it at least TARGET's promotion.soak
    since it completed (34, the Rollout's Completed condition). Then writes TARGET's image as
    update-image does (validated, dist/ re-synthesized) and, with --commit, makes one commit whose
    message names the evidence. --dry-run prints the decision and the diff and writes nothing."""
    from podinfo_canary.ctl import promotion
    from podinfo_canary.ctl.gitops import update_image as run_update

    def run() -> None:
        cfg = _config(repo / "config")
        target = _named(cfg, target_env)
        configured = cfg.promotion_source(target.name)
        source = _named(cfg, source_env) if source_env is not None else configured
        if source is None:
            raise CtlError(
                f"{target.name} is the first environment of the promotion order: nothing promotes into it; "
                f"a new version enters with `canaryctl update-image TAG --env {target.name}`",
                USAGE,
            )
        if source.name == target.name:
            raise CtlError(f"--from {source.name}: an environment cannot promote from itself", USAGE)
        skipped = configured is not None and source.name != configured.name
        if skipped and not (reason or "").strip():
            raise CtlError(
                f"--from {source.name}: {target.name} promotes from {configured.name} (the promotion order); "
                "to take another environment's version, say why with --reason TEXT (it goes into the commit message)",
                REFUSED,
            )
        rollouts = Rollouts(Target(source.namespace, context))
        obj = rollouts.get(rollout)
        runs = rollouts.analysis_runs(rollout)
        evidence = promotion.judge(obj, runs, source=source, target=target, now=_now(now))
        label = evidence.image.label
        out.print(f"{target.name} may take {label} from {source.name}:", highlight=False, soft_wrap=True)
        for line in evidence.lines():
            out.print(f"  {line}", highlight=False, soft_wrap=True)
        if promotion.ImageRef.of(target.image) == evidence.image:
            out.print(f"{target.name} is already at {label} in Git: nothing to promote", highlight=False, soft_wrap=True)
            return
        if dry_run:
            out.print(promotion.env_file_diff(repo, target.name, evidence.image).rstrip(), highlight=False, markup=False, soft_wrap=True)
            out.print("dry run: nothing written", highlight=False)
            return
        result = run_update(
            repo,
            target.name,
            evidence.image.tag,
            evidence.image.digest,
            commit=commit,
            message=promotion.promotion_message(
                target.name, evidence, f"--from {source.name} instead of {configured.name}: {reason.strip()}" if skipped else None
            ),
        )
        _print_update(result, label, repo, then=f"push it and Argo CD rolls {label} out to {target.name}")

    _run(run)


@command("rollback")
def rollback(
    env: Annotated[str, typer.Option("--env", "-e", metavar="ENV", help="The environment to roll back.")],
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="TAG",
            help="The version to go back to (default: in flight, the stable ReplicaSet's image; after a rollout, the previous version in Git).",
        ),
    ] = None,
    digest: Annotated[str | None, typer.Option("--digest", metavar="sha256:HEX", help="With --to: the image's digest, to pin it.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation in a protected environment (prod).")] = False,
    context: Context = None,
    rollout: RolloutName = WORKLOAD,
    repo: Annotated[Path, typer.Option("--repo", hidden=True)] = ROOT,
) -> None:
    """Emergency rollback as Git: abort a rollout in flight, then commit the previous stable version.

    The version goes back in the cluster (the abort: traffic on the stable pods at once) and in
    Git (one commit of the environment's image, dist/ re-synthesized), so Argo CD's self-heal has
    nothing to undo. Where the previous version is read: with a canary in flight, from the stable
    ReplicaSet's pod template (what users are served now, whatever Git's history says); after a
    finished rollout, from the environment file's Git history (the newest other version: a
    ReplicaSet does not record whether it was ever stable, an aborted canary's looks like a
    promoted one's); --to TAG names it. After a finished rollout the commit starts a new canary of
    the old version, with every step and analysis: docs/guides/delivery-flow.md says how to go faster."""
    from podinfo_canary.ctl import promotion
    from podinfo_canary.ctl.gitops import update_image as run_update

    def run() -> None:
        cfg = _config(repo / "config")
        environment = _named(cfg, env)
        if digest and not to:
            raise CtlError("--digest goes with --to TAG", USAGE)
        rollouts = Rollouts(Target(environment.namespace, context))
        obj = rollouts.get(rollout)
        in_flight = canary_in_progress(obj)
        running = promotion.rollout_image(obj)
        current = promotion.ImageRef.parse(running) if running else promotion.ImageRef.of(environment.image)
        if to is not None:
            previous = promotion.Previous(promotion.ImageRef(environment.image.repository, to, digest), "--to")
        elif in_flight:
            stable = (obj.get("status") or {}).get("stableRS")
            replica_sets = rollouts.replica_sets(f"{HASH_LABEL}={stable}") if stable else []
            previous = promotion.stable_replica_set_image(obj, replica_sets)
            if previous and (previous.image.tag, previous.image.digest) in promotion.rolled_back(repo, environment.name):
                # The canary in flight is a rollback's own (the stable pods run the version it left):
                # aborting it would bring that version back.
                raise CtlError(
                    f"the canary in flight ({current.label}) is a rollback's: the stable pods run {previous.image.label}, the version "
                    f"it rolled back from; let it run, or hurry it with `canaryctl promote --full --env {environment.name}`",
                    kube.NO_PREVIOUS,
                )
        else:
            previous = promotion.git_previous(repo, environment.name, current)
        previous = promotion.check_previous(previous, environment)
        label = previous.image.label
        _confirm(environment, f"roll {environment.name} back to {label}", yes)
        aborted = False
        if in_flight and not (obj.get("status") or {}).get("abort"):
            rollouts.apply(rollout, actions.abort())
            aborted = True
            out.print(f"rollout '{rollout}' aborted: traffic is back on the stable version", highlight=False)
        message = promotion.rollback_message(environment.name, previous, current.label, in_flight)
        try:
            result = run_update(repo, environment.name, previous.image.tag, previous.image.digest, commit=True, message=message)
        except CtlError as error:
            if aborted:
                raise CtlError(
                    f"the rollout is aborted, but Git is not changed yet: {error}; fix that and run rollback again", error.code
                ) from None
            raise
        out.print(f"{label} read from {previous.where}", highlight=False, soft_wrap=True)
        if in_flight:
            then = "push it: Argo CD syncs the stable version, and the controller returns to its ReplicaSet without steps (a rollback to stable)"
        else:
            then = (
                f"push it: Argo CD syncs it and the controller rolls {label} out as a new canary, every step and analysis "
                f"(`canaryctl promote --full --env {environment.name}` once the Rollout shows it, to skip them)"
            )
        _print_update(result, label, repo, then=then)

    _run(run)


@rollout_command("analysis")
def analysis(
    target: Target,
    environment: config_module.Environment | None,
    rollout: str,
    run_name: Annotated[
        str | None, typer.Argument(metavar="RUN", help="The name of one AnalysisRun to show (default: every run of the rollout).")
    ] = None,
    output: OutputOption = Output.text,
) -> None:
    """The rollout's analysis runs: each metric's measurements, values, phases and conditions."""
    from podinfo_canary.ctl.status import run_summary

    rollouts = Rollouts(target)
    runs = [rollouts.analysis_run(run_name)] if run_name else rollouts.analysis_runs(rollout)
    summaries = [run_summary(r) for r in runs]
    if output is Output.json:
        print(json.dumps(summaries, indent=2, sort_keys=True))
        return
    if not summaries:
        out.print(f"no analysis runs of {rollout} in {target.namespace}")
    for summary in summaries:
        phase = summary["phase"] or "starting"
        out.print(f"[bold]{summary['name']}[/]: {phase}" + (f" ({summary['message']})" if summary["message"] else ""))
        table = Table("metric", "phase", "values (oldest first)", "judged by")
        for m in summary["metrics"]:
            values = listing(("-" if h["value"] is None else h["value"] for h in m["history"][-6:]), empty="-")
            table.add_row(m["name"], m["phase"] or "-", values, m["failure_condition"] or m["success_condition"] or "-")
        out.print(table)


@command("metrics")
def metrics(
    env: Annotated[str, typer.Option("--env", "-e", metavar="ENV", help="Environment whose analysis queries (dist/ENV) to run.")],
    prometheus: Annotated[
        str | None, typer.Option("--prometheus", metavar="URL", help="Prometheus' base URL (default: the in-cluster address from config/).")
    ] = None,
    canary_hash: Annotated[
        str | None,
        typer.Option("--canary-hash", metavar="HASH", help="The canary's pod-template hash (default: the Rollout's current one)."),
    ] = None,
    stable_hash: Annotated[
        str | None,
        typer.Option(
            "--stable-hash",
            metavar="HASH",
            help="The stable pods' hash (default: the Rollout's; with --canary-hash alone, none: the -vs-stable metrics have no reference).",
        ),
    ] = None,
    at: Annotated[
        float | None, typer.Option("--time", metavar="UNIX_TIME", help="Evaluate the queries at this unix time, in seconds (default: now).")
    ] = None,
    context: Context = None,
    rollout: RolloutName = WORKLOAD,
    output: OutputOption = Output.text,
    dist: Annotated[Path, typer.Option("--dist", hidden=True)] = ROOT / "dist",
    config_dir: ConfigDir = ROOT / "config",
) -> None:
    """The canary's analysis queries from dist/, run on Prometheus now, and each track's SLIs vs the SLO.

    Each metric is judged by its own conditions as the controller judges one measurement."""
    from podinfo_canary.ctl.prometheus import Prometheus, analysis_checks, track_slis

    def run() -> None:
        cfg = _config(config_dir)
        environment, platform = _named(cfg, env), cfg.platform
        pod_hash, stable = canary_hash, stable_hash or ""
        if pod_hash is None:
            obj = Rollouts(Target(environment.namespace, context)).get(rollout)
            if not canary_in_progress(obj):
                raise CtlError(f"no canary in progress in {environment.namespace}: pass --canary-hash to query one", NO_CANARY)
            pod_hash = obj["status"]["currentPodHash"]
            stable = stable_hash or obj["status"].get("stableRS") or ""
        engine = Prometheus(prometheus or platform.prometheus_address, at)
        report = {
            "canary_hash": pod_hash,
            "stable_hash": stable,
            "analysis": analysis_checks(dist / environment.name, pod_hash, engine, stable_hash=stable),
            "tracks": track_slis(environment, platform.alerting.rate_window, engine),
        }
        if output is Output.json:
            print(json.dumps(report, indent=2, sort_keys=True))
            return
        colors = {"Successful": "green", "Failed": "red", "Error": "red", "Inconclusive": "yellow"}
        table = Table("template", "metric", "value", "condition", "verdict", title=f"canary {pod_hash}: analysis from dist/")
        for c in report["analysis"]:
            condition = c["failure_condition"] or c["success_condition"] or "-"
            value = ", ".join(f"{v:.4g}" for v in c["value"]) or "no data"
            table.add_row(c["template"], c["metric"], value, condition, f"[{colors.get(c['phase'], 'white')}]{c['phase']}[/]")
        out.print(table)
        slis = Table("track", "SLI", "value", "SLO", title="recorded SLIs per track")
        for track, values in sorted(report["tracks"].items()):
            for key, v in values.items():
                color = {True: "green", False: "red"}.get(v["meets"], "white")
                bound = f"{v['op']} {v['bound']:g}" if v["bound"] is not None else "-"
                slis.add_row(track, key, f"[{color}]{v['value']:.4g}[/]", bound)
        out.print(slis)

    _run(run)


@rollout_command("watch")
def watch(
    target: Target,
    environment: config_module.Environment | None,
    rollout: str,
    interval: Annotated[
        float, typer.Option("--interval", min=0.01, metavar="SECONDS", help="Seconds between two reads of the Rollout.")
    ] = 2.0,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, metavar="SECONDS", help="Give up after this many seconds (exit 22).")
    ] = 3600,
    exit_on_pause: Annotated[
        bool,
        typer.Option(
            "--exit-on-pause", help="Also stop when the rollout waits for a human: the manual gate, an Inconclusive analysis (exit 21)."
        ),
    ] = False,
) -> None:
    """Follow a rollout live until it completes (exit 0) or aborts (exit 20).

    Shows the steps, the current weight, a timed pause's countdown, the analysis and any warning. With
    --exit-on-pause it also stops at the manual gate or an Inconclusive analysis (exit 21);
    after --timeout it exits 22, on Ctrl-C 130."""
    import time

    from rich.live import Live

    from podinfo_canary.ctl import watch as watching

    rollouts = Rollouts(target)
    deadline = time.monotonic() + timeout
    code = kube.TIMED_OUT
    try:
        with Live(console=out, refresh_per_second=4, transient=False) as live:
            while time.monotonic() < deadline:
                obj = rollouts.get(rollout)
                run_obj = rollouts.analysis_run_if_any(step_analysis(obj).get("name"))
                failed = failed_background_while_paused(obj)
                background_run = rollouts.analysis_run_if_any(failed.get("name")) if failed else None
                summary = summarize(obj, [], run_obj, environment.name if environment else None, background_run)
                live.update(watching.render(summary, obj))
                result = watching.outcome(obj)
                if result is not None and (result != kube.PAUSED or exit_on_pause):
                    code = result
                    break
                time.sleep(interval)
    except KeyboardInterrupt:
        code = kube.INTERRUPTED
    words = {
        kube.COMPLETED: "completed",
        kube.ABORTED: "aborted (or degraded)",
        kube.PAUSED: "paused for a human",
        kube.TIMED_OUT: "still running at the timeout",
        kube.INTERRUPTED: "interrupted",
    }
    (out if code == kube.COMPLETED else err).print(f"rollout '{rollout}' {words[code]}")
    raise typer.Exit(code)


@command("test-canary")
def test_canary(
    env: Annotated[str | None, typer.Option("--env", "-e", metavar="ENV", help="Environment whose first host to call (https).")] = None,
    url: Annotated[str | None, typer.Option("--url", metavar="URL", help="Base URL to call instead of the environment's host.")] = None,
    requests: Annotated[
        int,
        typer.Option("--requests", "-r", min=1, max=10_000, metavar="N", help="Requests in each round: plain, then with X-Canary: always."),
    ] = 100,
    deadline: Annotated[
        float, typer.Option("--deadline", min=1, max=600, metavar="SECONDS", help="Seconds for both rounds together (half each at most).")
    ] = 60,
    output: OutputOption = Output.text,
    config_dir: ConfigDir = ROOT / "config",
) -> None:
    """Send requests with and without `X-Canary: always` and report which version answered them.

    Shares of each podinfo version (from /version), status codes and latency percentiles of the
    successful answers. The header reaches the canary on every router: on nginx always (the canary
    Ingress), on gatewayapi and istio while the controller's header route exists (from the step
    that sets it until the rollout ends or aborts; docs/explanation/routing.md).
    A round without one successful answer (all failed or answered an error) exits 10 after the report."""
    from podinfo_canary.ctl.probe import probe, silent

    def run() -> None:
        if url is None and env is None:
            raise CtlError(f"say where: --env {_which(config_dir)} (its first host) or --url", USAGE)
        base = url or f"https://{_environment(env, config_dir).hosts[0]}"
        rounds = probe(base, requests, deadline)
        if output is Output.json:
            print(json.dumps({"url": base, "rounds": rounds}, indent=2, sort_keys=True))
        else:
            table = Table("round", "sent", "versions (share)", "answers", "p50 / p95 / p99 ms", title=base)
            for r in rounds:
                versions = listing((f"{v} {d['share']:.0%}" for v, d in r["versions"].items()), empty="-")
                table.add_row(
                    r["name"],
                    str(r["sent"]),
                    versions,
                    _answers(r),
                    " / ".join("-" if v is None else f"{v:g}" for v in r["latency_ms"].values()),
                )
            out.print(table)
        unanswered = silent(rounds)
        if unanswered:
            rounds_said = "; ".join(f"{r['name']}: {_answers(r)}" for r in unanswered)
            raise CtlError(
                f"no successful answer from {base}/version in {len(unanswered)} of {len(rounds)} rounds ({rounds_said})", NO_ANSWER
            )

    _run(run)


def _answers(r: dict) -> str:
    """A round's HTTP statuses and its requests without an answer, each counted (words.counted)."""
    said = [counted(r["statuses"])] if r["statuses"] else []
    if r["errors"]:
        said.append(f"failed: {counted(r['errors'])}")
    return "; ".join(said) or "-"


@command("dashboard")
def dashboard(
    env: Annotated[str, typer.Option("--env", "-e", metavar="ENV", help="Environment whose URLs to show.")],
    open_: Annotated[bool, typer.Option("--open", help="Also open the URLs an ingress exposes in a browser.")] = False,
    output: OutputOption = Output.text,
    config_dir: ConfigDir = ROOT / "config",
) -> None:
    """The Argo CD, Argo Rollouts dashboard and Grafana URLs of an environment.

    Where no ingress exposes one, the `kubectl port-forward` command that makes its URL work."""
    from podinfo_canary.ctl.links import as_json, links

    def run() -> None:
        cfg = _config(config_dir)
        found = links(cfg.platform, _named(cfg, env))
        if output is Output.json:
            print(json.dumps(as_json(found), indent=2))
            return
        for link in found:
            out.print(f"[bold]{link.name}[/]: {link.url}", highlight=False, soft_wrap=True)
            if link.port_forward:
                out.print(f"  first: {link.port_forward}", highlight=False, soft_wrap=True)
        if open_:
            import webbrowser

            for link in found:
                if link.port_forward is None:
                    webbrowser.open(link.url)

    _run(run)


@command("deploy")
def deploy(
    context: Context = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the ordered plan; apply nothing and read no cluster.")] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, metavar="SECONDS", help="Seconds to wait for Synced and Healthy (exit 22).")
    ] = 1200,
    interval: Annotated[float, typer.Option("--interval", min=0.01, hidden=True)] = 5.0,
    dist: Annotated[Path, typer.Option("--dist", hidden=True)] = ROOT / "dist",
    config_dir: ConfigDir = ROOT / "config",
) -> None:
    """Bootstrap a cluster: the pinned Argo CD, then the platform project and bootstrap Application.

    Then waits until every Application is Synced and Healthy. Idempotent (server-side apply);
    --dry-run prints the plan and reads no cluster. Secrets stay out of band, in the form
    config/platform.yaml `secrets.form` chooses: by hand, missing ones are listed; as
    ExternalSecrets, the ClusterSecretStore must be Ready and every ExternalSecret synced (exit 1
    at the end otherwise). Before kubectl runs, the kubeconfig and context are checked and the cluster asked
    its version, as every cluster command does (exit 3 or 4 with one line), and each gatewayapi
    environment's Gateway read: missing (6), or a listener that would not admit its routes from
    the environment's namespace (8), and nothing is applied."""
    from podinfo_canary.ctl import deploy as deploying

    def run() -> None:
        cfg = _config(config_dir)
        steps = deploying.plan(cfg, dist, context)
        expected = deploying.expected_applications(cfg, dist)
        if dry_run:
            for number, step in enumerate(steps, start=1):
                print(f"{number}. {step.what}\n   {' '.join(step.command)}" + (f"  < {step.stdin_label}" if step.stdin_label else ""))
            print(f"{len(steps) + 1}. wait until Synced and Healthy: {', '.join(expected)}")
            print("\n".join(deploying.secret_checks(cfg).lines()))
            here, elsewhere = deploying.gateway_environments(cfg)
            for e in here:
                listeners = ", ".join(f"{a.listener} ({a.protocol}, {a.route})" for a in deploying.attachments(e))
                print(f"Gateway checked first ({e.name}): {e.gateway.namespace}/{e.gateway.name}, listeners {listeners}")
            for e in elsewhere:
                print(f"Gateway not checked ({e.name}): on cluster {e.cluster.name}")
            return
        api = kube.api_client(context)  # the kubeconfig and context, before kubectl reads them
        kube.reach(api)
        for note in deploying.check_gateways(cfg, dist, api):  # before anything is applied
            err.print(f"canaryctl: {note}", highlight=False, soft_wrap=True, markup=False)
        deploying.run_steps(steps, lambda line: out.print(line, highlight=False), cwd=dist.parent)
        missing = deploying.missing_secrets(cfg, api)
        if missing:
            err.print(
                f'canaryctl: create these Secrets (docs/operations/bootstrap.md "Bootstrap a cluster"); Argo CD retries until they exist: {listing(missing)}',
                highlight=False,
                soft_wrap=True,
            )
        failing = deploying.external_secret_problems(cfg, api, absent_ok=True)
        if failing:
            err.print(
                'canaryctl: secrets.form external: fix these (docs/operations/bootstrap.md "Out-of-band Secrets"); ESO and Argo CD retry, '
                f"and the sync waves after an ExternalSecret wait for it: {listing(failing)}",
                highlight=False,
                soft_wrap=True,
            )
        from rich.live import Live

        with Live(console=out, refresh_per_second=2) as live:

            def show(states: dict) -> None:
                table = Table("Application", "sync", "health")
                for name in expected:
                    sync, health = states.get(name, ("absent", "absent"))
                    ok = (sync, health) == ("Synced", "Healthy")
                    table.add_row(name, sync, f"[{'green' if ok else 'yellow'}]{health}[/]")
                live.update(table)

            deploying.wait(
                expected,
                lambda: deploying.application_states(api, cfg.platform.argocd.namespace),
                timeout,
                interval,
                show,
                why=lambda: deploying.external_secret_problems(cfg, api),
            )
        unsynced = deploying.external_secret_problems(cfg, api)
        if unsynced:
            raise CtlError(
                f"{len(expected)} Applications Synced and Healthy, but ExternalSecrets not synced: {listing(unsynced)}", kube.FAILED
            )
        out.print(f"deployed: {len(expected)} Applications Synced and Healthy")

    _run(run)


class DiffFormat(StrEnum):
    plain = "plain"
    markdown = "markdown"


@command("diff")
def diff(
    base: Annotated[
        str | None,
        typer.Argument(metavar="[BASE]", help="The revision to compare from (default: the merge base of HEAD and Argo CD's branch, main)."),
    ] = None,
    head: Annotated[
        str | None, typer.Argument(metavar="[HEAD]", help="The revision to compare to (default: the work tree's dist/ and config/).")
    ] = None,
    env: Annotated[str | None, typer.Option("--env", "-e", metavar="ENV", help="Only this environment's folder of dist/.")] = None,
    format_: Annotated[
        DiffFormat,
        typer.Option("--format", metavar="plain|markdown", help="plain for a terminal; markdown for a pull request (the CI job summary)."),
    ] = DiffFormat.plain,
    synth: Annotated[
        bool, typer.Option("--synth", help="Synthesize the work tree's config/ into a scratch folder first (dist/ is left as it is).")
    ] = False,
    repo: Annotated[Path, typer.Option("--repo", hidden=True)] = ROOT,
) -> None:
    """What a change does to the cluster, per environment: objects added, removed and changed in dist/.

    Compares the synthesized dist/ (and the configuration) at BASE with HEAD. For the objects that
    decide a rollout the changed fields are said in words: the Rollout's stages (weight, pause,
    analysis, header routes), AnalysisTemplate metrics (conditions, limits, interval, count),
    alerts (expr, for, severity), NetworkPolicies and RBAC rules; any other field as `path: old -> new`.
    A report, not a check: it exits 0 whether or not anything changed; a revision git does not know exits 2."""
    from podinfo_canary.ctl import diff as diffing

    def run() -> None:
        report = diffing.run(repo, base, head, synth=synth, only=env)
        print(diffing.markdown(report) if format_ is DiffFormat.markdown else diffing.plain(report))

    _run(run)


@command("plan")
def plan(
    env: Annotated[str, typer.Option("--env", "-e", metavar="ENV", help="Environment whose Rollout (dist/ENV) to read.")],
    output: OutputOption = Output.text,
    dist: Annotated[Path, typer.Option("--dist", hidden=True)] = ROOT / "dist",
    config_dir: ConfigDir = ROOT / "config",
) -> None:
    """The stage timeline of an environment and its healthy promotion time, read from dist/."""
    from podinfo_canary.core import plan as plan_module

    def run() -> None:
        environment = _environment(env, config_dir)
        folder = dist / environment.name
        if not any(folder.glob("Rollout.*.yaml")):
            raise CtlError(f"{folder}: no Rollout here; run `make synth` first", USAGE)
        rollout_plan = plan_module.plan_from_folder(folder)
        if output is Output.json:
            print(json.dumps(dataclasses.asdict(rollout_plan), indent=2, sort_keys=True))
        else:
            print(rollout_plan.describe())

    _run(run)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
