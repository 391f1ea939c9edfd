"""Files people hand in (rosters, agendas, drafts, directories, year schedules), read within
``ImportLimits``: a file is refused by its size before anything parses it.

Sizes on disk say little about the work inside: an XLSX is a zip, and 400 KB of one held
1 M rows (100 MB of XML) that ran for minutes at gigabytes; a YAML file of a few hundred
bytes whose aliases refer to aliases ("billion laughs") expands to gigabytes once a model
or a hash walks it. So an XLSX is also measured unzipped, and YAML may not use aliases.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from domain.errors import InvalidInput
from settings import ImportLimits

M = TypeVar("M", bound=BaseModel)


class _AliasRefused(yaml.YAMLError):
    """A YAML alias (``*name``) was met, at ``line`` and ``column`` (from 1)."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}")
        self.line, self.column = line, column


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without aliases: none of our files needs one, and every expansion
    attack needs them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise _AliasRefused(mark.line + 1, mark.column + 1)
        return super().compose_node(parent, index)


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def check_size(path: Path, limits: ImportLimits) -> None:
    """Refuse a file larger than ``limits.max_bytes`` without reading it."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InvalidInput(f"无法读取文件 {path}：{e}", f"cannot read {path}: {e}") from e
    _check_bytes(path, size, limits)


def _check_bytes(path: Path, size: int, limits: ImportLimits) -> None:
    if size > limits.max_bytes:
        raise InvalidInput(
            f"文件 {path.name} 过大（超过 {_mib(limits.max_bytes)}，"
            "上限见 UNIONFLOW_IMPORT_MAX_BYTES），未导入",
            f"{path.name} is larger than {_mib(limits.max_bytes)} "
            "(UNIONFLOW_IMPORT_MAX_BYTES); nothing was imported",
        )


def read_bytes(path: Path, limits: ImportLimits) -> bytes:
    """The file's bytes, refused unread when it is larger than the limit."""
    check_size(path, limits)
    try:
        with path.open("rb") as f:
            data = f.read(limits.max_bytes + 1)  # a file that grew meanwhile, or a device
    except OSError as e:
        raise InvalidInput(f"无法读取文件 {path}：{e}", f"cannot read {path}: {e}") from e
    _check_bytes(path, len(data), limits)
    return data


def read_yaml(path: Path, limits: ImportLimits, what: str) -> Any:
    """A YAML file within the size limit, without aliases; ``what`` names it in Chinese."""
    try:
        text = read_bytes(path, limits).decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInput(
            f"{what}文件 {path.name} 不是 UTF-8 编码", f"{path.name} is not UTF-8"
        ) from e
    return parse_yaml(text, what, path.name)


def parse_yaml(text: str, what: str, source: str) -> Any:
    """YAML text (a file's, an upload's, a text box's) without aliases; ``source`` names
    where it came from in a refusal."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader without aliases
    except _AliasRefused as e:
        raise InvalidInput(
            f"{what}文件 {source} 第{e.line}行第{e.column}列使用了 YAML 别名（*name），不予接受",
            f"{source} uses a YAML alias (*name) at line {e.line}, column {e.column}, "
            "which is not accepted",
        ) from e
    except yaml.YAMLError as e:
        raise InvalidInput(f"无法读取{what}文件 {source}：{e}", f"cannot read {source}: {e}") from e
    except RecursionError as e:
        raise InvalidInput(f"{what}文件 {source} 嵌套过深", f"{source} is nested too deeply") from e


def as_model(raw: Any, model: type[M], what: str, source: str) -> M:
    """A parsed document validated as ``model``, refused naming its first bad field."""
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(
            f"{what}文件 {source} 的 {where} 无效：{first['msg']}",
            f"{source}: {where}: {first['msg']}",
        ) from None


def _line_of(node: Any, loc: tuple[Any, ...]) -> int | None:
    """The line (from 1) of the YAML node at ``loc`` (a pydantic error's path), or of the
    deepest node on the way that exists."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def model_from_yaml_lines(text: str, model: type[M], what: str, source: str) -> M:
    """YAML text as ``model``, refused naming the line and the field of the first problem
    (definition files, which people write by hand)."""
    raw = parse_yaml(text, what, source)
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "（整个文件）"
        line = _line_of(yaml.compose(text, Loader=_NoAliasLoader), tuple(first["loc"]))
        at_zh, at_en = (f"第 {line} 行", f"line {line}") if line else ("", "")
        raise InvalidInput(
            f"{what}文件 {source} {at_zh}的 {where} 无效：{first['msg']}",
            f"{source}, {at_en}: {where}: {first['msg']}",
        ) from None


def model_from_yaml(text: str, model: type[M], what: str, source: str) -> M:
    """YAML text as ``model`` (the web's uploads and text boxes)."""
    return as_model(parse_yaml(text, what, source), model, what, source)


def check_unpacked_size(path: Path, limits: ImportLimits) -> None:
    """Refuse a zip (XLSX) whose members add up to more than ``limits.max_unpacked_bytes``.

    The sizes are the ones the zip declares; Python's ``zipfile`` never inflates a member
    beyond its declared size (it stops there and fails the CRC check), so a zip cannot lie
    its way past this.
    """
    check_size(path, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (OSError, zipfile.BadZipFile) as e:
        raise InvalidInput(
            f"无法读取 {path.name}（不是有效的 XLSX 文件）：{e}",
            f"cannot read {path.name} as XLSX: {e}",
        ) from e
    if unpacked > limits.max_unpacked_bytes:
        raise InvalidInput(
            f"文件 {path.name} 解压后过大（{_mib(unpacked)}，超过 "
            f"{_mib(limits.max_unpacked_bytes)}，上限见 UNIONFLOW_IMPORT_MAX_UNPACKED_BYTES），未导入",
            f"{path.name} unzips to {_mib(unpacked)}, more than "
            f"{_mib(limits.max_unpacked_bytes)} (UNIONFLOW_IMPORT_MAX_UNPACKED_BYTES); "
            "nothing was imported",
        )
