"""The auditor's facade: timelines, point-in-time reads, seals and verification."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from domain.actors import Acting, CommandMeta, system_acting
from domain.base import _plain
from ledger.app import Ledger
from settings import Settings

_META_FIELDS = {
    "originator_id",
    "originator_version",
    "originator_topic",
    "timestamp",
    "actor",
    "command_id",
    "comment",
    "prev_hash",
    "hash",
}


class TimelineEntry(BaseModel):
    """One event as an auditor reads it."""

    aggregate_id: str
    version: int
    timestamp: datetime
    event: str
    actor: dict[str, str]
    comment: str
    command_id: str
    prev_hash: str
    hash: str
    facts: dict[str, Any]


def timeline_entry(event: Any) -> TimelineEntry:
    """An auditor's view of a stored event."""
    data = vars(event)
    return TimelineEntry(
        aggregate_id=str(event.originator_id),
        version=event.originator_version,
        timestamp=event.timestamp,
        event=type(event).__qualname__.split(".")[-1],
        actor=dict(data.get("actor", {})),
        comment=data.get("comment", ""),
        command_id=data.get("command_id", ""),
        prev_hash=data.get("prev_hash", ""),
        hash=data.get("hash", ""),
        facts={k: _plain(v) for k, v in data.items() if k not in _META_FIELDS},
    )


class AuditService:
    """Read histories, seal the ledger, verify it."""

    def __init__(self, ledger: Ledger, settings: Settings) -> None:
        self.ledger = ledger
        self.settings = settings

    def timeline(
        self, aggregate_id: uuid.UUID, *, at: datetime | None = None
    ) -> list[TimelineEntry]:
        """The events of one aggregate, up to ``at`` when given."""
        entries = [timeline_entry(e) for e in self.ledger.stream(aggregate_id)]
        if at is not None:
            entries = [e for e in entries if e.timestamp <= at]
        return entries

    def seal(self, comment: str = "", *, acting: Acting | None = None) -> Any:
        """Append a signed seal over everything recorded since the last one.

        ``acting``: the operator who seals from the CLI; the engine's own periodic and
        milestone seals are made by the system.
        """
        from ledger.seal import SealKey, seal_ledger

        key = SealKey.load_or_create(self.settings.seal_key_path)
        upto = self.ledger.max_notification_id()
        meta = CommandMeta(
            command_id=f"seal:upto:{upto}",
            acting=acting or system_acting(),
            occurred_at=datetime.now(UTC),
            comment=comment or "seal",
        )
        return seal_ledger(self.ledger, key, meta)

    def verify(
        self,
        *,
        against: dict[str, Any] | None = None,
        trusted_public_key: bytes | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Any:
        """Recompute every hash, chain and seal."""
        from ledger.verify import verify_ledger

        kwargs: dict[str, Any] = {"trusted_public_key": trusted_public_key, "progress": progress}
        if against is not None:
            kwargs["against"] = against
        return verify_ledger(self.ledger, **kwargs)

    def export_seal(self) -> dict[str, Any] | None:
        """The last seal, to keep outside the database."""
        from ledger.seal import export_seal

        return export_seal(self.ledger)
