"""The auditor's facade: timelines, point-in-time reads, seals and verification."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from domain.actors import Acting, CommandMeta, system_acting
from domain.base import _plain
from domain.errors import InvalidState
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

    def witness(self) -> Any:
        """The witness of this ledger's seals (its own directory, outside the database)."""
        from ledger.witness import Witness

        return Witness(self.settings.witness_path)

    def seal(self, comment: str = "", *, acting: Acting | None = None) -> Any:
        """Append a signed seal over everything recorded since the last one, and witness it.

        ``acting``: the operator who seals from the CLI; the engine's own periodic and
        milestone seals are made by the system. Refused, before anything is written, when
        the signing key is not the one the witness pinned. Seals the database holds but the
        witness not yet (a crash between the two writes) are witnessed first.
        """
        from ledger.seal import SealKey, seal_ledger

        key = SealKey.load_or_create(self.settings.seal_key_path)
        witness = self.witness()
        signer = key.public_bytes().hex()
        pinned = self._witnessed(witness.pinned_key)
        if pinned is not None and pinned != signer:
            raise InvalidState(
                f"封印密钥（{self.settings.seal_key_path}）不是见证固定的公钥：拒绝封印",
                f"the seal key ({self.settings.seal_key_path}) is not the key the witness pinned: refusing to seal",
            )
        self._witnessed(lambda: witness.sync(self.ledger, signer))
        upto = self.ledger.max_notification_id()
        meta = CommandMeta(
            command_id=f"seal:upto:{upto}",
            acting=acting or system_acting(),
            occurred_at=datetime.now(UTC),
            comment=comment or "seal",
        )
        sealed = seal_ledger(self.ledger, key, meta)
        self._witnessed(lambda: witness.sync(self.ledger, signer))
        return sealed

    def settled_head(self) -> int | None:
        """The head of the log when nothing but seals follows the last seal, else None."""
        from ledger.seal import settled_head

        return settled_head(self.ledger)

    @staticmethod
    def _witnessed(action: Callable[[], Any]) -> Any:
        """Run a witness action; a witness that contradicts itself is a refusal."""
        from ledger.witness import WitnessInconsistent

        try:
            return action()
        except WitnessInconsistent as e:
            raise InvalidState(e.zh, e.en) from None

    def verify(
        self,
        *,
        against: dict[str, Any] | None = None,
        trusted_public_key: bytes | None = None,
        witness_path: Path | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Any:
        """Recompute every hash, chain and seal, against the witness (by default the one
        of the settings; ``witness_path``: a witness directory or an exported seals file)."""
        from ledger.verify import verify_ledger
        from ledger.witness import Witness

        witness = Witness(self.settings.witness_path)
        if witness_path is not None:
            witness = Witness.at(witness_path)
        kwargs: dict[str, Any] = {
            "trusted_public_key": trusted_public_key,
            "progress": progress,
            "witness": witness,
        }
        if against is not None:
            kwargs["against"] = against
        return verify_ledger(self.ledger, **kwargs)

    def export_witness(self) -> str:
        """The witnessed seals (JSON lines), for a higher union to keep."""
        return str(self._witnessed(lambda: self.witness().export_text()))

    def import_witness(self, text: str) -> int:
        """Add the seals of a witness kept elsewhere; how many were new."""
        from ledger.witness import parse_seals

        seals = parse_seals(text)
        return int(self._witnessed(lambda: self.witness().import_seals(seals)))

    def seals(self) -> list[Any]:
        """Every seal the database holds, oldest first (``ledger.seal.SealView``)."""
        from ledger.seal import seal_views

        return list(seal_views(self.ledger))

    def export_seal(self) -> dict[str, Any] | None:
        """The last seal, to keep outside the database."""
        from ledger.seal import export_seal

        return export_seal(self.ledger)
