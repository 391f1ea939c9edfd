"""The round's rules over the whole list: places, proportions, disqualifiers, honours.

All pure: the facts (nominations in the round, ledger facts about units, the honours
register) are passed in, so the reviewer's page, the CLI and the aggregates compute the
same answer.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel

from domain.award.definition import (
    LEVEL_LABELS,
    AwardDefinition,
    Disqualifier,
    FactKind,
    Level,
    Share,
)
from domain.award.values import Nominee
from domain.base import canonical_bytes
from domain.calendar import add_months
from domain.errors import InvalidState

# -- places -------------------------------------------------------------------------------


class PlacesRow(BaseModel):
    sub_union: str
    places: int
    used: int

    @property
    def left(self) -> int:
        return self.places - self.used


def places_report(definition: AwardDefinition, nominees: Iterable[Nominee]) -> list[PlacesRow]:
    """Places used per sub-union by the nominations still in the running."""
    used = Counter(n.sub_union for n in nominees)
    return [PlacesRow(sub_union=s, places=p, used=used[s]) for s, p in definition.places.items()]


def check_place_available(
    definition: AwardDefinition, nominees: Iterable[Nominee], sub_union: str
) -> None:
    """A sub-union without places, or whose places are used, may not nominate more."""
    places = definition.places.get(sub_union)
    if places is None:
        raise InvalidState(
            f"{sub_union} 在本次评选中没有推荐名额",
            f"{sub_union} has no places in this round",
        )
    used = sum(1 for n in nominees if n.sub_union == sub_union)
    if used >= places:
        raise InvalidState(
            f"{sub_union} 的推荐名额（{places} 名）已用完",
            f"{sub_union} has used all its {places} places",
        )


# -- proportions --------------------------------------------------------------------------


def _carries(nominee: Nominee, share: Share) -> bool:
    return nominee.category in share.any_of or any(f in share.any_of for f in nominee.flags)


def _percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


class ShareRow(BaseModel):
    """One proportion rule against a list: its count, share and whether it holds."""

    key: str
    zh: str
    en: str
    count: int
    total: int
    bound: str  # "≥35%" or "≤13%"
    hard: bool
    holds: bool
    source: str

    @property
    def share(self) -> str:
        return _percent(Decimal(self.count) / self.total) if self.total else "—"


def _row(share: Share, nominees: Sequence[Nominee]) -> ShareRow:
    count = sum(1 for n in nominees if _carries(n, share))
    total = len(nominees)
    if share.at_least is not None:
        # An empty list breaks no "at least": there is nobody yet to be a share of.
        holds = total == 0 or Decimal(count) >= share.at_least * total
        bound = f"≥{_percent(share.at_least)}"
    else:
        assert share.at_most is not None
        holds = Decimal(count) <= share.at_most * total
        bound = f"≤{_percent(share.at_most)}"
    return ShareRow(
        key=share.key,
        zh=share.zh,
        en=share.en,
        count=count,
        total=total,
        bound=bound,
        hard=share.hard,
        holds=holds,
        source=share.source,
    )


def shares_report(definition: AwardDefinition, nominees: Sequence[Nominee]) -> list[ShareRow]:
    """Every proportion rule of the definition over ``nominees``, in the definition's order."""
    return [_row(s, nominees) for s in definition.shares]


class ShareChange(BaseModel):
    """What approving (adding) or removing one nominee does to a proportion rule."""

    before: ShareRow
    after: ShareRow

    @property
    def breaks(self) -> bool:
        return self.before.holds and not self.after.holds

    @property
    def mends(self) -> bool:
        return not self.before.holds and self.after.holds


def what_if(
    definition: AwardDefinition,
    nominees: Sequence[Nominee],
    nominee: Nominee,
    *,
    remove: bool,
) -> list[ShareChange]:
    """The proportions before and after keeping (or removing) ``nominee``: what the
    reviewer sees beside the approve and remove buttons."""
    others = [n for n in nominees if n.person != nominee.person]
    with_it = [*others, nominee]
    before, after = (with_it, others) if remove else (others, with_it)
    return [ShareChange(before=_row(s, before), after=_row(s, after)) for s in definition.shares]


def check_final_list(definition: AwardDefinition, nominees: Sequence[Nominee]) -> None:
    """A final list that breaks a hard proportion rule, or exceeds the places, is refused
    naming the rule."""
    total = definition.total_places
    if len(nominees) > total:
        raise InvalidState(
            f"名单共 {len(nominees)} 名，超过名额 {total} 名",
            f"the list has {len(nominees)} names, more than the {total} places",
        )
    for row in shares_report(definition, nominees):
        if row.hard and not row.holds:
            raise InvalidState(
                f"名单不符合比例要求“{row.zh}”（{row.bound}）：现为 {row.count}/{row.total}"
                f"（{row.share}），依据：{row.source}",
                f"the list breaks the rule '{row.en}' ({row.bound}): {row.count}/{row.total} "
                f"({row.share}); source: {row.source}",
            )


def list_hash(rows: Sequence[dict[str, object]]) -> str:
    """The SHA-256 committing a notice's list (its rows as printed, in order)."""
    return hashlib.sha256(canonical_bytes(list(rows))).hexdigest()


# -- disqualifiers ------------------------------------------------------------------------


class FactRef(BaseModel):
    """A ledger fact a rule rests on: the record and the event that say it."""

    record: str  # e.g. the wage case id, the congress key, the accident's record
    event: str  # the event's type (e.g. "WageContract.ContractInForce")
    on: date | None = None
    detail: str = ""


class UnitFacts(BaseModel):
    """What the ledger knows about a nominee's unit, looked up by the application layer."""

    unit_org: str
    unit_name: str = ""  # as the reasons name it (the code when empty)
    wage_contract_in_force: FactRef | None = None
    last_wage_contract: FactRef | None = None  # a case that is not (or no longer) in force
    congress_in_term: FactRef | None = None  # a session held in the current term
    congress_term: FactRef | None = None  # the term itself, when no session was held
    accidents: list[FactRef] = []  # fatal or serious accidents recorded


class Disqualification(BaseModel):
    """A disqualifier that applies, naming its rule and the fact it rests on."""

    fact: FactKind
    zh: str
    en: str
    source: str
    rests_on: FactRef | None  # None: the ledger has no record of the required fact
    why_zh: str
    why_en: str


def _applies(rule: Disqualifier, facts: UnitFacts, today: date) -> Disqualification | None:
    def found(ref: FactRef | None, zh: str, en: str) -> Disqualification:
        return Disqualification(
            fact=rule.fact,
            zh=rule.zh,
            en=rule.en,
            source=rule.source,
            rests_on=ref,
            why_zh=zh,
            why_en=en,
        )

    unit = facts.unit_name or facts.unit_org
    if rule.fact is FactKind.NO_WAGE_CONTRACT_IN_FORCE and facts.wage_contract_in_force is None:
        last = facts.last_wage_contract
        if last is None:
            return found(None, f"{unit} 没有工资专项集体合同的记录", f"{unit} has no wage contract")
        return found(
            last,
            f"{unit} 的工资专项集体合同 {last.record} 未生效（{last.detail}）",
            f"{unit}'s wage contract {last.record} is not in force ({last.detail})",
        )
    if rule.fact is FactKind.NO_CONGRESS_IN_TERM and facts.congress_in_term is None:
        term = facts.congress_term
        if term is None:
            return found(None, f"{unit} 没有职代会届次的记录", f"{unit} has no congress term")
        return found(
            term,
            f"{unit} 本届职代会（{term.record}）届内未召开会议",
            f"{unit}'s congress term {term.record} has held no session",
        )
    if rule.fact is FactKind.SERIOUS_ACCIDENT:
        years = rule.years or 3
        since = add_months(today, -12 * years)
        recent = [a for a in facts.accidents if a.on is not None and a.on >= since]
        if recent:
            a = recent[-1]
            return found(
                a,
                f"{unit} 于 {a.on} 发生{a.detail}（{years} 年内）",
                f"{unit} had {a.detail} on {a.on} (within {years} years)",
            )
    return None


def disqualifications(
    definition: AwardDefinition, facts: UnitFacts, today: date
) -> list[Disqualification]:
    """The definition's disqualifiers that apply to a unit, each naming its fact."""
    found = (_applies(rule, facts, today) for rule in definition.disqualifiers)
    return [d for d in found if d is not None]


# -- the honours register -----------------------------------------------------------------


class HonourHeld(BaseModel):
    title: str  # the definition key (e.g. "dalian-labour-model")
    title_zh: str
    level: Level
    round_key: str
    granted_on: date


def check_honours(definition: AwardDefinition, held: Sequence[HonourHeld], name: str) -> None:
    """The same title at the same level is not granted again; a title that needs a prior
    honour finds it in the register."""
    again = [h for h in held if h.title == definition.key and h.level is definition.level]
    if again:
        h = again[0]
        raise InvalidState(
            f"{name} 已于 {h.granted_on} 获得{h.title_zh}（{LEVEL_LABELS[h.level][0]}），"
            "同一荣誉不重复授予",
            f"{name} already holds this title at this level (since {h.granted_on})",
        )
    prior = definition.requires_prior
    if prior is None:
        return
    ok = [
        h for h in held if h.level in prior.levels and (not prior.titles or h.title in prior.titles)
    ]
    if not ok:
        levels = "、".join(LEVEL_LABELS[lv][0] for lv in prior.levels)
        raise InvalidState(
            f"{name} 须先获得{levels}荣誉（荣誉登记中没有记录），依据：{prior.source}",
            f"{name} needs a prior {', '.join(lv.value for lv in prior.levels)} honour, "
            f"which the honours register does not hold; source: {prior.source}",
        )
