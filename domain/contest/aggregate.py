"""The aggregates of a contest: a round, each entry, each judge's score sheet.

A sheet's ledger id is derived from its entry and judge, so a judge's second sheet for the
same entry meets the first instead of adding to it; neither the round's events nor its
workflow's history grow with the number of entries or sheets.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.actors import Acting, CommandMeta, Role
from domain.base import ChangesView, CreatesView, LedgerAggregate, ViewState
from domain.contest.definition import Conflict, ContestDefinition, Entrant
from domain.contest.scoring import admission, check_marks, sheet_commitment, sheet_total
from domain.contest.values import (
    ContestNotice,
    ContestObjection,
    EntryStatus,
    EntryView,
    Marks,
    Phase,
    Ranking,
    Recusal,
    RoundView,
    SheetStatus,
    SheetView,
    blind_code,
    entry_key,
    entry_ledger_id,
    round_ledger_id,
    sheet_key,
    sheet_ledger_id,
)
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.objections import ObjectionStatus
from domain.policies import check_engine, check_unit_cadre, is_unit_cadre

ORGANISE = ("组织竞赛", "run the contest")


def check_organiser(acting: Acting, r: RoundView, what: tuple[str, str] = ORGANISE) -> None:
    """Only a cadre of the organising union runs the round."""
    check_unit_cadre(acting, r.organiser_org, what)


# The round's steps: the organiser takes them, or the engine at the round's dates.
ROUND_STEPS: dict[str, tuple[tuple[str, str], Phase]] = {
    "close_registration": (("截止报名", "close registration"), Phase.REGISTRATION),
    "start_judging": (("开始评审", "start judging"), Phase.SELF_ASSESSMENT),
    "rank": (("发布排名", "rank the round"), Phase.JUDGING),
}


def check_round_step(
    kind: str, acting: Acting, organiser_org: str, phase: Phase, title: str
) -> None:
    """May ``acting`` take the round step ``kind`` now: a cadre of the organiser, or the
    engine (a workflow at the round's date), in the step's phase. The aggregate and the
    round workflow's update validators both ask this."""
    if kind not in ROUND_STEPS:
        raise InvalidInput(f"没有轮次步骤 {kind}", f"no round step {kind}")
    what, needed = ROUND_STEPS[kind]
    if acting.role is not Role.SYSTEM:
        check_unit_cadre(acting, organiser_org, what)
    phase = Phase(phase)  # an event's state may hold the plain string
    if phase is not needed:
        raise InvalidState(
            f"竞赛“{title}”当前阶段为 {phase.value}，不能{what[0]}",
            f"the round '{title}' is in its {phase.value} phase: cannot {what[1]} now",
        )


def _phase(r: RoundView, *phases: Phase) -> None:
    if r.phase not in phases:
        raise InvalidState(
            f"竞赛“{r.title}”当前阶段为 {r.phase.value}，不能进行此操作",
            f"the round '{r.title}' is in its {r.phase.value} phase: not now",
        )


def conflict_reason(r: RoundView, e: EntryView, judge: str, judge_org: str) -> str | None:
    """Why ``judge`` may not judge the entry (own unit, the organiser's conflict list), or
    None."""
    if judge_org == e.unit_org:
        return f"评委与参评对象同属 {e.unit_org} / the judge belongs to the entrant's unit"
    for c in r.conflicts_all():
        if c.judge == judge and c.entrant in (e.entrant, e.unit_org):
            return f"回避名单：{c.reason} / on the conflict list: {c.reason}"
    return None


class ContestRound(ViewState[RoundView], LedgerAggregate):
    """One round (初赛, 决赛) of a contest definition, run by an organising union."""

    KIND = "contest_round"
    VIEW = RoundView

    class Created(CreatesView, LedgerAggregate.Created):
        """The organiser's cadre opened the round (its definition recorded whole)."""

        state: dict[str, Any]

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below."""

    class RegistrationClosed(Changed):
        to: Phase

        def evolve(self, s: RoundView) -> None:
            s.phase = Phase(self.to)  # a stored event holds the plain string

    class JudgingStarted(Changed):
        def evolve(self, s: RoundView) -> None:
            s.phase = Phase.JUDGING

    class ConflictDeclared(Changed):
        judge: str
        entrant: str
        reason: str

        def evolve(self, s: RoundView) -> None:
            s.conflicts.append(Conflict(judge=self.judge, entrant=self.entrant, reason=self.reason))

    class Ranked(Changed):
        """The ranking, computed from the sheets in the ledger, with its inputs' hash."""

        ranking: dict[str, Any]
        at: datetime

        def evolve(self, s: RoundView) -> None:
            s.ranking = Ranking.model_validate(self.ranking)
            s.ranked_at = self.at
            s.phase = Phase.RANKED

    # The ranking's public notice (``domain.contest.notice`` takes these steps).
    class NoticePosted(Changed):
        starts: date
        ends: date

        def evolve(self, s: RoundView) -> None:
            s.notice, s.phase = ContestNotice(starts=self.starts, ends=self.ends), Phase.NOTICE

    class ObjectionFiled(Changed):
        objection: dict[str, Any]

        def evolve(self, s: RoundView) -> None:
            s.objections.append(ContestObjection.model_validate(self.objection))

    class ObjectionResolved(Changed):
        """Dismissed, or upheld: the entry out, the ranking recomputed without it."""

        no: int
        upheld: bool
        findings: str
        on: date
        ranking: dict[str, Any] | None = None

        def evolve(self, s: RoundView) -> None:
            o = next(x for x in s.objections if x.no == self.no)
            o.status = ObjectionStatus.UPHELD if self.upheld else ObjectionStatus.DISMISSED
            o.investigator, o.findings, o.resolved_on = self.actor["id"], self.findings, self.on
            if self.upheld and self.ranking is not None:
                s.removed[o.entry] = self.findings
                s.ranking = Ranking.model_validate(self.ranking)

    class NoticeClosed(Changed):
        def evolve(self, s: RoundView) -> None:
            assert s.notice is not None
            s.notice.closed, s.phase = True, Phase.CLOSED

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        self.s = RoundView.model_validate(state)

    @classmethod
    def open(
        cls,
        *,
        key: str,
        title: str,
        definition: ContestDefinition,
        stage: str,
        year: int,
        registration_closes: date,
        previous: RoundView | None,
        salt: str,
        meta: CommandMeta,
        self_assessment_closes: date | None = None,
        ranks_on: date | None = None,
    ) -> ContestRound:
        """A union's cadre opens a round of a definition's stage; a later stage takes only
        the entrants the previous round sent on."""
        acting = meta.acting
        if acting.role is not Role.CADRE:
            raise NotAuthorised("只有工会干部可以组织竞赛", "only a union cadre may open a round")
        keys = [s.key for s in definition.stages]
        if stage not in keys:
            raise InvalidInput(
                f"竞赛办法中没有阶段 {stage}（可选：{'、'.join(keys)}）",
                f"no stage {stage} (one of: {', '.join(keys)})",
            )
        if registration_closes < meta.today():
            raise InvalidInput("报名截止日不能早于今天", "registration cannot close in the past")
        if self_assessment_closes is not None and not definition.entry.self_assessment:
            raise InvalidInput(
                "本竞赛不设自评，无自评截止日", "this contest has no self-assessment"
            )
        dates = [d for d in (registration_closes, self_assessment_closes, ranks_on) if d]
        if dates != sorted(dates):
            raise InvalidInput(
                "日期须依次为：报名截止、自评截止、排名日",
                "the dates go registration close, self-assessment close, ranking day",
            )
        advanced: list[str] = []
        index = keys.index(stage)
        if index > 0:
            before = keys[index - 1]
            if (
                previous is None
                or previous.definition.key != definition.key
                or previous.stage != before
                or previous.ranking is None
            ):
                raise InvalidInput(
                    f"阶段 {stage} 须接续已排名的 {before} 轮次",
                    f"stage {stage} follows a ranked round of stage {before}",
                )
            advanced = [r.entrant for r in previous.ranking.rows if r.advances]
        view = RoundView(
            key=key,
            title=title,
            definition=definition,
            stage=stage,
            year=year,
            organiser_org=acting.org_id,
            opened_by=acting.actor_id,
            registration_closes=registration_closes,
            self_assessment_closes=self_assessment_closes,
            ranks_on=ranks_on,
            previous_round=previous.key if previous and index > 0 else "",
            advanced=advanced,
            blind_salt=salt,
        )
        return cls._new(round_ledger_id(key), meta, state=view.model_dump(mode="json"))

    def _step(self, kind: str, meta: CommandMeta) -> None:
        s = self.s
        check_round_step(kind, meta.acting, s.organiser_org, s.phase, s.title)

    def close_registration(self, meta: CommandMeta) -> None:
        self._step("close_registration", meta)
        to = Phase.SELF_ASSESSMENT if self.s.definition.entry.self_assessment else Phase.JUDGING
        self._emit(self.RegistrationClosed, meta, to=to)

    def start_judging(self, meta: CommandMeta) -> None:
        self._step("start_judging", meta)
        self._emit(self.JudgingStarted, meta)

    def declare_conflict(self, conflict: Conflict, meta: CommandMeta) -> None:
        """The organiser adds a conflict; a judge cannot remove one (there is no command)."""
        check_organiser(meta.acting, self.s, ("设定回避", "declare a conflict"))
        _phase(self.s, Phase.REGISTRATION, Phase.SELF_ASSESSMENT, Phase.JUDGING)
        if conflict in self.s.conflicts_all():
            raise InvalidState("该回避已登记", "this conflict is already recorded")
        self._emit(self.ConflictDeclared, meta, **conflict.model_dump())

    def record_ranking(self, ranking: Ranking, meta: CommandMeta) -> None:
        self._step("rank", meta)
        self._emit(self.Ranked, meta, ranking=ranking.model_dump(mode="json"), at=meta.occurred_at)


class ContestEntry(ViewState[EntryView], LedgerAggregate):
    """One entrant (a unit or a person) of a round."""

    KIND = "contest_entry"
    VIEW = EntryView

    class Created(CreatesView, LedgerAggregate.Created):
        """The entrant registered (by its own cadre or the organiser)."""

        state: dict[str, Any]

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below."""

    class SelfAssessed(Changed):
        marks: dict[str, str]
        total: str
        admitted: bool
        reasons: list[str]

        def evolve(self, s: EntryView) -> None:
            s.self_marks = {k: Decimal(v) for k, v in self.marks.items()}
            s.self_total = Decimal(self.total)
            s.status = EntryStatus.ADMITTED if self.admitted else EntryStatus.NOT_ADMITTED
            s.admission = list(self.reasons)

    class Reminded(Changed):
        """The engine reminded the unit that its self-assessment is due."""

        on: date

        def evolve(self, s: EntryView) -> None:
            s.reminded.append(self.on)

    class JudgesAssigned(Changed):
        judges: list[str]
        recused: list[dict[str, str]]

        def evolve(self, s: EntryView) -> None:
            s.judges.extend(self.judges)
            s.recusals.extend(Recusal.model_validate(r) for r in self.recused)

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        self.s = EntryView.model_validate(state)

    @classmethod
    def register(
        cls,
        r: RoundView,
        *,
        entrant: str,
        name: str,
        unit_org: str,
        category: str,
        meta: CommandMeta,
    ) -> ContestEntry:
        """A cadre of the entrant's unit (or of the organiser) registers it in the window."""
        acting = meta.acting
        if not (is_unit_cadre(acting, unit_org) or is_unit_cadre(acting, r.organiser_org)):
            raise NotAuthorised(
                f"只有 {unit_org} 或组织单位的工会干部可以报名",
                f"only a cadre of {unit_org} or of the organiser may register",
            )
        _phase(r, Phase.REGISTRATION)
        if meta.today() > r.registration_closes:
            raise InvalidState(
                f"报名已于 {r.registration_closes} 截止",
                f"registration closed on {r.registration_closes}",
            )
        d = r.definition
        if d.entrant is Entrant.UNIT and entrant != unit_org:
            raise InvalidInput("本竞赛以单位参评，参评者须为其单位", "units enter this contest")
        if r.previous_round and entrant not in r.advanced:
            raise InvalidState(
                f"{name} 未从上一轮（{r.previous_round}）晋级",
                f"{name} did not advance from {r.previous_round}",
            )
        if d.categories and d.category(category) is None:
            known = "、".join(c.code for c in d.categories)
            raise InvalidInput(f"类别须为其一：{known}", f"category must be one of: {known}")
        key = entry_key(r.key, entrant)
        view = EntryView(
            key=key,
            round_key=r.key,
            entrant=entrant,
            name=name,
            unit_org=unit_org,
            category=category,
            code=blind_code(r.blind_salt, entrant),
            registered_by=acting.actor_id,
            status=EntryStatus.REGISTERED if d.entry.self_assessment else EntryStatus.ADMITTED,
        )
        return cls._new(entry_ledger_id(key), meta, state=view.model_dump(mode="json"))

    def self_assess(self, r: RoundView, marks: Marks, meta: CommandMeta) -> None:
        """The unit's cadre scores itself against the table; the entry conditions decide
        whether it is admitted (it may revise until judging starts)."""
        check_unit_cadre(meta.acting, self.s.unit_org, ("自评", "self-assess"))
        if not r.definition.entry.self_assessment:
            raise InvalidState("本竞赛不设自评", "this contest has no self-assessment")
        _phase(r, Phase.REGISTRATION, Phase.SELF_ASSESSMENT)
        check_marks(r.definition.table, marks)
        score = sheet_total(r.definition.table, marks)
        reasons = admission(r.definition, score)
        self._emit(
            self.SelfAssessed,
            meta,
            marks={k: str(v) for k, v in marks.items()},
            total=str(score.total),
            admitted=not reasons,
            reasons=reasons,
        )

    def remind(self, r: RoundView, meta: CommandMeta) -> None:
        """The engine reminds a unit that has not self-assessed (once a day at most)."""
        check_engine(meta.acting)
        _phase(r, Phase.SELF_ASSESSMENT)
        if self.s.status is not EntryStatus.REGISTERED:
            raise InvalidState(f"{self.s.name} 已自评", f"{self.s.name} has self-assessed")
        if meta.today() in self.s.reminded:
            raise InvalidState("今天已提醒", "already reminded today")
        self._emit(self.Reminded, meta, on=meta.today())

    def assign(
        self,
        r: RoundView,
        candidates: list[tuple[str, str]],
        meta: CommandMeta,
        *,
        strict: bool,
    ) -> list[Recusal]:
        """The organiser assigns judges (id, org) up to the judges per entry. A judge of the
        entrant's unit or on the conflict list is never assigned: ``strict`` refuses the
        whole assignment naming why, otherwise that judge is recorded as recused and the
        next candidate is taken."""
        check_organiser(meta.acting, r, ("指派评委", "assign judges"))
        _phase(r, Phase.JUDGING)
        if self.s.status is not EntryStatus.ADMITTED:
            raise InvalidState(
                f"{self.s.name} 未入围，不能指派评委", f"{self.s.name} is not admitted"
            )
        room = r.definition.judging.judges_per_entry - len(self.s.judges)
        chosen: list[str] = []
        recused: list[Recusal] = []
        for judge, org in candidates:
            if judge in self.s.judges or judge in chosen:
                if strict:
                    raise InvalidState(f"{judge} 已是评委", f"{judge} is already assigned")
                continue
            why = conflict_reason(r, self.s, judge, org)
            if why is not None:
                if strict:
                    raise NotAuthorised(f"{judge} 须回避：{why}", f"{judge} must recuse: {why}")
                if all(x.judge != judge for x in self.s.recusals):
                    recused.append(Recusal(judge=judge, reason=why))
                continue
            if len(chosen) < room:
                chosen.append(judge)
            elif strict:
                raise InvalidInput(
                    f"每个参评对象评委 {r.definition.judging.judges_per_entry} 人，已满",
                    f"{r.definition.judging.judges_per_entry} judges per entry: full",
                )
        if not chosen and not recused:
            raise InvalidState("没有可指派的评委", "no judge to assign")
        self._emit(
            self.JudgesAssigned, meta, judges=chosen, recused=[x.model_dump() for x in recused]
        )
        return recused


def check_may_score(r: RoundView, e: EntryView, judge: str, judge_org: str) -> None:
    """A sheet is for an admitted entry, in judging, by one of its judges without conflict."""
    _phase(r, Phase.JUDGING)
    why = conflict_reason(r, e, judge, judge_org)
    if why is not None:
        raise NotAuthorised(f"{judge} 须回避，不能评分：{why}", f"{judge} must recuse: {why}")
    if judge not in e.judges:
        raise NotAuthorised(f"{judge} 不是 {e.code} 的评委", f"{judge} is not assigned to {e.code}")


class ScoreSheet(ViewState[SheetView], LedgerAggregate):
    """One judge's sheet for one entry: submitted online, entered from paper (twice where
    the definition asks), or committed as a hash and revealed later."""

    KIND = "contest_sheet"
    VIEW = SheetView

    class Created(CreatesView, LedgerAggregate.Created):
        """The judge submitted (or committed to) the sheet, or a clerk entered it."""

        state: dict[str, Any]

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below."""

    class SecondEntryMatched(Changed):
        def evolve(self, s: SheetView) -> None:
            s.confirmed_by = self.actor["id"]
            s.status = SheetStatus.SUBMITTED

    class Revealed(Changed):
        marks: dict[str, str]

        def evolve(self, s: SheetView) -> None:
            s.marks = {k: Decimal(v) for k, v in self.marks.items()}
            s.status = SheetStatus.SUBMITTED

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        self.s = SheetView.model_validate(state)

    @classmethod
    def _start(
        cls, r: RoundView, e: EntryView, judge: str, meta: CommandMeta, **fields: Any
    ) -> ScoreSheet:
        key = sheet_key(e.key, judge)
        view = SheetView(key=key, round_key=r.key, entry=e.key, judge=judge, **fields)
        return cls._new(sheet_ledger_id(key), meta, state=view.model_dump(mode="json"))

    @classmethod
    def submit(
        cls, r: RoundView, e: EntryView, judge_org: str, marks: Marks, meta: CommandMeta
    ) -> ScoreSheet:
        """The judge scores an assigned entry online."""
        judge = meta.acting.actor_id
        if meta.acting.role is not Role.JUDGE:
            raise NotAuthorised("只有评委可以评分", "only a judge may score")
        check_may_score(r, e, judge, judge_org)
        if r.definition.judging.commit_reveal:
            raise InvalidState(
                "本竞赛须先提交评分摘要，再揭示", "this contest commits a hash first, then reveals"
            )
        check_marks(r.definition.table, marks)
        return cls._start(r, e, judge, meta, status=SheetStatus.SUBMITTED, marks=marks)

    @classmethod
    def enter_paper(
        cls,
        r: RoundView,
        e: EntryView,
        judge: str,
        judge_org: str,
        marks: Marks,
        meta: CommandMeta,
    ) -> ScoreSheet:
        """A cadre of the organiser enters a judge's paper sheet; where the definition asks
        for two-person entry it counts only once a second cadre entered the same marks."""
        check_organiser(meta.acting, r, ("录入纸质评分表", "enter a paper sheet"))
        check_may_score(r, e, judge, judge_org)
        if r.definition.judging.commit_reveal:
            raise InvalidState("本竞赛须先提交评分摘要", "this contest commits a hash first")
        check_marks(r.definition.table, marks)
        status = (
            SheetStatus.AWAITING_SECOND_ENTRY
            if r.definition.judging.paper_double_entry
            else SheetStatus.SUBMITTED
        )
        return cls._start(
            r, e, judge, meta, status=status, marks=marks, entered_by=meta.acting.actor_id
        )

    @classmethod
    def commit(
        cls, r: RoundView, e: EntryView, judge_org: str, commitment: str, meta: CommandMeta
    ) -> ScoreSheet:
        """The judge commits the hash of their sheet before seeing anyone else's."""
        if meta.acting.role is not Role.JUDGE:
            raise NotAuthorised("只有评委可以评分", "only a judge may score")
        check_may_score(r, e, meta.acting.actor_id, judge_org)
        if not r.definition.judging.commit_reveal:
            raise InvalidState("本竞赛不设摘要提交", "this contest does not commit first")
        if len(commitment) != 64 or any(ch not in "0123456789abcdef" for ch in commitment):
            raise InvalidInput("摘要须为 64 位十六进制 SHA-256", "a commitment is a SHA-256 hex")
        return cls._start(
            r, e, meta.acting.actor_id, meta, status=SheetStatus.COMMITTED, commitment=commitment
        )

    def confirm_paper(self, r: RoundView, marks: Marks, meta: CommandMeta) -> None:
        check_organiser(meta.acting, r, ("二次录入", "enter a paper sheet again"))
        _phase(r, Phase.JUDGING)
        if self.s.status is not SheetStatus.AWAITING_SECOND_ENTRY:
            raise InvalidState("此评分表不待二次录入", "this sheet awaits no second entry")
        if meta.acting.actor_id == self.s.entered_by:
            raise NotAuthorised("二次录入须由另一人完成", "a second person enters it again")
        differ = sorted(k for k in {*marks, *self.s.marks} if marks.get(k) != self.s.marks.get(k))
        if differ:
            raise InvalidInput(
                f"两次录入不一致：{', '.join(differ)}（未记录）",
                f"the two entries differ in: {', '.join(differ)} (nothing recorded)",
            )
        self._emit(self.SecondEntryMatched, meta)

    def reveal(
        self, r: RoundView, marks: Marks, nonce: str, all_committed: bool, meta: CommandMeta
    ) -> None:
        """The judge reveals the marks once every judge of the entry has committed; they
        must hash to the commitment."""
        if meta.acting.actor_id != self.s.judge:
            raise NotAuthorised("只有该评委本人可以揭示", "only the judge reveals their sheet")
        _phase(r, Phase.JUDGING)
        if self.s.status is not SheetStatus.COMMITTED:
            raise InvalidState("此评分表已揭示", "this sheet is already revealed")
        if not all_committed:
            raise InvalidState(
                "须待本参评对象的全部评委提交摘要后再揭示",
                "reveal after every judge of the entry has committed",
            )
        check_marks(r.definition.table, marks)
        if sheet_commitment(marks, nonce) != self.s.commitment:
            raise InvalidInput(
                "揭示的评分与提交的摘要不符（未记录）",
                "the revealed marks do not match the commitment (nothing recorded)",
            )
        self._emit(self.Revealed, meta, marks={k: str(v) for k, v in marks.items()})
