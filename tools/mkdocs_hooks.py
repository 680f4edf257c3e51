"""mkdocs hook (mkdocs.yml `hooks:`): copy Mermaid from the pinned npm package into the built site.

mkdocs-material 9.8.2 renders ```mermaid fences with a global `mermaid` when the page defines one,
and otherwise fetches mermaid@11 from a CDN at run time (its bundle: `typeof mermaid=="undefined"
||mermaid instanceof Element ? <load from a CDN> : <use it>`). mkdocs.yml's extra_javascript loads
`assets/vendor/mermaid.min.js` before DOMContentLoaded, so the pinned copy is the one used and the
site works offline; tests/test_site.py checks in Chromium that no request leaves loopback.
The file is copied at build time, not committed: node_modules holds it (`npm ci`, package-lock.json).
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MERMAID = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
TARGET = Path("assets") / "vendor" / "mermaid.min.js"


def on_post_build(config, **kwargs) -> None:
    if not MERMAID.is_file():
        raise FileNotFoundError(f"{MERMAID.relative_to(ROOT)} is missing: run `make setup` (npm ci installs the pinned mermaid)")
    target = Path(config["site_dir"]) / TARGET
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(MERMAID, target)
