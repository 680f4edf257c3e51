"""No secret in Git (R7): credentials are references to Secrets created out of band
(docs/operations/bootstrap.md "Bootstrap a cluster"), never values.

Two scans:
- every tracked file of the repository, and every file of a fresh `dist/`, for values shaped like
  credentials: private keys, Slack, GitHub, GitLab and AWS tokens, Slack webhook URLs with their
  ids, JSON web tokens, passwords inside URLs;
- every line of `dist/`, `config/` and the tracked YAML and JSON files whose key names a credential (password, token, secret,
  client secret, API key, webhook URL): its value must be a reference (Argo CD's `$secret:key`
  form), a Secret selector (a mapping) or a boolean; and no Secret in `dist/` carries anything but
  the repository Secret's non-secret fields.
Two places name a Secret's keys and where the store holds them, never values (`secrets.form:
external`, config/secrets.py): an ExternalSecret's `secretKey` (the key of the Secret ESO writes, one
of the out-of-band Secrets' keys) and a configuration's `secrets.remote` (remote keys and
properties); every ExternalSecret takes each key from the store and templates no credential.
The scanners are tested on planted values, built at run time so that this file holds none.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from podinfo_canary import config as config_module
from podinfo_canary.core.secrets import environment_secrets, platform_secrets
from tests.conftest import ROOT, find

TOKEN_SHAPES = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----"),
    "Slack token": re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}"),
    "Slack webhook": re.compile(r"hooks\.slack\.com/services/T[0-9A-Z]{6,}/B[0-9A-Z]{6,}/[0-9A-Za-z]{16,}"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[0-9A-Za-z]{36,}|github_pat_[0-9A-Za-z_]{40,})"),
    "GitLab token": re.compile(r"\bglpat-[0-9A-Za-z_-]{20,}"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "JSON web token": re.compile(r"\beyJ[0-9A-Za-z_-]{10,}\.eyJ[0-9A-Za-z_-]{10,}\.[0-9A-Za-z_-]{10,}"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"<>]+:[^\s/@'\"<>]+@[^\s/]"),
}
_CREDENTIAL = r"[A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|webhook[_-]?url|private[_-]?key|access[_-]?key|secret[_-]?key|credentials?)"
CREDENTIAL_KEY = re.compile(rf"""^(?P<indent>\s*)(?:-\s+)?["']?(?P<key>{_CREDENTIAL})["']?\s*:\s*(?P<value>.*)$""", re.IGNORECASE)
# The same inside a JSON or flow-style string: "password": "value".
CREDENTIAL_JSON = re.compile(rf"""["'](?P<key>{_CREDENTIAL})["']\s*:\s*["'](?P<value>[^"']*)["']""", re.IGNORECASE)
# A value that is no secret: a reference (a GitHub Actions expression `${{ secrets.X }}` among them),
# a boolean, nothing (a mapping follows).
NOT_A_VALUE = re.compile(r"""^(?:\$\S+|\$?\{\{.*\}\}|true|false|null|~|""|''|)$""", re.IGNORECASE)
BLOCK_SCALAR = re.compile(r"^[|>][-+0-9]*$")
# Fields of a Secret that Argo CD's repository Secret may carry in the clear (no credentials).
REPOSITORY_FIELDS = {"type", "url", "project", "name"}
# ExternalSecretData.secretKey (external-secrets.io/v1): "The key in the Kubernetes Secret to store
# the value", a name.
KEY_NAME_FIELDS = {"secretKey"}


def secret_key_names(*configs) -> frozenset[str]:
    """The keys of every out-of-band Secret of these configurations (core/secrets.py)."""
    return frozenset(
        key
        for cfg in configs
        for secret in [*platform_secrets(cfg.platform), *(s for e in cfg.environments for s in environment_secrets(e, cfg.platform))]
        for key in secret.keys
    )


def store_reference_lines(text: str) -> set[int]:
    """The lines of a configuration file's `secrets.remote`: remote keys and properties, which
    name where the store holds each key (config/secrets.py RemoteSecret validates their form)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return set()
    node = root
    for key in ("secrets", "remote"):
        if not isinstance(node, yaml.MappingNode):
            return set()
        node = next((v for k, v in node.value if k.value == key), None)
    if node is None:
        return set()
    last = node.end_mark.line - (1 if node.end_mark.column == 0 else 0)  # 0-based; a block ends where the next line starts
    return set(range(node.start_mark.line + 1, last + 2))


def token_findings(name: str, text: str) -> list[str]:
    return [f"{name}: {kind}" for kind, pattern in TOKEN_SHAPES.items() if pattern.search(text)]


def credential_findings(name: str, text: str, key_names: frozenset[str] = frozenset(), references: set[int] | None = None) -> list[str]:
    """Credential-named keys holding a value: inline, as a block scalar (the lines indented below
    `key: |`), or inside a JSON string. Not a value: a `secretKey` naming one of `key_names`, and
    the lines of `references` (store_reference_lines)."""
    found = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if number in (references or ()):
            continue
        match = CREDENTIAL_KEY.match(line)
        if match and match["key"] in KEY_NAME_FIELDS and match["value"].strip().strip("'\"") in key_names:
            continue
        if match:
            value = match["value"].strip().split(" #")[0].strip()
            if BLOCK_SCALAR.match(value):
                indent = len(match["indent"])
                block = []
                for following in lines[number:]:
                    if following.strip() and len(following) - len(following.lstrip()) <= indent:
                        break
                    block.append(following.strip())
                if any(block):
                    found.append(f"{name}:{number}: {match['key']} has a value")
            elif not NOT_A_VALUE.match(value):
                found.append(f"{name}:{number}: {match['key']} has a value")
        for pair in CREDENTIAL_JSON.finditer(line):
            if not NOT_A_VALUE.match(pair["value"]):
                found.append(f"{name}:{number}: {pair['key']} has a value")
    return found


def _tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / name for name in listed.split("\0") if name]


def _text(path: Path) -> str | None:
    data = path.read_bytes()
    return None if b"\0" in data else data.decode("utf-8", errors="replace")


def test_no_tracked_file_holds_a_credential():
    files = _tracked_files()
    assert len(files) > 100
    findings = []
    for path in files:
        text = _text(path)
        if text is not None:
            findings += token_findings(str(path.relative_to(ROOT)), text)
    assert findings == []


def test_yaml_and_json_refer_to_secrets_and_hold_none(fresh_dist, objects):
    findings = []
    structured = [p for p in _tracked_files() if p.suffix in (".yaml", ".yml", ".json")]
    assert len(structured) > 50
    names = secret_key_names(config_module.load(ROOT / "config"), config_module.load(ROOT / "tests" / "fixtures" / "config"))
    for path in [*sorted(fresh_dist.rglob("*.yaml")), *sorted((ROOT / "config").rglob("*.yaml")), *structured]:
        text = path.read_text()
        findings += token_findings(str(path), text) + credential_findings(str(path), text, names, store_reference_lines(text))
    assert findings == []
    for secret in find(objects, "Secret"):
        assert "data" not in secret and set(secret.get("stringData", {})) <= REPOSITORY_FIELDS, secret["metadata"]["name"]


def test_every_external_secret_reads_each_key_from_the_store(built):
    """In both configurations: each key comes from a remoteRef, a template carries only the
    repository's non-secret fields, and no Secret is synthesized beside the ExternalSecrets."""
    everything = [o for charts in built.values() for objs in charts.values() for o in objs]
    external = [o for o in everything if o["kind"] == "ExternalSecret"]
    assert external, "the fixture configuration takes the external form"
    for obj in external:
        spec = obj["spec"]
        assert "dataFrom" not in spec and all(d["remoteRef"]["key"] for d in spec["data"]), obj["metadata"]["name"]
        assert set(spec["target"]["template"].get("data", {})) <= REPOSITORY_FIELDS, obj["metadata"]["name"]
    for charts in built.values():
        objs = [o for chart in charts.values() for o in chart]
        written = {(o["metadata"]["namespace"], o["spec"]["target"]["name"]) for o in objs if o["kind"] == "ExternalSecret"}
        committed = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objs if o["kind"] == "Secret"}
        assert written & committed == set()


def test_store_references_and_key_names_pass_and_values_beside_them_do_not():
    config_text = "\n".join(
        [
            "secrets:",
            "  remote:",
            "    argocd-notifications-secret:",
            "      key: podinfo/argocd",
            "      properties:",
            "        slack-token: slack",
            "        email-password: smtp",
            "smtp_password: " + "hunter2",
        ]
    )
    assert credential_findings("planted", config_text, references=store_reference_lines(config_text)) == [
        "planted:8: smtp_password has a value"
    ]
    manifest = "\n".join(["  data:", "    - secretKey: slack-token", "    - secretKey: " + "hunter2"])
    assert credential_findings("planted", manifest, frozenset({"slack-token"})) == ["planted:3: secretKey has a value"]


def _planted() -> dict[str, str]:
    """Credential-shaped values, assembled here so that no literal one sits in this file."""
    return {
        "private key": "-----BEGIN " + "OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n",
        "Slack token": "token: " + "xoxb" + "-1234567890-abcdefghijkl",
        "Slack webhook": "url: https://hooks.slack.com/services/" + "T0AB12CD3/" + "B0AB12CD3/" + "abcdefghijklmnopqrstuvwx",
        "GitHub token": "ghp" + "_" + "a1" * 18,
        "GitLab token": "glpat" + "-" + "abcdefghij0123456789",
        "AWS access key": "AKIA" + "ABCDEFGHIJ012345",
        "JSON web token": "eyJ" + "hbGciOiJIUzI1NiJ9" + ".eyJ" + "zdWIiOiIxMjM0NTY3In0" + ".c2lnbmF0dXJlLXBhcnQ",
        "password in a URL": "repo: https://deploy" + ":hunter2" + "@git.example.com/x.git",
    }


@pytest.mark.parametrize("kind", list(TOKEN_SHAPES))
def test_each_credential_shape_is_found(kind):
    assert token_findings("planted", "prefix\n" + _planted()[kind] + "\nsuffix") == [f"planted: {kind}"]


def test_a_credential_key_with_a_value_is_found_and_references_pass():
    text = "\n".join(
        [
            "token: $slack-token",
            "clientSecret: $argocd-oidc:client-secret",
            "automountServiceAccountToken: false",
            "authPassword:",
            "service.slack: |",
            "password: " + "correct-horse",
            "  - apiKey: " + "'abc123'",
            "webhook_url: " + "https://example.com/hook",
            "smtp_password: |",
            "  " + "hunter2",
            "config: " + '{"secretAccessKey": "' + "abcd" + '"}',
            "privateKey:",
            "  secretKeyRef: {name: x, key: y}",
        ]
    )
    assert credential_findings("planted", text) == [
        "planted:6: password has a value",
        "planted:7: apiKey has a value",
        "planted:8: webhook_url has a value",
        "planted:9: smtp_password has a value",
        "planted:11: secretAccessKey has a value",
    ]
