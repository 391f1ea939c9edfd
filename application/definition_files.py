"""Definitions as data: validated YAML files shipped with the project, plus a directory.

A definition is one YAML file named after its key; a file of the extra directory (a
``UNIONFLOW_*_DEFINITION_DIR`` setting) with the key of a shipped one replaces it. A file
with an error is refused naming its line and the reason, and a process records the whole
definition it was opened with, so a later edit changes nothing already running. Award
selections and contests each keep theirs this way (``award_definitions``,
``contest_definitions``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

from application.input_files import model_from_yaml_lines, read_bytes
from domain.errors import InvalidInput, NotFound
from settings import ImportLimits

D = TypeVar("D", bound=BaseModel)


def read_definition_file(
    path: Path, model: type[D], what: tuple[str, str], limits: ImportLimits | None = None
) -> D:
    """One definition file, validated; refused naming the line and the reason. ``what``
    names the kind of definition (Chinese, English)."""
    zh, _ = what
    data = read_bytes(path, limits or ImportLimits())
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInput(
            f"{zh}文件 {path.name} 不是 UTF-8 编码", f"{path.name} is not UTF-8"
        ) from e
    definition = model_from_yaml_lines(text, model, zh, path.name)
    key = getattr(definition, "key", None)
    if key != path.stem:
        raise InvalidInput(
            f"{zh}文件 {path.name} 的 key（{key}）须与文件名一致",
            f"{path.name}: its key ({key}) must match the file name",
        )
    return definition


class DefinitionFiles(Generic[D]):
    """The definitions in force: the shipped ones, replaced or added to by ``extra_dir``."""

    def __init__(
        self, model: type[D], shipped: Path, what: tuple[str, str], extra_dir: Path | None
    ) -> None:
        self.model = model
        self.what = what
        self.dirs = [shipped, *([extra_dir] if extra_dir else [])]

    def _files(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for directory in self.dirs:
            if directory.is_dir():
                for path in sorted(directory.glob("*.yaml")):
                    found[path.stem] = path  # a later directory replaces a shipped file
        return found

    def available(self) -> list[str]:
        return sorted(self._files())

    def get(self, key: str) -> D:
        path = self._files().get(key)
        if path is None:
            zh, en = self.what
            raise NotFound(f"没有{zh} {key}", f"no {en} {key}")
        return read_definition_file(path, self.model, self.what)

    def all(self) -> list[D]:
        return [
            read_definition_file(p, self.model, self.what) for _, p in sorted(self._files().items())
        ]
