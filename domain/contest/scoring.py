"""The contest's arithmetic, all pure: a sheet's total (bonus cap, section minimums,
weights), entry conditions, per-judge normalisation, dropping the highest and lowest
sheet, vetoes from ledger facts, ranking with tie-breaks, awards within quotas.

The service, ``recompute`` and the tests call the same functions on the same inputs, so
anyone with the ledger gets the same ranking and the same hash of its inputs.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

from domain.base import canonical_bytes
from domain.calendar import add_months
from domain.contest.definition import (
    SEVERITY_LABELS,
    AwardCategory,
    ContestDefinition,
    Judging,
    ScoringTable,
    Severity,
    VetoFact,
)
from domain.contest.values import FactRef, Marks, Ranking, RankRow, VetoHit
from domain.errors import InvalidInput, InvalidState

CENT = Decimal("0.01")
ZERO = Decimal(0)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# -- one sheet ----------------------------------------------------------------------------


class SheetScore(BaseModel):
    sections: dict[str, Decimal]
    bonus_raw: Decimal
    bonus: Decimal  # counted: at most the cap
    total: Decimal
    below_minimum: list[str]


def check_marks(table: ScoringTable, marks: Marks) -> None:
    """Every item of the sections marked, bonus items optional, each within its points."""
    points = table.item_points()
    unknown = sorted(k for k in marks if k not in points)
    if unknown:
        raise InvalidInput(
            f"评分表中没有这些项：{', '.join(unknown)}", f"unknown items: {', '.join(unknown)}"
        )
    missing = [i.key for s in table.sections for i in s.items if i.key not in marks]
    if missing:
        raise InvalidInput(
            f"以下项未评分：{', '.join(missing)}", f"items not marked: {', '.join(missing)}"
        )
    for key, mark in marks.items():
        if not mark.is_finite() or mark < 0 or mark > points[key]:
            raise InvalidInput(
                f"{key} 的得分 {mark} 须在 0 至 {points[key]} 之间",
                f"{key}: {mark} must be between 0 and {points[key]}",
            )


def sheet_total(table: ScoringTable, marks: Marks) -> SheetScore:
    """A sheet's total: the sections (weighted as the table says) plus the bonus up to
    its cap; a section under its minimum is named."""
    sections = {s.key: sum((marks.get(i.key, ZERO) for i in s.items), ZERO) for s in table.sections}
    if table.weighted:
        base = sum(
            (sections[s.key] / s.points * 100 * (s.weight or ZERO) for s in table.sections), ZERO
        )
    else:
        base = sum(sections.values(), ZERO)
    raw = sum((marks.get(i.key, ZERO) for i in table.bonus.items), ZERO) if table.bonus else ZERO
    bonus = min(raw, table.bonus.cap) if table.bonus else ZERO
    below = [s.key for s in table.sections if s.minimum is not None and sections[s.key] < s.minimum]
    return SheetScore(
        sections=sections, bonus_raw=raw, bonus=bonus, total=base + bonus, below_minimum=below
    )


def admission(definition: ContestDefinition, score: SheetScore) -> list[str]:
    """Why a self-assessment does not admit the entry (empty: admitted), each reason in
    Chinese / English."""
    rule = definition.entry
    reasons = []
    if rule.min_total is not None and score.total < rule.min_total:
        reasons.append(
            f"自评总分 {cents(score.total)} 低于 {rule.min_total} / "
            f"self-score {cents(score.total)} is below {rule.min_total}"
        )
    if rule.min_section_share is not None:
        for s in definition.table.sections:
            need = s.points * rule.min_section_share
            if score.sections[s.key] < need:
                reasons.append(
                    f"{s.zh} 自评 {score.sections[s.key]} 低于其满分 {s.points} 的 "
                    f"{rule.min_section_share:%} / {s.en}: {score.sections[s.key]} is below "
                    f"{rule.min_section_share:%} of its {s.points} points"
                )
    return reasons


# -- many sheets --------------------------------------------------------------------------


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, ZERO) / len(values)


def _spread(values: Sequence[Decimal]) -> Decimal:
    """The population standard deviation."""
    m = _mean(values)
    return (sum(((v - m) ** 2 for v in values), ZERO) / len(values)).sqrt()


def normalise(by_judge: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, Decimal]]:
    """Each judge's totals rescaled to the mean and spread of all totals, so a severe and
    a lenient judge weigh alike. A judge with one sheet, or who gave every entry the same,
    is only shifted to the common mean."""
    every = [v for totals in by_judge.values() for v in totals.values()]
    if not every:
        return {}
    mean_all, spread_all = _mean(every), _spread(every)
    out: dict[str, dict[str, Decimal]] = {}
    for judge, totals in by_judge.items():
        values = list(totals.values())
        m, spread = _mean(values), _spread(values)
        if len(values) < 2 or spread == 0:
            out[judge] = {e: v - m + mean_all for e, v in totals.items()}
        else:
            out[judge] = {e: mean_all + (v - m) / spread * spread_all for e, v in totals.items()}
    return out


class Combined(BaseModel):
    mean: Decimal
    kept: list[str]  # judges
    dropped: list[str]
    note: str = ""


def combine(values: dict[str, Decimal], judging: Judging) -> Combined:
    """An entry's judges' values (judge -> value) as one: the highest and the lowest
    dropped when the rule asks and there are at least ``min_sheets_to_drop``; otherwise
    all kept (the caller has already refused a short entry when the rule says refuse)."""
    if not values:
        raise InvalidState("没有评分表", "no score sheets")
    order = sorted(values, key=lambda j: (values[j], j))  # ties: by judge id, stably
    note = ""
    dropped: list[str] = []
    if judging.drop_high_low:
        if len(order) >= judging.min_sheets_to_drop:
            dropped = [order[-1], order[0]]
            order = order[1:-1]
        else:
            note = (
                f"仅 {len(order)} 份评分表，不去掉最高最低分 / only {len(order)} sheets: "
                "none dropped"
            )
    return Combined(
        mean=_mean([values[j] for j in order]), kept=sorted(order), dropped=dropped, note=note
    )


# -- vetoes -------------------------------------------------------------------------------


class AccidentFact(BaseModel):
    ref: FactRef
    severity: Severity
    on: date


class EntrantFacts(BaseModel):
    """What the ledger knows about an entrant's unit, as the vetoes read it."""

    unit_org: str
    accidents: list[AccidentFact] = []
    wage_contract_in_force: FactRef | None = None
    last_wage_contract: FactRef | None = None


def veto_hits(
    definition: ContestDefinition, facts: EntrantFacts, year: int, today: date
) -> list[VetoHit]:
    """The definition's vetoes that apply to the unit, each naming the fact it rests on.
    A veto resting on a missing fact (no wage contract at all) names the unit's record of
    its absence: the last case, or the unit itself."""
    hits = []
    for veto in definition.vetoes:
        ref: FactRef | None = None
        if veto.fact is VetoFact.ACCIDENT:
            if veto.period == "round_year":
                start, end = date(year, 1, 1), date(year, 12, 31)
            else:
                start, end = add_months(today, -12 * veto.years), today
            found = [
                a for a in facts.accidents if a.severity in veto.severities and start <= a.on <= end
            ]
            if found:
                a = found[-1]
                label = SEVERITY_LABELS[a.severity][0]
                detail = f"{label}：{a.ref.detail}" if a.ref.detail else label
                ref = a.ref.model_copy(update={"detail": detail})
        elif (
            veto.fact is VetoFact.NO_WAGE_CONTRACT_IN_FORCE and facts.wage_contract_in_force is None
        ):
            ref = facts.last_wage_contract or FactRef(
                record=facts.unit_org,
                event="Organisation.Created",
                detail="没有工资专项集体合同记录",
            )
        if ref is not None:
            hits.append(VetoHit(key=veto.key, zh=veto.zh, en=veto.en, rests_on=ref))
    return hits


# -- the ranking --------------------------------------------------------------------------


class EntryInput(BaseModel):
    """What the ranking needs of an entry (read from the ledger)."""

    entry: str
    entrant: str
    name: str
    unit_org: str
    category: str = ""
    self_marks: Marks | None = None
    held: list[str] = Field(default_factory=list)  # titles held (``title@level``)


class SheetInput(BaseModel):
    """A submitted sheet as the ledger holds it."""

    entry: str
    judge: str
    marks: Marks


def inputs_hash(
    definition: ContestDefinition,
    entries: Iterable[EntryInput],
    sheets: Iterable[SheetInput],
    vetoes: dict[str, list[VetoHit]],
    removed: dict[str, str] | None = None,
) -> str:
    """SHA-256 over everything the ranking is computed from, in a canonical order (the
    notice's length is not an input; entries removed by upheld objections are)."""
    body: dict[str, object] = {
        "definition": definition.model_dump(mode="json", exclude={"notice_working_days"}),
        "entries": sorted(
            (e.model_dump(mode="json", exclude=set() if e.held else {"held"}) for e in entries),
            key=lambda e: e["entry"],
        ),
        "sheets": sorted(
            (s.model_dump(mode="json") for s in sheets), key=lambda s: (s["entry"], s["judge"])
        ),
        "vetoes": {
            k: [v.model_dump(mode="json") for v in hits]
            for k, hits in sorted(vetoes.items())
            if hits
        },
    }
    if removed:
        body["removed"] = dict(sorted(removed.items()))
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def _order_key(row: RankRow, tie_breaks: list[str]) -> tuple[Decimal, ...]:
    assert row.score is not None
    return (row.score, *(row.sections.get(k, ZERO) for k in tie_breaks))


def _take(pool: list[RankRow], quota: int, tie_breaks: list[str], ties: str) -> list[RankRow]:
    """The first ``quota`` of a ranked pool; entries tied at the last place all in
    (``include_all``) or all out (``exclude_all``)."""
    if len(pool) <= quota:
        return pool
    last = _order_key(pool[quota - 1], tie_breaks)
    if _order_key(pool[quota], tie_breaks) != last:
        return pool[:quota]
    before = [r for r in pool[:quota] if _order_key(r, tie_breaks) != last]
    tied = [r for r in pool if _order_key(r, tie_breaks) == last]
    return before + tied if ties == "include_all" else before


def give_awards(
    awards: Sequence[AwardCategory],
    ranked: list[RankRow],
    tie_breaks: list[str],
    held: dict[str, list[str]] | None = None,
) -> dict[str, str]:
    """Entry -> award key: each category in definition order takes, down the ranking, the
    entries still without an award that reach its threshold, have no section under its
    minimum and do not already hold the title it grants at its level, up to its quota."""
    won: dict[str, str] = {}
    titles = held or {}
    for award in awards:
        pool = [
            r
            for r in ranked
            if r.entry not in won
            and (award.held_key() is None or award.held_key() not in titles.get(r.entry, []))
            and not r.below_minimum
            and (not award.among or r.category in award.among)
            and (award.threshold is None or (r.score is not None and r.score >= award.threshold))
        ]
        for r in _take(pool, award.quota, tie_breaks, award.ties):
            won[r.entry] = award.key
    return won


def _row(
    definition: ContestDefinition,
    e: EntryInput,
    sheets: list[SheetInput],
    totals: dict[str, dict[str, Decimal]],
    scores: dict[tuple[str, str], SheetScore],
    vetoes: dict[str, list[VetoHit]],
) -> RankRow:
    """One entry's row: its sheets combined (drop, normalised totals), its sections' means
    over the kept sheets, the self-assessment's weight; not yet ranked."""
    judging, table = definition.judging, definition.table
    row = RankRow(
        entry=e.entry,
        entrant=e.entrant,
        name=e.name,
        unit_org=e.unit_org,
        category=e.category,
        sheets=len(sheets),
        vetoes=vetoes.get(e.entry, []),
    )
    self_total = sheet_total(table, e.self_marks).total if e.self_marks is not None else None
    row.self_total = cents(self_total) if self_total is not None else None
    if not sheets:
        return row
    c = combine({s.judge: totals[s.judge][e.entry] for s in sheets}, judging)
    kept = [scores[(e.entry, j)] for j in c.kept]
    row.dropped, row.note, row.committee = c.dropped, c.note, cents(c.mean)
    row.sections = {s.key: cents(_mean([k.sections[s.key] for k in kept])) for s in table.sections}
    row.below_minimum = [
        s.key for s in table.sections if s.minimum is not None and row.sections[s.key] < s.minimum
    ]
    score = c.mean
    if judging.self_weight and self_total is not None:
        score = (1 - judging.self_weight) * c.mean + judging.self_weight * self_total
    row.score = cents(score)
    return row


def rank(
    definition: ContestDefinition,
    stage: str,
    entries: Sequence[EntryInput],
    sheets: Sequence[SheetInput],
    vetoes: dict[str, list[VetoHit]],
    removed: dict[str, str] | None = None,
) -> Ranking:
    """The ranking of a round from its admitted entries, submitted sheets and veto hits;
    ``removed`` (entry -> an upheld objection's findings) leaves entries out of the places
    and the awards, their rows kept with the reasons.

    Refused (nothing recorded) when the rule says ``refuse`` and an entry has fewer sheets
    than ``judges_per_entry``, naming the entries."""
    judging, table = definition.judging, definition.table
    by_entry: dict[str, list[SheetInput]] = defaultdict(list)
    for s in sheets:
        by_entry[s.entry].append(s)
    need = judging.judges_per_entry
    short = [e.entry for e in entries if len(by_entry[e.entry]) < need]
    if short and judging.short == "refuse":
        raise InvalidState(
            f"以下参评对象的评分表不足 {need} 份：{', '.join(short[:10])}",
            f"fewer than {need} sheets for: {', '.join(short[:10])}",
        )
    scores = {(s.entry, s.judge): sheet_total(table, s.marks) for s in sheets}
    totals: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (entry, judge), sc in scores.items():
        totals[judge][entry] = sc.total
    if judging.normalise:
        totals = defaultdict(dict, normalise(totals))
    rows = [_row(definition, e, by_entry[e.entry], totals, scores, vetoes) for e in entries]
    out = removed or {}
    for r in rows:
        r.removed = out.get(r.entry, "")
    tb = judging.tie_breaks
    ranked = sorted(
        (r for r in rows if r.score is not None and not r.vetoes and not r.removed),
        key=lambda r: (tuple(-v for v in _order_key(r, tb)), r.entry),
    )
    for i, r in enumerate(ranked):
        prev = ranked[i - 1] if i else None
        same = prev is not None and _order_key(prev, tb) == _order_key(r, tb)
        r.rank = prev.rank if same and prev is not None else i + 1
    held = {e.entry: e.held for e in entries if e.held}
    won = give_awards(definition.awards, ranked, tb, held)
    this = definition.stage(stage)
    if this is not None and this.advance is not None:
        for r in _take(ranked, this.advance, tb, "include_all"):
            r.advances = True
    for r in ranked:
        r.award = won.get(r.entry, "")
        r.held = [a.key for a in definition.awards if a.held_key() in held.get(r.entry, [])]
    rest = sorted((r for r in rows if r.rank is None), key=lambda r: r.entry)
    return Ranking(
        rows=[*ranked, *rest],
        inputs_hash=inputs_hash(definition, entries, sheets, vetoes, removed),
        sheets=len(sheets),
    )


# -- commit then reveal -------------------------------------------------------------------


def _plain_mark(value: Decimal) -> str:
    return format(value.normalize(), "f")  # 8, 8.0 and 8.00 commit alike


def sheet_commitment(marks: Marks, nonce: str) -> str:
    """What a judge commits before seeing others' sheets: SHA-256 of the marks and a
    nonce only the judge knows (so the hash does not give the marks away)."""
    body = {"marks": {k: _plain_mark(v) for k, v in marks.items()}, "nonce": nonce}
    return hashlib.sha256(canonical_bytes(body)).hexdigest()
