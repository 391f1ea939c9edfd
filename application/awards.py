"""Award selection's ledger-side use cases: rounds, nominations, honours.

A round's nominations are high fan-in input (thousands of nominees, seven clearances
each, objections from anyone): people's acts on a nomination go straight to the ledger
here, never through the round's workflow, which only drives the round's phases and timers
and calls the paged steps below (``sweep``, ``enter_notice``, ``apply_committee_vote``,
``grant_honours``) through activities.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from application.award_definitions import AwardDefinitions
from application.award_facts import AwardFacts, record_honour
from application.calendar import CalendarSource
from application.command_meta import command_meta
from application.directory import DirectoryService
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role, system_acting
from domain.award import checks
from domain.award.aggregate import AwardRound, Nomination
from domain.award.commands import (
    CloseNotice,
    EnterFederationNotice,
    EscalateClearances,
    Nominate,
    NominationCommand,
    OpenRound,
    RecordCommitteeVote,
    RemindClearances,
    RoundCommand,
)
from domain.award.definition import FactKind
from domain.award.handlers import RoundFacts
from domain.award.permissions import COMMAND_LABELS, RULES, NominationFacts
from domain.award.values import (
    ClearanceStatus,
    NominationStage,
    NominationView,
    Nominee,
    NoticeLevel,
    RoundView,
    nomination_key,
    nomination_ledger_id,
    round_ledger_id,
)
from domain.congress import Body
from domain.errors import InvalidInput, NotFound
from domain.policies import check_unit_cadre
from domain.poll import PollKind, poll_id
from ledger.app import Ledger
from projections.views import ViewIndex
from settings import Settings

S = NominationStage

# The role a person acts in for each nomination command.
ROLE_OF: dict[str, Role] = {
    "unit_cadre": Role.CADRE,
    "sub_union_reviewer": Role.REVIEWER,
    "federation_reviewer": Role.REVIEWER,
    "notice_reviewer": Role.REVIEWER,
    "department": Role.DEPARTMENT,
}


class SweepResult(BaseModel):
    """What one page of the round's daily sweep did (small: it goes into history)."""

    examined: int
    notices_closed: int = 0
    reminded: int = 0
    escalated: int = 0
    more: bool = False


class Dashboard(BaseModel):
    """The round at a glance: places per sub-union, proportions, counts per stage."""

    round: RoundView
    places: list[checks.PlacesRow]
    shares: list[checks.ShareRow]
    stages: dict[str, int]


class FactCheck(BaseModel):
    """One disqualifier of the round checked against the ledger for a nominee's unit:
    whether the unit passes it and the fact (event) the answer rests on."""

    zh: str
    en: str
    source: str
    passes: bool
    rests_on: checks.FactRef | None  # None: the ledger holds no such fact
    why_zh: str = ""
    why_en: str = ""


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


class AwardService:
    """Rounds, nominations and the honours register in the ledger."""

    def __init__(
        self,
        ledger: Ledger,
        directory: DirectoryService,
        calendar: CalendarSource,
        facts: AwardFacts,
        settings: Settings,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.ledger = ledger
        self.directory = directory
        self.calendar = calendar
        self.facts = facts
        self.settings = settings
        self.definitions = AwardDefinitions(settings.award_definition_dir)
        self.clock = clock or (lambda: datetime.now(UTC))
        stores = settings.projection_dir
        self._rounds = ViewIndex(ledger, AwardRound, RoundView, store=stores / "award_rounds.db")
        self._nominations = ViewIndex(
            ledger, Nomination, NominationView, store=stores / "award_nominations.db"
        )

    # -- reading -----------------------------------------------------------------------

    def round(self, key: str) -> RoundView:
        """The round, from its index (as fresh as the ledger's head; shared: read it, do
        not change it): every act on a nomination reads its round, which changes seldom,
        and rebuilding it from the ledger each time (a deep copy of a round of 2,000)
        halved the acts/s of the first review."""
        found = self._rounds.get(round_ledger_id(key))
        if found is None:
            raise NotFound(f"评选 {key} 不存在", f"no selection round {key}")
        return found

    def rounds(self) -> list[RoundView]:
        return list(self._rounds.views())

    def nomination(self, key: str) -> NominationView:
        found = self.ledger.find(nomination_ledger_id(key))
        if found is None:
            raise NotFound(f"推荐 {key} 不存在", f"no nomination {key}")
        view: NominationView = found.view()
        return view

    def nominations(self, round_key: str) -> list[NominationView]:
        return [n for n in self._nominations.views() if n.round_key == round_key]

    def dashboard(self, round_key: str) -> Dashboard:
        r = self.round(round_key)
        noms = self.nominations(round_key)
        listed = [n.nominee for n in noms if n.in_list]
        stages: dict[str, int] = {}
        for n in noms:
            stages[n.stage.value] = stages.get(n.stage.value, 0) + 1
        return Dashboard(
            round=r,
            places=checks.places_report(r.definition, listed),
            shares=checks.shares_report(r.definition, listed),
            stages=stages,
        )

    def unit_names(self, nominations: list[NominationView]) -> dict[str, str]:
        """The names of the nominating units, as the notices print them."""
        codes = {n.nominee.unit_org for n in nominations}
        return {c: self.directory.organisation(c).spec.name for c in sorted(codes)}

    def what_if(self, key: str, *, remove: bool) -> list[checks.ShareChange]:
        """What keeping or removing this nominee does to the round's proportions."""
        n = self.nomination(key)
        r = self.round(n.round_key)
        listed = [x.nominee for x in self.nominations(n.round_key) if x.in_list]
        return checks.what_if(r.definition, listed, n.nominee, remove=remove)

    def fact_checks(self, key: str, today: date | None = None) -> list[FactCheck]:
        """The round's disqualifiers checked for this nominee's unit today, each naming
        the ledger fact it rests on (what ``submit`` checks, for the nominee's page)."""
        n = self.nomination(key)
        definition = self.round(n.round_key).definition
        on = today or china_day(self.clock())
        unit = self.facts.unit(n.nominee.unit_org, on)
        failing = {d.fact: d for d in checks.disqualifications(definition, unit, on)}
        held = {
            FactKind.NO_WAGE_CONTRACT_IN_FORCE: unit.wage_contract_in_force,
            FactKind.NO_CONGRESS_IN_TERM: unit.congress_in_term,
        }
        found = []
        for rule in definition.disqualifiers:
            d = failing.get(rule.fact)
            found.append(
                FactCheck(
                    zh=rule.zh,
                    en=rule.en,
                    source=rule.source,
                    passes=d is None,
                    rests_on=d.rests_on if d else held.get(rule.fact),
                    why_zh=d.why_zh if d else "",
                    why_en=d.why_en if d else "",
                )
            )
        return found

    # -- people's acts -----------------------------------------------------------------

    def open_round(
        self,
        actor: str,
        c: OpenRound,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> RoundView:
        """A federation's cadre opens a round of a definition."""
        acting = self.directory.acting(actor, Role.CADRE)
        definition = self.definitions.get(c.definition)
        departments = {
            a.spec.id for a in self.directory.actors() if Role.DEPARTMENT in a.spec.roles
        }
        meta = self._meta(
            acting, comment, command_id, ["open_round", c.model_dump(mode="json")], now
        )
        today = china_day(meta.occurred_at)
        result = self.ledger.execute(
            round_ledger_id(c.round_key),
            meta,
            create=lambda: AwardRound.open(c, definition, acting.org_id, departments, meta, today),
        )
        view: RoundView = result.aggregate.view()
        return view

    def nominate(
        self,
        actor: str,
        round_key: str,
        nominee: Nominee,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> NominationView:
        """The unit's cadre enters a nominee in the round."""
        acting = self.directory.acting(actor, Role.CADRE)
        # Before the ledger: a nomination already there is returned as it is, and only
        # its unit's cadre may have it back.
        check_unit_cadre(acting, nominee.unit_org, COMMAND_LABELS["nominate"])
        r = self.round(round_key)
        unit = self.directory.organisation(nominee.unit_org)
        if nominee.sub_union not in list(unit.path)[:-1]:
            raise InvalidInput(
                f"{nominee.unit_org} 不属于 {nominee.sub_union}",
                f"{nominee.unit_org} is not under {nominee.sub_union}",
            )
        key = nomination_key(round_key, nominee.unit_org, nominee.person)
        meta = self._meta(acting, comment, command_id, ["nominate", key], now)
        today = china_day(meta.occurred_at)
        result = self.ledger.execute(
            nomination_ledger_id(key),
            meta,
            create=lambda: Nomination.nominate(Nominate(nominee=nominee), r, meta, today),
        )
        view: NominationView = result.aggregate.view()
        return view

    def act(
        self,
        actor: str,
        key: str,
        command: NominationCommand,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> NominationView:
        """A person's act on a nomination (review, clearance, objection, the unit's steps)."""
        who = RULES[command.kind][0]
        if who == "system":
            raise InvalidInput("此步骤由系统执行", "the engine takes this step")
        if who == "anyone":
            record = self.directory.actor(actor)
            acting = self.directory.acting(actor, record.spec.roles[0])
        else:
            acting = self.directory.acting(actor, ROLE_OF[who])
        operation = ["nomination", key, command.model_dump(mode="json")]
        return self._run(key, command, self._meta(acting, comment, command_id, operation, now))

    def round_act(
        self,
        actor: str,
        round_key: str,
        command: RoundCommand,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> RoundView:
        """A federation cadre's act on the round (start the notice, publish the list)."""
        acting = self.directory.acting(actor, Role.CADRE)
        meta = self._meta(
            acting, comment, command_id, ["round", round_key, command.model_dump(mode="json")], now
        )
        return self.run_round(round_key, command, meta)

    # -- the engine's steps (called by the round's activities) ---------------------------

    def system_round_step(
        self, round_key: str, command: RoundCommand, step_id: str, now: datetime
    ) -> RoundView:
        meta = CommandMeta(command_id=step_id, acting=system_acting(), occurred_at=now)
        return self.run_round(round_key, command, meta)

    def sweep(
        self, round_key: str, now: datetime, *, after: str = "", page: int = 500
    ) -> tuple[SweepResult, str]:
        """One page of the daily sweep: close notices that have run, remind departments
        whose clearance falls due within the definition's days, escalate late ones.
        Returns what it did and the last key examined (for the next page)."""
        r = self.round(round_key)
        today = china_day(now)
        todo = sorted(
            (
                n
                for n in self.nominations(round_key)
                if n.key > after and n.stage not in (S.REMOVED, S.WITHDRAWN, S.APPROVED)
            ),
            key=lambda n: n.key,
        )
        batch = todo[:page]
        result = SweepResult(examined=len(batch), more=len(todo) > page)
        remind_from = r.definition.timeline.clearance_reminder_working_days
        for n in batch:
            for level in (NoticeLevel.UNIT, NoticeLevel.SUB_UNION, NoticeLevel.FEDERATION):
                notice = n.notice(level)
                if notice and not notice.closed and today > notice.ends and not n.open_objections():
                    self._system(
                        n.key, CloseNotice(level=level), f"sweep:{n.key}:close:{level.value}", now
                    )
                    result.notices_closed += 1
            if n.stage is S.CLEARANCES:
                pending = [c for c in n.clearances if c.status is ClearanceStatus.PENDING]
                soon = [
                    c
                    for c in pending
                    if not c.reminded
                    and self.calendar.current().count_working_days(today, c.due) <= remind_from
                ]
                if soon:
                    self._system(n.key, RemindClearances(), f"sweep:{n.key}:remind:{today}", now)
                    result.reminded += 1
                if any(today > c.due and not c.escalated for c in pending):
                    self._system(
                        n.key, EscalateClearances(), f"sweep:{n.key}:escalate:{today}", now
                    )
                    result.escalated += 1
        return result, (batch[-1].key if batch else after)

    def enter_notice(
        self, round_key: str, now: datetime, *, after: str = "", page: int = 500
    ) -> tuple[int, str, bool]:
        """One page of nominations entering the federation's notice the round started."""
        todo = sorted(
            (n for n in self.nominations(round_key) if n.stage is S.RECOMMENDED and n.key > after),
            key=lambda n: n.key,
        )
        for n in todo[:page]:
            self._system(n.key, EnterFederationNotice(), f"enter-notice:{n.key}", now)
        last = todo[:page][-1].key if todo[:page] else after
        return len(todo[:page]), last, len(todo) > page

    def apply_committee_vote(self, round_key: str, poll_key: str, now: datetime) -> int:
        """Each nominee waiting for the committee: approved when the committee's secret
        election (a tallied poll of a committee term of the round's federation, whose
        candidates are the nominations in the notice) elected them."""
        r = self.round(round_key)
        waiting = [n for n in self.nominations(round_key) if n.stage is S.COMMITTEE]
        aggregate = self.ledger.find(poll_id(poll_key))
        if aggregate is None or aggregate.view().result is None:
            raise InvalidInput(
                f"评审委员会表决 {poll_key} 尚未计票", f"poll {poll_key} is not tallied"
            )
        poll = aggregate.view()
        term = self.facts.congresses.view(poll.spec.congress_key)
        if term.body is not Body.COMMITTEE or term.unit_org != r.federation_org:
            raise InvalidInput(
                f"表决 {poll_key} 不是 {r.federation_org} 评审委员会的表决",
                f"poll {poll_key} is not a poll of {r.federation_org}'s committee",
            )
        missing = [n.key for n in waiting if n.key not in poll.spec.candidates]
        if poll.spec.kind is not PollKind.ELECTION or missing:
            raise InvalidInput(
                f"表决 {poll_key} 须为以公示名单为候选人的选举（缺少：{', '.join(missing[:5])}）",
                f"poll {poll_key} must be an election of the noticed nominations "
                f"(missing: {', '.join(missing[:5])})",
            )
        result = poll.result
        for n in waiting:
            votes = f"得票 {result.counts.get(n.key, 0)}（应到 {result.total_delegates}）"
            command = RecordCommitteeVote(approved=n.key in result.elected, votes=votes)
            self._system(n.key, command, f"committee:{n.key}:{poll_key}", now)
        return len(waiting)

    def grant_honours(self, round_key: str, now: datetime) -> int:
        """Every title of the approved list entered in the honours register (once)."""
        r = self.round(round_key)
        granted = 0
        for key in r.final_list:
            person = self.nomination(key).nominee.person
            self._grant(r, person, now)
            granted += 1
        return granted

    # -- inside -------------------------------------------------------------------------

    def _grant(self, r: RoundView, person: str, now: datetime) -> None:
        meta = CommandMeta(
            command_id=f"honour:{r.key}:{person}", acting=system_acting(), occurred_at=now
        )
        on = china_day(now)
        record_honour(
            self.ledger,
            person,
            lambda register: register.grant(r.definition, r.key, on, meta),
            meta,
        )

    def _system(
        self, key: str, command: NominationCommand, step_id: str, now: datetime
    ) -> NominationView:
        meta = CommandMeta(command_id=step_id, acting=system_acting(), occurred_at=now)
        return self._run(key, command, meta)

    def _run(self, key: str, command: NominationCommand, meta: CommandMeta) -> NominationView:
        n = self.nomination(key)
        r = self.round(n.round_key)
        today = china_day(meta.occurred_at)
        facts = self._facts_for(n, r, command, today)
        result = self.ledger.execute(
            nomination_ledger_id(key), meta, lambda agg: agg.handle(command, meta, today, facts)
        )
        view: NominationView = result.aggregate.view()
        return view

    def run_round(self, round_key: str, command: RoundCommand, meta: CommandMeta) -> RoundView:
        """Run one round command with the meta given (an activity's, or a person's)."""
        today = china_day(meta.occurred_at)
        r = self.round(round_key)
        notice_ends = None
        if command.kind == "start_notice":
            notice_ends = self._notice_ends(r, command.starts)
        noms = self.nominations(round_key)
        facts = RoundFacts(
            nominations=noms, notice_ends=notice_ends, unit_names=self.unit_names(noms)
        )
        result = self.ledger.execute(
            round_ledger_id(round_key), meta, lambda agg: agg.handle(command, meta, today, facts)
        )
        view: RoundView = result.aggregate.view()
        return view

    def _notice_ends(self, r: RoundView, starts: date) -> date:
        """The last day of a notice starting on ``starts``: its working days on the
        statutory calendar, ``starts`` counted when it is a working day."""
        days = r.definition.timeline.notice_working_days
        return self.calendar.current().add_working_days(starts - timedelta(days=1), days).date

    def _facts_for(
        self, n: NominationView, r: RoundView, command: Any, today: date
    ) -> NominationFacts:
        facts = NominationFacts(round=r)
        kind = command.kind
        if kind in ("unit_notice", "first_review"):
            starts = getattr(command, "starts", today)
            facts.notice_ends = self._notice_ends(r, starts)
        if kind == "close_notice":
            facts.clearance_due = (
                self.calendar.current()
                .add_working_days(today, r.definition.timeline.clearance_working_days)
                .date
            )
        if kind == "congress_approval":
            facts.poll = self.facts.approval_poll(command.poll)
        if kind == "submit":
            facts.in_round = [x.nominee for x in self.nominations(r.key) if x.in_list]
            facts.disqualified = checks.disqualifications(
                r.definition, self.facts.unit(n.nominee.unit_org, today), today
            )
            facts.honours = self.facts.honours(n.nominee.person)
        return facts

    def _meta(
        self,
        acting: Acting,
        comment: str,
        command_id: str | None,
        operation: object,
        now: datetime | None = None,
    ) -> CommandMeta:
        return command_meta("award", acting, operation, comment, command_id, now or self.clock())
