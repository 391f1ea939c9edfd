"""Commands of award selection: what people and the engine ask of a nomination or a round."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.award.values import Nominee, NoticeLevel
from domain.text import Key, LongText, Name, OptionalShortText, ShortText

# -- a nomination: the unit's steps ----------------------------------------------------------


class Nominate(BaseModel):
    """The unit's cadre enters a nominee (creates the nomination)."""

    model_config = ConfigDict(extra="forbid")

    nominee: Nominee


class RecordJointAgreement(BaseModel):
    """The unit's party, administration and union agreed the nominee (党政工联席会议)."""

    kind: Literal["joint_agreement"] = "joint_agreement"
    record: ShortText  # the meeting's date and minutes reference


class RecordCongressApproval(BaseModel):
    """The unit's congress approved the nominee in a poll; the poll's facts are checked."""

    kind: Literal["congress_approval"] = "congress_approval"
    poll: Key


class PostUnitNotice(BaseModel):
    """The unit posts the name (单位公示), from ``starts`` for the definition's working days."""

    kind: Literal["unit_notice"] = "unit_notice"
    starts: date


class Submit(BaseModel):
    """After its notice, the unit submits the nomination to the round (uses a place)."""

    kind: Literal["submit"] = "submit"


class Withdraw(BaseModel):
    """The nominating unit withdraws the nominee, with reasons, until the final approval."""

    kind: Literal["withdraw"] = "withdraw"
    reason: ShortText


# -- reviews, clearances, objections --------------------------------------------------------


class ReviewNomination(BaseModel):
    """The first review (初审, the sub-union) or the second (复审, the federation)."""

    kind: Literal["first_review", "second_review"]
    passed: bool
    opinion: ShortText


class GiveClearance(BaseModel):
    """A department's opinion (征求意见): clear, or negative with the reason."""

    kind: Literal["clearance"] = "clearance"
    key: Key
    clear: bool
    opinion: OptionalShortText = ""

    @model_validator(mode="after")
    def _reason_when_negative(self) -> GiveClearance:
        if not self.clear and not self.opinion:
            raise ValueError("有问题时须说明理由 / a negative clearance needs its reason")
        return self


class FileObjection(BaseModel):
    """An objection during a notice: with real name and contact, or marked anonymous."""

    kind: Literal["objection"] = "objection"
    substance: LongText
    anonymous: bool = False
    name: Annotated[str, Field(max_length=100)] = ""
    contact: Annotated[str, Field(max_length=200)] = ""

    @model_validator(mode="after")
    def _named_unless_anonymous(self) -> FileObjection:
        self.name, self.contact = self.name.strip(), self.contact.strip()
        if self.anonymous:
            self.name = self.contact = ""
        elif not self.name or not self.contact:
            raise ValueError(
                "实名异议须留姓名和联系方式（或标明匿名） / a named objection needs a name and "
                "a contact (or mark it anonymous)"
            )
        return self


class ResolveObjection(BaseModel):
    """The investigating reviewer upholds (the nominee is removed) or dismisses it."""

    kind: Literal["resolve_objection"] = "resolve_objection"
    no: int = Field(ge=1)
    upheld: bool
    findings: LongText


# -- the engine's, driven by the round's workflow ---------------------------------------------


class CloseNotice(BaseModel):
    """A notice's last day has passed: close it (never with an objection open)."""

    kind: Literal["close_notice"] = "close_notice"
    level: NoticeLevel


class RemindClearances(BaseModel):
    kind: Literal["remind_clearances"] = "remind_clearances"


class EscalateClearances(BaseModel):
    kind: Literal["escalate_clearances"] = "escalate_clearances"


class EnterFederationNotice(BaseModel):
    """The federation's notice of the whole list started (the round committed its hash)."""

    kind: Literal["enter_federation_notice"] = "enter_federation_notice"


class RecordCommitteeVote(BaseModel):
    """The committee's secret poll decided this nominee."""

    kind: Literal["committee_vote"] = "committee_vote"
    approved: bool
    votes: ShortText  # e.g. "赞成 9 · 反对 2 · 弃权 0（应到 11）"


_HumanCommands = (
    RecordJointAgreement
    | RecordCongressApproval
    | PostUnitNotice
    | Submit
    | Withdraw
    | ReviewNomination
    | GiveClearance
    | FileObjection
    | ResolveObjection
)
_SystemCommands = (
    CloseNotice
    | RemindClearances
    | EscalateClearances
    | EnterFederationNotice
    | RecordCommitteeVote
)
HumanCommand = Annotated[_HumanCommands, Field(discriminator="kind")]
NominationCommand = Annotated[_HumanCommands | _SystemCommands, Field(discriminator="kind")]


# -- a round ------------------------------------------------------------------------------------


class OpenRound(BaseModel):
    """The federation's cadre opens a round of a definition (creates the round)."""

    model_config = ConfigDict(extra="forbid")

    round_key: Key
    title: ShortText
    definition: Key
    nominations_close: date
    departments: dict[Key, Key]  # clearance key -> the department actor to ask


class CloseNominations(BaseModel):
    kind: Literal["close_nominations"] = "close_nominations"


class StartRoundNotice(BaseModel):
    """The federation's notice of the list passed by the second review."""

    kind: Literal["start_notice"] = "start_notice"
    starts: date


class CloseRoundNotice(BaseModel):
    kind: Literal["close_notice"] = "close_notice"


class ApproveList(BaseModel):
    """The committee has voted: the final list (refused if it breaks a hard rule)."""

    kind: Literal["approve_list"] = "approve_list"
    committee_poll: Key
    result: ShortText


class PublishList(BaseModel):
    """The federation publishes the approved list (表彰决定)."""

    kind: Literal["publish"] = "publish"
    channel: ShortText
    decision: Name  # the decision's document number, e.g. "大总工发[2027]12号"


RoundCommand = Annotated[
    CloseNominations | StartRoundNotice | CloseRoundNotice | ApproveList | PublishList,
    Field(discriminator="kind"),
]
