"""A session of the workers' congress (职代会会议): agenda, papers, check-in, results, report.

The session's own stream holds its lifecycle; each delegate's check-in is an aggregate
of its own (id derived from session and delegate), so a thousand check-ins never grow
one stream and a second check-in collides.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from domain.actors import CHINA_TZ, Acting, CommandMeta, Role
from domain.base import ChangesView, CreatesView, LedgerAggregate, ViewState, deterministic_id
from domain.calendar import Deadline
from domain.errors import InvalidInput, InvalidState
from domain.policies import Label, check_unit_cadre
from domain.poll import ItemKind, PollKind, PollSpec
from domain.profiles import RuleProfile
from domain.text import Name, ShortText


class SessionKind(StrEnum):
    """Regular or extraordinary (临时会议)."""

    REGULAR = "regular"
    EXTRAORDINARY = "extraordinary"


class SessionStatus(StrEnum):
    """Where a session stands."""

    CONVENED = "convened"  # 已通知，材料已送达
    OPEN = "open"  # 开会中
    CLOSED = "closed"  # 闭会
    PUBLISHED = "published"  # 结果已公布，待报告上级工会
    REPORTED = "reported"  # 已报告上级工会


class AgendaItem(BaseModel):
    """One item of the agenda (议题)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # "number" is accepted too: YAML 1.1 reads a bare ``no:`` key as the boolean false.
    no: int = Field(ge=1, validation_alias=AliasChoices("no", "number"))
    title: ShortText
    kind: ItemKind
    poll_kind: PollKind | None = None  # default from the kind
    secret: bool | None = None  # default: approval items secret (SH §31)
    candidates: list[Name] = Field(default_factory=list)
    max_choices: int = Field(default=1, ge=1, le=1000)
    wage_case_id: str | None = None  # the wage contract whose draft this item adopts

    def effective_poll_kind(self) -> PollKind:
        """The ballot this item uses."""
        if self.poll_kind is not None:
            return self.poll_kind
        return {
            ItemKind.ELECTION: PollKind.ELECTION,
            ItemKind.APPRAISAL: PollKind.APPRAISAL,
        }.get(self.kind, PollKind.YES_NO)

    def is_secret(self) -> bool:
        """Approval and election items default to a secret ballot."""
        if self.secret is not None:
            return self.secret
        return self.kind in (ItemKind.APPROVAL, ItemKind.ELECTION)


class ItemOutcome(BaseModel):
    """What the congress decided on an item."""

    item_no: int
    poll_key: str
    summary: str
    passed: bool | None = None
    set_aside: bool = False  # 搁置: not decided at this session, for the reason below
    reason: str = ""


class SessionView(BaseModel):
    """Everything known about one session."""

    session_id: str
    congress_key: str
    unit_org: str
    unit_path: list[str]
    kind: SessionKind
    agenda: list[AgendaItem]
    papers_sent_on: date
    opens_on: date
    requested_by: list[str] = Field(default_factory=list)
    status: SessionStatus
    version: int = 0
    outcomes: list[ItemOutcome] = Field(default_factory=list)
    closed_on: date | None = None
    publication_due: date | None = None  # results published to all employees by then
    publication_due_provisional: bool = False
    publication_overdue: bool = False
    published_on: date | None = None
    report_due: date | None = None  # counted from the close (SH §37)
    report_due_provisional: bool = False
    report_reminder_on: date | None = None
    report_reminded: bool = False
    report_overdue: bool = False
    reported_on: date | None = None

    @model_validator(mode="after")
    def _unique_items(self) -> SessionView:
        nos = [i.no for i in self.agenda]
        if len(set(nos)) != len(nos):
            raise ValueError("agenda item numbers must be unique")
        return self

    def item(self, no: int) -> AgendaItem:
        """An agenda item by number."""
        for item in self.agenda:
            if item.no == no:
                return item
        raise InvalidInput(f"议程中没有第 {no} 项", f"no agenda item {no}")

    def poll_key(self, no: int) -> str:
        """The poll of an item."""
        return f"{self.session_id}:item{no}"

    def poll_spec(
        self, no: int, *, paper: bool = False, tellers: list[str] | None = None
    ) -> PollSpec:
        """The poll that puts item ``no`` to the vote; refused (InvalidInput) when the
        item does not exist or a paper ballot lacks two different tellers."""
        item = self.item(no)
        tellers = [t.strip() for t in tellers or []]
        if paper and (len(tellers) != 2 or len(set(tellers)) != 2 or not all(tellers)):
            raise InvalidInput(
                "纸质选票须指定两名不同的监票人、计票人：--teller 甲 --teller 乙",
                "a paper ballot needs two different tellers: --teller A --teller B",
            )
        if tellers and not paper:
            raise InvalidInput(
                "只有纸质选票需要监票人、计票人（加 --paper）",
                "only a paper ballot has tellers (add --paper)",
            )
        return PollSpec(
            poll_key=self.poll_key(no),
            congress_key=self.congress_key,
            session_id=self.session_id,
            item_no=item.no,
            title=item.title,
            item_kind=item.kind,
            kind=item.effective_poll_kind(),
            secret=item.is_secret(),
            candidates=item.candidates,
            max_choices=item.max_choices,
            paper=paper,
            tellers=tellers,
        )


def session_id_for(congress_key: str, label: str) -> str:
    """A session's id: the congress and a label such as "2026-1"."""
    return f"{congress_key}:{label}"


def session_ledger_id(session_id: str) -> UUID:
    """The ledger id of a session."""
    return deterministic_id("congress-session", session_id)


def check_in_id(session_id: str, delegate: str) -> UUID:
    """One check-in per delegate and session."""
    return deterministic_id("check-in", f"{session_id}:{delegate}")


class Session(ViewState[SessionView], LedgerAggregate):
    """A session of the workers' congress."""

    VIEW = SessionView

    class Created(CreatesView, LedgerAggregate.Created):
        """The session was convened and its papers sent (召开通知，会议材料送达)."""

        state: dict[str, Any]

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below: each carries only its own facts."""

    class Opened(Changed):
        def evolve(self, s: SessionView) -> None:
            s.status = SessionStatus.OPEN

    class ItemDecided(Changed):
        outcome: dict[str, Any]

        def evolve(self, s: SessionView) -> None:
            outcome = ItemOutcome.model_validate(self.outcome)
            s.outcomes = [o for o in s.outcomes if o.item_no != outcome.item_no] + [outcome]

    class ItemSetAside(Changed):
        """The chair set an item aside with a reason (议题搁置): it is not decided now."""

        item_no: int
        reason: str

        def evolve(self, s: SessionView) -> None:
            outcome = ItemOutcome(
                item_no=self.item_no,
                poll_key=s.poll_key(self.item_no),
                summary=f"搁置 set aside: {self.reason}",
                set_aside=True,
                reason=self.reason,
            )
            s.outcomes = [o for o in s.outcomes if o.item_no != self.item_no] + [outcome]

    class Closed(Changed):
        def evolve(self, s: SessionView) -> None:
            s.status = SessionStatus.CLOSED
            s.closed_on = self.timestamp.astimezone(CHINA_TZ).date()

    class PublicationDue(Changed):
        """The results must reach all employees by this day (counted from the close)."""

        due: date
        provisional: bool

        def evolve(self, s: SessionView) -> None:
            s.publication_due = self.due
            s.publication_due_provisional = self.provisional

    class PublicationOverdue(Changed):
        """The results were not published by their deadline."""

        def evolve(self, s: SessionView) -> None:
            s.publication_overdue = True

    class ResultsPublished(Changed):
        published_on: date
        report_due: date
        report_due_provisional: bool
        report_reminder_on: date | None

        def evolve(self, s: SessionView) -> None:
            s.status = SessionStatus.PUBLISHED
            s.published_on = self.published_on
            s.report_due = self.report_due
            s.report_due_provisional = self.report_due_provisional
            s.report_reminder_on = self.report_reminder_on

    class ReportReminded(Changed):
        def evolve(self, s: SessionView) -> None:
            s.report_reminded = True

    class ReportOverdue(Changed):
        def evolve(self, s: SessionView) -> None:
            s.report_overdue = True

    class Reported(Changed):
        reported_on: date

        def evolve(self, s: SessionView) -> None:
            s.status = SessionStatus.REPORTED
            s.reported_on = self.reported_on

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        # Declared, not assigned: Created.apply sets it from the stored event.
        self.s: SessionView

    @classmethod
    def convene(
        cls,
        state: SessionView,
        meta: CommandMeta,
        *,
        profile: RuleProfile,
        total_delegates: int,
    ) -> Session:
        """Convene a session; the papers must reach delegates N days before it opens."""
        if meta.acting.role is not Role.SYSTEM:
            check_unit_cadre(meta.acting, state.unit_org, ("召集会议", "convene the session"))
        rules = profile.congress
        earliest = state.papers_sent_on + timedelta(days=rules.papers_before_days)
        if state.opens_on < earliest:
            raise InvalidInput(
                f"会议材料须在开会{rules.papers_before_days}日前送达代表：最早 {earliest} 开会",
                f"papers must reach delegates {rules.papers_before_days} days before: open on {earliest} at the earliest",
            )
        if not state.agenda:
            raise InvalidInput("议程为空", "the agenda is empty")
        if rules.approval_secret_ballot:
            named = [
                i.no for i in state.agenda if i.kind is ItemKind.APPROVAL and not i.is_secret()
            ]
            if named:
                nos = "、".join(map(str, named))
                raise InvalidInput(
                    f"审议通过事项须无记名投票（上海条例第31条）：第 {nos} 项不能设为记名表决",
                    f"approval items are voted by secret ballot (SH §31): item(s) "
                    f"{', '.join(map(str, named))} cannot be named",
                )
        if state.kind is SessionKind.EXTRAORDINARY:
            need = rules.extraordinary_request_fraction
            count = len(set(state.requested_by))
            if not need.allows(min(count, total_delegates), total_delegates):
                raise InvalidInput(
                    f"临时会议须由{need.num}/{need.den}以上代表提议（现 {count}/{total_delegates}）",
                    f"an extraordinary session needs {need.num}/{need.den} of delegates ({count}/{total_delegates})",
                )
        state = state.model_copy(update={"status": SessionStatus.CONVENED, "version": 1})
        return cls._new(
            session_ledger_id(state.session_id), meta, state=state.model_dump(mode="json")
        )

    def open(self, meta: CommandMeta) -> None:
        """Open the session on or after its date."""
        precheck("open", meta.acting, self.s, today=meta.today())
        self._emit(self.Opened, meta)

    def decide_item(self, outcome: ItemOutcome, meta: CommandMeta) -> None:
        """Record an item's result (not for an item set aside)."""
        if self.s.status is not SessionStatus.OPEN:
            raise InvalidState("会议未在进行中", "the session is not open")
        self.s.item(outcome.item_no)
        if any(o.item_no == outcome.item_no and o.set_aside for o in self.s.outcomes):
            raise InvalidState("该议题已搁置", "this item was set aside")
        self._emit(self.ItemDecided, meta, outcome=outcome.model_dump())

    def set_aside(self, item_no: int, reason: str, meta: CommandMeta) -> None:
        """Set an undecided item aside, with a reason; a tally that comes later is ignored."""
        precheck("set_aside", meta.acting, self.s, today=meta.today())
        check_set_aside(self.s, item_no, reason)
        self._emit(self.ItemSetAside, meta, item_no=item_no, reason=reason.strip())

    def close(self, meta: CommandMeta, *, publication_due: Deadline | None = None) -> None:
        """Close the session: every item decided or set aside; publication falls due."""
        precheck("close", meta.acting, self.s, today=meta.today())
        self._emit(self.Closed, meta)
        if publication_due is not None:
            self._emit(
                self.PublicationDue,
                meta,
                due=publication_due.date,
                provisional=publication_due.provisional,
            )

    def flag_publication_overdue(self, meta: CommandMeta) -> None:
        """The results are still not published after their deadline."""
        s = self.s
        if s.status is SessionStatus.CLOSED and s.publication_due and not s.publication_overdue:
            if meta.today() <= s.publication_due:
                raise InvalidState("公布期限未到", "the publication is not yet due")
            self._emit(self.PublicationOverdue, meta)

    def publish(self, meta: CommandMeta, *, due: Deadline, reminder_on: date | None) -> None:
        """Publish the results to employees; the report to the higher union falls due."""
        precheck("publish", meta.acting, self.s, today=meta.today())
        self._emit(
            self.ResultsPublished,
            meta,
            published_on=meta.today(),
            report_due=due.date,
            report_due_provisional=due.provisional,
            report_reminder_on=reminder_on,
        )

    def remind_report(self, meta: CommandMeta) -> None:
        """Remind the unit before the report is due."""
        if self.s.status is SessionStatus.PUBLISHED and not self.s.report_reminded:
            self._emit(self.ReportReminded, meta)

    def flag_report_overdue(self, meta: CommandMeta) -> None:
        """The report to the higher union is late."""
        if self.s.status is SessionStatus.PUBLISHED and not self.s.report_overdue:
            if self.s.report_due is not None and meta.today() <= self.s.report_due:
                raise InvalidState("报告期限未到", "the report is not yet due")
            self._emit(self.ReportOverdue, meta)

    def report(self, meta: CommandMeta) -> None:
        """Report the session to the higher union (报上级工会)."""
        precheck("report", meta.acting, self.s, today=meta.today())
        self._emit(self.Reported, meta, reported_on=meta.today())


class CheckIn(LedgerAggregate):
    """A delegate's check-in at a session (代表签到)."""

    class Created(LedgerAggregate.Created):
        session_id: str
        delegate: str

        def apply(self, aggregate: CheckIn) -> None:
            aggregate.session_id = self.session_id
            aggregate.delegate = self.delegate

    def __init__(self, session_id: str, delegate: str) -> None:
        super().__init__()
        # Declared, not assigned: Created.apply sets them from the stored event.
        self.session_id: str
        self.delegate: str

    @classmethod
    def record(cls, session_id: str, delegate: str, meta: CommandMeta) -> CheckIn:
        """Record the check-in (by the delegate, or by a cadre at the desk)."""
        return cls._new(
            check_in_id(session_id, delegate), meta, session_id=session_id, delegate=delegate
        )


CHAIR: Label = ("主持会议", "chair the session")
DESK: Label = ("在签到处为代表签到", "check delegates in at the door")

# The status each of the chair's steps applies at, and the refusal at any other.
STEPS: dict[str, tuple[SessionStatus, Label]] = {
    "open": (SessionStatus.CONVENED, ("会议已开始或已结束", "the session is not waiting to open")),
    "open_poll": (SessionStatus.OPEN, ("会议未在进行中", "the session is not open")),
    "close_poll": (SessionStatus.OPEN, ("会议未在进行中", "the session is not open")),
    "set_aside": (SessionStatus.OPEN, ("会议未在进行中", "the session is not open")),
    "close": (SessionStatus.OPEN, ("会议未在进行中", "the session is not open")),
    "publish": (SessionStatus.CLOSED, ("闭会后才能公布结果", "publish after the session closes")),
    "report": (
        SessionStatus.PUBLISHED,
        ("结果公布后才能报告", "report after publishing the results"),
    ),
}


def precheck(kind: str, acting: Acting, view: SessionView, *, today: date) -> None:
    """Refuse a chair's step that this actor may not take now.

    The same rules guard the aggregate and the session workflow's update validators, so
    a refused step never reaches history.
    """
    if acting.role is not Role.SYSTEM:
        check_unit_cadre(acting, view.unit_org, CHAIR)
    status, refusal = STEPS[kind]
    if view.status is not status:
        raise InvalidState(*refusal)
    if kind == "close":
        undecided = [i.no for i in view.agenda if i.no not in {o.item_no for o in view.outcomes}]
        if undecided:
            nos = "、".join(str(n) for n in undecided)
            raise InvalidState(
                f"第 {nos} 项议题尚未表决：先表决，或说明理由搁置"
                f"（unionflow congress set-aside {view.session_id} 议题号 --reason …）",
                f"item(s) {', '.join(map(str, undecided))} not decided: vote on them, or set "
                f"them aside with a reason (unionflow congress set-aside {view.session_id} "
                "ITEM --reason …)",
            )
    if kind == "open" and today < view.opens_on:
        raise InvalidState(
            f"会议定于 {view.opens_on} 召开，不能提前开会",
            f"the session opens on {view.opens_on}, not earlier",
        )


REASON_MAX = 500


def check_set_aside(view: SessionView, item_no: int, reason: str) -> None:
    """Refuse setting aside an unknown or decided item, or without a reason."""
    view.item(item_no)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("搁置议题须说明理由", "setting an item aside needs a reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            f"理由不超过 {REASON_MAX} 字", f"the reason is at most {REASON_MAX} characters"
        )
    for o in view.outcomes:
        if o.item_no == item_no:
            raise InvalidState("该议题已表决或已搁置", "this item is already decided or set aside")
