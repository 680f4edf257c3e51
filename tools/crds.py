"""The pinned CRD list (crds.yaml): resolve each file, verify its sha256, load its schemas.

One resolver serves both `make import` (typed bindings) and the schema tests, so the bindings
and the validator can never disagree about which upstream version they describe.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.request
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from posixpath import basename
from urllib.parse import urlparse

import yaml

from podinfo_canary.core import yamltext

ROOT = Path(__file__).resolve().parent.parent
LIST_FILE = ROOT / "crds.yaml"
CACHE_DIR = ROOT / ".cache" / "crds"
DIR_ENV = "PODINFO_CRD_DIR"


class CrdError(RuntimeError):
    """A CRD file could not be found, fetched or verified."""


@dataclass(frozen=True)
class PinnedCrd:
    url: str
    sha256: str
    module: str | None
    # Only these kinds are imported as bindings (a file such as Istio's crd-all.gen.yaml holds every
    # CRD of the project); the schema tests read every CRD of the file. Empty: all of them.
    kinds: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return basename(urlparse(self.url).path)


def pinned() -> list[PinnedCrd]:
    data = yaml.safe_load(LIST_FILE.read_text())
    return [PinnedCrd(url=e["url"], sha256=e["sha256"], module=e.get("module"), kinds=tuple(e.get("kinds", ()))) for e in data["crds"]]


def for_import(crd: PinnedCrd) -> bytes:
    """The verified file, narrowed to the CRDs of `crd.kinds` when it names some."""
    content = fetch(crd)
    if not crd.kinds:
        return content
    docs = [d for d in yamltext.load_documents(content) if d.get("kind") == "CustomResourceDefinition"]
    chosen = [d for d in docs if d["spec"]["names"]["kind"] in crd.kinds]
    missing = set(crd.kinds) - {d["spec"]["names"]["kind"] for d in chosen}
    if missing:
        raise CrdError(f"{crd.filename}: no CustomResourceDefinition of kind {sorted(missing)} (crds.yaml `kinds`)")
    return yaml.safe_dump_all(chosen, sort_keys=False).encode()


def _verify(crd: PinnedCrd, content: bytes, origin: str) -> bytes:
    digest = hashlib.sha256(content).hexdigest()
    if digest != crd.sha256:
        raise CrdError(f"{origin}: sha256 {digest} does not match the pin {crd.sha256} in {LIST_FILE.name}")
    return content


def fetch(crd: PinnedCrd) -> bytes:
    """The verified bytes of one pinned CRD: from $PODINFO_CRD_DIR, else the cache, else its URL."""
    local_dir = os.environ.get(DIR_ENV)
    if local_dir:
        path = Path(local_dir) / crd.filename
        if not path.is_file():
            raise CrdError(f"{path}: not found ({DIR_ENV}={local_dir} must hold {crd.filename}, pinned at {crd.url})")
        return _cache(crd, _verify(crd, path.read_bytes(), str(path)))
    cached = CACHE_DIR / crd.filename
    if cached.is_file():
        return _verify(crd, cached.read_bytes(), str(cached))
    try:
        with urllib.request.urlopen(crd.url, timeout=60) as response:
            content = _verify(crd, response.read(), crd.url)
    except OSError as exc:
        raise CrdError(f"{crd.url}: cannot download ({exc}); set {DIR_ENV} to a directory holding {crd.filename}") from exc
    return _cache(crd, content)


def _cache(crd: PinnedCrd, content: bytes) -> bytes:
    """Keep a verified copy in .cache/crds, so a later offline run needs no directory or network."""
    cached = CACHE_DIR / crd.filename
    if not cached.is_file():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(content)
    return content


@cache
def schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> openAPIV3Schema for every served version of every pinned CRD."""
    result: dict[tuple[str, str], dict] = {}
    for crd in pinned():
        # A bare `=` (an enum value of the AlertmanagerConfig CRD) reads as the string, as in Kubernetes.
        for doc in yamltext.load_documents(fetch(crd)):
            if doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                if version.get("served", True):
                    key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                    result[key] = version["schema"]["openAPIV3Schema"]
    return result


if __name__ == "__main__":
    for crd in pinned():
        try:
            fetch(crd)
        except CrdError as exc:
            sys.exit(f"error: {exc}")
        print(f"ok {crd.filename}")
