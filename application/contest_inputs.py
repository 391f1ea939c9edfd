"""What the contest service takes and gives, and what a ranking is computed from: the
admitted entries, the submitted sheets of their judges (a sheet of a judge who must now
recuse is left out) and each entrant's veto facts, read as the ledger stood at a moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from pydantic import BaseModel

from application.award_facts import AwardFacts
from application.safety import SafetyService
from domain.actors import CHINA_TZ
from domain.award.checks import FactRef as AwardFactRef
from domain.contest.aggregate import conflict_reason
from domain.contest.scoring import EntrantFacts, EntryInput, SheetInput, veto_hits
from domain.contest.values import (
    EntryStatus,
    EntryView,
    FactRef,
    Ranking,
    RoundView,
    SheetStatus,
    SheetView,
    VetoHit,
)
from domain.text import Key, Name, ShortText


class OpenContestRound(BaseModel):
    """What the organiser gives to open a round."""

    round_key: Key
    title: ShortText
    definition: Key
    stage: Key
    year: int
    registration_closes: date
    previous_round: Key | None = None
    self_assessment_closes: date | None = None  # the round's workflow starts judging after it
    ranks_on: date | None = None  # and ranks the round on this day


class Registration(BaseModel):
    """An entrant: a unit (``entrant`` is its org code) or a person of a unit."""

    entrant: Key
    name: Name | None = None  # a unit's name comes from the directory
    unit_org: Key | None = None  # a person's unit; a unit is its own
    category: str = ""


class AssignReport(BaseModel):
    """What a pool assignment did (small: no list of every entry)."""

    entries: int
    assigned: int
    recusals: list[tuple[str, str, str]]  # entry, judge, reason
    short: list[str]  # entries with fewer judges than the definition asks


class JudgeRow(BaseModel):
    """An entry as its judge sees it (blind: the code only)."""

    entry: str
    code: str
    name: str
    sheet: SheetStatus | None


class JudgeProgress(BaseModel):
    judge: str
    assigned: int
    submitted: int


class Recomputed(BaseModel):
    ranking: Ranking
    published_hash: str
    matches: bool


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def ranking_inputs(
    r: RoundView,
    entries: list[EntryView],
    sheets: list[SheetView],
    judge_org: Callable[[str], str],
    facts: Callable[[str], EntrantFacts],
    today: date,
    held: Callable[[str], list[str]] | None = None,
) -> tuple[list[EntryInput], list[SheetInput], dict[str, list[VetoHit]]]:
    """The admitted entries (with the titles each entrant holds, where an award category
    grants one), the sheets that count and the vetoes that apply."""
    titled = any(a.held_key() for a in r.definition.awards)
    admitted = [e for e in entries if e.status is EntryStatus.ADMITTED]
    by_key = {e.key: e for e in admitted}
    orgs: dict[str, str] = {}
    counted = []
    for s in sheets:
        e = by_key.get(s.entry)
        if e is None or s.status is not SheetStatus.SUBMITTED or s.judge not in e.judges:
            continue
        org = orgs.setdefault(s.judge, judge_org(s.judge))
        if conflict_reason(r, e, s.judge, org) is None:  # a conflict declared later
            counted.append(SheetInput(entry=s.entry, judge=s.judge, marks=s.marks))
    inputs = [
        EntryInput(
            entry=e.key,
            entrant=e.entrant,
            name=e.name,
            unit_org=e.unit_org,
            category=e.category,
            self_marks=e.self_marks,
            held=held(e.entrant) if held is not None and titled else [],
        )
        for e in admitted
    ]
    vetoes = {}
    if r.definition.vetoes:
        for e in admitted:
            vetoes[e.key] = veto_hits(r.definition, facts(e.unit_org), r.year, today)
    return inputs, counted, vetoes


def _ref(found: AwardFactRef | None) -> FactRef | None:
    return FactRef.model_validate(found.model_dump()) if found is not None else None


def entrant_facts(
    award_facts: AwardFacts, safety: SafetyService, unit_org: str, moment: datetime
) -> EntrantFacts:
    """What the ledger held about a unit at ``moment``: its accidents (recorded by then)
    and its wage contract in force on that day."""
    unit = award_facts.unit(unit_org, moment.astimezone(CHINA_TZ).date())
    return EntrantFacts(
        unit_org=unit_org,
        accidents=safety.accident_facts(unit_org, as_of=moment),
        wage_contract_in_force=_ref(unit.wage_contract_in_force),
        last_wage_contract=_ref(unit.last_wage_contract),
    )


def held_titles(
    award_facts: AwardFacts, entrant: str, round_key: str, moment: datetime
) -> list[str]:
    """The titles (``title@level``) the honours register held for ``entrant`` on the day
    of ``moment``, not counting this round's own grants (so a recompute after the notice
    closed reads what the ranking read)."""
    day = moment.astimezone(CHINA_TZ).date()
    return [
        f"{h.title}@{h.level.value}"
        for h in award_facts.honours(entrant)
        if h.granted_on <= day and h.round_key != round_key
    ]
