"""A contest as data: the scoring table, entry conditions, vetoes, judging rules, stages and
award categories of one contest (安康杯, a skills contest, the "六好" assessment).

A new contest is a new definition file (``application/contest_definitions.py`` reads them;
the shipped ones are in ``domain/contest_data/``), never new code. A round records the whole
definition it was opened with, so a later edit changes no running round.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.award.definition import Level
from domain.text import Key, Name, ShortText

Label = tuple[str, str]  # (Chinese, English)

Points = Annotated[Decimal, Field(gt=0, le=10_000, decimal_places=2)]
Share = Annotated[Decimal, Field(gt=0, le=1)]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Entrant(StrEnum):
    """Who enters: a unit (安康杯, 六好) or a person (a skills contest)."""

    UNIT = "unit"
    INDIVIDUAL = "individual"


class Item(BaseModel):
    """One line of the scoring table and the most points it gives."""

    model_config = _FROZEN

    key: Key
    zh: ShortText
    en: ShortText
    points: Points


class Section(BaseModel):
    """A section of the table; ``minimum``: the least points it must reach for the entry to
    be awarded (below it the entry is ranked but wins nothing)."""

    model_config = _FROZEN

    key: Key
    zh: Name
    en: Name
    items: list[Item] = Field(min_length=1)
    minimum: Annotated[Decimal, Field(ge=0)] | None = None
    weight: Share | None = None  # weighted tables (theory 30% / practice 70%)

    @property
    def points(self) -> Decimal:
        return sum((i.points for i in self.items), Decimal(0))


class Bonus(BaseModel):
    """Bonus items (加分项): counted up to ``cap`` together."""

    model_config = _FROZEN

    items: list[Item] = Field(min_length=1)
    cap: Points


class ScoringTable(BaseModel):
    """Sections and bonus items. Without weights the total is the sum of the sections; with
    weights each section counts as its percentage of its points times its weight."""

    model_config = _FROZEN

    sections: list[Section] = Field(min_length=1)
    bonus: Bonus | None = None
    source: ShortText

    @model_validator(mode="after")
    def _consistent(self) -> ScoringTable:
        keys = [s.key for s in self.sections]
        items = [i.key for s in self.sections for i in s.items]
        items += [i.key for i in (self.bonus.items if self.bonus else [])]
        if len(set(keys)) != len(keys) or len(set(items)) != len(items):
            raise ValueError("分项与评分项的 key 不能重复 / section and item keys must be unique")
        for s in self.sections:
            if s.minimum is not None and s.minimum > s.points:
                raise ValueError(
                    f"分项 {s.key} 的最低分 {s.minimum} 超过其满分 {s.points} / "
                    f"section {s.key}: minimum {s.minimum} exceeds its {s.points} points"
                )
        weights = [s.weight for s in self.sections]
        if any(w is not None for w in weights) and (
            any(w is None for w in weights) or sum(w for w in weights if w) != 1
        ):
            raise ValueError(
                "权重须为每个分项给出且合计为 1 / weights must be given for every section "
                "and add up to 1"
            )
        return self

    @property
    def weighted(self) -> bool:
        return self.sections[0].weight is not None

    @property
    def points(self) -> Decimal:
        """The most a sheet gives without bonus (100 for a weighted table)."""
        return Decimal(100) if self.weighted else sum((s.points for s in self.sections), Decimal(0))

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def item_points(self) -> dict[str, Decimal]:
        """Every item's most points, bonus items included."""
        found = {i.key: i.points for s in self.sections for i in s.items}
        found.update({i.key: i.points for i in (self.bonus.items if self.bonus else [])})
        return found


class EntryConditions(BaseModel):
    """What an entry's self-assessment must reach to be admitted (e.g. ≥80 and every
    section ≥80% of its points)."""

    model_config = _FROZEN

    self_assessment: bool = True
    min_total: Annotated[Decimal, Field(ge=0)] | None = None
    min_section_share: Share | None = None
    remind_every_days: int = Field(default=7, ge=1, le=90)  # days between reminders
    source: ShortText


class VetoFact(StrEnum):
    """Ledger facts a veto may rest on (``application/contest_facts.py`` reads them)."""

    ACCIDENT = "accident"  # ``unionflow safety accident``
    NO_WAGE_CONTRACT_IN_FORCE = "no_wage_contract_in_force"


class Severity(StrEnum):
    """An accident's severity, as the safety record gives it."""

    FATAL = "fatal"
    SERIOUS = "serious"
    MINOR = "minor"


SEVERITY_LABELS: dict[Severity, Label] = {
    Severity.FATAL: ("死亡事故", "fatal accident"),
    Severity.SERIOUS: ("重伤事故", "serious-injury accident"),
    Severity.MINOR: ("轻伤事故", "minor accident"),
}


class Veto(BaseModel):
    """一票否决: an entry whose unit has the fact is out, whatever its score.

    ``period``: ``round_year`` looks at the round's year, ``years`` back from the ranking."""

    model_config = _FROZEN

    key: Key
    fact: VetoFact
    zh: ShortText
    en: ShortText
    severities: list[Severity] = Field(default_factory=list)
    period: Literal["round_year", "years"] = "round_year"
    years: int = Field(default=1, ge=1, le=10)
    source: ShortText

    @model_validator(mode="after")
    def _severities(self) -> Veto:
        if (self.fact is VetoFact.ACCIDENT) != bool(self.severities):
            raise ValueError(
                "事故类否决须列出严重程度，其他否决不列 / an accident veto lists severities, "
                "other vetoes none"
            )
        return self


class Conflict(BaseModel):
    """An organiser-set conflict: ``judge`` may not judge ``entrant`` (a unit or a person)."""

    model_config = _FROZEN

    judge: Key
    entrant: Key
    reason: ShortText


class Judging(BaseModel):
    """How sheets become a score.

    ``short``: what happens to an entry with fewer sheets than ``judges_per_entry``:
    ``refuse`` (the ranking is refused, naming the entries) or ``keep_all`` (it is scored
    from the sheets it has, and nothing is dropped below ``min_sheets_to_drop``)."""

    model_config = _FROZEN

    judges_per_entry: int = Field(ge=1, le=50)
    blind: bool = False
    drop_high_low: bool = False
    min_sheets_to_drop: int = Field(default=3, ge=3, le=50)
    short: Literal["refuse", "keep_all"] = "refuse"
    normalise: bool = False  # per judge: every judge's totals rescaled to the round's spread
    self_weight: Annotated[Decimal, Field(ge=0, lt=1)] = Decimal(0)
    tie_breaks: list[Key] = Field(default_factory=list)  # section keys, in order
    commit_reveal: bool = False
    paper_double_entry: bool = False
    conflicts: list[Conflict] = Field(default_factory=list)
    source: ShortText


class Stage(BaseModel):
    """A round of the contest (初赛 → 决赛); ``advance``: how many go on to the next."""

    model_config = _FROZEN

    key: Key
    zh: Name
    en: Name
    advance: int | None = Field(default=None, ge=1, le=100_000)


class Category(BaseModel):
    """An entry category (企业, 班组) that award categories may be limited to."""

    model_config = _FROZEN

    code: Key
    zh: Name
    en: Name


class AwardCategory(BaseModel):
    """An award given in definition order down the ranking: at most ``quota`` entries
    scoring at least ``threshold``; ``ties``: entries tied at the quota's last place all
    win (``include_all``) or none of them does (``exclude_all``)."""

    model_config = _FROZEN

    key: Key
    zh: Name
    en: Name
    quota: int = Field(ge=1, le=100_000)
    threshold: Annotated[Decimal, Field(ge=0)] | None = None
    among: list[Key] = Field(default_factory=list)  # entry categories; empty: all
    ties: Literal["include_all", "exclude_all"] = "include_all"
    # A title granted at a level (entered in the honours register awards keep): not
    # granted to an entrant already holding it at that level.
    title: Key | None = None
    level: Level | None = None

    @model_validator(mode="after")
    def _title_has_level(self) -> AwardCategory:
        if (self.title is None) != (self.level is None):
            raise ValueError("称号和级别须同时给出 / a title needs its level and a level its title")
        return self

    def held_key(self) -> str | None:
        """How the entrant's held titles name this one (``title@level``), if it grants one."""
        return f"{self.title}@{self.level.value}" if self.title and self.level else None


class ContestDefinition(BaseModel):
    """One contest's rules; recorded whole in each round's first event."""

    model_config = _FROZEN

    key: Key
    zh: ShortText
    en: ShortText
    entrant: Entrant
    categories: list[Category] = Field(default_factory=list)
    table: ScoringTable
    entry: EntryConditions
    vetoes: list[Veto] = Field(default_factory=list)
    judging: Judging
    stages: list[Stage] = Field(min_length=1)
    awards: list[AwardCategory] = Field(min_length=1)
    # the public notice (公示) of the ranking: statutory working days, as awards count them
    notice_working_days: int = Field(default=5, ge=1, le=30)
    source: ShortText

    @model_validator(mode="after")
    def _consistent(self) -> ContestDefinition:
        sections = {s.key for s in self.table.sections}
        unknown = [k for k in self.judging.tie_breaks if k not in sections]
        if unknown:
            raise ValueError(
                f"并列时比较的分项不存在：{', '.join(unknown)} / "
                f"tie-breaks name unknown sections: {', '.join(unknown)}"
            )
        codes = {c.code for c in self.categories}
        for award in self.awards:
            missing = [c for c in award.among if c not in codes]
            if missing:
                raise ValueError(
                    f"奖项 {award.key} 引用了未定义的类别：{', '.join(missing)} / "
                    f"award {award.key} names unknown categories: {', '.join(missing)}"
                )
        for name, keys in (
            ("vetoes", [v.key for v in self.vetoes]),
            ("stages", [s.key for s in self.stages]),
            ("awards", [a.key for a in self.awards]),
        ):
            if len(set(keys)) != len(keys):
                raise ValueError(f"{name} 的 key 不能重复 / {name} keys must be unique")
        if self.entrant is Entrant.INDIVIDUAL and self.entry.self_assessment:
            raise ValueError("个人参赛不做自评 / individual entrants do not self-assess")
        if self.judging.self_weight and not self.entry.self_assessment:
            raise ValueError("自评权重需要自评 / a self-assessment weight needs a self-assessment")
        return self

    def stage(self, key: str) -> Stage | None:
        return next((s for s in self.stages if s.key == key), None)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)
