"""Strict schema validation of synthesized objects: core kinds and pinned custom resources.

- Core Kubernetes kinds: kubernetes-validate in strict mode (unknown fields are errors) for every
  version in KUBERNETES_VERSIONS: the oldest we support and a current release.
- Custom resources: the pinned CRD's `openAPIV3Schema` (tools/crds.py) as a JSON Schema as strict
  as the API server's `Strict` field validation: unknown keys rejected unless
  `x-kubernetes-preserve-unknown-fields`, an integer or a string for `x-kubernetes-int-or-string`,
  null where `nullable`; `metadata` checked as core ObjectMeta, a Rollout's pod template as a core
  PodTemplate.
- The API server's audit Policy (`audit.k8s.io/v1`, read from a file, so in no OpenAPI document):
  AUDIT_POLICY below, written from its Go types.

`python -m tools.validate dist` prints every problem and exits non-zero if there is one.
"""

from __future__ import annotations

import copy
import re
import sys
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate

from podinfo_canary.core import yamltext
from tools.crds import schemas

KUBERNETES_VERSIONS = ("1.27.0", "1.37.0")

# kubernetes-validate opens and parses a schema file and its 1 MB _definitions.json on every call
# (utils.validate -> utils.schema_contents). They are package data that never change and the
# library only reads the parsed result: parse each once (about half of validating dist/).
kubernetes_validate.utils.schema_contents = cache(kubernetes_validate.utils.schema_contents)


def _strict(node: dict) -> dict:
    """Translate one openAPIV3Schema node (recursively) to a strict JSON Schema node."""
    node = dict(node)
    if node.pop("x-kubernetes-int-or-string", False):
        node.pop("type", None)
        node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    preserve = node.get("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in node:
        node["properties"] = {k: _strict(v) for k, v in node["properties"].items()}
        if not preserve and "additionalProperties" not in node:
            node["additionalProperties"] = False
    if isinstance(node.get("additionalProperties"), dict):
        node["additionalProperties"] = _strict(node["additionalProperties"])
    if isinstance(node.get("items"), dict):
        node["items"] = _strict(node["items"])
    # allOf/anyOf/oneOf branches in structural schemas only add value constraints (`required`,
    # ranges) on the fields declared above: they are kept as they are, never made closed.
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
    return node


@cache
def _crd_validator(api_version: str, kind: str) -> jsonschema.Draft7Validator | None:
    schema = schemas().get((api_version, kind))
    if schema is None:
        return None
    root = copy.deepcopy(schema)
    # apiVersion, kind and metadata are implicit at a CRD schema's root: the API server accepts them
    # whether the schema lists them or not (Kubernetes "Specifying a structural schema"; Istio's
    # CRDs list only spec and status).
    implicit = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}}
    root["properties"] = {**implicit, **root.get("properties", {})}
    strict = _strict(root)
    return jsonschema.Draft7Validator(strict)


# audit.k8s.io/v1 Policy as k8s.io/apiserver v0.36.3 pkg/apis/audit/v1/types.go declares it
# (Policy, PolicyRule, GroupResources, Level and Stage constants); unknown fields are errors, as the
# API server's strict decoding of the policy file makes them.
_STRINGS = {"type": "array", "items": {"type": "string"}}
_STAGES = {"type": "array", "items": {"enum": ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"]}}
AUDIT_POLICY = {
    "type": "object",
    "required": ["apiVersion", "kind", "rules"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "audit.k8s.io/v1"},
        "kind": {"const": "Policy"},
        "metadata": {"type": "object"},
        "omitStages": _STAGES,
        "omitManagedFields": {"type": "boolean"},
        "rules": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["level"],
                "additionalProperties": False,
                "properties": {
                    "level": {"enum": ["None", "Metadata", "Request", "RequestResponse"]},
                    "users": _STRINGS,
                    "userGroups": _STRINGS,
                    "verbs": _STRINGS,
                    "resources": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"group": {"type": "string"}, "resources": _STRINGS, "resourceNames": _STRINGS},
                        },
                    },
                    "namespaces": _STRINGS,
                    "nonResourceURLs": _STRINGS,
                    "omitStages": _STAGES,
                    "omitManagedFields": {"type": "boolean"},
                },
            },
        },
    },
}


_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _audit_rule_problems(policy: dict) -> list[str]:
    """What kube-apiserver refuses in a policy beyond its types (k8s.io/apiserver v0.36.3
    pkg/apis/audit/validation/validation.go `validatePolicyRule`, `validateNonResourceURLs`,
    `validateResources`)."""
    problems = []
    for index, rule in enumerate(policy["rules"]):
        where = f".rules[{index}]"
        urls = rule.get("nonResourceURLs") or []
        if urls and (rule.get("resources") or rule.get("namespaces")):
            problems.append(f"{where}: rules cannot apply to both regular resources and non-resource URLs")
        for url in urls:
            if url != "*" and not url.startswith("/"):
                problems.append(f"{where}.nonResourceURLs: {url!r} must begin with '/'")
            if url != "*" and "*" in url[:-1]:
                problems.append(f"{where}.nonResourceURLs: {url!r}: '*' must be the final character")
        for entry in rule.get("resources") or []:
            group = entry.get("group", "")
            if group not in ("", "*") and (len(group) > 253 or not _DNS_SUBDOMAIN.match(group)):
                problems.append(f"{where}.resources: group {group!r} is not a DNS subdomain")
            if entry.get("resourceNames") and not entry.get("resources"):
                problems.append(f"{where}.resources: using resourceNames requires at least one resource")
    return problems


def _where(error: jsonschema.ValidationError) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "(root)"


def validate(obj: dict) -> list[str]:
    """Problems with one object; empty when it is valid."""
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    if (api_version, kind) == ("audit.k8s.io/v1", "Policy"):
        validator = jsonschema.Draft7Validator(AUDIT_POLICY)
        problems = [f"{_where(e)}: {e.message}" for e in validator.iter_errors(obj)]
        problems += [] if problems else _audit_rule_problems(obj)
        meta_probe = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": obj.get("metadata", {})}
        return problems + [f"metadata: {p}" for p in _core(meta_probe)]
    validator = _crd_validator(api_version, kind)
    if validator is not None:
        problems = [f"{_where(e)}: {e.message}" for e in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))]
        meta_probe = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": obj.get("metadata", {})}
        problems += [f"metadata: {p}" for p in _core(meta_probe)]
        if kind == "Rollout" and "template" in obj.get("spec", {}):
            # The Rollout CRD leaves parts of the pod spec free-form (volumes): check the pod
            # template against the core PodTemplate schema too.
            template_probe = {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "probe"}, "template": obj["spec"]["template"]}
            problems += [f"spec.template (as a core PodTemplate): {p}" for p in _core(template_probe)]
        return problems
    return _core(obj)


def _core(obj: dict) -> list[str]:
    problems = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.path) or "(root)"
            problems.append(f"Kubernetes {version}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"Kubernetes {version}: no schema for {obj.get('apiVersion')}/{obj.get('kind')} (not core, and no pinned CRD)")
    return problems


def validate_tree(folder: Path) -> dict[str, list[str]]:
    """file -> problems, for every YAML document below folder."""
    report: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.yaml")):
        for index, obj in enumerate(yamltext.read_documents(path)):
            for problem in validate(obj):
                report.setdefault(f"{path}#{index}", []).append(problem)
    return report


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "dist")
    found = validate_tree(target)
    for where, problems in found.items():
        for problem in problems:
            print(f"{where}: {problem}")
    print(f"{'FAILED' if found else 'ok'}: {sum(map(len, found.values()))} problems in {target}")
    sys.exit(1 if found else 0)
