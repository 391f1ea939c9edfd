"""Commands of the wage contract process: what people and the engine ask."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.text import Copies, Days, LongText, Name, OptionalShortText, ShortText
from domain.wage_contract.values import Draft, Negotiator, ReviewComment, Side, VoteCount


class OpenCase(BaseModel):
    """Send the offer to bargain (要约) and open the case."""

    model_config = ConfigDict(extra="forbid")

    case_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")
    unit_org: ShortText
    employer: Name
    year: int = Field(ge=2000, le=2200)
    offer_place: ShortText
    offer_content: LongText


class RecordReply(BaseModel):
    """The employer's written reply (书面回应) arrived."""

    kind: Literal["record_reply"] = "record_reply"
    content: LongText


class AppointNegotiators(BaseModel):
    """Name both sides' negotiators (协商代表)."""

    kind: Literal["appoint_negotiators"] = "appoint_negotiators"
    negotiators: list[Negotiator] = Field(min_length=2)


class RecordTalksRound(BaseModel):
    """A round of talks was held; its minutes (会议记录) are kept."""

    kind: Literal["record_talks_round"] = "record_talks_round"
    minutes: LongText
    deadlocked: bool = False


class RequestTalksData(BaseModel):
    """One side asks the other for data it needs for talks (提供协商资料, WCN §18)."""

    kind: Literal["request_talks_data"] = "request_talks_data"
    requested_from: Side
    items: list[ShortText] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _named(self) -> RequestTalksData:
        if not all(item.strip() for item in self.items):
            raise ValueError("each requested item needs a name")
        return self


class RecordTalksDataProvided(BaseModel):
    """The data asked for in request ``no`` was provided."""

    kind: Literal["record_talks_data_provided"] = "record_talks_data_provided"
    no: int = Field(ge=1)


class SuspendTalks(BaseModel):
    """Suspend deadlocked talks (中止协商) for an agreed number of days."""

    kind: Literal["suspend_talks"] = "suspend_talks"
    days: Days
    reason: ShortText


class ResumeTalks(BaseModel):
    """Resume suspended talks."""

    kind: Literal["resume_talks"] = "resume_talks"


class SignDraft(BaseModel):
    """Both chiefs sign the draft (草案签字)."""

    kind: Literal["sign_draft"] = "sign_draft"
    draft: Draft


class SubmitForReview(BaseModel):
    """Submit the signed draft to the higher union for pre-review (报送预审)."""

    kind: Literal["submit_for_review"] = "submit_for_review"


class ApproveReview(BaseModel):
    """The higher union approves the draft (预审通过)."""

    kind: Literal["approve"] = "approve"
    override_reason: OptionalShortText | None = (
        None  # only for a failed advisory check; blank: none
    )
    # Required when an ancestor union decides a round that was not escalated to it.
    takeover_reason: OptionalShortText | None = None


class ReturnForRevision(BaseModel):
    """The higher union returns the draft with comments per clause (退回修改)."""

    kind: Literal["return_for_revision"] = "return_for_revision"
    comments: list[ReviewComment] = Field(min_length=1)
    takeover_reason: OptionalShortText | None = None  # as for ApproveReview


class ReviseDraft(BaseModel):
    """The revised draft after a return."""

    kind: Literal["revise_draft"] = "revise_draft"
    draft: Draft


class TellerCount(BaseModel):
    """One teller's (监票人/计票人) count of a paper vote."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    teller: Name
    count: VoteCount


class RecordAdoptionVote(BaseModel):
    """A paper meeting's vote on the draft, entered from both tellers' counts."""

    kind: Literal["record_adoption_vote"] = "record_adoption_vote"
    tellers: list[TellerCount] = Field(default_factory=list, max_length=2)
    # Before two tellers were required, a single count was sent. Such commands still
    # parse, so workflow histories that hold one replay; the aggregate refuses new ones.
    count: VoteCount | None = None

    @model_validator(mode="after")
    def _two_tellers(self) -> RecordAdoptionVote:
        if self.count is None and len(self.tellers) != 2:
            raise ValueError("a paper vote needs the counts of two tellers")
        if len(self.tellers) == 2 and self.tellers[0].teller == self.tellers[1].teller:
            raise ValueError("the two counts must come from two different tellers")
        return self

    @classmethod
    def agreed(
        cls, count: VoteCount, tellers: tuple[str, str] = ("监票人", "计票人")
    ) -> RecordAdoptionVote:
        """Both tellers entered the same count."""
        return cls(tellers=[TellerCount(teller=t, count=count) for t in tellers])


class RequestAdoptionPoll(BaseModel):
    """Put the draft to the congress: a secret yes/no item of a session (审议通过)."""

    kind: Literal["request_adoption_poll"] = "request_adoption_poll"
    session_id: ShortText
    item_no: int = Field(ge=1, le=1000)


class RecordAdoptionFromPoll(BaseModel):
    """The congress's poll on the draft was tallied: its result is the adoption vote."""

    kind: Literal["record_adoption_from_poll"] = "record_adoption_from_poll"
    poll_key: str
    count: VoteCount | None = None  # filled from the tallied poll by the activity


class SignContract(BaseModel):
    """Both chiefs sign the adopted contract and the enterprise seals it (签订)."""

    kind: Literal["sign_contract"] = "sign_contract"


class FileContract(BaseModel):
    """The contract is filed with the labour administration (报送备案); the resolution in
    the package comes from the ledger, never from the command."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["file_contract"] = "file_contract"
    copies: Copies
    office: ShortText


class RecordFilingIncomplete(BaseModel):
    """The labour administration found the filing package incomplete (材料不齐): fix it."""

    kind: Literal["record_filing_incomplete"] = "record_filing_incomplete"
    missing: list[ShortText] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _named(self) -> RecordFilingIncomplete:
        if not all(item.strip() for item in self.missing):
            raise ValueError("each missing item needs a name")
        return self


class ReportToHigherUnion(BaseModel):
    """The effective contract was reported to the higher union (报上级工会备案)."""

    kind: Literal["report_to_higher_union"] = "report_to_higher_union"
    reference: ShortText  # the report's number or how it was sent


class RecordObjection(BaseModel):
    """The labour administration's objection (审查意见书) arrived."""

    kind: Literal["record_objection"] = "record_objection"
    text: LongText


class PublishContract(BaseModel):
    """The effective contract is published to all employees (向全体职工公布)."""

    kind: Literal["publish"] = "publish"
    channel: ShortText


# Commands the engine issues itself when a deadline passes.


class EscalateReplyOverdue(BaseModel):
    """No written reply within the period: escalate to the higher union (提请协调)."""

    kind: Literal["escalate_reply_overdue"] = "escalate_reply_overdue"


class RemindReviewer(BaseModel):
    """Remind the reviewing union before the pre-review deadline."""

    kind: Literal["remind_reviewer"] = "remind_reviewer"


class EscalateReview(BaseModel):
    """The pre-review deadline passed: escalate to the next higher union."""

    kind: Literal["escalate_review"] = "escalate_review"


class RemindFiling(BaseModel):
    """Remind the unit before the filing deadline."""

    kind: Literal["remind_filing"] = "remind_filing"


class FlagFilingOverdue(BaseModel):
    """The filing deadline passed without filing."""

    kind: Literal["flag_filing_overdue"] = "flag_filing_overdue"


class TakeEffect(BaseModel):
    """No objection within the review window: the contract takes effect (生效)."""

    kind: Literal["take_effect"] = "take_effect"


class RemindTalksStart(BaseModel):
    """Remind the unit that talks must start soon after the reply."""

    kind: Literal["remind_talks_start"] = "remind_talks_start"


class FlagTalksStartOverdue(BaseModel):
    """Talks did not start within the period after the reply."""

    kind: Literal["flag_talks_start_overdue"] = "flag_talks_start_overdue"


class FlagHigherUnionReportOverdue(BaseModel):
    """The report to the higher union is overdue."""

    kind: Literal["flag_higher_union_report_overdue"] = "flag_higher_union_report_overdue"


class FlagPublicationOverdue(BaseModel):
    """The publication deadline passed."""

    kind: Literal["flag_publication_overdue"] = "flag_publication_overdue"


class OpenRenewal(BaseModel):
    """The renewal notice date came: the next round is due (续签)."""

    kind: Literal["open_renewal"] = "open_renewal"


class CorrectDeadlines(BaseModel):
    """A year's schedule was loaded: recompute provisional working-day deadlines."""

    kind: Literal["correct_deadlines"] = "correct_deadlines"


_HumanCommands = (
    RecordReply
    | AppointNegotiators
    | RecordTalksRound
    | RequestTalksData
    | RecordTalksDataProvided
    | SuspendTalks
    | ResumeTalks
    | SignDraft
    | SubmitForReview
    | ApproveReview
    | ReturnForRevision
    | ReviseDraft
    | RecordAdoptionVote
    | RequestAdoptionPoll
    | SignContract
    | FileContract
    | RecordFilingIncomplete
    | RecordObjection
    | PublishContract
    | ReportToHigherUnion
)
_SystemCommands = (
    EscalateReplyOverdue
    | RemindReviewer
    | EscalateReview
    | RemindFiling
    | FlagFilingOverdue
    | TakeEffect
    | FlagPublicationOverdue
    | RemindTalksStart
    | FlagTalksStartOverdue
    | FlagHigherUnionReportOverdue
    | OpenRenewal
    | CorrectDeadlines
    | RecordAdoptionFromPoll
    | ResumeTalks
)
HumanCommand = Annotated[_HumanCommands, Field(discriminator="kind")]
WageCommand = Annotated[_HumanCommands | _SystemCommands, Field(discriminator="kind")]
