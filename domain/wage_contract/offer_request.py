"""Employees' request that the union send the offer to bargain (职工要求发出要约).

When at least the profile's fraction of a unit's employees (``offer_request_fraction``,
1/5 by default) ask in writing, the union is obliged to send the offer; the obligation
stands until a wage contract case of that unit and year is opened. One request per unit
and year: its ledger id is derived from both.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from domain.actors import CommandMeta
from domain.base import LedgerAggregate, ViewState, deterministic_id
from domain.errors import InvalidInput
from domain.policies import check_unit_cadre
from domain.profiles import RuleProfile
from domain.wage_contract.values import EmployeeRequest


class RecordOfferRequest(BaseModel):
    """Record employees' written request that the union send the offer."""

    unit_org: str = Field(min_length=1)
    year: int = Field(ge=2000, le=2200)
    employees: int = Field(gt=0, le=10_000_000)
    signatures: int = Field(gt=0, le=10_000_000)


class OfferRequestView(BaseModel):
    """A recorded request and the rule it met."""

    unit_org: str
    year: int
    employees: int
    signatures: int
    received_on: date
    recorded_by: str
    fraction: str  # the profile's fraction the request met, e.g. "1/5"
    version: int = 0

    def facts(self) -> EmployeeRequest:
        """What the wage contract case records about the request."""
        return EmployeeRequest(
            employees=self.employees, signatures=self.signatures, received_on=self.received_on
        )


def offer_request_id(unit_org: str, year: int) -> UUID:
    """The ledger id of the employees' request of ``unit_org`` for ``year``."""
    return deterministic_id("wage-offer-request", f"{unit_org}:{year}")


class OfferRequest(ViewState[OfferRequestView], LedgerAggregate):
    """Employees' request that obliges the union to send the offer."""

    VIEW = OfferRequestView

    class Created(LedgerAggregate.Created):
        """The request was received and met the profile's fraction."""

        unit_org: str
        year: int
        employees: int
        signatures: int
        received_on: date
        fraction_num: int
        fraction_den: int
        profile_name: str

        def apply(self, aggregate: OfferRequest) -> None:
            aggregate.s = OfferRequestView(
                unit_org=self.unit_org,
                year=self.year,
                employees=self.employees,
                signatures=self.signatures,
                received_on=self.received_on,
                recorded_by=self.actor["id"],
                fraction=f"{self.fraction_num}/{self.fraction_den}",
                version=1,
            )

    def __init__(self) -> None:
        super().__init__()
        self.s: OfferRequestView  # declared, not assigned: Created.apply sets it

    @classmethod
    def record(
        cls, command: RecordOfferRequest, meta: CommandMeta, *, profile: RuleProfile
    ) -> OfferRequest:
        """Record the request; refused below the profile's fraction of employees."""
        check_unit_cadre(meta.acting, command.unit_org, ("登记职工要约要求", "record the request"))
        if command.signatures > command.employees:
            raise InvalidInput(
                f"签名人数（{command.signatures}）多于职工人数（{command.employees}）",
                f"more signatures ({command.signatures}) than employees ({command.employees})",
            )
        fraction = profile.wage_contract.offer_request_fraction
        if not fraction.allows(command.signatures, command.employees):
            raise InvalidInput(
                f"{command.employees}名职工中{command.signatures}人提出，未达到"
                f"{fraction.num}/{fraction.den}，工会无须据此发出要约",
                f"{command.signatures} of {command.employees} employees is below "
                f"{fraction.num}/{fraction.den}: the request does not oblige the offer",
            )
        return cls._new(
            offer_request_id(command.unit_org, command.year),
            meta,
            unit_org=command.unit_org,
            year=command.year,
            employees=command.employees,
            signatures=command.signatures,
            received_on=meta.today(),
            fraction_num=fraction.num,
            fraction_den=fraction.den,
            profile_name=profile.name,
        )
