"""Campaign progress from the ledger: the rows rule (fact, approved report, either; joining
late; a withdrawn report), tallies by district, industry and ownership, the gap in units,
the weekly trend, a report as of an earlier instant, and the live view kept incrementally
agreeing with one rebuilt from the log."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from application.campaign_progress import CampaignProgress, gap_label
from application.campaign_rows import trend_value, weekly
from application.unit_facts import UnitFactsIndex
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role
from domain.campaign.aggregate import Campaign, CampaignUnit
from domain.campaign.definition import CampaignDefinition, TargetKind
from domain.campaign.progress import progress
from domain.campaign.values import UnitView, campaign_ledger_id, unit_ledger_id
from domain.errors import DomainError, NotFound
from ledger.app import Ledger
from tests.campaign.unit.test_unit_facts import (
    congress_held,
    contract_in_force,
    make_ledger,
)

ORGANISER = "dl-city"
KEY = "drive-2026"
OPENED = date(2026, 3, 2)

DEFINITION: dict[str, Any] = dict(
    key=KEY,
    title=["工资集体协商集中行动", "wage bargaining drive"],
    year=2026,
    population=dict(filter=dict(unionised=True)),
    indicators=[
        dict(key="wage", label=["建立工资集体协商制度", "wage bargaining"], source="fact",
             fact="wage_contract_in_force"),
        dict(key="congress", label=["建立职代会制度", "workers' congress"], source="either",
             fact="congress_held_this_year"),
        dict(key="signed", label=["签订劳动合同", "contracts signed"], source="report"),
        dict(key="members", label=["新会员", "new members"], source="report", value="count"),
    ],
    targets=[
        dict(key="wage_rate", label=["建制率≥80%", "80% bargaining"], indicator="wage",
             kind="rate", at_least=0.8, by="2026-12-31"),
        dict(key="congress_public", label=["公有制单位≥96%", "public 96%"], indicator="congress",
             kind="rate", among=dict(ownership=["public"]), at_least=0.96, by="2026-12-31"),
        dict(key="signed_rate", label=["签订率≥50%", "50% signed"], indicator="signed",
             kind="rate", at_least=0.5, by="2026-12-31"),
        dict(key="members_count", label=["新会员≥100", "100 members"], indicator="members",
             kind="count", at_least=100, by="2026-12-31"),
    ],
    timeline=dict(
        periods=[
            dict(key="P1", starts="2026-03-01", due="2026-06-30"),
            dict(key="P2", starts="2026-07-01", due="2026-11-30"),
        ],
        final_report="2026-12-31",
    ),
)  # fmt: skip

# code, district, industry, ownership, unionised
UNITS = [
    ("u01", "甘井子区", "制造业", "public", True),
    ("u02", "甘井子区", "制造业", "non_public", True),
    ("u03", "甘井子区", "服务业", "public", True),
    ("u04", "沙河口区", "制造业", "non_public", True),
    ("u05", "沙河口区", "服务业", "public", True),
    ("u06", "沙河口区", "服务业", "non_public", False),  # not unionised: outside
]
DISTRICT_ORG = {"甘井子区": "dl-ganjingzi", "沙河口区": "dl-shahekou"}


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHINA_TZ)


def acting(actor: str, role: Role, org: str) -> Acting:
    return Acting(actor_id=actor, role=role, roles=[role], org_id=org)


def stamp(who: Acting, moment: datetime) -> CommandMeta:
    return CommandMeta(command_id=str(uuid.uuid4()), acting=who, occurred_at=moment)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@dataclass
class World:
    ledger: Ledger
    facts: UnitFactsIndex
    progress: CampaignProgress
    clock: Clock
    definition: CampaignDefinition

    def fresh(self) -> CampaignProgress:
        """Another read model over the same ledger, built from the log in one go."""
        return CampaignProgress(self.ledger, UnitFactsIndex(self.ledger), clock=self.clock)

    def join(
        self,
        code: str,
        district: str = "甘井子区",
        industry: str = "制造业",
        ownership: str = "public",
        unionised: bool = True,
        joined_on: date = OPENED,
        moment: datetime | None = None,
    ) -> None:
        unit = UnitView(
            campaign_key=KEY,
            code=code,
            name=f"单位{code}",
            district=district,
            industry=industry,
            ownership=ownership,
            employees=100,
            unionised=unionised,
            district_org=DISTRICT_ORG[district],
            joined_on=joined_on,
        )
        meta = stamp(acting("cadre.city", Role.CADRE, ORGANISER), moment or at(joined_on))
        self.ledger.execute(
            unit_ledger_id(KEY, code), meta, create=lambda: CampaignUnit.join(unit, meta)
        )

    def _unit(self, code: str, command: Any, who: Acting, moment: datetime) -> None:
        self.ledger.execute(unit_ledger_id(KEY, code), stamp(who, moment), command)

    def report(
        self, code: str, indicator: str, value: int = 1, period: str = "P1", day: date = OPENED,
        approve: bool = True, moment: datetime | None = None,
    ) -> None:  # fmt: skip
        moment = moment or at(day)
        self._unit(
            code,
            lambda u: u.submit(
                self.definition,
                indicator=indicator,
                period=period,
                value=value,
                evidence="",
                note="",
                meta=stamp(acting(f"cadre.{code}", Role.CADRE, code), moment),
            ),
            acting(f"cadre.{code}", Role.CADRE, code),
            moment,
        )
        if approve:
            self.review(code, indicator, period, moment + timedelta(hours=1))

    def review(self, code: str, indicator: str, period: str, moment: datetime) -> None:
        district = self.ledger.get(unit_ledger_id(KEY, code)).s.district_org
        who = acting("reviewer", Role.REVIEWER, district)
        self._unit(
            code,
            lambda u: u.approve(indicator=indicator, period=period, meta=stamp(who, moment)),
            who,
            moment,
        )

    def withdraw(self, code: str, indicator: str, period: str, moment: datetime) -> None:
        who = acting(f"cadre.{code}", Role.CADRE, code)
        self._unit(
            code,
            lambda u: u.withdraw(
                indicator=indicator, period=period, reason="填错", meta=stamp(who, moment)
            ),
            who,
            moment,
        )

    def leave(self, code: str, on: date) -> None:
        who = acting("cadre.city", Role.CADRE, ORGANISER)
        self._unit(code, lambda u: u.leave(on, "撤销", ORGANISER, stamp(who, at(on))), who, at(on))


def open_world(ledger: Ledger) -> World:
    """The campaign opened on ``OPENED`` in ``ledger``, its six units joined."""
    definition = CampaignDefinition.model_validate(DEFINITION)
    meta = stamp(acting("cadre.city", Role.CADRE, ORGANISER), at(OPENED, 9))
    ledger.execute(
        campaign_ledger_id(KEY),
        meta,
        create=lambda: Campaign.open(definition=definition, organiser_org=ORGANISER, meta=meta),
    )
    facts = UnitFactsIndex(ledger)
    clock = Clock(at(date(2026, 9, 1), 12))
    w = World(ledger, facts, CampaignProgress(ledger, facts, clock=clock), clock, definition)
    for code, district, industry, ownership, unionised in UNITS:
        w.join(code, district, industry, ownership, unionised)
    return w


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    ledger = make_ledger(tmp_path)
    yield open_world(ledger)
    ledger.close()


def row(w: World, code: str, on: date):
    return next(r for r in w.progress.rows(KEY, on) if r.code == code)


def test_rows_are_sorted_and_carry_what_counts(world: World) -> None:
    on = date(2026, 9, 1)
    rows = world.progress.rows(KEY, on)
    assert [r.code for r in rows] == [u[0] for u in UNITS]
    assert all(r.member and r.values == {} for r in rows)


def test_fact_indicator_counts_the_fact_and_either_takes_a_report_too(world: World) -> None:
    on = date(2026, 9, 1)
    contract_in_force(world.ledger, "u01", date(2026, 3, 2))
    congress_held(world.ledger, "u01", date(2026, 4, 10))
    world.report("u03", "congress")  # no congress session: an approved report instead
    r1, r3 = row(world, "u01", on), row(world, "u03", on)
    assert r1.values == {"wage": 1, "congress": 1}
    assert "WageContract.TookEffect" in r1.basis["wage"]
    assert "Session.Closed" in r1.basis["congress"]
    assert r3.values == {"congress": 1} and "P1" in r3.basis["congress"]
    # A report of a fact indicator is refused by the aggregate; the fact alone counts.
    with pytest.raises(Exception, match="ledger"):
        world.report("u02", "wage")


def test_only_an_approved_report_counts_and_a_withdrawn_one_no_longer(world: World) -> None:
    on = date(2026, 9, 1)
    world.report("u01", "signed", approve=False)
    assert row(world, "u01", on).values == {}  # pending
    world.review("u01", "signed", "P1", at(OPENED, 15))
    assert row(world, "u01", on).values == {"signed": 1}
    world.withdraw("u01", "signed", "P1", at(date(2026, 8, 1)))
    assert row(world, "u01", on).values == {}
    # A period not started by the day does not count yet; the latest approved one does.
    world.report("u02", "members", value=30, period="P1")
    world.report("u02", "members", value=45, period="P2", day=date(2026, 7, 2))
    assert row(world, "u02", date(2026, 6, 30)).values == {"members": 30}
    assert row(world, "u02", date(2026, 7, 1)).values == {"members": 45}


def test_a_late_joiner_counts_from_its_joining_and_a_leaver_until_it_left(world: World) -> None:
    world.join("u07", "沙河口区", "制造业", "public", joined_on=date(2026, 8, 1))
    world.leave("u05", date(2026, 7, 15))
    p = world.progress
    assert not row(world, "u07", date(2026, 7, 31)).member
    assert row(world, "u07", date(2026, 8, 1)).member
    assert row(world, "u05", date(2026, 7, 14)).member
    assert not row(world, "u05", date(2026, 7, 15)).member
    july = p.report(KEY, on=date(2026, 7, 31)).target("wage_rate").total
    august = p.report(KEY, on=date(2026, 8, 1)).target("wage_rate").total
    assert (july.denominator, august.denominator) == (4, 5)  # u01-u04; then u07 joins


def test_tallies_by_district_industry_ownership_and_the_gap(world: World) -> None:
    for code in ("u01", "u02", "u04"):
        contract_in_force(world.ledger, code, date(2026, 3, 2))
    contract_in_force(world.ledger, "u06", date(2026, 3, 2))  # outside the population
    report = world.progress.report(KEY)
    assert report.on == date(2026, 9, 1) and report.units == 6 and report.members == 5
    wage = report.target("wage_rate")
    assert (wage.total.numerator, wage.total.denominator) == (3, 5)
    assert wage.total.gap == 1 and not wage.total.met  # 80% of 5 = 4 units
    assert gap_label(wage.total, TargetKind.RATE) == ("还差 1 家", "1 unit short")
    g, s = wage.by_district["甘井子区"], wage.by_district["沙河口区"]
    assert (g.numerator, g.denominator, s.numerator, s.denominator) == (2, 3, 1, 2)
    assert {k: (v.numerator, v.denominator) for k, v in wage.by_industry.items()} == {
        "制造业": (3, 3),
        "服务业": (0, 2),
    }
    assert {k: (v.numerator, v.denominator) for k, v in wage.by_ownership.items()} == {
        "public": (1, 3),
        "non_public": (2, 2),
    }
    assert wage.laggards == ["u03", "u05"]
    public = report.target("congress_public")
    assert public.total.denominator == 3 and public.total.gap == 3
    assert gap_label(public.total, TargetKind.RATE) == ("还差 3 家", "3 units short")
    assert report.names["u03"] == "单位u03"
    assert report.districts == {"甘井子区": "dl-ganjingzi", "沙河口区": "dl-shahekou"}
    contract_in_force(world.ledger, "u03", date(2026, 3, 2))
    met = world.progress.report(KEY).target("wage_rate").total
    assert met.met and gap_label(met, TargetKind.RATE) == ("已达标", "target met")


def test_the_trend_has_a_point_a_week_from_the_opening(world: World) -> None:
    contract_in_force(world.ledger, "u01", date(2026, 3, 2))  # in force from 2026-03-18
    world.report("u02", "members", value=40, period="P2", day=date(2026, 7, 2))
    report = world.progress.report(KEY, on=date(2026, 7, 20))
    days = sorted({d for d, _, _ in report.trend})
    assert days == [*weekly(OPENED, date(2026, 7, 19)), date(2026, 7, 20)]
    wage = {d: v for d, t, v in report.trend if t == "wage_rate"}
    assert wage[OPENED] == 0.0 and wage[date(2026, 3, 16)] == 0.0
    assert wage[date(2026, 3, 23)] == pytest.approx(1 / 5)
    members = {d: v for d, t, v in report.trend if t == "members_count"}
    assert members[date(2026, 6, 29)] == 0.0  # P2 not started yet
    assert members[date(2026, 7, 6)] == pytest.approx(0.4)  # 40 of 100
    assert members[date(2026, 7, 20)] == pytest.approx(0.4)


def test_a_report_at_an_earlier_instant_is_what_the_live_report_said_then(
    world: World,
) -> None:
    contract_in_force(world.ledger, "u01", date(2026, 3, 2))
    world.report("u02", "signed")
    t0 = world.progress.report(KEY)
    assert t0.at == world.clock()
    # Later: more facts, reports, a withdrawal, a joiner.
    later = at(date(2026, 9, 2))
    world.clock.now = later + timedelta(days=1)
    congress_held(world.ledger, "u03", date(2026, 9, 2))
    contract_in_force(world.ledger, "u04", date(2026, 9, 2))
    world.report("u05", "signed", moment=later)
    world.withdraw("u02", "signed", "P1", later)
    world.join("u08", "沙河口区", "服务业", "public", joined_on=OPENED, moment=later)
    now = world.progress.report(KEY, on=t0.on)
    assert now != t0
    assert now.target("signed_rate").total.numerator == 1  # u05, not u02
    again = world.progress.report(KEY, at=t0.at)
    assert again == t0
    assert world.fresh().report(KEY, at=t0.at) == t0
    # A late entry of a past date (stamped before t0) counts as of t0, asked again or anew.
    contract_in_force(world.ledger, "u05", date(2026, 3, 2))
    late = world.progress.report(KEY, at=t0.at)
    assert late == world.fresh().report(KEY, at=t0.at)
    assert late.target("wage_rate").total.numerator == t0.target("wage_rate").total.numerator + 1


def test_the_live_view_kept_incrementally_agrees_with_one_rebuilt(world: World) -> None:
    p = world.progress
    on = date(2026, 9, 1)
    p.report(KEY, on=on)  # built; now each change is applied to it
    contract_in_force(world.ledger, "u02", date(2026, 3, 2))
    world.report("u01", "members", value=70)
    assert p.report(KEY, on=on) == world.fresh().report(KEY, on=on)
    world.withdraw("u01", "members", "P1", at(date(2026, 8, 1)))
    world.leave("u04", date(2026, 5, 1))
    congress_held(world.ledger, "u05", date(2026, 5, 5))
    world.join("u09", "甘井子区", "服务业", "non_public", joined_on=date(2026, 6, 1))
    mine, rebuilt = p.report(KEY, on=on), world.fresh().report(KEY, on=on)
    assert mine == rebuilt
    assert mine.target("congress_public").total.numerator == 1  # u05, a public unit
    assert p.rows(KEY, on) == world.fresh().rows(KEY, on)


def test_an_unknown_campaign_is_refused(world: World) -> None:
    with pytest.raises(NotFound):
        world.progress.report("no-such")
    with pytest.raises(NotFound):
        world.progress.report(KEY, at=at(date(2026, 3, 1)))  # before it was opened


def busy(w: World) -> None:
    """A campaign with some of everything: facts, reports, a withdrawal, joining, leaving."""
    contract_in_force(w.ledger, "u01", date(2026, 3, 2))
    contract_in_force(w.ledger, "u04", date(2026, 5, 4))
    congress_held(w.ledger, "u05", date(2026, 4, 10))
    w.report("u03", "congress", day=date(2026, 3, 20))
    w.report("u02", "members", value=30, period="P1", day=date(2026, 4, 1))
    w.report("u02", "members", value=45, period="P2", day=date(2026, 7, 2))
    w.report("u04", "signed", day=date(2026, 3, 10))
    w.withdraw("u04", "signed", "P1", at(date(2026, 6, 1)))
    w.report("u05", "signed", period="P2", day=date(2026, 7, 3))
    w.join("u07", "沙河口区", "制造业", "public", joined_on=date(2026, 5, 20))
    w.leave("u03", date(2026, 6, 15))


def test_the_counts_kept_agree_with_the_tallies_of_the_rows(world: World) -> None:
    busy(world)
    for on in (date(2026, 3, 1), date(2026, 5, 20), date(2026, 9, 1)):
        report = world.progress.report(KEY, on=on)
        assert report.targets == progress(world.definition, world.progress.rows(KEY, on))


def test_each_trend_point_is_the_tally_of_that_day(world: World) -> None:
    busy(world)
    report = world.progress.report(KEY, on=date(2026, 8, 10))
    points: dict[date, dict[str, float]] = {}
    for day, target, value in report.trend:
        points.setdefault(day, {})[target] = value
    assert len(points) == len(weekly(OPENED, date(2026, 8, 9))) + 1
    for day, values in points.items():
        tallies = progress(world.definition, world.progress.rows(KEY, day))
        expected = {
            t.key: trend_value(t, p.total.numerator, p.total.denominator)
            for t, p in zip(world.definition.targets, tallies, strict=True)
        }
        assert values == expected, day


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_changes_between_reports_on_several_days_keep_the_live_view_right(
    world: World, seed: int
) -> None:
    """Whatever changes come between live reports, on whichever days (more days than the
    view keeps), the live view says what a view rebuilt from the log says."""
    rng = random.Random(seed)
    p = world.progress
    codes = [u[0] for u in UNITS]
    days = [OPENED + timedelta(days=d) for d in (0, 10, 40, 90, 130, 180, 200, 260)]
    moment = at(date(2026, 9, 2))
    done = 0
    for n in range(30):
        moment += timedelta(hours=1)
        code = rng.choice(codes)
        op = rng.randrange(7)
        try:
            if op == 0:
                contract_in_force(world.ledger, code, rng.choice(days[:6]), f"WC-{seed}-{n}")
            elif op == 1:
                congress_held(world.ledger, code, rng.choice(days[1:6]), f"{code}-c{n}")
            elif op == 2:
                indicator = rng.choice(["congress", "signed", "members"])
                world.report(code, indicator, value=rng.randrange(1, 40),
                             period=rng.choice(["P1", "P2"]), moment=moment)  # fmt: skip
            elif op == 3:
                world.withdraw(code, rng.choice(["congress", "signed", "members"]), "P1", moment)
            elif op == 4:
                world.leave(code, rng.choice(days[1:7]))
            elif op == 5:
                who = acting("cadre.city", Role.CADRE, ORGANISER)
                day = rng.choice(days[3:])
                world.ledger.execute(
                    unit_ledger_id(KEY, code),
                    stamp(who, moment),
                    lambda u, day=day, meta=stamp(who, moment): u.rejoin(day, ORGANISER, meta),
                )
            else:
                code = f"n{n:02d}"
                codes.append(code)
                world.join(code, rng.choice(list(DISTRICT_ORG)), "制造业",
                           rng.choice(["public", "non_public"]), joined_on=rng.choice(days))  # fmt: skip
            done += 1
        except DomainError:
            pass  # refused (nothing written): e.g. a withdrawal with nothing to withdraw
        if rng.random() < 0.6:
            p.report(KEY, on=rng.choice(days))
    assert done >= 10  # most changes were made, not refused
    fresh = world.fresh()
    for day in days:
        assert p.report(KEY, on=day) == fresh.report(KEY, on=day), day
        assert p.rows(KEY, day) == fresh.rows(KEY, day)


def test_the_next_days_report_counts_what_starts_that_day(world: World) -> None:
    """Nothing recorded between the two reports: the second day's rows come from the
    first's, and only the units with a change that day are computed again."""
    contract_in_force(world.ledger, "u01", date(2026, 8, 16))  # in force from 2026-09-01
    world.join("u07", "沙河口区", "服务业", "public", joined_on=date(2026, 9, 1))
    world.leave("u05", date(2026, 9, 1))
    p = world.progress
    aug = p.report(KEY, on=date(2026, 8, 31))
    sep = p.report(KEY, on=date(2026, 9, 1))
    assert aug.target("wage_rate").total.numerator == 0
    assert (sep.target("wage_rate").total.numerator, sep.members) == (1, 5)
    assert (
        "u07" in sep.target("wage_rate").laggards and "u05" not in sep.target("wage_rate").laggards
    )
    assert (
        "u05" in aug.target("wage_rate").laggards and "u07" not in aug.target("wage_rate").laggards
    )
    assert sep == world.fresh().report(KEY, on=date(2026, 9, 1))
    assert p.report(KEY, on=date(2026, 8, 31)) == aug
