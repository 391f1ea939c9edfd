"""An award as data: what a title is, who may be nominated, and the rules of its selection.

A new title (劳动模范, 五一劳动奖章, 工人先锋号, a local 大连名师) is a new definition file
(``application/award_definitions.py`` reads them; the shipped ones are in
``domain/award_data/``), never new code. A definition holds the places per sub-union, the
proportion rules over the whole list, the disqualifiers resting on ledger facts, the
departments whose clearance each nominee needs, the honours a title presupposes, and the
round's timeline in working days. Every number names its source.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.text import Key, Name, ShortText

Label = tuple[str, str]  # (Chinese, English)


class Level(StrEnum):
    """The level an honour is granted at; a title is granted once per level."""

    NATIONAL = "national"
    PROVINCIAL = "provincial"
    CITY = "city"
    COUNTY = "county"


LEVEL_LABELS: dict[Level, Label] = {
    Level.NATIONAL: ("全国", "national"),
    Level.PROVINCIAL: ("省级", "provincial"),
    Level.CITY: ("市级", "city"),
    Level.COUNTY: ("县区级", "county"),
}


class Subject(StrEnum):
    """Whom the title is for: a person (劳动模范, 奖章) or a collective (工人先锋号, 奖状)."""

    INDIVIDUAL = "individual"
    COLLECTIVE = "collective"


class Tag(BaseModel):
    """A category or a flag a nominee may carry, with its labels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Key
    zh: Name
    en: Name


class Share(BaseModel):
    """A proportion rule over the whole list: the nominees who carry any of ``any_of``
    (categories or flags) make at least / at most ``share`` of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Key
    zh: ShortText
    en: ShortText
    any_of: list[Key] = Field(min_length=1)
    at_least: Annotated[Decimal, Field(gt=0, le=1)] | None = None
    at_most: Annotated[Decimal, Field(ge=0, lt=1)] | None = None
    hard: bool = True  # a final list breaking a hard rule is refused; a soft one warns
    source: ShortText

    @model_validator(mode="after")
    def _one_bound(self) -> Share:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("给出 at_least 或 at_most 之一 / give one of at_least, at_most")
        return self


class FactKind(StrEnum):
    """Ledger facts a disqualifier may rest on (``application/award_facts.py`` reads them)."""

    NO_WAGE_CONTRACT_IN_FORCE = "no_wage_contract_in_force"
    NO_CONGRESS_IN_TERM = "no_congress_in_term"
    SERIOUS_ACCIDENT = "serious_accident"  # recorded by the contests issue's safety command


class Disqualifier(BaseModel):
    """A bar from a ledger fact about the nominee's unit (or, for a collective, itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fact: FactKind
    zh: ShortText
    en: ShortText
    years: int | None = Field(default=None, ge=1, le=10)  # a look-back (accidents: 3)
    source: ShortText


class Clearance(BaseModel):
    """A department whose opinion (征求意见) every nominee needs before the second review."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Key
    zh: Name
    en: Name


class PriorHonour(BaseModel):
    """A title needs one of these honours already held (the national medal: a provincial
    honour)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    levels: list[Level] = Field(min_length=1)
    titles: list[Key] = Field(default_factory=list)  # empty: any title at those levels
    source: ShortText


class Timeline(BaseModel):
    """The round's periods; notices count statutory working days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notice_working_days: int = Field(default=5, ge=1, le=30)
    clearance_working_days: int = Field(default=10, ge=1, le=60)
    clearance_reminder_working_days: int = Field(default=3, ge=1, le=30)
    source: ShortText


class AwardDefinition(BaseModel):
    """One title's selection rules; recorded whole in the round's first event."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Key
    zh: ShortText
    en: ShortText
    level: Level
    subject: Subject
    categories: list[Tag] = Field(min_length=1)
    flags: list[Tag] = Field(default_factory=list)
    places: dict[Key, Annotated[int, Field(ge=1, le=10_000)]] = Field(min_length=1)
    shares: list[Share] = Field(default_factory=list)
    disqualifiers: list[Disqualifier] = Field(default_factory=list)
    clearances: list[Clearance] = Field(default_factory=list)
    requires_prior: PriorHonour | None = None
    timeline: Timeline
    source: ShortText

    @model_validator(mode="after")
    def _consistent(self) -> AwardDefinition:
        codes = [t.code for t in (*self.categories, *self.flags)]
        if len(set(codes)) != len(codes):
            raise ValueError("类别与标记的代码不能重复 / category and flag codes must be unique")
        for share in self.shares:
            unknown = [c for c in share.any_of if c not in codes]
            if unknown:
                raise ValueError(
                    f"比例规则 {share.key} 引用了未定义的类别或标记：{', '.join(unknown)} / "
                    f"share {share.key} names unknown codes: {', '.join(unknown)}"
                )
        for name, items in (
            ("shares", [s.key for s in self.shares]),
            ("clearances", [c.key for c in self.clearances]),
        ):
            if len(set(items)) != len(items):
                raise ValueError(f"{name} 的 key 不能重复 / {name} keys must be unique")
        return self

    @property
    def total_places(self) -> int:
        return sum(self.places.values())

    def category(self, code: str) -> Tag | None:
        return next((t for t in self.categories if t.code == code), None)

    def flag(self, code: str) -> Tag | None:
        return next((t for t in self.flags if t.code == code), None)
