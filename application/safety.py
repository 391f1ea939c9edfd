"""Safety facts in the ledger: accidents and inspections of a unit, recorded through one
command each (``unionflow safety accident|inspection``) and read by contests' vetoes and
awards' disqualifiers, each answer naming the event it rests on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from application.command_meta import command_meta
from application.directory import DirectoryService
from domain.actors import Acting, CommandMeta, Role
from domain.contest.scoring import AccidentFact
from domain.contest.values import FactRef
from domain.errors import NotAuthorised
from domain.safety import (
    Accident,
    AccidentReport,
    Inspection,
    InspectionReport,
    SafetyRecord,
    check_recorder,
    safety_ledger_id,
)
from ledger.app import Ledger

ACCIDENT_EVENT = "SafetyRecord.AccidentRecorded"


def accident_ref(unit_org: str, a: Accident) -> FactRef:
    """The fact an accident is: the unit's safety record and the event's version in it."""
    return FactRef(
        record=unit_org,
        event=f"{ACCIDENT_EVENT} v{a.no}",
        on=a.on,
        detail=a.description[:80],
    )


class SafetyService:
    """Records and reads each unit's accidents and inspections."""

    def __init__(
        self,
        ledger: Ledger,
        directory: DirectoryService,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.ledger = ledger
        self.directory = directory
        self.clock = clock or (lambda: datetime.now(UTC))

    def _acting(self, actor: str, unit_org: str) -> Acting:
        record = self.directory.actor(actor)
        role = next((r for r in (Role.CADRE, Role.DEPARTMENT) if r in record.spec.roles), None)
        if role is None:
            raise NotAuthorised(
                "只有工会干部或部门可以记录安全生产情况",
                "only a union cadre or a department may record safety facts",
            )
        acting = self.directory.acting(actor, role)
        check_recorder(acting, unit_org, list(self.directory.organisation(unit_org).path))
        return acting

    def _meta(
        self,
        acting: Acting,
        operation: object,
        comment: str,
        command_id: str | None,
        now: datetime | None,
    ) -> CommandMeta:
        return command_meta("safety", acting, operation, comment, command_id, now or self.clock())

    def _record(
        self, unit_org: str, meta: CommandMeta, act: Callable[[SafetyRecord], None]
    ) -> SafetyRecord:
        def create() -> SafetyRecord:
            record = SafetyRecord.start(unit_org, meta)
            act(record)
            return record

        aggregate_id = safety_ledger_id(unit_org)
        if self.ledger.exists(aggregate_id):
            result = self.ledger.execute(aggregate_id, meta, act)
        else:
            result = self.ledger.execute(aggregate_id, meta, create=create)
        record: SafetyRecord = result.aggregate
        return record

    def record_accident(
        self,
        actor: str,
        report: AccidentReport,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> Accident:
        """An accident of a unit, as a ledger fact."""
        acting = self._acting(actor, report.unit_org)
        meta = self._meta(
            acting, ["accident", report.model_dump(mode="json")], comment, command_id, now
        )
        record = self._record(report.unit_org, meta, lambda r: r.record_accident(report, meta))
        return record.accidents[-1]

    def record_inspection(
        self,
        actor: str,
        report: InspectionReport,
        *,
        comment: str = "",
        command_id: str | None = None,
        now: datetime | None = None,
    ) -> Inspection:
        """A safety inspection of a unit, as a ledger fact."""
        acting = self._acting(actor, report.unit_org)
        meta = self._meta(
            acting, ["inspection", report.model_dump(mode="json")], comment, command_id, now
        )
        record = self._record(report.unit_org, meta, lambda r: r.record_inspection(report, meta))
        return record.inspections[-1]

    def accidents(self, unit_org: str, *, as_of: datetime | None = None) -> list[Accident]:
        """The unit's accidents, those recorded by ``as_of`` when given."""
        record = self.ledger.find(safety_ledger_id(unit_org))
        if record is None:
            return []
        found: list[Accident] = record.accidents
        return [a for a in found if as_of is None or a.recorded_at <= as_of]

    def inspections(self, unit_org: str) -> list[Inspection]:
        record = self.ledger.find(safety_ledger_id(unit_org))
        return list(record.inspections) if record is not None else []

    def accident_facts(self, unit_org: str, *, as_of: datetime | None = None) -> list[AccidentFact]:
        """The unit's accidents as facts a veto can rest on."""
        return [
            AccidentFact(ref=accident_ref(unit_org, a), severity=a.severity, on=a.on)
            for a in self.accidents(unit_org, as_of=as_of)
        ]
