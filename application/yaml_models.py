"""A YAML document people hand in (a draft, the negotiators) read as a model.

The CLI reads it from a file, the web from an upload or a text box; both refuse a bad
document the same way, naming the first bad field. YAML aliases are refused: no file of
ours needs one, and every expansion attack ("billion laughs") needs them.
"""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


class _AliasMet(yaml.YAMLError):
    """A YAML alias (``*name``) at ``line``, ``column`` (from 1)."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}")
        self.line, self.column = line, column


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML that stops at the first alias."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise _AliasMet(mark.line + 1, mark.column + 1)
        return super().compose_node(parent, index)


def model_from_yaml(text: str, model: type[M], what: str, source: str) -> M:
    """``text`` as ``model``; ``what`` names the document in Chinese, ``source`` where it
    came from (a path, an upload's name). Refused with the first problem found."""
    try:
        raw = yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader without aliases
    except _AliasMet as e:
        raise InvalidInput(
            f"{what}文件 {source} 第{e.line}行第{e.column}列使用了 YAML 别名（*name），不予接受",
            f"{source} uses a YAML alias (*name) at line {e.line}, column {e.column}, "
            "which is not accepted",
        ) from None
    except (yaml.YAMLError, RecursionError) as e:
        raise InvalidInput(
            f"无法读取{what}文件 {source}：{e}", f"cannot read {source}: {e}"
        ) from None
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(
            f"{what}文件 {source} 的 {where} 无效：{first['msg']}",
            f"{source}: {where}: {first['msg']}",
        ) from None
