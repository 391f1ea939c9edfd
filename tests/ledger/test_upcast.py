"""A payload changed with ``class_version`` and an upcaster keeps the ledger verifiable.

The chain hash covers the attributes as they were stored; audits recompute it from the
stored state, not from the upcast event, so a new version of an event class never makes
the events written before it look tampered with (ADR 0004).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eventsourcing import utils

from domain.base import LedgerAggregate
from ledger.app import Ledger
from ledger.seal import SealKey, seal_ledger
from ledger.verify import verify_ledger
from tests.ledger.conftest import meta

NOTE = "tests.ledger.test_upcast:Note"


class Note(LedgerAggregate):
    """Version 1: a note has a text."""

    TOPIC = NOTE

    class Created(LedgerAggregate.Created):
        TOPIC = f"{NOTE}.Created"
        text: str

        def apply(self, aggregate: Any) -> None:
            aggregate.text = self.text

    def __init__(self, text: str) -> None:
        super().__init__()


class NoteV2(LedgerAggregate):
    """Version 2: a note also has a language; stored version-1 notes were Chinese."""

    TOPIC = f"{NOTE}V2"

    class Created(LedgerAggregate.Created):
        TOPIC = f"{NOTE}V2.Created"
        class_version = 2
        text: str
        lang: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["lang"] = "zh"

        def apply(self, aggregate: Any) -> None:
            aggregate.text = self.text
            aggregate.lang = self.lang

    def __init__(self, text: str, lang: str) -> None:
        super().__init__()


def ledger_at(path: Path) -> Ledger:
    return Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})


@pytest.fixture
def upgraded(monkeypatch: pytest.MonkeyPatch):
    """From now on, the stored topics resolve to version 2 of the classes."""

    def upgrade() -> None:
        monkeypatch.setitem(utils._topic_cache, NOTE, NoteV2)
        monkeypatch.setitem(utils._topic_cache, f"{NOTE}.Created", NoteV2.Created)

    return upgrade


def test_events_stored_before_an_upcaster_still_verify_and_read_upcast(tmp_path: Path, upgraded):
    ledger = ledger_at(tmp_path / "l.db")
    note = Note._new(Note.create_id(), meta(), text="第一条记录")
    ledger.save(note)
    seal_ledger(ledger, SealKey.generate(), meta())
    assert verify_ledger(ledger).ok
    ledger.close()

    upgraded()
    ledger = ledger_at(tmp_path / "l.db")
    assert ledger.get(note.id).lang == "zh"  # the upcaster ran on reading
    newer = NoteV2._new(NoteV2.create_id(), meta(), text="second", lang="en")
    ledger.save(newer)
    seal_ledger(ledger, SealKey.load_or_create(tmp_path / "k.pem"), meta())
    report = verify_ledger(ledger)
    assert report.ok, report.first_bad
    assert report.events_checked == ledger.max_notification_id()
