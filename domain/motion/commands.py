"""Commands of the motion process: what people and the engine ask."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.motion.values import Decision, Rating
from domain.text import LongText, OptionalLongText, ShortText


class FileMotion(BaseModel):
    """A delegate files a motion (提出提案): one matter, its reasons and a proposal."""

    model_config = ConfigDict(extra="forbid")

    title: LongText  # 案由 (one line of at most 60: a rule of the aggregate)
    reasons: LongText  # 理由
    proposal: LongText  # 办法/建议


class SecondMotion(BaseModel):
    """Another delegate seconds the motion (附议)."""

    kind: Literal["second"] = "second"


class DecideMotion(BaseModel):
    """The motions committee files (立案) or rejects (不予立案) the motion."""

    kind: Literal["decide"] = "decide"
    decision: Decision
    reasons: OptionalLongText = ""


class AssignMotion(BaseModel):
    """Assign the filed motion to a lead department (承办部门) and any supporting ones."""

    kind: Literal["assign"] = "assign"
    lead: ShortText
    supporting: list[ShortText] = Field(default_factory=list)


class AnswerMotion(BaseModel):
    """The lead department answers in writing (书面答复)."""

    kind: Literal["answer"] = "answer"
    text: LongText


class ExtendAnswer(BaseModel):
    """The lead department asks, once, for more time to answer (延期答复)."""

    kind: Literal["extend"] = "extend"
    reason: ShortText


class RateAnswer(BaseModel):
    """The proposer rates the answer (满意/基本满意/不满意)."""

    kind: Literal["rate"] = "rate"
    rating: Rating
    opinion: OptionalLongText = ""


# Commands the engine issues itself when a date comes.


class CloseSeconding(BaseModel):
    """The window closed: the motion goes to the committee, or lapses with too few seconders."""

    kind: Literal["close_seconding"] = "close_seconding"


class RemindAnswer(BaseModel):
    """Remind the lead department before the answer is due."""

    kind: Literal["remind_answer"] = "remind_answer"


class FlagAnswerOverdue(BaseModel):
    """The answer is late: escalate to the union chair (督办)."""

    kind: Literal["flag_answer_overdue"] = "flag_answer_overdue"


_HumanCommands = (
    SecondMotion | DecideMotion | AssignMotion | AnswerMotion | ExtendAnswer | RateAnswer
)
_SystemCommands = CloseSeconding | RemindAnswer | FlagAnswerOverdue
HumanCommand = Annotated[_HumanCommands, Field(discriminator="kind")]
MotionCommand = Annotated[_HumanCommands | _SystemCommands, Field(discriminator="kind")]
