"""Rollout notifications, in one home: the events an operator must hear about and their messages.

Some also go by e-mail (EMAILED_EVENTS). RolloutCanary subscribes the environment's channels to
each trigger; PlatformApps renders the templates and triggers into the Argo Rollouts controller's
ConfigMap."""

from __future__ import annotations

PAUSED_MESSAGE = (
    "{{ $step := index .rollout.spec.strategy.canary.steps (int .rollout.status.currentStepIndex) -}}"
    ":double_vertical_bar: Rollout {{.rollout.metadata.namespace}}/{{.rollout.metadata.name}} paused at step "
    "{{.rollout.status.currentStepIndex}}: "
    '{{ if hasKey $step "pause" }}{{ if hasKey $step.pause "duration" }}a timed soak of {{ $step.pause.duration }}, it continues by itself'
    "{{ else }}the manual gate, promote to continue{{ end }}"
    '{{- else if hasKey $step "analysis" }}the stage check was Inconclusive (too little evidence): promote, skip-current-step or abort'
    "{{- else }}{{ .rollout.status.message }}{{ end }}"
)


# Rollout events that also go to the environment's e-mail recipients (notifications.email), with
# the subject line: the ones a human must act on.
EMAILED_EVENTS = {
    "rollout-aborted": "[podinfo] {{.rollout.metadata.namespace}}: rollout aborted and rolled back",
    "analysis-run-failed": "[podinfo] {{.rollout.metadata.namespace}}: canary analysis failed",
}

# Argo Rollouts notification templates and triggers: the events an operator must hear about.
# Keys are trigger names without the `on-` prefix; RolloutCanary subscribes its channel to each.
ROLLOUT_MESSAGES = {
    "rollout-aborted": ":rotating_light: Rollout {{.rollout.metadata.namespace}}/{{.rollout.metadata.name}} was aborted and rolled back: {{.rollout.status.message}}",
    # Fires for every pause, timed soaks included (v1.9.1 rollout/sync.go `sendStateChangeEvents`),
    # and is rendered from the Rollout as it was *before* the pause was recorded (`c.rollout`,
    # so status.pauseConditions is still empty). Its currentStepIndex already names the step that
    # paused (rollout/canary.go adds the pause for the current step), so the message reads that
    # step: a timed soak, the manual gate, or a stage check that was Inconclusive.
    "rollout-paused": PAUSED_MESSAGE,
    "rollout-completed": ":white_check_mark: Rollout {{.rollout.metadata.namespace}}/{{.rollout.metadata.name}} is fully promoted",
    "analysis-run-failed": ":x: An analysis of {{.rollout.metadata.namespace}}/{{.rollout.metadata.name}} failed: the canary is worse than the SLO",
}
