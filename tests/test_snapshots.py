"""syrupy snapshots: one readable YAML file per chart (dist/argocd and each environment).

Pull requests show the YAML change in tests/__snapshots__/; `make snapshot-update` accepts it.
"""

from __future__ import annotations

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from tests.conftest import ROOT


class YamlSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "yaml"

    def serialize(self, data, **kwargs) -> str:
        return data


def _charts() -> list[str]:
    return sorted(p.name for p in (ROOT / "dist").iterdir() if p.is_dir())


@pytest.fixture
def yaml_snapshot(snapshot):
    return snapshot.use_extension(YamlSnapshot)


@pytest.mark.parametrize("chart", _charts())
def test_chart_snapshot(fresh_dist, yaml_snapshot, chart):
    files = sorted((fresh_dist / chart).glob("*.yaml"))
    assert files, f"chart {chart} synthesized nothing"
    text = "".join(f"# --- {f.name}\n{f.read_text()}" + ("" if f.read_text().endswith("\n") else "\n") for f in files)
    assert text == yaml_snapshot
