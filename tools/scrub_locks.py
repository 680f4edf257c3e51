"""Remove package-registry URLs from the lock files (`make lock` runs this after locking).

Pipfile.lock's `_meta.sources` is emptied (pipenv sync then uses the default index) and
package-lock.json must carry no `resolved` URLs (.npmrc asks npm to omit them; the one local
package, tools/cdk8s-cli-defaults, is resolved by its path). No registry
host name may be committed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    pipfile_lock = ROOT / "Pipfile.lock"
    data = json.loads(pipfile_lock.read_text())
    data["_meta"]["sources"] = []
    pipfile_lock.write_text(json.dumps(data, indent=4, sort_keys=True) + "\n")
    npm_lock = ROOT / "package-lock.json"
    urls = resolved_urls(npm_lock) if npm_lock.exists() else []
    if urls:
        print(
            f"error: package-lock.json carries resolved URLs ({urls[0]}); check .npmrc (omit-lockfile-registry-resolved)", file=sys.stderr
        )
        return 1
    return 0


def resolved_urls(npm_lock: Path) -> list[str]:
    """The `resolved` values of package-lock.json that are URLs (a local `file:` link is a path)."""
    packages = json.loads(npm_lock.read_text()).get("packages", {})
    return [p["resolved"] for p in packages.values() if "://" in p.get("resolved", "")]


if __name__ == "__main__":
    sys.exit(main())
