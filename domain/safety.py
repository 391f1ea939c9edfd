"""A unit's safety record (安全生产记录): accidents and inspections as ledger facts.

One record per unit, so every fact about a unit is one read; contests' vetoes (一票否决)
and awards' disqualifiers rest on these events and name them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.actors import Acting, CommandMeta, Role
from domain.base import LedgerAggregate, deterministic_id
from domain.contest.definition import Severity
from domain.errors import InvalidInput, NotAuthorised
from domain.text import Key, LongText, Name, ShortText

SAFETY_KIND = "safety_record"


def safety_ledger_id(unit_org: str) -> uuid.UUID:
    return deterministic_id(SAFETY_KIND, unit_org)


class AccidentReport(BaseModel):
    """An accident as the unit's cadre or the safety department reports it."""

    model_config = ConfigDict(extra="forbid")

    unit_org: Key
    on: date
    severity: Severity
    description: LongText
    casualties: int = Field(default=0, ge=0, le=10_000)


class InspectionReport(BaseModel):
    """A safety inspection (安全检查) and the hazards it found."""

    model_config = ConfigDict(extra="forbid")

    unit_org: Key
    on: date
    inspector: Name
    hazards: int = Field(default=0, ge=0, le=10_000)
    findings: ShortText


class Accident(BaseModel):
    no: int  # the version of the event that recorded it
    recorded_at: datetime
    on: date
    severity: Severity
    description: str
    casualties: int
    recorded_by: str


class Inspection(BaseModel):
    no: int
    on: date
    inspector: str
    hazards: int
    findings: str


class SafetyView(BaseModel):
    """A unit's safety record as the CLI and ``unionflow status`` show it."""

    unit_org: str
    accidents: list[Accident]
    inspections: list[Inspection]


def check_recorder(acting: Acting, unit_org: str, unit_path: list[str]) -> None:
    """A cadre of the unit or of a union above it, or a department (应急管理) of those,
    records safety facts."""
    if acting.role not in (Role.CADRE, Role.DEPARTMENT) or acting.org_id not in unit_path:
        raise NotAuthorised(
            f"只有 {unit_org} 或其上级的工会干部、部门可以记录安全生产情况",
            f"only a cadre or department of {unit_org} or above it may record safety facts",
        )


class SafetyRecord(LedgerAggregate):
    """Every accident and inspection recorded for one unit."""

    KIND = SAFETY_KIND

    class Created(LedgerAggregate.Created):
        unit_org: str

        def apply(self, aggregate: SafetyRecord) -> None:
            aggregate.unit_org = self.unit_org

    class AccidentRecorded(LedgerAggregate.Event):
        on: date
        severity: Severity
        description: str
        casualties: int

        def apply(self, aggregate: SafetyRecord) -> None:
            aggregate.accidents.append(
                Accident(
                    no=self.originator_version,
                    recorded_at=self.timestamp,
                    on=self.on,
                    severity=self.severity,
                    description=self.description,
                    casualties=self.casualties,
                    recorded_by=self.actor["id"],
                )
            )

    class InspectionRecorded(LedgerAggregate.Event):
        on: date
        inspector: str
        hazards: int
        findings: str

        def apply(self, aggregate: SafetyRecord) -> None:
            aggregate.inspections.append(
                Inspection(
                    no=self.originator_version,
                    on=self.on,
                    inspector=self.inspector,
                    hazards=self.hazards,
                    findings=self.findings,
                )
            )

    def __init__(self, unit_org: str) -> None:
        super().__init__()
        self.unit_org = unit_org
        self.accidents: list[Accident] = []
        self.inspections: list[Inspection] = []

    def view(self) -> SafetyView:
        return SafetyView(
            unit_org=self.unit_org,
            accidents=[a.model_copy() for a in self.accidents],
            inspections=[i.model_copy() for i in self.inspections],
        )

    @classmethod
    def start(cls, unit_org: str, meta: CommandMeta) -> SafetyRecord:
        return cls._new(safety_ledger_id(unit_org), meta, unit_org=unit_org)

    def record_accident(self, report: AccidentReport, meta: CommandMeta) -> None:
        if report.on > meta.today():
            raise InvalidInput("事故日期不能晚于今天", "an accident cannot be in the future")
        self._emit(
            self.AccidentRecorded,
            meta,
            on=report.on,
            severity=report.severity,
            description=report.description,
            casualties=report.casualties,
        )

    def record_inspection(self, report: InspectionReport, meta: CommandMeta) -> None:
        if report.on > meta.today():
            raise InvalidInput("检查日期不能晚于今天", "an inspection cannot be in the future")
        self._emit(
            self.InspectionRecorded,
            meta,
            on=report.on,
            inspector=report.inspector,
            hazards=report.hazards,
            findings=report.findings,
        )
