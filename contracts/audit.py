"""Inputs and results of the ledger-wide activities (sealing)."""

from __future__ import annotations

from pydantic import BaseModel


class SealRequest(BaseModel):
    """Seal at a milestone of a case."""

    case_id: str
    milestone: str


class SealResult(BaseModel):
    """Where the seal ended, or nothing when there was nothing new to seal."""

    to_notification_id: int | None = None
