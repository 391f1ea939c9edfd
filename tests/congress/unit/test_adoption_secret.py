"""A wage contract is adopted by secret ballot: a named item is never linked (issue 7, point 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activities.wage_contract import WageContractActivities
from domain.actors import CommandMeta, Role
from domain.errors import InvalidInput
from domain.poll import ItemKind
from domain.session import AgendaItem, Session, SessionKind, SessionStatus, SessionView
from domain.wage_contract import RequestAdoptionPoll, WageContract
from tests.wage_contract.helpers import CADRE, offer


def _session(app, case_id: str, *, secret: bool, approval_secret: bool) -> str:
    acting = app.directory.acting(CADRE, Role.CADRE)
    now = datetime.now(UTC)
    meta = CommandMeta(command_id=f"convene-{secret}", acting=acting, occurred_at=now)
    state = SessionView(
        session_id=f"dl-bearing-6:s-{secret}",
        congress_key="dl-bearing-6",
        unit_org="dl-bearing",
        unit_path=["dl-city", "dl-ganjingzi", "dl-bearing"],
        kind=SessionKind.REGULAR,
        agenda=[
            AgendaItem(
                no=1,
                title="审议工资专项集体合同草案",
                kind=ItemKind.APPROVAL,
                secret=secret,
                wage_case_id=case_id,
            )
        ],
        papers_sent_on=now.date() - timedelta(days=7),
        opens_on=now.date(),
        status=SessionStatus.CONVENED,
    )
    # A profile whose congress lets approval items be named; the wage rule still holds.
    profile = app.profiles.load("national")
    profile = profile.model_copy(
        update={
            "congress": profile.congress.model_copy(
                update={"approval_secret_ballot": approval_secret}
            )
        }
    )
    app.ledger.save(Session.convene(state, meta, profile=profile, total_delegates=30))
    return state.session_id


def test_a_named_item_cannot_adopt_a_wage_contract_whatever_the_agenda_allows(app):
    acting = app.directory.acting(CADRE, Role.CADRE)
    now = datetime.now(UTC)
    case = WageContract.open(
        offer("WC-S"),
        CommandMeta(command_id="open", acting=acting, occurred_at=now),
        unit_path=["dl-city", "dl-ganjingzi", "dl-bearing"],
        wage_area_class=1,
        profile=app.profiles.load("national"),
        today=now.date(),
    )
    app.ledger.save(case)
    activities = WageContractActivities(app.ledger, app.calendar, app.profiles, app.directory)
    named = _session(app, "WC-S", secret=False, approval_secret=False)
    with pytest.raises(InvalidInput, match="无记名"):
        activities._with_congress_facts("WC-S", RequestAdoptionPoll(session_id=named, item_no=1))
    secret = _session(app, "WC-S", secret=True, approval_secret=False)
    linked = activities._with_congress_facts(
        "WC-S", RequestAdoptionPoll(session_id=secret, item_no=1)
    )
    assert linked.session_id == secret
