"""syrupy snapshots of the constructs: one readable YAML file per chart, synthesized from the fixture
configuration in tests/fixtures/config/ (never from config/).

The snapshots pin what the constructs build, so they change only when construct behaviour
changes. An image bump or a threshold change in config/ changes dist/ (which the drift test keeps
fresh) and leaves them alone. When a construct change is intended: review the diff, then
`make snapshot-update`.
"""

from __future__ import annotations

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from podinfo_canary import config as config_module
from tests.conftest import ROOT, run_main

FIXTURE = ROOT / "tests" / "fixtures" / "config"


class YamlSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "yaml"

    def serialize(self, data, **kwargs) -> str:
        return data


def _charts() -> list[str]:
    environments = config_module.load(FIXTURE).platform.environments
    return [config_module.BOOTSTRAP_FOLDER, config_module.AUDIT_FOLDER, *environments]


@pytest.fixture(scope="module")
def fixture_dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("fixture") / "dist"
    result = run_main(config_dir=FIXTURE, dist=out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def yaml_snapshot(snapshot):
    return snapshot.use_extension(YamlSnapshot)


def test_fixture_configuration_exercises_every_option():
    cfg = config_module.load(FIXTURE)
    envs = cfg.environments
    assert {e.traffic_router for e in envs} == {"nginx", "gatewayapi", "istio"}
    assert any(e.pre_exposure.mirror for e in envs)
    assert any(e.autoscaling for e in envs) and any(not e.autoscaling for e in envs)
    stages = [s for e in envs for s in e.canary.stages]
    assert any(s.gate for s in stages) and any(s.pause and not s.analysis for s in stages) and any(s.analysis for s in stages)
    assert cfg.platform.argocd.expose == "loadbalancer" and cfg.platform.argocd.sso is not None
    assert cfg.platform.prometheus_storage.storage_class


@pytest.mark.parametrize("chart", _charts())
def test_chart_snapshot(fixture_dist, yaml_snapshot, chart):
    files = sorted((fixture_dist / chart).glob("*.yaml"))
    assert files, f"chart {chart} synthesized nothing"
    text = "".join(f"# --- {f.name}\n{f.read_text()}" + ("" if f.read_text().endswith("\n") else "\n") for f in files)
    assert text == yaml_snapshot, "construct output changed: review the diff above, then run `make snapshot-update`"
