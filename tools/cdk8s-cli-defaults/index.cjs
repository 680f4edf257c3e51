// Preloaded into every Node process that npm or npx starts in this project (.npmrc node-options),
// so that `npx cdk8s ...` behaves like the Makefile's targets.
"use strict";
const path = require("node:path");

// 1. No upgrade check. The cdk8s CLI is pinned in package-lock.json and upgraded through
// `make lock`; its upgrade check (cdk8s-cli lib/upgrades.js getLatestVersion, on by default) only
// adds a network call to each run, and on a network that blocks the registry's public host it
// prints a Node stack trace. The CLI reads its options from CDK8S_* variables (yargs
// .env('CDK8S') in lib/cli/index.js): default the check off, leave a value the user set alone.
if (process.env.CDK8S_CHECK_UPGRADE === undefined) {
  process.env.CDK8S_CHECK_UPGRADE = "false";
}

// 2. `cdk8s import` without a spec reads the `imports:` key of cdk8s.yaml, which this project
// leaves empty, and would exit 0 having done nothing. imports/ comes from `make import`: the CRDs
// pinned with sha256 in crds.yaml, grouped one module per controller (Argo CD and Argo Rollouts
// share the argoproj.io group, and separate imports would overwrite each other). Say so.
const [, script, command, ...rest] = process.argv;
if (script && path.basename(script) === "cdk8s" && command === "import" && !rest.some((a) => !a.startsWith("-") || a === "--help" || a === "-h")) {
  process.stderr.write(
    "cdk8s import: this project generates imports/ with `make import` (the CRDs pinned in crds.yaml,\n" +
      "sha256-checked, one Python module per controller; PODINFO_CRD_DIR for offline copies).\n" +
      "`npx cdk8s import <spec>` still imports one spec of your own.\n",
  );
  process.exit(2);
}
