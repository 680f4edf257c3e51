"""YAML text embedded in manifests (kustomize patches, notification templates) that reviewers can read.

Multi-line strings are written as literal blocks (`|`) instead of quoted one-liners with `\\n`,
so a diff of a policy.csv or a Lua health check shows the changed line, not a changed blob.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


class _Loader(yaml.CSafeLoader):
    pass


# YAML 1.1 resolves a plain `=` to the "value" tag, which PyYAML cannot construct; Kubernetes'
# YAML (go-yaml) reads it as the string "=" (e.g. a matchType). Read it as Kubernetes does.
_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def load_documents(content: bytes | str) -> list[Any]:
    """The non-empty documents of a YAML text, parsed by libyaml (ten times faster than pure Python)."""
    return [d for d in yaml.load_all(content, Loader=_Loader) if d]


def read_documents(path: Path) -> list[Any]:
    """The non-empty documents of a YAML file."""
    return load_documents(path.read_bytes())


def dump(value: Any) -> str:
    """Deterministic YAML (sorted keys, no line folding) with literal blocks for multi-line strings."""
    return yaml.dump(value, Dumper=_Dumper, sort_keys=True, width=10_000, default_flow_style=False)
