"""What an auditor reads: any record's timeline, its state at an instant, the verification.

As ``unionflow history`` / ``status --at`` / ``audit verify`` read them, from the ledger
alone (``application.records``, the ``AuditService``): no Temporal server is needed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from application.audit import TimelineEntry
from application.records import Record, resolve
from domain.actors import CHINA_TZ
from domain.errors import InvalidInput
from i18n import event_label, role_label, system_comment
from interfaces.text import Names

if TYPE_CHECKING:
    from bootstrap import App


class HistoryEvent(TimelineEntry):
    """A stored event with its business name and its actor, role and org in words."""

    label: str
    actor_name: str
    role_label: str
    org_name: str
    comment_shown: str  # the engine's own comments in the reader's language


class History(BaseModel):
    """A record's timeline, up to ``at`` when given, with its state then."""

    key: str
    kind: str
    kind_zh: str
    kind_en: str
    at: datetime | None = None
    events: list[HistoryEvent]
    state: dict[str, Any] | None = None  # the record's view at ``at``


def parse_at(text: str | None) -> datetime | None:
    """An instant from ``?at=`` (ISO, or a date-time picker's ``YYYY-MM-DDTHH:MM``), in
    China time when it names no zone; blank: now."""
    if text is None or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"时间格式无效：{text[:40]}", f"not an ISO time: {text[:40]}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def history(app: App, key: str, kind: str | None, at: datetime | None) -> History:
    """The timeline of the record ``key`` names (of ``kind`` when it is ambiguous)."""
    record: Record = resolve(app.ledger, key, kind or None)
    entries = app.audit().timeline(record.ledger_id, at=at)
    state = None
    if at is not None and entries:
        state = record.view(app.ledger, at=at).model_dump(mode="json")
    names = Names(app.directory)
    events = []
    for e in entries:
        role = e.actor.get("role", "")
        events.append(
            HistoryEvent(
                **e.model_dump(),
                label=event_label(e.event, record.kind.name),
                actor_name=names.person(e.actor.get("id", "")),
                role_label=role_label(role),
                org_name=names.org(e.actor.get("org", "")),
                comment_shown=system_comment(e.comment) if role == "system" else e.comment,
            )
        )
    return History(
        key=key,
        kind=record.kind.name,
        kind_zh=record.kind.label[0],
        kind_en=record.kind.label[1],
        at=at,
        events=events,
        state=state,
    )


class Verification(BaseModel):
    """``audit verify``'s report, and the first bad event's class when it still reads."""

    report: Any  # ledger.verify.VerifyReport
    bad_event: str | None = None


def verify(app: App) -> Verification:
    """Recompute every hash, chain and seal against the witness (``unionflow audit verify``)."""
    report = app.audit().verify()
    bad = report.first_bad
    name = None
    if bad is not None and bad.version > 0:
        try:
            stream = app.ledger.stream(uuid.UUID(bad.aggregate_id))
            name = next(
                (type(e).__name__ for e in stream if e.originator_version == bad.version), None
            )
        except Exception:  # noqa: BLE001 - a record too damaged to read is named by its id
            name = None
    return Verification(report=report, bad_event=name)
