"""The unit facts index: a wage contract in force, a congress session held this year, a call
for motions run this year, a title held, each from the aggregates' own events in a ledger;
live (tailing the log) and as of an instant."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from application.calendar import work_calendar
from application.profiles import load_profile
from application.unit_facts import UnitFactsIndex
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role, system_acting
from domain.award.aggregate import Honours
from domain.award.definition import Level
from domain.campaign.definition import KNOWN_FACTS
from domain.motion.call import MotionCall
from domain.poll import ItemKind
from domain.session import AgendaItem, ItemOutcome, Session, SessionKind, SessionView
from domain.wage_contract import (
    AppointNegotiators,
    ApproveReview,
    FileContract,
    RecordAdoptionFromPoll,
    RecordReply,
    RecordTalksRound,
    RequestAdoptionPoll,
    SignContract,
    SignDraft,
    SubmitForReview,
    TakeEffect,
    WageContract,
)
from ledger.app import Ledger
from tests.wage_contract.helpers import draft, negotiators, offer
from tests.wage_contract.unit.test_wage_contract import PARENT_REVIEWER, count

PROFILE = load_profile("liaoning")
CALENDAR = work_calendar()
DISTRICT = "dl-ganjingzi"


def make_ledger(tmp_path: Path) -> Ledger:
    return Ledger(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / f"ledger-{uuid.uuid4().hex[:6]}.db"),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    )


def cadre(org: str) -> Acting:
    return Acting(actor_id=f"cadre.{org}", role=Role.CADRE, roles=[Role.CADRE], org_id=org)


def stamp(who: Acting, day: date, hour: int = 10) -> CommandMeta:
    return CommandMeta(
        command_id=str(uuid.uuid4()),
        acting=who,
        occurred_at=datetime.combine(day, time(hour), tzinfo=CHINA_TZ),
    )


def contract_in_force(ledger: Ledger, org: str, start: date, case_id: str = "") -> WageContract:
    """A wage contract case of ``org`` from the offer on ``start`` to its taking effect (the
    aggregate's own commands, each on its business day), saved in the ledger."""
    case_id = case_id or f"WC-{org}-{start.isoformat()}"
    today = start
    me = cadre(org)
    agg = WageContract.open(
        offer(case_id).model_copy(update={"unit_org": org}),
        stamp(me, today),
        unit_path=["dl-city", DISTRICT, org],
        wage_area_class=1,
        profile=PROFILE,
        today=today,
    )

    def do(who: Acting, command: object) -> None:
        agg.handle(command, stamp(who, today), today=today, calendar=CALENDAR)

    do(me, RecordReply(content="同意协商"))
    do(me, AppointNegotiators(negotiators=negotiators()))
    do(me, RecordTalksRound(minutes="第一轮"))
    do(me, SignDraft(draft=draft()))
    do(me, SubmitForReview())
    do(PARENT_REVIEWER, ApproveReview())
    do(me, RequestAdoptionPoll(session_id="s1", item_no=1))
    do(system_acting(), RecordAdoptionFromPoll(poll_key="s1:item1", count=count(30, 30, 20)))
    do(me, SignContract())
    do(me, FileContract(copies=3, office="甘井子区人社局"))
    today += timedelta(days=16)
    do(system_acting(), TakeEffect())
    ledger.save(agg)
    return agg


def congress_held(
    ledger: Ledger, org: str, day: date, congress_key: str = "", closed: bool = True
) -> Session:
    """A session of ``org``'s workers' congress convened, opened on ``day``, its one item
    decided and (``closed``) closed."""
    congress_key = congress_key or f"{org}-c1"
    me = cadre(org)
    state = SessionView(
        session_id=f"{congress_key}:{day.isoformat()}",
        congress_key=congress_key,
        unit_org=org,
        unit_path=["dl-city", DISTRICT, org],
        kind=SessionKind.REGULAR,
        agenda=[AgendaItem(no=1, title="工资专项集体合同草案", kind=ItemKind.APPROVAL)],
        papers_sent_on=day - timedelta(days=10),
        opens_on=day,
        status="convened",
    )
    session = Session.convene(
        state, stamp(me, day - timedelta(days=10)), profile=PROFILE, total_delegates=30
    )
    session.open(stamp(me, day, 9))
    session.decide_item(
        ItemOutcome(item_no=1, poll_key=state.poll_key(1), summary="通过", passed=True),
        stamp(me, day, 11),
    )
    if closed:
        session.close(stamp(me, day, 17))
    ledger.save(session)
    return session


def motion_call(ledger: Ledger, org: str, day: date) -> MotionCall:
    session_on = day + timedelta(days=30)
    call = MotionCall.open(
        f"{org}-c1:{session_on.isoformat()}",
        stamp(cadre(org), day),
        congress_key=f"{org}-c1",
        unit_org=org,
        unit_path=["dl-city", DISTRICT, org],
        session_on=session_on,
        profile=PROFILE,
    )
    ledger.save(call)
    return call


def honour(ledger: Ledger, holder: str, day: date) -> Honours:
    meta = stamp(system_acting(), day)
    register = Honours.start(holder, meta)
    register.grant_title("ankang-cup", "安康杯优胜企业", Level.CITY, "ankang-2026", day, meta)
    ledger.save(register)
    return register


@pytest.fixture
def ledger(tmp_path: Path):
    found = make_ledger(tmp_path)
    yield found
    found.close()


def test_a_contract_counts_from_taking_effect_to_its_expiry(ledger: Ledger) -> None:
    agg = contract_in_force(ledger, "u-a", date(2026, 3, 2))
    view = agg.view()
    assert view.effective_on is not None and view.expires_on is not None
    index = UnitFactsIndex(ledger)
    assert index.facts("u-a", view.effective_on - timedelta(days=1)) == {}
    found = index.facts("u-a", view.effective_on)
    assert set(found) == {"wage_contract_in_force"}
    ref = found["wage_contract_in_force"]
    assert (ref.record, ref.event, ref.on) == (
        view.case_id,
        "WageContract.TookEffect",
        view.effective_on,
    )
    assert "wage_contract_in_force" in index.facts("u-a", view.expires_on)
    assert index.facts("u-a", view.expires_on + timedelta(days=1)) == {}
    assert index.facts("u-b", view.effective_on) == {}  # another unit's contract is not its


def test_a_contract_not_yet_in_force_does_not_count(ledger: Ledger) -> None:
    me = cadre("u-a")
    agg = WageContract.open(
        offer("WC-x").model_copy(update={"unit_org": "u-a"}),
        stamp(me, date(2026, 3, 2)),
        unit_path=["dl-city", DISTRICT, "u-a"],
        wage_area_class=1,
        profile=PROFILE,
        today=date(2026, 3, 2),
    )
    ledger.save(agg)
    assert UnitFactsIndex(ledger).facts("u-a", date(2026, 6, 1)) == {}


def test_congress_session_counts_in_the_year_it_closed(ledger: Ledger) -> None:
    congress_held(ledger, "u-a", date(2026, 4, 10))
    congress_held(ledger, "u-b", date(2026, 4, 10), closed=False)  # opened, not closed
    index = UnitFactsIndex(ledger)
    assert index.facts("u-a", date(2026, 4, 9)) == {}
    ref = index.facts("u-a", date(2026, 12, 31))["congress_held_this_year"]
    assert (ref.event, ref.on) == ("Session.Closed", date(2026, 4, 10))
    assert index.facts("u-a", date(2027, 1, 1)) == {}  # held last year
    assert index.facts("u-b", date(2026, 12, 31)) == {}


def test_motion_call_and_honour(ledger: Ledger) -> None:
    motion_call(ledger, "u-a", date(2026, 5, 5))
    honour(ledger, "u-a", date(2026, 6, 6))
    index = UnitFactsIndex(ledger)
    assert set(index.facts("u-a", date(2026, 5, 4))) == set()
    assert set(index.facts("u-a", date(2026, 5, 5))) == {"motion_run_this_year"}
    both = index.facts("u-a", date(2026, 6, 6))
    assert set(both) == {"motion_run_this_year", "honour_held"}
    assert set(both) <= KNOWN_FACTS
    assert both["honour_held"].detail == "安康杯优胜企业"
    assert set(index.facts("u-a", date(2027, 2, 1))) == {"honour_held"}  # a title stays held


def test_live_index_sees_what_came_since_and_facts_many_reads_once(ledger: Ledger) -> None:
    index = UnitFactsIndex(ledger)
    seen: list[str] = []
    index.subscribe(seen.append)
    on = date(2026, 12, 1)
    assert index.facts_many(["u-a", "u-b"], on) == {"u-a": {}, "u-b": {}}
    congress_held(ledger, "u-b", date(2026, 4, 10))
    many = index.facts_many(["u-a", "u-b"], on)
    assert many["u-a"] == {} and set(many["u-b"]) == {"congress_held_this_year"}
    assert "u-b" in seen and "u-a" not in seen


def test_as_of_an_instant_leaves_out_later_events(ledger: Ledger) -> None:
    agg = contract_in_force(ledger, "u-a", date(2026, 3, 2))
    took = agg.view().effective_on
    assert took is not None
    congress_held(ledger, "u-a", date(2026, 6, 10))
    on = date(2026, 12, 1)
    live = UnitFactsIndex(ledger).facts("u-a", on)
    assert set(live) == {"wage_contract_in_force", "congress_held_this_year"}
    # The morning before the contract took effect: neither yet.
    before = datetime.combine(took, time(8), tzinfo=CHINA_TZ)
    assert UnitFactsIndex.as_of(ledger, before).facts("u-a", on) == {}
    # Between: the contract in force, the session not yet closed.
    between = datetime.combine(date(2026, 6, 10), time(12), tzinfo=CHINA_TZ).astimezone(UTC)
    assert set(UnitFactsIndex.as_of(ledger, between).facts("u-a", on)) == {"wage_contract_in_force"}
    after = datetime(2026, 6, 11, tzinfo=UTC)
    assert UnitFactsIndex.as_of(ledger, after).facts("u-a", on) == live


def test_award_facts_read_the_same_index(app) -> None:
    """One read model: the award rules' unit facts come from the index campaigns read."""
    from application.award_facts import AwardFacts

    index = UnitFactsIndex(app.ledger, app.settings)
    awards = AwardFacts(app.ledger, app.congresses, app.polls, app.settings, unit_facts=index)
    assert awards.index is index
    on = date(2026, 6, 1)
    assert awards.unit("dl-bearing", on).wage_contract_in_force is None
    view = contract_in_force(app.ledger, "dl-bearing", date(2026, 3, 2)).view()
    found = awards.unit("dl-bearing", on).wage_contract_in_force
    assert found is not None and found.record == view.case_id
    assert found == index.facts("dl-bearing", on)["wage_contract_in_force"].model_copy(
        update={"detail": f"{view.effective_on} 至 {view.expires_on}"}
    )
