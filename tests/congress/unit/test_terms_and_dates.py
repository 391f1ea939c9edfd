"""Congress terms of one unit, and the dates of their sessions (issue 7, point 9)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.errors import InvalidInput, InvalidState
from domain.poll import ItemKind
from domain.session import AgendaItem, SessionKind
from services.sessions import SessionService
from tests.conftest import ROOT

CHAIR = "wang.li"
START = date(2026, 1, 1)
END = date(2030, 12, 31)
AGENDA = [AgendaItem(no=1, title="审议职工代表大会工作报告", kind=ItemKind.APPROVAL)]


def test_congress_terms_of_one_unit_may_not_overlap_nor_repeat_a_term_number(app):
    app.congresses.create(CHAIR, "dl-bearing-6", "dl-bearing", 6, START, END)
    with pytest.raises(InvalidState, match="第6届"):
        app.congresses.create(
            CHAIR, "dl-bearing-6b", "dl-bearing", 6, date(2031, 1, 1), date(2035, 12, 31)
        )
    with pytest.raises(InvalidState, match="重叠"):
        app.congresses.create(
            CHAIR, "dl-bearing-7", "dl-bearing", 7, date(2030, 6, 1), date(2035, 5, 31)
        )
    assert [c.key for c in app.congresses.congresses()] == ["dl-bearing-6"]
    # The next term, from the day after the last one ends, is fine.
    app.congresses.create(
        CHAIR, "dl-bearing-7", "dl-bearing", 7, END + timedelta(days=1), date(2035, 12, 31)
    )


async def test_a_session_date_lies_inside_its_term(app):
    app.congresses.create(CHAIR, "dl-bearing-6", "dl-bearing", 6, START, END)
    svc = SessionService(None, app.congresses, app.polls, app.settings)
    for opens in (START - timedelta(days=1), END + timedelta(days=1)):
        with pytest.raises(InvalidInput, match="届期"):
            await svc.convene(
                CHAIR,
                "dl-bearing-6",
                "x",
                AGENDA,
                papers_sent_on=opens - timedelta(days=7),
                opens_on=opens,
            )


async def test_extraordinary_session_requesters_must_be_delegates_in_office(app):
    app.congresses.create(CHAIR, "dl-bearing-6", "dl-bearing", 6, START, END)
    app.congresses.import_roster(CHAIR, "dl-bearing-6", ROOT / "examples" / "roster.csv")
    svc = SessionService(None, app.congresses, app.polls, app.settings)
    opens = date(2026, 6, 10)
    with pytest.raises(InvalidInput, match="mallory"):
        await svc.convene(
            CHAIR,
            "dl-bearing-6",
            "x",
            AGENDA,
            papers_sent_on=opens - timedelta(days=7),
            opens_on=opens,
            kind=SessionKind.EXTRAORDINARY,
            requested_by=[f"dlb-d{i:02d}" for i in range(1, 10)] + ["mallory"] * 3,
        )
