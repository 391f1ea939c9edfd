"""One stamp for a person's command: who acts, when, the comment, and the command id that
makes a retry apply once (``domain.actors.fingerprinted``: a caller's id bound to the
operation, so a reused id for another operation is refused). Without a caller's id the
command gets a fresh one under the process's ``prefix``."""

from __future__ import annotations

import uuid
from datetime import datetime

from domain.actors import Acting, CommandMeta, fingerprinted


def command_meta(
    prefix: str,
    acting: Acting,
    operation: object,
    comment: str,
    command_id: str | None,
    occurred_at: datetime,
) -> CommandMeta:
    key = fingerprinted(command_id, [acting.actor_id, operation, comment]) if command_id else None
    return CommandMeta(
        command_id=key or f"{prefix}:{uuid.uuid4()}",
        acting=acting,
        occurred_at=occurred_at,
        comment=comment,
    )
