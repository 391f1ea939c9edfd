"""The shipped campaign definitions load; a bad file is refused with its line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.campaign_definitions import CampaignDefinitions, read_definition
from domain.errors import InvalidInput


def test_shipped_definitions_load() -> None:
    keys = {d.key for d in CampaignDefinitions().all()}
    assert {
        "wage-bargaining-2026",
        "congress-openness-2026",
        "migrant-members-2026",
        "double-contract-2026",
    } <= keys


def test_unknown_fact_refused_with_line(tmp_path: Path) -> None:
    src = Path(CampaignDefinitions().dirs[0]) / "wage-bargaining-2026.yaml"
    bad = tmp_path / "wage-bargaining-2026.yaml"
    bad.write_text(src.read_text().replace("fact: wage_contract_in_force", "fact: no_such"))
    with pytest.raises(InvalidInput) as e:
        read_definition(bad)
    assert "no_such" in str(e.value.args) and "line" in str(e.value.args).lower()
