"""The configuration reference (docs/reference/configuration.md, tools/reference.py) says something
true of every field: a description from the model, what its validators allow, and an example that
is really the value the repository's own config/ file gives it. That the page is current is
tests/test_docs.py test_generated_sections_of_the_docs_are_current."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from podinfo_canary.config import Strict, load
from podinfo_canary.config import environment as env_models
from tests.conftest import ROOT
from tools import reference

FIELDS = [(file, f) for file, fields in reference.config_fields() for f in fields]
EXAMPLE = re.compile(r"^`(?P<value>.*)` \((?P<source>[^()]+)\)$")


def test_every_field_has_a_description_of_its_own():
    assert len(FIELDS) > 150, "few fields walked: the walk is wrong"
    inherited = reference._summary(Strict)  # what a model without a docstring would get from its base
    missing = [f.path for _, f in FIELDS if not f.description.strip() or f.description == inherited]
    assert not missing, f"fields without a description (a `name: text` docstring entry or a comment): {missing}"


def test_an_undescribed_field_is_found():
    """The check above can fail: a field nobody described walks to an empty description."""

    class Undescribed(Strict):
        """A model with one field described.

        described: its docstring entry.
        """

        described: int = 1
        bare: int = 2

    fields: list[reference.ConfigField] = []
    reference._walk(Undescribed, "", fields, set(), reference.ENV_FILE)
    assert {f.path: f.description for f in fields} == {"described": "its docstring entry.", "bare": ""}


def _attribute(model: BaseModel, key: str):
    name = next(n for n, f in type(model).model_fields.items() if (f.alias or n) == key)
    return name, getattr(model, name)


def _loaded_value(obj, path: str):
    """The loaded, validated value of a field path: in a list, the first item the file set it in."""
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        for item in _attribute(obj, head.removesuffix("[]"))[1]:
            name = next(n for n, f in type(item).model_fields.items() if (f.alias or n) == rest.split(".")[0])
            if name in item.model_fields_set:
                return _loaded_value(item, rest)
        raise AssertionError(f"no item sets {path}")
    value = _attribute(obj, head)[1]
    return _loaded_value(value, rest) if rest else value


def test_every_example_from_config_is_that_files_value():
    """Re-loaded by the loader (not by the generator's YAML walk): the value shown is the value the
    named file of config/ gives the field."""
    cfg = load(ROOT / "config")
    models = {"platform.yaml": cfg.platform} | {f"{e.name}.yaml": e for e in cfg.environments}
    checked = 0
    for _, field in FIELDS:
        match = EXAMPLE.match(field.example)
        if not match or match["source"].startswith("tests/") or "<key>" in field.path:
            continue  # a fixture's example, or a map's entry (the loader fills every alert in)
        assert match["source"] in models, field
        loaded, shown = _loaded_value(models[match["source"]], field.path), match["value"]
        # `1` in the file is the float 1.0 of a float field
        assert (float(shown) == loaded) if isinstance(loaded, float) else reference._shown(loaded) == f"`{shown}`", field
        checked += 1
    assert checked > 80, f"only {checked} examples from config/"
    # a few, spelled out
    by_path = {f.path: f.example for _, f in FIELDS}
    dev, staging = (next(e for e in cfg.environments if e.name == n) for n in ("dev", "staging"))
    assert by_path["image.tag"] == f"`{dev.image.tag}` (dev.yaml)"
    assert by_path["canary.stages[].weight"] == f"`{dev.canary.stages[0].weight}` (dev.yaml)"
    assert by_path["promotion.soak"] == f"`{staging.promotion.soak}` (staging.yaml)"
    assert by_path["environments"].endswith("(platform.yaml)") and all(e in by_path["environments"] for e in cfg.platform.environments)


def test_examples_fall_back_to_the_fixtures_and_then_to_the_fields_examples(tmp_path, monkeypatch):
    by_path = {f.path: f.example for _, f in FIELDS}
    assert by_path["gateway.name"].endswith("(tests/fixtures/config/environments/canary-gw.yaml)")

    class Examples(Strict):
        """A model nobody configures.

        given: a field with examples.
        bare: a field without.
        """

        given: str = Field("x", examples=["an-example"])
        bare: str = "y"

    fields: list[reference.ConfigField] = []
    reference._walk(Examples, "nowhere.", fields, set(), reference.ENV_FILE)
    assert [f.example for f in fields] == ["`an-example`", "–"]


def test_allowed_says_the_duration_grammar_and_the_validators_limits():
    by_path = {f.path: f.constraints for _, f in FIELDS}
    grammar = reference._refusal(reference.config_types._check_duration, "x")
    durations = [f.path for _, f in FIELDS if re.search(r"(?<!Prometheus)\bDuration\b", f.type)]
    assert len(durations) >= 12 and "promotion.soak" in durations and "canary.stages[].pause" in durations
    assert all(grammar in by_path[p] and "longer than zero" in by_path[p] for p in durations), durations
    assert f"at most {env_models.MAX_SOAK_SECONDS // 3600}h" in by_path["promotion.soak"]
    assert f"at most {env_models.MAX_PAUSE_SECONDS // 3600}h" in by_path["canary.stages[].pause"]
    assert "at least 1m" in by_path["decision.versus_stable.window"]
    assert "at least `latency_p95_max_ms`" in by_path["slo.latency_p99_max_ms"]
    assert all(str(b) in by_path["slo.latency_p95_max_ms"] for b in reference.config_types.LATENCY_BUCKETS_MS)
    assert "85%" in by_path["prometheus_retention_size"]


def test_every_limit_names_a_walked_field():
    """A limit keyed by a field that was renamed or removed would silently never show."""
    walked = {(f.model, f.path.rsplit(".", 1)[-1]) for _, f in FIELDS} | {(f.model, n) for _, f in FIELDS for n in f.model.model_fields}
    for model, name in reference._limits():
        assert name in model.model_fields and (model, name) in walked, (model.__name__, name)


def test_the_page_has_the_example_column():
    page = (ROOT / "docs/reference/configuration.md").read_text()
    assert page.count("| field | type | default | allowed | example | description |") == 2
    assert '| `promotion.soak` | `Duration` | `"1h"` |' in page
