"""Objections to a public notice (公示), shared by award selection and contests.

An objection is filed during a notice with a real name and a contact, or anonymous (kept
and marked as such); the organiser's reviewer upholds or dismisses it with reasons; a
notice never closes while one is open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from pydantic import BaseModel

from domain.errors import InvalidState


class ObjectionStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


OBJECTION_STATUS_LABELS: dict[ObjectionStatus, tuple[str, str]] = {
    ObjectionStatus.OPEN: ("待处理", "open"),
    ObjectionStatus.UPHELD: ("异议成立", "upheld"),
    ObjectionStatus.DISMISSED: ("异议不成立", "dismissed"),
}


class ObjectionRecord(BaseModel):
    """An objection filed during a notice; anonymous ones are kept and marked as such."""

    no: int
    filed_on: date
    name: str = ""  # real name and contact; both empty for an anonymous objection
    contact: str = ""
    substance: str
    anonymous: bool
    status: ObjectionStatus = ObjectionStatus.OPEN
    investigator: str = ""
    findings: str = ""
    resolved_on: date | None = None


def open_objection(objections: Iterable[ObjectionRecord], no: int) -> ObjectionRecord:
    """Objection ``no`` if it is still open (only an open one is resolved)."""
    found = next((o for o in objections if o.no == no), None)
    if found is None or found.status is not ObjectionStatus.OPEN:
        raise InvalidState(f"第 {no} 号异议不是待处理的异议", f"objection {no} is not open")
    return found


def check_none_open(objections: Iterable[ObjectionRecord]) -> None:
    """A notice cannot close while an objection filed in it is open."""
    still_open = [o.no for o in objections if o.status is ObjectionStatus.OPEN]
    if still_open:
        raise InvalidState(
            f"公示期内的异议（第 {', '.join(map(str, still_open))} 号）尚未处理完，公示不能结束",
            f"objections {', '.join(map(str, still_open))} are open: the notice cannot close",
        )
