import json

import pytest

from analyses.report import write_report
from mechanism.errors import ParameterError


def test_quick_report_writes_everything(tmp_path):
    path = write_report("t", root=tmp_path, quick=True, sections=["analyses.aggregation_core"])
    for rel in ("index.md", "index.html", "numbers.tex", "params.json", "provenance.json",
                "figures/aggregation_speed_ratio.png", "figures/aggregation_speed_ratio.pdf",
                "tables/aggregation_rules.csv", "tables/determinism_checks.tex"):
        assert (path / rel).is_file(), rel
    md = (path / "index.md").read_text()
    assert "all passed" in md and "breakdown" in md
    assert "data:image/png;base64" in (path / "index.html").read_text()
    prov = json.loads((path / "provenance.json").read_text())
    assert prov["seed"] == 20261125 and "git_commit" in prov
    assert "\\newcommand{\\orflAggregationCoreDeterminismOk}{yes}" in (path / "numbers.tex").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_failed_report_leaves_nothing(tmp_path):
    with pytest.raises(ModuleNotFoundError):
        write_report("bad", root=tmp_path, sections=["analyses.does_not_exist"])
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ParameterError, match="name"):
        write_report("../x", root=tmp_path)
