"""``AwardService.fact_checks``: what the nominee's page shows of the round's
disqualifiers, each checked for the unit with the ledger fact it rests on."""

from __future__ import annotations

from datetime import date

from domain.award import Nominee
from domain.award.checks import FactRef, UnitFacts
from domain.award.commands import OpenRound
from tests.award.test_award_service import world  # noqa: F401 - the fixture

DEPARTMENTS = {"discipline": "jw.dept", "market": "market.dept", "tax": "tax.dept",
               "hr": "hrss.dept", "emergency": "emergency.dept", "environment": "env.dept",
               "audit": "audit.dept"}  # fmt: skip


def _nomination(service) -> str:
    c = OpenRound(round_key="model-2027", title="2027年大连市劳动模范评选",
                  definition="dalian-labour-model", nominations_close=date(2027, 4, 30),
                  departments=DEPARTMENTS)  # fmt: skip
    rk = service.open_round("sun.lihua", c).key
    nominee = Nominee(person="P1", name="张秀英", unit_org="dl-bearing", sub_union="dl-ganjingzi",
                      post="班组长", category="industrial_worker", deeds="零事故")  # fmt: skip
    return service.nominate("wang.li", rk, nominee).key


def test_a_unit_without_the_facts_fails_each_check_resting_on_no_record(world):  # noqa: F811
    _app, service, _clock = world
    checked = service.fact_checks(_nomination(service))
    assert [(f.zh, f.passes, f.rests_on) for f in checked] == [
        ("所在企业未建立工资集体协商制度", False, None),
        ("所在单位本届职代会未召开", False, None),
        ("所在单位三年内发生较大以上安全事故", True, None),  # no accident recorded
    ]
    assert "没有工资专项集体合同" in checked[0].why_zh


def test_a_check_that_passes_names_the_event_it_rests_on(world):  # noqa: F811
    _app, service, clock = world
    key = _nomination(service)
    contract = FactRef(record="WC-1", event="WageContract.TookEffect", on=date(2026, 6, 1))
    held = FactRef(record="dl-bearing-6:2027-1", event="Session.Closed", on=date(2027, 1, 20))
    asked = []

    def unit(org: str, today: date) -> UnitFacts:
        asked.append((org, today))
        return UnitFacts(unit_org=org, wage_contract_in_force=contract, congress_in_term=held)

    service.facts.unit = unit  # type: ignore[method-assign]
    checked = service.fact_checks(key)
    assert [(f.passes, f.rests_on) for f in checked] == [
        (True, contract),
        (True, held),
        (True, None),
    ]
    assert asked == [("dl-bearing", clock.day())]
