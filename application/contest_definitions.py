"""Where contest definitions come from: the shipped files plus an optional directory.

A definition is one YAML file named after its key (``ankang-cup.yaml``); a file of
``UNIONFLOW_CONTEST_DEFINITION_DIR`` with the key of a shipped one replaces it. A file with
an error is refused naming its line and the reason, and a round records the whole
definition it was opened with, so a later edit changes no running round.
"""

from __future__ import annotations

from pathlib import Path

import domain
from application.input_files import model_from_yaml_lines, read_bytes
from domain.contest.definition import ContestDefinition
from domain.errors import InvalidInput, NotFound
from settings import ImportLimits

CONTEST_DATA_DIR = Path(domain.__file__).with_name("contest_data")
WHAT = "竞赛办法"


def read_definition(path: Path, limits: ImportLimits | None = None) -> ContestDefinition:
    """One definition file, validated; refused naming the line and the reason."""
    data = read_bytes(path, limits or ImportLimits())
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInput(
            f"{WHAT}文件 {path.name} 不是 UTF-8 编码", f"{path.name} is not UTF-8"
        ) from e
    definition = model_from_yaml_lines(text, ContestDefinition, WHAT, path.name)
    if definition.key != path.stem:
        raise InvalidInput(
            f"{WHAT}文件 {path.name} 的 key（{definition.key}）须与文件名一致",
            f"{path.name}: its key ({definition.key}) must match the file name",
        )
    return definition


class ContestDefinitions:
    """The definitions in force: shipped ones, replaced or added to by ``extra_dir``."""

    def __init__(self, extra_dir: Path | None = None) -> None:
        self.dirs = [CONTEST_DATA_DIR, *([extra_dir] if extra_dir else [])]

    def _files(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for directory in self.dirs:
            if directory.is_dir():
                for path in sorted(directory.glob("*.yaml")):
                    found[path.stem] = path  # a later directory replaces a shipped file
        return found

    def available(self) -> list[str]:
        return sorted(self._files())

    def get(self, key: str) -> ContestDefinition:
        path = self._files().get(key)
        if path is None:
            raise NotFound(f"没有竞赛办法 {key}", f"no contest definition {key}")
        return read_definition(path)

    def all(self) -> list[ContestDefinition]:
        return [read_definition(p) for _, p in sorted(self._files().items())]
