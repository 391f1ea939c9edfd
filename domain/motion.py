"""Motions (提案) of the workers' congress: the call for motions before a session, and each
motion from filing through seconding, the committee's decision and handling to the rating.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.actors import Acting, CommandMeta, Role
from domain.base import LedgerAggregate, deterministic_id
from domain.congress import check_unit_cadre
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.profiles import RuleProfile
from domain.wage_contract import add_months

MOTION_ID_PATTERN = r"^[A-Za-z0-9_.:\-]+$"
TITLE_MAX = 60
# The brief fixes the reminder a week ahead; the profile has no field for it yet.
ANSWER_REMINDER_DAYS_BEFORE = 7

# -- value objects ---------------------------------------------------------------------


class Stage(StrEnum):
    """Where a motion stands."""

    SECONDING = "seconding"  # 征集附议中
    LAPSED = "lapsed"  # 附议人数不足，已失效
    AWAITING_DECISION = "awaiting_decision"  # 待提案委员会审查
    REJECTED = "rejected"  # 不予立案
    REGISTERED = "registered"  # 已立案，待交办
    IN_HANDLING = "in_handling"  # 承办中
    ANSWERED = "answered"  # 已答复，待提案人评价
    CLOSED = "closed"  # 已办结


TERMINAL_STAGES = frozenset({Stage.LAPSED, Stage.REJECTED, Stage.CLOSED})

STAGE_LABELS: dict[Stage, tuple[str, str]] = {
    Stage.SECONDING: ("征集附议中", "open for seconding"),
    Stage.LAPSED: ("附议人数不足，已失效", "lapsed: too few seconders"),
    Stage.AWAITING_DECISION: ("待提案委员会审查", "awaiting the committee's decision"),
    Stage.REJECTED: ("不予立案", "not filed (rejected)"),
    Stage.REGISTERED: ("已立案，待交办", "filed, awaiting assignment"),
    Stage.IN_HANDLING: ("承办中", "being handled"),
    Stage.ANSWERED: ("已答复，待提案人评价", "answered, awaiting the proposer's rating"),
    Stage.CLOSED: ("已办结", "closed as handled"),
}


class Decision(StrEnum):
    """The motions committee's decision."""

    FILE = "file"  # 立案
    REJECT = "reject"  # 不予立案


class Rating(StrEnum):
    """The proposer's rating of an answer."""

    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


RATING_LABELS: dict[Rating, tuple[str, str]] = {
    Rating.SATISFIED: ("满意", "satisfied"),
    Rating.BASICALLY_SATISFIED: ("基本满意", "basically satisfied"),
    Rating.DISSATISFIED: ("不满意", "dissatisfied"),
}


def parse_rating(text: str) -> Rating | None:
    """A rating from its English value or Chinese label (None when neither)."""
    value = text.strip()
    for rating, (zh, _) in RATING_LABELS.items():
        if value.lower() == rating.value or value == zh:
            return rating
    return None


class MotionRules(BaseModel):
    """The profile's motion rules, recorded when the motion is filed."""

    model_config = ConfigDict(frozen=True)

    seconders_min: int
    answer_months: int
    extension_months: int

    @classmethod
    def of(cls, profile: RuleProfile) -> MotionRules:
        """The motion rules of a profile."""
        rules = profile.congress
        return cls(
            seconders_min=rules.motion_seconders_min,
            answer_months=rules.motion_answer_months,
            extension_months=rules.motion_extension_months,
        )


class MotionCallView(BaseModel):
    """A call for motions (提案征集) before a session of one congress."""

    call_key: str
    congress_key: str
    unit_org: str
    unit_path: list[str]
    session_on: date
    opened_on: date
    closes_on: date  # the session day: the window closes as that day begins
    opened_by: str
    notice_days: int
    advised_notice_days: int  # the profile's motion_call_days_before, kept for the record
    version: int = 0

    def is_open(self, today: date) -> bool:
        """Whether motions may be filed and seconded on ``today``."""
        return self.opened_on <= today < self.closes_on

    @property
    def short_notice(self) -> bool:
        """Opened later than the profile advises (recorded, not refused)."""
        return self.notice_days < self.advised_notice_days


class Answer(BaseModel):
    """One written answer of the lead department, and the proposer's rating of it."""

    round: int
    text: str
    answered_by: str
    answered_on: date
    late: bool = False
    rating: Rating | None = None
    opinion: str = ""  # the proposer's view of the answer, with the rating
    rated_on: date | None = None


class MotionView(BaseModel):
    """Everything known about one motion; the state the events evolve."""

    motion_id: str
    call_key: str
    congress_key: str
    unit_org: str
    unit_path: list[str]
    chair: str  # the cadre who opened the call; overdue answers are escalated to them
    proposer: str
    title: str
    reasons: str
    proposal: str
    filed_on: date
    closes_on: date
    rules: MotionRules
    profile_name: str
    profile_fingerprint: str
    stage: Stage
    version: int = 0
    seconders: list[str] = Field(default_factory=list)
    decision: Decision | None = None
    decision_reasons: str = ""
    decided_by: str | None = None
    decided_on: date | None = None
    lead_department: str | None = None
    supporting_departments: list[str] = Field(default_factory=list)
    assigned_on: date | None = None
    handling_round: int = 0
    due: date | None = None
    reminder_on: date | None = None
    reminded: bool = False
    overdue: bool = False
    escalated_to: str | None = None
    extended: bool = False
    extension_reason: str = ""
    answers: list[Answer] = Field(default_factory=list)
    closed_on: date | None = None

    @property
    def terminal(self) -> bool:
        """Whether the motion needs nothing more."""
        return self.stage in TERMINAL_STAGES

    @property
    def rating(self) -> Rating | None:
        """The latest rating, if the latest answer was rated."""
        return self.answers[-1].rating if self.answers else None


# -- commands --------------------------------------------------------------------------


class FileMotion(BaseModel):
    """A delegate files a motion (提出提案): one matter, its reasons and a proposal."""

    model_config = ConfigDict(extra="forbid")

    title: str  # 案由
    reasons: str  # 理由
    proposal: str  # 办法/建议


class SecondMotion(BaseModel):
    """Another delegate seconds the motion (附议)."""

    kind: Literal["second"] = "second"


class DecideMotion(BaseModel):
    """The motions committee files (立案) or rejects (不予立案) the motion."""

    kind: Literal["decide"] = "decide"
    decision: Decision
    reasons: str = ""


class AssignMotion(BaseModel):
    """Assign the filed motion to a lead department (承办部门) and any supporting ones."""

    kind: Literal["assign"] = "assign"
    lead: str
    supporting: list[str] = Field(default_factory=list)


class AnswerMotion(BaseModel):
    """The lead department answers in writing (书面答复)."""

    kind: Literal["answer"] = "answer"
    text: str


class ExtendAnswer(BaseModel):
    """The lead department asks, once, for more time to answer (延期答复)."""

    kind: Literal["extend"] = "extend"
    reason: str


class RateAnswer(BaseModel):
    """The proposer rates the answer (满意/基本满意/不满意)."""

    kind: Literal["rate"] = "rate"
    rating: Rating
    opinion: str = ""


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

_DELEGATE = "delegate"
_COMMITTEE = "committee"
_LEAD = "lead_department"
_PROPOSER = "proposer"
_SYSTEM = "system"

# Who may issue each command, and at which stages.
RULES: dict[str, tuple[str, frozenset[Stage]]] = {
    "second": (_DELEGATE, frozenset({Stage.SECONDING})),
    "decide": (_COMMITTEE, frozenset({Stage.AWAITING_DECISION})),
    "assign": (_COMMITTEE, frozenset({Stage.REGISTERED})),
    "answer": (_LEAD, frozenset({Stage.IN_HANDLING})),
    "extend": (_LEAD, frozenset({Stage.IN_HANDLING})),
    "rate": (_PROPOSER, frozenset({Stage.ANSWERED})),
    "close_seconding": (_SYSTEM, frozenset({Stage.SECONDING})),
    "remind_answer": (_SYSTEM, frozenset({Stage.IN_HANDLING})),
    "flag_answer_overdue": (_SYSTEM, frozenset({Stage.IN_HANDLING})),
}

ROLE_FOR: dict[str, Role] = {
    _DELEGATE: Role.DELEGATE,
    _COMMITTEE: Role.CADRE,
    _LEAD: Role.DEPARTMENT,
    _PROPOSER: Role.DELEGATE,
}

COMMAND_LABELS: dict[str, tuple[str, str]] = {
    "file": ("提出提案", "file a motion"),
    "second": ("附议", "second the motion"),
    "decide": ("审查立案", "decide whether to file the motion"),
    "assign": ("交办承办部门", "assign a lead department"),
    "answer": ("书面答复", "answer in writing"),
    "extend": ("申请延期答复", "ask for an extension"),
    "rate": ("评价答复", "rate the answer"),
}


class MotionFacts(BaseModel):
    """What the aggregate cannot know itself: looked up in the roster and the directory."""

    delegate: bool = False  # the acting actor is a delegate in office of the congress
    departments: dict[str, str] = Field(default_factory=dict)  # department id -> its org


def facts_for(
    command: Any,
    actor_id: str,
    *,
    is_delegate: Callable[[str], bool],
    department_org: Callable[[str], str | None],
) -> MotionFacts:
    """Look up only what ``command`` needs, with the caller's lookups."""
    if command.kind == "second":
        return MotionFacts(delegate=is_delegate(actor_id))
    if command.kind == "assign":
        found = {}
        for code in [command.lead, *command.supporting]:
            org = department_org(code)
            if org is not None:
                found[code] = org
        return MotionFacts(departments=found)
    return MotionFacts()


# -- guards ----------------------------------------------------------------------------


def precheck(kind: str, acting: Acting, view: MotionView, *, today: date | None = None) -> None:
    """Refuse a command this actor may not issue now; the same rules guard the aggregate.

    ``today`` (the caller's business date) adds the checks that depend on the date.
    """
    who, stages = RULES[kind]
    _check_actor(who, kind, acting, view)
    if view.stage not in stages:
        label = STAGE_LABELS[view.stage]
        raise InvalidState(
            f"提案当前为“{label[0]}”，不能执行此操作（{kind}）",
            f"the motion is {label[1]}; {kind} does not apply",
        )
    if kind == "second":
        _check_seconder(acting, view, today)
    elif kind == "extend":
        _check_extension(view, today)


def _check_actor(who: str, kind: str, acting: Acting, view: MotionView) -> None:
    zh, en = COMMAND_LABELS.get(kind, (kind, kind))
    if who == _SYSTEM:
        if acting.role is not Role.SYSTEM:
            raise NotAuthorised("此操作只能由系统执行", "only the engine performs this step")
    elif who == _DELEGATE:
        if acting.role is not Role.DELEGATE or acting.org_id != view.unit_org:
            raise NotAuthorised(
                f"只有本届职代会（{view.congress_key}）代表可以{zh}",
                f"only a delegate of congress {view.congress_key} may {en}",
            )
    elif who == _COMMITTEE:
        if acting.role is not Role.CADRE or acting.org_id != view.unit_org:
            raise NotAuthorised(
                f"只有本单位（{view.unit_org}）工会干部（提案委员会）可以{zh}",
                f"only a cadre of {view.unit_org}, as the motions committee, may {en}",
            )
    elif who == _LEAD:
        if acting.role is not Role.DEPARTMENT or acting.actor_id != view.lead_department:
            raise NotAuthorised(
                f"只有承办部门（{view.lead_department or '尚未交办'}）可以{zh}",
                f"only the lead department ({view.lead_department or 'none yet'}) may {en}",
            )
    elif acting.role is not Role.DELEGATE or acting.actor_id != view.proposer:
        raise NotAuthorised(
            f"只有提案人（{view.proposer}）可以{zh}",
            f"only the proposer ({view.proposer}) may {en}",
        )


def _check_seconder(acting: Acting, view: MotionView, today: date | None) -> None:
    if acting.actor_id == view.proposer:
        raise NotAuthorised("提案人不能附议自己的提案", "a proposer cannot second their own motion")
    if acting.actor_id in view.seconders:
        raise InvalidState(
            f"{acting.actor_id} 已附议过该提案", f"{acting.actor_id} has already seconded it"
        )
    if today is not None and today >= view.closes_on:
        raise InvalidState(
            f"提案征集期已于 {view.closes_on} 截止，不能再附议",
            f"the call closed on {view.closes_on}; seconding has ended",
        )


def _check_extension(view: MotionView, today: date | None) -> None:
    if view.rules.extension_months <= 0:
        raise InvalidState("规则配置不允许延期答复", "the rule profile allows no extension")
    if view.extended:
        raise InvalidState("延期答复只能申请一次", "an extension may be asked for only once")
    # Past the due date the answer is already overdue and escalated; more time cannot undo that.
    if today is not None and view.due is not None and today > view.due:
        raise InvalidState(
            f"答复期限（{view.due}）已过，不能再申请延期",
            f"the answer was due on {view.due}; it is too late to ask for more time",
        )


def check_command(command: Any, view: MotionView) -> None:
    """Refuse a command whose own data breaks a rule (written reasons, distinct departments)."""
    if command.kind == "decide" and command.decision is Decision.REJECT:
        if not command.reasons.strip():
            raise InvalidInput("不予立案须书面说明理由", "a rejection needs written reasons")
    elif command.kind == "assign":
        named = [command.lead, *command.supporting]
        if not command.lead.strip():
            raise InvalidInput("须指定承办部门", "a lead department is required")
        if len(set(named)) != len(named):
            raise InvalidInput(
                "承办部门与协办部门不能重复", "the lead and supporting departments must differ"
            )
    elif command.kind == "answer" and not command.text.strip():
        raise InvalidInput("答复须有书面内容", "the answer must be written out")
    elif command.kind == "extend" and not command.reason.strip():
        raise InvalidInput("申请延期须说明理由", "an extension needs a reason")


def check_one_matter(command: FileMotion) -> None:
    """One matter per motion (一案一事): a one-line title, with reasons and a proposal."""
    title = command.title.strip()
    if not title:
        raise InvalidInput("提案须有案由（标题）", "a motion needs a title")
    if "\n" in title or len(title) > TITLE_MAX:
        raise InvalidInput(
            f"一案一事：案由须为一行，不超过{TITLE_MAX}字",
            f"one matter per motion: the title is one line of at most {TITLE_MAX} characters",
        )
    if not command.reasons.strip():
        raise InvalidInput("须写明提案理由", "the reasons are required")
    if not command.proposal.strip():
        raise InvalidInput("须写明具体建议", "the proposal is required")


def check_motion_id(motion_id: str) -> None:
    """A motion id is short and safe in workflow ids."""
    if not 1 <= len(motion_id) <= 100 or re.fullmatch(MOTION_ID_PATTERN, motion_id) is None:
        raise InvalidInput(
            f"提案编号无效：{motion_id!r}（仅限字母、数字和 _ . : -）",
            f"invalid motion id {motion_id!r} (letters, digits, _ . : - only)",
        )


def check_call_open(call: MotionCallView, today: date) -> None:
    """Motions are filed inside the call's window only."""
    if today < call.opened_on:
        raise InvalidState("提案征集尚未开始", "the call for motions has not opened yet")
    if today >= call.closes_on:
        raise InvalidState(
            f"提案征集期已于 {call.closes_on} 截止",
            f"the call for motions closed on {call.closes_on}",
        )


def answer_dates(start: date, months: int) -> tuple[date, date | None]:
    """(due, reminder day) for an answer due ``months`` after ``start``."""
    due = add_months(start, months)
    reminder = due - timedelta(days=ANSWER_REMINDER_DAYS_BEFORE)
    return due, reminder if reminder > start else None


def call_key_for(congress_key: str, session_on: date) -> str:
    """The key of a congress's call for motions before the session on ``session_on``."""
    return f"{congress_key}:{session_on.isoformat()}"


def motion_call_id(call_key: str) -> UUID:
    """The ledger id of a call for motions."""
    return deterministic_id("motion-call", call_key)


def motion_ledger_id(motion_id: str) -> UUID:
    """The ledger id of a motion."""
    return deterministic_id("motion", motion_id)


# -- the call ------------------------------------------------------------------------------


class MotionCall(LedgerAggregate):
    """A call for motions (提案征集) before a session of the workers' congress."""

    class Created(LedgerAggregate.Created):
        """The call was opened (发出提案征集通知)."""

        state: dict[str, Any]

        def apply(self, aggregate: MotionCall) -> None:
            aggregate.s = MotionCallView.model_validate(self.state)

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()

    @classmethod
    def open(
        cls,
        call_key: str,
        meta: CommandMeta,
        *,
        congress_key: str,
        unit_org: str,
        unit_path: list[str],
        session_on: date,
        profile: RuleProfile,
    ) -> MotionCall:
        """Open the call; it closes as the session day begins, however late it was opened."""
        check_unit_cadre(meta.acting, unit_org, ("发起提案征集", "open a call for motions"))
        today = meta.today()
        if session_on <= today:
            raise InvalidInput(
                f"会议日期（{session_on}）须晚于今天：提案征集截至会议当日",
                f"the session ({session_on}) must be after today: the call closes on that day",
            )
        state = MotionCallView(
            call_key=call_key,
            congress_key=congress_key,
            unit_org=unit_org,
            unit_path=unit_path,
            session_on=session_on,
            opened_on=today,
            closes_on=session_on,
            opened_by=meta.acting.actor_id,
            notice_days=(session_on - today).days,
            advised_notice_days=profile.congress.motion_call_days_before,
            version=1,
        )
        return cls._new(motion_call_id(call_key), meta, state=state.model_dump(mode="json"))

    def view(self) -> MotionCallView:
        """A copy of the current state."""
        return self.s.model_copy(deep=True)


# -- the motion ----------------------------------------------------------------------------


class Motion(LedgerAggregate):
    """One motion (提案) of a delegate to the workers' congress."""

    class Created(LedgerAggregate.Created):
        """A delegate filed the motion (提出提案)."""

        state: dict[str, Any]

        def apply(self, aggregate: Motion) -> None:
            aggregate.s = MotionView.model_validate(self.state)

    class Changed(LedgerAggregate.Event):
        """Base of the events below: each carries only its own facts."""

        def apply(self, aggregate: Motion) -> None:
            self.evolve(aggregate.s)
            aggregate.s.version = self.originator_version

        def evolve(self, s: MotionView) -> None:
            raise NotImplementedError

    class Seconded(Changed):
        """Another delegate seconded it (附议)."""

        seconder: str

        def evolve(self, s: MotionView) -> None:
            s.seconders.append(self.seconder)

    class SecondingClosed(Changed):
        """The window closed with enough seconders: it goes to the committee."""

        seconders: int

        def evolve(self, s: MotionView) -> None:
            s.stage = Stage.AWAITING_DECISION

    class Lapsed(Changed):
        """The window closed with too few seconders (附议人数不足)."""

        seconders: int
        required: int

        def evolve(self, s: MotionView) -> None:
            s.stage = Stage.LAPSED

    class Registered(Changed):
        """The motions committee filed it (立案)."""

        reasons: str
        decided_on: date

        def evolve(self, s: MotionView) -> None:
            s.decision = Decision.FILE
            s.decision_reasons = self.reasons
            s.decided_by = self.actor["id"]
            s.decided_on = self.decided_on
            s.stage = Stage.REGISTERED

    class Rejected(Changed):
        """The motions committee did not file it (不予立案), with written reasons."""

        reasons: str
        decided_on: date

        def evolve(self, s: MotionView) -> None:
            s.decision = Decision.REJECT
            s.decision_reasons = self.reasons
            s.decided_by = self.actor["id"]
            s.decided_on = self.decided_on
            s.stage = Stage.REJECTED

    class Assigned(Changed):
        """Assigned to a lead department (交办); the answer falls due."""

        lead: str
        supporting: list[str]
        assigned_on: date
        due: date
        reminder_on: date | None

        def evolve(self, s: MotionView) -> None:
            s.lead_department = self.lead
            s.supporting_departments = list(self.supporting)
            s.assigned_on = self.assigned_on
            s.handling_round = 1
            _new_due(s, self.due, self.reminder_on)
            s.stage = Stage.IN_HANDLING

    class AnswerReminded(Changed):
        """The lead department was reminded that the answer falls due soon."""

        due: date

        def evolve(self, s: MotionView) -> None:
            s.reminded = True

    class AnswerOverdue(Changed):
        """No answer by the due date: escalated to the union chair (督办); the case stays open."""

        due: date
        escalated_to: str

        def evolve(self, s: MotionView) -> None:
            s.overdue = True
            s.escalated_to = self.escalated_to

    class AnswerExtended(Changed):
        """The lead department got its one extension (延期答复)."""

        reason: str
        due: date
        reminder_on: date | None

        def evolve(self, s: MotionView) -> None:
            s.extended = True
            s.extension_reason = self.reason
            _new_due(s, self.due, self.reminder_on)

    class Answered(Changed):
        """The lead department answered in writing (书面答复)."""

        text: str
        answered_on: date
        late: bool

        def evolve(self, s: MotionView) -> None:
            s.answers.append(
                Answer(
                    round=s.handling_round,
                    text=self.text,
                    answered_by=self.actor["id"],
                    answered_on=self.answered_on,
                    late=self.late,
                )
            )
            s.stage = Stage.ANSWERED

    class AnswerRated(Changed):
        """The proposer rated the answer; 满意 or 基本满意 closes the motion (办结)."""

        rating: str
        opinion: str
        rated_on: date

        def evolve(self, s: MotionView) -> None:
            answer = s.answers[-1]
            answer.rating = Rating(self.rating)
            answer.opinion = self.opinion
            answer.rated_on = self.rated_on
            if answer.rating is not Rating.DISSATISFIED:
                s.stage = Stage.CLOSED
                s.closed_on = self.rated_on

    class HandlingReopened(Changed):
        """Rated 不满意: the lead department handles it again (重新办理), with a new due date."""

        round: int
        due: date
        reminder_on: date | None

        def evolve(self, s: MotionView) -> None:
            s.handling_round = self.round
            _new_due(s, self.due, self.reminder_on)
            s.stage = Stage.IN_HANDLING

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()

    # -- creation ----------------------------------------------------------------------

    @classmethod
    def file(
        cls,
        motion_id: str,
        command: FileMotion,
        meta: CommandMeta,
        *,
        call: MotionCallView,
        is_delegate: bool,
        profile: RuleProfile,
    ) -> Motion:
        """A delegate in office files a motion inside the call's window."""
        acting = meta.acting
        if acting.role is not Role.DELEGATE or acting.org_id != call.unit_org or not is_delegate:
            raise NotAuthorised(
                f"只有本届职代会（{call.congress_key}）的在任代表可以提出提案",
                f"only a delegate in office of congress {call.congress_key} may file a motion",
            )
        check_motion_id(motion_id)
        check_call_open(call, meta.today())
        check_one_matter(command)
        state = MotionView(
            motion_id=motion_id,
            call_key=call.call_key,
            congress_key=call.congress_key,
            unit_org=call.unit_org,
            unit_path=call.unit_path,
            chair=call.opened_by,
            proposer=acting.actor_id,
            title=command.title.strip(),
            reasons=command.reasons.strip(),
            proposal=command.proposal.strip(),
            filed_on=meta.today(),
            closes_on=call.closes_on,
            rules=MotionRules.of(profile),
            profile_name=profile.name,
            profile_fingerprint=profile.fingerprint(),
            stage=Stage.SECONDING,
            version=1,
        )
        return cls._new(motion_ledger_id(motion_id), meta, state=state.model_dump(mode="json"))

    # -- reading -----------------------------------------------------------------------

    def view(self) -> MotionView:
        """A copy of the current state."""
        return self.s.model_copy(deep=True)

    # -- commands ----------------------------------------------------------------------

    def handle(
        self, command: Any, meta: CommandMeta, *, today: date, facts: MotionFacts | None = None
    ) -> None:
        """Run one command after the stage, authorisation and input rules allow it."""
        precheck(command.kind, meta.acting, self.s, today=today)
        check_command(command, self.s)
        getattr(self, f"_do_{command.kind}")(command, meta, today, facts or MotionFacts())

    def _do_second(self, c: SecondMotion, meta: CommandMeta, today: date, f: MotionFacts) -> None:
        if not f.delegate:
            raise NotAuthorised(
                f"{meta.acting.actor_id} 不是本届职代会（{self.s.congress_key}）的在任代表",
                f"{meta.acting.actor_id} is not a delegate in office of {self.s.congress_key}",
            )
        self._emit(self.Seconded, meta, seconder=meta.acting.actor_id)

    def _do_close_seconding(
        self, c: CloseSeconding, meta: CommandMeta, today: date, f: MotionFacts
    ) -> None:
        if today < self.s.closes_on:
            raise InvalidState("提案征集期未满", "the call for motions has not closed yet")
        count, needed = len(self.s.seconders), self.s.rules.seconders_min
        if count < needed:
            self._emit(self.Lapsed, meta, seconders=count, required=needed)
        else:
            self._emit(self.SecondingClosed, meta, seconders=count)

    def _do_decide(self, c: DecideMotion, meta: CommandMeta, today: date, f: MotionFacts) -> None:
        event = self.Registered if c.decision is Decision.FILE else self.Rejected
        self._emit(event, meta, reasons=c.reasons.strip(), decided_on=today)

    def _do_assign(self, c: AssignMotion, meta: CommandMeta, today: date, f: MotionFacts) -> None:
        for code in [c.lead, *c.supporting]:
            if f.departments.get(code) != self.s.unit_org:
                raise InvalidInput(
                    f"{code} 不是本单位（{self.s.unit_org}）的承办部门",
                    f"{code} is not a department of {self.s.unit_org}",
                )
        due, reminder = answer_dates(today, self.s.rules.answer_months)
        self._emit(
            self.Assigned,
            meta,
            lead=c.lead,
            supporting=list(c.supporting),
            assigned_on=today,
            due=due,
            reminder_on=reminder,
        )

    def _do_remind_answer(
        self, c: RemindAnswer, meta: CommandMeta, today: date, f: MotionFacts
    ) -> None:
        assert self.s.due is not None  # IN_HANDLING implies a due date
        if not self.s.reminded:
            self._emit(self.AnswerReminded, meta, due=self.s.due)

    def _do_flag_answer_overdue(
        self, c: FlagAnswerOverdue, meta: CommandMeta, today: date, f: MotionFacts
    ) -> None:
        assert self.s.due is not None
        if self.s.overdue:
            return
        if today <= self.s.due:
            raise InvalidState("答复期限未到", "the answer is not yet due")
        self._emit(self.AnswerOverdue, meta, due=self.s.due, escalated_to=self.s.chair)

    def _do_extend(self, c: ExtendAnswer, meta: CommandMeta, today: date, f: MotionFacts) -> None:
        assert self.s.due is not None
        due = add_months(self.s.due, self.s.rules.extension_months)
        reminder = due - timedelta(days=ANSWER_REMINDER_DAYS_BEFORE)
        self._emit(
            self.AnswerExtended,
            meta,
            reason=c.reason.strip(),
            due=due,
            reminder_on=reminder if reminder > today else None,
        )

    def _do_answer(self, c: AnswerMotion, meta: CommandMeta, today: date, f: MotionFacts) -> None:
        late = self.s.due is not None and today > self.s.due
        self._emit(self.Answered, meta, text=c.text.strip(), answered_on=today, late=late)

    def _do_rate(self, c: RateAnswer, meta: CommandMeta, today: date, f: MotionFacts) -> None:
        self._emit(
            self.AnswerRated, meta, rating=c.rating.value, opinion=c.opinion.strip(), rated_on=today
        )
        if c.rating is Rating.DISSATISFIED:
            due, reminder = answer_dates(today, self.s.rules.answer_months)
            self._emit(
                self.HandlingReopened,
                meta,
                round=self.s.handling_round + 1,
                due=due,
                reminder_on=reminder,
            )


def _new_due(s: MotionView, due: date, reminder_on: date | None) -> None:
    """A fresh answer period: reminder and escalation start over."""
    s.due = due
    s.reminder_on = reminder_on
    s.reminded = False
    s.overdue = False
    s.escalated_to = None
