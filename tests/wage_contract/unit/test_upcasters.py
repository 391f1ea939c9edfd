"""Wage contract events stored before issue 7 read with their version-2 fields (upcasters),
and a ledger written then still verifies: the new fields are stated as unknown, never made
up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from domain.wage_contract import Stage, WageContract
from ledger.app import Ledger
from ledger.verify import verify_ledger
from settings import Settings

LEDGER_V1 = Path(__file__).parents[2] / "guards" / "ledger-v1.db"


@pytest.fixture
def ledger_v1(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "var")
    settings.sqlite_path.parent.mkdir(parents=True)
    shutil.copyfile(LEDGER_V1, settings.sqlite_path)
    ledger = Ledger(env=settings.ledger_env())
    yield ledger
    ledger.close()


def _wage_case(ledger: Ledger) -> WageContract:
    ids = {
        n.originator_id
        for n in ledger.all_notifications()
        if n.topic == "domain.wage_contract:WageContract.TookEffect"
    }
    assert len(ids) == 1
    case = ledger.get(ids.pop())
    assert isinstance(case, WageContract)
    return case


def test_events_stored_before_version_2_read_with_unknown_new_facts(ledger_v1: Ledger) -> None:
    case = _wage_case(ledger_v1)
    events = ledger_v1.stream(case.id)
    reply = next(e for e in events if isinstance(e, WageContract.ReplyReceived))
    assert reply.talks_start_reminder_on is None
    filed = [e for e in events if isinstance(e, WageContract.Filed)]
    assert filed and all(e.adopted_on is None and e.delegates_total == 0 for e in filed)
    took = next(e for e in events if isinstance(e, WageContract.TookEffect))
    assert took.higher_union_report_due is None
    view = case.view()
    assert view.stage in (Stage.EFFECTIVE, Stage.PUBLISHED, Stage.RENEWAL_DUE)
    assert view.higher_union_report_due is None and not view.higher_union_report_overdue
    assert view.filing_package is not None and view.filing_package.adopted_on is None


def test_a_ledger_with_version_1_wage_events_still_verifies(ledger_v1: Ledger) -> None:
    assert verify_ledger(ledger_v1).ok
