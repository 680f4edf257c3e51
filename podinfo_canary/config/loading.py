"""Reading the configuration: YAML with each value's line, the checks across files, and the warnings.

Every problem is one line: file:line, field, the value as typed, what is allowed, a hint.
docs/guides/change-stages-slos.md "What the configuration refuses, and what it only warns about"."""

from __future__ import annotations

import difflib
import itertools
import re
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from podinfo_canary.config.environment import Environment
from podinfo_canary.config.platform import Platform
from podinfo_canary.config.secrets import environment_source, named_keys
from podinfo_canary.config.types import (
    ANALYSIS_TEMPLATES,
    BACKGROUND_TEMPLATE,
    CONFIG_DIR,
    ENVIRONMENTS_DIR,
    FORMS,
    PLATFORM_FILE,
    RENAMED,
    ConfigError,
    FieldProblem,
    _check_duration,
)


class Config(BaseModel):
    """Everything the app needs: the platform and its environments, in the platform's order."""

    model_config = ConfigDict(frozen=True)

    platform: Platform
    environments: tuple[Environment, ...]
    # Legal but surprising choices: `make synth` prints each on stderr and goes on (exit 0).
    warnings: tuple[str, ...] = ()

    def promotion_source(self, name: str) -> Environment | None:
        """The environment whose running version `canaryctl promote-env <name>` promotes: its
        `promotion.from`, else the one before it in the promotion order; None for the first."""
        return promotion_source(self.environments, name)


def promotion_source(environments: typing.Sequence[Environment], name: str) -> Environment | None:
    names = [e.name for e in environments]
    env = environments[names.index(name)]
    if env.promotion.source is not None:
        return environments[names.index(env.promotion.source)] if env.promotion.source in names else None
    index = names.index(name)
    return environments[index - 1] if index > 0 else None


def _path(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that owns the field at loc (to list allowed keys for an unknown one)."""
    current: Any = model
    keyed = False  # the part before was a mapping's field: this part is a key, not a field
    for part in loc:
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        annotation = current.model_fields[part].annotation
        keyed = typing.get_origin(annotation) is dict
        current = _inner_model(annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


_IMPLICIT = {"name"}  # Environment.name comes from the file name, never from a key


def show(value: Any) -> str:
    """A value as a person would type it in YAML: 'text', 6.10, true, null, [a, b]."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) if not isinstance(v, str) else v for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v) if not isinstance(v, str) else v}" for k, v in value.items()) + "}"
    return str(value)


def _field(model: type[BaseModel], loc: tuple) -> tuple[str, Any] | None:
    """(key as typed, pydantic FieldInfo) of the field at loc, aliases honoured."""
    trimmed = list(loc)
    while trimmed and isinstance(trimmed[-1], int):
        trimmed.pop()  # an item of a list: the list's field
    if not trimmed:
        return None
    owner, key = _model_at(model, tuple(trimmed[:-1])), trimmed[-1]
    if owner is None or not isinstance(key, str):
        return None
    for name, info in owner.model_fields.items():
        if key in (name, info.alias):
            return key, info
    return None


def _is_duration(info: Any) -> bool:
    annotation = info.annotation
    options = getattr(annotation, "__args__", None) or (annotation,)
    metadata = [*info.metadata, *(m for option in options for m in getattr(option, "__metadata__", ()))]
    return any(getattr(m, "func", None) is _check_duration for m in metadata)


def _bounds(info: Any) -> str | None:
    """A field's numeric range in words, from its constraints: "1 to 100", "more than 0, at most 0.2"."""
    low = high = None

    def number(value: float) -> str:
        return str(int(value)) if float(value).is_integer() else f"{value:g}"

    for m in info.metadata:
        for attr, word in (("ge", "from {}"), ("gt", "more than {}")):
            if getattr(m, attr, None) is not None:
                low = word.format(number(getattr(m, attr)))
        for attr, word in (("le", "at most {}"), ("lt", "less than {}")):
            if getattr(m, attr, None) is not None:
                high = word.format(number(getattr(m, attr)))
    if low and high and low.startswith("from ") and high.startswith("at most "):
        return f"{low.removeprefix('from ')} to {high.removeprefix('at most ')}"
    return ", ".join(p for p in (low, high) if p) or None


def _keys(owner: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in owner.model_fields.items() if name not in _IMPLICIT]


def _describe(error: dict, model: type[BaseModel], typed: dict) -> tuple[tuple, Any, str]:
    loc, value, kind = tuple(error["loc"]), error.get("input"), error["type"]
    # Literal unions report one branch per alternative; keep the field path only.
    loc = tuple(part for part in loc if not (isinstance(part, str) and part.startswith(("literal[", "function-"))))
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem):
        return loc + cause.loc, cause.value, cause.message
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        allowed = _keys(owner) if owner else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else None
        message = f"unknown key; allowed keys here: {', '.join(allowed) or 'none'}"
        return loc, value, f"{message}; {hint}" if hint else message
    if kind == "missing":
        return loc, None, "required field is missing"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if kind == "string_pattern_mismatch":
        pattern = error["ctx"]["pattern"]
        message = f"must be {FORMS[pattern]}" if pattern in FORMS else f"does not match the allowed form {pattern}"
        example = _example(model, loc)
        if example:
            message = re.sub(r"such as \S+", f"such as {example}", message, count=1)
    if kind == "literal_error" and "analysis" in loc:
        # A stage names blocking checks; the background template is not one of them.
        message = f"must be one of {', '.join(t for t in ANALYSIS_TEMPLATES if t != BACKGROUND_TEMPLATE)}"
    hint = _hint(model, loc, value, kind, typed.get(loc), error.get("ctx") or {})
    message = message[0].lower() + message[1:]
    return loc, value, f"{message}; {hint}" if hint else message


# Examples where a field's default is not one (a list of names) or would mislead.
_EXAMPLES = {"environments": "qa", "hosts": "podinfo.example.com", "namespace": "podinfo-qa"}


def _example(model: type[BaseModel], loc: tuple) -> str | None:
    """The field's own example: its default when it has a string one, else _EXAMPLES."""
    found = _field(model, loc)
    if found is None:
        return None
    key, info = found
    if key in _EXAMPLES:
        return _EXAMPLES[key]
    return info.default if isinstance(info.default, str) and info.default else None


def _hint(model: type[BaseModel], loc: tuple, value: Any, kind: str, typed: str | None, ctx: dict) -> str | None:
    """What the person most likely meant: a hint that is right when copied (it quotes what they typed)."""
    found = _field(model, loc)
    key, info = found if found else (next((p for p in reversed(loc) if isinstance(p, str)), ""), None)
    as_typed = typed if typed is not None else show(value)
    if kind == "less_than_equal" and ctx.get("le") == 1 and isinstance(value, int | float) and 1 < value <= 100:
        # 95 reads as a percent; 1.5 is ambiguous (1.5%? 150%?): show the form, not a guess.
        return f"a ratio: {value / 100:g} means {value:g}%" if value >= 2 else "a ratio from 0 to 1: 0.95 means 95%"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal") and info is not None:
        bounds = _bounds(info)
        if bounds:
            return f"allowed: {bounds}"
    digits = isinstance(value, str) and value.isdigit()
    if (
        info is not None
        and _is_duration(info)
        and (kind in ("string_type", "int_type", "float_type") or digits)
        and not isinstance(value, bool)
    ):
        bare = value if digits else as_typed
        return f"a duration needs its unit: {key}: {bare}s, {bare}m or {bare}h"
    if kind == "string_type" and key == "tag" and isinstance(value, int | float):
        return f"YAML reads {as_typed} as the number {value!s}: quote it: tag: '{as_typed}'"
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"YAML reads {as_typed} as a number: quote it: {key}: '{as_typed}'"
    if kind == "int_type" or kind == "int_parsing" or kind == "int_from_float":
        return f"a whole number, such as {key}: {info.default if info is not None and isinstance(info.default, int) else 3}"
    if kind in ("float_type", "float_parsing"):
        return f"a number, such as {key}: {info.default if info is not None and isinstance(info.default, float) else 0.5}"
    if kind == "too_short" and isinstance(value, list) and not value:
        example = _EXAMPLES.get(key)
        return f"at least one, such as {key}: [{example}]" if example else "at least one item"
    if kind == "bool_type":
        return f"true or false, such as {key}: true"
    if kind == "list_type":
        return f"a list, such as {key}: [{value}]" if isinstance(value, str) else f"a list, such as {key}: [a, b]"
    if kind in ("model_type", "dict_type"):
        return f"a mapping of keys to values under {key}:"
    if kind == "literal_error" and "analysis" in loc and isinstance(value, str):
        choices = [t for t in ANALYSIS_TEMPLATES if t != BACKGROUND_TEMPLATE]
        close = difflib.get_close_matches(value, choices, n=1)
        return f"did you mean {close[0]}?" if close else None
    if kind == "literal_error" and isinstance(value, str):
        options = _literal_options(info.annotation) if info is not None else []
        close = difflib.get_close_matches(value, options, n=1)
        return f"did you mean {close[0]}?" if close else None
    return None


def _literal_options(annotation: Any) -> list[str]:
    """The values a Literal field allows, also inside an optional one (`Literal[...] | None`)."""
    if typing.get_origin(annotation) is typing.Literal:
        return [str(v) for v in typing.get_args(annotation)]
    return [o for arg in typing.get_args(annotation) for o in _literal_options(arg)]


def _format(file: Path, exc: ValidationError, model: type[BaseModel], sources: dict) -> list[str]:
    typed = {loc: raw for loc, (_, raw) in sources.items() if raw is not None}
    errors = exc.errors()
    # A misspelt key is reported once: as unknown (with "did you mean"), not also as a missing field.
    misspelt = {
        (tuple(e["loc"][:-1]), close)
        for e in errors
        if e["type"] == "extra_forbidden"
        for owner in [_model_at(model, tuple(e["loc"][:-1]))]
        if owner is not None
        for close in difflib.get_close_matches(str(e["loc"][-1]), _keys(owner), n=1, cutoff=0.6)
    }
    problems = []
    for error in errors:
        if error["type"] == "missing" and (tuple(error["loc"][:-1]), error["loc"][-1]) in misspelt:
            continue
        loc, value, message = _describe(error, model, typed)
        unset = error["type"] == "missing" or (value is None and loc not in typed)
        shown = "" if unset else f" = {typed.get(loc) if loc in typed else show(value)}"
        line = _line(sources, loc)
        if loc and loc[-1] == "[key]":  # a mapping's key, not its value, is wrong
            loc, shown = loc[:-2], f": key {show(value)}"
        problems.append(f"{file}{f':{line}' if line else ''}: {_path(loc)}{shown}: {message}")
    return sorted(set(problems), key=problems.index)


def _line(sources: dict, loc: tuple) -> int | None:
    """The line of the value at loc, or of its closest parent that the file has."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in sources:
            return sources[loc[:end]][0]
    return None


def _walk(node: yaml.Node, loc: tuple, file: Path, sources: dict, problems: list[str]) -> None:
    """Record each value's line and text as typed; refuse a key given twice in one mapping."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                where = _path((*loc, key))
                problems.append(
                    f"{file}:{line}: {where}: given twice (first at line {seen[key]}); YAML would silently keep only this "
                    "last value: remove one of the two"
                )
            seen.setdefault(key, line)
            sources[(*loc, key)] = (value_node.start_mark.line + 1, value_node.value if isinstance(value_node, yaml.ScalarNode) else None)
            _walk(value_node, (*loc, key), file, sources, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            sources[(*loc, index)] = (item.start_mark.line + 1, item.value if isinstance(item, yaml.ScalarNode) else None)
            _walk(item, (*loc, index), file, sources, problems)


def _read_yaml(file: Path) -> tuple[dict, dict]:
    """The file's mapping, and where each value stands in it: loc -> (line, text as typed or None)."""
    try:
        text = file.read_text()
    except FileNotFoundError:
        raise ConfigError([f"{file}: file not found"]) from None
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{file}{where}: malformed YAML: {problem}"]) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {'list' if isinstance(data, list) else type(data).__name__} ({show(data)})"
        raise ConfigError([f"{file}: the file is {kind}; it must be a mapping of keys to values, one `key: value` per line"])
    sources: dict = {}
    problems: list[str] = []
    _walk(node, (), file, sources, problems)
    if problems:
        raise ConfigError(problems)
    sources = {
        loc: (line, raw if raw is not None and not isinstance(_at(data, loc), str) else None) for loc, (line, raw) in sources.items()
    }
    return data, sources


def _at(data: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _validate(model: type[BaseModel], data: dict, file: Path, sources: dict) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format(file, exc, model, sources)) from None


# Namespaces Kubernetes itself owns: an environment there would put a default-deny NetworkPolicy and
# a `restricted` Pod Security label on the cluster's own components.
KUBERNETES_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def platform_namespaces(platform: Platform) -> dict[str, str]:
    """namespace -> what of the platform lives there (from platform.yaml, never a second list)."""
    owned = {ns: "Kubernetes itself" for ns in KUBERNETES_NAMESPACES}
    owned.setdefault(platform.cluster_dns.namespace, "the cluster DNS (cluster_dns.namespace)")
    charts = platform.charts
    for name in type(charts).model_fields:
        chart = getattr(charts, name)
        owned.setdefault(chart.namespace, f"{chart.chart} (charts.{name}.namespace)")
    owned[platform.argocd.namespace] = "Argo CD (argocd.namespace)"
    return owned


def platform_hosts(platform: Platform) -> dict[str, str]:
    """host -> the platform component that answers it (from platform.yaml)."""
    return {platform.argocd.host: "Argo CD (argocd.host)"}


def expected_dist_path(project: Path) -> str:
    """Where synth writes, as a path in the Git repository Argo CD reads: dist/ beside main.py,
    relative to the repository's top folder (the first parent holding .git)."""
    dist = project / "dist"
    for parent in (project, *project.parents):
        if (parent / ".git").exists():
            return dist.relative_to(parent).as_posix()
    return "dist"


PROJECT = Path(__file__).resolve().parents[2]


def _changed(config_dir: Path) -> set[Path]:
    """Files under config_dir that differ from the last commit (git status), resolved; none without git."""
    import subprocess

    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", "."],
            cwd=config_dir,
            capture_output=True,
            text=True,
            timeout=10,
        )
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=config_dir, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return set()
    if result.returncode or top.returncode:
        return set()
    root = Path(top.stdout.strip())
    return {(root / line[3:].strip().strip('"')).resolve() for line in result.stdout.splitlines() if len(line) > 3}


def environment_file(config_dir: Path, name: str) -> Path:
    """config/environments/<name>.yaml under `config_dir` (a relative `config_dir` gives the path in Git)."""
    return config_dir / ENVIRONMENTS_DIR / f"{name}.yaml"


def _clashes(config_dir: Path, environments: list[Environment], lines: dict) -> list[str]:
    """Two environments on one cluster may share neither a namespace nor a host (two Ingresses for
    one host would split its traffic). The problem is told in the file that changed (git status),
    else in the later one, and names the other file."""
    problems = []
    changed: set[Path] | None = None  # asked of git only when a clash needs blaming
    seen: dict[tuple[str, str, str], str] = {}
    for env in environments:
        for field, value in [("namespace", env.namespace), *(("hosts", host) for host in env.hosts)]:
            # A namespace is per cluster; a host name is one in DNS whichever cluster answers it.
            key = (env.cluster.server if field == "namespace" else "", field, value)
            if key not in seen:
                seen[key] = env.name
                continue
            first = seen[key]
            if first == env.name:
                problems.append(f"{environment_file(config_dir, env.name)}: hosts = {show(value)}: listed twice in hosts: remove one")
                continue
            blamed, other = env.name, first
            changed = _changed(config_dir) if changed is None else changed
            if environment_file(config_dir, first).resolve() in changed and environment_file(config_dir, env.name).resolve() not in changed:
                blamed, other = first, env.name
            line = lines.get((blamed, field))
            where = f"on the same cluster ({env.cluster.server})" if field == "namespace" else "(one DNS name reaches one environment)"
            problems.append(
                f"{environment_file(config_dir, blamed)}{f':{line}' if line else ''}: {field} = {show(value)}: already used by "
                f"{environment_file(config_dir, other)} {where}; each environment needs its own"
            )
    return problems


def _platform_problems(
    config_dir: Path, platform: Platform, environments: list[Environment], lines: dict, platform_lines: dict
) -> list[str]:
    """What an environment may not take from the platform: its namespaces and hosts."""
    problems = []
    owned, hosts = platform_namespaces(platform), platform_hosts(platform)
    for env in environments:
        file = environment_file(config_dir, env.name)
        line = lines.get((env.name, "namespace"))
        where = f"{file}{f':{line}' if line else ''}"
        if env.namespace in owned or env.namespace.startswith("kube-"):
            owner = owned.get(env.namespace, "Kubernetes (the kube- prefix)")
            problems.append(
                f"{where}: namespace = {show(env.namespace)}: belongs to {owner}; an environment's namespace gets a "
                "default-deny NetworkPolicy and Pod Security `restricted`, which would cut that off: "
                f"use a namespace of its own, such as namespace: podinfo-{env.name}"
            )
        for host in env.hosts:
            if host in hosts:
                problems.append(f"{file}: hosts = {show(host)}: answered by {hosts[host]}; choose another host for podinfo")
    expected = expected_dist_path(PROJECT)
    if platform.git.dist_path != expected:
        line = platform_lines.get(("git", "dist_path"), (None,))[0]
        problems.append(
            f"{config_dir / PLATFORM_FILE}{f':{line}' if line else ''}: git.dist_path = {show(platform.git.dist_path)}: synth writes {expected}/ "
            f"(main.py), so Argo CD would read a folder that never changes: dist_path: {expected}"
        )
    return problems


def _secrets_problems(config_dir: Path, platform: Platform, environments: list[Environment], lines: dict) -> list[str]:
    """An environment whose Secrets take the external form (its own `secrets.form`, else the
    platform's) needs a store and the remote key of each of its Secrets."""
    problems = []
    platform_file = config_dir / PLATFORM_FILE
    for env in environments:
        source = environment_source(platform.secrets, env.secrets)
        file = environment_file(config_dir, env.name)
        line = lines.get((env.name, "secrets"))
        where = f"{file}{f':{line}' if line else ''}"
        if not source.external:
            # An explicit `form: manual` refuses these itself (EnvironmentSecrets); inherited, say where it comes from.
            given = [f for f in ("store", "refresh_interval", "remote") if f in env.secrets.model_fields_set]
            if given and env.secrets.form is None:
                problems.append(
                    f"{where}: secrets.{given[0]}: only used with form external, and {platform_file} sets secrets.form "
                    "'manual' (created by hand): set secrets.form: external here to read this environment's Secrets from a store"
                )
            continue
        inherited = env.secrets.form is None
        why = f"secrets.form is 'external' in {platform_file}" if inherited else "secrets.form is 'external'"
        if source.store is None:
            problems.append(
                f"{where}: secrets.store: required because {why}: the ClusterSecretStore on this environment's cluster "
                f"({env.cluster.name}) to read its Secrets from ({platform_file} names none: its form is 'manual')"
            )
        missing = {name: keys for name, keys in env.secret_keys().items() if name not in source.remote}
        if missing:
            problems.append(
                f"{where}: secrets.remote: names no remote key for {named_keys(missing)}: {why}, so this environment's "
                f"Secrets are read from ClusterSecretStore {source.store or '(none)'!r}; add them, or set secrets.form: manual "
                "here to create them by hand"
            )
    return problems


def _promotion_problems(config_dir: Path, platform_file: Path, environments: list[Environment], lines: dict) -> list[str]:
    """`promotion.from` names another configured environment, and following the sources from any
    environment never comes back to it (a cycle would let two environments vouch for each other)."""
    problems = []
    names = [e.name for e in environments]
    for env in environments:
        source = env.promotion.source
        if source is None:
            continue
        line = lines.get((env.name, "promotion"))
        where = f"{environment_file(config_dir, env.name)}{f':{line}' if line else ''}: promotion.from = {show(source)}"
        others = [n for n in names if n != env.name]
        if source == env.name:
            problems.append(f"{where}: an environment cannot promote from itself; allowed: {', '.join(others) or 'none'}")
        elif source not in names:
            close = difflib.get_close_matches(source, others, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(
                f"{where}: no such environment; allowed: {', '.join(others) or 'none'} (the other environments of {platform_file}){hint}"
            )
    if problems:
        return problems
    for env in environments:
        seen = [env.name]
        current = promotion_source(environments, env.name)
        while current is not None and current.name not in seen:
            seen.append(current.name)
            current = promotion_source(environments, current.name)
        if current is not None and current.name == env.name and env.promotion.source is not None:
            line = lines.get((env.name, "promotion"))
            chain = [*seen, env.name]
            pairs = list(itertools.pairwise(chain))
            cycle = f"{pairs[0][0]} takes its version from {pairs[0][1]}" + "".join(f", {a} from {b}" for a, b in pairs[1:])
            problems.append(
                f"{environment_file(config_dir, env.name)}{f':{line}' if line else ''}: promotion.from = {show(env.promotion.source)}: "
                f"makes a cycle ({cycle}): no version could ever enter it; every chain of promotion.from must end at an "
                f"environment with no source (the first in {platform_file} environments, {names[0]})"
            )
            break
    return problems


def _deprecations(file: Path, model: type[BaseModel], data: Any, sources: dict, loc: tuple = ()) -> list[str]:
    """A renamed key still given under its old name (types.RENAMED): where, and the new name."""
    out: list[str] = []
    if not isinstance(data, dict):
        return out
    owner = _model_at(model, loc) if loc else model
    for key, value in data.items():
        new = RENAMED.get((owner.__name__, key)) if owner is not None else None
        if new:
            line = _line(sources, (*loc, key))
            out.append(
                f"{file}{f':{line}' if line else ''}: {_path((*loc, key))} is now called {_path((*loc, new))}; "
                f"the old name still works: rename it to {new}"
            )
        out += _deprecations(file, model, value, sources, (*loc, key))
    return out


def _warnings(config_dir: Path, platform: Platform, environments: list[Environment]) -> list[str]:
    """Legal but surprising: said on stderr, synthesis goes on."""
    out = []
    for env in environments:
        file = environment_file(config_dir, env.name)
        for index, stage in enumerate(env.canary.stages):
            repeated = sorted({n for n in stage.analysis if stage.analysis.count(n) > 1})
            if repeated:
                out.append(
                    f"{file}: canary.stages[{index}].analysis lists {', '.join(repeated)} more than once; Argo Rollouts runs "
                    "a template once however often it is named (FilterUniqueTemplates)"
                )
            if stage.pause and not stage.analysis and index < len(env.canary.stages) - 1:
                out.append(
                    f"{file}: canary.stages[{index}] ({stage.weight}%) has no blocking checks: it promotes when its pause "
                    "ends, judged only by the background analysis"
                )
    if environments and not environments[-1].protected:
        last = environments[-1]
        out.append(
            f"{environment_file(config_dir, last.name)}: protected = false for {last.name}, the last environment in promotion order: "
            "canaryctl will not ask before abort or promote --full there"
        )
    return out


def load(config_dir: Path = CONFIG_DIR) -> Config:
    """Read and validate every configuration file; raise ConfigError listing every problem."""
    platform_file = config_dir / PLATFORM_FILE
    platform_data, platform_sources = _read_yaml(platform_file)
    platform = _validate(Platform, platform_data, platform_file, platform_sources)
    problems: list[str] = []
    deprecated = _deprecations(platform_file, Platform, platform_data, platform_sources)
    environments = []
    lines: dict[tuple[str, str], int] = {}
    for name in platform.environments:
        file = environment_file(config_dir, name)
        if not file.is_file():
            problems.append(f"{file}: file not found ({platform_file}: environments lists {show(name)})")
            continue
        try:
            data, sources = _read_yaml(file)
            if "name" in data:
                problems.append(f"{file}: name = {show(data['name'])}: unknown key; the environment is named by its file")
                continue
            lines.update({(name, loc[0]): line for loc, (line, _) in sources.items() if len(loc) == 1})
            environments.append(_validate(Environment, {"name": name, **data}, file, sources))
            deprecated += _deprecations(file, Environment, data, sources)
        except ConfigError as exc:
            problems.extend(exc.problems)
    for env in environments:
        if env.traffic_router == "gatewayapi" and platform.gateway_api_plugin.sha256 is None:
            file = environment_file(config_dir, env.name)
            problems.append(
                f"{file}: traffic_router = 'gatewayapi': needs gateway_api_plugin.sha256 in {platform_file} (64 lowercase hex "
                f"digits of gatewayapi-plugin-linux-amd64 {platform.gateway_api_plugin.version}; upstream publishes none, "
                "so compute it from the binary you reviewed)"
            )
    problems += _secrets_problems(config_dir, platform, environments, lines)
    problems += _platform_problems(config_dir, platform, environments, lines, platform_sources)
    problems += _clashes(config_dir, environments, lines)
    problems += _promotion_problems(config_dir, platform_file, environments, lines)
    listed = {f"{name}.yaml" for name in platform.environments}
    for extra in sorted((config_dir / ENVIRONMENTS_DIR).glob("*.y*ml")):
        if extra.name not in listed:
            problems.append(
                f"{extra}: not listed in {platform_file} environments ({', '.join(platform.environments)}): "
                "add it there or remove the file; an unlisted environment would be silently ignored"
            )
    if problems:
        raise ConfigError(problems)
    warnings = [*deprecated, *_warnings(config_dir, platform, environments)]
    return Config(platform=platform, environments=tuple(environments), warnings=tuple(warnings))
