"""A campaign (集中行动) as data: who is in, what counts per unit, the targets and the
reporting timeline. A new campaign is a new definition file (``domain/campaign_data/``), never
new code; a campaign records the whole definition it was opened with.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.text import Key

Label = tuple[str, str]  # (Chinese, English)

# The facts application/unit_facts.py knows; an indicator naming another is refused.
KNOWN_FACTS: frozenset[str] = frozenset(
    {"wage_contract_in_force", "congress_held_this_year", "motion_run_this_year", "honour_held"}
)

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Ownership(StrEnum):
    PUBLIC = "public"  # 公有
    NON_PUBLIC = "non_public"  # 非公有


class Source(StrEnum):
    FACT = "fact"  # derived from the ledger
    REPORT = "report"  # the unit's cadre reports, the district union reviews
    EITHER = "either"  # the fact, or an approved report when the fact is absent


class Evidence(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"


class ValueKind(StrEnum):
    FLAG = "flag"
    COUNT = "count"


class TargetKind(StrEnum):
    RATE = "rate"
    COUNT = "count"


class Filter(BaseModel):
    """A sub-population: every given field must match (lists: any of)."""

    model_config = _FROZEN

    unionised: bool | None = None
    ownership: list[Ownership] | None = None
    district: list[str] | None = None
    industry: list[str] | None = None

    def admits(
        self, *, unionised: bool, ownership: Ownership | str, district: str, industry: str
    ) -> bool:
        if self.unionised is not None and unionised != self.unionised:
            return False
        if self.ownership is not None and Ownership(ownership) not in self.ownership:
            return False
        if self.district is not None and district not in self.district:
            return False
        return self.industry is None or industry in self.industry


class Population(BaseModel):
    model_config = _FROZEN

    filter: Filter = Field(default_factory=Filter)


class Indicator(BaseModel):
    model_config = _FROZEN

    key: Key
    label: Label
    source: Source
    fact: str | None = None
    evidence: Evidence = Evidence.OPTIONAL
    value: ValueKind = ValueKind.FLAG

    @model_validator(mode="after")
    def _fact(self) -> Indicator:
        if self.source in (Source.FACT, Source.EITHER):
            if self.fact is None:
                raise ValueError(f"indicator {self.key}: source {self.source.value} needs a fact")
            if self.fact not in KNOWN_FACTS:
                known = ", ".join(sorted(KNOWN_FACTS))
                raise ValueError(f"indicator {self.key}: unknown fact {self.fact} (known: {known})")
        elif self.fact is not None:
            raise ValueError(f"indicator {self.key}: a report indicator names no fact")
        return self


class Target(BaseModel):
    model_config = _FROZEN

    key: Key
    label: Label
    indicator: Key
    kind: TargetKind
    among: Filter = Field(default_factory=Filter)
    at_least: Annotated[float, Field(gt=0)]
    by: date

    @model_validator(mode="after")
    def _amount(self) -> Target:
        if self.kind is TargetKind.RATE and not 0 < self.at_least <= 1:
            raise ValueError(f"target {self.key}: a rate is within (0, 1], not {self.at_least}")
        if self.kind is TargetKind.COUNT and (
            self.at_least < 1 or self.at_least != int(self.at_least)
        ):
            raise ValueError(f"target {self.key}: a count is an integer ≥ 1, not {self.at_least}")
        return self


class Period(BaseModel):
    model_config = _FROZEN

    key: Key
    starts: date
    due: date

    @model_validator(mode="after")
    def _order(self) -> Period:
        if self.due < self.starts:
            raise ValueError(f"period {self.key}: due {self.due} before it starts {self.starts}")
        return self


class Timeline(BaseModel):
    model_config = _FROZEN

    periods: list[Period] = Field(min_length=1)
    remind_every_days: Annotated[int, Field(ge=1, le=366)] = 7
    escalate_after: Annotated[int, Field(ge=1, le=100)] = 3
    final_report: date

    @model_validator(mode="after")
    def _order(self) -> Timeline:
        keys = [p.key for p in self.periods]
        if len(set(keys)) != len(keys):
            raise ValueError("two periods have the same key")
        for a, b in zip(self.periods, self.periods[1:], strict=False):
            if b.starts < a.due:
                raise ValueError(f"period {b.key} starts before {a.key} is due")
        if self.final_report < self.periods[-1].due:
            raise ValueError(f"final report {self.final_report} before the last period is due")
        return self

    def period(self, key: str) -> Period:
        for p in self.periods:
            if p.key == key:
                return p
        raise KeyError(key)


class CampaignDefinition(BaseModel):
    """One campaign: its population, indicators, targets and timeline."""

    model_config = _FROZEN

    key: Key
    title: Label
    year: Annotated[int, Field(ge=2000, le=2100)]
    population: Population = Field(default_factory=Population)
    indicators: list[Indicator] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    timeline: Timeline

    @model_validator(mode="after")
    def _refs(self) -> CampaignDefinition:
        keys = [i.key for i in self.indicators]
        if len(set(keys)) != len(keys):
            raise ValueError("two indicators have the same key")
        tkeys = [t.key for t in self.targets]
        if len(set(tkeys)) != len(tkeys):
            raise ValueError("two targets have the same key")
        by_key = {i.key: i for i in self.indicators}
        for t in self.targets:
            ind = by_key.get(t.indicator)
            if ind is None:
                raise ValueError(f"target {t.key}: unknown indicator {t.indicator}")
            if t.kind is TargetKind.COUNT and ind.value is not ValueKind.COUNT:
                raise ValueError(f"target {t.key}: a count target needs a count indicator")
        return self

    def indicator(self, key: str) -> Indicator:
        for i in self.indicators:
            if i.key == key:
                return i
        raise KeyError(key)
