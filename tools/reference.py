"""The docs site's reference pages, generated from the code (never typed by hand).

- configuration: every field of config/platform.yaml and config/environments/<env>.yaml, walked from
  the pydantic models (podinfo_canary/config/), with its type as written in the model, its
  default, what is allowed (the model's JSON schema, string forms in words, and what its
  validators refuse: their own messages, or limits read from the constants they check), an example
  (the value the repository's own config/ files give it, else the test fixtures', else the
  field's `examples=`) and its description (`Field(description=...)`, its class docstring's
  `name: text` entry, or the comment on the field);
- canaryctl: every command, argument and option of the typer app (its click command tree), with
  the exit codes each can end with and the one exit-code table (podinfo_canary/ctl/kube.py);
- alerts: every alert of every environment as synthesized in dist/ (expression, `for:`, severity,
  runbook page).

tools/docs.py puts them between the GENERATED markers of docs/reference/*.md on every `make synth`;
tests/test_docs.py fails when a page is stale, and checks the hand-written pages' mentions of
commands, options and fields against the same trees.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from podinfo_canary import config as config_module
from podinfo_canary.config import environment as env_models
from podinfo_canary.config import types as config_types
from podinfo_canary.config.types import FORMS
from podinfo_canary.core import yamltext

ROOT = Path(__file__).resolve().parent.parent

# --- configuration ---------------------------------------------------------------------------

PLATFORM_FILE, ENV_FILE = "config/platform.yaml", "config/environments/<env>.yaml"
ROOTS: dict[str, type[BaseModel]] = {PLATFORM_FILE: config_module.Platform, ENV_FILE: config_module.Environment}


@dataclass(frozen=True)
class ConfigField:
    path: str  # canary.stages[].weight
    type: str  # as written in the model: Duration | None
    default: str  # `2m`, or "required"
    constraints: str
    description: str
    model: type[BaseModel]  # the model whose field it is
    example: str = "–"  # `2h` (prod.yaml), from config/ (else tests/fixtures/config/, else `examples=`)


def _annotation(model: type[BaseModel], name: str) -> str:
    """The field's annotation as written in its class (a string: `from __future__ import annotations`),
    with Annotated's constraints left to the constraints column."""
    for cls in model.__mro__:
        raw = getattr(cls, "__annotations__", {}).get(name)
        if raw is not None:
            break
    text = raw if isinstance(raw, str) else getattr(raw, "__name__", str(raw))
    return _strip_annotated(text)


def _strip_annotated(text: str) -> str:
    """`Annotated[X, Field(...)]` -> `X`, however deep."""
    while "Annotated[" in text:
        start = text.index("Annotated[")
        depth, comma = 0, None
        for i in range(start + len("Annotated["), len(text)):
            ch = text[i]
            if ch in "[(":
                depth += 1
            elif ch in "])":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0 and comma is None:
                comma = i
        text = text[:start] + text[start + len("Annotated[") : comma].strip() + text[i + 1 :]
    return text


def _docstring_entries(model: type[BaseModel]) -> dict[str, str]:
    """`name: text` entries of a model's docstring (continuation lines joined)."""
    doc = inspect.getdoc(model) or ""
    entries: dict[str, str] = {}
    current = None
    for line in doc.splitlines():
        match = re.match(r"^(\w+): (.+)$", line)
        keys = set(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias}  # as typed: `from`, not `source`
        if match and match.group(1) in keys:
            current = match.group(1)
            entries[current] = match.group(2).strip()
        elif current and line.startswith((" ", "\t")) and line.strip():
            entries[current] += " " + line.strip()
        else:
            current = None
    return entries


def _source_comments(model: type[BaseModel]) -> dict[str, str]:
    """Comments on a field in the class body: the lines just above it, or the end of its line."""
    try:
        source = inspect.getsource(model).splitlines()
    except (OSError, TypeError):
        return {}
    comments: dict[str, str] = {}
    above: list[str] = []
    for line in source[1:]:
        stripped = line.strip()
        if line.startswith("    #") and not line.startswith("     "):
            above.append(stripped.lstrip("# ").strip())
            continue
        match = re.match(r"^    (\w+): [^#]*?(?:#\s*(.*))?$", line)
        if match and match.group(1) in model.model_fields:
            text = " ".join(above + ([match.group(2)] if match.group(2) else []))
            if text:
                comments[match.group(1)] = text
        above = []
    return comments


def _summary(model: type[BaseModel]) -> str:
    """The first paragraph of the model's own docstring (never one it inherits, such as Strict's)."""
    doc = inspect.cleandoc(model.__dict__.get("__doc__") or "")
    return " ".join(doc.split("\n\n")[0].split())


def _constraints(schema: dict) -> str:
    words = []
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "null":
            continue
        items = option.get("items")
        if items:
            inner = _constraints(items)
            if inner:
                words.append(f"each: {inner}")
        for key, label in (
            ("exclusiveMinimum", "> {}"),
            ("minimum", ">= {}"),
            ("exclusiveMaximum", "< {}"),
            ("maximum", "<= {}"),
            ("minLength", "at least {} characters"),
            ("maxLength", "at most {} characters"),
            ("minItems", "at least {} items"),
            ("maxItems", "at most {} items"),
        ):
            if key in option:
                words.append(label.format(option[key]))
        if "enum" in option:
            words.append("one of " + ", ".join(f"`{v}`" for v in option["enum"]))
        if "const" in option:
            words.append(f"`{option['const']}`")
        if "pattern" in option:
            words.append(FORMS.get(option["pattern"], f"matches `{option['pattern']}`"))
    return "; ".join(dict.fromkeys(words))


# What a validator of a value type (Annotated[..., AfterValidator(f)]) refuses, in its own words:
# the messages it raises for these probes. Never typed twice: the message is the one a bad value gets.
_TYPE_PROBES: dict[typing.Callable, tuple] = {
    config_types._check_duration: ("x", "0s"),
    config_types._check_cidr: ("x", "0.0.0.0/0"),
    config_types._bucket_bound: (-1,),
}


def _refusal(check: typing.Callable, value) -> str:
    try:
        check(value)
    except ValueError as error:
        message = str(error)
        if message.startswith("must "):
            return message.removeprefix("must be ").removeprefix("must ")
        return f"not `{value}` ({message.split(': ')[0]})"
    raise AssertionError(f"{check.__name__} accepts the probe {value!r}")


def _validator_words(annotation) -> list[str]:
    """The words of the value-type validators a field's annotation carries (however nested)."""
    words = []
    for meta in getattr(annotation, "__metadata__", ()):
        check = getattr(meta, "func", None)
        if check in _TYPE_PROBES:
            words += [_refusal(check, probe) for probe in _TYPE_PROBES[check]]
    for arg in typing.get_args(annotation):
        if not isinstance(arg, (str, int, float)):
            words += _validator_words(arg)
    return words


# Limits the models' own validators check (field and model validators), read from the constants
# they compare with; a limit without a constant is quoted from the validator's message by a probe.
def _field_validator_refusal(model: type[BaseModel], name: str, value) -> str:
    for decorator in model.__pydantic_decorators__.field_validators.values():
        if name in decorator.info.fields:
            try:
                decorator.func.__func__(model, value)
            except ValueError as error:
                return str(error).removeprefix("must be ").split(": ")[0]
    raise AssertionError(f"no validator of {model.__name__}.{name} refuses {value!r}")


def _limits() -> dict[tuple[type[BaseModel], str], str]:
    env, platform, types = env_models, config_module.platform, config_types
    return {
        (env.Promotion, "soak"): f"at most {env.MAX_SOAK_SECONDS // 3600}h",
        (env.Stage, "pause"): f"at most {env.MAX_PAUSE_SECONDS // 3600}h; not with `gate`",
        (env.Stage, "gate"): "not with `pause`",
        (env.Stage, "analysis"): f"not `{types.BACKGROUND_TEMPLATE}` (it runs in the background)",
        (env.Stage, "weight"): "greater than the previous stage's; the last stage's is 100",
        (env.Image, "tag"): "a release version MAJOR.MINOR.PATCH such as 6.14.1, or a pre-release such as 6.15.0-rc.1 "
        "(no pre-release when `protected`); never `latest`; no leading v for podinfo",
        (env.Image, "repository"): "an image repository without tag or digest",
        (env.Image, "digest"): "required when `require_digest` is true",
        (env.Slo, "latency_p99_max_ms"): "at least `latency_p95_max_ms`",
        (env.Decision, "bad_factor"): f"times the largest SLO share (error_rate_max, 1 - success_rate_min, {env.P95_SHARE:g}) below 1",
        (env.VersusStable, "window"): _field_validator_refusal(env.VersusStable, "window", "59s"),
        (env.Autoscaling, "max_replicas"): "at least `min_replicas`",
        (env.GatewayRef, "http_listener"): "not `https_listener`",
        (env.GatewayRef, "data_plane_cidrs"): "no network twice",
        (env.Routing, "canary_path_prefix"): "path elements of letters, digits, '_' and '-', each followed by / "
        "(such as /canary/); not / itself; not starting with one of podinfo's own routes "
        f"({', '.join(sorted(env.PODINFO_ROUTES))})",
        (env.Environment, "gateway"): "required with `traffic_router: gatewayapi`, only then",
        (env.PreExposure, "mirror"): "only with `traffic_router: istio` and `enabled`; not with `routing.canary_path_prefix`",
        (env.PreExposure, "router"): "required when `enabled` with `traffic_router: gatewayapi`",
        (platform.Rbac, "admin_groups"): "no group starting `system:`",
        (platform.Rbac, "deployer_groups"): "no group starting `system:`",
        (platform.Rbac, "viewer_groups"): "no group starting `system:`",
        (platform.ArgoCd, "rbac"): "admin and deployer groups only with `sso`",
        (platform.Sso, "requested_scopes"): "must include openid and groups",
        (platform.Platform, "environments"): f"not `{types.BOOTSTRAP_FOLDER}` or `{types.AUDIT_FOLDER}`; each once",
        (platform.Platform, "prometheus_retention_size"): f"at most {types.STORAGE_HEADROOM:.0%} of `prometheus_storage.size`",
        (platform.Tester, "digest"): "required when `repository` or `tag` is set",
        (platform.Tester, "tag"): "an exact image tag, not `latest`",
        (platform.PlatformSecrets, "store"): "required with `form: external`",
        (platform.Alerting, "rules"): f"keys: {', '.join(config_module.DEFAULT_POLICIES)}",
    }


def _default(field) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required"
    value = field.default_factory() if field.default is PydanticUndefined else field.default
    if isinstance(value, BaseModel):
        return "see below"
    if value is None:
        return "`null`"
    if isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
        return "see below"
    return f"`{json.dumps(value, default=str)}`"


def _models_of(annotation) -> list[type[BaseModel]]:
    """The config models a field holds (directly, in a list, a dict's values or an optional)."""
    found = []
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in typing.get_args(annotation):
        found += _models_of(arg)
    return found


def config_fields() -> list[tuple[str, list[ConfigField]]]:
    """Per file, every field, depth first, in declaration order."""
    out = []
    for file, root in ROOTS.items():
        fields: list[ConfigField] = []
        _walk(root, "", fields, set(), file)
        out.append((file, fields))
    return out


def _walk(model: type[BaseModel], prefix: str, fields: list[ConfigField], seen: set, file: str) -> None:
    schema = model.model_json_schema()
    properties = schema.get("properties", {})
    described, comments = _docstring_entries(model), _source_comments(model)
    limits = _limits()
    for name, field in model.model_fields.items():
        key = field.alias or name  # the key a person types (Promotion.source is `from`)
        path = f"{prefix}{key}"
        annotation = field.annotation
        is_list = typing.get_origin(annotation) is list or any(typing.get_origin(a) is list for a in typing.get_args(annotation))
        is_dict = typing.get_origin(annotation) is dict
        prop = properties.get(key, properties.get(name, {}))
        constraints = "" if "$ref" in prop or any("$ref" in o for o in prop.get("anyOf", [])) else _constraints(prop)
        words = [w for w in (constraints, *_validator_words(_raw_annotation(model, name)), limits.get((model, name), "")) if w]
        subs = _models_of(annotation)
        description = (
            field.description or described.get(key) or described.get(name) or comments.get(name) or (_summary(subs[0]) if subs else "")
        )
        example = "see below" if subs else _example(file, path, field)
        fields.append(ConfigField(path, _annotation(model, name), _default(field), "; ".join(words), description, model, example))
        for sub in _models_of(annotation):
            if (sub, path) in seen:
                continue
            seen.add((sub, path))
            suffix = "[]." if is_list else ("<key>." if is_dict else ".")
            _walk(sub, f"{path}{suffix}", fields, seen, file)


def _raw_annotation(model: type[BaseModel], name: str):
    """The field's annotation with its Annotated metadata (pydantic's FieldInfo.annotation drops the outer one)."""
    return typing.get_type_hints(model, include_extras=True)[name]


# Where an example comes from, first match wins: the repository's configuration, then the fixtures.
EXAMPLE_DIRS = (ROOT / "config", ROOT / "tests/fixtures/config")


def example_files(config_dir: Path) -> dict[str, list[Path]]:
    """Per root, the files that hold its fields: platform.yaml; the environments in promotion order."""
    platform = config_dir / config_types.PLATFORM_FILE
    order = _document(platform).get("environments", []) if platform.is_file() else []
    rank = {name: index for index, name in enumerate(order)}
    envs = sorted((config_dir / config_types.ENVIRONMENTS_DIR).glob("*.yaml"), key=lambda p: (rank.get(p.stem, len(rank)), p.stem))
    return {PLATFORM_FILE: [platform] if platform.is_file() else [], ENV_FILE: envs}


_MISSING = object()


def value_at(data, path: str):
    """The value a YAML document gives a field path (`canary.stages[].weight`: the first item that sets it)."""
    if not path:
        return data
    head, sep, rest = path.partition(".")
    for marker, kind in (("[]", list), ("<key>", dict)):
        if head.endswith(marker):
            items = (data or {}).get(head.removesuffix(marker)) if isinstance(data, dict) else None
            if not isinstance(items, kind):
                return _MISSING
            for item in items if kind is list else items.values():
                found = value_at(item, rest)
                if found is not _MISSING:
                    return found
            return _MISSING
    if not isinstance(data, dict) or head not in data:
        return _MISSING
    return value_at(data[head], rest) if sep else data[head]


def _shown(value) -> str:
    if isinstance(value, str):
        return f"`{value}`"
    return f"`{json.dumps(value, default=str)}`"


def _example(file: str, path: str, field) -> str:
    """The first value config/ gives the field (`2h` (prod.yaml)), else the fixtures'
    (`x` (tests/fixtures/config/...)), else the field's `examples=`, else a dash (none)."""
    for config_dir in EXAMPLE_DIRS:
        for source in example_files(config_dir)[file]:
            found = source.stem if (file, path) == (ENV_FILE, "name") else value_at(_document(source), path)  # loading's _IMPLICIT
            if found is not _MISSING:
                where = source.name if config_dir == EXAMPLE_DIRS[0] else str(source.relative_to(ROOT))
                return f"{_shown(found)} ({where})"
    if field.examples:
        return _shown(field.examples[0])
    return "–"


def _document(path: Path):
    return _parsed(path, path.stat().st_mtime_ns)


@functools.cache
def _parsed(path: Path, mtime_ns: int):  # read once per version of the file
    return yamltext.read_documents(path)[0]


def field_paths() -> set[str]:
    """Every field path of both files, without list and key markers (`canary.stages.weight`)."""
    return {re.sub(r"\[\]|<key>", "", f.path).replace("..", ".") for _, fields in config_fields() for f in fields}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def config_block() -> str:
    lines = []
    for file, fields in config_fields():
        lines.append(f"## `{file}`")
        lines.append("")
        root = ROOTS[file]
        lines.append(_cell(_summary(root)))
        lines.append("")
        lines.append("| field | type | default | allowed | example | description |")
        lines.append("|---|---|---|---|---|---|")
        for f in fields:
            lines.append(
                f"| `{f.path}` | `{_cell(f.type)}` | {_cell(f.default)} | {_cell(f.constraints)} | {_cell(f.example)} | {_cell(f.description)} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip()


# --- canaryctl ---------------------------------------------------------------------------------


def ctl_commands():
    """The click command tree of canaryctl: (name, click.Command), in registration order."""
    import typer

    from podinfo_canary.ctl.app import app

    group = typer.main.get_command(app)
    return [(name, group.commands[name]) for name in group.commands]


def ctl_options() -> dict[str, set[str]]:
    """Each command's option spellings (`--env`, `-e`), hidden ones included."""
    return {
        name: {o for p in cmd.params for o in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ())) if o.startswith("-")}
        for name, cmd in ctl_commands()
    }


def _param_row(param) -> str | None:
    if getattr(param, "hidden", False):
        return None
    if param.param_type_name == "argument":
        name = f"`{param.metavar or param.name.upper()}`"
        kind = "argument" + ("" if param.required else ", optional")
    else:
        name = ", ".join(f"`{o}`" for o in (*param.opts, *param.secondary_opts))
        kind = "flag" if getattr(param, "is_flag", False) else f"option `{param.metavar or param.type.name.upper()}`"
    default = param.default
    shown = "" if default in (None, False, ()) or callable(default) else f"`{getattr(default, 'value', default)}`"
    help_text = getattr(param, "help", None) or ""
    return f"| {name} | {_cell(kind)} | {_cell(shown)} | {_cell(' '.join(help_text.split()))} |"


def ctl_block() -> str:
    from podinfo_canary.ctl.kube import EXIT_CODES, exit_codes

    lines = []
    for name, cmd in ctl_commands():
        lines.append(f"## `canaryctl {name}`")
        lines.append("")
        lines.append(" ".join((cmd.help or "").split()))
        lines.append("")
        rows = [row for row in (_param_row(p) for p in cmd.params) if row]
        if rows:
            lines.append("| parameter | kind | default | help |")
            lines.append("|---|---|---|---|")
            lines += rows
            lines.append("")
        lines.append("Exit codes: " + ", ".join(f"[{c.value}](#exit-codes)" for c in exit_codes(name)) + ".")
        lines.append("")
    lines.append("## Exit codes")
    lines.append("")
    lines.append("| code | meaning | commands |")
    lines.append("|---|---|---|")
    for e in EXIT_CODES:
        commands = e.commands if isinstance(e.commands, str) else ", ".join(f"`{c}`" for c in e.commands)
        lines.append(f"| {e.code.value} | {_cell(e.meaning)} | {commands} |")
    return "\n".join(lines)


# --- alerts ------------------------------------------------------------------------------------


def alerts(cfg: config_module.Config, dist: Path) -> dict[str, list[dict]]:
    """Every alert rule of every environment, as synthesized."""
    out = {}
    for env in cfg.environments:
        docs = [d for p in sorted((dist / env.name).glob("*.yaml")) for d in yamltext.read_documents(p)]
        rules = [r for d in docs if d["kind"] == "PrometheusRule" for g in d["spec"]["groups"] for r in g["rules"] if "alert" in r]
        out[env.name] = rules
    return out


def alerts_block(cfg: config_module.Config, dist: Path) -> str:
    lines = []
    for env, rules in alerts(cfg, dist).items():
        lines.append(f"## {env}")
        lines.append("")
        lines.append("| alert | severity | for | fires when | expression | runbook |")
        lines.append("|---|---|---|---|---|---|")
        for r in rules:
            when = r["annotations"]["description"].removeprefix("Fires when ").rstrip(".")
            expr = " ".join(str(r["expr"]).split())
            page = f"../operations/runbooks/{r['alert']}.md"
            lines.append(f"| {r['alert']} | {r['labels']['severity']} | {r['for']} | {_cell(when)} | `{_cell(expr)}` | [runbook]({page}) |")
        lines.append("")
    return "\n".join(lines).rstrip()
