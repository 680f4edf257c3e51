"""Shared by the behaviour tests: the objects the charts build in-process, for the committed and the fixture
configuration, and small lookups (the checkers return lists of problems; a snapshot would wave a
change through, these say what the objects must mean to the controllers that read them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cdk8s

from podinfo_canary import app as app_module
from podinfo_canary.charts.environment.chart import PodinfoEnvironment
from podinfo_canary.config import Environment, duration_seconds
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "config"
HASH_ARG = "canary-hash"
SENTINEL = "canaryhash"  # the placeholder, substituted so that regex matchers parse
STABLE_SENTINEL = "stablehash"  # the stable hash placeholder, likewise (conftest.vector_selectors)
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"


# --- building objects in-process --------------------------------------------------------------


def env_objects(env: Environment, platform) -> list[dict]:
    """One environment chart, synthesized in memory."""
    return PodinfoEnvironment(cdk8s.App(), env.name, environment=env, platform=platform).to_json()


def app_objects(cfg) -> dict[str, list[dict]]:
    """Every chart of the app (environments and argocd), by chart name."""
    app = app_module.build(cfg, Path("unused"))
    return {chart.node.id: chart.to_json() for chart in app.charts}


def _env(configs, name: str) -> tuple[Environment, object]:
    """An environment of the fixture configuration and its platform: the breakages below are written
    for its values, and config/ may hold an environment of the same name."""
    fixture = configs["fixture"]
    for env in fixture.environments:
        if env.name == name:
            return env, fixture.platform
    raise KeyError(name)


def _named(objs: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def _the(objs: list[dict], kind: str) -> dict:
    (only,) = [o for o in objs if o["kind"] == kind]
    return only


def _wrap(monkeypatch, owner, name: str, change: Callable) -> None:
    """Replace owner.name by a version whose keyword arguments pass through `change` first."""
    original = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *args, **kwargs: original(*args, **change(kwargs)))


def _seconds(value) -> int:
    """A duration as the manifests give it: seconds as a number, or an Argo duration string."""
    return value if isinstance(value, int) else duration_seconds(value)
