"""The environment chart (dist/<env>/): RolloutCanary, AnalysisSuite, ObservabilityStack, SecurityPolicies."""
