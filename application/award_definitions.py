"""Where award definitions come from: the shipped files (``domain/award_data/``, e.g.
``dalian-labour-model.yaml``) plus ``UNIONFLOW_AWARD_DEFINITION_DIR``
(``application.definition_files``: a bad file is refused with its line and reason; a round
records the whole definition it was opened with)."""

from __future__ import annotations

from pathlib import Path

import domain
from application.definition_files import DefinitionFiles, read_definition_file
from domain.award.definition import AwardDefinition
from settings import ImportLimits

AWARD_DATA_DIR = Path(domain.__file__).with_name("award_data")
WHAT = ("评选办法", "award definition")


def read_definition(path: Path, limits: ImportLimits | None = None) -> AwardDefinition:
    """One definition file, validated; refused naming the line and the reason."""
    return read_definition_file(path, AwardDefinition, WHAT, limits)


class AwardDefinitions(DefinitionFiles[AwardDefinition]):
    """The award definitions in force: shipped ones, replaced or added to by ``extra_dir``."""

    def __init__(self, extra_dir: Path | None = None) -> None:
        super().__init__(AwardDefinition, AWARD_DATA_DIR, WHAT, extra_dir)
