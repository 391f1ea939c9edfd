"""What a person may type: trimmed, bounded text and bounded numbers, as pydantic types.

Every command and value model takes its typed input through these types, so one place
says how long a name may be and that a count of days is positive. A bad value fails
validation, and ``invalid_input`` turns that failure into the ``InvalidInput`` refusal.

Stored events are facts: they were accepted under the rules of their day and are read
back as stored. While an event is applied (``LedgerAggregate.Event.mutate`` runs inside
``stored_facts()``) the text types neither trim nor bound, so a value accepted before a
bound existed still loads.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError

from domain.errors import InvalidInput

NAME_MAX = 100  # a person's, organisation's or department's name
SHORT_MAX = 500  # a title, place, channel, office, reason, teller
LONG_MAX = 20_000  # minutes, an offer's content, an answer, an objection
MAX_DAYS = 3650  # ten years: any period a person enters in days
MAX_COPIES = 100
MAX_MINUTES = 24 * 60.0  # a poll left open for at most one day

_applying_stored = ContextVar("applying_stored", default=False)


@contextmanager
def stored_facts() -> Iterator[None]:
    """Inside: text is read as stored (no trimming, no bounds); for applying events."""
    token = _applying_stored.set(True)
    try:
        yield
    finally:
        _applying_stored.reset(token)


def _control(ch: str, multiline: bool) -> bool:
    if multiline and ch in "\n\r\t":
        return False
    return unicodedata.category(ch) in ("Cc", "Cs")


def _text(*, max_length: int, required: bool, multiline: bool) -> BeforeValidator:
    def check(value: object) -> object:
        if _applying_stored.get() or not isinstance(value, str):
            return value  # a stored fact as it was; a non-string fails as usual
        value = value.strip()
        if required and not value:
            raise ValueError("不能为空 / must not be blank")
        if len(value) > max_length:
            raise ValueError(f"不能超过 {max_length} 个字符 / at most {max_length} characters")
        if any(_control(ch, multiline) for ch in value):
            raise ValueError("不能含控制字符 / must not contain control characters")
        return value

    return BeforeValidator(check)


Name = Annotated[str, _text(max_length=NAME_MAX, required=True, multiline=False)]
"""A name: trimmed, non-blank, one line, at most ``NAME_MAX`` characters."""

ShortText = Annotated[str, _text(max_length=SHORT_MAX, required=True, multiline=False)]
"""A title, place, reason: trimmed, non-blank, one line, at most ``SHORT_MAX``."""

OptionalShortText = Annotated[str, _text(max_length=SHORT_MAX, required=False, multiline=False)]
"""Like ``ShortText`` but may be empty (an override reason: blank means none given)."""

LongText = Annotated[str, _text(max_length=LONG_MAX, required=True, multiline=True)]
"""Minutes, an answer, an offer's content: trimmed, non-blank, at most ``LONG_MAX``."""

OptionalLongText = Annotated[str, _text(max_length=LONG_MAX, required=False, multiline=True)]
"""Like ``LongText`` but may be empty (a clause's text)."""


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("须为有限数 / must be a finite number")
    return value


Days = Annotated[int, Field(ge=1, le=MAX_DAYS)]
"""A period in days: 1 to ``MAX_DAYS``."""

Copies = Annotated[int, Field(ge=1, le=MAX_COPIES)]
"""Copies of a document: 1 to ``MAX_COPIES``."""

Minutes = Annotated[float, AfterValidator(_finite), Field(gt=0, le=MAX_MINUTES)]
"""A duration in minutes: finite, above 0, at most ``MAX_MINUTES``."""


Key = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:\-]+$")]
"""A key or id a person types (case, actor, session, motion, receipt): one safe token."""


def reason(error: ValidationError) -> tuple[str, str]:
    """Why the first bad value was refused, in Chinese and English, without its place."""
    first = error.errors()[0]
    cause = first.get("ctx", {}).get("error")
    zh, _, en = (str(cause) if cause is not None else first["msg"]).partition(" / ")
    return zh, en or zh


def invalid_input(error: ValidationError) -> InvalidInput:
    """The refusal for a model that failed validation, naming the first bad field."""
    where = ".".join(str(p) for p in error.errors()[0]["loc"]) or error.title
    zh, en = reason(error)
    return InvalidInput(f"输入无效：{where}：{zh}", f"invalid input: {where}: {en}")
