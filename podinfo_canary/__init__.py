"""podinfo canary delivery: typed cdk8s constructs that synthesize the GitOps manifests in dist/."""
