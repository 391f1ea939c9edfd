"""Where campaign definitions come from: the shipped files (``domain/campaign_data/``) plus
an extra directory (``application.definition_files``: a bad file is refused with its line
and reason; a campaign records the whole definition it was opened with)."""

from __future__ import annotations

from pathlib import Path

import domain
from application.definition_files import DefinitionFiles, read_definition_file
from domain.campaign.definition import CampaignDefinition
from settings import ImportLimits

CAMPAIGN_DATA_DIR = Path(domain.__file__).with_name("campaign_data")
WHAT = ("集中行动方案", "campaign definition")


def read_definition(path: Path, limits: ImportLimits | None = None) -> CampaignDefinition:
    """One definition file, validated; refused naming the line and the reason."""
    return read_definition_file(path, CampaignDefinition, WHAT, limits)


class CampaignDefinitions(DefinitionFiles[CampaignDefinition]):
    """The campaign definitions in force: shipped ones, replaced or added to by ``extra_dir``."""

    def __init__(self, extra_dir: Path | None = None) -> None:
        super().__init__(CampaignDefinition, CAMPAIGN_DATA_DIR, WHAT, extra_dir)
