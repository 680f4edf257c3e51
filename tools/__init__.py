"""Developer tooling: CRD resolution, binding generation, benchmarks. Not part of the synthesized app."""
