"""Where contest definitions come from: the shipped files (``domain/contest_data/``, e.g.
``ankang-cup.yaml``) plus ``UNIONFLOW_CONTEST_DEFINITION_DIR``
(``application.definition_files``: a bad file is refused with its line and reason; a round
records the whole definition it was opened with)."""

from __future__ import annotations

from pathlib import Path

import domain
from application.definition_files import DefinitionFiles, read_definition_file
from domain.contest.definition import ContestDefinition
from settings import ImportLimits

CONTEST_DATA_DIR = Path(domain.__file__).with_name("contest_data")
WHAT = ("竞赛办法", "contest definition")


def read_definition(path: Path, limits: ImportLimits | None = None) -> ContestDefinition:
    """One definition file, validated; refused naming the line and the reason."""
    return read_definition_file(path, ContestDefinition, WHAT, limits)


class ContestDefinitions(DefinitionFiles[ContestDefinition]):
    """The contest definitions in force: shipped ones, replaced or added to by ``extra_dir``."""

    def __init__(self, extra_dir: Path | None = None) -> None:
        super().__init__(ContestDefinition, CONTEST_DATA_DIR, WHAT, extra_dir)
