"""The aggregates of award selection: a round, each nomination, each person's honours.

A round holds its definition (recorded whole), stage, notice and final list; each nominee
is a nomination of its own, so neither the round's events nor its workflow's history grow
with the number of nominees. The honours register (one record per person) is fed by
every title granted and read by the next round's checks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.actors import CommandMeta
from domain.award.checks import HonourHeld
from domain.award.commands import Nominate, NominationCommand, OpenRound, RoundCommand
from domain.award.definition import AwardDefinition, Level
from domain.award.handlers import HANDLERS, ROUND_HANDLERS, RoundFacts
from domain.award.permissions import (
    ROUND_LABELS,
    NominationFacts,
    precheck,
    round_precheck,
)
from domain.award.values import (
    ClearanceState,
    ClearanceStatus,
    NominationStage,
    NominationView,
    Notice,
    NoticeLevel,
    Objection,
    ObjectionStatus,
    Review,
    RoundStage,
    RoundView,
    honours_ledger_id,
    nomination_key,
    nomination_ledger_id,
    round_ledger_id,
)
from domain.base import ChangesView, CreatesView, LedgerAggregate, ViewState
from domain.errors import InvalidInput, InvalidState
from domain.policies import check_unit_cadre

S = NominationStage


class Nomination(ViewState[NominationView], LedgerAggregate):
    """One nominee of a selection round, from the unit's agreement to the committee's vote."""

    KIND = "award_nomination"
    VIEW = NominationView

    class Created(CreatesView, LedgerAggregate.Created):
        """The unit's cadre nominated the person (or collective)."""

        state: dict[str, Any]

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below: each carries only its own facts."""

    class JointAgreementRecorded(Changed):
        record: str

        def evolve(self, s: NominationView) -> None:
            s.joint_agreement = self.record

    class CongressApprovalRecorded(Changed):
        poll: str
        summary: str

        def evolve(self, s: NominationView) -> None:
            s.congress_poll, s.congress_votes = self.poll, self.summary

    class NoticePosted(Changed):
        level: NoticeLevel
        starts: date
        ends: date
        list_hash: str

        def evolve(self, s: NominationView) -> None:
            s.notices.append(
                Notice(
                    level=self.level, starts=self.starts, ends=self.ends, list_hash=self.list_hash
                )
            )
            if self.level == NoticeLevel.SUB_UNION:
                s.stage = S.FIRST_NOTICE
            elif self.level == NoticeLevel.FEDERATION:
                s.stage = S.FEDERATION_NOTICE

    class NoticeClosed(Changed):
        level: NoticeLevel

        def evolve(self, s: NominationView) -> None:
            notice = s.notice(self.level)
            assert notice is not None
            notice.closed = True
            if self.level == NoticeLevel.SUB_UNION:
                s.stage = S.SECOND_REVIEW  # unless clearances are requested next
            elif self.level == NoticeLevel.FEDERATION:
                s.stage = S.COMMITTEE

    class Submitted(Changed):
        sub_union: str
        places_used: int
        places: int

        def evolve(self, s: NominationView) -> None:
            s.stage = S.SUBMITTED

    class Reviewed(Changed):
        first: bool
        passed: bool
        opinion: str
        on: date

        def evolve(self, s: NominationView) -> None:
            s.reviews.append(
                Review(
                    reviewer=self.actor["id"], passed=self.passed, opinion=self.opinion, on=self.on
                )
            )
            if self.passed and not self.first:
                s.stage = S.RECOMMENDED

    class ClearancesRequested(Changed):
        clearances: list[dict[str, Any]]

        def evolve(self, s: NominationView) -> None:
            s.clearances = [ClearanceState.model_validate(c) for c in self.clearances]
            if s.clearances:
                s.stage = S.CLEARANCES

    class ClearanceGiven(Changed):
        key: str
        clear: bool
        opinion: str
        on: date

        def evolve(self, s: NominationView) -> None:
            for c in s.clearances:
                if c.key == self.key:
                    c.status = ClearanceStatus.CLEAR if self.clear else ClearanceStatus.NEGATIVE
                    c.opinion, c.answered_on = self.opinion, self.on
            if all(c.status is ClearanceStatus.CLEAR for c in s.clearances):
                s.stage = S.SECOND_REVIEW

    class ClearancesReminded(Changed):
        keys: list[str]

        def evolve(self, s: NominationView) -> None:
            for c in s.clearances:
                if c.key in self.keys:
                    c.reminded = True

    class ClearancesEscalated(Changed):
        keys: list[str]
        to: str

        def evolve(self, s: NominationView) -> None:
            for c in s.clearances:
                if c.key in self.keys:
                    c.escalated = True

    class ObjectionFiled(Changed):
        no: int
        notice: NoticeLevel
        filed_on: date
        name: str
        contact: str
        substance: str
        anonymous: bool

        def evolve(self, s: NominationView) -> None:
            s.objections.append(
                Objection(
                    no=self.no,
                    notice=self.notice,
                    filed_on=self.filed_on,
                    name=self.name,
                    contact=self.contact,
                    substance=self.substance,
                    anonymous=self.anonymous,
                )
            )

    class ObjectionResolved(Changed):
        no: int
        upheld: bool
        findings: str
        on: date

        def evolve(self, s: NominationView) -> None:
            for o in s.objections:
                if o.no == self.no:
                    o.status = ObjectionStatus.UPHELD if self.upheld else ObjectionStatus.DISMISSED
                    o.findings, o.investigator, o.resolved_on = (
                        self.findings,
                        self.actor["id"],
                        self.on,
                    )

    class Removed(Changed):
        """Out of the round: a review, a clearance, an upheld objection or the vote."""

        reason: str
        by: str  # "first_review", "clearance:tax", "objection:2", "committee", …

        def evolve(self, s: NominationView) -> None:
            s.stage = S.REMOVED
            s.removed_reason, s.removed_by = self.reason, self.by

    class Withdrawn(Changed):
        reason: str

        def evolve(self, s: NominationView) -> None:
            s.stage = S.WITHDRAWN
            s.withdrawn_reason = self.reason

    class CommitteeVoted(Changed):
        approved: bool
        votes: str

        def evolve(self, s: NominationView) -> None:
            if self.approved:
                s.stage = S.APPROVED

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        self.s = NominationView.model_validate(state)

    @classmethod
    def nominate(
        cls, c: Nominate, round_view: RoundView, meta: CommandMeta, today: date
    ) -> Nomination:
        """The unit's cadre nominates; refused outside the round's nominating period, for a
        sub-union without places or a category the definition does not know."""
        nominee = c.nominee
        check_unit_cadre(meta.acting, nominee.unit_org, ("推荐候选人", "nominate"))
        if round_view.stage is not RoundStage.NOMINATING or today > round_view.nominations_close:
            raise InvalidState(
                f"评选“{round_view.title}”不在推荐期内", f"the round '{round_view.title}' is closed"
            )
        definition = round_view.definition
        if nominee.sub_union not in definition.places:
            raise InvalidInput(
                f"{nominee.sub_union} 在本次评选中没有推荐名额",
                f"{nominee.sub_union} has no places in this round",
            )
        if definition.category(nominee.category) is None:
            known = "、".join(t.code for t in definition.categories)
            raise InvalidInput(
                f"类别 {nominee.category} 不在评选办法中（可选：{known}）",
                f"unknown category {nominee.category} (one of: {known})",
            )
        unknown = [f for f in nominee.flags if definition.flag(f) is None]
        if unknown:
            raise InvalidInput(f"未知标记：{', '.join(unknown)}", f"unknown flags: {unknown}")
        key = nomination_key(round_view.key, nominee.unit_org, nominee.person)
        view = NominationView(
            key=key,
            round_key=round_view.key,
            definition_key=definition.key,
            nominee=nominee,
            nominated_by=meta.acting.actor_id,
        )
        return cls._new(nomination_ledger_id(key), meta, state=view.model_dump(mode="json"))

    def handle(
        self,
        command: NominationCommand,
        meta: CommandMeta,
        today: date,
        facts: NominationFacts,
    ) -> None:
        """Run one command: the shared precheck, then its handler."""
        precheck(
            command.kind,
            meta.acting,
            self.s,
            facts.round,
            objection_no=getattr(command, "no", None),
            clearance_key=getattr(command, "key", None),
        )
        HANDLERS[type(command)](self, command, meta, today, facts)


class AwardRound(ViewState[RoundView], LedgerAggregate):
    """A selection round of one definition, run by a federation."""

    KIND = "award_round"
    VIEW = RoundView

    class Created(CreatesView, LedgerAggregate.Created):
        """The federation's cadre opened the round (its definition recorded whole)."""

        state: dict[str, Any]

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below."""

    class NominationsClosed(Changed):
        submitted: int

        def evolve(self, s: RoundView) -> None:
            s.stage = RoundStage.REVIEWING

    class NoticeStarted(Changed):
        """The federation's notice of the list (its rows committed by ``list_hash``)."""

        starts: date
        ends: date
        list_hash: str
        names: list[str]

        def evolve(self, s: RoundView) -> None:
            s.notice = Notice(
                level=NoticeLevel.FEDERATION,
                starts=self.starts,
                ends=self.ends,
                list_hash=self.list_hash,
            )
            s.noticed = list(self.names)
            s.stage = RoundStage.FEDERATION_NOTICE

    class NoticeClosed(Changed):
        def evolve(self, s: RoundView) -> None:
            assert s.notice is not None
            s.notice.closed = True
            s.stage = RoundStage.COMMITTEE

    class ListApproved(Changed):
        committee_poll: str
        result: str
        final_list: list[str]
        final_hash: str

        def evolve(self, s: RoundView) -> None:
            s.committee_poll, s.committee_result = self.committee_poll, self.result
            s.final_list, s.final_hash = list(self.final_list), self.final_hash
            s.stage = RoundStage.APPROVED

    class Published(Changed):
        channel: str
        decision: str
        on: date

        def evolve(self, s: RoundView) -> None:
            s.published_on, s.published_channel = self.on, f"{self.decision} · {self.channel}"
            s.stage = RoundStage.PUBLISHED

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        self.s = RoundView.model_validate(state)

    @classmethod
    def open(
        cls,
        c: OpenRound,
        definition: AwardDefinition,
        federation_org: str,
        department_actors: set[str],
        meta: CommandMeta,
        today: date,
    ) -> AwardRound:
        """A federation's cadre opens a round; every clearance of the definition must name a
        department actor of the directory (``department_actors``)."""
        check_unit_cadre(meta.acting, federation_org, ROUND_LABELS["open"])
        if c.nominations_close < today:
            raise InvalidInput("推荐截止日不能早于今天", "nominations cannot close in the past")
        missing = [x.key for x in definition.clearances if x.key not in c.departments]
        if missing:
            raise InvalidInput(
                f"须为以下征求意见部门指定人员：{', '.join(missing)}",
                f"name a department actor for: {', '.join(missing)}",
            )
        extra = [k for k in c.departments if definition.clearances and k not in
                 {x.key for x in definition.clearances}]  # fmt: skip
        unknown = [a for a in c.departments.values() if a not in department_actors]
        if extra or unknown:
            raise InvalidInput(
                f"部门指定有误：{', '.join(extra + unknown)}",
                f"unknown clearance keys or department actors: {', '.join(extra + unknown)}",
            )
        view = RoundView(
            key=c.round_key,
            federation_org=federation_org,
            title=c.title,
            definition=definition,
            departments=dict(c.departments),
            opened_by=meta.acting.actor_id,
            nominations_close=c.nominations_close,
        )
        return cls._new(round_ledger_id(c.round_key), meta, state=view.model_dump(mode="json"))

    def handle(
        self, command: RoundCommand, meta: CommandMeta, today: date, facts: RoundFacts
    ) -> None:
        round_precheck(command.kind, meta.acting, self.s)
        ROUND_HANDLERS[type(command)](self, command, meta, today, facts)


class Honours(LedgerAggregate):
    """The honours register of one person (or collective): every title granted to them."""

    KIND = "honours"

    class Created(LedgerAggregate.Created):
        person: str

        def apply(self, aggregate: Honours) -> None:
            aggregate.person = self.person

    class Granted(LedgerAggregate.Event):
        title: str
        title_zh: str
        level: Level
        round_key: str
        granted_on: date

        def apply(self, aggregate: Honours) -> None:
            aggregate.held.append(
                HonourHeld(
                    title=self.title,
                    title_zh=self.title_zh,
                    level=self.level,
                    round_key=self.round_key,
                    granted_on=self.granted_on,
                )
            )

    def __init__(self, person: str) -> None:
        super().__init__()
        self.person = person
        self.held: list[HonourHeld] = []

    @classmethod
    def start(cls, person: str, meta: CommandMeta) -> Honours:
        return cls._new(honours_ledger_id(person), meta, person=person)

    def grant(
        self, definition: AwardDefinition, round_key: str, on: date, meta: CommandMeta
    ) -> None:
        """Record a title granted by a round; the same title and level only once."""
        self.grant_title(definition.key, definition.zh, definition.level, round_key, on, meta)

    def grant_title(
        self, title: str, title_zh: str, level: Level, round_key: str, on: date, meta: CommandMeta
    ) -> None:
        """A title at a level granted by a round (an award round's, or a contest award
        category's); the same title and level only once."""
        if any(h.title == title and h.level is level for h in self.held):
            raise InvalidState("同一荣誉不重复授予", "the same title is not granted twice")
        self._emit(
            self.Granted,
            meta,
            title=title,
            title_zh=title_zh,
            level=level,
            round_key=round_key,
            granted_on=on,
        )
