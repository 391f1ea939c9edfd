"""Session rules without Temporal: papers 7 days ahead, extraordinary sessions need 1/3."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from application.profiles import load_profile
from domain.actors import Acting, CommandMeta, Role
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.poll import ItemKind
from domain.session import AgendaItem, Session, SessionKind, SessionStatus, SessionView

PROFILE = load_profile("national")
CHAIR = Acting(actor_id="wang.li", role=Role.CADRE, roles=[Role.CADRE], org_id="dl-bearing")
OPENS = date(2026, 6, 15)


def state(
    kind: SessionKind = SessionKind.REGULAR,
    papers: date = OPENS - timedelta(days=7),
    requested: int = 0,
) -> SessionView:
    return SessionView(
        session_id="c:s",
        congress_key="c",
        unit_org="dl-bearing",
        unit_path=["dl-city", "dl-ganjingzi", "dl-bearing"],
        kind=kind,
        agenda=[AgendaItem(no=1, title="审议", kind=ItemKind.APPROVAL)],
        papers_sent_on=papers,
        opens_on=OPENS,
        requested_by=[f"d{i}" for i in range(requested)],
        status=SessionStatus.CONVENED,
    )


def meta(acting: Acting = CHAIR, day: date = OPENS) -> CommandMeta:
    return CommandMeta(
        command_id="x",
        acting=acting,
        occurred_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2),
    )


def test_papers_exactly_seven_days_ahead_are_enough_and_six_are_not():
    Session.convene(state(), meta(), profile=PROFILE, total_delegates=30)
    with pytest.raises(InvalidInput, match="7"):
        Session.convene(
            state(papers=OPENS - timedelta(days=6)), meta(), profile=PROFILE, total_delegates=30
        )


def test_an_extraordinary_session_needs_a_third_of_delegates_to_ask():
    Session.convene(
        state(SessionKind.EXTRAORDINARY, requested=10), meta(), profile=PROFILE, total_delegates=30
    )
    with pytest.raises(InvalidInput, match="1/3"):
        Session.convene(
            state(SessionKind.EXTRAORDINARY, requested=9),
            meta(),
            profile=PROFILE,
            total_delegates=30,
        )


def test_the_session_opens_on_its_day_and_only_by_a_cadre_of_the_unit():
    session = Session.convene(state(), meta(), profile=PROFILE, total_delegates=30)
    with pytest.raises(InvalidState):
        session.open(meta(day=OPENS - timedelta(days=1)))
    outsider = CHAIR.model_copy(update={"org_id": "dl-garment"})
    with pytest.raises(NotAuthorised):
        session.open(meta(outsider))
    session.open(meta())
    assert session.view().status is SessionStatus.OPEN
