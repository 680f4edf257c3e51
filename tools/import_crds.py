"""`make import`: regenerate imports/ from the pinned CRDs with `cdk8s import`.

Each `module` of crds.yaml becomes one multi-document file imported under its own prefix
(`rollouts:=...` -> imports/rollouts/io/argoproj). Without prefixes, Argo CD and Argo Rollouts
(both argoproj.io) would be written to the same imports/io/argoproj and the second import
would overwrite the first. The new tree replaces imports/ only when every import succeeded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from tools.crds import ROOT, CrdError, for_import, pinned

IMPORTS = ROOT / "imports"
CLI = ROOT / "node_modules" / ".bin" / "cdk8s"


def main(target: Path = IMPORTS) -> int:
    """Regenerate the bindings into `target` (default imports/), replacing it only on success."""
    groups: dict[str, list[bytes]] = defaultdict(list)
    try:
        for crd in pinned():
            if crd.module:
                groups[crd.module].append(for_import(crd))
    except CrdError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(dir=ROOT, prefix=".imports-") as tmp:
        work = Path(tmp)
        out = work / "imports"
        for module, contents in sorted(groups.items()):
            source = work / f"{module}.yaml"
            source.write_bytes(b"\n---\n".join(contents))
            cmd = [str(CLI), "import", "--no-check-upgrade", f"{module}:={source}", "--language", "python", "--output", str(out)]
            print("+", " ".join(cmd), flush=True)
            # cwd is the scratch folder, not ROOT: `cdk8s import` records its sources in ./cdk8s.yaml.
            if subprocess.run(cmd, cwd=work).returncode != 0:
                print(f"error: cdk8s import failed for module {module}; imports/ left unchanged", file=sys.stderr)
                return 1
        if target.exists():
            shutil.move(target, work / "previous")
        shutil.move(out, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else IMPORTS))
