"""Contests' ledger-side use cases: rounds, entries, self-assessments, judges, score sheets,
vetoes and the ranking (its notice and objections: ``contest_notice``). Score sheets are high fan-in input (1,000 entries × 5 judges): each goes straight to the
ledger here, once per judge and entry (its id is derived from both), never through a
round's workflow. ``rank`` computes the ranking from the sheets in the ledger and records
it with the hash of its inputs; ``recompute`` does the same without writing, so anyone with
the ledger can check the published ranking.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from application.award_facts import AwardFacts
from application.command_meta import command_meta
from application.contest_definitions import ContestDefinitions
from application.contest_inputs import (
    AssignReport,
    JudgeProgress,
    JudgeRow,
    OpenContestRound,
    Recomputed,
    Registration,
    china_day,
    entrant_facts,
    held_titles,
    ranking_inputs,
)
from application.directory import DirectoryService
from application.safety import SafetyService
from domain.actors import Acting, CommandMeta, Role
from domain.contest.aggregate import ContestEntry, ContestRound, ScoreSheet, conflict_reason
from domain.contest.definition import Conflict, Entrant
from domain.contest.scoring import EntryInput, SheetInput, rank
from domain.contest.values import (
    EntryStatus,
    EntryView,
    Marks,
    Ranking,
    Recusal,
    RoundView,
    SheetStatus,
    SheetView,
    VetoHit,
    entry_key,
    entry_ledger_id,
    round_ledger_id,
    sheet_key,
    sheet_ledger_id,
)
from domain.errors import InvalidInput, InvalidState, NotFound
from ledger.app import Ledger
from projections.views import ViewIndex
from settings import Settings


class ContestService:
    """Contest rounds, their entries and score sheets in the ledger."""

    def __init__(
        self,
        ledger: Ledger,
        directory: DirectoryService,
        safety: SafetyService,
        facts: AwardFacts,
        settings: Settings,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.ledger = ledger
        self.directory = directory
        self.safety = safety
        self.facts = facts
        self.definitions = ContestDefinitions(settings.contest_definition_dir)
        self.clock = clock or (lambda: datetime.now(UTC))
        stores = settings.projection_dir
        self._rounds = ViewIndex(
            ledger, ContestRound, RoundView, store=stores / "contest_rounds.db"
        )
        by_round: Callable[[EntryView | SheetView], list[str]] = lambda v: [v.round_key]  # noqa: E731
        self._entries = ViewIndex(
            ledger, ContestEntry, EntryView, store=stores / "contest_entries.db", groups=by_round
        )
        self._sheets = ViewIndex(
            ledger, ScoreSheet, SheetView, store=stores / "contest_sheets.db", groups=by_round
        )

    # -- reading -----------------------------------------------------------------------

    def round(self, key: str) -> RoundView:
        """The round from its index (as fresh as the ledger's head; shared: read it, do not
        change it): every sheet reads it, and rebuilding it each time cost most of a sheet."""
        found = self._rounds.get(round_ledger_id(key))
        if found is None:
            raise NotFound(f"竞赛轮次 {key} 不存在", f"no contest round {key}")
        return found

    def rounds(self) -> list[RoundView]:
        return list(self._rounds.views())

    def entry(self, key: str) -> EntryView:
        """An entry by its key (``ROUND:ENTRANT``) or, as a blind judge knows it, by
        ``ROUND:CODE``."""
        found = self.ledger.find(entry_ledger_id(key))
        if found is not None:
            view: EntryView = found.view()
            return view
        round_key, _, code = key.rpartition(":")
        coded = [e for e in self.entries(round_key) if e.code == code] if round_key else []
        if len(coded) != 1:
            raise NotFound(f"参评对象 {key} 不存在", f"no entry {key}")
        return coded[0]

    def entries(self, round_key: str) -> list[EntryView]:
        return list(self._entries.views_in(round_key))

    def sheets(self, round_key: str) -> list[SheetView]:
        return list(self._sheets.views_in(round_key))

    def sheet(self, entry: str, judge: str) -> SheetView | None:
        found = self.ledger.find(sheet_ledger_id(sheet_key(entry, judge)))
        return found.view() if found is not None else None

    def assigned(self, judge: str, round_key: str) -> list[JudgeRow]:
        """The judge's entries (only assigned, non-conflicting ones); where judging is blind
        the judge knows an entry only as ``ROUND:CODE``, never by the entrant."""
        r = self.round(round_key)
        org = self.directory.actor(judge).spec.org
        sheets = {s.entry: s.status for s in self.sheets(round_key) if s.judge == judge}
        blind = r.definition.judging.blind
        return [
            JudgeRow(
                entry=f"{r.key}:{e.code}" if blind else e.key,
                code=e.code,
                name="" if blind else e.name,
                sheet=sheets.get(e.key),
            )
            for e in self.entries(round_key)
            if judge in e.judges and conflict_reason(r, e, judge, org) is None
        ]

    def progress(self, round_key: str) -> list[JudgeProgress]:
        """Judging progress per judge: entries assigned and sheets counted."""
        assigned: dict[str, int] = {}
        for e in self.entries(round_key):
            for j in e.judges:
                assigned[j] = assigned.get(j, 0) + 1
        done: dict[str, int] = {}
        for s in self.sheets(round_key):
            if s.status is SheetStatus.SUBMITTED:
                done[s.judge] = done.get(s.judge, 0) + 1
        return [
            JudgeProgress(judge=j, assigned=n, submitted=done.get(j, 0))
            for j, n in sorted(assigned.items())
        ]

    def laggards(self, round_key: str) -> list[EntryView]:
        """Entries still without a self-assessment (for reminders)."""
        return [e for e in self.entries(round_key) if e.status is EntryStatus.REGISTERED]

    # -- the organiser -----------------------------------------------------------------

    def open_round(
        self,
        actor: str,
        c: OpenContestRound,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> RoundView:
        """A union's cadre opens a round of a definition's stage."""
        acting = self.directory.acting(actor, Role.CADRE)
        definition = self.definitions.get(c.definition)
        previous = self.round(c.previous_round) if c.previous_round else None
        meta = self._meta(acting, ["open", c.model_dump(mode="json")], comment, command_id, now)
        salt = secrets.token_hex(16)
        result = self.ledger.execute(
            round_ledger_id(c.round_key),
            meta,
            create=lambda: ContestRound.open(
                key=c.round_key,
                title=c.title,
                definition=definition,
                stage=c.stage,
                year=c.year,
                registration_closes=c.registration_closes,
                self_assessment_closes=c.self_assessment_closes,
                ranks_on=c.ranks_on,
                previous=previous,
                salt=salt,
                meta=meta,
            ),
        )
        if not result.applied and not result.aggregate.has_applied(meta.command_id):
            raise InvalidState(f"竞赛轮次 {c.round_key} 已存在", f"round {c.round_key} exists")
        view: RoundView = result.aggregate.view()
        return view

    def close_registration(
        self, actor: str, round_key: str, *, command_id: str | None = None,
        now: datetime | None = None,
    ) -> RoundView:  # fmt: skip
        """Registration closes: self-assessment next, or judging when there is none."""
        return self._round_act(
            actor, round_key, "close_registration", lambda a, m: a.close_registration(m),
            command_id=command_id, now=now,
        )  # fmt: skip

    def start_judging(
        self, actor: str, round_key: str, *, command_id: str | None = None,
        now: datetime | None = None,
    ) -> RoundView:  # fmt: skip
        """Self-assessment closes (entries not admitted stay out) and judging starts."""
        return self._round_act(
            actor, round_key, "start_judging", lambda a, m: a.start_judging(m),
            command_id=command_id, now=now,
        )  # fmt: skip

    def declare_conflict(
        self, actor: str, round_key: str, conflict: Conflict, *, comment: str = "",
        command_id: str | None = None, now: datetime | None = None,
    ) -> RoundView:  # fmt: skip
        """The organiser records a conflict of interest; no command removes one."""
        return self._round_act(
            actor, round_key, ["conflict", conflict.model_dump()],
            lambda a, m: a.declare_conflict(conflict, m),
            comment=comment, command_id=command_id, now=now,
        )  # fmt: skip

    def assign_judges(
        self,
        actor: str,
        entry: str,
        judges: list[str],
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> EntryView:
        """Named judges for one entry; a judge who must recuse refuses the assignment."""
        acting = self.directory.acting(actor, Role.CADRE)
        e = self.entry(entry)
        r = self.round(e.round_key)
        candidates = [(j, self._judge_org(j)) for j in judges]
        meta = self._meta(acting, ["assign", entry, judges], comment, command_id, now)
        result = self.ledger.execute(
            entry_ledger_id(entry), meta, lambda a: a.assign(r, candidates, meta, strict=True)
        )
        view: EntryView = result.aggregate.view()
        return view

    def assign_pool(
        self,
        actor: str,
        round_key: str,
        pool: list[str],
        *,
        now: datetime | None = None,
        command_id: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> AssignReport:
        """Judges from a pool for every admitted entry still short of judges, turn by turn
        so the work spreads; judges who must recuse are recorded and skipped. ``progress``
        hears (entries done, entries to do)."""
        acting = self.directory.acting(actor, Role.CADRE)
        r = self.round(round_key)
        orgs = [(j, self._judge_org(j)) for j in dict.fromkeys(pool)]
        if not orgs:
            raise InvalidInput("评委库为空", "the judge pool is empty")
        need = r.definition.judging.judges_per_entry
        report = AssignReport(entries=0, assigned=0, recusals=[], short=[])
        base = command_id or f"pool:{uuid.uuid4()}"
        todo = [
            e
            for e in self.entries(round_key)
            if e.status is EntryStatus.ADMITTED and len(e.judges) < need
        ]
        for i, e in enumerate(todo):
            if progress is not None:
                progress(i, len(todo))
            turn = (i * need) % len(orgs)
            candidates = orgs[turn:] + orgs[:turn]
            meta = self._meta(acting, ["pool", e.key, pool], "", f"{base}:{e.key}", now)
            try:
                result = self.ledger.execute(
                    entry_ledger_id(e.key), meta, _assigning(r, candidates, meta)
                )
            except InvalidState:
                report.short.append(e.key)
                continue
            v: EntryView = result.aggregate.view()
            report.entries += 1
            report.assigned += len(v.judges) - len(e.judges)
            report.recusals += [
                (e.key, x.judge, x.reason) for x in v.recusals if x not in e.recusals
            ]
            if len(v.judges) < need:
                report.short.append(e.key)
        return report

    # -- entrants ----------------------------------------------------------------------

    def register(
        self,
        actor: str,
        round_key: str,
        reg: Registration,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> EntryView:
        """A cadre registers a unit (or a person of a unit) in the window."""
        acting = self.directory.acting(actor, Role.CADRE)
        r = self.round(round_key)
        if r.definition.entrant is Entrant.UNIT:
            unit = self.directory.organisation(reg.unit_org or reg.entrant)
            unit_org, name = unit.spec.code, unit.spec.name
        else:
            if reg.unit_org is None or reg.name is None:
                raise InvalidInput(
                    "个人参赛须给出姓名和所在单位", "a person needs a name and a unit"
                )
            unit_org, name = self.directory.organisation(reg.unit_org).spec.code, reg.name
        key = entry_key(round_key, reg.entrant)
        meta = self._meta(acting, ["register", key, reg.model_dump()], comment, command_id, now)
        result = self.ledger.execute(
            entry_ledger_id(key),
            meta,
            create=lambda: ContestEntry.register(
                r,
                entrant=reg.entrant,
                name=name,
                unit_org=unit_org,
                category=reg.category,
                meta=meta,
            ),
        )
        if not result.applied and not result.aggregate.has_applied(meta.command_id):
            raise InvalidState(f"{name} 已报名", f"{name} is already registered")
        view: EntryView = result.aggregate.view()
        return view

    def self_assess(
        self,
        actor: str,
        entry: str,
        marks: Marks,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> EntryView:
        """The unit's cadre scores the unit against the table (the entry conditions
        decide whether it is admitted)."""
        acting = self.directory.acting(actor, Role.CADRE)
        e = self.entry(entry)
        r = self.round(e.round_key)
        op = ["self", entry, {k: str(v) for k, v in marks.items()}]
        meta = self._meta(acting, op, comment, command_id, now)
        result = self.ledger.execute(
            entry_ledger_id(entry), meta, lambda a: a.self_assess(r, marks, meta)
        )
        view: EntryView = result.aggregate.view()
        return view

    # -- judges' sheets ----------------------------------------------------------------

    def score(
        self,
        judge: str,
        entry: str,
        marks: Marks,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> SheetView:
        """A judge's sheet for an assigned entry, once."""
        acting = self.directory.acting(judge, Role.JUDGE)
        e, r = self._entry_round(entry)
        org = acting.org_id
        meta = self._meta(acting, ["score", entry, _plain(marks)], comment, command_id, now)
        return self._create_sheet(e, judge, meta, lambda: ScoreSheet.submit(r, e, org, marks, meta))

    def enter_paper(
        self,
        clerk: str,
        entry: str,
        judge: str,
        marks: Marks,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> SheetView:
        """A cadre of the organiser enters a judge's paper sheet (first entry)."""
        acting = self.directory.acting(clerk, Role.CADRE)
        e, r = self._entry_round(entry)
        org = self._judge_org(judge)
        meta = self._meta(acting, ["paper", entry, judge, _plain(marks)], comment, command_id, now)
        return self._create_sheet(
            e, judge, meta, lambda: ScoreSheet.enter_paper(r, e, judge, org, marks, meta)
        )

    def confirm_paper(
        self,
        clerk: str,
        entry: str,
        judge: str,
        marks: Marks,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> SheetView:
        """A second cadre enters the same paper sheet; it counts only if both agree."""
        acting = self.directory.acting(clerk, Role.CADRE)
        e, r = self._entry_round(entry)
        meta = self._meta(acting, ["paper2", e.key, judge, _plain(marks)], comment, command_id, now)
        return self._sheet_act(e.key, judge, meta, lambda s: s.confirm_paper(r, marks, meta))

    def commit(
        self,
        judge: str,
        entry: str,
        commitment: str,
        *,
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> SheetView:
        """A judge commits the hash of their sheet (``scoring.sheet_commitment``)."""
        acting = self.directory.acting(judge, Role.JUDGE)
        e, r = self._entry_round(entry)
        meta = self._meta(acting, ["commit", entry, commitment], "", command_id, now)
        return self._create_sheet(
            e, judge, meta, lambda: ScoreSheet.commit(r, e, acting.org_id, commitment, meta)
        )

    def reveal(
        self,
        judge: str,
        entry: str,
        marks: Marks,
        nonce: str,
        *,
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> SheetView:
        """The judge reveals the marks once every judge of the entry has committed."""
        acting = self.directory.acting(judge, Role.JUDGE)
        e, r = self._entry_round(entry)
        committed = {s.judge for s in self.sheets(r.key) if s.entry == e.key}
        all_in = all(j in committed for j in e.judges)
        meta = self._meta(acting, ["reveal", entry, _plain(marks), nonce], "", command_id, now)
        return self._sheet_act(
            e.key, judge, meta, lambda s: s.reveal(r, marks, nonce, all_in, meta)
        )

    # -- the ranking -------------------------------------------------------------------

    def compute(
        self, round_key: str, as_of: datetime | None = None, removed: dict[str, str] | None = None
    ) -> Ranking:
        """The ranking from the ledger at ``as_of`` (now), less entries objections removed."""
        r = self.round(round_key)
        moment = as_of or self.clock()
        entries, sheets, vetoes = self._inputs(r, moment)
        return rank(r.definition, r.stage, entries, sheets, vetoes, r.removed | (removed or {}))

    def rank(
        self,
        actor: str,
        round_key: str,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> RoundView:
        """The organiser ranks the round: computed from the sheets in the ledger, recorded
        with the hash of its inputs."""
        acting = self.directory.acting(actor, Role.CADRE)
        meta = self._meta(acting, ["rank", round_key], comment, command_id, now)
        ranking = self.compute(round_key, meta.occurred_at)
        result = self.ledger.execute(
            round_ledger_id(round_key), meta, lambda a: a.record_ranking(ranking, meta)
        )
        view: RoundView = result.aggregate.view()
        return view

    def recompute(self, round_key: str) -> Recomputed:
        """The ranking recomputed from the raw sheets in the ledger as they stood when it
        was published, and whether it is the published one (same rows, same hash)."""
        r = self.round(round_key)
        ranking = self.compute(round_key, r.ranked_at)
        published = r.ranking
        return Recomputed(
            ranking=ranking,
            published_hash=published.inputs_hash if published else "",
            matches=published is not None and published == ranking,
        )

    # -- inside ------------------------------------------------------------------------

    def _inputs(
        self, r: RoundView, moment: datetime
    ) -> tuple[list[EntryInput], list[SheetInput], dict[str, list[VetoHit]]]:
        return ranking_inputs(
            r,
            self.entries(r.key),
            self.sheets(r.key),
            self._judge_org,
            lambda unit: entrant_facts(self.facts, self.safety, unit, moment),
            china_day(moment),
            lambda entrant: held_titles(self.facts, entrant, r.key, moment),
        )

    def _judge_org(self, judge: str) -> str:
        record = self.directory.actor(judge)
        if Role.JUDGE not in record.spec.roles:
            raise InvalidInput(f"{judge} 不是评委", f"{judge} is not a judge")
        return record.spec.org

    def _entry_round(self, entry: str) -> tuple[EntryView, RoundView]:
        e = self.entry(entry)
        return e, self.round(e.round_key)

    def _create_sheet(
        self, e: EntryView, judge: str, meta: CommandMeta, create: Callable[[], ScoreSheet]
    ) -> SheetView:
        result = self.ledger.execute(sheet_ledger_id(sheet_key(e.key, judge)), meta, create=create)
        if not result.applied and not result.aggregate.has_applied(meta.command_id):
            raise InvalidState(
                f"{judge} 已为 {e.code} 提交评分表，每位评委对每个参评对象只能评分一次",
                f"{judge} already has a sheet for {e.code}: one sheet per judge and entry",
            )
        view: SheetView = result.aggregate.view()
        return view

    def _sheet_act(
        self, entry: str, judge: str, meta: CommandMeta, act: Callable[[ScoreSheet], None]
    ) -> SheetView:
        aggregate_id = sheet_ledger_id(sheet_key(entry, judge))
        if not self.ledger.exists(aggregate_id):
            raise NotFound(f"{judge} 对 {entry} 尚无评分表", f"no sheet of {judge} for {entry}")
        result = self.ledger.execute(aggregate_id, meta, act)
        view: SheetView = result.aggregate.view()
        return view

    def _round_act(
        self,
        actor: str,
        round_key: str,
        op: object,
        act: Callable[[ContestRound, CommandMeta], None],
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> RoundView:
        acting = self.directory.acting(actor, Role.CADRE)
        self.round(round_key)
        meta = self._meta(acting, ["round", round_key, op], comment, command_id, now)
        result = self.ledger.execute(round_ledger_id(round_key), meta, lambda a: act(a, meta))
        view: RoundView = result.aggregate.view()
        return view

    def _meta(
        self,
        acting: Acting,
        operation: object,
        comment: str,
        command_id: str | None,
        now: datetime | None,
    ) -> CommandMeta:
        return command_meta("contest", acting, operation, comment, command_id, now or self.clock())


def _assigning(
    r: RoundView, candidates: list[tuple[str, str]], meta: CommandMeta
) -> Callable[[ContestEntry], object]:
    """A pool assignment of one entry, bound to its own candidates and meta."""
    return lambda entry: entry.assign(r, candidates, meta, strict=False)


def _plain(marks: Marks) -> dict[str, str]:
    return {k: str(v) for k, v in sorted(marks.items())}


__all__ = ["AssignReport", "ContestService", "OpenContestRound", "Recusal", "Registration"]
