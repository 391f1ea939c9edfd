"""Rule profiles (规则配置): every statutory or provincial number the processes obey, as data.

Profiles live in ``profile_data/*.yaml``; a provincial file names ``extends:`` and lists
only what differs. Periods named ``*_days``/``*_months`` are calendar periods,
``*_working_days`` count working days (see ``domain.calendar``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

_CENT = Decimal("0.01")


def _to_cents(value: Decimal) -> Decimal:
    # 22, 22.0 and "22.00" are one amount; a fixed exponent keeps the fingerprint equal too.
    return value.quantize(_CENT)


Yuan = Annotated[Decimal, Field(gt=0, decimal_places=2), AfterValidator(_to_cents)]
Percent = Annotated[Decimal, Field(ge=-100, le=100, decimal_places=2), AfterValidator(_to_cents)]


class ProfileError(ValueError):
    """A rule profile is missing, ambiguous, cyclic or invalid."""


class _Rules(BaseModel):
    """Base of every profile section: immutable, and unknown keys are typos."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # An override replaces a whole-valued section instead of merging into it, so a
    # province's three wage areas never inherit the national fourth one.
    merge_whole: ClassVar[bool] = False


class Fraction(_Rules):
    """A share ``num/den``, compared with integer arithmetic so 2/3 of 30 is exactly 20."""

    merge_whole: ClassVar[bool] = True

    num: int = Field(ge=0)
    den: int = Field(gt=0)
    strict: bool = Field(
        description="True: the bound itself does not satisfy the rule (more/less than)."
    )

    @model_validator(mode="after")
    def _check_proper(self) -> Self:
        if self.num > self.den:
            raise ValueError(f"num {self.num} exceeds den {self.den}")
        return self

    def allows(self, part: int, whole: int) -> bool:
        """Whether ``part`` of ``whole`` satisfies this rule."""
        raise NotImplementedError

    def _cross(self, part: int, whole: int) -> tuple[int, int]:
        if whole <= 0 or not 0 <= part <= whole:
            raise ValueError(f"need 0 <= part <= whole and whole > 0, got {part}/{whole}")
        return part * self.den, self.num * whole


class MinFraction(Fraction):
    """A floor: ``part/whole`` must reach ``num/den``, or exceed it when ``strict``."""

    def allows(self, part: int, whole: int) -> bool:
        """Whether ``part`` of ``whole`` reaches the floor."""
        lhs, rhs = self._cross(part, whole)
        return lhs > rhs if self.strict else lhs >= rhs

    def least(self, whole: int) -> int:
        """The smallest ``part`` of ``whole`` that reaches the floor: 20 of 30 for ≥2/3."""
        reached = self.num * whole // self.den
        exact = reached * self.den == self.num * whole
        return reached + 1 if self.strict or not exact else reached


class MaxFraction(Fraction):
    """A ceiling: ``part/whole`` must not pass ``num/den``, nor reach it when ``strict``."""

    def allows(self, part: int, whole: int) -> bool:
        """Whether ``part`` of ``whole`` stays under the ceiling."""
        lhs, rhs = self._cross(part, whole)
        return lhs < rhs if self.strict else lhs <= rhs


class AreaMinimumWage(_Rules):
    """The minimum wage of one wage area class (一类区 … 四类区 = class 1 … 4)."""

    area_class: int = Field(ge=1, le=4, description="1 is the highest-paid area class.")
    monthly_yuan: Yuan = Field(description="Monthly minimum for full-time work, yuan.")
    hourly_yuan: Yuan = Field(description="Hourly minimum for part-time work, yuan.")


class MinimumWage(_Rules):
    """Local minimum wage (最低工资标准): the floor a wage contract must respect."""

    merge_whole: ClassVar[bool] = True

    areas: list[AreaMinimumWage] = Field(min_length=1)
    effective_from: dt.date | None = Field(
        default=None, description="The date the figures took effect, if known."
    )
    source: str = Field(min_length=1, description="The notice the figures come from.")

    @model_validator(mode="after")
    def _check_areas(self) -> Self:
        classes = [area.area_class for area in self.areas]
        if classes != list(range(1, len(classes) + 1)):
            raise ValueError(f"area classes must be 1..n in order, got {classes}")
        return self

    def for_area(self, area_class: int) -> AreaMinimumWage:
        """The figures of ``area_class``."""
        for area in self.areas:
            if area.area_class == area_class:
                return area
        raise KeyError(f"no wage area class {area_class}")


class WageGuideline(_Rules):
    """Government wage guideline (工资指导线): yearly raise benchmarks in percent."""

    merge_whole: ClassVar[bool] = True

    year: int = Field(ge=2000, le=2200)
    baseline_pct: Percent = Field(description="Baseline raise (基准线), percent.")
    upper_pct: Percent = Field(description="Warning upper line (预警上线), percent.")
    lower_pct: Percent = Field(description="Lower line (下线), percent.")
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check_order(self) -> Self:
        if not self.lower_pct <= self.baseline_pct <= self.upper_pct:
            raise ValueError("need lower_pct <= baseline_pct <= upper_pct")
        return self


# The codes of the higher union's pre-review checks (``domain.wage_contract.checks``).
PRE_REVIEW_CHECKS = ("minimum_wage", "wage_guideline", "negotiators", "outsiders", "chiefs_signed")


class WageContractRules(_Rules):
    """Periods and thresholds of the wage special collective contract (工资专项集体合同)."""

    reply_days: int = Field(
        ge=1, description="CCR §32: written reply to an offer within 20 (calendar) days."
    )
    talks_start_working_days: int = Field(
        ge=1, description="[profile, provincial] talks start within 10 working days of the reply."
    )
    talks_start_reminder_working_days_before: int = Field(
        default=2,
        ge=0,
        description="[inferred] the unit reminded 2 working days before talks must start.",
    )
    offer_request_fraction: MinFraction = Field(
        description="[profile] at least 1/5 of employees asking obliges the union to send the offer."
    )
    data_before_talks_days: int = Field(
        ge=0, description="WCN §18: requested data provided at least 5 days before talks."
    )
    suspension_cap_days: int = Field(
        ge=1, description="[profile, Wuhan] a deadlock suspension lasts at most 60 days."
    )
    negotiators_min_per_side: int = Field(
        ge=1, description="CCR §19: equal sides of at least 3 negotiators, one chief each."
    )
    outsiders_max_fraction: MaxFraction = Field(
        description="CCR §23: outside experts at most 1/3 of a side, never the chief."
    )
    pre_review_working_days: int = Field(
        ge=1, description="[profile, inferred] higher-union pre-review within 10 working days."
    )
    pre_review_reminder_working_days_before: int = Field(
        ge=0, description="[inferred] reviewer reminded 2 working days before the deadline."
    )
    pre_review_escalates: bool = Field(
        description="[inferred; Dalian 2012 plan] an overdue pre-review goes to the next higher union."
    )
    adoption_quorum: MinFraction = Field(
        description="CCR §36, EDM §20: at least 2/3 of all delegates present."
    )
    adoption_pass: MinFraction = Field(
        description="CCR §36, EDM §20: more than 1/2 of ALL delegates; exactly half fails."
    )
    adoption_secret_ballot: bool = Field(description="EDM §20: adoption by secret ballot.")
    filing_days: int = Field(
        ge=1, description="CCR §42: filed within 10 days of signing [profile; WCN §21 says 7]."
    )
    filing_copies: int = Field(ge=1, description="CCR §42: copies of the contract filed.")
    filing_fix_days: int = Field(
        ge=1, description="[profile] an incomplete filing package is fixed within 7 days."
    )
    filing_reminder_days_before: int = Field(
        ge=0, description="[inferred] parties reminded 2 days before the filing deadline."
    )
    review_window_days: int = Field(
        ge=1, description="CCR §46–47, 劳动法 §34: no objection in 15 days means effective."
    )
    publication_days: int = Field(
        ge=1,
        description="WCN §23: published to employees within 5 days [profile; 10 in some provinces].",
    )
    higher_union_report_days: int = Field(
        ge=1, description="[profile] reported to the higher union within 15 days of effect."
    )
    renewal_notice_days: int = Field(
        ge=1, description="WCN §24: the next round opens at least 60 days before expiry."
    )
    contract_term_months: int = Field(
        ge=1, description="WCN §24: a wage contract runs for one year (12 months)."
    )
    minimum_wage: MinimumWage = Field(description="劳动合同法 §55: wage standards not below it.")
    wage_guideline: WageGuideline = Field(description="Pre-review checks the raise against it.")
    contract_term_months_max: int | None = Field(
        default=None,
        ge=1,
        description="[profile] the longest term a draft may set; None: contract_term_months.",
    )
    advisory_checks: tuple[str, ...] = Field(
        default=("wage_guideline",),
        description=(
            "Pre-review checks a reviewer may approve against with a written reason; every "
            "other check is a legal floor (minimum wage, negotiators, chiefs) and blocks."
        ),
    )

    @model_validator(mode="after")
    def _check_term_and_checks(self) -> Self:
        if self.contract_term_months_max is not None and (
            self.contract_term_months_max < self.contract_term_months
        ):
            raise ValueError("contract_term_months_max is below contract_term_months")
        unknown = set(self.advisory_checks) - set(PRE_REVIEW_CHECKS)
        if unknown:
            raise ValueError(f"unknown pre-review checks in advisory_checks: {sorted(unknown)}")
        return self

    @property
    def term_months_max(self) -> int:
        """The longest term a wage contract may run under this profile."""
        return self.contract_term_months_max or self.contract_term_months


class CongressRules(_Rules):
    """Sessions, polls and motions of the workers' congress (职代会)."""

    papers_before_days: int = Field(
        ge=0, description="SH §30: papers to delegates at least 7 days before the session."
    )
    quorum: MinFraction = Field(description="SH §28: at least 2/3 of all delegates present.")
    pass_threshold: MinFraction = Field(
        description="EDM §20: more than 1/2 of ALL delegates, not of those present."
    )
    pass_by_item_kind: dict[str, MinFraction] = Field(
        default_factory=dict,
        description="[profile] a pass rule per agenda item kind (approval, advice, election, "
        "appraisal); kinds not listed use pass_threshold.",
    )
    report_working_days: int = Field(
        ge=1, description="SH §37: results reported to the higher union within 7 working days."
    )
    # Defaults keep profiles recorded before these fields existed valid, with the values
    # that were then built in.
    report_reminder_working_days: int = Field(
        default=2,
        ge=0,
        description="[profile] the unit is reminded 2 working days before the report is due.",
    )
    results_publication_working_days: int = Field(
        default=5,
        ge=1,
        description="[profile, inferred] results reach all employees within 5 working days of "
        "the close, before the SH §37 report to the higher union.",
    )
    approval_secret_ballot: bool = Field(
        default=True,
        description="SH §31, EDM §20: every approval item (审议通过) is voted by secret ballot; "
        "an agenda cannot make one named.",
    )
    managers_max_fraction: MaxFraction = Field(
        description="SH §16: managers at most 20% of delegates."
    )
    presidium_workers_min_fraction: MinFraction = Field(
        description="EDM §19: workers and technicians at least 50% of the presidium."
    )
    term_years_min: int = Field(ge=1, description="SH §22: a term lasts 3 to 5 years.")
    term_years_max: int = Field(ge=1, description="SH §22: a term lasts 3 to 5 years.")
    extraordinary_request_fraction: MinFraction = Field(
        description="SH §22: 1/3 of delegates may request an extraordinary session."
    )
    motion_seconders_min: int = Field(
        ge=0, description="[profile] a motion needs at least 2 seconders (some units use 3)."
    )
    motion_answer_months: int = Field(
        ge=1, description="[profile, inferred] a filed motion is answered within 3 months."
    )
    motion_extension_months: int = Field(
        ge=0, description="[profile, inferred] one extension of 1 month for the answer."
    )
    motion_call_days_before: int = Field(
        ge=0, description="[profile] the call for motions opens about 30 days before the session."
    )
    motion_answer_reminder_days: int = Field(
        default=7,
        ge=0,
        description="[profile] the lead department is reminded 7 days before the answer is due.",
    )

    def pass_rule(self, item_kind: str) -> MinFraction:
        """The share of ALL delegates an item of this kind needs."""
        return self.pass_by_item_kind.get(item_kind, self.pass_threshold)

    @model_validator(mode="after")
    def _check_term(self) -> Self:
        if self.term_years_min > self.term_years_max:
            raise ValueError("term_years_min exceeds term_years_max")
        return self


class RuleProfile(_Rules):
    """A complete, merged rule profile; its fingerprint is recorded when a process starts."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    extends: str | None = Field(default=None, description="The base profile, if any.")
    wage_contract: WageContractRules
    congress: CongressRules

    def fingerprint(self) -> str:
        """SHA-256 hex of the profile's canonical JSON."""
        canonical = json.dumps(
            self.model_dump(mode="json"),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def merge_layers(
    base: Mapping[str, Any], override: Mapping[str, Any], model: type[BaseModel] | None
) -> dict[str, Any]:
    """Deep-merge ``override`` onto ``base``; whole-valued sections are replaced, not merged."""
    merged = dict(base)
    for key, value in override.items():
        section = _section_model(model, key)
        whole = section is not None and section.merge_whole
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not whole:
            merged[key] = merge_layers(merged[key], value, section)
        else:
            merged[key] = value
    return merged


def _section_model(model: type[BaseModel] | None, key: str) -> type[_Rules] | None:
    field = model.model_fields.get(key) if model is not None else None
    annotation = field.annotation if field is not None else None
    if isinstance(annotation, type) and issubclass(annotation, _Rules):
        return annotation
    return None
